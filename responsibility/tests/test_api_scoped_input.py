"""Templates are prepared only for the administrator's own 工委; the filter offers only 工委 whose
templates the user reads."""

import pytest

from responsibility.models import ListTemplate

pytestmark = pytest.mark.django_db
API = "/api/v1/responsibility-templates/"


def test_preparing_for_an_organization_that_is_no_work_committee_is_refused(city, login):
    admin = login("city_admin")
    response = admin.post(
        f"{API}prepare/", {"work_committee": city.branch_a.pk, "year": 2026}, "application/json"
    )
    assert response.status_code == 400
    message = response.json()["work_committee"][0]
    assert message.startswith("机关工委：") and "不在您可操作的组织范围内" in message
    assert not ListTemplate.objects.exists()


def test_the_work_committee_filter_accepts_only_committees_the_user_reads(city, login, issued):
    client = login("secretary_b")
    mine = client.get(API, {"work_committee": city.work_committee.pk})
    assert mine.status_code == 200 and mine.json()["count"] == 3
    other = client.get(API, {"work_committee": city.branch_a.pk})
    assert other.status_code == 400
    assert "work_committee" in other.json()
