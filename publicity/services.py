"""Writes of 公示: open a notice, lodge an objection, answer it. Every write is audited."""

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core import audit, roles
from core.scoping import scope_for
from notifications.models import Notification
from notifications.recipients import Holders
from notifications.services import notify_many
from publicity.models import NoticeItem, Objection, PublicNotice

MAX_NOTICE_DAYS = 60


def can_answer(user, notice: PublicNotice) -> bool:
    """Objections are answered by those who may write for the publishing organization."""
    return scope_for(user).allows(roles.WRITE, notice.organization.path)


@transaction.atomic
def notice_open(
    *, title: str, body: str, organization, items, days: int, actor, starts_on: date | None = None
) -> PublicNotice:
    """Publish a notice of `days` calendar days listing (subject, label) pairs."""
    items = list(items)
    if not items:
        raise ValidationError({"items": "公示事项：至少需要一项。"})
    if not 1 <= days <= MAX_NOTICE_DAYS:
        raise ValidationError({"days": f"公示天数：应为 1 至 {MAX_NOTICE_DAYS} 天。"})
    starts_on = starts_on or timezone.localdate()
    notice = PublicNotice(
        title=title,
        body=body,
        organization=organization,
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=days - 1),
        created_by=actor,
    )
    notice.full_clean()
    notice.save()
    NoticeItem.objects.bulk_create(
        NoticeItem(
            notice=notice,
            subject_type=subject._meta.label_lower,
            subject_id=subject.pk,
            label=label[:300],
            order=order,
        )
        for order, (subject, label) in enumerate(items, start=1)
    )
    audit.record(
        audit.Action.CREATE,
        actor=actor,
        instance=notice,
        detail=f"发布公示（{len(items)}项，{notice.starts_on}至{notice.ends_on}）",
    )
    return notice


@transaction.atomic
def objection_lodge(
    *, item: NoticeItem, actor, content: str, today: date | None = None
) -> Objection:
    """Lodge an objection while the notice is open; the publishing organization is notified."""
    today = today or timezone.localdate()
    notice = item.notice
    content = (content or "").strip()
    if not content:
        raise ValidationError({"content": "异议内容：不能为空，请写明事实和理由。"})
    if today < notice.starts_on:
        raise ValidationError(f"公示尚未开始（{notice.starts_on} 开始），暂不能提出异议。")
    if notice.has_ended(today):
        raise ValidationError(f"公示期已于 {notice.ends_on} 结束，不能再提出异议。")
    objection = Objection.objects.create(item=item, lodged_by=actor, content=content)
    audit.record(
        audit.Action.CREATE,
        actor=actor,
        instance=objection,
        detail=f"对公示“{notice.title}”中“{item.label}”提出异议",
    )
    _notify_answerers(notice, item)
    return objection


def _notify_answerers(notice: PublicNotice, item: NoticeItem) -> None:
    holders = Holders(timezone.localdate(), [notice.organization_id])
    url = reverse("publicity:notice_detail", args=[notice.pk])
    notify_many(
        Notification(
            recipient_id=user_id,
            title=f"公示收到异议：{item.label}"[:200],
            body=f"“{notice.title}”收到一条异议，请在公示结束前核实答复。",
            url=url,
            level=Notification.Level.WARNING,
            category="publicity",
        )
        for user_id in holders.writers(notice.organization_id)
    )


@transaction.atomic
def objection_answer(*, objection: Objection, actor, upheld: bool, answer: str) -> Objection:
    """Answer a pending objection: upheld (成立) or rejected (不成立), always with the reasons."""
    if not can_answer(actor, objection.item.notice):
        raise PermissionDenied("只有发布公示的组织可以答复异议。")
    if objection.status != Objection.Status.PENDING:
        raise ValidationError("该异议已答复，不能重复答复。")
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": "答复：不能为空，请写明核实情况。"})
    before = audit.snapshot(objection)
    objection.status = Objection.Status.UPHELD if upheld else Objection.Status.REJECTED
    objection.answer = answer
    objection.answered_by = actor
    objection.answered_at = timezone.now()
    objection.save()
    audit.record_update(objection, before, actor=actor, detail="答复公示异议")
    return objection
