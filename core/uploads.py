"""Uploaded files (photos, PDF, Word) accepted only when extension and content agree.

A file is accepted only when its extension and its first bytes agree on one allowed type, so a renamed
executable or a script called "photo.jpg" is refused. Every app storing evidence checks files here.
"""

import os
import zipfile

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
    "doc": ("doc", "application/msword"),
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}
ACCEPT = ",".join(f".{ext}" for ext in ALLOWED)
ALLOWED_LABEL = "照片（jpg、png、webp、heic）、PDF 或 Word（doc、docx）"


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
