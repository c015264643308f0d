"""Reminders of 联述联评联考 for the send_reminders job: unsubmitted 述职 and uncast ballots.

Within REMIND_DAYS of a deadline: each secretary whose report is still a draft, and each rater with
ballots still open. One notification per person, round and deadline (dedupe key), in two queries.
"""

from datetime import date, timedelta

from django.db.models import Count
from django.urls import reverse

from notifications.models import Notification
from notifications.recipients import accounts_of
from secretary_review.models import Assignment, Report, Round

REMIND_DAYS = 3


def collect(today: date) -> list[Notification]:
    window = (today, today + timedelta(days=REMIND_DAYS))
    out = []
    drafts = Report.objects.filter(
        round__status=Round.Status.REPORTING,
        round__report_due__range=window,
        status=Report.Status.DRAFT,
    ).values_list("round_id", "round__report_due", "secretary_id")
    drafts = list(drafts)
    users = accounts_of({m for _, _, m in drafts})
    for round_id, due, member_id in drafts:
        if member_id in users:
            out.append(
                Notification(
                    recipient_id=users[member_id],
                    title=f"述职报告将于 {due:%m月%d日} 截止",
                    body="您的述职报告尚未提交，请在截止日期前填写并提交。",
                    url=reverse("secretary_review:mine"),
                    level=Notification.Level.WARNING,
                    category="secretary_review",
                    dedupe_key=f"secretary_review:{round_id}:report_due:{member_id}",
                )
            )
    pending = (
        Assignment.objects.filter(
            report__round__status=Round.Status.RATING,
            report__round__rating_due__range=window,
            submitted_at__isnull=True,
        )
        .values_list("report__round_id", "report__round__rating_due", "rater_id")
        .annotate(n=Count("pk"))
    )
    pending = list(pending)
    users = accounts_of({m for _, _, m, _ in pending})
    for round_id, due, member_id, count in pending:
        if member_id in users:
            out.append(
                Notification(
                    recipient_id=users[member_id],
                    title=f"民主测评将于 {due:%m月%d日} 截止",
                    body=f"您还有 {count} 份述职未测评（匿名）。",
                    url=reverse("secretary_review:ballots"),
                    level=Notification.Level.WARNING,
                    category="secretary_review",
                    dedupe_key=f"secretary_review:{round_id}:rating_due:{member_id}",
                )
            )
    return out
