"""Reads shared by the pages, the API and the export: the latest flags, counts by area, cases in scope."""

from collections import Counter

from django.db.models import Count, Max, Prefetch, Q

from accounts.models import RoleAssignment, User
from orgs.models import PATH_SEGMENT_WIDTH, Organization
from weak_orgs.models import (
    ExitCriterion,
    FlagResult,
    FlagRun,
    ProgressNote,
    WeakOrgCase,
    WeakOrgCriterion,
    committee_prefixes,
)

WIDTH = PATH_SEGMENT_WIDTH + 1


def latest_run() -> FlagRun | None:
    return FlagRun.objects.order_by("-as_of").first()


def flag_results(user, run: FlagRun | None, *, decision: str = "", code: str = "", q: str = ""):
    """The run's results the user may see (工委 only), filtered, with their organizations."""
    if run is None:
        return FlagResult.objects.none()
    rows = (
        FlagResult.objects.visible_to(user)
        .filter(run=run)
        .select_related("organization")
        .prefetch_related("cases")
    )
    if decision:
        rows = rows.filter(decision=decision)
    if code:
        # JSON containment is not portable to SQLite: match the code inside the stored text.
        rows = rows.filter(hits__icontains=f'"{code}"')
    if q:
        rows = rows.filter(organization__name__icontains=q.strip())
    return rows.order_by("organization__path")


def area_of(path: str, prefixes) -> str | None:
    """Path of the organization directly under the user's 工委 prefix holding `path` (a department)."""
    for prefix in prefixes:
        if path.startswith(prefix) and len(path) > len(prefix):
            return path[: len(prefix) + WIDTH]
    return None


def counts_by_area(user, run: FlagRun | None) -> list[dict]:
    """Flagged organizations and open cases per department under the user's 工委, most first."""
    prefixes = committee_prefixes(user)
    if not prefixes:
        return []
    flagged, open_cases = Counter(), Counter()
    if run is not None:
        for path in flag_results(user, run).values_list("organization__path", flat=True):
            flagged[area_of(path, prefixes)] += 1
    cases = WeakOrgCase.objects.visible_to(user).open()
    for path in cases.values_list("organization__path", flat=True):
        open_cases[area_of(path, prefixes)] += 1
    paths = {p for p in [*flagged, *open_cases] if p}
    names = dict(Organization.objects.filter(path__in=paths).values_list("path", "name"))
    rows = [
        {
            "name": names.get(p, "其他") if p else "其他",
            "flagged": flagged[p],
            "cases": open_cases[p],
        }
        for p in set(flagged) | set(open_cases)
    ]
    return sorted(rows, key=lambda r: (-r["flagged"], -r["cases"], r["name"]))


def cases_for(user, *, status: str = "", year: int | None = None, q: str = ""):
    """Cases in the user's scope, with progress counts and the last report's time."""
    rows = (
        WeakOrgCase.objects.visible_to(user)
        .select_related("organization", "leader")
        .annotate(
            notes_count=Count("notes", distinct=True),
            last_note_at=Max("notes__created_at"),
            criteria_total=Count("exit_criteria", distinct=True),
            criteria_met=Count("exit_criteria", filter=Q(exit_criteria__met=True), distinct=True),
        )
    )
    if status:
        rows = rows.filter(status=status)
    if year:
        rows = rows.filter(year=year)
    if q:
        rows = rows.filter(organization__name__icontains=q.strip())
    return rows.order_by("status", "-year", "organization__path")


def case_detail_queryset(user):
    return (
        WeakOrgCase.objects.visible_to(user)
        .select_related("organization", "leader", "confirmed_by", "lifted_by")
        .prefetch_related(
            Prefetch("exit_criteria", queryset=ExitCriterion.objects.select_related("marked_by")),
            Prefetch("notes", queryset=ProgressNote.objects.select_related("created_by")),
        )
    )


def criteria_table() -> tuple[list[WeakOrgCriterion], list[WeakOrgCriterion]]:
    """(versions in force or not yet in force, retired versions) for the settings page."""
    rows = list(WeakOrgCriterion.objects.select_related("created_by"))
    current = [c for c in rows if c.effective_to is None]
    retired = [c for c in rows if c.effective_to is not None]
    return current, retired


def leader_choices(organization):
    """Users who can lead: active role holders on the organization or above, and its members' accounts."""
    paths = [*organization.ancestor_paths(), organization.path]
    holders = RoleAssignment.objects.active().filter(organization__path__in=paths)
    return (
        User.objects.filter(is_active=True)
        .select_related("member")
        .filter(pk__in=holders.values("user_id"))
        .order_by("username")
        .distinct()
    )
