"""Who must be reminded of what, on a given day (the send_reminders job writes the result).

- The responsible people of an organization (its secretaries, else the other holders of a write role
  there), N days before a month, quarter or year ends with a requirement still pending: one
  notification per organization and deadline, listing the open requirements.
- Terms (R-ORG-3): once when the term enters its last `remind_months`, and monthly once it is
  overdue; to the organization and to the nearest superior organization with write-role holders.
- A digest for every organization with write-role holders: how many organizations under it still
  have open requirements before the deadline.

Everything is read in a constant number of queries: organizations, role assignments, compliance of
all organizations at once, terms.
"""

from collections import defaultdict
from datetime import date

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.urls import reverse

from notifications.models import Notification
from notifications.recipients import Holders, to_each
from orglife.compliance import PENDING, compliance
from orglife.models import LifeRule
from orglife.periods import Period, period_of
from orgs.models import Organization, Term

DIGEST_NAMES_SHOWN = 5  # the ones with most open items; the overview page has the rest
Level = Notification.Level


def periods_ending(today: date, days_before: int) -> list[Period]:
    """Current month, quarter and year, those ending within `days_before` days, shortest first."""
    periods = [period_of(kind, today) for kind in ("month", "quarter", "year")]
    return [p for p in periods if 0 <= (p.end - today).days <= days_before]


def collect(today: date, days_before: int | None = None) -> list[Notification]:
    """Unsaved notifications for everything due on `today` (dedupe keys make re-runs no-ops)."""
    days_before = settings.ORGLIFE_REMIND_DAYS_BEFORE if days_before is None else days_before
    orgs = list(Organization.objects.active().order_by("path"))
    holders = Holders(today)
    out = []
    ending = periods_ending(today, days_before)
    if ending:
        out += _open_requirements(orgs, holders, ending, today)
    out += _terms(orgs, holders, today)
    return out


def _open_requirements(
    orgs, holders: Holders, ending: list[Period], today: date
) -> list[Notification]:
    # The longest period ending soon holds the shorter ones: one compliance pass covers them all.
    results = compliance(orgs, ending[-1], today)
    by_deadline = defaultdict(dict)  # deadline -> {org: [(rule, check)]}
    for item in results:
        for result in item.results:
            if not result.pending:  # most results: no Check objects built for them
                continue
            for check in result.checks:
                if check.status == PENDING and check.period in ending:
                    by_deadline[check.period.end].setdefault(item.organization, []).append(
                        (result.rule, check)
                    )
    out = []
    for deadline, open_items in by_deadline.items():
        # Keyed by the longest period ending that day: March and Q1 share one reminder.
        period = [p for p in ending if p.end == deadline][-1]
        for org, items in open_items.items():
            out += _org_reminder(org, items, period, holders)
        out += _digests(orgs, open_items, period, holders)
    return out


def _deadline(day: date) -> str:
    return f"{day.month}月{day.day}日"


def _org_reminder(org, items, period: Period, holders: Holders) -> list[Notification]:
    lines = [
        f"· {rule.name}（{check.period.label}）：已开展{check.done}次，应开展{check.required}次"
        for rule, check in items
    ]
    title = f"{org.name}：{_deadline(period.end)}前尚有{len(items)}项组织生活未完成"
    body = f"{period.label}将于{period.end:%Y年%m月%d日}结束，以下要求尚未完成：\n" + "\n".join(
        lines
    )
    url = f"{reverse('orglife:workbench')}?org={org.pk}"
    return to_each(
        holders.responsible(org.pk),
        title=title,
        body=body,
        url=url,
        level=Level.WARNING,
        category="orglife.period",
        dedupe_key=f"orglife:open:{org.pk}:{period.key}",
    )


def _digests(orgs, open_items: dict, period: Period, holders: Holders) -> list[Notification]:
    """One notification per superior organization (with write-role holders) and period."""
    by_path = {o.path: o for o in orgs}
    totals, open_under = defaultdict(int), defaultdict(list)
    for org in orgs:
        for path in org.ancestor_paths():
            totals[path] += 1
            if org in open_items:
                open_under[path].append(org)
    out = []
    for path, lagging in open_under.items():
        superior = by_path.get(path)
        writers = holders.writers(superior.pk) if superior else set()
        if not writers:
            continue
        worst = sorted(lagging, key=lambda o: -len(open_items[o]))[:DIGEST_NAMES_SHOWN]
        names = "、".join(f"{o.name}（{len(open_items[o])}项）" for o in worst)
        more = f"等{len(lagging)}个" if len(lagging) > DIGEST_NAMES_SHOWN else ""
        title = f"{superior.name}：下属{len(lagging)}个党组织{_deadline(period.end)}前尚有组织生活未完成"
        body = (
            f"{period.label}将于{period.end:%Y年%m月%d日}结束。下属共{totals[path]}个党组织，"
            f"其中{len(lagging)}个尚有未完成的要求：{names}{more}。"
        )
        url = f"{reverse('orglife:overview')}?org={superior.pk}"
        out += to_each(
            writers,
            title=title,
            body=body,
            url=url,
            level=Level.INFO,
            category="orglife.digest",
            dedupe_key=f"orglife:digest:{superior.pk}:{period.key}",
        )
    return out


def _term_rules(today: date) -> list[LifeRule]:
    rules = LifeRule.objects.filter(measure=LifeRule.Measure.TERM_EXPIRY, effective_from__lte=today)
    return [r for r in rules.order_by("code", "-effective_from") if r.in_force_on(today)]


def _latest_terms(today: date) -> dict[int, Term]:
    """The term each organization is in: the latest begun by today (as compliance judges it)."""
    latest = {}
    for term in Term.objects.filter(started_on__lte=today).order_by(
        "organization_id", "started_on", "pk"
    ):
        latest[term.organization_id] = term
    return latest


def _superior_writers(org, by_path: dict, holders: Holders) -> set[int]:
    """Write-role holders of the nearest organization above that has any."""
    for path in reversed(org.ancestor_paths()):
        superior = by_path.get(path)
        if superior and holders.writers(superior.pk):
            return holders.writers(superior.pk)
    return set()


def _terms(orgs, holders: Holders, today: date) -> list[Notification]:
    rules = _term_rules(today)
    if not rules:
        return []
    terms = _latest_terms(today)
    by_path = {o.path: o for o in orgs}
    out = []
    for org in orgs:
        rule = next((r for r in rules if org.kind in r.org_kinds), None)
        term = terms.get(org.pk)
        if rule is None or term is None:
            continue
        url = reverse("orgs:detail", args=[org.pk])
        # The superior approves the election and, by R-ORG-3, is the one who reminds: it hears of both.
        recipients = holders.responsible(org.pk) | _superior_writers(org, by_path, holders)
        if term.expires_on < today:
            title = f"{org.name}任期已于{term.expires_on:%Y年%m月%d日}届满，尚未换届"
            body = (
                f"按照{rule.code}（{rule.name}），须按期换届；延期须经上级党组织批准，一般不超过1年。"
                "请尽快启动换届选举，换届后登记新一届任期。"
            )
            key, level = f"overdue-{today:%Y-%m}", Level.DANGER  # repeats at most monthly
        elif rule.remind_months and today >= term.expires_on - relativedelta(
            months=rule.remind_months
        ):
            title = f"{org.name}任期将于{term.expires_on:%Y年%m月%d日}届满，请做好换届准备"
            body = f"按照{rule.code}（{rule.name}），请提前做好换届选举的各项准备并按程序报批。"
            key, level = f"expires-{term.expires_on:%Y-%m-%d}", Level.WARNING
        else:
            continue
        out += to_each(
            recipients,
            title=title,
            body=body,
            url=url,
            level=level,
            category="orglife.term",
            dedupe_key=f"orglife:{rule.code}:{org.pk}:{key}",
        )
    return out
