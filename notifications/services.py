"""Writing notifications: one or many at once, idempotent through dedupe keys; e-mail as a second channel.

Read marks are the recipient's own inbox state, not a record anyone else relies on, so they are not
written to the audit log; the e-mail preference (a change to the account) is, and so is each run of
the reminder job that creates notifications.
"""

import logging
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from core import audit
from notifications.models import Notification

log = logging.getLogger(__name__)

Level = Notification.Level
KEY_CHUNK = 400  # (recipient, key) pairs per lookup: stays under SQLite's 999 parameters


def notify(
    *,
    recipient,
    title: str,
    body: str = "",
    url: str = "",
    level: str = Level.INFO,
    category: str = "",
    dedupe_key: str = "",
) -> Notification | None:
    """Create one notification and mail it if the recipient asked for e-mail.

    Returns None when the recipient already has a notification with this dedupe_key.
    """
    fields = {"title": title, "body": body, "url": url, "level": level, "category": category}
    if dedupe_key:
        notification, created = Notification.objects.get_or_create(
            recipient=recipient,
            dedupe_key=dedupe_key,
            defaults=fields,
        )
        if not created:
            return None
    else:
        notification = Notification.objects.create(recipient=recipient, **fields)
    if wants_email(recipient):
        _, error = _send([notification])
        if error:  # the in-app message stands; the daily job retries the mail
            log.error("邮件提醒发送失败（消息 %s）：%s", notification.pk, error)
    return notification


def notify_many(notifications: Iterable[Notification]) -> tuple[int, int]:
    """Insert unsaved notifications in bulk, skipping those the recipient already has (same dedupe_key).

    Returns (created, skipped). A concurrent run inserting the same keys is absorbed by the unique
    constraint (ignore_conflicts); only the counts may then be off. No mail goes out here: the caller
    runs send_pending_emails afterwards (the reminder job does).
    """
    items = list(notifications)
    keyed: dict[tuple[int, str], Notification] = {}
    plain = []
    for n in items:
        if n.dedupe_key:
            keyed.setdefault((n.recipient_id, n.dedupe_key), n)
        else:
            plain.append(n)
    existing = _existing_keys(list(keyed))
    new = [n for key, n in keyed.items() if key not in existing] + plain
    Notification.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
    return len(new), len(items) - len(new)


def _existing_keys(pairs: list[tuple[int, str]]) -> set[tuple[int, str]]:
    found = set()
    for start in range(0, len(pairs), KEY_CHUNK):
        chunk = set(pairs[start : start + KEY_CHUNK])
        rows = Notification.objects.filter(
            recipient_id__in={r for r, _ in chunk},
            dedupe_key__in={k for _, k in chunk},
        ).values_list("recipient_id", "dedupe_key")
        found.update(pair for pair in rows if pair in chunk)
    return found


def wants_email(user) -> bool:
    return bool(user.email_notifications and user.email and user.is_active)


def send_pending_emails(*, since: datetime) -> tuple[int, Exception | None]:
    """Mail each notification created since `since` and not mailed yet, to users who asked for e-mail.

    Rows are claimed under a lock (skip_locked) so two runs never mail the same notification, and
    marked with emailed_at, so each is mailed once. Returns (mails sent, the error that stopped it).
    """
    with transaction.atomic():
        pending = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                created_at__gte=since,
                emailed_at__isnull=True,
                recipient__email_notifications=True,
                recipient__is_active=True,
            )
            .exclude(recipient__email="")
            .select_related("recipient")
            .order_by("id")
        )
        return _send(pending) if pending else (0, None)


def _send(notifications: list[Notification]) -> tuple[int, Exception | None]:
    """Send over one reused connection; what went out is marked even when a later mail fails."""
    sent, error = [], None
    connection = get_connection()
    try:
        connection.open()
        for n in notifications:
            connection.send_messages([_message(n, connection)])
            sent.append(n.pk)
    except Exception as exc:  # SMTP errors come in many classes; report, keep what was sent
        error = exc
    finally:
        connection.close()
    if sent:
        Notification.objects.filter(pk__in=sent).update(emailed_at=timezone.now())
    return len(sent), error


def _message(notification: Notification, connection) -> EmailMessage:
    lines = [notification.body] if notification.body else []
    if notification.url:
        # SITE_URL (e.g. https://dj.example.gov.cn) makes the link absolute; without it the path is shown.
        lines.append(f"查看详情：{getattr(settings, 'SITE_URL', '').rstrip('/')}{notification.url}")
    lines.append("——智慧机关党建平台（不需要邮件提醒时，可在“消息提醒”页面关闭）")
    return EmailMessage(
        subject=f"【智慧机关党建】{notification.title}",
        body="\n\n".join(lines),
        to=[notification.recipient.email],
        connection=connection,
    )


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )


def mark_all_read(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def email_preference_set(*, user, enabled: bool, email: str) -> None:
    """Turn e-mail reminders on or off for oneself; turning them on needs a valid address."""
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError(
                {"email": "电子邮箱格式不正确，请填写如 name@example.gov.cn 的地址"}
            )
    if enabled and not email:
        raise ValidationError({"email": "开启邮件提醒须填写电子邮箱"})
    fields = ["email", "email_notifications"]
    before = audit.snapshot(user, fields)
    user.email, user.email_notifications = email, enabled
    user.save(update_fields=fields)
    changes = audit.diff(before, audit.snapshot(user, fields))
    if changes:
        audit.record(
            audit.Action.UPDATE,
            actor=user,
            instance=user,
            changes=changes,
            detail="修改邮件提醒设置",
        )
