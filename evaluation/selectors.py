"""Reading schemes (city-wide configuration, readable by every party reader) and rating cycles (scoped)."""

from django.db.models import Count, F, Prefetch, Q

from evaluation.metrics import METRICS
from evaluation.models import EvaluationCycle, EvaluationScheme, Indicator, OrgRating, Star
from orgs.models import Organization


def scheme_list():
    return EvaluationScheme.objects.annotate(star_count=Count("stars", distinct=True)).order_by(
        "-year", "sector", "pk"
    )


def scheme_detail_queryset():
    return EvaluationScheme.objects.prefetch_related(
        Prefetch("stars", queryset=Star.objects.prefetch_related("indicators"))
    )


def automatic_values(scheme: EvaluationScheme, organization) -> dict:
    """Computed figures of the scheme's automatic indicators for one organization, by indicator id."""
    values = {}
    for indicator in Indicator.objects.filter(star__scheme=scheme, method="automatic"):
        metric = METRICS.get(indicator.metric)
        if metric and metric.available:
            values[indicator.pk] = metric.compute(organization, scheme.year)
    return values


# --- annual cycles -------------------------------------------------------------------------------------

Status = OrgRating.Status
FINAL = (Status.AWARDED, Status.BLOCKED)
# Cumulative progress: a rating at a later step has passed the earlier ones.
STEP_ORDER = (
    Status.PENDING,
    Status.RETURNED,
    Status.SELF_ASSESSED,
    Status.REVIEWED,
    Status.APPROVED,
    Status.NOTICED,
    Status.AWARDED,
    Status.BLOCKED,
)
PROGRESS_STEPS = (
    ("self_assessed", "已自评", Status.SELF_ASSESSED),
    ("reviewed", "已审核", Status.REVIEWED),
    ("approved", "已审定", Status.APPROVED),
    ("noticed", "已公示", Status.NOTICED),
)


def stars_awarded(organization_ids, year: int) -> dict[int, int]:
    """Stars awarded per organization id in that year's closed cycle (0 when an objection was upheld).

    Organizations not rated that year (or not through the 公示) are absent.
    """
    rows = OrgRating.objects.filter(
        organization_id__in=list(organization_ids),
        cycle__year=year,
        cycle__status=EvaluationCycle.Status.CLOSED,
        status__in=FINAL,
    ).values_list("organization_id", "awarded_stars")
    return {org_id: stars or 0 for org_id, stars in rows}


def previous_stars(work_committee, year: int, organization_ids) -> dict[int, int]:
    """Last result before `year`: the awards of the 工委's latest closed cycle of an earlier year."""
    previous = (
        EvaluationCycle.objects.filter(
            organization=work_committee, year__lt=year, status=EvaluationCycle.Status.CLOSED
        )
        .order_by("-year")
        .first()
    )
    return stars_awarded(organization_ids, previous.year) if previous else {}


def progress(ratings) -> dict:
    """Counts of a set of ratings per status, and how many passed each step."""
    counts = dict.fromkeys(Status.values, 0)
    for row in ratings.order_by().values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    total = sum(counts.values())
    passed = {}
    for key, _label, status in PROGRESS_STEPS:
        later = STEP_ORDER[STEP_ORDER.index(status) :]
        passed[key] = sum(counts[s] for s in later)
    steps = [
        {"key": key, "label": label, "count": passed[key], "percent": _percent(passed[key], total)}
        for key, label, _ in PROGRESS_STEPS
    ]
    return {
        "total": total,
        "by_status": [
            {"status": s, "label": Status(s).label, "count": counts[s]} for s in Status.values
        ],
        "steps": steps,
        "returned": counts[Status.RETURNED],
        "awarded": counts[Status.AWARDED],
        "blocked": counts[Status.BLOCKED],
    }


def _percent(part: int, total: int) -> int:
    return round(part * 100 / total) if total else 0


def overview(user, year: int | None = None, movers_shown: int = 20) -> dict:
    """The star overview over the user's scope: distribution by year and by area, movers, progress.

    A constant number of queries whatever the size of the city.
    """
    ratings = OrgRating.objects.visible_to(user)
    cycles = list(EvaluationCycle.objects.visible_to(user).order_by("-year", "pk"))
    closed_years = sorted({c.year for c in cycles if c.is_closed}, reverse=True)
    if year is None or year not in closed_years:
        year = closed_years[0] if closed_years else None
    current = next((c for c in cycles if not c.is_closed), None)

    by_year: dict[int, list[int]] = {}
    rows = (
        ratings.filter(cycle__status=EvaluationCycle.Status.CLOSED, status__in=FINAL)
        .order_by()
        .values("cycle__year", "awarded_stars")
        .annotate(n=Count("id"))
    )
    for row in rows:
        by_year.setdefault(row["cycle__year"], [0] * 6)[min(row["awarded_stars"] or 0, 5)] += row[
            "n"
        ]

    areas: dict[int | None, list[int]] = {}
    rose = fell = []
    rose_count = fell_count = 0
    if year is not None:
        selected = ratings.filter(cycle__year=year, status__in=FINAL)
        for row in selected.order_by().values("area_id", "awarded_stars").annotate(n=Count("id")):
            areas.setdefault(row["area_id"], [0] * 6)[min(row["awarded_stars"] or 0, 5)] += row["n"]
        moved = (
            selected.filter(previous_stars__isnull=False)
            .exclude(awarded_stars=F("previous_stars"))
            .annotate(change=F("awarded_stars") - F("previous_stars"))
            .select_related("organization", "area")
            .order_by("-change", "organization__path")
        )
        movers = list(moved)
        rose = [m for m in movers if m.change > 0]
        fell = [m for m in movers if m.change < 0][::-1]
        rose_count, fell_count = len(rose), len(fell)
        rose, fell = rose[:movers_shown], fell[:movers_shown]
    names = dict(
        Organization.objects.filter(pk__in=[a for a in areas if a]).values_list("pk", "name")
    )
    area_rows = sorted(
        (
            {"area_id": a, "name": names.get(a, "其他"), "stars": counts, "total": sum(counts)}
            for a, counts in areas.items()
        ),
        key=lambda r: (
            -sum(c * i for i, c in enumerate(r["stars"])) / max(r["total"], 1),
            r["name"],
        ),
    )
    return {
        "year": year,
        "years": closed_years,
        "cycles": cycles,
        "current": current,
        "progress": progress(ratings.filter(cycle=current)) if current else None,
        "by_year": [{"year": y, "stars": by_year[y]} for y in sorted(by_year)],
        "by_area": area_rows,
        "rose": rose,
        "fell": fell,
        "rose_count": rose_count,
        "fell_count": fell_count,
    }


def duty_organizations(user, today=None) -> list[int]:
    """Organizations where the user holds a write role directly (their own duties, not oversight)."""
    from accounts.models import RoleAssignment
    from core.roles import CAPABILITIES, WRITE

    roles_ = [r for r, caps in CAPABILITIES.items() if WRITE in caps]
    return list(
        RoleAssignment.objects.active(today)
        .filter(user=user, role__in=roles_)
        .values_list("organization_id", flat=True)
    )


def queue(user) -> dict:
    """What waits for the user: their organization's self-assessment, reviews of their subordinates."""
    own = duty_organizations(user)
    running = OrgRating.objects.visible_to(user).exclude(
        cycle__status=EvaluationCycle.Status.CLOSED
    )
    related = ("organization", "cycle", "reviewer")
    return {
        "self_assess": list(
            running.filter(organization_id__in=own, status__in=[Status.PENDING, Status.RETURNED])
            .select_related(*related)
            .order_by("cycle__self_assessment_due", "organization__path")
        ),
        "review": list(
            running.filter(reviewer_id__in=own, status=Status.SELF_ASSESSED)
            .select_related(*related)
            .order_by("self_assessed_at", "organization__path")
        ),
        "approve": list(
            EvaluationCycle.objects.writable_by(user)
            .exclude(status=EvaluationCycle.Status.CLOSED)
            .annotate(
                reviewed=Count("ratings", filter=Q(ratings__status=Status.REVIEWED)),
                approved=Count("ratings", filter=Q(ratings__status=Status.APPROVED)),
            )
            .filter(Q(reviewed__gt=0) | Q(approved__gt=0))
        ),
    }


def rating_queryset():
    return OrgRating.objects.select_related(
        "organization", "area", "reviewer", "cycle", "cycle__organization", "cycle__scheme"
    )


def rating_scores(rating) -> list:
    return list(
        rating.scores.select_related("indicator", "indicator__star").order_by(
            "indicator__star__order", "indicator__order", "indicator_id"
        )
    )


def organization_history(organization):
    """The organization's ratings across years, newest first (its star card)."""
    return list(
        OrgRating.objects.filter(organization=organization)
        .select_related("cycle", "cycle__scheme")
        .order_by("-cycle__year")
    )
