"""The superior's overview: the compliance matrix, its drill-down, chart, 换届 and staffing lists and export."""

import json
from datetime import date, datetime, time, timedelta
from io import BytesIO

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone
from openpyxl import load_workbook

from core.models import AuditLog
from dangjian.testing import MemberFactory, make_org
from orglife import overview_views, services
from orgs.models import OrgKind, Position, PositionKind, Term

OVERVIEW, CELL, EXPORT = (
    "/orglife/overview/",
    "/orglife/overview/cell/",
    "/orglife/overview/export/",
)
TODAY = timezone.localdate()
LAST_YEAR = TODAY.year - 1


def hold(org, kind, day, present=(), absent=(), topic="学习党章"):
    attendance = [{"member_id": m.pk, "status": "present"} for m in present]
    attendance += [{"member_id": m.pk, "status": "absent"} for m in absent]
    return services.activity_record(
        organization=org,
        kind=kind,
        starts_at=timezone.make_aware(datetime.combine(day, time(15))),
        topic=topic,
        attendance=attendance,
        correction_reason="补录测试数据",
    )


def theme_days(org, months, year=LAST_YEAR):
    return [hold(org, "theme_day", date(year, m, 10), topic=f"{m}月主题党日") for m in months]


def shown(response) -> list[str]:
    """Organization names of the matrix, in the order the page lists them (all pages)."""
    assert response.status_code == 200, response.content[:500]
    return [item.organization.name for item in response.context["matrix"].rows]


def row_html(response, org) -> str:
    return next(cells for _, o, _, cells in response.context["rows"] if o.pk == org.pk)


def cell_of(response, org, code) -> str:
    """The rendered <td> of one organization under one rule code."""
    html = row_html(response, org)
    index = [c.code for c in response.context["columns"]].index(code)
    return html.split("</td>")[index]


@pytest.fixture
def year_of_theme_days(city):
    return theme_days(city.branch_a, range(1, 13))


def test_each_cell_is_coloured_by_status_with_done_out_of_required(city, login, year_of_theme_days):
    response = login("city_admin").get(OVERVIEW, {"period": LAST_YEAR})
    assert "ov-met" in cell_of(response, city.branch_a, "R-LIFE-5") and "12/12" in cell_of(
        response, city.branch_a, "R-LIFE-5"
    )
    assert "ov-missed" in cell_of(response, city.branch_a2, "R-LIFE-5")
    assert "0/12" in cell_of(response, city.branch_a2, "R-LIFE-5")
    # Without a committee of three the 支委会 rule does not apply: grey, not red.
    assert "ov-na" in cell_of(response, city.branch_b, "R-LIFE-2")
    # A rule for another kind of organization shows as a dot.
    assert "ov-none" in cell_of(response, city.branch_a, "R-RESP-3")


def test_the_current_month_shows_open_requirements_as_pending(city, login):
    response = login("city_admin").get(OVERVIEW, {"period": f"{TODAY:%Y-%m}"})
    assert "ov-pending" in cell_of(response, city.branch_a2, "R-LIFE-5")
    assert f"{TODAY.year}年{TODAY.month}月" in response.content.decode()


def test_organizations_with_the_lowest_completion_come_first(city, login, year_of_theme_days):
    client = login("city_admin")
    lowest_first = shown(client.get(OVERVIEW, {"period": LAST_YEAR}))
    assert lowest_first.index(city.branch_a2.name) < lowest_first.index(city.branch_a.name)
    highest_first = shown(client.get(OVERVIEW, {"period": LAST_YEAR, "sort": "-rate"}))
    assert highest_first[0] == city.branch_a.name
    tree = shown(client.get(OVERVIEW, {"period": LAST_YEAR, "sort": "path"}))
    assert tree[0] == city.work_committee.name


def test_a_month_judges_quarterly_and_yearly_rules_on_their_own_period(city, login):
    hold(city.branch_a, "branch_general_meeting", date(LAST_YEAR, 9, 30))
    hold(city.branch_a, "org_life_meeting", date(LAST_YEAR, 3, 5))
    response = login("city_admin").get(OVERVIEW, {"period": f"{LAST_YEAR}-07"})
    assert response.context["matrix"].period.label == f"{LAST_YEAR}年7月"
    assert "ov-met" in cell_of(
        response, city.branch_a, "R-LIFE-1"
    )  # the Q3 meeting, held in September
    assert "ov-met" in cell_of(
        response, city.branch_a, "R-LIFE-6"
    )  # the year's 组织生活会, held in March
    quarter = login("city_admin").get(OVERVIEW, {"period": f"{LAST_YEAR}-Q3"})
    assert "1/1" in cell_of(quarter, city.branch_a, "R-LIFE-1")


def test_the_rollup_line_sums_every_organization_of_the_subtree(
    city, login, year_of_theme_days, monkeypatch
):
    monkeypatch.setattr(overview_views, "PAGE_SIZE", 2)
    client = login("city_admin")
    first = client.get(OVERVIEW, {"period": LAST_YEAR})
    second = client.get(OVERVIEW, {"period": LAST_YEAR, "page": 2})
    assert len(first.context["rows"]) == 2 and len(second.context["rows"]) == 2
    matrix = first.context["matrix"]
    assert matrix.total.organizations == len(matrix.rows) == 7
    assert matrix.total.met == sum(item.met for item in matrix.rows)
    assert "合计（7个组织）" in first.content.decode()


def test_choosing_an_organization_narrows_the_matrix_to_its_subtree(city, login):
    response = login("city_admin").get(OVERVIEW, {"period": LAST_YEAR, "org": city.committee_a.pk})
    assert sorted(shown(response)) == sorted(
        [city.committee_a.name, city.branch_a.name, city.branch_a2.name]
    )
    assert f'value="{city.committee_a.pk}" selected' in response.content.decode()


def test_filtering_by_kind_keeps_only_that_kind_and_its_rules(city, login):
    response = login("city_admin").get(OVERVIEW, {"period": LAST_YEAR, "kind": OrgKind.BRANCH})
    assert sorted(shown(response)) == sorted(
        [city.branch_a.name, city.branch_a2.name, city.branch_b.name]
    )
    codes = {c.code for c in response.context["columns"]}
    assert "R-LIFE-5" in codes and "R-RESP-3" not in codes


def test_clicking_a_cell_lists_the_records_behind_it(city, login, year_of_theme_days):
    client = login("city_admin")
    params = {"org": city.branch_a.pk, "code": "R-LIFE-5", "period": f"{LAST_YEAR}-Q1"}
    partial = client.get(CELL, params, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert partial.status_code == 200 and "<html" not in body
    assert f"/orglife/activities/{year_of_theme_days[0].pk}/" in body and "1月主题党日" in body
    assert "4月主题党日" not in body  # outside the quarter
    page = client.get(CELL, params)
    assert "<html" in page.content.decode() and "1月主题党日" in page.content.decode()


def test_the_drill_down_says_why_a_meeting_without_quorum_does_not_count(city, login):
    committee = [MemberFactory(branch=city.branch_a) for _ in range(4)]
    kinds = [
        PositionKind.SECRETARY,
        PositionKind.ORGANIZATION_MEMBER,
        PositionKind.PUBLICITY_MEMBER,
        PositionKind.DISCIPLINE_MEMBER,
    ]
    Position.objects.filter(organization=city.branch_a).delete()
    for member, kind in zip(committee, kinds, strict=True):
        Position.objects.create(
            organization=city.branch_a,
            member=member,
            kind=kind,
            started_on=date(LAST_YEAR - 1, 1, 1),
        )
    hold(
        city.branch_a,
        "branch_committee_meeting",
        date(LAST_YEAR, 5, 6),
        present=committee[:2],
        absent=committee[2:],
    )
    client = login("city_admin")
    matrix = client.get(OVERVIEW, {"period": f"{LAST_YEAR}-05"})
    assert "ov-missed" in cell_of(matrix, city.branch_a, "R-LIFE-2")
    body = client.get(
        CELL,
        {"org": city.branch_a.pk, "code": "R-LIFE-2", "period": f"{LAST_YEAR}-05"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "不计入" in body and "未超过" in body


def test_the_chart_shows_completion_by_month_from_the_server(city, login):
    theme_days(city.branch_a, range(1, 7))
    response = login("city_admin").get(OVERVIEW, {"period": LAST_YEAR})
    body = response.content.decode()
    assert 'id="chart-data"' in body and "vendor/echarts/echarts.min.js" in body
    data = json.loads(
        body.split('id="chart-data" type="application/json">')[1].split("</script>")[0]
    )
    months = {m["month"]: m for m in data["months"]}
    # February closes only the monthly 主题党日 of three branches: one held, two missed.
    assert (months["2月"]["met"], months["2月"]["missed"], months["2月"]["rate"]) == (1, 2, 33.3)
    assert months["8月"]["rate"] == 0


def test_terms_overdue_and_expiring_within_six_months_are_listed(city, login):
    Term.objects.filter(organization=city.branch_a).update(expires_on=TODAY - timedelta(days=3))
    Term.objects.create(
        organization=city.branch_b,
        started_on=TODAY - relativedelta(years=3),
        expires_on=TODAY + relativedelta(months=5),
    )
    Term.objects.create(
        organization=city.branch_a2,
        started_on=TODAY - relativedelta(years=1),
        expires_on=TODAY + relativedelta(years=2),
    )
    response = login("city_admin").get(OVERVIEW)
    alerts = {a.org.name: a for a in response.context["term_alerts"]}
    assert alerts[city.branch_a.name].overdue and alerts[city.branch_a.name].days_overdue == 3
    assert not alerts[city.branch_b.name].overdue
    assert city.branch_a2.name not in alerts
    assert "已超期3天" in response.content.decode()


def test_units_below_the_full_time_worker_ratio_are_listed(city, login):
    city.unit_b.full_time_party_workers = 1  # 1 of 100 staff: below 2%
    city.unit_b.save()
    response = login("city_admin").get(OVERVIEW)
    gaps = {g.unit.name: g for g in response.context["staffing_gaps"]}
    assert set(gaps) == {"市教育局"} and (gaps["市教育局"].required, gaps["市教育局"].short) == (
        2,
        1,
    )


def test_the_export_holds_exactly_the_matrix_and_is_audited(city, login, year_of_theme_days):
    client = login("city_admin")
    params = {"period": LAST_YEAR, "sort": "rate"}
    names = shown(client.get(OVERVIEW, params))
    response = client.get(EXPORT, params)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "党组织" and any(str(h).startswith("R-LIFE-5") for h in rows[0])
    assert [r[0] for r in rows[1:-1]] == names
    assert rows[-1][0] == f"合计（{len(names)}个组织）"
    assert rows[-1][3] == sum(r[3] for r in rows[1:-1])
    branch_a = next(r for r in rows if r[0] == city.branch_a.name)
    assert "已完成 12/12" in branch_a
    logged = AuditLog.objects.get(action="export", actor_name="city_admin")
    assert f"{LAST_YEAR}年" in logged.detail and f"共{len(names)}个组织" in logged.detail


def test_secretary_of_branch_b_sees_and_exports_nothing_of_branch_a(
    city, login, year_of_theme_days
):
    client = login("secretary_b")
    assert shown(client.get(OVERVIEW, {"period": LAST_YEAR})) == [city.branch_b.name]
    sheet = load_workbook(BytesIO(client.get(EXPORT, {"period": LAST_YEAR}).content)).active
    assert city.branch_a.name not in {r[0] for r in sheet.iter_rows(values_only=True)}


def test_secretary_of_branch_b_asking_for_branch_a_gets_404_and_is_audited(city, login):
    client = login("secretary_b")
    assert client.get(OVERVIEW, {"org": city.branch_a.pk}).status_code == 404
    assert client.get(EXPORT, {"org": city.branch_a.pk}).status_code == 404
    assert client.get(CELL, {"org": city.branch_a.pk, "code": "R-LIFE-5"}).status_code == 404
    denied = AuditLog.objects.filter(
        action="access_denied", actor_name="secretary_b", object_type="orgs.organization"
    )
    assert set(denied.values_list("object_id", flat=True)) == {str(city.branch_a.pk)}
    assert denied.count() == 3


@pytest.mark.parametrize("persona", ["member_a", "nobody"])
@pytest.mark.parametrize("url", [OVERVIEW, EXPORT, CELL, "/orglife/overview/rules/"])
def test_people_without_read_access_are_refused(city, login, persona, url):
    assert login(persona).get(url, {"org": city.branch_a.pk, "code": "R-LIFE-5"}).status_code == 403


def test_a_read_only_committee_member_sees_own_branch(city, login):
    assert shown(login("publicity_a").get(OVERVIEW, {"period": LAST_YEAR})) == [city.branch_a.name]


def test_overview_query_count_does_not_grow_with_organizations(
    city, login, django_assert_max_num_queries
):
    client = login("city_admin")
    theme_days(city.branch_a, [1, 2])
    client.get(OVERVIEW)  # warm the session
    with django_assert_max_num_queries(QUERY_BOUND):
        first = client.get(OVERVIEW, {"period": LAST_YEAR})
    for i in range(20):
        branch = make_org(f"新增支部{i}", OrgKind.BRANCH, city.committee_a)
        theme_days(branch, [i % 12 + 1])
        Term.objects.create(organization=branch, started_on=date(LAST_YEAR, 1, 1), expires_on=TODAY)
    with django_assert_max_num_queries(QUERY_BOUND):
        second = client.get(OVERVIEW, {"period": LAST_YEAR})
    assert len(second.context["matrix"].rows) == len(first.context["matrix"].rows) + 20


QUERY_BOUND = 19  # session, user, roles, notifications badge, and the overview own (constant)
