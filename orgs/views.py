"""Organization pages: the per-role home, the tree, an organization's detail, units, exports and
the management actions. Reads go through visible_to/get_for_user; writes through orgs.services."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from core import audit, roles
from core.access import get_for_user, refuse
from core.excel import xlsx_response
from core.htmx import wants_partial
from core.rules import rule_in_force
from core.scoping import scope_for
from orgs import services
from orgs.forms import (
    AppointForm,
    DissolveForm,
    MergeForm,
    MoveForm,
    OrganizationForm,
    PositionEndForm,
    TermForm,
    UnitFilterForm,
)
from orgs.models import Organization, Position, PositionKind, Term, Unit
from orgs.selectors import MemberCounts, OrgSummary, ancestors, member_counts_by_branch, summarize

TREE_LEVELS = 2  # levels below the user's roots rendered at first; deeper ones load on expand
SEARCH_LIMIT = 200
HOME_WARNINGS = 30
UNITS_PER_PAGE = 50
TREE_FIELDS = (
    "id",
    "name",
    "short_name",
    "kind",
    "parent_id",
    "path",
    "depth",
    "status",
    "sort_order",
)


# ---------------------------------------------------------------- shared helpers


def _readable(scope, org) -> bool:
    """Whether the user sees org as a party reader, or it is their own branch (public info)."""
    return scope.allows(roles.READ, org.path) or org.pk == scope.member_branch_id


def _by_severity(summaries: list[OrgSummary]) -> list[tuple[Organization, object]]:
    """(organization, warning) pairs, danger first, then in tree order."""
    pairs = [(s.org, w) for s in summaries for w in s.warnings]
    return sorted(pairs, key=lambda p: (p[1].level != "danger", p[0].path))


def _show_closed(request) -> bool:
    return request.GET.get("closed") == "1"


def _tree_queryset(user, show_closed: bool):
    orgs = Organization.objects.visible_to(user).only(*TREE_FIELDS)
    return orgs if show_closed else orgs.active()


# ---------------------------------------------------------------- home


@login_required
def home(request):
    scope = scope_for(request.user)
    context = {"scope": scope, "has_roles": bool(scope.role_names)}
    if scope.is_party_reader:
        context.update(_reader_overview(request.user, scope))
    if scope.member_branch_id:
        context["my_branch"] = _branch_public_info(scope.member_branch_id)
    context["can_manage_users"] = bool(scope.prefixes(roles.MANAGE_USERS))
    context["can_read_audit"] = bool(scope.prefixes(roles.READ_AUDIT))
    context["can_write"] = bool(scope.prefixes(roles.WRITE))
    return render(request, "orgs/home.html", context)


def _reader_overview(user, scope) -> dict:
    """The organizations the user's roles bind them to, totals under them and the rules' warnings."""
    orgs = list(
        Organization.objects.filter(scope.q("path", roles.READ)).active().only(*TREE_FIELDS)
    )
    summaries = summarize(orgs)
    by_path = {s.org.path: s for s in summaries}
    assignments = user.role_assignments.active().select_related("organization")
    mine = [
        {
            "role": a.get_role_display(),
            "org": a.organization,
            "summary": by_path.get(a.organization.path),
        }
        for a in assignments
        if roles.READ in roles.CAPABILITIES.get(a.role, ())
    ]
    members = MemberCounts()
    for prefix in scope.prefixes(roles.READ):  # minimal prefixes: no member is counted twice
        if prefix in by_path:
            members.full += by_path[prefix].subtree.full
            members.probationary += by_path[prefix].subtree.probationary
    warnings = _by_severity(summaries)
    return {
        "my_orgs": mine,
        "org_count": len(orgs),
        "branch_count": sum(o.is_branch for o in orgs),
        "members": members,
        "warnings": warnings[:HOME_WARNINGS],
        "warning_count": len(warnings),
        "danger_count": sum(w.level == "danger" for _, w in warnings),
    }


def _branch_public_info(branch_id: int) -> dict:
    branch = Organization.objects.select_related("unit").get(pk=branch_id)
    secretary = (
        Position.objects.current()
        .filter(organization=branch, kind=PositionKind.SECRETARY)
        .select_related("member")
        .first()
    )
    return {
        "org": branch,
        "secretary": secretary.member if secretary else None,
        "counts": member_counts_by_branch([branch.pk]).get(branch.pk, MemberCounts()),
    }


# ---------------------------------------------------------------- tree


@dataclass
class TreeRow:
    org: Organization
    level: int
    has_children: bool = False
    expanded: bool = False  # children rendered right below; otherwise loaded with HTMX on expand
    summary: OrgSummary | None = None
    # Child containers closed after this row (the flat list nests collapsible groups this way).
    closes: range = field(default_factory=lambda: range(0))
    trail: list = field(default_factory=list)  # ancestor names, for search results

    @property
    def url(self) -> str:
        return _url_for("orgs:detail", self.org.pk)

    @property
    def children_url(self) -> str:
        return _url_for("orgs:tree_children", self.org.pk)

    @property
    def warning_level(self) -> str:
        return "danger" if any(w.level == "danger" for w in self.summary.warnings) else "warning"

    @property
    def warning_text(self) -> str:
        return "；".join(f"[{w.code}] {w.message}" for w in self.summary.warnings)


def _url_for(name: str, pk: int) -> str:
    """reverse() for one pk, from a pattern resolved once: a tree renders hundreds of rows."""
    pattern = _URL_PATTERNS.get(name)
    if pattern is None:
        pattern = _URL_PATTERNS[name] = reverse(name, args=[987654321]).replace("987654321", "{}")
    return pattern.format(pk)


_URL_PATTERNS: dict[str, str] = {}


class Node(NamedTuple):
    """An organization's place in the tree: all a flattening needs, without loading whole rows."""

    pk: int
    parent_id: int | None
    path: str
    sort_order: int


def flatten_tree(orgs: list, levels: int) -> list[TreeRow]:
    """Depth-first rows from organizations (or Nodes) ordered by path, siblings by sort_order, down to `levels`."""
    present = {o.pk for o in orgs}
    children, roots = defaultdict(list), []
    for org in orgs:
        (children[org.parent_id] if org.parent_id in present else roots).append(org)
    order = lambda o: (o.sort_order, o.path)  # noqa: E731
    rows, stack = [], [(org, 0) for org in sorted(roots, key=order, reverse=True)]
    while stack:
        org, level = stack.pop()
        kids = children.get(org.pk, ())
        row = TreeRow(org, level, has_children=bool(kids), expanded=bool(kids) and level < levels)
        rows.append(row)
        if row.expanded:
            stack.extend((kid, level + 1) for kid in sorted(kids, key=order, reverse=True))
    for index, row in enumerate(rows):
        next_level = rows[index + 1].level if index + 1 < len(rows) else 0
        row.closes = range(0 if row.expanded else row.level - next_level)
    return rows


def _attach_summaries(rows: list[TreeRow]) -> list[TreeRow]:
    for row, summary in zip(rows, summarize([r.org for r in rows]), strict=True):
        row.summary = summary
    return rows


def _search_rows(queryset, text: str) -> list[TreeRow]:
    matches = list(
        queryset.filter(Q(name__icontains=text) | Q(short_name__icontains=text))[: SEARCH_LIMIT + 1]
    )
    paths = {p for org in matches for p in org.ancestor_paths()}
    names = dict(Organization.objects.filter(path__in=paths).values_list("path", "name"))
    rows = [
        TreeRow(org, 0, trail=[names[p] for p in org.ancestor_paths() if p in names])
        for org in matches
    ]
    return _attach_summaries(rows)


@login_required
def tree(request):
    show_closed, text = _show_closed(request), request.GET.get("q", "").strip()
    queryset = _tree_queryset(request.user, show_closed)
    if text:
        rows = _search_rows(queryset, text)
    else:
        # Structure of the whole visible tree from light tuples; full rows only for what is rendered.
        nodes = [
            Node(*values)
            for values in queryset.values_list("pk", "parent_id", "path", "sort_order")
        ]
        rows = flatten_tree(nodes, TREE_LEVELS)
        orgs = queryset.in_bulk([r.org.pk for r in rows])
        for row in rows:
            row.org = orgs[row.org.pk]
        _attach_summaries(rows)
    context = {
        "rows": rows[:SEARCH_LIMIT] if text else rows,
        "truncated": bool(text) and len(rows) > SEARCH_LIMIT,
        "q": text,
        "show_closed": show_closed,
        "closed_param": "1" if show_closed else "",
    }
    return render(
        request, "orgs/_tree_body.html" if wants_partial(request) else "orgs/tree.html", context
    )


@login_required
def tree_children(request, pk):
    parent = get_for_user(request, Organization, pk=pk)
    show_closed = _show_closed(request)
    try:
        level = max(0, min(int(request.GET.get("level", 1)), 30))
    except ValueError:
        level = 1
    queryset = _tree_queryset(request.user, show_closed)
    kids = list(queryset.filter(parent=parent))
    with_kids = set(
        queryset.filter(parent__in=[k.pk for k in kids])
        .values_list("parent_id", flat=True)
        .order_by()
        .distinct()
    )
    rows = [
        TreeRow(k, level, has_children=k.pk in with_kids)
        for k in sorted(kids, key=lambda o: (o.sort_order, o.path))
    ]
    _attach_summaries(rows)
    return render(
        request, "orgs/_tree_rows.html", {"rows": rows, "closed_param": "1" if show_closed else ""}
    )


@login_required
def tree_export(request):
    show_closed, text = _show_closed(request), request.GET.get("q", "").strip()
    queryset = (
        _tree_queryset(request.user, show_closed)
        .select_related("unit")
        .only(*TREE_FIELDS, "unit__name")
    )
    # The same rows as the page, with every level expanded.
    rows = (
        _search_rows(queryset, text)[:SEARCH_LIMIT]
        if text
        else _attach_summaries(flatten_tree(list(queryset), levels=10**6))
    )
    headers = [
        "层级",
        "名称",
        "上级组织",
        "组织类型",
        "状态",
        "所在单位",
        "党员（含下级）",
        "正式党员（含下级）",
        "预备党员（含下级）",
        "本组织党员",
        "支委会人数",
        "本届届满",
        "预警",
    ]
    names = {r.org.pk: r.org.name for r in rows}
    data = [
        [
            r.org.depth,
            "　" * r.level + r.org.name,
            " / ".join(r.trail) or names.get(r.org.parent_id, ""),
            r.org.get_kind_display(),
            r.org.get_status_display(),
            r.org.unit.name if r.org.unit else "",
            r.summary.subtree.total,
            r.summary.subtree.full,
            r.summary.subtree.probationary,
            r.summary.own.total,
            r.summary.committee_size,
            r.summary.term.expires_on if r.summary.term else None,
            "；".join(f"[{w.code}] {w.message}" for w in r.summary.warnings),
        ]
        for r in rows
    ]
    filters = "，".join(
        x for x in (f"名称含“{text}”" if text else "", "含已撤销" if show_closed else "") if x
    )
    audit.record(
        audit.Action.EXPORT,
        request=request,
        object_type="orgs.organization",
        detail=f"导出组织架构 {len(data)} 条" + (f"（{filters}）" if filters else ""),
    )
    return xlsx_response(
        f"组织架构_{timezone.localdate():%Y%m%d}.xlsx", [("组织架构", headers, data)]
    )


# ---------------------------------------------------------------- detail


@login_required
def detail(request, pk):
    org = get_for_user(request, Organization, pk=pk)
    scope = scope_for(request.user)
    reader = scope.allows(roles.READ, org.path)
    chain = list(ancestors(org))
    children = list(_tree_queryset(request.user, True).filter(parent=org)) if reader else []
    summaries = summarize([org, *children])
    positions = sorted(
        Position.objects.current().filter(organization=org).select_related("member__branch"),
        key=lambda p: (PositionKind.values.index(p.kind), p.started_on),
    )
    parent_writable = bool(chain) and scope.allows(roles.WRITE, chain[-1].path)
    context = {
        "org": org,
        "summary": summaries[0],
        "child_summaries": summaries[1:],
        "reader": reader,
        "chain": [(a, _readable(scope, a)) for a in chain],
        "positions": [(p, _readable_member(scope, p.member)) for p in positions],
        "can_write": scope.allows(roles.WRITE, org.path),
        "can_restructure": parent_writable and org.is_active,
        "units": list(org.units.all()),
    }
    if reader:
        context["warnings"] = sorted(summaries[0].warnings, key=lambda w: w.level != "danger")
        context["events"] = list(org.events.select_related("recorded_by")[:100])
        context["terms"] = list(Term.objects.filter(organization=org).order_by("-started_on"))
        context["members_url"] = f"{reverse('members:list')}?organization={org.pk}"
    return render(request, "orgs/detail.html", context)


def _readable_member(scope, member) -> bool:
    return scope.allows(roles.READ, member.branch.path) or member.pk == scope.member_id


# ---------------------------------------------------------------- units


@dataclass
class UnitRow:
    unit: Unit
    ratio: Decimal | None
    below: bool

    @property
    def percent(self) -> str:
        return f"{self.ratio * 100:.2f}"


def _unit_rows(request):
    """The filtered, visible units and the staffing rule (R-RESP-5) they are checked against."""
    rule = rule_in_force("R-RESP-5.full_time_worker_ratio")
    required = Decimal(rule.value)
    numerator, denominator = required.as_integer_ratio()
    form = UnitFilterForm(request.GET or None)
    units = Unit.objects.visible_to(request.user).select_related("organization")
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            units = units.filter(name__icontains=data["q"].strip())
        if data["kind"]:
            units = units.filter(kind=data["kind"])
        if data["below"]:  # integer arithmetic: full / total < n / d  <=>  full * d < total * n
            units = units.alias(
                lhs=F("full_time_party_workers") * denominator, rhs=F("total_staff") * numerator
            )
            units = units.filter(total_staff__gt=0, lhs__lt=F("rhs"))

    def row(unit):
        if not unit.total_staff:
            return UnitRow(unit, None, False)
        ratio = Decimal(unit.full_time_party_workers) / Decimal(unit.total_staff)
        return UnitRow(
            unit, ratio, unit.full_time_party_workers * denominator < unit.total_staff * numerator
        )

    return form, units, row, rule


@login_required
def unit_list(request):
    form, units, row, rule = _unit_rows(request)
    page = Paginator(units, UNITS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "orgs/unit_list.html",
        {
            "form": form,
            "page": page,
            "rows": [row(u) for u in page],
            "rule": rule,
            "required_percent": Decimal(rule.value) * 100,
            "rule_id": rule.code.split(".")[0],
            "query": request.GET.urlencode(),
        },
    )


@login_required
def unit_export(request):
    form, units, row, rule = _unit_rows(request)
    headers = [
        "单位名称",
        "单位类别",
        "所属党组织",
        "在编人数",
        "专职党务干部",
        "兼职党务干部",
        "专职占比",
        "R-RESP-5",
    ]
    data = []
    for unit in units:
        r = row(unit)
        data.append(
            [
                unit.name,
                unit.get_kind_display(),
                unit.organization.name if unit.organization else "",
                unit.total_staff,
                unit.full_time_party_workers,
                unit.part_time_party_workers,
                f"{r.percent}%" if r.ratio is not None else "",
                f"低于{Decimal(rule.value) * 100:g}%" if r.below else "",
            ]
        )
    audit.record(
        audit.Action.EXPORT,
        request=request,
        object_type="orgs.unit",
        detail=f"导出机关单位 {len(data)} 条（{request.GET.urlencode() or '无筛选'}）",
    )
    return xlsx_response(
        f"机关单位_{timezone.localdate():%Y%m%d}.xlsx", [("机关单位", headers, data)]
    )


# ---------------------------------------------------------------- management


def _service_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the matching form field, or above the form."""
    if hasattr(error, "error_dict"):
        for name, problems in error.message_dict.items():
            form.add_error(name if name in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


def _manage(request, org, form_class, title, run, *, danger=False, **form_kwargs):
    """GET shows the form; a valid POST calls the service and redirects with a success message."""
    form = form_class(request.POST or None, org=org, user=request.user, **form_kwargs)
    if request.method == "POST" and form.is_valid():
        try:
            message, target = run(form.cleaned_data)
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, message)
            return redirect(target)
    return render(
        request,
        "orgs/manage_form.html",
        {"org": org, "form": form, "title": title, "danger": danger},
    )


def _writable(request, pk):
    return get_for_user(request, Organization, action="write", pk=pk)


def _restructurable(request, pk):
    """Moving, merging and dissolving are decided by the superior: write scope over the parent."""
    org = _writable(request, pk)
    parent = org.parent
    if parent is None or not scope_for(request.user).allows(roles.WRITE, parent.path):
        refuse(
            request,
            Organization,
            {"pk": pk},
            "调整隶属关系、合并、撤销须由上级党组织办理",
            PermissionDenied("调整隶属关系、合并或撤销须由上级党组织办理。"),
        )
    return org


def _detail_url(org) -> str:
    return reverse("orgs:detail", args=[org.pk])


@login_required
@require_http_methods(["GET", "POST"])
def org_create(request, pk):
    parent = _writable(request, pk)

    def run(data):
        child = services.organization_create(parent=parent, actor=request.user, **data)
        return f"已在“{parent.name}”下新建“{child.name}”。", _detail_url(child)

    return _manage(request, parent, OrganizationForm, "新建下级组织", run)


@login_required
@require_http_methods(["GET", "POST"])
def org_edit(request, pk):
    org = _writable(request, pk)

    def run(data):
        services.organization_update(org=org, actor=request.user, **data)
        return "组织信息已保存。", _detail_url(org)

    return _manage(request, org, OrganizationForm, "修改组织信息", run, editing=True)


@login_required
@require_http_methods(["GET", "POST"])
def org_move(request, pk):
    org = _restructurable(request, pk)

    def run(data):
        services.organization_move(
            org=org, new_parent=data["parent"], on=data["happened_on"], actor=request.user
        )
        return f"已将“{org.name}”调整到“{data['parent'].name}”之下。", _detail_url(org)

    return _manage(request, org, MoveForm, "调整隶属关系", run)


@login_required
@require_http_methods(["GET", "POST"])
def org_merge(request, pk):
    org = _restructurable(request, pk)

    def run(data):
        services.organization_merge(
            org=org,
            into=data["into"],
            on=data["happened_on"],
            reason=data["reason"],
            actor=request.user,
        )
        return f"“{org.name}”已并入“{data['into'].name}”，下级组织和党员已随之转入。", _detail_url(
            data["into"]
        )

    return _manage(request, org, MergeForm, "合并组织", run, danger=True)


@login_required
@require_http_methods(["GET", "POST"])
def org_dissolve(request, pk):
    org = _restructurable(request, pk)

    def run(data):
        services.organization_dissolve(
            org=org, on=data["happened_on"], reason=data["reason"], actor=request.user
        )
        return f"“{org.name}”已撤销，历史记录仍予保留。", _detail_url(org)

    return _manage(request, org, DissolveForm, "撤销组织", run, danger=True)


@login_required
@require_http_methods(["GET", "POST"])
def position_appoint(request, pk):
    org = _writable(request, pk)

    def run(data):
        position = services.position_appoint(organization=org, actor=request.user, **data)
        return f"已任命{position.member.name}为{position.get_kind_display()}。", _detail_url(org)

    return _manage(request, org, AppointForm, "任命职务", run)


@login_required
@require_http_methods(["GET", "POST"])
def position_end(request, pk, position_pk):
    org = _writable(request, pk)
    position = get_object_or_404(
        Position.objects.select_related("member"),
        pk=position_pk,
        organization=org,
        ended_on__isnull=True,
    )

    def run(data):
        services.position_end(position=position, ended_on=data["ended_on"], actor=request.user)
        return f"{position.member.name}已离任{position.get_kind_display()}。", _detail_url(org)

    title = f"办理离任：{position.member.name}（{position.get_kind_display()}）"
    return _manage(request, org, PositionEndForm, title, run)


@login_required
@require_http_methods(["GET", "POST"])
def term_create(request, pk):
    org = _writable(request, pk)

    def run(data):
        term = services.term_start(organization=org, actor=request.user, **data)
        return f"已登记新一届任期，{term.expires_on:%Y年%m月%d日}届满。", _detail_url(org)

    return _manage(request, org, TermForm, "登记换届（新一届任期）", run)
