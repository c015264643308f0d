"""Attachments of an activity: only photos, PDF and Word, checked by extension and content; withdrawn, never deleted."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog
from orglife import attachments, services
from orglife.models import Activity, Attachment

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * 64
DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64


def package(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<xml/>")
    return buffer.getvalue()


DOCX = package("[Content_Types].xml", "word/document.xml")
XLSX = package("[Content_Types].xml", "xl/workbook.xml")


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def activity(city):
    return services.activity_record(
        organization=city.branch_a,
        kind="theme_day",
        topic="主题党日",
        starts_at=timezone.now() - timedelta(minutes=30),
        attendance=[{"member_id": city.member_a.pk, "status": "present"}],
    )


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("合影.jpg", JPEG, "image/jpeg"),
        ("合影.JPEG", JPEG, "image/jpeg"),
        ("签到表.png", PNG, "image/png"),
        ("现场.webp", WEBP, "image/webp"),
        ("手机照片.heic", HEIC, "image/heic"),
        ("记录.pdf", PDF, "application/pdf"),
        ("旧版记录.doc", DOC, "application/msword"),
        (
            "会议记录.docx",
            DOCX,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_photos_pdf_and_word_files_are_accepted_with_the_type_of_their_content(
    name, content, content_type
):
    assert attachments.check_upload(upload(name, content)) == (name, content_type)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 64, "类型不允许"),
        ("没有扩展名", PDF, "类型不允许"),
        ("压缩包.zip", XLSX, "类型不允许"),
        ("表格.xlsx", DOCX, "内容与扩展名“.xlsx”不符"),
        ("照片.jpg", b"<?php system($_GET['c']); ?>", "内容与扩展名“.jpg”不符"),
        ("照片.png", JPEG, "内容与扩展名“.png”不符"),
        ("记录.docx", XLSX, "内容与扩展名“.docx”不符"),
        ("记录.pdf", b"", "空文件"),
    ],
)
def test_other_types_renamed_files_and_empty_files_are_refused_with_the_reason(
    name, content, reason
):
    with pytest.raises(ValidationError) as refused:
        attachments.check_upload(upload(name, content))
    assert reason in refused.value.message_dict["attachments"][0]


def test_files_over_the_size_limit_are_refused_naming_the_limit(settings):
    settings.ATTACHMENT_MAX_BYTES = 2 * 1024 * 1024
    big = upload("大照片.jpg", JPEG + b"\x00" * (2 * 1024 * 1024))
    with pytest.raises(ValidationError) as refused:
        attachments.check_upload(big)
    assert "超过上限2 MB" in refused.value.message_dict["attachments"][0]


def test_adding_an_attachment_stores_the_file_and_writes_the_audit_log(city, activity):
    added = attachments.attachment_add(
        activity=activity, upload=upload("签到表.png", PNG), actor=city.users["secretary_a"]
    )
    assert added.file.read() == PNG and added.size == len(PNG) and added.content_type == "image/png"
    assert AuditLog.objects.filter(
        action=AuditLog.Action.CREATE,
        object_type="orglife.attachment",
        object_id=str(added.pk),
        actor_name="secretary_a",
    ).exists()


def test_withdrawing_needs_a_reason_keeps_the_file_and_is_audited(city, activity):
    added = attachments.attachment_add(activity=activity, upload=upload("记录.pdf", PDF))
    with pytest.raises(ValidationError):
        attachments.attachment_withdraw(attachment=added, reason=" ")
    attachments.attachment_withdraw(
        attachment=added, reason="传错文件", actor=city.users["secretary_a"]
    )
    added.refresh_from_db()
    assert added.withdrawn and added.file.storage.exists(added.file.name)
    entry = AuditLog.objects.get(action=AuditLog.Action.UPDATE, object_type="orglife.attachment")
    assert "传错文件" in entry.detail


def test_secretary_uploads_several_photos_from_the_detail_page(city, login, activity):
    response = login("secretary_a").post(
        reverse("orglife:attachment_upload", args=[activity.pk]),
        {"attachments": [upload("一.jpg", JPEG), upload("二.png", PNG)]},
    )
    assert response.status_code == 302
    assert sorted(activity.attachments.values_list("name", flat=True)) == ["一.jpg", "二.png"]


def test_one_bad_file_refuses_the_whole_upload(city, login, activity):
    client = login("secretary_a")
    response = client.post(
        reverse("orglife:attachment_upload", args=[activity.pk]),
        {"attachments": [upload("一.jpg", JPEG), upload("病毒.jpg", b"MZ" + b"\x00" * 40)]},
        follow=True,
    )
    assert "内容与扩展名" in response.content.decode()
    assert not activity.attachments.exists()


def test_a_bad_attachment_on_the_new_activity_form_records_nothing(city, login):
    start = timezone.localtime() - timedelta(minutes=30)
    data = {
        "organization": city.branch_a.pk,
        "mode": "record",
        "kind": "theme_day",
        "held_on": f"{start:%Y-%m-%d}",
        "start_time": f"{start:%H:%M}",
        "topic": "带附件的主题党日",
        f"st-{city.member_a.pk}": "present",
        "attachments": [upload("合影.jpg", b"not really a photo")],
    }
    response = login("secretary_a").post(reverse("orglife:activity_new"), data)
    assert response.status_code == 400 and "内容与扩展名“.jpg”不符" in response.content.decode()
    assert not Activity.objects.exists() and not Attachment.objects.exists()
    data["attachments"] = [upload("合影.jpg", JPEG)]
    assert login("secretary_a").post(reverse("orglife:activity_new"), data).status_code == 302
    assert Activity.objects.get().attachments.get().name == "合影.jpg"


def test_members_of_the_branch_download_and_outsiders_get_404(city, login, activity):
    added = attachments.attachment_add(activity=activity, upload=upload("记录.pdf", PDF))
    url = reverse("orglife:attachment_download", args=[added.pk])
    response = login("member_a").get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert login("secretary_b").get(url).status_code == 404


@pytest.mark.parametrize(
    ("persona", "status"), [("publicity_a", 403), ("member_a", 403), ("secretary_b", 404)]
)
def test_only_writers_of_the_branch_upload_or_withdraw(city, login, activity, persona, status):
    added = attachments.attachment_add(activity=activity, upload=upload("记录.pdf", PDF))
    client = login(persona)
    response = client.post(
        reverse("orglife:attachment_upload", args=[activity.pk]),
        {"attachments": [upload("一.jpg", JPEG)]},
    )
    assert response.status_code == status
    response = client.post(reverse("orglife:attachment_withdraw", args=[added.pk]), {"reason": "x"})
    assert response.status_code == status
    added.refresh_from_db()
    assert not added.withdrawn and activity.attachments.count() == 1


def test_a_withdrawn_attachment_is_no_longer_served(city, login, activity):
    added = attachments.attachment_add(activity=activity, upload=upload("记录.pdf", PDF))
    client = login("secretary_a")
    client.post(reverse("orglife:attachment_withdraw", args=[added.pk]), {"reason": "传错文件"})
    assert client.get(reverse("orglife:attachment_download", args=[added.pk])).status_code == 404
    page = client.get(reverse("orglife:activity_detail", args=[activity.pk])).content.decode()
    assert (
        reverse("orglife:attachment_download", args=[added.pk]) not in page and "暂无附件" in page
    )
