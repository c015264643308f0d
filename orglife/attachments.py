"""Attachments of an activity: photos, PDF and Word files, checked by extension and content, never deleted.

A file is accepted only when its extension and its first bytes agree on one allowed type, so a renamed
executable or a script called "photo.jpg" is refused. Withdrawing keeps the file and the audit trail.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from core import audit
from core.uploads import ACCEPT, ALLOWED_LABEL, check_upload, max_bytes  # noqa: F401 (forms, views)
from orglife.models import Activity, Attachment


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
