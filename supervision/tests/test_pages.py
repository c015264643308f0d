"""Pages: the phone form, the to-do list, the detail page's actions, the overview and its exports."""

from io import BytesIO

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from core.models import AuditLog
from supervision import services
from supervision.models import Finding, FindingState
from supervision.tests.conftest import days_from_today, photo

pytestmark = pytest.mark.django_db


def test_inspector_records_a_finding_with_three_photos_and_location_on_the_phone_page(
    city, login, category
):
    client = login("committee_a")
    page = client.get(reverse("supervision:finding_new"))
    assert page.status_code == 200
    assert city.branch_a.name not in page.content.decode()  # picked by search, not listed
    search = reverse("supervision:org_search")
    found = client.get(search, {"org_q": city.branch_a.name[:3]}).content.decode()
    assert f'data-org-pk="{city.branch_a.pk}"' in found
    other = client.get(search, {"org_q": city.branch_b.name}).content.decode()
    assert f'data-org-pk="{city.branch_b.pk}"' not in other  # not theirs to inspect
    response = client.post(
        reverse("supervision:finding_new"),
        {
            "organization": city.branch_a.pk,
            "category": category.pk,
            "severity": "major",
            "description": "支部台账缺少6月主题党日记录",
            "deadline": days_from_today(15).isoformat(),
            "photos": [photo("1.png"), photo("2.png"), photo("3.png")],
            "latitude": "30.001234",
            "longitude": "120.581234",
            "photo_times": "1750000000000,1750000001000,",
        },
    )
    finding = Finding.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/{finding.pk}/")
    assert finding.evidence.count() == 3
    first = finding.evidence.order_by("id").first()
    assert str(first.latitude) == "30.001234" and first.taken_at.year == 2025


def test_branch_secretary_has_no_phone_form_and_cannot_post_one(city, login, category):
    client = login("secretary_a")
    assert client.get(reverse("supervision:finding_new")).status_code == 403
    response = login("secretary_b").post(
        reverse("supervision:finding_new"), {"organization": city.branch_a.pk}
    )
    assert response.status_code == 403
    assert not Finding.objects.exists()


def test_todo_list_shows_the_responsible_branch_its_findings_only(city, login, record):
    record(description="预算处支部未按月开展主题党日")
    mine = login("secretary_a").get(reverse("supervision:index")).content.decode()
    assert "预算处支部未按月开展主题党日" in mine
    other = login("secretary_b").get(reverse("supervision:index")).content.decode()
    assert "预算处支部未按月开展主题党日" not in other


def test_rectification_round_trip_through_the_pages(city, login, record):
    finding = record()
    secretary = login("secretary_a")
    url = lambda name: reverse(f"supervision:{name}", args=[finding.pk])  # noqa: E731
    page = secretary.get(url("finding_detail")).content.decode()
    assert "报送整改方案" in page and "验收销号" not in page
    secretary.post(url("finding_plan"), {"text": "7月10日前补开支部党员大会"})
    secretary.post(url("finding_progress"), {"text": "已召开", "files": [photo()]})
    secretary.post(url("finding_submit"), {"text": "整改完成"})
    finding.refresh_from_db()
    assert finding.state == FindingState.SUBMITTED
    assert secretary.post(url("finding_sign_off"), {}).status_code == 403
    committee = login("committee_a")
    assert "验收销号" in committee.get(url("finding_detail")).content.decode()
    committee.post(url("finding_return"), {"reason": "缺会议记录"})
    finding.refresh_from_db()
    assert finding.state == FindingState.RETURNED
    page = secretary.get(url("finding_detail")).content.decode()
    assert "缺会议记录" in page and "退回重改" in page


def test_read_only_user_sees_the_finding_but_gets_403_on_every_action(city, login, record):
    finding = record()
    client = login("publicity_a")
    assert client.get(reverse("supervision:finding_detail", args=[finding.pk])).status_code == 200
    for name in ("finding_plan", "finding_progress", "finding_submit"):
        response = client.post(reverse(f"supervision:{name}", args=[finding.pk]), {"text": "x"})
        assert response.status_code == 403, name
    assert Finding.objects.get().state == FindingState.OPEN


def test_other_branch_gets_404_on_finding_evidence_and_actions(city, login, record):
    finding = record()
    client = login("secretary_b")
    evidence = finding.evidence.get()
    for url in (
        reverse("supervision:finding_detail", args=[finding.pk]),
        reverse("supervision:evidence_download", args=[evidence.pk]),
    ):
        assert client.get(url).status_code == 404
    response = client.post(reverse("supervision:finding_plan", args=[finding.pk]), {"text": "x"})
    assert response.status_code == 404
    assert AuditLog.objects.filter(action="access_denied", actor_name="secretary_b").exists()
    export = client.get(reverse("supervision:finding_list") + "?export=xlsx")
    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == 1  # headers only


def test_evidence_is_served_to_the_responsible_branch(city, login, record):
    evidence = record().evidence.get()
    response = login("secretary_a").get(
        reverse("supervision:evidence_download", args=[evidence.pk])
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_work_committee_overview_counts_categories_areas_overdue_and_repeats(city, login, record):
    record(deadline=days_from_today(1))
    record()
    other = record(organization=city.branch_b)
    services.finding_close(finding=other, actor=city.users["city_admin"], reason="撤并")
    services.escalate_overdue(days_from_today(3))
    client = login("city_admin")
    response = client.get(reverse("supervision:overview"))
    assert response.status_code == 200
    ov = response.context["ov"]
    assert (ov.total, ov.finished) == (3, 1)
    assert {r["name"]: r["total"] for r in ov.by_area} == {
        city.dept_a.name: 2,
        city.dept_b.name: 1,
    }
    assert ov.repeat_offenders[0]["organization"] == city.branch_a
    assert ov.repeat_offenders[0]["repeats"] == 2
    chart = response.context["chart"]
    assert chart["category"][0][1] == 3
    # the overdue list is as of today: nothing overdue yet (deadline tomorrow) but one escalated
    assert ov.escalated_count == 1
    export = client.get(reverse("supervision:overview_export"))
    book = load_workbook(BytesIO(export.content))
    assert book["总体"]["A2"].value == 3 and book["总体"]["C2"].value == "33.3%"
    word = client.get(reverse("supervision:overview_word"))
    text = "\n".join(p.text for p in Document(BytesIO(word.content)).paragraphs)
    assert "共发现督查问题3个" in text and city.branch_a.name in text


def test_branch_b_overview_and_exports_show_nothing_of_branch_a(city, login, record):
    record(deadline=days_from_today(1))
    services.escalate_overdue(days_from_today(5))
    client = login("secretary_b")
    assert client.get(reverse("supervision:overview")).context["ov"].total == 0
    word = client.get(reverse("supervision:overview_word"))
    text = "\n".join(p.text for p in Document(BytesIO(word.content)).paragraphs)
    assert city.branch_a.name not in text
    listing = client.get(reverse("supervision:finding_list") + "?escalated=1").content.decode()
    assert city.branch_a.name not in listing


def test_overdue_finding_escalated_shows_on_the_committee_page(city, login, record):
    record(description="预算处台账不全")
    Finding.objects.update(deadline=days_from_today(-1))
    services.escalate_overdue(days_from_today(0))
    page = login("committee_a").get(reverse("supervision:index")).content.decode()
    assert "升级至本级督办" in page and "预算处台账不全" in page
    assert (
        "预算处台账不全"
        not in login("secretary_b").get(reverse("supervision:index")).content.decode()
    )


def test_city_admin_maintains_categories_others_cannot(city, login, category):
    admin = login("city_admin")
    response = admin.post(
        reverse("supervision:category_list"),
        {"code": "meeting_absent", "name": "领导干部不参加双重组织生活", "group": "org_life",
         "sort_order": 5},
    )  # fmt: skip
    assert response.status_code == 302
    admin.post(reverse("supervision:category_retire", args=[category.pk]), {"active": "0"})
    category.refresh_from_db()
    assert not category.is_active
    response = login("committee_a").post(
        reverse("supervision:category_list"), {"code": "x", "name": "x", "group": "other"}
    )
    assert response.status_code == 403


def test_inspection_plan_is_hidden_from_the_inspected_branch(city, login):
    admin = login("city_admin")
    response = admin.post(
        reverse("supervision:inspection_new"),
        {
            "kind": "unannounced_visit",
            "title": "作风建设明察暗访",
            "organizer": city.work_committee.pk,
            "organizations": [city.committee_a.pk],
            "team": [city.users["city_admin"].pk],
            "starts_on": days_from_today(1).isoformat(),
            "ends_on": days_from_today(2).isoformat(),
        },
    )
    assert response.status_code == 302
    inspection_url = response.url
    assert "作风建设明察暗访" in admin.get(reverse("supervision:inspection_list")).content.decode()
    assert login("secretary_a").get(inspection_url).status_code == 404
    listing = login("secretary_a").get(reverse("supervision:inspection_list")).content.decode()
    assert "作风建设明察暗访" not in listing
