"""Who must be reminded of what in 民主评议党员 on a given day (send_reminders writes the result).

- Members who have not self-assessed, in the last SELF_REMIND_DAYS before the due date.
- The branch's writers (secretary …), once the due date has passed with self-assessments missing.
- The branch's writers, when a 限期改正 reaches its last RECTIFICATION_REMIND_DAYS, and once overdue.

A constant number of queries whatever the city's size; dedupe keys make re-runs no-ops.
"""

from datetime import date, timedelta

from django.db.models import Count, Q
from django.urls import reverse

from member_review.models import MemberReview, Rectification, ReviewEntry
from notifications.models import Notification
from notifications.recipients import Holders, accounts_of, to_each

SELF_REMIND_DAYS = 3
RECTIFICATION_REMIND_DAYS = 30
Level = Notification.Level


def collect(today: date) -> list[Notification]:
    return _self_assessment(today) + _rectifications(today)


def _self_assessment(today: date) -> list[Notification]:
    open_reviews = MemberReview.objects.filter(
        status=MemberReview.Status.SELF_ASSESSMENT,
        self_assessment_due__lte=today + timedelta(days=SELF_REMIND_DAYS),
    )
    out = []
    # Members still to self-assess before the due date, with an account to tell.
    pending = ReviewEntry.objects.filter(
        review__in=open_reviews.filter(self_assessment_due__gte=today),
        self_assessed_at__isnull=True,
    )
    user_of = accounts_of(pending.values("member_id"))
    url = reverse("member_review:mine")
    for review_id, member_id, due, year in pending.values_list(
        "review_id", "member_id", "review__self_assessment_due", "review__year"
    ):
        user_id = user_of.get(member_id)
        if user_id is None:
            continue
        out.append(
            Notification(
                recipient_id=user_id,
                title=f"请于{due:%m月%d日}前提交{year}年度民主评议个人自评",
                body="民主评议党员个人自评即将截止，请对照党员标准进行自我评价并在平台提交。",
                url=url,
                level=Level.WARNING,
                category="member_review.self",
                dedupe_key=f"member_review:self:{review_id}:{user_id}",
            )
        )
    # Past the due date: the branch hears how many are missing.
    overdue = (
        open_reviews.filter(self_assessment_due__lt=today)
        .annotate(missing=Count("entries", filter=Q(entries__self_assessed_at__isnull=True)))
        .filter(missing__gt=0)
        .select_related("branch")
    )
    overdue = list(overdue)
    holders = Holders(today, {r.branch_id for r in overdue})
    for review in overdue:
        out += to_each(
            holders.writers(review.branch_id),
            title=f"{review.branch.name}：{review.missing}名党员未按期提交民主评议自评",
            body=f"自评已于{review.self_assessment_due:%Y年%m月%d日}截止。请督促未提交的党员，"
            "或根据其书面自评代为录入后进入党员互评。",
            url=reverse("member_review:review_detail", args=[review.pk]),
            level=Level.WARNING,
            category="member_review.self_overdue",
            dedupe_key=f"member_review:self_overdue:{review.pk}",
        )
    return out


def _rectifications(today: date) -> list[Notification]:
    rows = list(
        Rectification.objects.filter(
            outcome=Rectification.Outcome.PENDING,
            deadline__lte=today + timedelta(days=RECTIFICATION_REMIND_DAYS),
        ).select_related("entry__member", "entry__review__branch")
    )
    holders = Holders(today, {r.entry.review.branch_id for r in rows})
    out = []
    for rectification in rows:
        review = rectification.entry.review
        overdue = rectification.deadline < today
        name = rectification.entry.member.name
        if overdue:
            title = f"{review.branch.name}：{name}的限期改正已于{rectification.deadline:%Y年%m月%d日}到期"
            key = "overdue"
        else:
            title = f"{review.branch.name}：{name}的限期改正将于{rectification.deadline:%Y年%m月%d日}到期"
            key = "due"
        out += to_each(
            holders.writers(review.branch_id),
            title=title,
            body="请组织考察改正情况并登记处理结果：已改正的予以确认；"
            "期满仍无转变的，按程序劝其退党或予以除名（R-MEM-3）。",
            url=reverse("member_review:rectification_detail", args=[rectification.pk]),
            level=Level.DANGER if overdue else Level.WARNING,
            category="member_review.rectification",
            dedupe_key=f"member_review:rect:{key}:{rectification.pk}",
        )
    return out
