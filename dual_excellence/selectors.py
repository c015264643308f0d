"""Reads of 双优 shared by pages, API and exports: rounds, quota use per area, the honour roll."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from core import roles
from core.scoping import scope_for
from dual_excellence.models import Category, Nomination, Quota, Round
from dual_excellence.services import areas_of

NStatus = Nomination.Status


def rounds_for(user):
    return Round.objects.visible_to(user).select_related("organization")


def current_round(user) -> Round | None:
    """The latest round the user sees; drafts only for those who run them."""
    rounds = rounds_for(user)
    visible = rounds.exclude(status=Round.Status.DRAFT) | Round.objects.writable_by(user)
    return visible.order_by("-year", "-pk").first()


def nominations_for(user, round_: Round | None = None):
    qs = Nomination.objects.visible_to(user).select_related(
        "round", "category", "area", "organization", "nominee_org", "nominee_member__branch"
    )
    return qs.filter(round=round_) if round_ is not None else qs


@dataclass
class QuotaUse:
    """One area's quota and use in one category."""

    area: object
    category: Category
    org_quota: int
    member_quota: int
    org_used: int = 0
    member_used: int = 0

    @property
    def org_full(self) -> bool:
        return self.org_used >= self.org_quota

    @property
    def member_full(self) -> bool:
        return self.member_used >= self.member_quota


@dataclass
class AreaRow:
    area: object
    cells: list = field(default_factory=list)  # QuotaUse per category, in category order


def quota_table(round_: Round, user=None) -> tuple[list[Category], list[AreaRow]]:
    """Quota use of every area (or, for a user who does not run the round, the areas they touch)."""
    categories = list(round_.categories.all())
    areas = list(areas_of(round_))
    if user is not None and not Round.objects.writable_by(user).filter(pk=round_.pk).exists():
        scope = scope_for(user)
        prefixes = scope.prefixes(roles.READ)
        areas = [
            a for a in areas if any(p.startswith(a.path) or a.path.startswith(p) for p in prefixes)
        ]
    own = {(q.category_id, q.area_id): q for q in Quota.objects.filter(category__round=round_)}
    used = defaultdict(int)
    rows = (
        Nomination.objects.counting()
        .filter(round=round_)
        .values("category_id", "area_id")
        .annotate(
            orgs=Count("pk", filter=Q(nominee_org__isnull=False)),
            people=Count("pk", filter=Q(nominee_member__isnull=False)),
        )
    )
    for row in rows:
        used[(row["category_id"], row["area_id"], "org")] = row["orgs"]
        used[(row["category_id"], row["area_id"], "member")] = row["people"]
    table = []
    for area in areas:
        row = AreaRow(area)
        for category in categories:
            quota = own.get((category.pk, area.pk))
            row.cells.append(
                QuotaUse(
                    area,
                    category,
                    quota.org_quota if quota else category.org_quota,
                    quota.member_quota if quota else category.member_quota,
                    used[(category.pk, area.pk, "org")],
                    used[(category.pk, area.pk, "member")],
                )
            )
        table.append(row)
    return categories, table


def status_counts(nominations) -> list[tuple[str, str, int]]:
    counts = dict(nominations.values_list("status").annotate(n=Count("pk")).order_by())
    return [(value, label, counts.get(value, 0)) for value, label in NStatus.choices]


def honour_roll(user, year: int | None = None):
    """Awarded nominations of the rounds the user sees (the city's honours), newest year first."""
    rounds = Round.objects.visible_to(user).filter(status=Round.Status.AWARDED)
    qs = (
        Nomination.objects.filter(round__in=rounds, status=NStatus.AWARDED)
        .select_related("round", "category", "area", "nominee_org", "nominee_member__branch")
        .order_by("-round__year", "category__order", "nominee_member_id", "area__path", "pk")
    )
    return qs.filter(round__year=year) if year else qs


def roll_years(user) -> list[int]:
    rounds = Round.objects.visible_to(user).filter(status=Round.Status.AWARDED)
    return sorted(set(rounds.values_list("year", flat=True)), reverse=True)
