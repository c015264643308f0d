"""Reminders of 软弱涣散整顿: an open case without a progress report for 30 days.

The leader in charge is reminded when they have an account; otherwise (and in any case) the
organization's secretaries (else its other write-role holders) are. One reminder per case and
30-day stretch: the dedupe key names the stretch, so the daily job may run any number of times.
Constant queries: open cases with their last report, then the role holders of their organizations.
"""

from datetime import date

from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from notifications.recipients import Holders, to_each
from weak_orgs.models import WeakOrgCase

STALE_DAYS = 30


def collect(today: date) -> list[Notification]:
    """Unsaved notifications for the open cases whose last report (or confirmation) is 30+ days old."""
    cases = (
        WeakOrgCase.objects.open()
        .select_related("organization")
        .annotate(last_note_at=Max("notes__created_at"))
        .order_by("organization__path")
    )
    stale = []
    for case in cases:
        last = timezone.localdate(case.last_note_at) if case.last_note_at else case.confirmed_on
        days = (today - last).days
        if days >= STALE_DAYS:
            stale.append((case, last, days))
    holders = Holders(today, [c.organization_id for c, _, _ in stale])
    out = []
    for case, last, days in stale:
        recipients = holders.responsible(case.organization_id)
        if case.leader_id:
            recipients.add(case.leader_id)
        stretch = days // STALE_DAYS
        since = "确认整顿以来" if last == case.confirmed_on else f"自{last:%Y年%m月%d日}以来"
        out += to_each(
            recipients,
            dedupe_key=f"weak_orgs:stale:{case.pk}:{last:%Y%m%d}:{stretch}",
            title=f"{case.organization.name}软弱涣散整顿已{days}天未填报进展",
            body=f"{since}未填报整顿进展。请按整顿方案推进，并及时上传佐证材料。"
            f"责任领导：{case.leader_name or '未指定'}。",
            url=reverse("weak_orgs:case_detail", args=[case.pk]),
            level=Notification.Level.WARNING,
            category="weak_orgs.stale",
        )
    return out
