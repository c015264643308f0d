"""A 双优 round of the test city's 工委, open for nominations (areas: dept_a and dept_b)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dual_excellence import services


@pytest.fixture
def draft(city):
    return services.round_create_default(
        organization=city.work_committee, year=2026, actor=city.users["city_admin"]
    )


@pytest.fixture
def round_(city, draft):
    """Open for nominations until ten days from today; every area may nominate 1 org and 2 members."""
    admin = city.users["city_admin"]
    services.round_update(
        round_=draft,
        data={"nomination_deadline": timezone.localdate() + timedelta(days=10)},
        actor=admin,
    )
    return services.nominations_open(round_=draft, actor=admin)


@pytest.fixture
def party_work(round_):
    return round_.categories.get(name="党建工作优")


@pytest.fixture
def service_work(round_):
    return round_.categories.get(name="服务发展优")
