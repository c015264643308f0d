"""Evidence of a self-assessment: uploaded documents, and recorded activities of the organization.

Uploads are accepted only when extension and first bytes agree on an allowed type (a renamed
executable is refused).
"""

import os
import zipfile

from django.core.exceptions import ValidationError

MAX_BYTES = 20 * 1024 * 1024
ALLOWED = {
    "jpg": ("jpeg", "image/jpeg"),
    "jpeg": ("jpeg", "image/jpeg"),
    "png": ("png", "image/png"),
    "pdf": ("pdf", "application/pdf"),
    "doc": ("ole", "application/msword"),
    "xls": ("ole", "application/vnd.ms-excel"),
    "docx": ("ooxml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("ooxml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
ACCEPT = ",".join(f".{ext}" for ext in ALLOWED)
ALLOWED_LABEL = "照片（jpg、png）、PDF、Word 或 Excel 文件"


def _sniff(head: bytes, upload) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith(b"PK\x03\x04"):
        upload.seek(0)
        try:
            with zipfile.ZipFile(getattr(upload, "file", upload)) as package:
                names = package.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            upload.seek(0)
        return "ooxml" if "[Content_Types].xml" in names else None
    return None


def check_upload(upload) -> tuple[str, str]:
    """(clean file name, content type) of an acceptable upload, else ValidationError under "file"."""
    name = os.path.basename(upload.name or "").strip() or "佐证材料"
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED:
        raise ValidationError({"file": f"文件“{name}”的类型不允许：只能上传{ALLOWED_LABEL}"})
    if upload.size > MAX_BYTES:
        raise ValidationError({"file": f"文件“{name}”超过 {MAX_BYTES // 1024 // 1024} MB"})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    kind, content_type = ALLOWED[ext]
    if _sniff(head, upload) != kind:
        raise ValidationError({"file": f"文件“{name}”的内容与扩展名不符，请上传原始文件"})
    return name[:200], content_type


def _activities():
    # TODO(orglife): replace with orglife.selectors.completed_activities(organization, year) once it
    # exists (requested in the evaluation report); this is the only place evaluation reads orglife's
    # activities, and only their id, date, kind and topic.
    from orglife.models import Activity

    return Activity.objects.filter(status=Activity.Status.COMPLETED)


def activity_choices(organization, year: int) -> list[tuple[int, str]]:
    """The organization's activities held in the year, newest first, as (id, label)."""
    rows = (
        _activities()
        .filter(organization=organization, held_on__year=year)
        .order_by("-held_on", "-pk")
    )
    return [(a.pk, f"{a.held_on:%m-%d} {a.get_kind_display()}：{a.topic}") for a in rows]


def activity_labels(ids) -> dict[int, str]:
    """Labels of cited activities by id (whatever organization: the caller checked the citation)."""
    ids = {int(i) for i in ids}
    if not ids:
        return {}
    rows = _activities().filter(pk__in=ids)
    return {a.pk: f"{a.held_on:%Y-%m-%d} {a.get_kind_display()}：{a.topic}" for a in rows}
