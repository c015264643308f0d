"""Computing the 软弱涣散 flags for every branch-level organization of the city, as of a day.

A constant number of queries whatever the number of organizations: criteria, organizations,
secretary and committee positions, terms, 支委会 months (orglife.selectors), completion rates
(orglife.selectors, itself constant) and star ratings (evaluation.selectors) are each read once.

Which organizations: those whose kind one of the enabled criteria in force names (by default 党支部,
党总支 and 联合党支部). 机关党委 is not included by default: it answers through the 三级书记 reviews and
its own star rating; 工委 can add party_committee to a criterion's organization kinds.
"""

import time
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import audit
from core.rules import rule_value
from orglife import selectors as orglife_selectors
from orgs.models import COMMITTEE_POSITIONS, Organization, Position, PositionKind, Term
from weak_orgs.criteria import DEFINITIONS
from weak_orgs.models import (
    CriterionCode,
    FlagResult,
    FlagRun,
    WeakOrgCase,
    WeakOrgCriterion,
)

C = CriterionCode
LOOKBACK_MONTHS = 12  # how far back the 支委会 run is traced for its fact text


def stars_awarded(organization_ids, year: int) -> dict[int, int]:
    """Stars per organization in that year's closed rating (evaluation owns ratings: read through it)."""
    from evaluation.selectors import stars_awarded as awarded

    return awarded(organization_ids, year)


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _month(d: date, with_year: bool = True) -> str:
    return f"{d.year}年{d.month}月" if with_year else f"{d.month}月"


def _month_end(first: date) -> date:
    return first + relativedelta(months=1) - timedelta(days=1)


def last_complete_month(as_of: date) -> date:
    """First day of the latest month that ended before as_of (the current month may still hold one)."""
    return as_of.replace(day=1) - relativedelta(months=1)


@dataclass
class Hit:
    code: str
    name: str
    fact: str

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "fact": self.fact}


class Facts:
    """Everything the criteria read, loaded in bulk for the organizations of one run."""

    def __init__(self, as_of: date, orgs: list[Organization], criteria: list[WeakOrgCriterion]):
        self.as_of = as_of
        self.orgs = orgs
        among = Organization.objects.filter(pk__in=[o.pk for o in orgs])
        codes = {c.code: c for c in criteria}
        self.secretaries = self._secretaries(among) if C.SECRETARY_VACANT in codes else {}
        self.terms = self._terms(among) if C.TERM_OVERDUE in codes else {}
        if C.NO_COMMITTEE_MEETING in codes:
            months = max(LOOKBACK_MONTHS, codes[C.NO_COMMITTEE_MEETING].parameters["months"])
            last = last_complete_month(as_of)
            self.months = [last - relativedelta(months=i) for i in range(months)]  # newest first
            self.meetings = orglife_selectors.committee_meeting_months(
                among, self.months[-1], _month_end(last)
            )
            self.committees = self._committees(among)
        self.rates, self.rate_year = {}, None
        if C.LOW_ORGLIFE_COMPLETION in codes:
            which = codes[C.LOW_ORGLIFE_COMPLETION].parameters.get("year", "previous")
            self.rate_year = as_of.year - 1 if which == "previous" else as_of.year
            kinds = set(codes[C.LOW_ORGLIFE_COMPLETION].org_kinds)
            self.rates = orglife_selectors.completion_rates(
                [o for o in orgs if o.kind in kinds], self.rate_year, today=as_of
            )
        self.stars = self._stars([o.pk for o in orgs]) if C.LOW_STAR_RATING in codes else {}

    def _secretaries(self, among) -> dict[int, tuple[bool, date | None]]:
        """(held on as_of, latest end of a secretary's tenure before it) per organization."""
        out: dict[int, tuple[bool, date | None]] = {}
        rows = Position.objects.filter(
            organization__in=among, kind=PositionKind.SECRETARY, started_on__lte=self.as_of
        ).values_list("organization_id", "ended_on")
        for org_id, ended in rows.order_by():
            held, last_end = out.get(org_id, (False, None))
            if ended is None or ended > self.as_of:
                held = True
            elif last_end is None or ended > last_end:
                last_end = ended
            out[org_id] = (held, last_end)
        return out

    def _terms(self, among) -> dict[int, date]:
        """Expiry of the latest term begun by as_of, per organization."""
        out: dict[int, tuple[date, date]] = {}
        rows = Term.objects.filter(organization__in=among, started_on__lte=self.as_of)
        for org_id, started, expires in rows.order_by().values_list(
            "organization_id", "started_on", "expires_on"
        ):
            if org_id not in out or started > out[org_id][0]:
                out[org_id] = (started, expires)
        return {org_id: expires for org_id, (_, expires) in out.items()}

    def _committees(self, among) -> dict[int, list[bool]]:
        """Whether each organization had a 支委会 (R-ORG-1 minimum) on the last day of each month."""
        ends = [_month_end(m) for m in self.months]
        minimum = rule_value("R-ORG-1.committee_min", ends[0])
        counts: dict[int, list[int]] = {}
        rows = Position.objects.filter(
            Q(ended_on__isnull=True) | Q(ended_on__gt=ends[-1]),
            organization__in=among,
            kind__in=COMMITTEE_POSITIONS,
            started_on__lte=ends[0],
        ).values_list("organization_id", "started_on", "ended_on")
        for org_id, started, ended in rows.order_by():
            held = counts.setdefault(org_id, [0] * len(ends))
            for i, day in enumerate(ends):
                if started <= day and (ended is None or ended > day):
                    held[i] += 1
        return {org_id: [n >= minimum for n in held] for org_id, held in counts.items()}

    def _stars(self, ids: list[int]) -> dict[int, tuple[int, int]]:
        """(stars, year) of the latest closed rating: this year's where rated, else last year's."""
        out = {
            org_id: (stars, self.as_of.year - 1)
            for org_id, stars in stars_awarded(ids, self.as_of.year - 1).items()
        }
        out.update(
            {org_id: (stars, self.as_of.year) for org_id, stars in stars_awarded(ids, self.as_of.year).items()}
        )  # fmt: skip
        return out


def _no_committee_meeting(criterion, org, facts: Facts) -> str | None:
    required = criterion.parameters["months"]
    held = facts.meetings.get(org.pk, set())
    had_committee = facts.committees.get(org.pk)
    run = []
    for i, month in enumerate(facts.months):
        if had_committee is None or not had_committee[i] or month in held:
            break
        if org.established_on and org.established_on > _month_end(month):
            break
        run.append(month)
    if len(run) < required:
        return None
    first, last = run[-1], run[0]
    span = f"{_month(first)}至{_month(last, first.year != last.year)}"
    more = "以上" if len(run) == len(facts.months) else ""
    return f"{span}连续{len(run)}个月{more}未召开支委会"


def _secretary_vacant(criterion, org, facts: Facts) -> str | None:
    months = criterion.parameters["months"]
    held, last_end = facts.secretaries.get(org.pk, (False, None))
    if held:
        return None
    since = last_end or org.established_on
    if since is None:
        return "未登记书记任职信息（书记空缺或未录入）"
    if facts.as_of <= since + relativedelta(months=months):
        return None
    origin = "上任书记离任" if last_end else "成立以来未登记书记，自成立之日"
    return f"书记职务自{_day(since)}（{origin}）起空缺，至研判日已超过{months}个月"


def _term_overdue(criterion, org, facts: Facts) -> str | None:
    expires = facts.terms.get(org.pk)
    if expires is None:
        return None
    grace = criterion.parameters.get("grace_months", 0)
    if expires + relativedelta(months=grace) >= facts.as_of:
        return None
    days = (facts.as_of - expires).days
    return f"任期已于{_day(expires)}届满，逾期{days}天未换届"


def _low_orglife_completion(criterion, org, facts: Facts) -> str | None:
    rate = facts.rates.get(org.pk)
    if rate is None:
        return None
    minimum = criterion.parameters["min_rate_percent"]
    percent = round(rate * 100, 6)  # 0.59 * 100 is 59.00000000000001
    if percent >= minimum:
        return None
    return f"{facts.rate_year}年组织生活完成率{percent:.1f}%，低于{minimum}%"


def _low_star_rating(criterion, org, facts: Facts) -> str | None:
    found = facts.stars.get(org.pk)
    if found is None:
        return None
    stars, year = found
    minimum = criterion.parameters["min_stars"]
    if stars >= minimum:
        return None
    shown = f"{stars}星" if stars else "未授星"
    return f"{year}年度星级评定为{shown}，低于{minimum}星"


EVALUATORS = {
    C.NO_COMMITTEE_MEETING: _no_committee_meeting,
    C.SECRETARY_VACANT: _secretary_vacant,
    C.TERM_OVERDUE: _term_overdue,
    C.LOW_ORGLIFE_COMPLETION: _low_orglife_completion,
    C.LOW_STAR_RATING: _low_star_rating,
}


def criteria_in_force(as_of: date) -> list[WeakOrgCriterion]:
    rows = WeakOrgCriterion.objects.in_force(as_of).order_by("code", "-effective_from", "-pk")
    latest = {}
    for criterion in rows:
        latest.setdefault(criterion.code, criterion)
    return list(latest.values())


def organizations_for(as_of: date, kinds) -> list[Organization]:
    """Organizations of those kinds existing on as_of (active, or ended after it)."""
    existing = Q(status=Organization.Status.ACTIVE) | Q(ended_on__gt=as_of)
    founded = Q(established_on__isnull=True) | Q(established_on__lte=as_of)
    return list(Organization.objects.filter(existing, founded, kind__in=kinds).order_by("path"))


def evaluate(as_of: date, criteria: list[WeakOrgCriterion]) -> tuple[int, dict[int, list[Hit]]]:
    """(organizations checked, hits by organization id) for the enabled, computable criteria."""
    computable = [
        c for c in criteria if c.enabled and DEFINITIONS[c.code].available and c.org_kinds
    ]
    kinds = {kind for c in computable for kind in c.org_kinds}
    orgs = organizations_for(as_of, kinds)
    facts = Facts(as_of, orgs, computable)
    hits: dict[int, list[Hit]] = {}
    for org in orgs:
        for criterion in computable:
            if org.kind not in criterion.org_kinds:
                continue
            fact = EVALUATORS[criterion.code](criterion, org, facts)
            if fact:
                hits.setdefault(org.pk, []).append(Hit(criterion.code, criterion.name, fact))
    return len(orgs), hits


def _snapshot(criteria: list[WeakOrgCriterion]) -> list[dict]:
    out = []
    for c in criteria:
        definition = DEFINITIONS[c.code]
        out.append(
            {
                "id": c.pk,
                "code": c.code,
                "name": c.name,
                "parameters": c.parameters,
                "org_kinds": c.org_kinds,
                "enabled": c.enabled,
                "available": definition.available,
                "note": "" if definition.available else definition.unavailable_note,
            }
        )
    return out


def _carried(run: FlagRun, as_of: date, hits: dict[int, list[Hit]]) -> dict[int, dict]:
    """The decision each flagged organization starts with.

    An open case → confirmed. A dismissal stands while the organization hits no criterion it did not
    hit when dismissed; a new criterion puts it back before 工委.
    """
    carried: dict[int, dict] = {}
    open_cases = set(
        WeakOrgCase.objects.open()
        .filter(organization_id__in=list(hits))
        .values_list("organization_id", flat=True)
    )
    dismissed = (
        FlagResult.objects.filter(
            organization_id__in=list(hits),
            decision=FlagResult.Decision.DISMISSED,
            run__as_of__lte=as_of,
        )
        .order_by("organization_id", "run__as_of", "decided_at")
        .values("organization_id", "hits", "decision_reason", "decided_by_id", "decided_at")
    )
    latest = {row["organization_id"]: row for row in dismissed}
    for org_id, org_hits in hits.items():
        if org_id in open_cases:
            carried[org_id] = {"decision": FlagResult.Decision.CONFIRMED}
            continue
        row = latest.get(org_id)
        if row and {h.code for h in org_hits} <= {h["code"] for h in row["hits"]}:
            carried[org_id] = {
                "decision": FlagResult.Decision.DISMISSED,
                "decision_reason": row["decision_reason"],
                "decided_by_id": row["decided_by_id"],
                "decided_at": row["decided_at"],
            }
    return carried


def compute_flags(as_of: date | None = None, *, actor=None) -> FlagRun:
    """Compute and store the flags as of a day; a second run on the same day replaces the first's results."""
    as_of = as_of or timezone.localdate()
    started = time.perf_counter()
    criteria = criteria_in_force(as_of)
    checked, hits = evaluate(as_of, criteria)
    with transaction.atomic():
        run, created = FlagRun.objects.get_or_create(
            as_of=as_of, defaults={"computed_at": timezone.now()}
        )
        run = FlagRun.objects.select_for_update().get(pk=run.pk)
        existing = {r.organization_id: r for r in run.results.all()}
        carried = _carried(run, as_of, hits)
        stale = [r.pk for org_id, r in existing.items() if org_id not in hits]
        FlagResult.objects.filter(pk__in=stale).delete()
        fresh, changed = [], []
        for org_id, org_hits in hits.items():
            data = [h.as_dict() for h in org_hits]
            result = existing.get(org_id)
            if result is None:
                fresh.append(
                    FlagResult(
                        run=run, organization_id=org_id, hits=data, **carried.get(org_id, {})
                    )
                )
                continue
            if not {h.code for h in org_hits} <= set(result.codes):
                # New grounds: the earlier dismissal no longer covers them.
                if result.decision == FlagResult.Decision.DISMISSED:
                    result.decision, result.decision_reason = FlagResult.Decision.PENDING, ""
                    result.decided_by, result.decided_at = None, None
            if carried.get(org_id, {}).get("decision") == FlagResult.Decision.CONFIRMED:
                result.decision = FlagResult.Decision.CONFIRMED
            result.hits = data
            changed.append(result)
        FlagResult.objects.bulk_create(fresh, batch_size=1000)
        FlagResult.objects.bulk_update(
            changed,
            ["hits", "decision", "decision_reason", "decided_by", "decided_at"],
            batch_size=1000,
        )
        before = audit.snapshot(run)
        run.computed_at = timezone.now()
        run.triggered_by = actor
        run.organizations_checked = checked
        run.flagged = len(hits)
        run.criteria = _snapshot(criteria)
        run.seconds = round(time.perf_counter() - started, 3)
        run.save()
        detail = f"研判{checked}个党组织，{len(hits)}个触发条件"
        if created:
            audit.record_create(run, actor=actor)
        else:
            audit.record_update(run, before, actor=actor, detail=f"重新计算：{detail}")
    return run
