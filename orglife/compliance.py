"""Compliance of organizations with the rules of organizational life, for any period.

A constant number of queries whatever the number of organizations: rules, tallies (the
per-organization monthly summary kept exact by the services), committees, terms and units are each
read once for the whole set. Rule applicability: a rule counts for a sub-period when it is in force
on that sub-period's last day (a rule retired mid-year no longer judges the rest of the year).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db.models import Q
from django.utils import timezone

from orglife.models import ActivityTally, LifeRule
from orglife.periods import Period, sub_periods
from orgs.models import COMMITTEE_POSITIONS, Organization, Position, Term

MET, MISSED, PENDING, NOT_APPLICABLE = "met", "missed", "pending", "not_applicable"
STATUS_LABELS = {MET: "已完成", MISSED: "未完成", PENDING: "进行中", NOT_APPLICABLE: "不适用"}
COMMITTEE_MIN = 3  # a 支委会 exists once it has at least 3 members (R-ORG-1)


@dataclass
class Check:
    """One rule over one sub-period for one organization."""

    period: Period
    status: str
    done: int = 0
    required: int = 0
    detail: str = ""


@dataclass
class RuleResult:
    """One rule over the asked period for one organization: its sub-period checks rolled together."""

    rule: LifeRule
    checks: list[Check] = field(default_factory=list)

    @property
    def met(self) -> int:
        return sum(c.status == MET for c in self.checks)

    @property
    def missed(self) -> int:
        return sum(c.status == MISSED for c in self.checks)

    @property
    def pending(self) -> int:
        return sum(c.status == PENDING for c in self.checks)

    @property
    def status(self) -> str:
        if not self.checks or all(c.status == NOT_APPLICABLE for c in self.checks):
            return NOT_APPLICABLE
        if self.missed:
            return MISSED
        return PENDING if self.pending else MET


@dataclass
class OrgCompliance:
    organization: Organization
    results: list[RuleResult]

    @property
    def met(self) -> int:
        return sum(r.met for r in self.results)

    @property
    def missed(self) -> int:
        return sum(r.missed for r in self.results)

    @property
    def pending(self) -> int:
        return sum(r.pending for r in self.results)

    @property
    def rate(self) -> float | None:
        """Share of decided checks that were met; None when nothing is decided yet."""
        decided = self.met + self.missed
        return self.met / decided if decided else None


def rules_for(period: Period) -> list[LifeRule]:
    query = Q(effective_from__lte=period.end) & (Q(effective_to__isnull=True) | Q(effective_to__gte=period.start))
    return list(LifeRule.objects.filter(query).order_by("code", "effective_from"))


def _tallies(org_ids, period: Period):
    """{(org, kind, hearing_body): {month: (count, secretary_lessons)}} for the period, one query."""
    rows = ActivityTally.objects.filter(
        organization_id__in=org_ids, month__range=(period.start, period.end), count__gt=0,
    ).values_list("organization_id", "kind", "hearing_body", "month", "count", "secretary_lessons")
    out = defaultdict(dict)
    for org_id, kind, body, month, count, lessons in rows.iterator(chunk_size=5000):
        out[(org_id, kind, body)][month] = (count, lessons)
    return out


def _committees(org_ids, on: date) -> dict[int, int]:
    sizes = defaultdict(int)
    for org_id in Position.objects.current(on).filter(
        organization_id__in=org_ids, kind__in=COMMITTEE_POSITIONS,
    ).values_list("organization_id", flat=True):
        sizes[org_id] += 1
    return sizes


def _terms(org_ids) -> dict[int, Term]:
    latest = {}
    for term in Term.objects.filter(organization_id__in=org_ids).order_by("organization_id", "started_on"):
        latest[term.organization_id] = term
    return latest


def _units(orgs) -> dict[int, object]:
    from orgs.models import Unit

    ids = {o.unit_id for o in orgs if o.unit_id}
    return Unit.objects.in_bulk(ids)


def _exists_during(org: Organization, period: Period) -> bool:
    if org.established_on and org.established_on > period.end:
        return False
    return not (org.ended_on and org.ended_on < period.start)


def _check_activity(rule, org, sub, tallies, committee_size, today) -> Check:
    if rule.condition == LifeRule.Condition.HAS_COMMITTEE and committee_size < COMMITTEE_MIN:
        return Check(sub, NOT_APPLICABLE, detail="未设支部委员会")
    months = tallies.get((org.pk, rule.activity_kind, rule.hearing_body), {})
    counted = [v for m, v in months.items() if sub.start <= m <= sub.end]
    done = sum(lessons if rule.condition == LifeRule.Condition.SPEAKER_IS_SECRETARY else count
               for count, lessons in counted)
    if done >= rule.min_count:
        return Check(sub, MET, done, rule.min_count)
    return Check(sub, PENDING if today <= sub.end else MISSED, done, rule.min_count)


def _check_staffing(rule, org, sub, units) -> Check:
    unit = units.get(org.unit_id)
    if unit is None or not unit.total_staff:
        return Check(sub, NOT_APPLICABLE, detail="未关联单位或无在编人数")
    ratio = Decimal(unit.full_time_party_workers) / Decimal(unit.total_staff)
    detail = f"专职党务干部{unit.full_time_party_workers}人/在编{unit.total_staff}人={ratio:.1%}"
    return Check(sub, MET if ratio >= rule.min_ratio else MISSED, detail=detail)


def _check_term(rule, org, sub, terms, today) -> Check:
    term = terms.get(org.pk)
    if term is None:
        return Check(sub, MISSED, detail="未登记任期")
    judged_on = min(sub.end, today)
    if term.expires_on < judged_on:
        return Check(sub, MISSED, detail=f"任期已于{term.expires_on:%Y-%m-%d}届满，未按期换届")
    if rule.remind_months and term.expires_on <= judged_on + relativedelta(months=rule.remind_months):
        return Check(sub, MET, detail=f"任期将于{term.expires_on:%Y-%m-%d}届满，须做好换届准备")
    return Check(sub, MET, detail=f"任期至{term.expires_on:%Y-%m-%d}")


def compliance(orgs: list[Organization], period: Period, today: date | None = None,
               rules: list[LifeRule] | None = None) -> list[OrgCompliance]:
    """Each organization's result for each applicable rule over the period."""
    today = today or timezone.localdate()
    rules = rules_for(period) if rules is None else rules
    org_ids = [o.pk for o in orgs]
    tallies = _tallies(org_ids, period)
    committees = _committees(org_ids, min(period.end, today))
    terms = _terms(org_ids) if any(r.measure == LifeRule.Measure.TERM_EXPIRY for r in rules) else {}
    units = _units(orgs) if any(r.measure == LifeRule.Measure.STAFFING_RATIO for r in rules) else {}
    subs_by_kind = {kind: sub_periods(kind, period) for kind in ("month", "quarter", "year")}
    out = []
    for org in orgs:
        results = []
        for rule in rules:
            if org.kind not in rule.org_kinds:
                continue
            result = RuleResult(rule)
            # A rule with a longer period than asked (a yearly rule for one month) is judged on its own period.
            subs = subs_by_kind[rule.period] or [_enclosing(rule.period, period)]
            for sub in subs:
                if not rule.in_force_on(sub.end) or not _exists_during(org, sub):
                    result.checks.append(Check(sub, NOT_APPLICABLE))
                elif rule.measure == LifeRule.Measure.ACTIVITY_COUNT:
                    result.checks.append(_check_activity(rule, org, sub, tallies, committees.get(org.pk, 0), today))
                elif rule.measure == LifeRule.Measure.STAFFING_RATIO:
                    result.checks.append(_check_staffing(rule, org, sub, units))
                else:
                    result.checks.append(_check_term(rule, org, sub, terms, today))
            results.append(result)
        out.append(OrgCompliance(org, results))
    return out


def _enclosing(kind: str, period: Period) -> Period:
    from orglife.periods import period_of

    return period_of(kind, period.start)


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


def subtree_compliance(root: Organization, period: Period, today: date | None = None) -> tuple[Rollup, list[OrgCompliance]]:
    orgs = list(Organization.objects.filter(path__startswith=root.path).exclude(status=Organization.Status.MERGED))
    results = compliance(orgs, period, today)
    return rollup(results), results
