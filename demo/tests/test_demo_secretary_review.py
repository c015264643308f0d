"""Demo 联述联评联考 on the tiny city: a closed round with results and an open one with ballots."""

from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from accounts.models import User
from demo import secretary_review as demo_review
from demo.build import reset_database
from secretary_review.models import Assignment, Ballot, Level, Report, Round

AS_OF = date(2026, 6, 30)
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        out = StringIO()
        call_command("demo_city", scale="tiny", seed=1, as_of=AS_OF, stdout=out, stderr=StringIO())
        yield out.getvalue()  # the summary line names what each section wrote
        Round.objects.all().delete()
        reset_database()


def results():
    return list(
        Report.objects.filter(round__status="closed")
        .order_by("organization__path")
        .values_list("organization__name", "total_score", "grade", "rank")
    )


@pytest.mark.django_db
def test_last_year_is_closed_with_results_and_this_year_is_rating(demo):
    last, this = Round.objects.get(year=2025), Round.objects.get(year=2026)
    assert (last.status, this.status) == ("closed", "rating")
    assert Round.objects.count() == 2
    assert f"联述联评联考轮次 2，述职报告 {Report.objects.count()}" in demo
    assert f"测评票 {Ballot.objects.count()}" in demo
    levels = set(last.reports.values_list("level", flat=True))
    assert levels == set(Level.values)
    scored = last.reports.exclude(total_score=None)
    assert scored.count() == last.reports.count()
    assert scored.exclude(grade="").count() == scored.count()
    assert len(set(scored.values_list("grade", flat=True))) > 1
    for level in Level.values:
        ranks = sorted(last.reports.filter(level=level).values_list("rank", flat=True))
        assert ranks[0] == 1
    assert not this.reports.exclude(total_score=None).exists()  # nothing before closing
    assert 0 < Ballot.objects.filter(report__round=this).count() < this.reports.count() * 50


@pytest.mark.django_db
def test_every_ballot_has_a_receipt_and_no_more(demo):
    for round_ in Round.objects.all():
        receipts = Counter(
            Assignment.objects.filter(report__round=round_, submitted_at__isnull=False).values_list(
                "report_id", "group"
            )
        )
        ballots = Counter(
            Ballot.objects.filter(report__round=round_).values_list("report_id", "group")
        )
        assert receipts == ballots


@pytest.mark.django_db
def test_demo_accounts_have_ballots_to_cast_this_year(demo):
    for username in ("dangyuan", "zbsj1"):
        member = User.objects.get(username=username).member
        open_ballots = Assignment.objects.filter(
            rater=member, report__round__status="rating", submitted_at=None
        )
        assert open_ballots.exists(), username
    zbsj1 = User.objects.get(username="zbsj1").member
    assert Report.objects.filter(secretary=zbsj1, round__status="closed").exists()


@pytest.mark.django_db
def test_the_same_seed_writes_the_same_rounds(demo):
    before = results()
    Round.objects.all().delete()
    demo_review.write(1, AS_OF)
    assert results() == before
