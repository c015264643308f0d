"""Pages of inspections, findings and rectification, and 工委's overview with its exports.

Every object comes through core.access (404 outside scope, 403 when only readable, both audited);
which transitions a user may take is decided by services.allowed_actions and checked again there.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods, require_POST

from core import roles
from core.access import get_in_scope, require_capability
from core.excel import xlsx_response
from core.files import file_response
from core.htmx import query_without_empty, render_partial_or_page, wants_partial
from core.pages import errors_to_form, messages_of
from core.scoping import scope_for
from orgs.models import Organization
from supervision import forms, selectors, services, word
from supervision.models import (
    AccountabilityCase,
    DeadlineExtension,
    Evidence,
    Finding,
    FindingCategory,
    FindingState,
    Inspection,
)

FINDING_HEADERS = ["编号", "责任组织", "问题类别", "严重程度", "问题描述", "发现时间", "整改期限",
                   "状态", "逾期", "升级督办", "检查人", "所属检查"]  # fmt: skip


def _reader(request):
    require_capability(request, roles.READ)


@login_required
def index(request):
    """The work page: what my organizations must rectify, what waits for my verification, what was escalated."""
    _reader(request)
    user = request.user
    todo = list(selectors.todo(user)[:100])
    context = {
        "todo": todo,
        "to_verify": list(selectors.to_verify(user)[:100]),
        "escalated": list(selectors.escalated_to_me(user)[:100]),
        "extensions": list(selectors.extensions_to_decide(user)[:100]),
        "today": timezone.localdate(),
        "can_record": selectors.supervised_orgs(user).exists(),
        "can_manage": services.can_manage_categories(user),
    }
    return render(request, "supervision/index.html", context)


def _list_params(request, user) -> dict:
    get = request.GET
    params = {
        "state": get.get("state") if get.get("state") in FindingState.values else "",
        "category": get.get("category", "") if get.get("category", "").isdigit() else "",
        "severity": get.get("severity") if get.get("severity") in Finding.Severity.values else "",
        "overdue": get.get("overdue") == "1",
        "escalated": get.get("escalated") == "1",
        "q": get.get("q", "").strip()[:50],
        "year": int(get["year"]) if get.get("year", "").isdigit() else None,
        "inspection": get.get("inspection", "") if get.get("inspection", "").isdigit() else "",
    }
    if get.get("org", "").isdigit():
        params["under"] = get_in_scope(
            request, Organization.objects.visible_to(user), pk=int(get["org"])
        )
    return params


def _finding_rows(findings, today):
    for f in findings:
        yield [
            f.pk, f.organization.name, f.category.name, f.get_severity_display(), f.description,
            timezone.localtime(f.found_at), f.deadline, f.get_state_display(),
            "是" if f.is_overdue(today) else "", f.escalated_to.name if f.escalated_to else "",
            f.inspector.display_name if f.inspector else "", f.inspection.title if f.inspection else "",
        ]  # fmt: skip


@login_required
def finding_list(request):
    _reader(request)
    today = timezone.localdate()
    params = _list_params(request, request.user)
    findings = selectors.filtered(
        selectors.with_related(Finding.objects.visible_to(request.user)), params, today
    ).order_by("-found_at", "-id")
    if request.GET.get("export") == "xlsx":
        rows = _finding_rows(findings.select_related("inspector__member", "inspection"), today)
        return xlsx_response(f"督查问题{today:%Y%m%d}.xlsx", [("督查问题", FINDING_HEADERS, rows)])
    page = Paginator(findings, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "params": params,
        "states": FindingState.choices,
        "severities": Finding.Severity.choices,
        "categories": FindingCategory.objects.all(),
        "query": query_without_empty(request, drop=("page",)),
        "today": today,
    }
    return render(request, "supervision/finding_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def finding_new(request):
    """The inspector's phone page: record what was found, with photos, place and time."""
    _reader(request)
    if not selectors.supervised_orgs(request.user).exists():
        raise PermissionDenied("您的角色没有可检查的下级组织。")
    initial = {"deadline": timezone.localdate() + timezone.timedelta(days=30)}
    if request.GET.get("inspection", "").isdigit():
        initial["inspection"] = int(request.GET["inspection"])
    form = forms.FindingForm(request.POST or None, request.FILES or None, user=request.user,
                             initial=initial)  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            finding = services.finding_record(
                actor=request.user,
                organization=data["organization"],
                category=data["category"],
                severity=data["severity"],
                description=data["description"],
                place=data["place"],
                deadline=data["deadline"],
                inspection=data["inspection"],
                photos=form.photo_list(),
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, f"已登记问题并交{finding.organization.name}整改。")
            if request.POST.get("again"):
                return redirect(f"{request.path}?inspection={finding.inspection_id or ''}")
            return redirect("supervision:finding_detail", pk=finding.pk)
    chosen = form.chosen_organization() if form.is_bound else None
    context = {"form": form, "chosen": selectors.with_trail([chosen])[0] if chosen else None}
    return render(request, "supervision/finding_form.html", context)


@login_required
def org_search(request):
    """HTMX picker of the phone form: up to 20 organizations the user may inspect, by name or initials.

    With an inspection chosen, only its organizations are offered, and an empty search lists them.
    """
    _reader(request)
    candidates = selectors.supervised_orgs(request.user)
    text = request.GET.get("org_q", "").strip()
    inspection = None
    if request.GET.get("inspection", "").isdigit():
        inspection = (
            Inspection.objects.visible_to(request.user)
            .filter(pk=int(request.GET["inspection"]))
            .prefetch_related("organizations")
            .first()
        )
    if inspection is not None:
        covered = Q(pk__in=[])
        for org in inspection.organizations.all():
            covered |= Q(path__startswith=org.path)
        candidates = candidates.filter(covered)
    if text:
        found = selectors.org_search(candidates, text)
    elif inspection is not None:
        found = list(candidates[: selectors.ORG_SEARCH_LIMIT])
    else:
        found = []
    context = {"found": selectors.with_trail(found), "q": text, "inspection": inspection,
               "limit": selectors.ORG_SEARCH_LIMIT}  # fmt: skip
    return render(request, "supervision/_org_choices.html", context)


def _finding(request, pk):
    visible = selectors.with_related(Finding.objects.visible_to(request.user))
    return get_in_scope(request, visible, pk=pk)


def _detail_context(request, finding, **extra) -> dict:
    return {
        "finding": finding,
        "events": list(finding.events.select_related("actor").prefetch_related("evidence")),
        "actions": services.allowed_actions(request.user, finding),
        "extensions": list(
            finding.extensions.select_related("requested_by__member", "decided_by__member")
        ),
        "exemptions": finding.exemptions.all(),
        "cases": finding.accountability_cases.all(),
        "today": timezone.localdate(),
        "can_decide": services.is_city_admin_over(request.user, finding.organization),
        "can_case": services.can_supervise(request.user, finding.organization),
        **extra,
    }


@login_required
def finding_detail(request, pk: int):
    _reader(request)
    finding = _finding(request, pk)
    return render_partial_or_page(
        request,
        "supervision/finding_detail.html",
        "supervision/_finding_panel.html",
        _detail_context(request, finding),
    )


def after_action(request, pk: int, level: str, text: str, retry=None):
    """An HTMX action gets the refreshed panel with its message; a plain POST is redirected (PRG)."""
    if wants_partial(request):
        finding = _finding(request, pk)
        context = _detail_context(request, finding, flash=(level, text), retry=retry or {})
        response = render(request, "supervision/_finding_panel.html", context)
        patch_vary_headers(response, ("HX-Request",))
        return response
    messages.add_message(request, messages.ERROR if level == "danger" else messages.SUCCESS, text)
    return redirect("supervision:finding_detail", pk=pk)


def _act(request, pk, form_class, call, done: str):
    """Run one transition from a POSTed form; refusals raise, errors come back as messages."""
    _reader(request)
    finding = _finding(request, pk)
    form = form_class(request.POST, request.FILES)
    if not form.is_valid():
        text = "；".join(f"{form.fields[k].label}：{v[0]}" if k in form.fields else v[0]
                        for k, v in form.errors.items())  # fmt: skip
        return after_action(request, pk, "danger", text, retry=request.POST)
    try:
        call(finding, form.cleaned_data)
    except ValidationError as exc:
        return after_action(request, pk, "danger", messages_of(exc), retry=request.POST)
    return after_action(request, pk, "success", done)


def _step(service, done):
    @login_required
    @require_POST
    def view(request, pk: int):
        def call(finding, data):
            kwargs = (
                {"plan": data["text"]}
                if service is services.finding_submit_plan
                else {"text": data["text"]}
            )
            service(finding=finding, actor=request.user, files=data["files"], **kwargs)

        return _act(request, pk, forms.StepForm, call, done)

    return view


finding_plan = _step(services.finding_submit_plan, "已报送整改方案。")
finding_progress = _step(services.finding_report_progress, "已报告整改进展。")
finding_submit = _step(services.finding_submit_for_verification, "已提请验收。")


@login_required
@require_POST
def finding_sign_off(request, pk: int):
    def call(finding, data):
        services.finding_sign_off(finding=finding, actor=request.user, text=data["text"])

    return _act(request, pk, forms.SignOffForm, call, "已验收销号。")


@login_required
@require_POST
def finding_return(request, pk: int):
    def call(finding, data):
        services.finding_return(finding=finding, actor=request.user, reason=data["reason"])

    return _act(request, pk, forms.ReasonForm, call, "已退回责任组织重新整改。")


@login_required
@require_POST
def finding_reopen(request, pk: int):
    def call(finding, data):
        services.finding_reopen(
            finding=finding, actor=request.user, reason=data["reason"], deadline=data["deadline"]
        )

    return _act(request, pk, forms.ReopenForm, call, "问题已重新打开。")


@login_required
@require_POST
def finding_close(request, pk: int):
    def call(finding, data):
        services.finding_close(finding=finding, actor=request.user, reason=data["reason"])

    return _act(request, pk, forms.ReasonForm, call, "问题已关闭（记录留存）。")


@login_required
@require_POST
def finding_extension(request, pk: int):
    def call(finding, data):
        services.extension_request(
            finding=finding, actor=request.user, deadline=data["deadline"], reason=data["reason"]
        )

    return _act(request, pk, forms.ExtensionForm, call, "已提交延期申请，等待审批。")


@login_required
@require_POST
def extension_decide(request, pk: int):
    _reader(request)
    visible = DeadlineExtension.objects.visible_to(request.user).select_related("finding")
    extension = get_in_scope(request, visible, pk=pk)

    def call(finding, data):
        services.extension_decide(
            extension=extension,
            actor=request.user,
            approve=data["approve"],
            note=data["note"],
        )

    approved = request.POST.get("approve") == "1"
    done = "已批准延期，整改期限已调整。" if approved else "已不予延期。"
    return _act(request, extension.finding_id, forms.DecideExtensionForm, call, done)


@login_required
@require_POST
def finding_exemption(request, pk: int):
    def call(finding, data):
        services.exemption_request(
            finding=finding,
            actor=request.user,
            grounds=data["grounds"],
            person_name=data["person_name"],
        )

    return _act(request, pk, forms.ExemptionForm, call, "已提交容错免责申请。")


@login_required
def evidence_download(request, pk: int):
    _reader(request)
    visible = Evidence.objects.filter(finding__in=Finding.objects.visible_to(request.user))
    item = get_in_scope(request, visible, pk=pk)
    return file_response(item.file, name=item.name, content_type=item.content_type)


# --- inspections -------------------------------------------------------------------------------


@login_required
def inspection_list(request):
    _reader(request)
    inspections = (
        Inspection.objects.visible_to(request.user).select_related("organizer", "leader__member")
        .prefetch_related("organizations")
    )  # fmt: skip
    page = Paginator(inspections, 30).get_page(request.GET.get("page"))
    can_create = Organization.objects.filter(
        scope_for(request.user).q("path", roles.WRITE)
    ).exists()
    return render(
        request, "supervision/inspection_list.html", {"page": page, "can_create": can_create}
    )


@login_required
@require_http_methods(["GET", "POST"])
def inspection_new(request):
    require_capability(request, roles.WRITE)
    form = forms.InspectionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {
            k: v
            for k, v in form.cleaned_data.items()
            if k not in ("organizer", "organizations", "team")
        }
        try:
            inspection = services.inspection_create(
                actor=request.user,
                organizer=form.cleaned_data["organizer"],
                organizations=form.cleaned_data["organizations"],
                team=form.cleaned_data["team"],
                data=data,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "检查已安排。")
            return redirect("supervision:inspection_detail", pk=inspection.pk)
    return render(
        request, "supervision/inspection_form.html", {"form": form, "title": "安排督查检查"}
    )


@login_required
def inspection_detail(request, pk: int):
    _reader(request)
    inspection = get_in_scope(request, Inspection.objects.visible_to(request.user), pk=pk)
    findings = selectors.with_related(
        Finding.objects.visible_to(request.user).filter(inspection=inspection)
    )
    context = {
        "inspection": inspection,
        "findings": findings,
        "on_team": inspection.team.filter(pk=request.user.pk).exists(),
        "today": timezone.localdate(),
    }
    return render(request, "supervision/inspection_detail.html", context)


# --- overview and exports ------------------------------------------------------------------------


def _overview_query(request):
    today = timezone.localdate()
    value = request.GET.get("year", "")
    year = None if value == "all" else int(value) if value.isdigit() else today.year
    root = None
    if request.GET.get("org", "").isdigit():
        root = get_in_scope(
            request, Organization.objects.visible_to(request.user), pk=int(request.GET["org"])
        )
    return today, year, root


@login_required
def overview(request):
    """工委's overview: by category, area and month, closure rate, overdue list, repeat offenders."""
    _reader(request)
    today, year, root = _overview_query(request)
    ov = selectors.overview(request.user, today=today, year=year, root=root)
    chart = {
        "category": [[r["name"], r["total"], r["finished"]] for r in ov.by_category],
        "area": [[r["name"], r["total"], r["finished"]] for r in ov.by_area],
        "month": [
            [
                r["month"],
                r["total"],
                r["finished"],
                None if r["rate"] is None else round(r["rate"] * 100, 1),
            ]
            for r in ov.by_month
        ],
        "repeat": [[r["organization"].name, r["repeats"]] for r in ov.repeat_offenders[:10]],
    }
    context = {
        "ov": ov,
        "chart": chart,
        "year": year,
        "years": list(range(today.year, today.year - 5, -1)),
        "root": root,
        "roots": Organization.objects.filter(scope_for(request.user).q("path", roles.READ))
        .active().exclude(kind__in=("branch", "joint_branch", "group")).order_by("path")[:300],
        "query": query_without_empty(request),
        "today": today,
    }  # fmt: skip
    return render(request, "supervision/overview.html", context)


@login_required
def overview_export(request):
    _reader(request)
    today, year, root = _overview_query(request)
    ov = selectors.overview(request.user, today=today, year=year, root=root, overdue_limit=5000,
                            repeat_limit=500)  # fmt: skip
    pct = lambda done, total: f"{done / total:.1%}" if total else ""  # noqa: E731
    sheets = [
        ("总体", ["问题总数", "已销号/关闭", "整改完成率", "整改中", "逾期", "升级督办"],
         [[ov.total, ov.finished, pct(ov.finished, ov.total), ov.unfinished, ov.overdue_count,
           ov.escalated_count]]),
        ("按类别", ["问题类别", "问题数", "已完成", "完成率"],
         [[r["name"], r["total"], r["finished"], pct(r["finished"], r["total"])] for r in ov.by_category]),
        ("按单位", ["单位", "问题数", "已完成", "完成率", "逾期"],
         [[r["name"], r["total"], r["finished"], pct(r["finished"], r["total"]), r["overdue"]]
          for r in ov.by_area]),
        ("按月份", ["月份", "问题数", "已完成", "完成率"],
         [[r["month"], r["total"], r["finished"], pct(r["finished"], r["total"])] for r in ov.by_month]),
        ("逾期问题", FINDING_HEADERS, _finding_rows(ov.overdue, today)),
        ("屡查屡犯", ["党组织", "重复问题数", "重复类别"],
         [[r["organization"].name, r["repeats"], r["categories"]] for r in ov.repeat_offenders]),
    ]  # fmt: skip
    return xlsx_response(f"督查问题总览{year or '全部'}.xlsx", sheets)


@login_required
def overview_word(request):
    """A Word 通报 draft from the same figures, with this year's accountability cases as typical cases."""
    _reader(request)
    today, year, root = _overview_query(request)
    ov = selectors.overview(request.user, today=today, year=year, root=root)
    cases = AccountabilityCase.objects.visible_to(request.user)
    if year:
        cases = cases.filter(decided_on__year=year)
    if root is not None:
        cases = cases.filter(organization__path__startswith=root.path)
    scope_name = root.name if root else "本人所辖范围"
    content = word.overview_draft(
        ov,
        scope_name=scope_name,
        period=f"{year}年" if year else "近年来",
        cases=list(cases.select_related("organization")[:10]),
    )
    return word.docx_response(f"督查情况通报（草稿）{year or '全部'}.docx", content)


# --- categories --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def category_list(request):
    _reader(request)
    can_manage = services.can_manage_categories(request.user)
    edit = None
    if request.GET.get("edit", "").isdigit():
        edit = FindingCategory.objects.filter(pk=int(request.GET["edit"])).first()
    form = forms.CategoryForm(request.POST or None, instance=edit)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("只有机关工委管理员可以维护问题类别。")
        if form.is_valid():
            try:
                services.category_save(
                    actor=request.user,
                    data={k: form.cleaned_data[k] for k in form.Meta.fields},
                    category=FindingCategory.objects.get(pk=edit.pk) if edit else None,
                )
            except ValidationError as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, "问题类别已保存。")
                return redirect("supervision:category_list")
    context = {
        "categories": FindingCategory.objects.all(),
        "form": form,
        "can_manage": can_manage,
        "edit": edit,
    }
    return render(request, "supervision/category_list.html", context)


@login_required
@require_POST
def category_retire(request, pk: int):
    _reader(request)
    category = get_in_scope(request, FindingCategory.objects.all(), pk=pk)
    services.category_retire(
        actor=request.user, category=category, active=request.POST.get("active") == "1"
    )
    if wants_partial(request):
        context = {"c": category, "can_manage": True}
        response = render(request, "supervision/_category_row.html", context)
        patch_vary_headers(response, ("HX-Request",))
        return response
    messages.success(
        request, "已启用。" if category.is_active else "已停用：已登记的问题保留该类别。"
    )
    return redirect("supervision:category_list")
