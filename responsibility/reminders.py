"""Who must be reminded of what about the responsibility lists, on a given day.

- The secretary of a list whose items have not been updated for a quarter (STALE_DAYS), or were
  returned by the superior: once per list and quarter.
- The writers of the superior organization (the nearest one above that has any) while items wait
  for their confirmation longer than REVIEW_WAIT_DAYS: one digest per superior and week.

Everything is read in a constant number of queries, whatever the number of lists.
"""

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Count, Q
from django.urls import reverse

from notifications.models import Notification
from notifications.recipients import Holders, accounts_of, to_each
from orgs.models import Organization
from responsibility.models import ListItem, ResponsibilityList

STALE_DAYS = 90  # "not updated in the last quarter"
REVIEW_WAIT_DAYS = 7
NAMES_SHOWN = 5
Status = ListItem.Status
Level = Notification.Level


def collect(today: date) -> list[Notification]:
    """Unsaved notifications for `today` (dedupe keys make re-runs no-ops)."""
    stale_before = today - timedelta(days=STALE_DAYS)
    waiting_before = today - timedelta(days=REVIEW_WAIT_DAYS)
    open_states = [Status.OPEN, Status.RETURNED]
    counts = (
        ListItem.objects.filter(list__year=today.year)
        .values("list_id")
        .annotate(
            stale=Count(
                "pk",
                filter=Q(status__in=open_states)
                & (Q(progress_at__date__lt=stale_before) | Q(progress_at__isnull=True)),
            ),
            returned=Count("pk", filter=Q(status=Status.RETURNED)),
            waiting=Count(
                "pk", filter=Q(status=Status.SUBMITTED, submitted_at__date__lte=waiting_before)
            ),
        )
        .order_by()
    )
    by_list = {
        row["list_id"]: row for row in counts if row["stale"] or row["returned"] or row["waiting"]
    }
    if not by_list:
        return []
    lists = list(
        ResponsibilityList.objects.filter(pk__in=list(by_list)).select_related("organization")
    )
    holders = Holders(today)
    return _to_secretaries(lists, by_list, holders, today, stale_before) + _to_superiors(
        lists, by_list, holders, today
    )


def _to_secretaries(lists, by_list, holders, today, stale_before) -> list[Notification]:
    accounts = accounts_of([lst.secretary_id for lst in lists if lst.secretary_id])
    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    out = []
    for lst in lists:
        row = by_list[lst.pk]
        # A list issued less than a quarter ago is not stale yet, however untouched.
        stale = row["stale"] if lst.issued_at.date() < stale_before else 0
        if not (stale or row["returned"]):
            continue
        user = accounts.get(lst.secretary_id)
        recipients = {user} if user else holders.writers(lst.organization_id)
        parts = []
        if stale:
            parts.append(f"{stale}项超过一个季度未更新进度")
        if row["returned"]:
            parts.append(f"{row['returned']}项被上级退回待修改")
        title = f"{lst.organization.name}{lst.year}年度书记责任清单：" + "，".join(parts)
        body = "请及时更新各项责任事项的完成进度和佐证材料，完成后提交上级党组织确认。"
        url = reverse("responsibility:list_detail", args=[lst.pk])
        out += to_each(
            recipients,
            title=title,
            body=body,
            url=url,
            level=Level.WARNING,
            category="responsibility.progress",
            dedupe_key=f"responsibility:progress:{lst.pk}:{quarter}",
        )
    return out


def _to_superiors(lists, by_list, holders, today) -> list[Notification]:
    waiting = [lst for lst in lists if by_list[lst.pk]["waiting"]]
    if not waiting:
        return []
    ancestor_paths = {p for lst in waiting for p in lst.organization.ancestor_paths()}
    by_path = {o.path: o for o in Organization.objects.filter(path__in=ancestor_paths)}
    grouped: dict[Organization, list] = defaultdict(list)
    for lst in waiting:
        for path in reversed(lst.organization.ancestor_paths()):
            superior = by_path.get(path)
            if superior and holders.writers(superior.pk):
                grouped[superior].append(lst)
                break
    week = f"{today.isocalendar().year}W{today.isocalendar().week:02d}"
    out = []
    for superior, pending in grouped.items():
        items = sum(by_list[lst.pk]["waiting"] for lst in pending)
        names = "、".join(lst.organization.name for lst in pending[:NAMES_SHOWN])
        more = f"等{len(pending)}个党组织" if len(pending) > NAMES_SHOWN else ""
        title = f"{superior.name}：下级书记责任清单有{items}项等待确认"
        body = f"{names}{more}提交的责任事项已等待确认超过{REVIEW_WAIT_DAYS}天，请审核确认或退回。"
        url = f"{reverse('responsibility:index')}?org={superior.pk}&pending=1"
        out += to_each(
            holders.writers(superior.pk),
            title=title,
            body=body,
            url=url,
            level=Level.INFO,
            category="responsibility.review",
            dedupe_key=f"responsibility:review:{superior.pk}:{week}",
        )
    return out
