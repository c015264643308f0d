import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import AuditLog
from responsibility.models import Level, ListItem, ListTemplate

from .conftest import YEAR

API = "/api/v1/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
Status = ListItem.Status


@pytest.mark.django_db
def test_lists_are_scoped_and_carry_completion(city, issued, login):
    rows = login("secretary_a").get(f"{API}responsibility-lists/?year={YEAR}").json()["results"]
    assert [r["organization_name"] for r in rows] == ["预算处党支部"]
    assert rows[0]["secretary_name"] == "赵强" and rows[0]["completion"] == 0
    rows = login("city_admin").get(f"{API}responsibility-lists/?level=branch").json()["results"]
    assert len(rows) == 3
    under = login("city_admin").get(f"{API}responsibility-lists/?under={city.committee_a.pk}")
    assert under.json()["count"] == 3  # committee A and its two branches


@pytest.mark.django_db
def test_secretary_reports_submits_and_superior_confirms_through_the_api(city, branch_list, login):
    item = branch_list.items.first()
    secretary = login("secretary_a")
    response = secretary.post(
        f"{API}responsibility-items/{item.pk}/progress/",
        {"percent": 100, "progress_note": "完成", "evidence_text": ""},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["percent"] == 100
    response = secretary.post(f"{API}responsibility-items/{item.pk}/submit/")
    assert response.status_code == 400 and "佐证" in str(response.json())
    upload = SimpleUploadedFile("纪要.pdf", PDF, content_type="application/pdf")
    response = secretary.post(f"{API}responsibility-items/{item.pk}/evidence/", {"file": upload})
    assert response.json()["files"][0]["name"] == "纪要.pdf"
    assert secretary.post(f"{API}responsibility-items/{item.pk}/submit/").json()["status"] == (
        "submitted"
    )
    assert secretary.post(f"{API}responsibility-items/{item.pk}/confirm/").status_code == 403
    superior = login("committee_a")
    response = superior.post(f"{API}responsibility-items/{item.pk}/confirm/")
    assert response.json()["status"] == "confirmed"
    detail = superior.get(f"{API}responsibility-lists/{branch_list.pk}/").json()
    assert detail["confirmed_count"] == 1 and detail["completion"] > 0
    response = superior.post(
        f"{API}responsibility-items/{item.pk}/return/",
        {"reason": "材料不全"},
        content_type="application/json",
    )
    assert response.json()["return_reason"] == "材料不全"


@pytest.mark.django_db
def test_other_branch_gets_404_and_read_only_gets_403_in_the_api(city, branch_list, login):
    item = branch_list.items.first()
    other = login("secretary_b")
    assert other.get(f"{API}responsibility-lists/{branch_list.pk}/").status_code == 404
    assert other.get(f"{API}responsibility-items/{item.pk}/").status_code == 404
    for action in ("progress", "submit", "confirm", "return"):
        response = other.post(
            f"{API}responsibility-items/{item.pk}/{action}/",
            {"percent": 50, "reason": "x"},
            content_type="application/json",
        )
        assert response.status_code == 404
    listed = other.get(f"{API}responsibility-items/?year={YEAR}").json()["results"]
    assert item.pk not in [r["id"] for r in listed]
    reader = login("publicity_a")
    assert reader.get(f"{API}responsibility-items/{item.pk}/").status_code == 200
    response = reader.post(
        f"{API}responsibility-items/{item.pk}/progress/",
        {"percent": 50},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert reader.post(f"{API}responsibility-lists/{branch_list.pk}/submit/").status_code == 403
    item.refresh_from_db()
    assert item.percent == 0
    assert AuditLog.objects.filter(action="access_denied", actor_name="publicity_a").exists()


@pytest.mark.django_db
def test_templates_are_read_by_members_of_the_area_and_changed_by_admins_only(city, login):
    admin = login("city_admin")
    wc = city.work_committee.pk
    response = admin.post(
        f"{API}responsibility-templates/prepare/",
        {"work_committee": wc, "year": YEAR},
        content_type="application/json",
    )
    assert response.status_code == 201 and len(response.json()) == 3
    template = ListTemplate.objects.get(year=YEAR, level=Level.BRANCH)
    rows = login("secretary_b").get(f"{API}responsibility-templates/").json()["results"]
    assert {r["level"] for r in rows} == set(Level.values)
    secretary = login("secretary_a")
    response = secretary.post(
        f"{API}responsibility-template-items/",
        {"template": template.pk, "title": "x", "target": "y"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert secretary.post(f"{API}responsibility-templates/{template.pk}/issue/").status_code == 403
    response = admin.post(
        f"{API}responsibility-template-items/",
        {"template": template.pk, "order": 9, "title": "支部品牌", "target": "打造品牌"},
        content_type="application/json",
    )
    assert response.status_code == 201
    response = admin.post(f"{API}responsibility-templates/{template.pk}/issue/")
    assert response.json() == {"created": 3, "secretaries_updated": 0}
    item = template.items.get(title="支部品牌")
    response = admin.patch(
        f"{API}responsibility-template-items/{item.pk}/",
        {"title": "改名"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "已下发" in str(response.json())
