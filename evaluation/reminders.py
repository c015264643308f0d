"""Who must be reminded of the rating cycle on a given day (the send_reminders job writes the result).

- The organization's write-role holders, `REMIND_DAYS` days before the self-assessment deadline and
  weekly once it has passed, while their self-assessment is not submitted (pending or returned).
- The reviewing organization's write-role holders, one digest per organization, the same way before
  the review deadline while submissions wait for them.
- The 工委's administrators before the approval deadline while reviewed results wait, and once a
  公示 has ended with results still to award.

A constant number of queries for the whole city; dedupe keys make re-runs on the same day no-ops.
"""

from collections import defaultdict
from datetime import date

from django.urls import reverse

from core.roles import Role
from evaluation.models import EvaluationCycle, OrgRating
from notifications.models import Notification
from notifications.recipients import Holders, to_each

REMIND_DAYS = 7
Status, Level = OrgRating.Status, Notification.Level


def _due(today: date, deadline: date) -> tuple[str, str, str] | None:
    """(dedupe key part, wording, level) when a reminder is due for this deadline today."""
    days = (deadline - today).days
    if 0 <= days <= REMIND_DAYS:
        return f"soon-{deadline:%Y%m%d}", f"将于{deadline:%m月%d日}截止", Level.WARNING
    if days < 0:
        # Weekly while overdue: the ISO week keeps one per week.
        week = today.isocalendar()
        return f"overdue-{week[0]}-{week[1]}", f"已于{deadline:%m月%d日}截止，已逾期", Level.DANGER
    return None


def collect(today: date) -> list[Notification]:
    cycles = list(
        EvaluationCycle.objects.exclude(status=EvaluationCycle.Status.CLOSED).select_related(
            "organization"
        )
    )
    if not cycles:
        return []
    ratings = list(
        OrgRating.objects.filter(
            cycle__in=cycles,
            status__in=[
                Status.PENDING,
                Status.RETURNED,
                Status.SELF_ASSESSED,
                Status.REVIEWED,
                Status.NOTICED,
            ],
        )
        .select_related("organization", "reviewer")
        .order_by("organization__path")
    )
    by_cycle = {c.pk: c for c in cycles}
    org_ids = {r.organization_id for r in ratings} | {
        r.reviewer_id for r in ratings if r.reviewer_id
    }
    writers = Holders(today, org_ids)
    admins = Holders(today, [c.organization_id for c in cycles], roles=[Role.CITY_ADMIN])
    out = []
    waiting_review = defaultdict(list)
    reviewed = defaultdict(int)
    ended = defaultdict(int)
    for rating in ratings:
        cycle = by_cycle[rating.cycle_id]
        if rating.status in (Status.PENDING, Status.RETURNED):
            out += _self_assessment(rating, cycle, writers, today)
        elif rating.status == Status.SELF_ASSESSED and rating.reviewer_id:
            waiting_review[(cycle.pk, rating.reviewer_id)].append(rating)
        elif rating.status == Status.REVIEWED:
            reviewed[cycle.pk] += 1
        elif (
            rating.status == Status.NOTICED
            and rating.notice_ends_on
            and rating.notice_ends_on < today
        ):
            ended[cycle.pk] += 1
    for (cycle_pk, reviewer_id), waiting in waiting_review.items():
        out += _review(by_cycle[cycle_pk], waiting, writers.writers(reviewer_id), today)
    for cycle in cycles:
        out += _work_committee(cycle, reviewed[cycle.pk], ended[cycle.pk], admins, today)
    return out


def _notes(user_ids, *, title, body, url, level, key) -> list[Notification]:
    return to_each(
        user_ids,
        dedupe_key=key,
        title=title[:200],
        body=body,
        url=url,
        level=level,
        category="evaluation.deadline",
    )


def _self_assessment(rating, cycle, writers, today) -> list[Notification]:
    due = _due(today, cycle.self_assessment_due)
    if due is None:
        return []
    key, wording, level = due
    what = "修改后重新提交" if rating.status == Status.RETURNED else "完成自评并提交"
    return _notes(
        writers.writers(rating.organization_id),
        title=f"{rating.organization.name}：{cycle.year}年度评星自评{wording}",
        body=f"请{what}（自评截止{cycle.self_assessment_due:%Y年%m月%d日}）。",
        url=reverse("evaluation:rating_self_assess", args=[rating.pk]),
        level=level,
        key=f"evaluation:self:{rating.pk}:{key}",
    )


def _review(cycle, waiting, user_ids, today) -> list[Notification]:
    due = _due(today, cycle.review_due)
    if due is None or not user_ids:
        return []
    key, wording, level = due
    reviewer = waiting[0].reviewer
    names = "、".join(r.organization.name for r in waiting[:5]) + ("等" if len(waiting) > 5 else "")
    return _notes(
        user_ids,
        title=f"{reviewer.name}：{len(waiting)}个下级党组织评星自评待审核，审核{wording}",
        body=f"待审核：{names}。审核截止{cycle.review_due:%Y年%m月%d日}。",
        url=reverse("evaluation:queue"),
        level=level,
        key=f"evaluation:review:{cycle.pk}:{reviewer.pk}:{key}",
    )


def _work_committee(cycle, reviewed: int, ended: int, admins, today) -> list[Notification]:
    out = []
    user_ids = admins.writers(cycle.organization_id)
    url = reverse("evaluation:cycle_detail", args=[cycle.pk])
    due = _due(today, cycle.approval_due)
    if reviewed and due:
        key, wording, level = due
        out += _notes(
            user_ids,
            title=f"{cycle.year}年度评星：{reviewed}个党组织已审核待审定，审定{wording}",
            body="请审定后发布公示。",
            url=url,
            level=level,
            key=f"evaluation:approve:{cycle.pk}:{key}",
        )
    if ended:
        out += _notes(
            user_ids,
            title=f"{cycle.year}年度评星公示已期满：{ended}个党组织待授星",
            body="请确认异议均已答复后授星。",
            url=url,
            level=Level.INFO,
            key=f"evaluation:award:{cycle.pk}:{today.isocalendar()[0]}-{today.isocalendar()[1]}",
        )
    return out
