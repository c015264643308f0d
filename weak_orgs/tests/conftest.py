"""Helpers for the weak_orgs tests: meetings, committees and runs on the persona city."""

from datetime import date, datetime, time

import pytest
from django.utils import timezone

from dangjian.testing import MemberFactory
from orglife.models import Activity, ActivityKind
from orgs.models import Position, PositionKind
from weak_orgs.criteria import ensure_defaults
from weak_orgs.flags import compute_flags
from weak_orgs.models import WeakOrgCriterion

AS_OF = date(2026, 11, 15)


def meeting(org, day: date, counts: bool = True) -> Activity:
    """A 支委会 held on that day (counts=False: quorum not reached)."""
    return Activity.objects.create(
        organization=org,
        kind=ActivityKind.BRANCH_COMMITTEE_MEETING,
        status=Activity.Status.COMPLETED,
        starts_at=timezone.make_aware(datetime.combine(day, time(16, 30))),
        held_on=day,
        topic="研究支部工作",
        counts=counts,
        signin_token=Activity.new_signin_token(),
    )


def committee(org, started_on: date = date(2024, 1, 1), extra: int = 2) -> None:
    """Give the organization a 支委会: `extra` committee members besides any secretary it has."""
    for kind in (PositionKind.DEPUTY_SECRETARY, PositionKind.ORGANIZATION_MEMBER)[:extra]:
        member = MemberFactory(branch=org)
        Position.objects.create(organization=org, member=member, kind=kind, started_on=started_on)


def criterion(code: str) -> WeakOrgCriterion:
    return WeakOrgCriterion.objects.get(code=code, effective_to__isnull=True)


def hits_of(run, org) -> dict[str, str]:
    """{criterion code: fact} the run found for the organization."""
    result = run.results.filter(organization=org).first()
    return {h["code"]: h["fact"] for h in result.hits} if result else {}


@pytest.fixture(autouse=True)
def default_criteria(db):
    """The seeded criteria, put back if another module's demo reset wiped them."""
    ensure_defaults()


@pytest.fixture
def flags(city):
    """flags(as_of) -> the run computed on the persona city."""

    def _run(as_of: date = AS_OF, actor=None):
        return compute_flags(as_of, actor=actor)

    return _run
