"""Reads of the organization tree shared by pages, API and exports."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from dateutil.relativedelta import relativedelta
from django.db.models import Count, Q
from django.utils import timezone

from core.rules import rule_in_force
from core.scoping import minimal_prefixes
from orgs.models import (
    BRANCH_KINDS,
    COMMITTEE_POSITIONS,
    Organization,
    OrgKind,
    Position,
    PositionKind,
    Term,
)


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


def _member_counts_under(prefixes) -> list[tuple[int, str, MemberCounts]]:
    """(branch id, branch path, counts) for active branches under the prefixes, in one grouped query.

    Filtering by path through the join (one LIKE per subtree root) beats an IN list of every
    organization's id when a city-wide tree holds thousands of them.
    """
    from members.models import Member

    query = Q()
    for prefix in prefixes:
        query |= Q(branch__path__startswith=prefix)
    rows = (
        Member.objects.in_good_standing()
        .filter(query, branch__status=Organization.Status.ACTIVE)
        .values("branch_id", "branch__path")
        .order_by()
        .annotate(
            full=Count("id", filter=Q(membership_kind=Member.MembershipKind.FULL)),
            probationary=Count("id", filter=Q(membership_kind=Member.MembershipKind.PROBATIONARY)),
        )
    )
    return [
        (r["branch_id"], r["branch__path"], MemberCounts(r["full"], r["probationary"]))
        for r in rows
    ]


IN_LIST_LIMIT = 300  # above this many organizations, select by path prefix instead of an id list


def _among(summaries: dict, prefixes) -> Q:
    """Rows of the summarized organizations (by id), or of all under their roots when there are many."""
    if len(summaries) <= IN_LIST_LIMIT:
        return Q(organization_id__in=list(summaries))
    query = Q()
    for prefix in prefixes:
        query |= Q(organization__path__startswith=prefix)
    return query


def rules_on(on: date):
    """rule_in_force for one date, memoized: a city-wide summary checks thousands of organizations."""
    cache = {}

    def param(code: str):
        if code not in cache:
            cache[code] = rule_in_force(code, on)
        return cache[code]

    return param


def summarize(orgs: list[Organization], on: date | None = None) -> list[OrgSummary]:
    """Counts, committee, term and rule warnings for a list of organizations: a fixed number of queries.

    Subtree counts cover every descendant, visible or not: a figure for X is a figure for all under X.
    """
    on = on or timezone.localdate()
    if not orgs:
        return []
    summaries = {o.pk: OrgSummary(org=o) for o in orgs}
    prefix_to_summary = {s.org.path: s for s in summaries.values()}
    width = len(orgs[0].path.split(".")[0]) + 1
    prefixes = minimal_prefixes(o.path for o in orgs)
    for branch_id, path, c in _member_counts_under(prefixes):
        for end in range(width, len(path) + 1, width):
            summary = prefix_to_summary.get(path[:end])
            if summary is not None:
                summary.subtree.full += c.full
                summary.subtree.probationary += c.probationary
        if branch_id in summaries:
            summaries[branch_id].own = c
    among = _among(summaries, prefixes)
    positions = (
        Position.objects.current(on)
        .filter(among, kind__in=COMMITTEE_POSITIONS)
        .values("organization_id", "kind")
    )
    for p in positions:
        s = summaries.get(p["organization_id"])
        if s is None:
            continue
        s.committee_size += 1
        s.has_secretary |= p["kind"] == PositionKind.SECRETARY
        s.has_discipline_member |= p["kind"] == PositionKind.DISCIPLINE_MEMBER
    for term in Term.objects.filter(among).order_by("organization_id", "started_on"):
        if term.organization_id in summaries:
            summaries[term.organization_id].term = term  # the latest started wins
    param = rules_on(on)
    for s in summaries.values():
        s.warnings = organization_warnings(s, on, param)
    return [summaries[o.pk] for o in orgs]


def organization_warnings(s: OrgSummary, on: date, param=None) -> list[Warning]:
    """Warnings the organization rules already give (R-ORG-1, R-ORG-3, R-ORG-4)."""
    param = param or rules_on(on)
    org, out = s.org, []
    if not org.is_active or org.kind in (
        OrgKind.GROUP,
        OrgKind.LOCAL_COMMITTEE,
        OrgKind.ORGANS_WORK_COMMITTEE,
    ):
        return out
    if org.kind in BRANCH_KINDS:
        rule = "R-ORG-1"
        full = s.own.full
        if full < param(f"{rule}.min_full_members").value and org.kind == OrgKind.BRANCH:
            out.append(
                Warning(
                    rule,
                    f"正式党员仅{full}名，不足{param(f'{rule}.min_full_members').value}名，宜成立联合党支部",
                    param(f"{rule}.min_full_members").source,
                )
            )
        threshold = param(f"{rule}.committee_threshold").value
        if full >= threshold and s.committee_size < param(f"{rule}.committee_min").value:
            out.append(
                Warning(
                    rule,
                    f"正式党员{full}名（≥{threshold}名）但未设立支部委员会",
                    param(f"{rule}.committee_threshold").source,
                    "danger",
                )
            )
        if s.committee_size > param(f"{rule}.committee_max").value:
            out.append(
                Warning(
                    rule,
                    f"支委会{s.committee_size}人，超过{param(f'{rule}.committee_max').value}人",
                    param(f"{rule}.committee_max").source,
                )
            )
        limit = param(f"{rule}.branch_max_members").value
        if s.own.total > limit:
            out.append(
                Warning(
                    rule,
                    f"党员{s.own.total}名，超过一般不超过{limit}名的规模",
                    param(f"{rule}.branch_max_members").source,
                )
            )
    if not s.has_secretary and param("R-ORG-1.secretary_required").value:
        out.append(
            Warning("R-ORG-1", "书记空缺", param("R-ORG-1.secretary_required").source, "danger")
        )
    # A branch below the committee threshold has only a secretary, so no 纪检委员 is expected there.
    needs_discipline = org.kind in (OrgKind.PARTY_COMMITTEE, OrgKind.GENERAL_BRANCH) or (
        org.kind in BRANCH_KINDS and s.own.full >= param("R-ORG-1.committee_threshold").value
    )
    if (
        needs_discipline
        and not s.has_discipline_member
        and param("R-ORG-4.discipline_member_required").value
    ):
        out.append(
            Warning("R-ORG-4", "未配备纪检委员", param("R-ORG-4.discipline_member_required").source)
        )
    if s.term is None:
        if org.kind != OrgKind.PARTY_GROUP:
            out.append(
                Warning(
                    "R-ORG-3", "未登记本届任期", param("R-ORG-3.remind_months_before_expiry").source
                )
            )
    else:
        months = param("R-ORG-3.remind_months_before_expiry").value
        source = param("R-ORG-3.remind_months_before_expiry").source
        if s.term.expires_on < on:
            out.append(
                Warning(
                    "R-ORG-3",
                    f"任期已于{s.term.expires_on:%Y年%m月%d日}届满，应按期换届",
                    source,
                    "danger",
                )
            )
        elif s.term.expires_on <= on + relativedelta(months=months):
            out.append(
                Warning(
                    "R-ORG-3",
                    f"任期将于{s.term.expires_on:%Y年%m月%d日}届满，请做好换届准备",
                    source,
                )
            )
    return out


def ancestors(org: Organization):
    return Organization.objects.filter(path__in=org.ancestor_paths()).order_by("depth")


def children_by_parent(orgs) -> dict[int | None, list[Organization]]:
    out = defaultdict(list)
    for org in orgs:
        out[org.parent_id].append(org)
    return out
