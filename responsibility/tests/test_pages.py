from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from core.models import AuditLog
from responsibility import services
from responsibility.models import EvidenceFile, Level, ListItem, ListTemplate, TemplateItem

from .conftest import YEAR

Status = ListItem.Status
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name, *args, **query):
    base = reverse(f"responsibility:{name}", args=args)
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def sheet_text(response) -> str:
    workbook = load_workbook(BytesIO(response.content), read_only=True)
    return "\n".join(
        str(v) for sheet in workbook for row in sheet.iter_rows(values_only=True) for v in row
    )


def submitted_item(city, lst):
    item = lst.items.first()
    services.item_progress(
        item=item, actor=city.users["secretary_a"], percent=100, evidence_text="会议纪要"
    )
    return services.item_submit(item=item, actor=city.users["secretary_a"])


@pytest.mark.django_db
def test_secretary_sees_own_list_and_no_rollup(city, branch_list, login):
    body = login("secretary_a").get(url("index", year=YEAR)).content.decode()
    assert "预算处党支部" in body and url("list_detail", branch_list.pk) in body
    assert "完成情况汇总" not in body and "国库处党支部" not in body


@pytest.mark.django_db
def test_work_committee_sees_rollup_by_department_and_drills_down(city, issued, login):
    client = login("city_admin")
    body = client.get(url("index", year=YEAR)).content.decode()
    assert "完成情况汇总" in body
    assert "中共测试市财政局党组" in body and "中共测试市教育局党组" in body
    assert f"org={city.dept_a.pk}" in body
    body = client.get(url("index", year=YEAR, org=city.committee_a.pk)).content.decode()
    assert "预算处党支部" in body and "国库处党支部" in body
    assert "教育局机关党支部" not in body
    assert "赵强" in body and "（空缺）" in body  # branch A2 has no secretary on record


@pytest.mark.django_db
def test_completion_rolls_up_after_the_superior_confirms(city, branch_list, login):
    item = submitted_item(city, branch_list)
    services.item_confirm(item=item, actor=city.users["committee_a"])
    share = round(item.weight / sum(i.weight for i in branch_list.items.all()) * 100)
    body = login("committee_a").get(url("index", year=YEAR)).content.decode()
    assert f"{share}%" in body


@pytest.mark.django_db
def test_secretary_updates_an_item_through_htmx_and_the_summary_follows(city, branch_list, login):
    client = login("secretary_a")
    item = branch_list.items.first()
    response = client.post(
        url("item_progress", item.pk),
        {"percent": 100, "progress_note": "已开展", "evidence_text": "会议记录3份"},
        **HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert "进度 100%（已完成）" in body and 'id="list-summary"' in body
    response = client.post(url("item_submit", item.pk), **HTMX)
    assert "待确认" in response.content.decode()
    item.refresh_from_db()
    assert item.status == Status.SUBMITTED and item.progress_by == city.users["secretary_a"]


@pytest.mark.django_db
def test_invalid_progress_is_explained_in_the_card(city, branch_list, login):
    item = branch_list.items.first()
    response = login("secretary_a").post(url("item_progress", item.pk), {"percent": 150}, **HTMX)
    assert "完成进度（%）" in response.content.decode()
    item.refresh_from_db()
    assert item.percent == 0


@pytest.mark.django_db
def test_evidence_files_are_uploaded_checked_and_downloaded(city, branch_list, login):
    client = login("secretary_a")
    item = branch_list.items.first()
    upload = SimpleUploadedFile("纪要.pdf", PDF, content_type="application/pdf")
    client.post(url("evidence_upload", item.pk), {"attachments": [upload]}, **HTMX)
    evidence = EvidenceFile.objects.get(item=item)
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00not a jpeg", content_type="image/jpeg")
    body = client.post(url("evidence_upload", item.pk), {"attachments": [fake]}, **HTMX)
    assert "不符" in body.content.decode()
    assert EvidenceFile.objects.filter(item=item).count() == 1
    response = login("committee_a").get(url("evidence_download", evidence.pk))
    assert b"".join(response.streaming_content) == PDF
    assert login("secretary_b").get(url("evidence_download", evidence.pk)).status_code == 404


@pytest.mark.django_db
def test_superior_confirms_and_returns_but_the_secretary_cannot_review(city, branch_list, login):
    item = submitted_item(city, branch_list)
    assert login("secretary_a").post(url("item_confirm", item.pk)).status_code == 403
    client = login("committee_a")
    response = client.post(url("item_return", item.pk), {"reason": "补充照片"}, **HTMX)
    assert "退回原因：补充照片" in response.content.decode()
    item.refresh_from_db()
    assert item.status == Status.RETURNED
    body = login("secretary_a").get(url("list_detail", branch_list.pk)).content.decode()
    assert "退回原因：补充照片" in body and "确认完成" not in body


@pytest.mark.django_db
def test_other_branch_is_refused_pages_actions_and_export(city, branch_list, login):
    client = login("secretary_b")
    item = branch_list.items.first()
    assert client.get(url("list_detail", branch_list.pk)).status_code == 404
    for name in ("item_progress", "item_submit", "item_confirm", "item_return"):
        assert client.post(url(name, item.pk), {"percent": 50, "reason": "x"}).status_code == 404
    assert client.post(url("list_submit", branch_list.pk)).status_code == 404
    assert client.get(url("export", year=YEAR, org=city.branch_a.pk)).status_code == 404
    assert client.get(url("index", year=YEAR, org=city.committee_a.pk)).status_code == 404
    assert "预算处党支部" not in sheet_text(client.get(url("export", year=YEAR)))
    item.refresh_from_db()
    assert item.percent == 0
    assert AuditLog.objects.filter(action="access_denied", actor_name="secretary_b").count() >= 8


@pytest.mark.django_db
def test_read_only_roles_see_the_list_but_get_403_on_writes(city, branch_list, login):
    client = login("publicity_a")
    body = client.get(url("list_detail", branch_list.pk)).content.decode()
    assert "书记讲党课" in body and "更新进度" not in body
    item = branch_list.items.first()
    assert client.post(url("item_progress", item.pk), {"percent": 50}).status_code == 403
    assert client.post(url("list_submit", branch_list.pk)).status_code == 403
    upload = SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")
    assert (
        client.post(url("evidence_upload", item.pk), {"attachments": [upload]}).status_code == 403
    )


@pytest.mark.django_db
def test_export_lists_every_secretary_with_completion(city, issued, login):
    response = login("city_admin").get(url("export", year=YEAR))
    text = sheet_text(response)
    assert "预算处党支部" in text and "教育局机关党支部" in text and "赵强" in text
    assert "按区域汇总" not in text  # sheet titles are not cells
    assert AuditLog.objects.filter(action="export", actor_name="city_admin").exists()


@pytest.mark.django_db
def test_admin_prepares_edits_and_issues_templates_on_the_page(city, login):
    client = login("city_admin")
    wc = city.work_committee.pk
    client.post(url("template_prepare"), {"wc": wc, "year": YEAR})
    template = ListTemplate.objects.get(year=YEAR, level=Level.BRANCH)
    assert template.is_default and template.items.count() == 8
    body = client.get(url("template_list", wc=wc, year=YEAR)).content.decode()
    assert "默认内容，可调整" in body and "R-LIFE-4" in body and "下发" in body
    response = client.post(
        url("template_item_new", template.pk),
        {"order": 9, "title": "支部品牌建设", "target": "打造支部品牌", "weight": 2},
    )
    assert response.status_code == 302
    assert TemplateItem.objects.filter(template=template, title="支部品牌建设").exists()
    client.post(url("template_issue", template.pk))
    template.refresh_from_db()
    assert template.is_issued and template.lists.count() == 3
    assert template.lists.first().items.filter(title="支部品牌建设").exists()
    response = client.post(
        url("template_item_new", template.pk), {"order": 10, "title": "x", "target": "y"}
    )
    assert not TemplateItem.objects.filter(title="x").exists()


@pytest.mark.django_db
def test_only_work_committee_admins_change_templates(city, issued, login):
    template = ListTemplate.objects.get(year=YEAR, level=Level.BRANCH)
    client = login("committee_a")
    body = client.get(url("template_list", year=YEAR)).content.decode()
    assert "书记讲党课" in body and "新增事项" not in body
    assert client.post(url("template_issue", template.pk)).status_code == 403
    assert client.get(url("template_item_new", template.pk)).status_code == 403
    wc = city.work_committee.pk
    assert client.post(url("template_prepare"), {"wc": wc, "year": YEAR + 1}).status_code == 403
    assert login("publicity_a").post(url("template_issue", template.pk)).status_code == 403
    assert not ListTemplate.objects.filter(year=YEAR + 1).exists()
