"""Attachments of an activity: photos, PDF and Word files, checked by extension and content, never deleted.

A file is accepted only when its extension and its first bytes agree on one allowed type, so a renamed
executable or a script called "photo.jpg" is refused. Withdrawing keeps the file and the audit trail.
"""

import os
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from core import audit
from orglife.models import Activity, Attachment

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# extension -> (type name, content type)
ALLOWED = {
    "jpg": ("jpeg", "image/jpeg"),
    "jpeg": ("jpeg", "image/jpeg"),
    "png": ("png", "image/png"),
    "webp": ("webp", "image/webp"),
    "heic": ("heic", "image/heic"),
    "heif": ("heic", "image/heif"),
    "pdf": ("pdf", "application/pdf"),
    "doc": ("doc", "application/msword"),
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}
ACCEPT = ",".join(f".{ext}" for ext in ALLOWED)
ALLOWED_LABEL = "照片（jpg、png、webp、heic）、PDF 或 Word（doc、docx）"


def max_bytes() -> int:
    return getattr(settings, "ORGLIFE_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES)


def _sniff(head: bytes, upload) -> str | None:
    """The type the content itself declares, from its magic bytes."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "heic"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(OLE2_SIGNATURE):
        return "doc"
    if head.startswith(b"PK\x03\x04") and _is_word_package(upload):
        return "docx"
    return None


def _is_word_package(upload) -> bool:
    """A .docx is a zip holding word/document.xml; other zips (xlsx, apk) are not Word files."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(getattr(upload, "file", upload)) as package:
            return "word/document.xml" in package.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        upload.seek(0)


def check_upload(upload) -> tuple[str, str]:
    """(clean file name, content type) of an acceptable upload; ValidationError under "attachments" if not."""
    name = os.path.basename(upload.name or "").strip() or "附件"
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED:
        raise ValidationError({"attachments": f"附件“{name}”的类型不允许：只能上传{ALLOWED_LABEL}"})
    limit = max_bytes()
    if upload.size > limit:
        raise ValidationError(
            {
                "attachments": f"附件“{name}”大小为{upload.size / 1048576:.1f} MB，超过上限{limit / 1048576:.0f} MB"
            }
        )
    if upload.size == 0:
        raise ValidationError({"attachments": f"附件“{name}”是空文件"})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    expected, content_type = ALLOWED[ext]
    if _sniff(head, upload) != expected:
        raise ValidationError(
            {"attachments": f"附件“{name}”的内容与扩展名“.{ext}”不符，可能已损坏或被改名"}
        )
    return name[-200:], content_type


def check_uploads(uploads) -> None:
    """Check every file before anything is written: one bad file refuses the whole submission."""
    for upload in uploads:
        check_upload(upload)


@transaction.atomic
def attachment_add(*, activity: Activity, upload, actor=None) -> Attachment:
    """Store one checked file on an activity and write the audit log."""
    name, content_type = check_upload(upload)
    attachment = Attachment(
        activity=activity, name=name, content_type=content_type, size=upload.size, uploaded_by=actor
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    audit.record_create(attachment, actor=actor)
    return attachment


@transaction.atomic
def attachment_withdraw(*, attachment: Attachment, reason: str, actor=None) -> Attachment:
    """Withdraw (never delete) an attachment; it stays on file for the record, hidden from the page."""
    if not (reason or "").strip():
        raise ValidationError({"reason": "撤回附件须填写原因"})
    if attachment.withdrawn:
        raise ValidationError({"reason": "该附件已撤回"})
    before = audit.snapshot(attachment)
    attachment.withdrawn = True
    attachment.save(update_fields=["withdrawn"])
    audit.record_update(attachment, before, actor=actor, detail=f"撤回附件：{reason.strip()[:200]}")
    return attachment
