"""Reading work plans: an owner's to-do list, plan summaries, the roll-up of completion by area.

Completion = assignments the publisher confirmed ÷ all assignments. Overdue = past the deadline
and still with the owner (open or returned), as of the day asked about; never stored.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q
from django.db.models.functions import Substr

from core import roles
from core.scoping import scope_for
from notifications.recipients import Holders
from orgs.models import PATH_SEGMENT_WIDTH, Organization
from work_plans.models import State, TaskAssignment, WorkPlan, overdue_q

Review = TaskAssignment.Review


def writers_of(org_ids, on: date) -> dict[int, list[int]]:
    """organization id -> active users holding a write role bound exactly there, in id order."""
    holders = Holders(on, org_ids)
    return {org_id: sorted(holders.writers(org_id)) for org_id in holders.by_org}


def counts_of(queryset, today: date, prefix: str = "") -> dict:
    """Aggregates of assignments (or of rows reaching them through `prefix`) as of `today`."""
    p = prefix
    confirmed = Q(**{f"{p}review_status": Review.CONFIRMED})
    overdue = overdue_q(today, p)
    started = Q(**{f"{p}percent__gt": 0}) | Q(**{f"{p}last_reported_at__isnull": False})
    field = f"{p}pk" if p else "pk"
    return {
        "total": Count(field),
        "done": Count(field, filter=confirmed),
        "pending": Count(field, filter=Q(**{f"{p}review_status": Review.SUBMITTED})),
        "overdue": Count(field, filter=overdue),
        "not_started": Count(field, filter=~confirmed & ~overdue & ~started),
    }


@dataclass
class Tally:
    """Counts of assignments by state; completion = done ÷ total."""

    total: int = 0
    done: int = 0
    pending: int = 0
    overdue: int = 0
    not_started: int = 0

    @property
    def in_progress(self) -> int:
        return self.total - self.done - self.overdue - self.not_started

    @property
    def completion(self) -> float | None:
        return self.done / self.total if self.total else None

    def add(self, other: "Tally") -> None:
        for name in ("total", "done", "pending", "overdue", "not_started"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def tally(assignments, today: date) -> Tally:
    return Tally(**assignments.order_by().aggregate(**counts_of(assignments, today)))


def todo_for(user, today: date):
    """Assignments of the organizations the user is bound to (not those below), still to finish,
    overdue first, then by deadline."""
    bound = scope_for(user).prefixes(roles.READ)
    return (
        TaskAssignment.objects.filter(
            owner__path__in=bound, task__plan__status=WorkPlan.Status.PUBLISHED
        )
        .exclude(review_status=Review.CONFIRMED)
        .with_state(today)
        .select_related("task__plan__organization", "owner")
        .order_by("task__deadline", "pk")
    )


def plans_with_counts(plans, today: date):
    """Plans annotated with their assignment counts (one query)."""
    return plans.annotate(
        task_count=Count("tasks", distinct=True),
        **counts_of(plans, today, prefix="tasks__assignments__"),
    ).select_related("organization")


def tally_of(row) -> Tally:
    return Tally(row.total, row.done, row.pending, row.overdue, row.not_started)


def default_base(user) -> Organization | None:
    """Where the roll-up starts: the user's first bound organization that has areas below it."""
    tops = Organization.objects.filter(path__in=scope_for(user).prefixes(roles.READ))
    return tops.exclude(kind__in=["branch", "joint_branch", "group"]).order_by("path").first()


@dataclass
class AreaRow:
    organization: Organization
    tally: Tally
    is_base: bool = False


def rollup(assignments, base: Organization, today: date) -> tuple[list[AreaRow], Tally]:
    """Assignments under `base` grouped by area (the organizations one level below it; the base's
    own assignments form a 本级 row), in one grouped query. Every active area gets a row."""
    cut = len(base.path) + PATH_SEGMENT_WIDTH + 1
    rows = (
        assignments.filter(owner__path__startswith=base.path)
        .annotate(area=Substr("owner__path", 1, cut))
        .order_by()
        .values("area")
        .annotate(**counts_of(assignments, today))
    )
    by_area = {row.pop("area"): Tally(**row) for row in rows}
    areas = list(
        Organization.objects.filter(parent=base)
        .filter(Q(status=Organization.Status.ACTIVE) | Q(path__in=list(by_area)))
        .order_by("sort_order", "path")
    )
    total = Tally()
    out = []
    if base.path in by_area:
        out.append(AreaRow(base, by_area[base.path], is_base=True))
    for area in areas:
        out.append(AreaRow(area, by_area.get(area.path, Tally())))
    for row in out:
        total.add(row.tally)
    return out, total


STATE_BADGES = {
    State.DONE: "text-bg-success",
    State.OVERDUE: "text-bg-danger",
    State.IN_PROGRESS: "text-bg-info",
    State.NOT_STARTED: "text-bg-secondary",
}
