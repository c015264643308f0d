"""工委's overview: by category, area and month, closure rate, overdue list, repeat offenders, exports.

Every figure comes from a fixed number of GROUP BY queries, however many findings there are.
"""

import json
import re
from datetime import date, datetime
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from dangjian.testing import make_org
from orgs.models import OrgKind
from supervision import services
from supervision.models import FindingCategory

pytestmark = pytest.mark.django_db


def found(city, org, category, on: date, text: str, inspector="city_admin"):
    moment = timezone.make_aware(datetime(on.year, on.month, on.day, 10))
    return services.finding_record(
        actor=city.users[inspector],
        organization=org,
        category=category,
        description=text,
        found_at=moment,
        deadline=date(on.year, on.month, 28),
    )


@pytest.fixture
def year_2024(city):
    """Four findings of 2024: branch A twice in one category, one closed, all others overdue."""
    meetings, study = FindingCategory.objects.filter(is_active=True)[:2]
    found(city, city.branch_a, meetings, date(2024, 3, 5), "预算处支部一季度未开党员大会")
    found(city, city.branch_a, meetings, date(2024, 3, 20), "预算处支部三月未开支委会",
          inspector="committee_a")  # fmt: skip
    closed = found(city, city.branch_a2, study, date(2024, 5, 8), "国库处学习记录不全")
    services.finding_close(finding=closed, actor=city.users["city_admin"], reason="机构调整")
    found(city, city.branch_b, study, date(2024, 5, 9), "教育局支部学习流于形式")
    return meetings, study


def chart_data(body: str) -> dict:
    match = re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', body, re.S)
    return json.loads(match.group(1))


def test_overview_shows_every_part_the_issue_asks_for(city, login, year_2024):
    body = login("city_admin").get(reverse("supervision:overview"), {"year": 2024}).content.decode()
    assert "整改完成率" in body and "25%" in body  # 1 of 4 closed
    data = chart_data(body)
    assert {row[0]: row[1:] for row in data["category"]} == {
        c.name: [2, i] for i, c in enumerate(year_2024)
    }
    assert {row[0]: row[1] for row in data["area"]} == {city.dept_a.name: 3, city.dept_b.name: 1}
    assert len(data["month"]) == 12 and data["month"][3] == ["2024-04", 0, 0, None]  # gaps are 0
    assert data["month"][4] == ["2024-05", 2, 1, 50.0]  # with its closure rate
    assert data["repeat"] == [[city.branch_a.name, 2]]
    assert "预算处支部一季度未开党员大会" in body  # overdue list
    assert "国库处学习记录不全" not in body.split("逾期问题")[1]  # closed: not overdue
    assert "各单位整改情况" in body and "vendor/echarts/echarts.min.js" in body


def test_excel_and_word_carry_the_same_figures(city, login, year_2024):
    client = login("city_admin")
    response = client.get(reverse("supervision:overview_export"), {"year": 2024})
    book = load_workbook(BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["总体", "按类别", "按单位", "按月份", "逾期问题", "屡查屡犯"]
    areas = list(book["按单位"].iter_rows(values_only=True))
    assert areas[0] == ("单位", "问题数", "已完成", "完成率", "逾期")
    assert (city.dept_a.name, 3, 1, "33.3%", 2) in areas
    assert len(list(book["按月份"].iter_rows(values_only=True))) == 13
    assert len(list(book["逾期问题"].iter_rows(values_only=True))) == 4
    response = client.get(reverse("supervision:overview_word"), {"year": 2024})
    text = "\n".join(p.text for p in Document(BytesIO(response.content)).paragraphs)
    assert (
        "整改完成率25.0%" in text
        and f"{city.dept_a.name}：3个，已完成1个，完成率33.3%，逾期2个" in text
    )
    assert "屡查屡犯" in text and "预算处支部一季度未开党员大会" in text


def test_other_department_sees_only_its_own_figures(city, login, year_2024):
    body = (
        login("secretary_b").get(reverse("supervision:overview"), {"year": 2024}).content.decode()
    )
    assert "预算处" not in body and city.dept_a.name not in body
    assert chart_data(body)["category"] == [[year_2024[1].name, 1, 0]]


def queries(client, name) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(reverse(f"supervision:{name}"), {"year": 2024})
        assert response.status_code == 200
    return len(context)


def test_page_and_exports_use_the_same_number_of_queries_for_more_findings(city, login, year_2024):
    client = login("city_admin")
    before = {
        name: queries(client, name) for name in ("overview", "overview_export", "overview_word")
    }
    categories = list(FindingCategory.objects.filter(is_active=True)[:5])
    for i in range(12):
        parent = city.committee_a if i % 2 else city.dept_b
        org = make_org(f"第{i}党支部", OrgKind.BRANCH, parent)
        found(city, org, categories[i % 5], date(2024, 1 + i, 3), f"问题{i}",
              inspector="committee_a" if i % 2 else "city_admin")  # fmt: skip
        found(city, org, categories[i % 5], date(2024, 1 + i, 4), f"问题{i}再犯")
    after = {name: queries(client, name) for name in before}
    assert after == before
    assert before["overview"] <= 20 and before["overview_export"] <= 20


def local(y, m, d, hour, minute=0):
    return timezone.make_aware(datetime(y, m, d, hour, minute))


def month_counts_by_truncation(user, year):
    """The figures as the overview used to compute them (TruncMonth of found_at, local zone)."""
    from django.db.models import Count, Q
    from django.db.models.functions import TruncMonth

    from supervision.models import FINISHED, Finding

    rows = (
        Finding.objects.visible_to(user)
        .filter(found_at__year=year)
        .annotate(month=TruncMonth("found_at"))
        .values("month")
        .annotate(n=Count("id"), done=Count("id", filter=Q(state__in=FINISHED)))
    )
    return {r["month"].strftime("%Y-%m"): (r["n"], r["done"]) for r in rows}


def test_months_follow_local_time_at_month_ends_as_before(city, login):
    """23:30 on 31 March in Beijing is still March though it is April nowhere; 00:30 on 1 April is April."""
    from supervision import selectors

    category = FindingCategory.objects.filter(is_active=True).first()
    admin = city.users["city_admin"]
    for moment in (local(2024, 3, 31, 23, 30), local(2024, 4, 1, 0, 30), local(2024, 4, 30, 23, 59),
                   local(2024, 1, 1, 0, 5)):  # fmt: skip
        services.finding_record(actor=admin, organization=city.branch_a, category=category,
                                description="月末登记", found_at=moment,
                                deadline=date(2024, 6, 30))  # fmt: skip
    ov = selectors.overview(admin, today=date(2024, 12, 31), year=2024)
    figures = {r["month"]: (r["total"], r["finished"]) for r in ov.by_month if r["total"]}
    assert figures == {"2024-01": (1, 0), "2024-03": (1, 0), "2024-04": (2, 0)}
    assert figures == month_counts_by_truncation(admin, 2024)
    body = login("city_admin").get(reverse("supervision:overview"), {"year": 2024}).content.decode()
    chart = {m: (n, done) for m, n, done, _ in chart_data(body)["month"] if n}
    assert chart == figures
    assert len(ov.by_month) == 12


def test_overview_months_equal_the_truncated_figures(city, year_2024):
    from supervision import selectors

    admin = city.users["city_admin"]
    ov = selectors.overview(admin, today=date(2024, 12, 31), year=2024)
    figures = {r["month"]: (r["total"], r["finished"]) for r in ov.by_month if r["total"]}
    assert figures == month_counts_by_truncation(admin, 2024) == {"2024-03": (2, 0),
                                                                  "2024-05": (2, 1)}  # fmt: skip


def test_found_month_follows_found_at_when_it_changes(city, year_2024):
    from supervision.models import Finding

    finding = Finding.objects.order_by("pk").first()
    assert finding.found_month == date(2024, 3, 1)
    finding.found_at = local(2024, 7, 31, 23, 50)
    finding.save(update_fields=["found_at"])
    finding.refresh_from_db()
    assert finding.found_month == date(2024, 7, 1)


def test_the_migration_backfills_found_month_in_local_time(city, year_2024):
    import importlib

    from django.apps import apps

    from supervision.models import Finding

    migration = importlib.import_module("supervision.migrations.0004_finding_found_month")
    Finding.objects.update(found_month=date(2000, 1, 1))
    Finding.objects.filter(description__contains="三月").update(found_at=local(2024, 3, 31, 23, 30))
    migration.backfill(apps, None)
    months = sorted(Finding.objects.values_list("found_month", flat=True))
    assert months == [date(2024, 3, 1)] * 2 + [date(2024, 5, 1)] * 2
