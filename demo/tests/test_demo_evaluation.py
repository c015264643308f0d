"""Demo 五星示范 data on the tiny city: last year awarded with a spread, this year in progress."""

from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from demo.build import reset_database
from evaluation.models import RATED_KINDS, EvaluationCycle, EvaluationScheme, OrgRating
from evaluation.selectors import stars_awarded
from orgs.models import Organization

AS_OF = date(2026, 6, 30)
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
S = OrgRating.Status


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        out = StringIO()
        call_command("demo_city", scale="tiny", seed=1, as_of=AS_OF, stdout=out, stderr=StringIO())
        yield out.getvalue()  # the summary line names what each section wrote
        reset_database()


def statuses(year):
    return Counter(OrgRating.objects.filter(cycle__year=year).values_list("status", flat=True))


@pytest.mark.django_db
def test_each_year_has_a_published_scheme_and_every_branch_is_rated(demo):
    assert set(EvaluationScheme.objects.values_list("year", "status")) == {
        (2024, "published"),
        (2025, "published"),
        (2026, "published"),
    }
    rated = Organization.objects.active().filter(kind__in=RATED_KINDS).count()
    assert OrgRating.objects.filter(cycle__year=2026).count() == rated
    assert not OrgRating.objects.filter(organization__kind="party_committee").exists()
    assert f"组织评星 {OrgRating.objects.count()}" in demo


@pytest.mark.django_db
def test_past_years_are_awarded_with_a_spread_of_stars_and_an_objection_upheld(demo):
    closed = EvaluationCycle.objects.filter(year__in=[2024, 2025])
    assert set(closed.values_list("status", flat=True)) == {"closed"}
    for year in (2024, 2025):
        counts = statuses(year)
        assert set(counts) == {S.AWARDED, S.BLOCKED} and counts[S.BLOCKED] >= 1
    ids = OrgRating.objects.filter(cycle__year=2024).values_list("organization_id", flat=True)
    stars = Counter(stars_awarded(ids, 2024).values())
    assert {1, 2, 3, 4, 5} <= set(stars)
    assert OrgRating.objects.filter(cycle__year=2024, title_granted=True).count() == stars[5]


@pytest.mark.django_db
def test_last_year_has_organizations_that_rose_and_fell_one_star_at_a_time(demo):
    from accounts.models import User
    from evaluation.selectors import overview

    data = overview(User.objects.get(username="gwadmin"))
    assert data["year"] == 2025 and data["rose"] and data["fell"]
    assert all(r.awarded_stars == r.previous_stars + 1 for r in data["rose"])


@pytest.mark.django_db
def test_this_year_is_in_progress_with_one_returned_and_the_cap_applied(demo):
    cycle = EvaluationCycle.objects.get(year=2026, organization__name__contains="市直")
    assert cycle.is_open
    counts = statuses(2026)
    assert counts[S.PENDING] and counts[S.SELF_ASSESSED] and counts[S.REVIEWED]
    assert OrgRating.objects.filter(cycle=cycle, status=S.RETURNED).count() == 1
    reviewed = OrgRating.objects.filter(cycle__year=2026, status=S.REVIEWED)
    assert all(
        r.proposed_stars <= r.previous_stars + 1 for r in reviewed if r.previous_stars is not None
    )
    assert OrgRating.objects.filter(cycle__year=2026).exclude(previous_stars=None).exists()


@pytest.mark.django_db
def test_the_demo_accounts_find_their_step_waiting(demo):
    from accounts.models import User
    from evaluation.selectors import queue

    assert queue(User.objects.get(username="zbsj1"))["self_assess"]
    returned = queue(User.objects.get(username="zbsj2"))["self_assess"]
    assert [r.status for r in returned] == [S.RETURNED]
    assert queue(User.objects.get(username="jgdwsj"))["review"]
