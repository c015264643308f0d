"""The superior's overview: a compliance matrix of a subtree (drill-down, chart by month, 换届 and staffing,
export), and the rules of organizational life (viewed by party readers; 机关工委 administrators add and
retire them). Party readers only (403 otherwise); a subtree outside the user's scope is 404, audited."""

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from core import audit, roles
from core.access import get_in_scope, require_capability
from core.excel import xlsx_response
from core.htmx import wants_partial
from core.scoping import scope_for
from orglife import overview_selectors as ov
from orglife import rule_services
from orglife.compliance import MET, MISSED, NOT_APPLICABLE, PENDING, STATUS_LABELS
from orglife.models import ActivityKind, HearingBody, LifeRule
from orglife.periods import Period, parse_period
from orgs.models import BRANCH_KINDS, Organization, OrgKind

PAGE_SIZE = 50
YEARS_SHOWN = 4  # this year and the three before: the history the platform holds
TERM_ALERTS_SHOWN = 30
CELL_CSS = {MET: "ov-met", MISSED: "ov-missed", PENDING: "ov-pending", NOT_APPLICABLE: "ov-na"}
LIFE_RULE_FIELDS = {f.name for f in LifeRule._meta.get_fields()}
STATUS_BADGES = {
    MET: "text-bg-success",
    MISSED: "text-bg-danger",
    PENDING: "text-bg-warning",
    NOT_APPLICABLE: "text-bg-secondary",
}
NO_RULE_CELL = mark_safe('<td class="ov-none" title="不适用于该类组织"></td>')


@dataclass
class OverviewQuery:
    """What the overview, its export and its drill-down are asked for."""

    root: Organization | None
    prefixes: tuple[str, ...]
    period: Period
    kind: str
    sort: str
    today: date

    @property
    def scope_label(self) -> str:
        return self.root.name if self.root else "本人所辖全部组织"


def _org_in_scope(request, scope, value: str) -> Organization:
    """An organization under the user's READ scope; anything else is 404 (audited)."""
    pk = int(value) if value.isdigit() else 0
    return get_in_scope(request, Organization.objects.filter(scope.q("path", roles.READ)), pk=pk)


def _overview_query(request) -> OverviewQuery:
    require_capability(request, roles.READ)
    scope, today = scope_for(request.user), timezone.localdate()
    value = request.GET.get("org", "")
    root = _org_in_scope(request, scope, value) if value else None
    kind = request.GET.get("kind", "")
    sort = request.GET.get("sort", "rate")
    return OverviewQuery(
        root=root,
        prefixes=(root.path,) if root else scope.prefixes(roles.READ),
        period=parse_period(request.GET.get("period", ""), today),
        kind=kind if kind in OrgKind.values else "",
        sort=sort if sort in ov.SORTS else "rate",
        today=today,
    )


def _matrix(query: OverviewQuery) -> ov.Matrix:
    orgs = ov.subtree_orgs(query.prefixes, query.period, query.kind)
    return ov.build_matrix(orgs, query.period, query.today, query.sort, query.prefixes)


def _cells_html(item, columns: list[ov.Column], link: str):
    """One row's cells, rendered here at once rather than resolving template variables per cell.

    Links load the drill-down into #drilldown (hx-target on the table); without JS they open its page.
    """
    parts = []
    for column, cell in zip(columns, ov.cells(item, columns), strict=True):
        if cell is None:
            parts.append(NO_RULE_CELL)
            continue
        url = f"{link}&org={item.organization.pk}&code={quote(column.code)}"
        parts.append(
            format_html(
                '<td class="ov-cell {}" title="{}"><a href="{}" hx-get="{}">{}</a></td>',
                CELL_CSS[cell.status],
                cell.title,
                url,
                url,
                cell.text,
            )
        )
    return mark_safe("".join(parts))


def _period_choices(today: date, current: Period) -> list[tuple[str, list[tuple]]]:
    """(year, [(key, label, selected)]) for the years the platform holds."""
    years = sorted(
        {*range(today.year - YEARS_SHOWN + 1, today.year + 1), current.start.year}, reverse=True
    )
    out = []
    for year in years:
        options = [(str(year), f"{year}年全年")]
        options += [(f"{year}-Q{q}", f"{year}年第{q}季度") for q in range(1, 5)]
        options += [(f"{year}-{m:02d}", f"{year}年{m}月") for m in range(1, 13)]
        out.append((f"{year}年", [(k, label, k == current.key) for k, label in options]))
    return out


def _root_choices(scope, chosen: Organization | None) -> list[tuple[int, str, bool]]:
    """Organizations whose subtree can be chosen: every non-branch organization in scope, as a tree
    (and the chosen one, whatever its kind)."""
    orgs = (
        Organization.objects.filter(scope.q("path", roles.READ))
        .active()
        .exclude(kind__in=(*BRANCH_KINDS, OrgKind.GROUP))
        .order_by("path")
        .values_list("pk", "name", "depth")[:500]
    )
    top = min((depth for _, _, depth in orgs), default=0)
    chosen_pk = chosen.pk if chosen else None
    choices = [(pk, "　" * (depth - top) + name, pk == chosen_pk) for pk, name, depth in orgs]
    if chosen and not any(selected for _, _, selected in choices):
        choices.insert(0, (chosen.pk, chosen.name, True))
    return choices


def _sections(query: OverviewQuery) -> dict:
    """换届 and staffing, as things stand today for the organizations of the subtree."""
    orgs = ov.subtree_orgs(query.prefixes, Period("day", query.today, query.today), query.kind)
    term_rule = ov.rule_in_force(LifeRule.Measure.TERM_EXPIRY, query.today)
    alerts, no_term = ov.term_alerts(orgs, term_rule, query.today, query.prefixes)
    staffing_rule = ov.rule_in_force(LifeRule.Measure.STAFFING_RATIO, query.today)
    return {
        "term_rule": term_rule,
        "term_alerts": alerts[:TERM_ALERTS_SHOWN],
        "term_alert_count": len(alerts),
        "overdue_count": sum(a.overdue for a in alerts),
        "soon_count": sum(not a.overdue for a in alerts),
        "no_term_count": no_term,
        "staffing_rule": staffing_rule,
        "staffing_percent": ov.percent(staffing_rule.min_ratio).removesuffix(".0")
        if staffing_rule and staffing_rule.min_ratio
        else "",
        "staffing_gaps": ov.staffing_gaps(orgs, staffing_rule),
    }


def _filters(request, query: OverviewQuery) -> dict:
    """The choices of the filter form and the query strings that keep them."""
    values = {
        "org": query.root.pk if query.root else "",
        "period": query.period.key,
        "kind": query.kind,
        "sort": query.sort,
    }
    return {
        "period_choices": _period_choices(query.today, query.period),
        "kinds": OrgKind.choices,
        "sorts": ov.SORTS.items(),
        "roots": _root_choices(scope_for(request.user), query.root),
        "export_query": urlencode({k: v for k, v in values.items() if v}),
        "subtree_query": urlencode({k: v for k, v in values.items() if v and k != "org"}),
    }


@login_required
def overview(request):
    query = _overview_query(request)
    matrix = _matrix(query)
    page = Paginator(matrix.rows, PAGE_SIZE).get_page(request.GET.get("page"))
    link = f"{reverse('orglife:overview_cell')}?period={query.period.key}"
    rows = [
        (item, item.organization, ov.percent(item.rate), _cells_html(item, matrix.columns, link))
        for item in page.object_list
    ]
    context = {
        "query": query,
        "matrix": matrix,
        "page": page,
        "rows": rows,
        "columns": matrix.columns,
        "branch_kinds": BRANCH_KINDS,
        "workbench": reverse("orglife:workbench"),
        "total_percent": ov.percent(matrix.total.rate),
        "chart": {"year": query.period.start.year, "months": matrix.chart},
        "status_labels": [
            (CELL_CSS[s], STATUS_LABELS[s]) for s in (MET, MISSED, PENDING, NOT_APPLICABLE)
        ],
        **_filters(request, query),
        **_sections(query),
    }
    return render(request, "orglife/overview.html", context)


def _export_percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1%}"


@login_required
def overview_export(request):
    """Exactly the matrix the page shows (every page of it), as .xlsx; audited."""
    query = _overview_query(request)
    matrix = _matrix(query)
    columns = matrix.columns
    headers = [
        "党组织",
        "组织类型",
        "完成率",
        "已完成",
        "未完成",
        "进行中",
        *[f"{c.code} {c.name}（{c.period_label}）" for c in columns],
    ]

    def cell_text(cell) -> str:
        return "不适用于该类组织" if cell is None else f"{STATUS_LABELS[cell.status]} {cell.text}"

    rows = [
        [
            item.organization.name,
            item.organization.kind_label,
            _export_percent(item.rate),
            item.met,
            item.missed,
            item.pending,
            *[cell_text(cell) for cell in ov.cells(item, columns)],
        ]
        for item in matrix.rows
    ]
    total = matrix.total
    rows.append(
        [
            f"合计（{len(matrix.rows)}个组织）",
            "",
            _export_percent(total.rate),
            total.met,
            total.missed,
            total.pending,
            *[_export_percent(c.rate) for c in columns],
        ]
    )
    response = xlsx_response(
        f"组织生活达标情况_{query.period.key}.xlsx", [("达标情况", headers, rows)]
    )
    kind = f"，组织类型：{OrgKind(query.kind).label}" if query.kind else ""
    audit.record(
        audit.Action.EXPORT,
        request=request,
        object_type="orglife.activity",
        detail=f"导出组织生活达标情况：{query.period.label}，范围：{query.scope_label}{kind}，共{len(matrix.rows)}个组织",
    )
    return response


@login_required
def overview_cell(request):
    """The records behind one cell of the matrix (an HTMX partial, or a page of its own)."""
    require_capability(request, roles.READ)
    scope, today = scope_for(request.user), timezone.localdate()
    org = _org_in_scope(request, scope, request.GET.get("org", ""))
    period = parse_period(request.GET.get("period", ""), today)
    detail = ov.cell_detail(request.user, org, request.GET.get("code", ""), period, today)
    if detail is None:
        raise Http404("该组织本期不适用此规则。")
    context = {
        "detail": detail,
        "period": period,
        "checks": [
            (rule, check, STATUS_LABELS[check.status], STATUS_BADGES[check.status])
            for rule, check in detail.checks
        ],
        "back": f"{reverse('orglife:overview')}?period={period.key}",
    }
    partial = wants_partial(request)
    template = "orglife/overview_cell.html" if partial else "orglife/overview_cell_page.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))  # one URL, two answers: keep caches apart
    return response


# --- rules ----------------------------------------------------------------------------------------

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RuleForm(forms.Form):
    """A new rule, or a new version of one (same code); the service checks that its parts agree."""

    code = forms.CharField(
        label="规则编号",
        max_length=32,
        help_text=(
            "如 R-LIFE-9。与现行规则同编号即为该规则的新版本：旧版本于新版本生效前一日自动停用。"
        ),
        error_messages={"required": "请填写规则编号"},
    )
    name = forms.CharField(
        label="规则名称", max_length=200, error_messages={"required": "请填写规则名称"}
    )
    layer = forms.ChoiceField(
        label="层级", choices=LifeRule.Layer.choices, initial=LifeRule.Layer.LOCAL
    )
    measure = forms.ChoiceField(label="考核方式", choices=LifeRule.Measure.choices)
    org_kinds = forms.MultipleChoiceField(
        label="适用组织类型",
        choices=OrgKind.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一种适用组织类型"},
    )
    activity_kind = forms.ChoiceField(
        label="活动类型", choices=[("", "—"), *ActivityKind.choices], required=False
    )
    hearing_body = forms.ChoiceField(
        label="听取汇报主体",
        choices=[("", "—"), *HearingBody.choices],
        required=False,
        help_text="仅“听取机关工委工作汇报”填写",
    )
    condition = forms.ChoiceField(
        label="适用条件", choices=LifeRule.Condition.choices, required=False
    )
    period = forms.ChoiceField(label="考核周期", choices=LifeRule.Period.choices)
    min_count = forms.IntegerField(
        label="每周期最少次数",
        required=False,
        min_value=0,
        initial=1,
        help_text="按活动次数考核时填写",
    )
    quorum_ratio = forms.DecimalField(
        label="有效人数比例（须超过）",
        required=False,
        max_digits=4,
        decimal_places=3,
        help_text="如须超过半数委员到会填0.5；不设则留空",
    )
    min_ratio = forms.DecimalField(
        label="最低比例",
        required=False,
        max_digits=5,
        decimal_places=4,
        help_text="仅“专职党务干部比例”填写，如2%填0.02",
    )
    remind_months = forms.IntegerField(
        label="届满前提醒月数", required=False, min_value=0, help_text="仅“按期换届”填写"
    )
    effective_from = forms.DateField(
        label="生效日期", widget=DATE_WIDGET, error_messages={"required": "请填写生效日期"}
    )
    source = forms.CharField(
        label="依据",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写依据（文件名称及条款），便于核对"},
        help_text="文件名称及条款，如“中国共产党支部工作条例（试行）2018 第十五条”",
    )
    unverified = forms.BooleanField(label="待核实（可调整的默认值）", required=False)

    def rule_fields(self) -> dict:
        """Cleaned values without the blanks, so the model's defaults apply."""
        return {k: v for k, v in self.cleaned_data.items() if v is not None and v != ""}


class RetireForm(forms.Form):
    effective_to = forms.DateField(
        label="停用日期（最后有效的一天）",
        widget=DATE_WIDGET,
        error_messages={"required": "请填写停用日期"},
    )
    reason = forms.CharField(
        label="停用原因",
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写停用原因"},
    )


def _add_service_errors(form, error: ValidationError) -> None:
    """A service's errors on the matching fields; others name their field in a form-wide error."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, texts in error.message_dict.items():
        if name in form.fields:
            form.add_error(name, texts)
        else:
            label = LifeRule._meta.get_field(name).verbose_name if name in LIFE_RULE_FIELDS else ""
            form.add_error(None, [f"{label}：{t}" if label else t for t in texts])


def _require_rule_manager(request) -> None:
    require_capability(request, roles.READ)
    if not rule_services.can_manage_rules(request.user):
        audit.record(
            audit.Action.ACCESS_DENIED,
            request=request,
            object_type="orglife.liferule",
            detail="非机关工委管理员新增或停用组织生活规则",
        )
        raise PermissionDenied("只有机关工委管理员可以新增或停用组织生活规则。")


def _requirement(rule: LifeRule) -> str:
    if rule.measure == LifeRule.Measure.STAFFING_RATIO:
        return f"不低于{rule.min_ratio * 100:.4g}%" if rule.min_ratio is not None else "—"
    if rule.measure == LifeRule.Measure.TERM_EXPIRY:
        return f"届满前{rule.remind_months}个月提醒" if rule.remind_months else "按期换届"
    return f"至少{rule.min_count}次"


def _show_rule(rule: LifeRule, today: date) -> LifeRule:
    rule.kind_labels = "、".join(
        OrgKind(k).label if k in OrgKind.values else k for k in rule.org_kinds
    )
    rule.requirement = _requirement(rule)
    rule.quorum_text = "—" if rule.quorum_ratio is None else f"须超过{rule.quorum_ratio * 100:.4g}%"
    rule.not_yet = rule.effective_from > today
    return rule


@login_required
def rule_list(request):
    require_capability(request, roles.READ)
    today = timezone.localdate()
    rules = [_show_rule(r, today) for r in LifeRule.objects.order_by("code", "-effective_from")]
    retired = [r for r in rules if r.effective_to is not None and r.effective_to < today]
    current = [r for r in rules if r not in retired]
    context = {
        "sections": [("现行规则", current, False), ("已停用的规则", retired, True)],
        "can_manage": rule_services.can_manage_rules(request.user),
    }
    return render(request, "orglife/rules.html", context)


@login_required
def rule_new(request):
    _require_rule_manager(request)
    form = RuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rule = rule_services.rule_add(actor=request.user, **form.rule_fields())
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(
                request, f"已新增规则 {rule.code}，自{rule.effective_from:%Y年%m月%d日}起生效。"
            )
            return redirect("orglife:rules")
    return render(request, "orglife/rule_form.html", {"form": form})


@login_required
def rule_retire(request, pk: int):
    _require_rule_manager(request)
    rule = _show_rule(get_object_or_404(LifeRule, pk=pk), timezone.localdate())
    form = RetireForm(request.POST or None, initial={"effective_to": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            rule_services.rule_retire(rule=rule, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"规则 {rule.code} 已设为自{form.cleaned_data['effective_to']:%Y年%m月%d日}后停用。",
            )
            return redirect("orglife:rules")
    return render(request, "orglife/rule_retire.html", {"form": form, "rule": rule})
