"""Reads of organizational life shared by pages, API and other apps (evaluation asks here for rates)."""

from django.db.models import Count, Q

from orglife.compliance import (  # noqa: F401
    MET,
    MISSED,
    NOT_APPLICABLE,
    PENDING,
    compliance,
    rollup,
    subtree_compliance,
)
from orglife.models import Activity, Attendance


def activity_attendance_rate(activity: Activity) -> float | None:
    """Present / (members expected) for one activity, guests excluded."""
    counts = activity.attendances.filter(member__isnull=False).aggregate(
        total=Count("id"),
        present=Count("id", filter=Q(status=Attendance.Status.PRESENT)),
    )
    return counts["present"] / counts["total"] if counts["total"] else None


def member_attendance(member, year: int) -> dict:
    """A member's attendance over a year: attended, on leave, absent and the rate."""
    rows = (
        Attendance.objects.filter(
            member=member,
            activity__status=Activity.Status.COMPLETED,
            activity__held_on__year=year,
        )
        .values("status")
        .annotate(n=Count("id"))
    )
    counts = {r["status"]: r["n"] for r in rows}
    total = sum(counts.values())
    present = counts.get(Attendance.Status.PRESENT, 0)
    return {
        "present": present,
        "leave": counts.get(Attendance.Status.LEAVE, 0),
        "absent": counts.get(Attendance.Status.ABSENT, 0),
        "total": total,
        "rate": present / total if total else None,
    }


def completion_rate(organization, year: int) -> float | None:
    """Share of decided organizational-life checks an organization met in a year (None: nothing decided).

    Other apps (evaluation) ask here rather than reading orglife's tables.
    """
    from datetime import date

    from orglife.periods import period_of

    (result,) = compliance([organization], period_of("year", date(year, 1, 1)))
    return result.rate


# --- bulk reads for weak_orgs (软弱涣散 flags) -----------------------------------------------------


def committee_meeting_months(organizations, start, end) -> dict[int, set]:
    """First days of the months within [start, end] in which each organization held a 支委会 that counts.

    One query whatever the number of organizations (`organizations`: a queryset or a list of them).
    """
    from orglife.models import ActivityKind

    rows = (
        Activity.objects.counting()
        .filter(
            organization__in=organizations,
            kind=ActivityKind.BRANCH_COMMITTEE_MEETING,
            held_on__range=(start, end),
        )
        .order_by()
        .values_list("organization_id", "held_on")
    )
    out: dict[int, set] = {}
    for org_id, day in rows:
        out.setdefault(org_id, set()).add(day.replace(day=1))
    return out


def completion_rates(organizations, year: int, today=None) -> dict[int, float | None]:
    """completion_rate for many organizations at once: one compliance computation, constant queries.

    The organizations must be full Organization rows (compliance reads path, kind, unit and dates).
    """
    from datetime import date

    from orglife.periods import period_of

    results = compliance(list(organizations), period_of("year", date(year, 1, 1)), today)
    return {result.organization.pk: result.rate for result in results}


# --- activities other apps cite as evidence (evaluation's self-assessment) --------------------------


def completed_activities(organization, year: int):
    """The organization's activities held in a year, newest first."""
    return Activity.objects.filter(
        status=Activity.Status.COMPLETED, organization=organization, held_on__year=year
    ).order_by("-held_on", "-pk")


def activities_by_ids(ids):
    """Held activities with these ids (whatever organization: the caller checks the citation)."""
    return Activity.objects.filter(status=Activity.Status.COMPLETED, pk__in=ids)
