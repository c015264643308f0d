"""Reads of 联述联评联考 shared by pages, API and exports. Results are aggregates only, and only
once a round is closed; nothing here ever reads a Ballot together with a rater."""

from django.db.models import Count, Q

from core.scoping import scope_for
from orgs.models import Position, PositionKind
from secretary_review.models import Assignment, Level, Report, Round

MIN_DISTRIBUTION = 3  # fewer ballots than this: the grade breakdown would point at the voters


def rounds_for(user):
    return Round.objects.visible_to(user).select_related("area").order_by("-year", "pk")


def reports_for(user, round_: Round | None = None):
    reports = Report.objects.visible_to(user).select_related("organization", "secretary", "round")
    if round_ is not None:
        reports = reports.filter(round=round_)
    return reports.order_by("level", "organization__path")


IN_LIST_LIMIT = 500


def progress(round_: Round, report_ids: list[int]) -> dict[int, tuple[int, int]]:
    """report id -> (raters who have cast their ballot, raters assigned), in one grouped query.

    Participation, never grades: these are the receipts."""
    assignments = Assignment.objects.filter(report__round=round_)
    if len(report_ids) <= IN_LIST_LIMIT:
        assignments = assignments.filter(report_id__in=report_ids)
    rows = (
        assignments.values_list("report_id")
        .annotate(
            rated=Count("pk", filter=Q(submitted_at__isnull=False)),
            raters=Count("pk"),
        )
        .order_by()
    )
    return {report_id: (rated, raters) for report_id, rated, raters in rows}


def open_assignments(user):
    """The user's assignments in rounds now rating, with what the ballot page shows (one query)."""
    member_id = scope_for(user).member_id
    if not member_id:
        return Assignment.objects.none()
    return (
        Assignment.objects.filter(rater_id=member_id, report__round__status=Round.Status.RATING)
        .select_related("report__organization", "report__secretary", "report__round")
        .order_by("report__round_id", "report__level", "report__organization__path")
    )


def results(reports):
    """Closed rounds only: aggregate figures per report, ranked within each level."""
    return reports.filter(round__status=Round.Status.CLOSED).order_by(
        "round_id", "level", "rank", "organization__path"
    )


def grade_breakdown(report: Report) -> list[tuple[str, int]]:
    """(grade label, ballots) of a closed round's report; empty below MIN_DISTRIBUTION ballots.

    Pooled over rater groups: a group of one (the superior leader) shown on its own would reveal
    that person's vote.
    """
    if not report.round.is_closed or (report.ballot_count or 0) < MIN_DISTRIBUTION:
        return []
    counts = report.distribution.get("grades", {})
    return [(g["label"], counts.get(g["code"], 0)) for g in report.round.grades]


def level_labels() -> dict:
    return dict(Level.choices)


def own_reports(member_id: int | None):
    if not member_id:
        return Report.objects.none()
    return (
        Report.objects.filter(secretary_id=member_id)
        .select_related("round", "organization")
        .order_by("-round__year", "organization__path")
    )


def own_positions(member_id: int | None):
    """The member's current secretary positions (the organizations they report for)."""
    if not member_id:
        return Position.objects.none()
    return (
        Position.objects.current()
        .filter(member_id=member_id, kind=PositionKind.SECRETARY)
        .select_related("organization")
        .order_by("organization__path")
    )
