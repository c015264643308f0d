"""Who must hear about findings on a given day (send_reminders writes what collect returns).

- the responsible organization, 3 days before a rectification deadline;
- on escalation, the responsible organization and the organization it was escalated to;
- the inspector, while a rectification waits for verification (once per submission).
Recipients are the secretaries of an organization, else its other write-role holders; dedupe keys make
re-runs no-ops. A constant number of queries whatever the number of findings.
"""

from collections import defaultdict
from datetime import date, timedelta

from django.urls import reverse

from accounts.models import RoleAssignment
from core.roles import CAPABILITIES, WRITE, Role
from notifications.models import Notification
from supervision.models import RECTIFYING, Finding, FindingEvent, FindingState

DAYS_BEFORE = 3
WRITE_ROLES = [role for role, caps in CAPABILITIES.items() if WRITE in caps]
SECRETARY_ROLES = {
    Role.BRANCH_SECRETARY,
    Role.PARTY_COMMITTEE_SECRETARY,
    Role.PARTY_GROUP_SECRETARY,
}
Level = Notification.Level


def _responsible(today: date) -> dict[int, set[int]]:
    by_org: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    rows = RoleAssignment.objects.active(today).filter(role__in=WRITE_ROLES, user__is_active=True)
    for org_id, user_id, role in rows.values_list("organization_id", "user_id", "role"):
        by_org[org_id][user_id].add(role)
    out = {}
    for org_id, users in by_org.items():
        secretaries = {u for u, held in users.items() if held & SECRETARY_ROLES}
        out[org_id] = secretaries or set(users)
    return out


def _note(user_id, title, body, url, level, key):
    return Notification(
        recipient_id=user_id,
        title=title,
        body=body,
        url=url,
        level=level,
        category="supervision",
        dedupe_key=key,
    )


def collect(today: date) -> list[Notification]:
    responsible = _responsible(today)
    out = []
    due = Finding.objects.filter(
        state__in=RECTIFYING, deadline=today + timedelta(days=DAYS_BEFORE)
    ).select_related("organization")
    for finding in due:
        url = reverse("supervision:finding_detail", args=[finding.pk])
        for user_id in responsible.get(finding.organization_id, ()):
            out.append(
                _note(
                    user_id,
                    f"督查问题整改期限临近：{finding.organization.name}",
                    f"{finding.description[:60]}，须于{finding.deadline:%Y-%m-%d}前整改到位。",
                    url,
                    Level.WARNING,
                    f"supervision:due:{finding.pk}:{finding.deadline}",
                )
            )
    escalated = Finding.objects.filter(
        state__in=RECTIFYING, escalation_level__gt=0, escalated_at__date__lte=today
    ).select_related("organization", "escalated_to")
    for finding in escalated:
        url = reverse("supervision:finding_detail", args=[finding.pk])
        key = f"supervision:escalated:{finding.pk}:{finding.escalation_level}:{finding.deadline}"
        users = responsible.get(finding.organization_id, set()) | responsible.get(
            finding.escalated_to_id, set()
        )
        for user_id in users:
            out.append(
                _note(
                    user_id,
                    f"逾期问题升级督办：{finding.organization.name}",
                    f"整改期限{finding.deadline:%Y-%m-%d}已过，已升级至{finding.escalated_to.name}督办。",
                    url,
                    Level.DANGER,
                    key,
                )
            )
    submitted = FindingEvent.objects.filter(
        kind=FindingEvent.Kind.SUBMITTED, finding__state=FindingState.SUBMITTED
    ).select_related("finding__organization", "finding__inspector")
    for event in submitted:
        finding = event.finding
        if finding.inspector_id and finding.inspector.is_active:
            out.append(
                _note(
                    finding.inspector_id,
                    f"整改待验收：{finding.organization.name}",
                    finding.description[:60],
                    reverse("supervision:finding_detail", args=[finding.pk]),
                    Level.INFO,
                    f"supervision:verify:{event.pk}",
                )
            )
    return out
