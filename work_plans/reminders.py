"""Who must be reminded of what about work plans, on a given day.

- Writers of an owner organization, once per assignment, when its deadline is within DUE_SOON_DAYS
  and the owner has not reported completion.
- Writers of an owner organization with overdue tasks: one digest per owner and ISO week.
- Writers of a publishing organization whose plans have overdue tasks: one digest per publisher
  and ISO week.

Awaiting confirmation is the publisher's turn and counts as neither due nor overdue (models.overdue_q).
Everything is read in a constant number of queries, whatever the number of assignments.
"""

from datetime import date, timedelta

from django.db.models import Count, Min
from django.urls import reverse

from notifications.models import Notification
from notifications.recipients import Holders, to_each
from orgs.models import Organization
from work_plans.models import TaskAssignment, WorkPlan, overdue_q

DUE_SOON_DAYS = 7
NAMES_SHOWN = 5
Review = TaskAssignment.Review
Level = Notification.Level


def _live():
    return TaskAssignment.objects.filter(task__plan__status=WorkPlan.Status.PUBLISHED)


def collect(today: date) -> list[Notification]:
    """Unsaved notifications for `today` (dedupe keys make re-runs no-ops)."""
    due = list(
        _live()
        .filter(
            task__deadline__gte=today,
            task__deadline__lte=today + timedelta(days=DUE_SOON_DAYS),
            review_status__in=[Review.OPEN, Review.RETURNED],
        )
        .values("pk", "owner_id", "task_id", "task__title", "task__deadline", "owner__name")
    )
    overdue = list(
        _live()
        .filter(overdue_q(today))
        .values("owner_id", "owner__name")
        .annotate(n=Count("pk"), oldest=Min("task__deadline"))
        .order_by("owner__path")
    )
    by_publisher = list(
        _live()
        .filter(overdue_q(today))
        .values("task__plan__organization_id")
        .annotate(n=Count("pk"), owners=Count("owner_id", distinct=True))
        .order_by()
    )
    org_ids = (
        {row["owner_id"] for row in due}
        | {row["owner_id"] for row in overdue}
        | {row["task__plan__organization_id"] for row in by_publisher}
    )
    if not org_ids:
        return []
    holders = Holders(today, org_ids)
    week = f"{today.isocalendar().year}W{today.isocalendar().week:02d}"
    return (
        _due_soon(due, holders, today)
        + _overdue_to_owners(overdue, holders, today, week)
        + _digest_to_publishers(by_publisher, holders, week)
    )


def _due_soon(rows, holders: Holders, today) -> list[Notification]:
    out = []
    for row in rows:
        days = (row["task__deadline"] - today).days
        when = "今天" if days == 0 else f"{days}天后"
        url = reverse("work_plans:task_detail", args=[row["task_id"]]) + f"#assignment-{row['pk']}"
        out += to_each(
            holders.writers(row["owner_id"]),
            title=f"{row['owner__name']}：任务“{row['task__title']}”{when}到期",
            body=f"完成时限 {row['task__deadline']:%Y-%m-%d}，请及时推进并报告进展。",
            url=url,
            level=Level.INFO,
            category="work_plans.due",
            dedupe_key=f"work_plans:due:{row['pk']}",
        )
    return out


def _overdue_to_owners(rows, holders: Holders, today, week) -> list[Notification]:
    out = []
    url = reverse("work_plans:index")
    for row in rows:
        late = (today - row["oldest"]).days
        out += to_each(
            holders.writers(row["owner_id"]),
            title=f"{row['owner__name']}：{row['n']}项计划任务已逾期",
            body=f"最早的已逾期{late}天。请尽快完成并报告进展，或向计划制定组织说明情况。",
            url=url,
            level=Level.WARNING,
            category="work_plans.overdue",
            dedupe_key=f"work_plans:overdue:{row['owner_id']}:{week}",
        )
    return out


def _digest_to_publishers(rows, holders: Holders, week) -> list[Notification]:
    names = dict(
        Organization.objects.filter(
            pk__in=[r["task__plan__organization_id"] for r in rows]
        ).values_list("pk", "name")
    )
    out = []
    for row in rows:
        publisher = row["task__plan__organization_id"]
        url = f"{reverse('work_plans:index')}?org={publisher}"
        out += to_each(
            holders.writers(publisher),
            title=f"{names[publisher]}下达的计划任务有{row['n']}项逾期",
            body=f"涉及{row['owners']}个责任组织，请督促落实。",
            url=url,
            level=Level.INFO,
            category="work_plans.overdue_digest",
            dedupe_key=f"work_plans:digest:{publisher}:{week}",
        )
    return out
