"""A city where every organization of the three levels has a secretary, and a round over it."""

from dataclasses import dataclass
from datetime import date

import pytest

from dangjian.testing import MemberFactory, make_user
from orgs.models import Position, PositionKind
from secretary_review import objective, services


@dataclass
class Review:
    city: object
    secretaries: dict  # organization attribute name -> member
    round: object = None

    def report(self, org):
        return self.round.reports.get(organization=org)


@pytest.fixture
def no_objective(monkeypatch):
    """No other app provides figures: the 考核 score is the rating alone."""
    monkeypatch.setattr(objective, "responsibility_completion", lambda ids, year: {})
    monkeypatch.setattr(objective, "orglife_completion", lambda orgs, year: {})
    monkeypatch.setattr(objective, "stars_awarded", lambda ids, year: {})


@pytest.fixture
def review(city, no_objective):
    c = city
    secretary_a = c.users["secretary_a"].member  # 赵强, branch A
    committee_member = MemberFactory(name="钱进", branch=c.branch_a2, unit=c.unit_a)
    Position.objects.create(
        organization=c.committee_a,
        member=committee_member,
        kind=PositionKind.SECRETARY,
        started_on=date(2024, 1, 1),
    )
    c.users["committee_a"].member = committee_member
    c.users["committee_a"].save()
    secretaries = {
        "branch_a": secretary_a,
        "committee_a": committee_member,
        "dept_a": MemberFactory(name="孙书记", branch=c.branch_a2, unit=c.unit_a),
        "branch_a2": MemberFactory(name="周敏", branch=c.branch_a2, unit=c.unit_a),
        "dept_b": MemberFactory(name="吴书记", branch=c.branch_b, unit=c.unit_b),
        "branch_b": MemberFactory(name="郑华", branch=c.branch_b, unit=c.unit_b),
    }
    for key in ("dept_a", "branch_a2", "dept_b", "branch_b"):
        Position.objects.create(
            organization=getattr(c, key),
            member=secretaries[key],
            kind=PositionKind.SECRETARY,
            started_on=date(2024, 1, 1),
        )
    c.users["branch_a2"] = make_user("branch_a2_sec", member=secretaries["branch_a2"])
    round_ = services.round_create(actor=c.users["city_admin"], area=c.work_committee, year=2025)
    return Review(c, secretaries, round_)


@pytest.fixture
def rating(review):
    """The round with every report submitted and rating open."""
    admin = review.city.users["city_admin"]
    services.round_open_reporting(round_=review.round, actor=admin)
    for report in review.round.reports.select_related("secretary"):
        report.text = f"{report.secretary.name}的述职内容"
        report.status = "submitted"
        report.save()
    services.round_open_rating(round_=review.round, actor=admin)
    review.round.refresh_from_db()
    return review
