"""Compliance of organizations with the rules of organizational life, for any period.

A constant number of queries whatever the number of organizations: rules, tallies (the
per-organization monthly summary kept exact by the services), committee positions, terms and units
are each read once for the whole set. The organizations passed in must have id, path, kind, unit,
established_on and ended_on loaded.

Rule applicability: a rule counts for a sub-period when it is in force on that sub-period's last day
(a rule retired mid-year no longer judges the rest of the year; its new version, in force on that
day, does). A rule with a longer period than asked (a yearly rule for one month) is judged on its own
period, so the tallies cover the asked period widened to the longest rule's period. State is judged
as it stood at the end of each sub-period (or today, if that is earlier): the committee for the
支委会 rule, the term for 按期换届. Staffing (R-RESP-5) reads the unit's current figures: units keep
no history of their headcount.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from core.rules import rule_value
from core.scoping import minimal_prefixes
from orglife.models import ActivityTally, LifeRule
from orglife.periods import Period, period_of, sub_periods
from orgs.models import COMMITTEE_POSITIONS, Organization, Position, Term

MET, MISSED, PENDING, NOT_APPLICABLE = "met", "missed", "pending", "not_applicable"
STATUS_LABELS = {MET: "已完成", MISSED: "未完成", PENDING: "进行中", NOT_APPLICABLE: "不适用"}
# Above this many organizations, select rows by subtree path instead of an id list, provided the
# organizations form a few subtrees.
IN_LIST_LIMIT = 300
MAX_PREFIXES = 20
FETCH_CHUNK = 2000  # tally rows held in memory at once


@dataclass(slots=True)
class Check:
    """One rule over one sub-period for one organization."""

    period: Period
    status: str
    done: int = 0
    required: int = 0
    detail: str = ""


@dataclass(slots=True)
class RuleResult:
    """One rule over the asked period for one organization: its sub-period checks rolled together.

    Kept as parallel tuples (one entry per sub-period) so that a city-wide matrix does not build an
    object per check; `checks` builds them on demand. Tuples of plain values also drop out of the
    garbage collector's view, which keeps a city-wide request clear of a full collection.
    """

    rule: LifeRule
    periods: Sequence[Period]
    statuses: Sequence[str]
    done: Sequence[int] | None = None  # activities counted per sub-period (activity rules)
    details: Sequence[str] | None = None
    met: int = field(init=False)
    missed: int = field(init=False)
    pending: int = field(init=False)
    _checks: list[Check] | None = field(default=None, init=False, repr=False)

    def __post_init__(self):
        statuses = self.statuses
        self.met, self.missed, self.pending = (
            statuses.count(MET),
            statuses.count(MISSED),
            statuses.count(PENDING),
        )

    @classmethod
    def from_checks(cls, rule: LifeRule, checks: list[Check]) -> "RuleResult":
        result = cls(
            rule,
            tuple(c.period for c in checks),
            tuple(c.status for c in checks),
            tuple(c.done for c in checks),
            tuple(c.detail for c in checks),
        )
        result._checks = checks
        return result

    @property
    def checks(self) -> list[Check]:
        if self._checks is None:
            self._checks = self._build_checks()
        return self._checks

    def _build_checks(self) -> list[Check]:
        required = self.rule.min_count if self.done is not None else 0
        out = []
        for i, (period, status) in enumerate(zip(self.periods, self.statuses, strict=True)):
            detail = self.details[i] if self.details else ""
            if status == NOT_APPLICABLE:
                out.append(Check(period, status, detail=detail))
            else:
                out.append(
                    Check(period, status, self.done[i] if self.done else 0, required, detail)
                )
        return out

    @property
    def status(self) -> str:
        if self.missed:
            return MISSED
        if self.pending:
            return PENDING
        return MET if self.met else NOT_APPLICABLE


@dataclass(slots=True)
class OrgCompliance:
    organization: Organization
    results: list[RuleResult]
    met: int = field(init=False)
    missed: int = field(init=False)
    pending: int = field(init=False)

    def __post_init__(self):
        self.met = sum(r.met for r in self.results)
        self.missed = sum(r.missed for r in self.results)
        self.pending = sum(r.pending for r in self.results)

    @property
    def rate(self) -> float | None:
        """Share of decided checks that were met; None when nothing is decided yet."""
        decided = self.met + self.missed
        return self.met / decided if decided else None


def rules_for(period: Period) -> list[LifeRule]:
    query = Q(effective_from__lte=period.end) & (
        Q(effective_to__isnull=True) | Q(effective_to__gte=period.start)
    )
    return list(LifeRule.objects.filter(query).order_by("code", "effective_from"))


@dataclass
class _Plan:
    """A rule's sub-periods, with what every organization's checks of them share."""

    rule: LifeRule
    periods: tuple[Period, ...]
    judged_on: tuple[date, ...]  # state (committee, term) is read as of min(end, today)
    # An unmet requirement: missed once the sub-period is over, else pending.
    open_status: tuple[str, ...]
    out_of_force: tuple[int, ...]  # sub-periods on whose last day the rule was not in force
    months: tuple[tuple[int, int], ...] = ()  # [lo, hi) indexes into the tally list per sub-period
    single_months: bool = False  # each sub-period is one month
    remind_until: tuple[date, ...] = ()  # terms expiring by then are reminded of (R-ORG-3)
    # Per sub-period, the index of its judged_on in the committee sizes (支委会 rules).
    day_index: tuple[int, ...] = ()
    zeros: tuple[int, ...] = ()


def _subs(rule_period: str, period: Period) -> list[Period]:
    return sub_periods(rule_period, period) or [period_of(rule_period, period.start)]


def _month_index(day: date, start: date) -> int:
    return (day.year - start.year) * 12 + day.month - start.month


def _plans(rules: list[LifeRule], period: Period, today: date) -> tuple[list[_Plan], Period]:
    """Each rule's sub-periods, and the span of months the tallies must cover."""
    plans, start, end = [], period.start, period.end
    for rule in rules:
        subs = tuple(_subs(rule.period, period))
        start, end = min(start, subs[0].start), max(end, subs[-1].end)
        plans.append(
            _Plan(
                rule,
                subs,
                tuple(min(s.end, today) for s in subs),
                tuple(MISSED if today > s.end else PENDING for s in subs),
                tuple(i for i, s in enumerate(subs) if not rule.in_force_on(s.end)),
            )
        )
    size = _month_index(end, start) + 1
    for plan in plans:
        # Secretary lessons follow the counts in the tally list (see _tallies).
        shift = size if plan.rule.condition == LifeRule.Condition.SPEAKER_IS_SECRETARY else 0
        plan.months = tuple(
            (_month_index(s.start, start) + shift, _month_index(s.end, start) + 1 + shift)
            for s in plan.periods
        )
        plan.single_months = all(hi - lo == 1 for lo, hi in plan.months)
        plan.zeros = (0,) * len(plan.periods)
        if plan.rule.remind_months:
            plan.remind_until = tuple(
                d + relativedelta(months=plan.rule.remind_months) for d in plan.judged_on
            )
    return plans, Period("span", start, end)


def rows_of(orgs: list[Organization], prefix: str = "organization", roots=None) -> Q:
    """Rows of these organizations: an id list, or subtree paths when there are many (`roots`, when the
    caller knows subtrees holding them all, e.g. a kind-filtered subtree; rows of others are ignored)."""
    if len(orgs) > IN_LIST_LIMIT:
        roots = roots or minimal_prefixes(o.path for o in orgs)
        if len(roots) <= MAX_PREFIXES:
            query = Q()
            for root in roots:
                query |= Q(**{f"{prefix}__path__startswith": root})
            return query
    return Q(**{f"{prefix}_id__in": [o.pk for o in orgs]})


def _tallies(among: Q, kinds: set[str], span: Period) -> dict[tuple, list[int]]:
    """{(org, kind, hearing_body): activities counted per month of the span, then secretary lessons}.

    One query over the monthly summary. Rows are read straight off the cursor: tens of thousands
    city-wide, they die young instead of filling a result cache (and a full garbage collection).
    """
    months = {m: i for i, m in enumerate(span.months())}
    size = len(months)
    rows = (
        ActivityTally.objects.filter(
            among,
            kind__in=kinds,
            month__range=(span.start, span.end),
            count__gt=0,
        )
        .order_by()
        .values_list(
            "organization_id", "kind", "hearing_body", "month", "count", "secretary_lessons"
        )
    )
    out = {}
    get = out.get
    with connection.cursor() as cursor:
        cursor.execute(*rows.query.sql_with_params())
        while chunk := cursor.fetchmany(FETCH_CHUNK):
            for org_id, kind, body, month, count, lessons in chunk:
                key = (org_id, kind, body)
                counts = get(key)
                if counts is None:
                    counts = out[key] = [0] * (2 * size)
                index = months[month]
                counts[index] += count
                if lessons:
                    counts[size + index] += lessons
    return out


class _Committees:
    """Committee size of each organization on given days, from one query of position intervals."""

    def __init__(self, among: Q, days: list[date]):
        self.days = sorted(set(days))
        self.index = {day: i for i, day in enumerate(self.days)}
        first, last = self.days[0], self.days[-1]
        # A 支委会 exists once it has the R-ORG-1 minimum of members (core.rules, in force at the last day).
        self.minimum = rule_value("R-ORG-1.committee_min", last)
        base, partial = defaultdict(int), defaultdict(list)
        rows = (
            Position.objects.filter(
                among,
                Q(ended_on__isnull=True) | Q(ended_on__gt=first),
                kind__in=COMMITTEE_POSITIONS,
                started_on__lte=last,
            )
            .order_by()
            .values_list("organization_id", "started_on", "ended_on")
        )
        for org_id, started, ended in rows:
            if started <= first and (ended is None or ended > last):
                base[org_id] += 1  # held on every day asked: the common case
            else:
                partial[org_id].append((started, ended))
        self.sizes = {org_id: [count] * len(self.days) for org_id, count in base.items()}
        for org_id, held in partial.items():
            sizes = self.sizes.setdefault(org_id, [0] * len(self.days))
            for started, ended in held:
                for i, day in enumerate(self.days):
                    if started <= day and (ended is None or ended > day):
                        sizes[i] += 1


def _terms(among: Q) -> dict[int, list[tuple[date, date]]]:
    """(started_on, expires_on) of each organization's terms, oldest first."""
    out = defaultdict(list)
    rows = Term.objects.filter(among).order_by("organization_id", "started_on")
    for org_id, started, expires in rows.values_list("organization_id", "started_on", "expires_on"):
        out[org_id].append((started, expires))
    return out


def _units(orgs) -> dict[int, object]:
    from orgs.models import Unit

    return Unit.objects.in_bulk({o.unit_id for o in orgs if o.unit_id})


def _exists_during(org: Organization, period: Period) -> bool:
    if org.established_on and org.established_on > period.end:
        return False
    return not (org.ended_on and org.ended_on < period.start)


def _activity_result(plan: _Plan, org, throughout: bool, tallies, committees) -> RuleResult:
    rule = plan.rule
    values = tallies.get((org.pk, rule.activity_kind, rule.hearing_body))
    if values is None:
        done = plan.zeros
        statuses = plan.open_status if rule.min_count else (MET,) * len(done)
    else:
        if plan.single_months:
            done = tuple([values[lo] for lo, _ in plan.months])
        else:
            done = tuple([sum(values[lo:hi]) for lo, hi in plan.months])
        required = rule.min_count
        statuses = tuple(
            [MET if d >= required else s for d, s in zip(done, plan.open_status, strict=True)]
        )
    blank = set(plan.out_of_force)
    if not throughout:
        blank.update(i for i, sub in enumerate(plan.periods) if not _exists_during(org, sub))
    details = None
    if plan.day_index:
        sizes = committees.sizes.get(org.pk)
        if sizes is None or min(sizes) < committees.minimum:
            no_committee = {
                i
                for i, day in enumerate(plan.day_index)
                if sizes is None or sizes[day] < committees.minimum
            }
            details = tuple(
                "未设支部委员会" if i in no_committee and i not in blank else ""
                for i in range(len(done))
            )
            blank |= no_committee
    if blank:
        statuses = tuple(NOT_APPLICABLE if i in blank else s for i, s in enumerate(statuses))
    return RuleResult(rule, plan.periods, statuses, done, details)


def _staffing_check(rule, org, sub, units) -> Check:
    unit = units.get(org.unit_id)
    if unit is None or not unit.total_staff:
        return Check(sub, NOT_APPLICABLE, detail="未关联单位或无在编人数")
    ratio = Decimal(unit.full_time_party_workers) / Decimal(unit.total_staff)
    detail = f"专职党务干部{unit.full_time_party_workers}人/在编{unit.total_staff}人={ratio:.1%}"
    return Check(sub, MET if ratio >= rule.min_ratio else MISSED, detail=detail)


def _term_check(org, sub: Period, judged_on: date, remind_until: date | None, terms) -> Check:
    history = terms.get(org.pk)
    if not history:
        return Check(sub, MISSED, detail="未登记任期")
    current = None
    for started, expires in history:
        if started <= judged_on:
            current = expires  # the latest term begun by then
    if current is None:
        return Check(sub, NOT_APPLICABLE, detail="该期间无任期记录")
    if current < judged_on:
        return Check(sub, MISSED, detail=f"任期已于{current:%Y-%m-%d}届满，未按期换届")
    if remind_until and current <= remind_until:
        return Check(sub, MET, detail=f"任期将于{current:%Y-%m-%d}届满，须做好换届准备")
    return Check(sub, MET, detail=f"任期至{current:%Y-%m-%d}")


def _state_result(plan: _Plan, org, units, terms) -> RuleResult:
    rule, checks = plan.rule, []
    skipped = set(plan.out_of_force)
    for i, (sub, judged_on) in enumerate(zip(plan.periods, plan.judged_on, strict=True)):
        if i in skipped or not _exists_during(org, sub):
            checks.append(Check(sub, NOT_APPLICABLE))
        elif rule.measure == LifeRule.Measure.STAFFING_RATIO:
            checks.append(_staffing_check(rule, org, sub, units))
        else:
            remind_until = plan.remind_until[i] if plan.remind_until else None
            checks.append(_term_check(org, sub, judged_on, remind_until, terms))
    return RuleResult.from_checks(rule, checks)


def compliance(
    orgs: list[Organization],
    period: Period,
    today: date | None = None,
    rules: list[LifeRule] | None = None,
    roots: tuple[str, ...] | None = None,
) -> list[OrgCompliance]:
    """Each organization's result for each applicable rule over the period.

    roots: paths of subtrees holding every organization, if known; it speeds up reading a large set.
    """
    today = today or timezone.localdate()
    rules = rules_for(period) if rules is None else rules
    plans, span = _plans(rules, period, today)
    kinds = {o.kind for o in orgs}
    by_kind = {kind: [p for p in plans if kind in p.rule.org_kinds] for kind in kinds}
    used = [p for p in plans if kinds.intersection(p.rule.org_kinds)]
    measures = {p.rule.measure for p in used}
    activity = LifeRule.Measure.ACTIVITY_COUNT
    among = rows_of(orgs, roots=roots)
    tallies = (
        _tallies(among, {p.rule.activity_kind for p in used}, span) if activity in measures else {}
    )
    days = [
        d for p in used if p.rule.condition == LifeRule.Condition.HAS_COMMITTEE for d in p.judged_on
    ]
    committees = _Committees(among, days) if days else None
    for plan in used:
        if plan.rule.condition == LifeRule.Condition.HAS_COMMITTEE:
            plan.day_index = tuple(committees.index[d] for d in plan.judged_on)
    terms = _terms(among) if LifeRule.Measure.TERM_EXPIRY in measures else {}
    units = _units(orgs) if LifeRule.Measure.STAFFING_RATIO in measures else {}
    out = []
    for org in orgs:
        throughout = not (
            (org.established_on and org.established_on > span.start)
            or (org.ended_on and org.ended_on < span.end)
        )
        out.append(
            OrgCompliance(
                org,
                [
                    _activity_result(plan, org, throughout, tallies, committees)
                    if plan.rule.measure == activity
                    else _state_result(plan, org, units, terms)
                    for plan in by_kind[org.kind]
                ],
            )
        )
    return out


def within(results: list[OrgCompliance], period: Period) -> list[OrgCompliance]:
    """Results computed for a year, narrowed to a quarter or month of it.

    Equal to compliance(orgs, period) with the same `today`: every sub-period is judged the same way
    whichever period is asked, so narrowing keeps the sub-periods inside `period` (or the one
    enclosing it, for a longer rule) and the rules in force at some time in `period` (as rules_for).
    One computation then serves a month's matrix and the year's chart.
    """
    # Sub-period tuples are shared by every organization of a rule: decide once per tuple.
    kept: dict[int, slice | None] = {}

    def narrow(result: RuleResult) -> RuleResult:
        key = id(result.periods)
        if key not in kept:
            inside = [
                i
                for i, p in enumerate(result.periods)
                if p.start <= period.end and p.end >= period.start
            ]
            whole = len(inside) == len(result.periods)
            kept[key] = (
                None if whole else slice(inside[0], inside[-1] + 1) if inside else slice(0, 0)
            )
        keep = kept[key]
        if keep is None:
            return result  # e.g. a yearly rule asked for a month: judged on its whole year
        narrowed = RuleResult(
            result.rule,
            result.periods[keep],
            result.statuses[keep],
            result.done[keep] if result.done is not None else None,
            result.details[keep] if result.details else None,
        )
        if result._checks is not None:
            narrowed._checks = result._checks[keep]
        return narrowed

    def in_force(rule: LifeRule) -> bool:
        return rule.effective_from <= period.end and (
            rule.effective_to is None or rule.effective_to >= period.start
        )

    return [
        OrgCompliance(item.organization, [narrow(r) for r in item.results if in_force(r.rule)])
        for item in results
    ]


@dataclass
class Rollup:
    met: int = 0
    missed: int = 0
    pending: int = 0
    organizations: int = 0

    @property
    def rate(self) -> float | None:
        decided = self.met + self.missed
        return self.met / decided if decided else None


def rollup(results: list[OrgCompliance]) -> Rollup:
    """Sum of the organizations' checks: a subtree's figure is the sum of its organizations' figures."""
    total = Rollup()
    for item in results:
        total.met += item.met
        total.missed += item.missed
        total.pending += item.pending
        total.organizations += 1
    return total


def subtree_compliance(
    root: Organization, period: Period, today: date | None = None
) -> tuple[Rollup, list[OrgCompliance]]:
    orgs = list(
        Organization.objects.filter(path__startswith=root.path).exclude(
            status=Organization.Status.MERGED
        )
    )
    results = compliance(orgs, period, today)
    return rollup(results), results
