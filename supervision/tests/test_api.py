"""/api/v1/supervision/: the same scoping and transitions as the pages."""

import pytest
from rest_framework.test import APIClient

from supervision.models import ExposureNotice, Finding, FindingState
from supervision.tests.conftest import days_from_today, photo

pytestmark = pytest.mark.django_db
BASE = "/api/v1/supervision"


@pytest.fixture
def api(city):
    def _api(persona):
        client = APIClient()
        client.force_authenticate(city.users[persona])
        return client

    return _api


def test_inspector_records_a_finding_with_photos_over_the_api(city, api, category):
    response = api("committee_a").post(
        f"{BASE}/findings/",
        {
            "organization": city.branch_a.pk,
            "category": category.pk,
            "description": "会议记录缺失",
            "deadline": days_from_today(10).isoformat(),
            "photos": [photo("a.png"), photo("b.png"), photo("c.png")],
            "latitude": "30.1",
            "longitude": "120.5",
        },
        format="multipart",
    )
    assert response.status_code == 201, response.data
    assert response.data["state"] == "open"
    assert len(response.data["events"][0]["evidence"]) == 3
    assert response.data["allowed_actions"] == ["exemption", "extension", "plan"]  # not 工委


def test_recording_against_another_department_is_refused(city, api, category):
    response = api("committee_a").post(
        f"{BASE}/findings/",
        {"organization": city.branch_b.pk, "category": category.pk, "description": "x",
         "deadline": days_from_today(10).isoformat()},
    )  # fmt: skip
    assert response.status_code == 400 and "organization" in response.data
    assert not Finding.objects.exists()


def test_full_cycle_over_the_api_with_return_and_errors_in_chinese(city, api, record):
    finding = record()
    secretary, committee = api("secretary_a"), api("committee_a")
    url = f"{BASE}/findings/{finding.pk}"
    response = secretary.post(f"{url}/progress/", {"text": "x"})
    assert response.status_code == 400 and "请先报送整改方案" in str(response.data)
    assert secretary.post(f"{url}/plan/", {"text": "方案"}).status_code == 200
    response = secretary.post(
        f"{url}/progress/", {"text": "进展", "files": [photo()]}, format="multipart"
    )
    assert response.status_code == 200
    assert (
        secretary.post(f"{url}/submit/", {"text": "完成"}).data["state"]
        == "submitted_for_verification"
    )
    assert secretary.post(f"{url}/sign-off/", {}).status_code == 403
    assert committee.post(f"{url}/return/", {"reason": "不到位"}).data["state"] == "returned"
    assert secretary.post(f"{url}/submit/", {"text": "再次完成"}).status_code == 200
    response = committee.post(f"{url}/sign-off/", {"text": "通过"})
    assert response.data["state"] == FindingState.SIGNED_OFF
    response = committee.post(
        f"{url}/reopen/", {"reason": "反弹", "deadline": days_from_today(20).isoformat()}
    )
    assert response.data["state"] == "reopened" and response.data["reopen_count"] == 1
    kinds = [e["kind"] for e in secretary.get(f"{url}/").data["events"]]
    assert kinds == ["recorded", "plan", "progress", "submitted", "returned", "submitted",
                     "signed_off", "reopened"]  # fmt: skip


def test_other_branch_gets_404_and_read_only_gets_403(city, api, record):
    finding = record()
    url = f"{BASE}/findings/{finding.pk}"
    other = api("secretary_b")
    assert other.get(f"{url}/").status_code == 404
    assert other.post(f"{url}/plan/", {"text": "x"}).status_code == 404
    assert other.get(f"{BASE}/findings/").data["count"] == 0
    assert other.get(f"{BASE}/overview/").data["total"] == 0
    assert other.get(f"{BASE}/todo/").data["todo"] == []
    reader = api("publicity_a")
    assert reader.get(f"{url}/").status_code == 200
    assert reader.post(f"{url}/plan/", {"text": "x"}).status_code == 403


def test_overview_and_filters(city, api, record):
    record()
    record(deadline=days_from_today(1))
    Finding.objects.filter(deadline=days_from_today(1)).update(deadline=days_from_today(-2))
    admin = api("city_admin")
    data = admin.get(f"{BASE}/overview/").data
    assert data["total"] == 2 and data["overdue_count"] == 1
    assert data["repeat_offenders"][0]["organization_name"] == city.branch_a.name
    assert admin.get(f"{BASE}/findings/?overdue=true").data["count"] == 1


def test_exemption_decided_by_the_work_committee_over_the_api(city, api, record):
    finding = record()
    response = api("secretary_a").post(
        f"{BASE}/findings/{finding.pk}/exemption/", {"grounds": "先行先试出现偏差"}
    )
    assert response.status_code == 200
    exemption = finding.exemptions.get()
    url = f"{BASE}/exemptions/{exemption.pk}/decide/"
    assert api("committee_a").post(url, {"approve": True}).status_code == 403
    assert api("secretary_b").post(url, {"approve": True}).status_code == 404
    assert api("city_admin").post(url, {"approve": True}).data["status"] == "approved"


def test_case_and_notice_over_the_api(city, api, record):
    finding = record()
    admin = api("city_admin")
    case = admin.post(
        f"{BASE}/cases/",
        {"organization": city.branch_a.pk, "findings": [finding.pk], "kind": "criticism_education",
         "decision": "批评教育", "decided_on": "2026-05-01", "authority": "市直机关工委"},
        format="json",
    )  # fmt: skip
    assert case.status_code == 201, case.data
    assert api("secretary_b").get(f"{BASE}/cases/").data["count"] == 0
    notice = admin.post(
        f"{BASE}/notices/",
        {"title": "典型问题通报", "body": "正文", "issuer": city.work_committee.pk,
         "audience": [city.committee_a.pk], "cases": [case.data["id"]]},
        format="json",
    )  # fmt: skip
    assert notice.status_code == 201, notice.data
    member = APIClient()
    member.force_authenticate(city.users["member_a"])
    assert member.get(f"{BASE}/notices/").data["count"] == 0
    admin.post(f"{BASE}/notices/{notice.data['id']}/publish/")
    assert member.get(f"{BASE}/notices/").data["count"] == 1
    assert api("secretary_b").get(f"{BASE}/notices/").data["count"] == 0
    assert ExposureNotice.objects.get().is_published
