"""Uploaded files (photos, PDF, Word, Excel) accepted only when extension and content agree.

A file is accepted only when its extension and its first bytes agree on one allowed type, so a renamed
executable or a script called "photo.jpg" is refused. Every app storing evidence checks files here.
"""

import os
import zipfile

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

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
    "doc": ("ole", "application/msword"),
    "xls": ("ole", "application/vnd.ms-excel"),
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
ACCEPT = ",".join(f".{ext}" for ext in ALLOWED)
ALLOWED_LABEL = "照片（jpg、png、webp、heic）、PDF、Word（doc、docx）或 Excel（xls、xlsx）"


def max_bytes() -> int:
    return getattr(settings, "ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES)


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
        return "ole"  # legacy Word and Excel share the OLE2 container
    if head.startswith(b"PK\x03\x04"):
        return _office_package(upload)
    return None


def _office_package(upload) -> str | None:
    """A .docx holds word/document.xml, an .xlsx xl/workbook.xml; other zips (apk, jar) are neither."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(getattr(upload, "file", upload)) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        upload.seek(0)
    if "word/document.xml" in names:
        return "docx"
    return "xlsx" if "xl/workbook.xml" in names else None


def check_upload(upload, *, field: str = "attachments") -> tuple[str, str]:
    """(clean file name, content type) of an acceptable upload; ValidationError under `field` if not."""
    name = os.path.basename(upload.name or "").strip() or "附件"
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED:
        raise ValidationError({field: f"附件“{name}”的类型不允许：只能上传{ALLOWED_LABEL}"})
    limit = max_bytes()
    if upload.size > limit:
        raise ValidationError(
            {
                field: f"附件“{name}”大小为{upload.size / 1048576:.1f} MB，超过上限{limit / 1048576:.0f} MB"
            }
        )
    if upload.size == 0:
        raise ValidationError({field: f"附件“{name}”是空文件"})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    expected, content_type = ALLOWED[ext]
    if _sniff(head, upload) != expected:
        raise ValidationError(
            {field: f"附件“{name}”的内容与扩展名“.{ext}”不符，可能已损坏或被改名"}
        )
    return name[-200:], content_type


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several photos or documents in one input, each checked here before the form is valid."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        if self.required and not files:
            raise ValidationError("请选择要上传的文件")
        for upload in files:
            try:
                check_upload(upload)
            except ValidationError as error:
                raise ValidationError(error.message_dict["attachments"]) from error
        return list(files)
