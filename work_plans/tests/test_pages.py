"""Work-plan pages: to-do with overdue flags, plan editor, task page with the HTMX progress form,
the roll-up and its export; refusals for other organizations (404) and read-only roles (403)."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from core.models import AuditLog
from work_plans import services
from work_plans.models import PlanTask, TaskAssignment, WorkPlan


def sheet_rows(response, title):
    workbook = load_workbook(BytesIO(response.content), read_only=True)
    return [list(row) for row in workbook[title].iter_rows(values_only=True)]


@pytest.mark.django_db
def test_branch_secretary_sees_own_overdue_task_on_the_index(city, plan, login):
    body = login("secretary_a").get(reverse("work_plans:index")).content.decode()
    assert "开展理论学习" in body
    assert "已逾期 1 天" in body and "1 项逾期" in body
    assert "报送年度党建工作总结" not in body  # the department's task, not the branch's


@pytest.mark.django_db
def test_city_admin_sees_rollup_by_department_and_exports_it(city, plan, assignment, login):
    admin = city.users["city_admin"]
    a = assignment(plan.study, city.branch_a)
    services.assignment_report(assignment=a, actor=admin, percent=100, evidence_text="记录")
    a.refresh_from_db()
    services.assignment_confirm(assignment=a, actor=admin)
    client = login("city_admin")
    body = client.get(reverse("work_plans:index")).content.decode()
    assert city.dept_a.name in body and city.dept_b.name in body
    assert "完成率 <strong>20%</strong>" in body  # 1 of 5 assignments confirmed
    response = client.get(reverse("work_plans:export"), {"org": city.work_committee.pk})
    rows = sheet_rows(response, "按区域汇总")
    assert rows[1] == [city.dept_a.name, 3, 1, 0, 0, 1, 1, "33%"]
    assert rows[2] == [city.dept_b.name, 2, 0, 0, 0, 1, 1, "0%"]
    assert rows[3][:2] == ["合计", 5]
    detail = {
        row[0]: row for row in sheet_rows(response, "任务明细")[1:] if row[2] == "开展理论学习"
    }
    assert detail[city.branch_a2.name][4] == "已逾期" and detail[city.branch_a2.name][7] == 1
    assert detail[city.branch_a.name][4] == "已完成" and detail[city.branch_a.name][7] is None
    assert AuditLog.objects.filter(action="export", actor_name="city_admin").exists()


@pytest.mark.django_db
def test_other_branch_sees_only_its_own_share_of_a_shared_task(city, plan, login):
    client = login("secretary_b")
    body = client.get(reverse("work_plans:task_detail", args=[plan.study.pk])).content.decode()
    assert city.branch_b.name in body
    assert city.branch_a.name not in body and city.branch_a2.name not in body
    plan_page = client.get(reverse("work_plans:plan_detail", args=[plan.pk])).content.decode()
    assert "报送年度党建工作总结" not in plan_page  # a task for the departments only
    assert client.get(reverse("work_plans:task_detail", args=[plan.summary.pk])).status_code == 404


@pytest.mark.django_db
def test_other_branch_is_refused_a_departments_own_plan_everywhere(city, today, login):
    actor = city.users["committee_a"]
    own = services.plan_create(
        organization=city.committee_a, year=today.year, title="机关党委自定计划", actor=actor
    )
    task = services.task_save(
        plan=own,
        actor=actor,
        data={"title": "预算处专项任务", "deadline": today},
        owners=[city.branch_a],
    )
    services.plan_publish(plan=own, actor=actor)
    a = task.assignments.get()
    client = login("secretary_b")
    assert client.get(reverse("work_plans:plan_detail", args=[own.pk])).status_code == 404
    assert client.get(reverse("work_plans:task_detail", args=[task.pk])).status_code == 404
    url = reverse("work_plans:assignment_report", args=[a.pk])
    assert client.post(url, {"percent": 50}).status_code == 404
    assert client.get(f"/api/v1/work-plans/{own.pk}/").status_code == 404
    assert client.get(f"/api/v1/work-plan-assignments/{a.pk}/").status_code == 404
    export = client.get(reverse("work_plans:export"), {"source": "all"})
    assert export.status_code == 200 and "预算处专项任务".encode() not in export.content
    text = "".join(str(v) for row in sheet_rows(export, "任务明细") for v in row if v is not None)
    assert "预算处专项任务" not in text and city.branch_a.name not in text
    assert AuditLog.objects.filter(action="access_denied", actor_name="secretary_b").count() >= 3
    # The owner and the publisher do see it.
    assert (
        login("secretary_a").get(reverse("work_plans:task_detail", args=[task.pk])).status_code
        == 200
    )


@pytest.mark.django_db
def test_owners_do_not_see_a_draft_plan(city, today, login):
    admin = city.users["city_admin"]
    draft = services.plan_create(
        organization=city.work_committee, year=today.year, title="草稿计划", actor=admin
    )
    task = services.task_save(
        plan=draft,
        actor=admin,
        data={"title": "草稿任务", "deadline": today},
        owners=[city.branch_a],
    )
    client = login("secretary_a")
    assert client.get(reverse("work_plans:plan_detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("work_plans:task_detail", args=[task.pk])).status_code == 404
    assert "草稿任务" not in client.get(reverse("work_plans:index")).content.decode()


@pytest.mark.django_db
def test_read_only_role_cannot_report_or_publish(city, plan, assignment, login):
    a = assignment(plan.study, city.branch_a)
    client = login("publicity_a")
    page = client.get(reverse("work_plans:task_detail", args=[plan.study.pk]))
    assert page.status_code == 200 and "报告进展" not in page.content.decode()
    url = reverse("work_plans:assignment_report", args=[a.pk])
    assert client.post(url, {"percent": 50}).status_code == 403
    a.refresh_from_db()
    assert a.percent == 0
    # An owner may report but not confirm: that is the publisher's.
    secretary = login("secretary_a")
    assert secretary.post(reverse("work_plans:assignment_confirm", args=[a.pk])).status_code == 403
    assert secretary.post(reverse("work_plans:plan_publish", args=[plan.pk])).status_code == 403


@pytest.mark.django_db
def test_htmx_progress_form_reports_and_swaps_the_card(city, plan, assignment, login):
    a = assignment(plan.study, city.branch_a)
    client = login("secretary_a")
    url = reverse("work_plans:assignment_report", args=[a.pk])
    response = client.post(url, {"percent": 100, "note": "已完成"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and f'id="assignment-{a.pk}"' in body
    assert "报告完成时请填写佐证材料说明或上传佐证材料" in body
    response = client.post(
        url, {"percent": 100, "note": "已完成", "evidence_text": "学习笔记"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert "已报告完成，等待计划制定组织确认" in body and "待确认" in body
    assert "<html" not in body
    a.refresh_from_db()
    assert a.review_status == "submitted"
    confirm = login("city_admin").post(
        reverse("work_plans:assignment_confirm", args=[a.pk]), HTTP_HX_REQUEST="true"
    )
    assert "已确认完成" in confirm.content.decode()


@pytest.mark.django_db
def test_publisher_builds_and_publishes_a_plan_through_the_pages(city, today, login):
    client = login("committee_a")
    response = client.post(
        reverse("work_plans:plan_create"),
        {"organization": city.committee_a.pk, "year": today.year, "title": "机关党委年度计划"},
    )
    plan = WorkPlan.objects.get(organization=city.committee_a)
    assert response.url == reverse("work_plans:plan_detail", args=[plan.pk])
    deadline = today + timedelta(days=20)
    response = client.post(
        reverse("work_plans:task_create", args=[plan.pk]),
        {
            "order": 1,
            "title": "支部书记述职",
            "deadline": deadline.isoformat(),
            "owner_kinds": ["branch"],
        },
    )
    assert response.status_code == 302
    task = PlanTask.objects.get(plan=plan)
    assert task.assignments.count() == 2
    client.post(reverse("work_plans:plan_publish", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.is_published
    client.post(reverse("work_plans:plan_copy", args=[plan.pk]), {"year": today.year + 1})
    assert WorkPlan.objects.filter(organization=city.committee_a, year=today.year + 1).exists()
    # secretary B cannot make plans for committee A.
    other = login("secretary_b").post(
        reverse("work_plans:plan_create"),
        {"organization": city.committee_a.pk, "year": today.year + 2, "title": "越权"},
    )
    assert other.status_code == 200
    assert not WorkPlan.objects.filter(title="越权").exists()


@pytest.mark.django_db
def test_member_without_role_is_refused_the_pages(city, plan, login):
    assert login("member_a").get(reverse("work_plans:index")).status_code == 403
    assert TaskAssignment.objects.visible_to(city.users["member_a"]).count() == 0


@pytest.mark.django_db
def test_rollup_drills_into_a_department_but_not_outside_the_users_scope(city, plan, login):
    client = login("committee_a")
    body = client.get(reverse("work_plans:index"), {"source": "all"}).content.decode()
    assert city.branch_a.name in body and city.branch_a2.name in body  # areas of committee A
    assert city.branch_b.name not in body
    refused = login("secretary_b").get(reverse("work_plans:index"), {"org": city.dept_a.pk})
    assert refused.status_code == 404
    refused = login("secretary_b").get(reverse("work_plans:export"), {"org": city.dept_a.pk})
    assert refused.status_code == 404


@pytest.mark.django_db
def test_index_and_task_pages_read_in_a_bounded_number_of_queries(
    city, plan, login, django_assert_max_num_queries
):
    client = login("city_admin")
    with django_assert_max_num_queries(20):
        assert client.get(reverse("work_plans:index")).status_code == 200
    with django_assert_max_num_queries(20):
        assert (
            client.get(reverse("work_plans:task_detail", args=[plan.study.pk])).status_code == 200
        )


@pytest.mark.django_db
def test_evidence_uploaded_with_a_report_is_downloadable_only_in_scope(
    city, plan, assignment, login, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from work_plans.models import EvidenceFile

    settings.MEDIA_ROOT = tmp_path
    a = assignment(plan.study, city.branch_a)
    upload = SimpleUploadedFile("签到表.pdf", b"%PDF-1.4\n%x\n", content_type="application/pdf")
    response = login("secretary_a").post(
        reverse("work_plans:assignment_report", args=[a.pk]),
        {"percent": 100, "files": [upload]},
        HTTP_HX_REQUEST="true",
    )
    assert "签到表.pdf" in response.content.decode()
    evidence = EvidenceFile.objects.get()
    url = reverse("work_plans:evidence_download", args=[evidence.pk])
    assert login("city_admin").get(url).status_code == 200
    assert login("secretary_b").get(url).status_code == 404
