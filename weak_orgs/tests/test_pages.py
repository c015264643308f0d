"""The pages and the export: 工委's list and decisions, a case's progress over HTMX, scoping."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from weak_orgs import services
from weak_orgs.models import FlagResult, FlagRun, WeakOrgCase, WeakOrgCriterion
from weak_orgs.tests.conftest import criterion

pytestmark = pytest.mark.django_db
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def case_a(city):
    """An open case of branch A with a plan."""
    admin = city.users["city_admin"]
    case = services.case_confirm(organization=city.branch_a, actor=admin, reason="巡察发现问题")
    return services.case_plan(
        case=case,
        actor=admin,
        plan="补齐组织生活",
        exit_criteria=["每月召开支委会"],
        leader_name="局党组成员 王某",
    )


def xlsx_text(response) -> str:
    book = load_workbook(BytesIO(response.content), read_only=True)
    return "\n".join(str(v) for s in book for row in s.iter_rows(values_only=True) for v in row)


def test_work_committee_runs_the_flags_and_sees_the_facts(city, login):
    client = login("city_admin")
    response = client.post(reverse("weak_orgs:run"), follow=True)
    assert "已完成研判" in response.content.decode()
    page = client.get(reverse("weak_orgs:index")).content.decode()
    assert "国库处党支部" in page and "未登记书记任职信息" in page
    assert "欠缴党费党员超过10%：数据来源待接入（党费模块）" in page
    assert "中共测试市财政局党组" in page  # counts by department


def test_filtering_the_flags_over_htmx_returns_only_the_table(city, login, flags):
    flags()
    client = login("city_admin")
    response = client.get(
        reverse("weak_orgs:index"), {"code": "term_overdue"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert "<html" not in body and "没有符合条件的党组织" in body
    response = client.get(reverse("weak_orgs:index"), {"q": "国库"}, HTTP_HX_REQUEST="true")
    assert "国库处党支部" in response.content.decode()
    assert "预算处党支部" not in response.content.decode()


def test_confirming_from_the_list_leads_to_the_plan(city, login, flags):
    result = flags().results.get(organization=city.branch_a2)
    client = login("city_admin")
    response = client.post(reverse("weak_orgs:result_confirm", args=[result.pk]))
    case = WeakOrgCase.objects.get(organization=city.branch_a2)
    assert response.url == reverse("weak_orgs:case_plan", args=[case.pk])
    response = client.post(
        response.url,
        {"plan": "选配书记", "exit_criteria": "选出书记\n\n按月开会", "leader_name": "王某"},
    )
    assert response.status_code == 302
    assert list(case.exit_criteria.values_list("text", flat=True)) == ["选出书记", "按月开会"]


def test_dismissing_without_a_reason_shows_the_error_in_the_row(city, login, flags):
    result = flags().results.get(organization=city.branch_a2)
    client = login("city_admin")
    url = reverse("weak_orgs:result_dismiss", args=[result.pk])
    response = client.post(url, {"reason": ""}, HTTP_HX_REQUEST="true")
    assert "请填写排除理由" in response.content.decode()
    response = client.post(url, {"reason": "已选出书记"}, HTTP_HX_REQUEST="true")
    assert "已排除" in response.content.decode()
    assert FlagResult.objects.get(pk=result.pk).decision == "dismissed"


def test_branch_secretary_sees_only_cases_in_scope_and_no_flags(city, login, flags, case_a):
    flags()
    page = login("secretary_a").get(reverse("weak_orgs:index")).content.decode()
    assert "预算处党支部" in page and "研判名单" not in page and "国库处党支部" not in page
    page = login("secretary_b").get(reverse("weak_orgs:index")).content.decode()
    assert "预算处党支部" not in page


def test_secretary_reports_progress_with_evidence_over_htmx(
    city, login, case_a, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client = login("secretary_a")
    url = reverse("weak_orgs:case_progress", args=[case_a.pk])
    photo = SimpleUploadedFile("会议.png", PNG, "image/png")
    response = client.post(url, {"body": "已召开支委会", "file": photo}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "已召开支委会" in body and "会议.png" in body and "<html" not in body
    note = case_a.notes.get()
    evidence = client.get(reverse("weak_orgs:evidence", args=[note.pk]))
    assert evidence.status_code == 200
    assert (
        login("secretary_b").get(reverse("weak_orgs:evidence", args=[note.pk])).status_code == 404
    )


def test_a_renamed_file_is_refused_as_evidence(city, login, case_a, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    fake = SimpleUploadedFile("照片.jpg", b"MZ\x90\x00 not a photo", "image/jpeg")
    response = login("secretary_a").post(
        reverse("weak_orgs:case_progress", args=[case_a.pk]),
        {"body": "已整改", "file": fake},
        HTTP_HX_REQUEST="true",
    )
    assert "内容与扩展名" in response.content.decode()
    assert not case_a.notes.exists()


def test_marking_an_exit_criterion_over_htmx(city, login, case_a):
    item = case_a.exit_criteria.get()
    url = reverse("weak_orgs:criterion_mark", args=[case_a.pk, item.pk])
    client = login("secretary_a")
    response = client.post(url, {"met": "1", "note": ""}, HTTP_HX_REQUEST="true")
    assert "请说明达到情况" in response.content.decode()
    response = client.post(url, {"met": "1", "note": "9至11月均已召开"}, HTTP_HX_REQUEST="true")
    assert "9至11月均已召开" in response.content.decode()


def test_other_branch_is_refused_everywhere(city, login, case_a):
    client = login("secretary_b")
    item = case_a.exit_criteria.get()
    for url in (
        reverse("weak_orgs:case_detail", args=[case_a.pk]),
        reverse("weak_orgs:case_plan", args=[case_a.pk]),
    ):
        assert client.get(url).status_code == 404
    posts = [
        (reverse("weak_orgs:case_progress", args=[case_a.pk]), {"body": "x"}),
        (reverse("weak_orgs:criterion_mark", args=[case_a.pk, item.pk]), {"met": "1"}),
        (reverse("weak_orgs:case_lift", args=[case_a.pk]), {"reason": "x"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404
    assert "预算处党支部" not in xlsx_text(client.get(reverse("weak_orgs:export")))
    assert not case_a.notes.exists()


def test_read_only_user_sees_the_case_but_gets_403_on_changes(city, login, case_a):
    client = login("publicity_a")
    assert client.get(reverse("weak_orgs:case_detail", args=[case_a.pk])).status_code == 200
    response = client.post(reverse("weak_orgs:case_progress", args=[case_a.pk]), {"body": "x"})
    assert response.status_code == 403
    item = case_a.exit_criteria.get()
    url = reverse("weak_orgs:criterion_mark", args=[case_a.pk, item.pk])
    assert client.post(url, {"met": "1", "note": "x"}).status_code == 403


def test_branch_secretary_cannot_plan_lift_or_run(city, login, case_a):
    client = login("secretary_a")
    assert client.get(reverse("weak_orgs:case_plan", args=[case_a.pk])).status_code == 403
    assert client.post(reverse("weak_orgs:run")).status_code == 403
    assert not FlagRun.objects.exists()
    page = client.get(reverse("weak_orgs:case_detail", args=[case_a.pk])).content.decode()
    assert "填报进展" in page and "销号说明" not in page


def test_lift_page_names_what_blocks_it(city, login, case_a):
    page = login("city_admin").get(reverse("weak_orgs:case_detail", args=[case_a.pk]))
    text = page.content.decode()
    assert "销号标准未全部达到：每月召开支委会" in text and "确认整顿后尚未重新研判" in text


def test_export_holds_flags_and_cases(city, login, flags, case_a):
    flags()
    text = xlsx_text(login("city_admin").get(reverse("weak_orgs:export")))
    assert "国库处党支部" in text and "未登记书记任职信息" in text
    assert "补齐组织生活" in text and "局党组成员 王某" in text


def test_criteria_page_lists_defaults_with_sources(city, login):
    page = login("secretary_a").get(reverse("weak_orgs:criteria")).content.decode()
    assert "连续3个月未召开支委会" in page and "默认值" in page
    assert "数据来源待接入（党费模块）" in page
    assert reverse("weak_orgs:criterion_edit", args=[criterion("dues_arrears").pk]) not in page
    admin_page = login("city_admin").get(reverse("weak_orgs:criteria")).content.decode()
    assert reverse("weak_orgs:criterion_edit", args=[criterion("dues_arrears").pk]) in admin_page


def test_city_admin_revises_a_criterion_as_a_new_version(city, login):
    item = criterion("no_committee_meeting")
    client = login("city_admin")
    url = reverse("weak_orgs:criterion_edit", args=[item.pk])
    data = {
        "name": "连续2个月未召开支委会",
        "enabled": "on",
        "org_kinds": ["branch", "joint_branch"],
        "effective_from": "2026-12-01",
        "source": "本市2026年调整",
        "param_months": "2",
    }
    response = client.post(url, {**data, "param_months": "0"})
    assert "连续月数须在1到12之间" in response.content.decode()
    assert client.post(url, data).status_code == 302
    versions = WeakOrgCriterion.objects.filter(code="no_committee_meeting").order_by("pk")
    assert [(v.parameters["months"], str(v.effective_to)) for v in versions] == [
        (3, "2026-11-30"),
        (2, "None"),
    ]
    assert not versions.last().is_default
    assert login("secretary_a").get(url).status_code == 403


def test_index_queries_do_not_grow_with_flagged_organizations(city, login, flags):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dangjian.testing import make_org
    from orgs.models import OrgKind

    client = login("city_admin")
    flags()
    client.get(reverse("weak_orgs:index"))  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("weak_orgs:index"))
    for i in range(15):
        make_org(f"新支部{i}", OrgKind.BRANCH, city.committee_a)
    flags()
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("weak_orgs:index")).content.decode()
    assert "新支部14" in page
    assert len(many) == len(few)


def test_work_committee_confirms_an_unlisted_organization_by_name(city, login):
    client = login("city_admin")
    url = reverse("weak_orgs:case_new")
    response = client.post(url, {"organization": "不存在的支部", "reason": "巡察发现"})
    assert "找不到名为“不存在的支部”的党组织" in response.content.decode()
    response = client.post(url, {"organization": "教育局机关党支部", "reason": "巡察发现问题"})
    case = WeakOrgCase.objects.get(organization=city.branch_b)
    assert response.url == reverse("weak_orgs:case_plan", args=[case.pk])
    assert case.confirm_reason == "巡察发现问题" and case.reasons == []
    assert login("secretary_a").get(url).status_code == 403
