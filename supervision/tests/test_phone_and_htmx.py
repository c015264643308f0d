"""The phone form's organization search, and detail-page actions answered by an HTMX partial."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.testing import make_org
from orgs.models import OrgKind
from supervision import selectors, services
from supervision.models import Finding, FindingState
from supervision.tests.conftest import days_from_today, photo

pytestmark = pytest.mark.django_db
SEARCH = "supervision:org_search"


def picks(client, **params) -> str:
    return client.get(reverse(SEARCH), params).content.decode()


def test_search_by_name_or_pinyin_initials_offers_only_organizations_in_scope(city, login):
    client = login("committee_a")
    by_name = picks(client, org_q="预算")
    assert f'data-org-pk="{city.branch_a.pk}"' in by_name
    assert city.committee_a.name in by_name  # the trail tells same-named branches apart
    by_initials = picks(client, org_q="GKC")  # 国库处党支部
    assert f'data-org-pk="{city.branch_a2.pk}"' in by_initials
    assert f'data-org-pk="{city.branch_a.pk}"' not in by_initials
    assert "没有找到" in picks(client, org_q="教育局")  # dept B is not theirs
    assert picks(client, org_q="").strip() == ""


def test_people_without_organizations_below_them_find_nothing(city, login):
    for persona in ("secretary_a", "secretary_b", "publicity_a"):
        body = picks(login(persona), org_q="党支部")
        assert "data-org-pk" not in body, persona
    assert login("member_a").get(reverse(SEARCH), {"org_q": "预算"}).status_code == 403


def test_city_admin_gets_at_most_twenty_matches_in_bounded_queries(city, login):
    for i in range(30):
        make_org(f"市审计局第{i + 1}党支部", OrgKind.BRANCH, city.committee_a)
    client = login("city_admin")
    with CaptureQueriesContext(connection) as name_queries:
        body = picks(client, org_q="审计局")
    assert body.count("data-org-pk") == 20 and "只显示前 20 个" in body
    with CaptureQueriesContext(connection) as initial_queries:
        body = picks(client, org_q="sjj")  # 市审计局… -> ssjjd…: matched inside the initials
    assert body.count("data-org-pk") == 20
    assert len(name_queries) <= 12 and len(initial_queries) <= 12


def test_initials_matching_the_start_come_before_matches_inside(city):
    found = selectors.org_search(selectors.supervised_orgs(city.users["city_admin"]), "ys")
    assert found[0] == city.branch_a  # 预算处党支部 starts with ys


def test_with_an_inspection_chosen_only_its_organizations_are_offered(city, login):
    inspection = services.inspection_create(
        actor=city.users["city_admin"],
        organizer=city.work_committee,
        organizations=[city.branch_a2],
        team=[],
        data={"kind": "routine_check", "title": "国库处专项检查", "starts_on": days_from_today(0),
              "ends_on": days_from_today(5)},
    )  # fmt: skip
    client = login("city_admin")
    listed = picks(client, inspection=inspection.pk, org_q="")
    assert f'data-org-pk="{city.branch_a2.pk}"' in listed
    assert f'data-org-pk="{city.branch_a.pk}"' not in listed
    assert "data-org-pk" not in picks(client, inspection=inspection.pk, org_q="预算")


def test_posting_an_organization_outside_scope_is_refused_and_the_pick_is_kept(
    city, login, category
):
    client = login("committee_a")
    data = {
        "category": category.pk,
        "severity": "minor",
        "description": "未按期召开支委会",
        "deadline": days_from_today(10).isoformat(),
    }
    for org in (city.branch_b, city.committee_a):  # another department; itself, not below
        response = client.post(reverse("supervision:finding_new"), {**data, "organization": org.pk})
        assert response.status_code == 200 and "请选择本人可检查的组织" in response.content.decode()
    response = client.post(reverse("supervision:finding_new"), data)
    assert "请搜索并选择责任组织" in response.content.decode()
    response = client.post(
        reverse("supervision:finding_new"),
        {**data, "organization": city.branch_a.pk, "deadline": "2001-01-01"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "data-chosen-name>预算处党支部<" in body
    assert not Finding.objects.exists()


def test_progress_and_sign_off_update_the_panel_without_reloading(city, login, record):
    finding = record()
    secretary = login("secretary_a")
    url = lambda name: reverse(f"supervision:{name}", args=[finding.pk])  # noqa: E731
    htmx = {"HTTP_HX_REQUEST": "true"}
    secretary.post(url("finding_plan"), {"text": "补开支部党员大会"}, **htmx)
    response = secretary.post(
        url("finding_progress"), {"text": "已于本周召开", "files": [photo()]}, **htmx
    )
    body = response.content.decode()
    assert response.status_code == 200 and not body.lstrip().startswith("<!doctype")
    assert "已报告整改进展" in body and "已于本周召开" in body  # the new event is listed
    assert "HX-Request" in response["Vary"]
    response = secretary.post(url("finding_submit"), {"text": ""}, **htmx)
    assert "内容：该字段是必填项" in response.content.decode()
    assert Finding.objects.get().state == FindingState.IN_PROGRESS
    secretary.post(url("finding_submit"), {"text": "整改完成"}, **htmx)
    committee = login("committee_a")
    body = committee.post(url("finding_return"), {"reason": "缺会议记录"}, **htmx).content.decode()
    assert "已退回" in body and "退回重改" in body
    secretary.post(url("finding_submit"), {"text": "已补会议记录"}, **htmx)
    body = committee.post(url("finding_sign_off"), {"text": ""}, **htmx).content.decode()
    assert "已验收销号" in body and "重新打开" in body  # the buttons follow the new state
    assert Finding.objects.get().state == FindingState.SIGNED_OFF


def test_detail_page_marks_its_forms_for_htmx_and_still_works_without(city, login, record):
    finding = record()
    page = login("secretary_a").get(reverse("supervision:finding_detail", args=[finding.pk]))
    body = page.content.decode()
    assert 'hx-target="#finding-panel"' in body and 'hx-encoding="multipart/form-data"' in body
    response = login("secretary_a").post(
        reverse("supervision:finding_plan", args=[finding.pk]), {"text": "方案"}
    )
    assert response.status_code == 302


def test_htmx_refusals_stay_refusals(city, login, record):
    finding = record()
    htmx = {"HTTP_HX_REQUEST": "true"}
    url = reverse("supervision:finding_plan", args=[finding.pk])
    assert login("secretary_b").post(url, {"text": "x"}, **htmx).status_code == 404
    assert login("publicity_a").post(url, {"text": "x"}, **htmx).status_code == 403
    assert Finding.objects.get().state == FindingState.OPEN


def test_retiring_a_category_swaps_its_row_only(city, login, category):
    url = reverse("supervision:category_retire", args=[category.pk])
    response = login("city_admin").post(url, {"active": "0"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith("<tr") and "已停用" in body and "启用" in body
    category.refresh_from_db()
    assert not category.is_active
    assert (
        login("secretary_b").post(url, {"active": "1"}, HTTP_HX_REQUEST="true").status_code == 403
    )


def test_phone_form_proposes_a_deadline_the_date_input_can_show(city, login):
    body = login("committee_a").get(reverse("supervision:finding_new")).content.decode()
    assert f'value="{days_from_today(30).isoformat()}"' in body  # ISO, not the locale's format
