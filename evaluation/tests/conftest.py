"""A published scheme and an open cycle over the persona city, for the cycle tests."""

from datetime import date
from decimal import Decimal

import pytest

from evaluation import cycle_services, services
from evaluation.models import OrgRating

YEAR = 2026


def publish_scheme(admin, year: int = YEAR, promotion: str = "one_per_year"):
    """The default five stars (one 100-point manual indicator each, pass line 60) plus two veto items:
    star 1 (政治建设) has a star-scope veto, star 5 (作风纪律) a whole-rating veto."""
    scheme = services.scheme_create_default(year, admin)
    services.scheme_update(scheme, {"promotion": promotion}, admin)
    stars = list(scheme.stars.all())
    services.indicator_save(
        stars[0],
        {
            "name": "发生违反政治纪律问题",
            "method": "veto",
            "points": Decimal(0),
            "veto_scope": "star",
        },
        admin,
    )
    services.indicator_save(
        stars[4],
        {
            "name": "班子成员受到党纪处分",
            "method": "veto",
            "points": Decimal(0),
            "veto_scope": "whole",
        },
        admin,
    )
    return services.scheme_publish(scheme, admin)


def open_cycle(city, scheme, **dates):
    return cycle_services.cycle_open(
        organization=city.work_committee,
        scheme=scheme,
        self_assessment_due=dates.get("self_assessment_due", date(scheme.year, 11, 30)),
        review_due=dates.get("review_due", date(scheme.year, 12, 15)),
        approval_due=dates.get("approval_due", date(scheme.year, 12, 25)),
        notice_days=5,
        actor=city.users["city_admin"],
    )


def manual_entries(rating, points: dict | int = 80, vetoes=()) -> dict:
    """Entries for every indicator: the same points (or per star order) and the given veto names."""
    entries = {}
    for score in rating.scores.select_related("indicator__star"):
        indicator = score.indicator
        if indicator.method == "manual":
            value = points if isinstance(points, int) else points.get(indicator.star.order, 80)
            entries[indicator.pk] = {"points": value, "evidence": "会议记录见附件"}
        elif indicator.method == "veto":
            entries[indicator.pk] = {"veto": indicator.name in vetoes}
    return entries


def rating_of(cycle, org) -> OrgRating:
    return OrgRating.objects.select_related("organization", "reviewer", "cycle__scheme").get(
        cycle=cycle, organization=org
    )


@pytest.fixture
def admin(city):
    return city.users["city_admin"]


@pytest.fixture
def scheme(city, admin):
    return publish_scheme(admin)


@pytest.fixture
def cycle(city, scheme):
    return open_cycle(city, scheme)
