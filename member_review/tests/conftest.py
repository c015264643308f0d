from datetime import timedelta

import pytest
from django.utils import timezone

from dangjian.testing import MemberFactory
from member_review import services
from members.models import Member


@pytest.fixture
def branch_a_members(city):
    """Branch A with six members in good standing (赵强, 张伟 and four more), one probationary."""
    extra = [
        MemberFactory(name=name, branch=city.branch_a, unit=city.unit_a)
        for name in ("陈静", "刘洋", "杨帆")
    ]
    extra.append(
        MemberFactory(
            name="黄磊",
            branch=city.branch_a,
            unit=city.unit_a,
            membership_kind=Member.MembershipKind.PROBATIONARY,
            confirmed_on=None,
        )
    )
    MemberFactory(
        name="周转出", branch=city.branch_a, unit=city.unit_a, status=Member.Status.TRANSFERRED_OUT
    )
    return extra


@pytest.fixture
def review(city, branch_a_members):
    return services.review_open(
        branch=city.branch_a,
        year=timezone.localdate().year,
        self_assessment_due=timezone.localdate() + timedelta(days=7),
        actor=city.users["secretary_a"],
    )


def entry_of(review, name):
    return review.entries.get(member__name=name)


def to_proposal(review, actor=None):
    """Self-assessment and mutual stages passed without ballots."""
    services.review_advance(review=review, actor=actor)
    services.review_advance(review=review, actor=actor)
    review.refresh_from_db()
    return review
