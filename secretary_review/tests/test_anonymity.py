"""Nobody learns who voted what: not from pages, the API, the export, the audit log or the Word file.

A plain member (张伟) casts the only 丁等 of the round. Every route of the app is then read by the
administrator, the rated secretary, a peer and an auditor, before and after the round closes.
"""

import json
import re

import pytest
from django.urls import get_resolver, reverse

from core.tests.test_persona_matrix import named_routes, response_text
from secretary_review import services
from secretary_review.models import ReportAttachment

GRADES = [
    {"code": "xq_a", "label": "甲等", "points": 100},
    {"code": "xq_b", "label": "乙等", "points": 80},
    {"code": "xq_c", "label": "丙等", "points": 60},
    {"code": "xq_d", "label": "丁等", "points": 40},
]


@pytest.fixture
def voted(review):
    city, users = review.city, review.city.users
    admin = users["city_admin"]
    services.round_update(round_=review.round, data={"grades": GRADES}, actor=admin)
    services.round_open_reporting(round_=review.round, actor=admin)
    for report in review.round.reports.all():
        report.text, report.status = "述职内容", "submitted"
        report.save()
    services.round_open_rating(round_=review.round, actor=admin)
    branch_a, dept_a = review.report(city.branch_a), review.report(city.dept_a)
    services.ballots_cast(actor=users["member_a"], grades={branch_a.pk: "xq_d", dept_a.pk: "xq_d"})
    services.ballots_cast(actor=users["committee_a"], grades={branch_a.pk: "xq_a"})
    services.ballots_cast(actor=users["branch_a2"], grades={branch_a.pk: "xq_a"})
    return review


def app_urls(review):
    """Every GET route of the app (pages, Word, export) and of its API, filled with this round."""
    report = review.report(review.city.branch_a)
    ids = {"round": review.round.pk, "report": report.pk}
    out = []
    for route, pattern in named_routes(get_resolver()):
        if not (route.startswith("secretary_review:") or "secretary-review" in route):
            continue
        path = "/" + pattern.replace("^", "").replace("$", "").replace("\\", "")
        kind = "report" if "report" in route else "round"
        path = re.sub(r"<int:pk>|\(\?P<pk>\[\^/\.\]\+\)", str(ids[kind]), path)
        if "<" in path or "(?P" in path or "file_download" in route:
            continue
        out.append(path)
    return out


def read_everything(client, review) -> str:
    bodies = []
    for path in app_urls(review):
        response = client.get(path)
        if response.status_code == 200:
            bodies.append(response_text(response))
    return "\n".join(bodies)


@pytest.mark.django_db
@pytest.mark.parametrize("closed", [False, True])
def test_no_page_api_or_export_names_a_voter_or_their_grade(voted, login, closed):
    if closed:
        services.round_close(round_=voted.round, actor=voted.city.users["city_admin"])
    assert len(app_urls(voted)) >= 15
    for persona in ("city_admin", "secretary_a", "branch_a2", "committee_a", "publicity_a"):
        seen = read_everything(login(persona), voted)
        assert "张伟" not in seen, f"{persona} sees who voted"
        assert "member_a" not in seen
        if not closed:
            # Before closing no figure at all; the code appears only as a ballot option.
            assert "丁等 1 票" not in seen
            options = re.sub(r'(value="|g-\d+-|"code":")xq_d', "", seen)
            assert "xq_d" not in options
    audit = login("audit_admin").get(reverse("core:audit_log") + "?who=member_a").content.decode()
    assert "提交民主测评" in audit
    assert "丁等" not in audit and "xq_d" not in audit


@pytest.mark.django_db
def test_aggregates_appear_only_after_closing_and_never_for_fewer_than_three_ballots(voted, login):
    admin = login("city_admin")
    branch_a, dept_a = voted.report(voted.city.branch_a), voted.report(voted.city.dept_a)
    api = f"/api/v1/secretary-review/rounds/{voted.round.pk}/results/"
    assert admin.get(api).status_code == 403
    services.round_close(round_=voted.round, actor=voted.city.users["city_admin"])
    rows = {r["id"]: r for r in admin.get(api).json()["results"]}
    assert rows[branch_a.pk]["grade_counts"] == {"甲等": 2, "乙等": 0, "丙等": 0, "丁等": 1}
    assert rows[branch_a.pk]["ballot_count"] == 3
    assert rows[dept_a.pk]["grade_counts"] == {}  # one ballot: its grade would be the voter's
    assert rows[dept_a.pk]["rating_score"] == "40.00"  # the score itself is the result
    page = admin.get(reverse("secretary_review:report_detail", args=[dept_a.pk])).content.decode()
    assert "丁等" not in page and "不显示等次分布" in page


@pytest.mark.django_db
def test_the_voter_sees_that_they_voted_but_not_what(voted, login):
    voter = login("member_a")
    listed = voter.get("/api/v1/secretary-review/ballots/").json()["results"]
    mine = {row["report"]: row for row in listed}
    branch_a = voted.report(voted.city.branch_a)
    assert mine[branch_a.pk]["rated"] is True
    assert set(mine[branch_a.pk]) == {
        "round",
        "report",
        "secretary_name",
        "organization_name",
        "level",
        "group",
        "rated",
        "grades",
    }
    page = voter.get(reverse("secretary_review:ballots")).content.decode()
    assert "checked" not in page
    assert json.dumps(listed).count("xq_d") == len(listed)  # only as an option of each ballot


@pytest.mark.django_db
def test_attachments_and_word_files_carry_no_rating(voted, login):
    report = voted.report(voted.city.branch_a)
    assert not ReportAttachment.objects.exists()
    from io import BytesIO

    from docx import Document

    response = login("secretary_a").get(reverse("secretary_review:report_docx", args=[report.pk]))
    text = "\n".join(p.text for p in Document(BytesIO(response.content)).paragraphs)
    assert "甲等" not in text and "丁等" not in text and "张伟" not in text
