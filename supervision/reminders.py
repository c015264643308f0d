"""Who must hear about findings on a given day (send_reminders writes what collect returns).

- the responsible organization, 3 days before a rectification deadline;
- on escalation, the responsible organization and the organization it was escalated to;
- the inspector, while a rectification waits for verification (once per submission).
Recipients are the secretaries of an organization, else its other write-role holders; dedupe keys make
re-runs no-ops. A constant number of queries whatever the number of findings.
"""

from datetime import date, timedelta

from django.urls import reverse

from notifications.models import Notification
from notifications.recipients import Holders, to_each
from supervision.models import RECTIFYING, Finding, FindingEvent, FindingState

DAYS_BEFORE = 3
Level = Notification.Level


def collect(today: date) -> list[Notification]:
    due = list(
        Finding.objects.filter(
            state__in=RECTIFYING, deadline=today + timedelta(days=DAYS_BEFORE)
        ).select_related("organization")
    )
    escalated = list(
        Finding.objects.filter(
            state__in=RECTIFYING, escalation_level__gt=0, escalated_at__date__lte=today
        ).select_related("organization", "escalated_to")
    )
    holders = Holders(
        today,
        {f.organization_id for f in due + escalated} | {f.escalated_to_id for f in escalated},
    )
    out = []
    for finding in due:
        out += to_each(
            holders.responsible(finding.organization_id),
            dedupe_key=f"supervision:due:{finding.pk}:{finding.deadline}",
            title=f"督查问题整改期限临近：{finding.organization.name}",
            body=f"{finding.description[:60]}，须于{finding.deadline:%Y-%m-%d}前整改到位。",
            url=reverse("supervision:finding_detail", args=[finding.pk]),
            level=Level.WARNING,
            category="supervision",
        )
    for finding in escalated:
        out += to_each(
            holders.responsible(finding.organization_id)
            | holders.responsible(finding.escalated_to_id),
            dedupe_key=(
                f"supervision:escalated:{finding.pk}:{finding.escalation_level}:{finding.deadline}"
            ),
            title=f"逾期问题升级督办：{finding.organization.name}",
            body=f"整改期限{finding.deadline:%Y-%m-%d}已过，已升级至{finding.escalated_to.name}督办。",
            url=reverse("supervision:finding_detail", args=[finding.pk]),
            level=Level.DANGER,
            category="supervision",
        )
    submitted = FindingEvent.objects.filter(
        kind=FindingEvent.Kind.SUBMITTED, finding__state=FindingState.SUBMITTED
    ).select_related("finding__organization", "finding__inspector")
    for event in submitted:
        finding = event.finding
        if finding.inspector_id and finding.inspector.is_active:
            out += to_each(
                [finding.inspector_id],
                dedupe_key=f"supervision:verify:{event.pk}",
                title=f"整改待验收：{finding.organization.name}",
                body=finding.description[:60],
                url=reverse("supervision:finding_detail", args=[finding.pk]),
                level=Level.INFO,
                category="supervision",
            )
    return out
