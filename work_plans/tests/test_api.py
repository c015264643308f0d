"""/api/v1/ work plans: the whole loop through the API, with the same scoping as the pages."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from work_plans.models import TaskAssignment, WorkPlan

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.mark.django_db
def test_plan_task_report_confirm_loop_through_the_api(city, today, login):
    admin = login("city_admin")
    response = admin.post(
        "/api/v1/work-plans/",
        {"organization": city.work_committee.pk, "year": today.year, "title": "工委计划"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    plan_id = response.json()["id"]
    response = admin.post(
        "/api/v1/work-plan-tasks/",
        {
            "plan": plan_id,
            "title": "组织生活会",
            "deadline": (today + timedelta(days=3)).isoformat(),
            "owner_kinds": ["party_committee"],
            "owners": [city.branch_b.pk],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["owner_count"] == 2
    assert admin.post(f"/api/v1/work-plans/{plan_id}/publish/").json()["status"] == "published"

    committee = login("committee_a")
    mine = committee.get("/api/v1/work-plan-assignments/").json()["results"]
    assert [(a["owner_name"], a["state"]) for a in mine] == [(city.committee_a.name, "not_started")]
    upload = SimpleUploadedFile("照片.png", PNG, content_type="image/png")
    response = committee.post(
        f"/api/v1/work-plan-assignments/{mine[0]['id']}/report/",
        {"percent": 100, "note": "已召开", "files": [upload]},
    )
    assert response.status_code == 201, response.json()
    assert response.json()["files"][0]["name"] == "照片.png"
    response = admin.post(f"/api/v1/work-plan-assignments/{mine[0]['id']}/confirm/")
    assert response.json()["state"] == "done"
    # The committee cannot see branch B's share of the same task.
    ids = [a["id"] for a in committee.get("/api/v1/work-plan-assignments/").json()["results"]]
    assert ids == [mine[0]["id"]]


@pytest.mark.django_db
def test_api_refuses_other_organizations_and_read_only_roles(city, plan, assignment, login):
    a = assignment(plan.study, city.branch_a)
    b = login("secretary_b")
    assert b.get(f"/api/v1/work-plan-assignments/{a.pk}/").status_code == 404
    assert (
        b.post(f"/api/v1/work-plan-assignments/{a.pk}/report/", {"percent": 10}).status_code == 404
    )
    listed = [x["owner_name"] for x in b.get("/api/v1/work-plan-assignments/").json()["results"]]
    assert listed == [city.branch_b.name]
    read_only = login("publicity_a")
    assert read_only.get(f"/api/v1/work-plan-assignments/{a.pk}/").status_code == 200
    response = read_only.post(f"/api/v1/work-plan-assignments/{a.pk}/report/", {"percent": 10})
    assert response.status_code == 403
    owner = login("secretary_a")
    assert owner.post(f"/api/v1/work-plan-assignments/{a.pk}/confirm/").status_code == 403
    assert owner.post(f"/api/v1/work-plans/{plan.pk}/publish/").status_code == 403
    response = owner.patch(
        f"/api/v1/work-plan-tasks/{plan.study.pk}/",
        {"title": "改名"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert TaskAssignment.objects.get(pk=a.pk).percent == 0


@pytest.mark.django_db
def test_api_reports_service_errors_in_chinese(city, plan, assignment, login):
    a = assignment(plan.study, city.branch_a)
    response = login("secretary_a").post(
        f"/api/v1/work-plan-assignments/{a.pk}/report/", {"percent": 100}
    )
    assert response.status_code == 400
    assert "佐证" in str(response.json())
    overdue = login("secretary_a").get("/api/v1/work-plan-assignments/", {"state": "overdue"})
    assert [x["id"] for x in overdue.json()["results"]] == [a.pk]


@pytest.mark.django_db
def test_copy_through_the_api(city, plan, login):
    response = login("city_admin").post(f"/api/v1/work-plans/{plan.pk}/copy/")
    assert response.status_code == 201
    copy = WorkPlan.objects.get(pk=response.json()["id"])
    assert copy.year == plan.year + 1 and copy.tasks.count() == 2
