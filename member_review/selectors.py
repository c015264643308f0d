"""Reads shared by pages, API and export: progress per review, roll-up by organization, own results."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from core import roles
from core.scoping import scope_for
from member_review.models import BallotReceipt, Grade, MemberReview, Rectification, ReviewEntry
from orgs.models import PATH_SEGMENT_WIDTH, PATH_SEP, Organization

SEGMENT = PATH_SEGMENT_WIDTH + len(PATH_SEP)


def reviews_with_progress(queryset: QuerySet) -> QuerySet:
    """Reviews with members, self-assessed, ballots and grade counts: one query however many."""
    grade_counts = {
        f"n_{g}": Count("entries", filter=Q(entries__final_grade=g)) for g in Grade.values
    }
    # Ballots as a subquery: joining receipts too would multiply the entry rows.
    ballots = (
        BallotReceipt.objects.filter(review=OuterRef("pk"))
        .order_by()
        .values("review")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.select_related("branch").annotate(
        n_members=Count("entries"),
        n_self=Count("entries", filter=Q(entries__self_assessed_at__isnull=False)),
        n_proposed=Count("entries", filter=~Q(entries__proposed_grade="")),
        n_ballots=Coalesce(Subquery(ballots, output_field=IntegerField()), 0),
        **grade_counts,
    )


def excellent_share(review) -> float | None:
    decided = sum(getattr(review, f"n_{g}") for g in Grade.values)
    return review.n_excellent / decided if decided else None


@dataclass
class RollupRow:
    organization: Organization
    branches: int = 0
    opened: int = 0
    closed: int = 0
    members: int = 0
    grades: dict = field(default_factory=lambda: dict.fromkeys(Grade.values, 0))

    @property
    def decided(self) -> int:
        return sum(self.grades.values())

    @property
    def excellent_share(self) -> float | None:
        return self.grades[Grade.EXCELLENT] / self.decided if self.decided else None

    @property
    def grade_list(self) -> list[int]:
        return [self.grades[g] for g in Grade.values]


def scope_roots(user) -> list[Organization]:
    """The top organizations of the user's read scope (what a roll-up starts from)."""
    prefixes = scope_for(user).prefixes(roles.READ)
    return list(Organization.objects.filter(path__in=prefixes).order_by("path"))


def rollup(user, root: Organization, year: int) -> tuple[list[RollupRow], RollupRow]:
    """Per direct child of `root` (and `root` itself for its own branches): reviews and grades.

    Branches are counted from the organization tree, reviews and grades from annotated reviews, so
    the page costs a fixed handful of queries at city scale.
    """
    children = list(Organization.objects.filter(parent=root).order_by("path"))
    rows = {c.path: RollupRow(c) for c in children}
    own = RollupRow(root)
    total = RollupRow(root)

    def row_for(path: str) -> RollupRow:
        return rows.get(path[: len(root.path) + SEGMENT], own)

    branch_paths = (
        Organization.objects.visible_to(user)
        .active()
        .filter(path__startswith=root.path, kind__in=("branch", "joint_branch"))
        .values_list("path", flat=True)
    )
    for path in branch_paths:
        row_for(path).branches += 1
        total.branches += 1
    reviews = reviews_with_progress(
        MemberReview.objects.visible_to(user).filter(year=year, branch__path__startswith=root.path)
    ).order_by()
    for review in reviews:
        for row in (row_for(review.branch.path), total):
            row.opened += 1
            row.closed += review.status == MemberReview.Status.CLOSED
            row.members += review.n_members
            for g in Grade.values:
                row.grades[g] += getattr(review, f"n_{g}")
    out = [r for r in rows.values() if r.branches]
    if own.branches or own.opened:
        out.insert(0, own)
    return out, total


def entries_of(review: MemberReview) -> list[ReviewEntry]:
    return list(
        review.entries.select_related("member", "rectification", "record_change").order_by(
            "member__name", "pk"
        )
    )


def own_entries(user) -> QuerySet:
    """The reviews a member takes part in, newest first; never anyone else's entry."""
    member_id = scope_for(user).member_id
    if not member_id:
        return ReviewEntry.objects.none()
    return (
        ReviewEntry.objects.filter(member_id=member_id)
        .select_related("review__branch", "rectification", "record_change")
        .order_by("-review__year")
    )


def own_receipts(user) -> QuerySet:
    member_id = scope_for(user).member_id
    if not member_id:
        return BallotReceipt.objects.none()
    return BallotReceipt.objects.filter(rater_id=member_id).select_related("review__branch")


def has_voted(review: MemberReview, member_id: int | None) -> bool:
    return bool(member_id) and review.receipts.filter(rater_id=member_id).exists()


def grade_distribution(entries) -> dict[str, int]:
    counts = defaultdict(int)
    for entry in entries:
        if entry.final_grade:
            counts[entry.final_grade] += 1
    return {g: counts[g] for g in Grade.values}


def open_rectifications(user) -> QuerySet:
    return (
        Rectification.objects.visible_to(user)
        .filter(outcome=Rectification.Outcome.PENDING)
        .select_related("entry__member", "entry__review__branch")
    )


def decided_entries(user, root: Organization | None, year: int) -> QuerySet:
    """Decided results of the year under `root` (export): names and grades, nothing personal."""
    if root is None:
        return ReviewEntry.objects.none()
    return (
        ReviewEntry.objects.visible_to(user)
        .filter(
            review__year=year,
            review__branch__path__startswith=root.path,
            review__status__in=(
                MemberReview.Status.GENERAL_MEETING_DECIDED,
                MemberReview.Status.CLOSED,
            ),
        )
        .order_by("review__branch__path", "member__name", "pk")
    )


def record_change_of(entry: ReviewEntry):
    """The change the entry's decision made to the member's record, or None."""
    try:
        return entry.record_change
    except ObjectDoesNotExist:
        return None


def awaits_record_change(entry: ReviewEntry) -> bool:
    """A decision that changes the record but was not carried over (entries decided earlier)."""
    return record_change_of(entry) is None and entry.record_change_kind() is not None
