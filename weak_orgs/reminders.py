"""Reminders of 软弱涣散整顿: an open case without a progress report for 30 days.

The leader in charge is reminded when they have an account; otherwise (and in any case) the
organization's secretaries (else its other write-role holders) are. One reminder per case and
30-day stretch: the dedupe key names the stretch, so the daily job may run any number of times.
Constant queries: open cases with their last report, then the role holders of their organizations.
"""

from collections import defaultdict
from datetime import date

from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from accounts.models import RoleAssignment
from core.roles import CAPABILITIES, WRITE, Role
from notifications.models import Notification
from weak_orgs.models import WeakOrgCase

STALE_DAYS = 30
WRITE_ROLES = [role for role, caps in CAPABILITIES.items() if WRITE in caps]
SECRETARY_ROLES = {
    Role.BRANCH_SECRETARY,
    Role.PARTY_COMMITTEE_SECRETARY,
    Role.PARTY_GROUP_SECRETARY,
}


def _responsible(org_ids, today: date) -> dict[int, set[int]]:
    """Secretaries of each organization, else whoever else may write there."""
    holders: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    rows = RoleAssignment.objects.active(today).filter(
        organization_id__in=org_ids, role__in=WRITE_ROLES, user__is_active=True
    )
    for org_id, user_id, role in rows.values_list("organization_id", "user_id", "role"):
        holders[org_id][user_id].add(role)
    out = {}
    for org_id, users in holders.items():
        secretaries = {u for u, held in users.items() if held & SECRETARY_ROLES}
        out[org_id] = secretaries or set(users)
    return out


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
    responsible = _responsible([c.organization_id for c, _, _ in stale], today)
    out = []
    for case, last, days in stale:
        recipients = set(responsible.get(case.organization_id, ()))
        if case.leader_id:
            recipients.add(case.leader_id)
        stretch = days // STALE_DAYS
        since = "确认整顿以来" if last == case.confirmed_on else f"自{last:%Y年%m月%d日}以来"
        for user_id in sorted(recipients):
            out.append(
                Notification(
                    recipient_id=user_id,
                    title=f"{case.organization.name}软弱涣散整顿已{days}天未填报进展",
                    body=f"{since}未填报整顿进展。请按整顿方案推进，并及时上传佐证材料。"
                    f"责任领导：{case.leader_name or '未指定'}。",
                    url=reverse("weak_orgs:case_detail", args=[case.pk]),
                    level=Notification.Level.WARNING,
                    category="weak_orgs.stale",
                    dedupe_key=f"weak_orgs:stale:{case.pk}:{last:%Y%m%d}:{stretch}:{user_id}",
                )
            )
    return out
