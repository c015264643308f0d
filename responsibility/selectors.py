"""Reading responsibility lists: completion per list, the roll-up by area, a secretary's own lists.

Completion of a list = Σ weight of confirmed items / Σ weight of all items (0..1). Only items the
superior has confirmed count: the secretary's own percentages are shown beside it as 自报进度
(Σ weight × percent / Σ weight), never mixed into it. Weights come from the template (default 1
each, 述职 and the core duties 2), so equal weights mean "confirmed items / items".
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Sum

from orgs.models import PATH_SEGMENT_WIDTH, Organization
from responsibility.models import Level, ListItem, ResponsibilityList

Status = ListItem.Status
# Pages print names only: loading the encrypted columns would decrypt nothing but cost bytes.
SECRETARY_HEAVY_FIELDS = ("secretary__id_number_enc", "secretary__phone_enc")


def with_completion(queryset):
    """Lists annotated with their item counts and weights, in the one query that reads them."""
    confirmed = Q(items__status=Status.CONFIRMED)
    return queryset.annotate(
        item_count=Count("items"),
        confirmed_count=Count("items", filter=confirmed),
        submitted_count=Count("items", filter=Q(items__status=Status.SUBMITTED)),
        returned_count=Count("items", filter=Q(items__status=Status.RETURNED)),
        total_weight=Sum("items__weight"),
        confirmed_weight=Sum("items__weight", filter=confirmed),
        reported_weight=Sum(F("items__weight") * F("items__percent")),
    )


def completion_of(lst) -> float:
    """Confirmed share of an annotated list (0 for a list without items)."""
    return (lst.confirmed_weight or 0) / lst.total_weight if lst.total_weight else 0.0


def reported_of(lst) -> float:
    """The secretary's self-reported progress of an annotated list (0..1)."""
    return (lst.reported_weight or 0) / (100 * lst.total_weight) if lst.total_weight else 0.0


def list_completion(organization_ids, year: int) -> dict[int, float]:
    """Completion (0..1) of the secretary's list of each organization for the year; absent when none."""
    lists = with_completion(
        ResponsibilityList.objects.filter(organization_id__in=list(organization_ids), year=year)
    ).order_by()
    return {lst.organization_id: completion_of(lst) for lst in lists}


def lists_for_member(member, year: int):
    """The lists a member owns as secretary for the year (several when they lead several bodies)."""
    return (
        with_completion(ResponsibilityList.objects.filter(secretary=member, year=year))
        .select_related("organization")
        .order_by("organization__path")
    )


def lists_table(queryset):
    """Lists as the roll-up and the export show them: organization, secretary, completion."""
    return (
        with_completion(queryset)
        .select_related("organization", "secretary")
        .defer(*SECRETARY_HEAVY_FIELDS)
        .order_by("organization__path")
    )


@dataclass
class AreaRow:
    """One area of the roll-up: an organization and every list in its subtree."""

    organization: Organization
    lists: int = 0
    completion_sum: float = 0.0
    reported_sum: float = 0.0
    completed: int = 0  # lists fully confirmed
    pending: int = 0  # items waiting for confirmation
    vacant: int = 0  # lists without a secretary
    by_level: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0.0]))

    def add(self, lst) -> None:
        completion = completion_of(lst)
        self.lists += 1
        self.completion_sum += completion
        self.reported_sum += reported_of(lst)
        self.completed += completion >= 1
        self.pending += lst.submitted_count
        self.vacant += lst.secretary_id is None
        self.by_level[lst.level][0] += 1
        self.by_level[lst.level][1] += completion

    @property
    def completion(self) -> float | None:
        """Mean completion of the area's lists: each secretary counts once, whatever the list's size."""
        return self.completion_sum / self.lists if self.lists else None

    @property
    def reported(self) -> float | None:
        return self.reported_sum / self.lists if self.lists else None

    def level_completion(self, level: str) -> float | None:
        count, total = self.by_level.get(level, (0, 0.0))
        return total / count if count else None

    @property
    def levels(self) -> list[tuple[str, float | None]]:
        return [(label, self.level_completion(value)) for value, label in Level.choices]


def rollup(lists, base: Organization | None, tops: list[Organization]) -> list[AreaRow]:
    """Lists grouped by area: the organizations one level below `base` (or the `tops` when no base).

    A list of `base` itself forms its own row ("本级"). `lists` are annotated (with_completion) and
    carry their organization; the areas are read in one query.
    """
    width = PATH_SEGMENT_WIDTH + 1
    if base is not None:
        cut = len(base.path) + width
        area_paths = {lst.organization.path[:cut] for lst in lists}
        areas = {o.path: o for o in Organization.objects.filter(path__in=area_paths)}
    else:
        areas = {o.path: o for o in tops}
    rows: dict[str, AreaRow] = {}
    for lst in lists:
        path = lst.organization.path
        if base is not None:
            key = path[:cut] if len(path) >= cut else base.path
            area = areas.get(key, base)
        else:
            key = next((p for p in sorted(areas, key=len, reverse=True) if path.startswith(p)), "")
            area = areas.get(key)
            if area is None:
                continue
        rows.setdefault(key, AreaRow(area)).add(lst)
    return sorted(rows.values(), key=lambda r: r.organization.path)
