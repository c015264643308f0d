"""Reads of the organization tree shared by pages, API and exports."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Q

from core.rules import rule_in_force, rule_value
from orgs.models import BRANCH_KINDS, COMMITTEE_POSITIONS, OrgKind, Organization, Position, PositionKind, Term


@dataclass
class MemberCounts:
    full: int = 0
    probationary: int = 0

    @property
    def total(self) -> int:
        return self.full + self.probationary


@dataclass
class Warning:
    code: str
    message: str
    source: str
    level: str = "warning"  # warning | danger


@dataclass
class OrgSummary:
    org: Organization
    own: MemberCounts = field(default_factory=MemberCounts)  # members directly in this organization
    subtree: MemberCounts = field(default_factory=MemberCounts)  # members anywhere under it
    committee_size: int = 0
    has_secretary: bool = False
    has_discipline_member: bool = False
    term: Term | None = None
    warnings: list[Warning] = field(default_factory=list)


def member_counts_by_branch(org_ids=None) -> dict[int, MemberCounts]:
    """Members in good standing per branch, in one grouped query."""
    from members.models import Member

    qs = Member.objects.in_good_standing()
    if org_ids is not None:
        qs = qs.filter(branch_id__in=org_ids)
    rows = qs.values("branch_id").annotate(
        full=Count("id", filter=Q(membership_kind=Member.MembershipKind.FULL)),
        probationary=Count("id", filter=Q(membership_kind=Member.MembershipKind.PROBATIONARY)),
    )
    return {r["branch_id"]: MemberCounts(r["full"], r["probationary"]) for r in rows}


def summarize(orgs: list[Organization], on: date | None = None) -> list[OrgSummary]:
    """Counts, committee, term and rule warnings for a list of organizations: a fixed number of queries.

    Subtree counts cover every descendant, visible or not: a figure for X is a figure for all under X.
    """
    on = on or date.today()
    if not orgs:
        return []
    summaries = {o.pk: OrgSummary(org=o) for o in orgs}
    query = Q()
    for org in orgs:
        query |= Q(path__startswith=org.path)
    by_path = {}
    all_under = list(Organization.objects.filter(query).active().values_list("pk", "path"))
    counts = member_counts_by_branch([pk for pk, _ in all_under])
    prefix_to_summary = {s.org.path: s for s in summaries.values()}
    width = len(orgs[0].path.split(".")[0]) + 1
    for pk, path in all_under:
        by_path[pk] = path
        c = counts.get(pk)
        if c is None:
            continue
        for end in range(width, len(path) + 1, width):
            summary = prefix_to_summary.get(path[:end])
            if summary is not None:
                summary.subtree.full += c.full
                summary.subtree.probationary += c.probationary
        if pk in summaries:
            summaries[pk].own = c
    positions = (
        Position.objects.current(on).filter(organization_id__in=summaries, kind__in=COMMITTEE_POSITIONS)
        .values("organization_id", "kind")
    )
    for p in positions:
        s = summaries[p["organization_id"]]
        s.committee_size += 1
        s.has_secretary |= p["kind"] == PositionKind.SECRETARY
        s.has_discipline_member |= p["kind"] == PositionKind.DISCIPLINE_MEMBER
    for term in Term.objects.filter(organization_id__in=summaries).order_by("organization_id", "started_on"):
        summaries[term.organization_id].term = term  # the latest started wins
    for s in summaries.values():
        s.warnings = organization_warnings(s, on)
    return [summaries[o.pk] for o in orgs]


def organization_warnings(s: OrgSummary, on: date) -> list[Warning]:
    """Warnings the organization rules already give (R-ORG-1, R-ORG-3, R-ORG-4)."""
    org, out = s.org, []
    if not org.is_active or org.kind in (OrgKind.GROUP, OrgKind.LOCAL_COMMITTEE, OrgKind.ORGANS_WORK_COMMITTEE):
        return out
    if org.kind in BRANCH_KINDS:
        rule = "R-ORG-1"
        full = s.own.full
        if full < rule_value(f"{rule}.min_full_members", on) and org.kind == OrgKind.BRANCH:
            out.append(Warning(rule, f"正式党员仅{full}名，不足{rule_value(f'{rule}.min_full_members', on)}名，宜成立联合党支部", rule_in_force(f"{rule}.min_full_members", on).source))
        threshold = rule_value(f"{rule}.committee_threshold", on)
        if full >= threshold and s.committee_size < rule_value(f"{rule}.committee_min", on):
            out.append(Warning(rule, f"正式党员{full}名（≥{threshold}名）但未设立支部委员会", rule_in_force(f"{rule}.committee_threshold", on).source, "danger"))
        if s.committee_size > rule_value(f"{rule}.committee_max", on):
            out.append(Warning(rule, f"支委会{s.committee_size}人，超过{rule_value(f'{rule}.committee_max', on)}人", rule_in_force(f"{rule}.committee_max", on).source))
        limit = rule_value(f"{rule}.branch_max_members", on)
        if s.own.total > limit:
            out.append(Warning(rule, f"党员{s.own.total}名，超过一般不超过{limit}名的规模", rule_in_force(f"{rule}.branch_max_members", on).source))
    if not s.has_secretary and rule_value("R-ORG-1.secretary_required", on):
        out.append(Warning("R-ORG-1", "书记空缺", rule_in_force("R-ORG-1.secretary_required", on).source, "danger"))
    # A branch below the committee threshold has only a secretary, so no 纪检委员 is expected there.
    needs_discipline = org.kind in (OrgKind.PARTY_COMMITTEE, OrgKind.GENERAL_BRANCH) or (
        org.kind in BRANCH_KINDS and s.own.full >= rule_value("R-ORG-1.committee_threshold", on)
    )
    if needs_discipline and not s.has_discipline_member and rule_value("R-ORG-4.discipline_member_required", on):
        out.append(Warning("R-ORG-4", "未配备纪检委员", rule_in_force("R-ORG-4.discipline_member_required", on).source))
    if s.term is None:
        if org.kind != OrgKind.PARTY_GROUP:
            out.append(Warning("R-ORG-3", "未登记本届任期", rule_in_force("R-ORG-3.remind_months_before_expiry", on).source))
    else:
        months = rule_value("R-ORG-3.remind_months_before_expiry", on)
        source = rule_in_force("R-ORG-3.remind_months_before_expiry", on).source
        if s.term.expires_on < on:
            out.append(Warning("R-ORG-3", f"任期已于{s.term.expires_on:%Y年%m月%d日}届满，应按期换届", source, "danger"))
        elif s.term.expires_on <= on + relativedelta(months=months):
            out.append(Warning("R-ORG-3", f"任期将于{s.term.expires_on:%Y年%m月%d日}届满，请做好换届准备", source))
    return out


def ancestors(org: Organization):
    return Organization.objects.filter(path__in=org.ancestor_paths()).order_by("depth")


def children_by_parent(orgs) -> dict[int | None, list[Organization]]:
    out = defaultdict(list)
    for org in orgs:
        out[org.parent_id].append(org)
    return out
