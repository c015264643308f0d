"""Member pages: the register (HTMX filters), its export, ID-number lookup, detail, own record, forms."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Select
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import User
from core import audit, roles
from core.access import get_for_user, require_capability
from core.excel import xlsx_response
from core.htmx import query_without_empty, render_partial_or_page, wants_partial
from core.masking import mask_phone
from core.scoping import scope_for
from core.validators import PHONE_PATTERN
from members import services
from members.exports import MEMBER_EXPORT_HEADERS, member_export_rows
from members.filters import MemberFilter
from members.forms import (
    LookupForm,
    MemberForm,
    StatusForm,
    TransferForm,
    add_service_errors,
    select_html,
)
from members.models import Member
from members.selectors import member_by_id_number, members_for_list, shown_id_number, shown_phone
from orgs.models import Position

PAGE_SIZE = 25
BASIC_FILTERS = ("q", "status", "page")  # always shown; the rest sit behind "更多筛选"


def _filtered(request) -> MemberFilter:
    return MemberFilter(request.GET, queryset=members_for_list(request.user), request=request)


def _query_without_page(request) -> str:
    return query_without_empty(request, drop=("page",))


def _show(member: Member, user, today: date) -> Member:
    """Attach what the templates print, masked for this viewer."""
    member.shown_id_number = shown_id_number(user, member)
    member.shown_phone = shown_phone(user, member)
    member.age = member.age_on(today)
    return member


@login_required
def member_list(request):
    filterset = _filtered(request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    page.object_list = [_show(m, request.user, today) for m in page.object_list]
    scope = scope_for(request.user)
    form = filterset.form
    for name in ("joined_after", "joined_before"):
        form.fields[name].widget.input_type = "date"
    context = {
        "filter": filterset,
        "show_more_filters": bool(filterset.form.errors)
        or any(value for key, value in request.GET.items() if key not in BASIC_FILTERS),
        "page": page,
        "filter_fields": [] if wants_partial(request) else _filter_fields(form),
        "query": _query_without_page(request),
        "can_export": scope.is_party_reader,
        "can_create": bool(scope.prefixes(roles.WRITE)),
        "lookup_form": LookupForm(),
    }
    return render_partial_or_page(request, "members/list.html", "members/_results.html", context)


def _filter_fields(form) -> list[tuple]:
    """(bound field, pre-rendered <select> or None) for every filter but the search box."""
    return [
        (form[name], select_html(form[name]) if isinstance(field.widget, Select) else None)
        for name, field in form.fields.items()
        if name != "q"
    ]


def _filters_for_log(request) -> str:
    parts = []
    for key, value in request.GET.items():
        if key == "page" or not value:
            continue
        if key == "q" and PHONE_PATTERN.match(value.strip()):
            value = mask_phone(value.strip())
        parts.append(f"{key}={value}")
    return "；".join(parts) or "无"


@login_required
def member_export(request):
    require_capability(request, roles.READ)
    filterset = _filtered(request)
    counted = {"rows": 0}

    def rows():
        for row in member_export_rows(filterset.qs, request.user):
            counted["rows"] += 1
            yield row

    response = xlsx_response(
        f"党员名册_{timezone.localdate():%Y%m%d}.xlsx",
        [("党员名册", MEMBER_EXPORT_HEADERS, rows())],
    )
    audit.record(
        audit.Action.EXPORT,
        request=request,
        object_type="members.member",
        detail=f"导出党员名册 {counted['rows']} 条；筛选：{_filters_for_log(request)}",
    )
    return response


@login_required
@require_POST
def member_lookup(request):
    """Find one member by ID number (sent by POST, never in a URL) among the members the user sees."""
    form = LookupForm(request.POST)
    if form.is_valid():
        member = member_by_id_number(
            members_for_list(request.user), form.cleaned_data["id_number"]
        ).first()
        if member is not None:
            return redirect("members:detail", pk=member.pk)
        # Same answer for "no such number" and "outside your scope": nothing leaks.
        form.add_error("id_number", "未找到：该身份证号不存在，或不在您的管辖范围内")
    return render(request, "members/lookup.html", {"lookup_form": form}, status=200)


def _member_context(request, member: Member) -> dict:
    today = timezone.localdate()
    _show(member, request.user, today)
    periods = member.membership_periods.select_related("organization").order_by(
        "-started_on", "-id"
    )
    positions = list(
        Position.objects.filter(member=member)
        .select_related("organization")
        .order_by("-started_on")
    )
    return {
        "member": member,
        "periods": periods,
        "current_positions": [p for p in positions if p.ended_on is None or p.ended_on > today],
        "past_positions": [p for p in positions if p.ended_on is not None and p.ended_on <= today],
        "account": User.objects.filter(member=member).only("pk", "username", "is_active").first(),
        "party_years": (today - member.joined_on).days // 365 if member.joined_on else None,
    }


@login_required
def member_detail(request, pk: int):
    member = get_for_user(request, Member, pk=pk)
    scope = scope_for(request.user)
    context = _member_context(request, member)
    context["can_write"] = scope.allows(roles.WRITE, member.branch.path)
    context["can_manage_users"] = bool(scope.prefixes(roles.MANAGE_USERS))
    return render(request, "members/detail.html", context)


@login_required
def me(request):
    member_id = scope_for(request.user).member_id
    if member_id is None:
        return render(request, "members/me.html", {"member": None})
    member = Member.objects.select_related("branch", "unit", "group").get(pk=member_id)
    return render(request, "members/me.html", _member_context(request, member))


def _save_form(request, form: MemberForm):
    """Run the service behind a valid form; its errors land on the form's fields."""
    try:
        return form.save(actor=request.user)
    except ValidationError as error:
        add_service_errors(form, error)
        return None


@login_required
def member_create(request):
    require_capability(request, roles.WRITE)
    form = MemberForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        member = _save_form(request, form)
        if member is not None:
            messages.success(request, f"已新增党员 {member.name}。")
            return redirect("members:detail", pk=member.pk)
    return render(request, "members/form.html", {"form": form, "member": None})


@login_required
def member_edit(request, pk: int):
    member = get_for_user(request, Member, action="write", pk=pk)
    form = MemberForm(
        request.POST or None,
        user=request.user,
        instance=member,
        masked_id=shown_id_number(request.user, member),
        masked_phone=shown_phone(request.user, member),
    )
    if request.method == "POST" and form.is_valid():
        if _save_form(request, form) is not None:
            messages.success(request, f"已保存 {member.name} 的档案。")
            return redirect("members:detail", pk=member.pk)
    return render(request, "members/form.html", {"form": form, "member": member})


@login_required
def member_transfer(request, pk: int):
    member = get_for_user(request, Member, action="write", pk=pk)
    form = TransferForm(request.POST or None, user=request.user, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_transfer_internal(
                member=member,
                to_branch=form.cleaned_data["to_branch"],
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(
                request, f"{member.name} 的组织关系已转入 {form.cleaned_data['to_branch']}。"
            )
            return redirect("members:detail", pk=member.pk)
    hint = "只能转入您有权管理的党支部；转往本平台以外的组织，请使用“党籍状态变更”中的“已转出”。"
    if not form.fields["to_branch"].queryset.exists():
        hint = "您有权管理的党支部中没有其他可转入的支部。" + hint
    return render(
        request,
        "members/action_form.html",
        {
            "form": form,
            "member": member,
            "title": "组织关系转接（平台内）",
            "hint": hint,
            "submit": "确认转接",
        },
    )


@login_required
def member_status(request, pk: int):
    member = get_for_user(request, Member, action="write", pk=pk)
    form = StatusForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_set_status(member=member, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(
                request, f"{member.name} 的党籍状态已变更为“{member.get_status_display()}”。"
            )
            return redirect("members:detail", pk=member.pk)
    return render(
        request,
        "members/action_form.html",
        {
            "form": form,
            "member": member,
            "title": "党籍状态变更",
            "hint": "停止党籍、除名、自行脱党、出党、转出、去世均只变更状态并结束当前组织关系，档案保留。",
            "submit": "确认变更",
        },
    )
