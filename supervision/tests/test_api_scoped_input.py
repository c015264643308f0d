"""API input naming an organization, member or user outside the caller's scope is refused with 400
and a Chinese message under that field, and the services refuse it on their own as well."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from supervision import services
from supervision.models import AccountabilityCase, ExposureNotice, Inspection
from supervision.tests.conftest import days_from_today

pytestmark = pytest.mark.django_db
BASE = "/api/v1/supervision"


@pytest.fixture
def committee(city):
    client = APIClient()
    client.force_authenticate(city.users["committee_a"])
    return client


def inspection(city, **overrides):
    return {
        "kind": "routine_check",
        "title": "三会一课专项检查",
        "organizer": city.committee_a.pk,
        "organizations": [city.branch_a.pk],
        "starts_on": days_from_today(1).isoformat(),
        "ends_on": days_from_today(5).isoformat(),
        **overrides,
    }


def refusal(response, field: str, label: str) -> str:
    assert response.status_code == 400, response.data
    message = str(response.data[field][0])
    assert message.startswith(f"{label}：") and "不在您可操作的组织范围内" in message
    return message


def test_inspection_of_another_branch_is_refused(city, committee):
    response = committee.post(
        f"{BASE}/inspections/", inspection(city, organizations=[city.branch_b.pk]), format="json"
    )
    refusal(response, "organizations", "检查对象")
    assert not Inspection.objects.exists()


def test_team_and_leader_come_from_the_callers_scope(city, committee):
    outsider = city.users["secretary_b"].pk
    team = committee.post(f"{BASE}/inspections/", inspection(city, team=[outsider]), format="json")
    refusal(team, "team", "检查组成员")
    leader = committee.post(
        f"{BASE}/inspections/", inspection(city, leader=outsider), format="json"
    )
    refusal(leader, "leader", "组长")
    colleague = city.users["secretary_a"].pk
    made = committee.post(
        f"{BASE}/inspections/", inspection(city, team=[colleague], leader=colleague), format="json"
    )
    assert made.status_code == 201, made.data
    assert made.data["leader"] == colleague


def test_accountability_of_a_member_elsewhere_is_refused(city, committee):
    body = {
        "organization": city.branch_a.pk,
        "member": city.member_b.pk,
        "kind": "criticism_education",
        "decision": "批评教育",
        "decided_on": "2026-05-01",
        "authority": "机关党委",
    }
    refusal(committee.post(f"{BASE}/cases/", body, format="json"), "member", "被问责人")
    made = committee.post(f"{BASE}/cases/", {**body, "member": city.member_a.pk}, format="json")
    assert made.status_code == 201 and made.data["person_name"] == city.member_a.name


def test_notice_to_an_audience_elsewhere_is_refused(city, committee):
    body = {"title": "通报", "body": "正文", "issuer": city.committee_a.pk}
    response = committee.post(
        f"{BASE}/notices/", {**body, "audience": [city.branch_b.pk]}, format="json"
    )
    refusal(response, "audience", "通报范围")
    assert not ExposureNotice.objects.exists()


def test_services_refuse_out_of_scope_input_on_their_own(city):
    actor = city.users["committee_a"]
    data = {
        "kind": "routine_check",
        "title": "检查",
        "starts_on": days_from_today(1),
        "ends_on": days_from_today(2),
    }
    with pytest.raises(ValidationError) as team:
        services.inspection_create(
            actor=actor,
            organizer=city.committee_a,
            organizations=[city.branch_a],
            team=[city.users["secretary_b"]],
            data=data,
        )
    assert "team" in team.value.message_dict
    with pytest.raises(ValidationError) as target:
        services.inspection_create(
            actor=actor,
            organizer=city.committee_a,
            organizations=[city.branch_b],
            team=[],
            data=data,
        )
    assert "organizations" in target.value.message_dict
    with pytest.raises(ValidationError) as member:
        services.case_create(
            actor=actor,
            organization=city.branch_a,
            member=city.member_b,
            data={"kind": "criticism_education", "decision": "x", "decided_on": "2026-05-01",
                  "authority": "机关党委"},
        )  # fmt: skip
    assert "member" in member.value.message_dict
    with pytest.raises(ValidationError) as audience:
        services.notice_create(
            actor=actor, issuer=city.committee_a, audience=[city.branch_b], data={"title": "通报"}
        )
    assert "audience" in audience.value.message_dict
    assert not AccountabilityCase.objects.exists()
