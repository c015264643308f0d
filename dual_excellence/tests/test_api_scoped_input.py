"""Quotas go to the 片区 of the administrator's own 工委; others are refused before anything changes."""

import pytest

from dual_excellence.models import Quota

pytestmark = pytest.mark.django_db
API = "/api/v1/dual-excellence"


def set_quota(client, category, area):
    return client.post(
        f"{API}/quotas/",
        {"category": category.pk, "area": area.pk, "org_quota": 2, "member_quota": 1},
        "application/json",
    )


def test_a_quota_for_an_organization_that_is_no_area_is_refused(city, login, party_work):
    response = set_quota(login("city_admin"), party_work, city.branch_a)
    assert response.status_code == 400
    message = response.json()["area"][0]
    assert message.startswith("片区：") and "不在您可操作的组织范围内" in message
    assert set_quota(login("city_admin"), party_work, city.dept_a).status_code == 201


def test_non_administrators_are_refused_with_403_whatever_area_they_name(city, login, party_work):
    assert set_quota(login("committee_a"), party_work, city.dept_a).status_code == 403
    assert set_quota(login("secretary_b"), party_work, city.dept_b).status_code == 403
    assert not Quota.objects.exists()
