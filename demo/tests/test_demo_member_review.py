"""Demo 民主评议党员 on the tiny city: closed last year everywhere, under way this year in some."""

from datetime import date
from io import StringIO

import pytest
from dateutil.relativedelta import relativedelta
from django.core.management import call_command
from django.db.models import Count, Q
from django.test import override_settings

from accounts.models import User
from demo import member_review as demo
from demo.build import reset_database
from member_review import rules
from member_review.models import BallotReceipt, Grade, MemberReview, Rectification, ReviewEntry
from orgs.models import BRANCH_KINDS, Organization

AS_OF = date(2026, 6, 30)
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
S = MemberReview.Status


@pytest.fixture(scope="module")
def reviews(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        out = StringIO()
        call_command("demo_city", scale="tiny", seed=1, as_of=AS_OF, stdout=out, stderr=StringIO())
        yield out.getvalue()  # the summary line names what each section wrote
        reset_database()


@pytest.mark.django_db
def test_last_year_is_closed_in_every_branch_with_members(reviews):
    branches = Organization.objects.active().filter(kind__in=BRANCH_KINDS)
    with_members = branches.filter(members__status="active").distinct().count()
    closed = MemberReview.objects.filter(year=2025, status=S.CLOSED)
    assert closed.count() == with_members > 0
    assert f"支部民主评议 {MemberReview.objects.count()}" in reviews
    assert not ReviewEntry.objects.filter(review__year=2025, final_grade="").exists()


@pytest.mark.django_db
def test_grades_respect_the_quota_and_look_realistic(reviews):
    per_review = MemberReview.objects.filter(year=2025).annotate(
        n=Count("entries"), ex=Count("entries", filter=Q(entries__final_grade=Grade.EXCELLENT))
    )
    for review in per_review:
        assert review.ex <= rules.excellent_limit(review.n, review.opened_on)
    entries = ReviewEntry.objects.filter(review__year=2025)
    total = entries.count()
    excellent = entries.filter(final_grade=Grade.EXCELLENT).count() / total
    assert 0.08 <= excellent <= 0.27
    assert entries.filter(final_grade=Grade.BASICALLY_QUALIFIED).count() < total * 0.08


@pytest.mark.django_db
def test_unqualified_full_members_have_rectifications_and_probationary_a_decision(reviews):
    unqualified = ReviewEntry.objects.filter(final_grade=Grade.UNQUALIFIED)
    full = unqualified.filter(is_probationary=False)
    assert Rectification.objects.count() == full.count()
    assert f"限期改正 {full.count()}" in reviews
    for r in Rectification.objects.select_related("entry__review"):
        assert r.deadline == rules.rectification_deadline(r.entry.review.meeting_on)
    assert not unqualified.filter(is_probationary=True, probation_decision="").exists()
    # Extended probations are already in the record, not waiting for the secretary to apply them.
    for entry in unqualified.filter(is_probationary=True).select_related("member"):
        change = entry.record_change
        assert change.probation_ends_on == rules.probation_end(
            entry.member.joined_on
        ) + relativedelta(months=entry.probation_extension_months)


@pytest.mark.django_db
def test_this_year_is_under_way_and_the_demo_member_still_has_a_ballot(reviews):
    current = MemberReview.objects.filter(year=2026)
    assert current.exists()
    assert set(current.values_list("status", flat=True)) <= {
        S.SELF_ASSESSMENT,
        S.MUTUAL_ASSESSMENT,
        S.COMMITTEE_PROPOSAL,
    }
    member = User.objects.get(username="dangyuan").member
    own = current.get(branch=member.branch)
    assert own.status == S.MUTUAL_ASSESSMENT
    assert not BallotReceipt.objects.filter(review=own, rater=member).exists()
    # Tallies never exceed the ballots cast.
    for review in current.annotate(ballots=Count("receipts")):
        for entry in review.entries.all():
            assert entry.mutual_votes <= review.ballots


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_reviews(reviews):
    def snapshot():
        return sorted(
            ReviewEntry.objects.values_list(
                "member_id", "review__year", "review__status", "final_grade", "mutual_excellent"
            )
        )

    before = snapshot()
    MemberReview.objects.all().delete()
    counts = demo.write(1, AS_OF)
    assert f"支部民主评议 {counts['member_reviews']}" in reviews
    assert snapshot() == before
