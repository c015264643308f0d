"""Reads behind the superior's overview: the compliance matrix of a subtree, its monthly chart, the terms
to renew and the units short of full-time party workers. A constant number of queries for any subtree.

The year is computed once (orglife.compliance) and narrowed to a quarter or month (compliance.within),
so the chart by month and the matrix of any period come from the same figures. Organizations are read
as plain values (OrgRef), and only the rows of the page shown become cells.
"""

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Q

from orglife.compliance import (
    MET,
    MISSED,
    NOT_APPLICABLE,
    PENDING,
    STATUS_LABELS,
    OrgCompliance,
    Rollup,
    RuleResult,
    compliance,
    rollup,
    rows_of,
    rules_for,
    within,
)
from orglife.models import Activity, LifeRule
from orglife.periods import Period, period_of
from orgs.models import Organization, OrgKind, Term, Unit

SORTS = {
    "rate": "完成率从低到高",
    "-rate": "完成率从高到低",
    "missed": "未完成项从多到少",
    "path": "按组织架构",
}
PERIOD_NAMES = dict(LifeRule.Period.choices)


def percent(rate) -> str:
    """93.2 for 0.9321; '—' when there is nothing to divide."""
    return "—" if rate is None else f"{rate * 100:.1f}"


@dataclass(frozen=True, slots=True)
class OrgRef:
    """An organization as the matrix reads it: plain values, thousands at a time, no model instances."""

    pk: int
    name: str
    kind: str
    path: str
    depth: int
    unit_id: int | None
    established_on: date | None
    ended_on: date | None

    @property
    def kind_label(self) -> str:
        return OrgKind(self.kind).label


ORG_FIELDS = ("pk", "name", "kind", "path", "depth", "unit_id", "established_on", "ended_on")


def subtree_orgs(prefixes, period: Period, kind: str = "") -> list[OrgRef]:
    """Organizations under the path prefixes that existed at some time in the period (merged or
    dissolved ones too, for the months they existed), optionally of one kind."""
    query = Q(pk__in=[])
    for prefix in prefixes:
        query |= Q(path__startswith=prefix)
    orgs = Organization.objects.filter(query).filter(
        Q(established_on__isnull=True) | Q(established_on__lte=period.end),
        Q(ended_on__isnull=True) | Q(ended_on__gte=period.start),
    )
    if kind:
        orgs = orgs.filter(kind=kind)
    return [OrgRef(*row) for row in orgs.order_by("path").values_list(*ORG_FIELDS)]


@dataclass
class Column:
    """One requirement (a rule code: all its versions in force in the period) of the matrix."""

    code: str
    name: str
    period_label: str
    met: int = 0
    decided: int = 0

    @property
    def rate(self) -> float | None:
        return self.met / self.decided if self.decided else None

    @property
    def percent(self) -> str:
        return percent(self.rate)


@dataclass(slots=True)
class Cell:
    status: str
    text: str  # done/required for one sub-period, met/total for several
    title: str


def cells(item: OrgCompliance, columns: list[Column]) -> list[Cell | None]:
    """One organization's cells under the columns; None where a rule does not apply to its kind."""
    by_code: dict[str, list[RuleResult]] = {}
    for result in item.results:
        by_code.setdefault(result.rule.code, []).append(result)
    return [cell_of(by_code[c.code]) if c.code in by_code else None for c in columns]


@dataclass
class Matrix:
    period: Period
    columns: list[Column]
    # Sorted as asked: every organization of the subtree that some rule applies to.
    rows: list[OrgCompliance]
    total: Rollup
    without_rules: int  # organizations no rule applies to (e.g. 市委), left out of the rows
    chart: list[dict] = field(default_factory=list)


def cell_of(results: list[RuleResult]) -> Cell:
    """A rule's cell: its versions' sub-period checks together."""
    met = sum(r.met for r in results)
    missed = sum(r.missed for r in results)
    pending = sum(r.pending for r in results)
    total, name = met + missed + pending, results[-1].rule.name
    if not total:
        details = [d for r in results for d in (r.details or ()) if d]
        return Cell(NOT_APPLICABLE, "—", f"{name}：{details[0] if details else '本期不适用'}")
    status = MISSED if missed else PENDING if pending else MET
    label = STATUS_LABELS[status]
    if total > 1:
        return Cell(
            status,
            f"{met}/{total}",
            f"{name}：{label}，{total}个考核周期中已完成{met}个、未完成{missed}个、进行中{pending}个",
        )
    result, i = next(
        (r, i) for r in results for i, s in enumerate(r.statuses) if s != NOT_APPLICABLE
    )
    detail = result.details[i] if result.details and result.details[i] else ""
    if result.rule.measure == LifeRule.Measure.ACTIVITY_COUNT:
        text = f"{result.done[i]}/{result.rule.min_count}"
        return Cell(status, text, f"{name}（{result.periods[i].label}）：{label}，已开展{text}次")
    return Cell(
        status,
        label,
        f"{name}（{result.periods[i].label}）：{label}{'，' + detail if detail else ''}",
    )


def _columns(results: list[OrgCompliance]) -> list[Column]:
    """A column per rule code, with its completion over every organization."""
    rules: dict[int, LifeRule] = {}
    met: dict[str, int] = {}
    decided: dict[str, int] = {}
    for item in results:
        for result in item.results:
            rule = result.rule
            rules[rule.pk] = rule
            met[rule.code] = met.get(rule.code, 0) + result.met
            decided[rule.code] = decided.get(rule.code, 0) + result.met + result.missed
    columns: dict[str, Column] = {}
    for rule in sorted(rules.values(), key=lambda r: (r.code, r.effective_from)):
        column = columns.get(rule.code)
        if column is None:
            column = columns[rule.code] = Column(
                rule.code, rule.name, PERIOD_NAMES[rule.period], met[rule.code], decided[rule.code]
            )
        column.name = rule.name  # the latest version's
    return list(columns.values())


def _sort_key(sort: str):
    if sort == "-rate":
        return lambda r: (r.rate is None, -(r.rate or 0), r.organization.path)
    if sort == "missed":
        return lambda r: (-r.missed, r.organization.path)
    if sort == "path":
        return lambda r: r.organization.path
    return lambda r: (r.rate is None, r.rate or 0, r.organization.path)  # lowest completion first


def monthly_chart(results: list[OrgCompliance], year: int, today: date) -> list[dict]:
    """Completion (met / decided) of the checks whose sub-period ended in each month of the year.

    Sub-periods still open are left out: their requirements met early would show as 100%.
    """
    met, missed = [0] * 12, [0] * 12
    # Sub-period tuples are shared by every organization of a rule: count each column at once.
    by_periods: dict[int, tuple] = {}
    for item in results:
        for result in item.results:
            entry = by_periods.get(id(result.periods))
            if entry is None:
                entry = by_periods[id(result.periods)] = (result.periods, [])
            entry[1].append(result.statuses)
    for periods, statuses in by_periods.values():
        for period, column in zip(periods, zip(*statuses, strict=True), strict=True):
            if period.end.year == year and period.end < today:
                met[period.end.month - 1] += column.count(MET)
                missed[period.end.month - 1] += column.count(MISSED)
    return [
        {
            "month": f"{m + 1}月",
            "met": met[m],
            "missed": missed[m],
            "rate": round(100 * met[m] / (met[m] + missed[m]), 1) if met[m] + missed[m] else None,
        }
        for m in range(12)
    ]


def build_matrix(
    orgs: list[OrgRef],
    period: Period,
    today: date,
    sort: str = "rate",
    roots: tuple[str, ...] | None = None,
) -> Matrix:
    """Compliance of every organization for the period, sorted; the year's chart alongside.

    roots: the subtree paths the organizations were read from (they may be filtered by kind).
    """
    year = period_of("year", period.start)
    year_results = compliance(orgs, year, today, rules_for(year), roots)
    results = year_results if period == year else within(year_results, period)
    rows = sorted((item for item in results if item.results), key=_sort_key(sort))
    matrix = Matrix(period, _columns(results), rows, rollup(results), len(results) - len(rows))
    matrix.chart = monthly_chart(year_results, year.start.year, today)
    return matrix


# --- 换届 and staffing, as of today ---------------------------------------------------------------


def rule_in_force(measure: str, today: date) -> LifeRule | None:
    """The latest rule of a measure in force today (R-ORG-3 for terms, R-RESP-5 for staffing)."""
    rules = LifeRule.objects.filter(measure=measure, effective_from__lte=today).filter(
        Q(effective_to__isnull=True) | Q(effective_to__gte=today)
    )
    return rules.order_by("-effective_from", "-id").first()


@dataclass(slots=True)
class TermAlert:
    org: OrgRef
    expires_on: date
    days: int  # until expiry; negative when overdue

    @property
    def overdue(self) -> bool:
        return self.days < 0

    @property
    def days_overdue(self) -> int:
        return -self.days


def term_alerts(
    orgs: list[OrgRef], rule: LifeRule | None, today: date, roots: tuple[str, ...] | None = None
) -> tuple[list[TermAlert], int]:
    """Current terms overdue or expiring within the rule's reminder months, soonest first; and how many
    organizations the rule covers have no term recorded."""
    if rule is None:
        return [], 0
    covered = [
        o for o in orgs if o.kind in rule.org_kinds and (o.ended_on is None or o.ended_on >= today)
    ]
    if not covered:
        return [], 0
    current: dict[int, date] = {}
    terms = Term.objects.filter(rows_of(orgs, roots=roots), started_on__lte=today).order_by(
        "organization_id", "started_on"
    )
    for org_id, expires in terms.values_list("organization_id", "expires_on"):
        current[org_id] = expires  # the latest begun wins (organizations not covered are ignored)
    horizon = today + relativedelta(months=rule.remind_months or 0)
    alerts = [
        TermAlert(org, current[org.pk], (current[org.pk] - today).days)
        for org in covered
        if org.pk in current and current[org.pk] <= horizon
    ]
    alerts.sort(key=lambda a: (a.expires_on, a.org.path))
    return alerts, sum(1 for o in covered if o.pk not in current)


@dataclass(slots=True)
class StaffingGap:
    unit: Unit
    org: OrgRef
    ratio: Decimal
    required: int  # full-time party workers the ratio asks for

    @property
    def short(self) -> int:
        return self.required - self.unit.full_time_party_workers

    @property
    def percent(self) -> str:
        return percent(self.ratio)


def staffing_gaps(orgs: list[OrgRef], rule: LifeRule | None) -> list[StaffingGap]:
    """Units of the organizations the rule covers whose full-time party workers are below its ratio."""
    if rule is None or rule.min_ratio is None:
        return []
    owner: dict[int, OrgRef] = {}
    for org in orgs:  # in tree order: a unit is shown under its highest organization
        if org.kind in rule.org_kinds and org.unit_id and org.ended_on is None:
            owner.setdefault(org.unit_id, org)
    units = Unit.objects.filter(pk__in=list(owner), is_active=True, total_staff__gt=0)
    gaps = []
    for unit in units.order_by("name"):
        ratio = Decimal(unit.full_time_party_workers) / Decimal(unit.total_staff)
        if ratio < rule.min_ratio:
            required = math.ceil(unit.total_staff * rule.min_ratio)
            gaps.append(StaffingGap(unit, owner[unit.pk], ratio, required))
    return gaps


# --- drill-down -----------------------------------------------------------------------------------

DRILLDOWN_LIMIT = 200


@dataclass
class CellDetail:
    """What lies behind one cell: the rule's checks per sub-period and the activities they counted."""

    org: Organization
    rules: list[LifeRule]
    checks: list[tuple[LifeRule, object]]  # (rule version, Check)
    activities: list
    start: date
    end: date


def cell_detail(
    user, org: Organization, code: str, period: Period, today: date
) -> CellDetail | None:
    """The cell of one organization and rule code for the period; None when no version applies."""
    (item,) = compliance([org], period, today)
    results = [r for r in item.results if r.rule.code == code]
    if not results:
        return None
    checks = [(r.rule, c) for r in results for c in r.checks]
    judged = [c for _, c in checks if c.status != NOT_APPLICABLE] or [c for _, c in checks]
    start, end = min(c.period.start for c in judged), max(c.period.end for c in judged)
    kinds = Q(pk__in=[])
    for rule in {r.rule for r in results if r.rule.activity_kind}:
        kinds |= Q(kind=rule.activity_kind, hearing_body=rule.hearing_body)
    activities = (
        Activity.objects.visible_to(user)
        .filter(kinds, organization=org, held_on__range=(start, end))
        .exclude(status=Activity.Status.CANCELLED)
        .select_related("speaker")
        .order_by("held_on", "id")
    )
    return CellDetail(
        org, [r.rule for r in results], checks, list(activities[:DRILLDOWN_LIMIT]), start, end
    )
