"""The persona city with this year's templates issued: lists for dept A/B, committee A, branches."""

from datetime import date

import pytest

from responsibility import services
from responsibility.models import Level, ResponsibilityList

YEAR = 2026


@pytest.fixture
def issued(city):
    """Templates prepared (defaults) and issued for YEAR; returns {organization: list}."""
    admin = city.users["city_admin"]
    templates = services.templates_prepare(
        work_committee=city.work_committee, year=YEAR, actor=admin
    )
    for template in templates:
        services.template_issue(template=template, actor=admin, today=date(YEAR, 3, 1))
    return {
        lst.organization: lst for lst in ResponsibilityList.objects.select_related("organization")
    }


@pytest.fixture
def branch_list(city, issued):
    lst = issued[city.branch_a]
    assert lst.level == Level.BRANCH
    return lst
