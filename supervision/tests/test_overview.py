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
