"""The leader of a case's rectification is one of the users the page offers, over the API too."""

import pytest

from weak_orgs import services

pytestmark = pytest.mark.django_db
BASE = "/api/v1/weak-orgs"


@pytest.fixture
def case_a(city):
    admin = city.users["city_admin"]
    return services.case_confirm(organization=city.branch_a, actor=admin, reason="巡察发现问题")


def plan(client, case, leader):
    return client.post(
        f"{BASE}/cases/{case.pk}/plan/",
        {"plan": "补齐组织生活", "exit_criteria": ["每月召开支委会"], "leader": leader},
        content_type="application/json",
    )


def test_a_leader_from_another_branch_is_refused(city, login, case_a):
    admin = login("city_admin")
    response = plan(admin, case_a, city.users["secretary_b"].pk)
    assert response.status_code == 400
    message = response.json()["leader"][0]
    assert message.startswith("责任领导：") and "不在您可操作的组织范围内" in message
    case_a.refresh_from_db()
    assert case_a.leader is None and case_a.plan == ""
    accepted = plan(admin, case_a, city.users["secretary_a"].pk)
    assert accepted.status_code == 200
    assert accepted.json()["leader"] == city.users["secretary_a"].pk
