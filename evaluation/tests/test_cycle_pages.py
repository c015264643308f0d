"""The cycle in the browser: overview, cycle pages, self-assessment, review, return, export, refusals."""

from datetime import date
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from core.models import AuditLog
from evaluation import cycle_services as cs
from evaluation.models import EvaluationCycle, OrgRating
from evaluation.tests.conftest import YEAR, manual_entries, open_cycle, publish_scheme, rating_of

S = OrgRating.Status


def form_data(rating, points=80, vetoes=(), **extra):
    data = {"summary": "全年工作扎实"}
    for pk, entry in manual_entries(rating, points, vetoes).items():
        if "points" in entry:
            data[f"points_{pk}"] = str(entry["points"])
            data[f"evidence_{pk}"] = "会议记录"
        elif entry.get("veto"):
            data[f"veto_{pk}"] = "on"
    return {**data, **extra}


@pytest.mark.django_db
def test_index_leads_readers_to_the_overview(cycle, login):
    response = login("secretary_a").get(reverse("evaluation:index"))
    assert response.status_code == 302 and response.url == reverse("evaluation:overview")


@pytest.mark.django_db
def test_a_city_admin_opens_a_cycle_in_the_browser(city, scheme, login):
    client = login("city_admin")
    page = client.get(reverse("evaluation:cycle_new")).content.decode()
    assert scheme.name in page
    response = client.post(
        reverse("evaluation:cycle_new"),
        {
            "scheme": scheme.pk,
            "self_assessment_due": f"{YEAR}-11-30",
            "review_due": f"{YEAR}-12-15",
            "approval_due": f"{YEAR}-12-25",
            "notice_days": 5,
        },
    )
    cycle = EvaluationCycle.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "evaluation:cycle_detail", args=[cycle.pk]
    )
    body = client.get(response.url).content.decode()
    assert "预算处党支部" in body and "教育局机关党支部" in body
    assert login("secretary_a").get(reverse("evaluation:cycle_new")).status_code == 403


@pytest.mark.django_db
def test_the_branch_self_assesses_and_submits_from_its_phone_form(city, cycle, login):
    client = login("secretary_a")
    rating = rating_of(cycle, city.branch_a)
    queue = client.get(reverse("evaluation:queue")).content.decode()
    assert reverse("evaluation:rating_self_assess", args=[rating.pk]) in queue
    url = reverse("evaluation:rating_self_assess", args=[rating.pk])
    page = client.get(url).content.decode()
    assert "政治建设工作落实情况" in page and 'inputmode="decimal"' in page
    response = client.post(url, form_data(rating, 80, save="1"))
    assert response.status_code == 302
    rating.refresh_from_db()
    assert (
        rating.status == S.PENDING and rating.self_stars == 5 and rating.summary == "全年工作扎实"
    )
    response = client.post(url, form_data(rating, 50, submit="1"))
    rating.refresh_from_db()
    assert rating.status == S.SELF_ASSESSED and rating.self_stars == 0
    detail = client.get(reverse("evaluation:rating_detail", args=[rating.pk])).content.decode()
    assert "提交自评" in detail and "已自评待审核" in detail


@pytest.mark.django_db
def test_an_invalid_self_assessment_keeps_what_was_typed(city, cycle, login):
    client = login("secretary_a")
    rating = rating_of(cycle, city.branch_a)
    url = reverse("evaluation:rating_self_assess", args=[rating.pk])
    response = client.post(url, form_data(rating, 120, save="1"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "应在0到100之间" in body and 'value="120"' in body
    assert "<html" not in body  # HTMX gets only the form back
    response = client.post(url, form_data(rating, 80, save="1"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("evaluation:rating_detail", args=[rating.pk])


@pytest.mark.django_db
def test_evidence_upload_accepts_pdf_and_refuses_a_disguised_file(
    city, cycle, login, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client = login("secretary_a")
    rating = rating_of(cycle, city.branch_a)
    url = reverse("evaluation:evidence_upload", args=[rating.pk])
    client.post(
        url, {"file": SimpleUploadedFile("会议记录.pdf", b"%PDF-1.4 test", "application/pdf")}
    )
    client.post(url, {"file": SimpleUploadedFile("照片.jpg", b"MZ\x90\x00 evil", "image/jpeg")})
    assert list(rating.files.values_list("name", flat=True)) == ["会议记录.pdf"]
    item = rating.files.get()
    assert (
        login("committee_a")
        .get(reverse("evaluation:evidence_download", args=[item.pk]))
        .status_code
        == 200
    )
    assert (
        login("secretary_b")
        .get(reverse("evaluation:evidence_download", args=[item.pk]))
        .status_code
        == 404
    )


@pytest.mark.django_db
def test_the_superior_reviews_or_returns_with_reasons(city, cycle, login):
    rating = rating_of(cycle, city.branch_a)
    cs.rating_self_assess(
        rating=rating, actor=city.users["secretary_a"], entries=manual_entries(rating, 90)
    )
    cs.rating_submit(rating=rating, actor=city.users["secretary_a"])
    reviewer = login("committee_a")
    assert (
        reverse("evaluation:rating_review", args=[rating.pk])
        in reviewer.get(reverse("evaluation:queue")).content.decode()
    )
    reviewer.post(
        reverse("evaluation:rating_return", args=[rating.pk]), {"reason": "请补充党课记录"}
    )
    rating.refresh_from_db()
    assert rating.status == S.RETURNED
    page = (
        login("secretary_a")
        .get(reverse("evaluation:rating_detail", args=[rating.pk]))
        .content.decode()
    )
    assert "请补充党课记录" in page and "修改自评" in page
    cs.rating_submit(rating=rating, actor=city.users["secretary_a"])
    response = reviewer.post(
        reverse("evaluation:rating_review", args=[rating.pk]),
        {
            **{k: v for k, v in form_data(rating, 70).items() if k.startswith("points_")},
            "comment": "同意",
        },
    )
    assert response.status_code == 302
    rating.refresh_from_db()
    assert rating.status == S.REVIEWED and rating.proposed_stars == 5


@pytest.mark.django_db
def test_the_branch_itself_gets_no_review_button_and_is_refused(city, cycle, login):
    rating = rating_of(cycle, city.branch_a)
    cs.rating_self_assess(
        rating=rating, actor=city.users["secretary_a"], entries=manual_entries(rating)
    )
    cs.rating_submit(rating=rating, actor=city.users["secretary_a"])
    client = login("secretary_a")
    page = client.get(reverse("evaluation:rating_detail", args=[rating.pk])).content.decode()
    assert reverse("evaluation:rating_review", args=[rating.pk]) not in page
    response = client.post(
        reverse("evaluation:rating_review", args=[rating.pk]), {"comment": "自己批"}
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_another_branch_gets_404_on_every_rating_page_and_export_leaves_it_out(city, cycle, login):
    rating = rating_of(cycle, city.branch_a)
    client = login("secretary_b")
    for name in ("rating_detail", "rating_self_assess", "rating_review"):
        assert client.get(reverse(f"evaluation:{name}", args=[rating.pk])).status_code == 404
    for name in ("rating_return", "rating_approve", "rating_self_assess"):
        assert (
            client.post(
                reverse(f"evaluation:{name}", args=[rating.pk]), {"reason": "x"}
            ).status_code
            == 404
        )
    assert client.get(reverse("evaluation:org_card", args=[city.branch_a.pk])).status_code == 404
    export = client.get(reverse("evaluation:cycle_export", args=[cycle.pk]))
    cells = [
        c
        for row in load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True)
        for c in row
    ]
    assert "教育局机关党支部" in cells and "预算处党支部" not in cells
    assert AuditLog.objects.filter(action="access_denied", actor_name="secretary_b").count() >= 7


@pytest.mark.django_db
def test_read_only_roles_get_403_on_writes(city, cycle, login):
    rating = rating_of(cycle, city.branch_a)
    client = login("publicity_a")
    assert client.get(reverse("evaluation:rating_detail", args=[rating.pk])).status_code == 200
    assert (
        client.post(reverse("evaluation:rating_self_assess", args=[rating.pk]), {}).status_code
        == 403
    )
    assert client.post(reverse("evaluation:cycle_approve", args=[cycle.pk])).status_code == 403
    assert (
        login("committee_a").post(reverse("evaluation:cycle_award", args=[cycle.pk])).status_code
        == 403
    )


def run_year(city, year, points_by_org):
    """A whole cycle through to the award; points_by_org: {org: points for every star}."""
    admin = city.users["city_admin"]
    cycle = open_cycle(city, publish_scheme(admin, year))
    for org, points in points_by_org.items():
        rating = rating_of(cycle, org)
        cs.rating_self_assess(rating=rating, actor=admin, entries=manual_entries(rating, points))
        cs.rating_submit(rating=rating, actor=admin)
        cs.rating_review(rating=rating, actor=admin, entries={}, comment="同意")
    cs.rating_approve(cycle=cycle, actor=admin)
    cs.cycle_notice(cycle=cycle, actor=admin, starts_on=date(year, 12, 1))
    cs.cycle_award(cycle=cycle, actor=admin, today=date(year, 12, 31))
    return cycle


@pytest.mark.django_db
def test_the_overview_shows_areas_years_movers_and_progress_in_few_queries(city, login):
    run_year(
        city, YEAR - 2, {city.branch_a: {1: 80, 2: 80, 3: 10, 4: 10, 5: 10}, city.branch_b: 80}
    )
    run_year(
        city, YEAR - 1, {city.branch_a: 80, city.branch_b: {1: 80, 2: 10, 3: 10, 4: 10, 5: 10}}
    )
    current = open_cycle(city, publish_scheme(city.users["city_admin"], YEAR))
    rating = rating_of(current, city.branch_a)
    cs.rating_self_assess(
        rating=rating, actor=city.users["secretary_a"], entries=manual_entries(rating)
    )
    cs.rating_submit(rating=rating, actor=city.users["secretary_a"])
    client = login("city_admin")
    client.get(reverse("evaluation:overview"))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("evaluation:overview"))
    assert response.status_code == 200
    assert len(queries) <= 14, [q["sql"] for q in queries]
    context = response.context
    assert context["year"] == YEAR - 1
    assert [r.organization for r in context["rose"]] == [city.branch_a]  # 2 → 3 (one a year)
    assert [r.organization for r in context["fell"]] == [city.branch_b]  # 5 → 1
    assert {a["name"]: a["stars"] for a in context["by_area"]} == {
        city.dept_a.name: [0, 0, 0, 1, 0, 0],
        city.dept_b.name: [0, 1, 0, 0, 0, 0],
    }
    assert [y["year"] for y in context["chart"]["years"] and context["by_year"]] == [
        YEAR - 2,
        YEAR - 1,
    ]
    steps = {s["key"]: s["count"] for s in context["progress"]["steps"]}
    assert (
        context["progress"]["total"] == 3 and steps["self_assessed"] == 1 and steps["reviewed"] == 0
    )
    body = response.content.decode()
    assert "echarts.min.js" in body and "chart-data" in body
    # A branch secretary's overview counts only their own branch.
    mine = login("secretary_b").get(reverse("evaluation:overview")).context
    assert [a["name"] for a in mine["by_area"]] == [city.dept_b.name]
    assert (
        city.branch_a.name
        not in login("secretary_b").get(reverse("evaluation:overview")).content.decode()
    )


@pytest.mark.django_db
def test_the_star_card_shows_every_year_and_the_title(city, login):
    run_year(city, YEAR - 1, {city.branch_a: 90})
    page = (
        login("secretary_a")
        .get(reverse("evaluation:org_card", args=[city.branch_a.pk]))
        .content.decode()
    )
    assert f"{YEAR - 1}年度授予5星" in page and "五星示范" in page


@pytest.mark.django_db
def test_cycle_actions_in_the_browser_through_award(city, cycle, login, monkeypatch):
    admin = city.users["city_admin"]
    rating = rating_of(cycle, city.branch_a)
    cs.rating_self_assess(rating=rating, actor=admin, entries=manual_entries(rating, 90))
    cs.rating_submit(rating=rating, actor=admin)
    cs.rating_review(rating=rating, actor=admin, entries={}, comment="同意")
    client = login("city_admin")
    client.post(reverse("evaluation:cycle_approve", args=[cycle.pk]))
    client.post(reverse("evaluation:cycle_notice", args=[cycle.pk]))
    rating.refresh_from_db()
    assert rating.status == S.NOTICED
    response = client.post(reverse("evaluation:cycle_award", args=[cycle.pk]), follow=True)
    assert "公示期满后才能授星" in response.content.decode()
    rating.notice_ends_on = date(2000, 1, 1)  # as if the notice had ended
    rating.save()
    response = client.post(reverse("evaluation:cycle_award", args=[cycle.pk]), follow=True)
    assert "已授星1个党组织" in response.content.decode()
    rating.refresh_from_db()
    assert rating.awarded_stars == 5 and rating.title_granted
