"""Account and role management pages: only for users with MANAGE_USERS (the system administrator)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import admin_services
from accounts.models import RoleAssignment, User
from accounts.user_forms import (
    PasswordResetForm,
    RoleEndForm,
    RoleGrantForm,
    UserCreateForm,
    add_service_errors,
    linkable_members,
)
from core import roles
from core.access import get_for_user, refuse, require_capability
from core.htmx import render_partial_or_page
from core.masking import mask_id_number, mask_phone
from members.selectors import member_search

PAGE_SIZE = 25


def _require_admin(request) -> None:
    require_capability(request, roles.MANAGE_USERS)


@login_required
def user_list(request):
    _require_admin(request)
    users = (
        User.objects.visible_to(request.user)
        .select_related("member__branch")
        .order_by("username")
        .prefetch_related(
            Prefetch(
                "role_assignments",
                to_attr="active_roles",
                queryset=RoleAssignment.objects.active()
                .select_related("organization")
                .order_by("role"),
            )
        )
    )
    q = request.GET.get("q", "").strip()
    if q:
        users = users.filter(
            Q(username__icontains=q) | Q(first_name__icontains=q) | Q(member__name__icontains=q)
        )
    if request.GET.get("locked") == "1":
        users = users.filter(locked_until__gt=timezone.now())
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for user in page.object_list:
        user.is_locked_now = bool(user.locked_until and user.locked_until > now)
    context = {"page": page, "q": q, "locked": request.GET.get("locked") == "1"}
    return render_partial_or_page(
        request, "accounts/user_list.html", "accounts/user_list_results.html", context
    )


@login_required
def user_create(request):
    _require_admin(request)
    form = UserCreateForm(request.POST or None, admin=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            user = admin_services.account_create(actor=request.user, **form.service_arguments())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"已创建账号 {user.username}，该用户首次登录须修改密码。")
            return redirect("accounts:user_detail", pk=user.pk)
    chosen = (
        form.cleaned_data.get("member") if form.is_bound and hasattr(form, "cleaned_data") else None
    )
    if chosen is not None:
        chosen.masked_id_number = mask_id_number(chosen.id_number)
    return render(
        request,
        "accounts/user_create.html",
        {
            "form": form,
            "chosen": [chosen] if chosen else [],
            "account_fields": [
                form[name] for name in ("username", "first_name", "phone", "password1", "password2")
            ],
        },
    )


@login_required
def user_member_search(request):
    """Candidates to link to a new account, by name, pinyin initials or unit (masked ID numbers)."""
    _require_admin(request)
    q = request.GET.get("member_q", "").strip()
    found = list(member_search(linkable_members(request.user), q)[:20]) if q else []
    for member in found:
        member.masked_id_number = mask_id_number(member.id_number)
    return render(request, "accounts/user_member_choices.html", {"found": found, "q": q})


def _target(request, pk: int) -> User:
    return get_for_user(request, User, pk=pk)


def _detail(request, target: User, **forms):
    assignments = (
        RoleAssignment.objects.filter(user=target)
        .select_related("organization")
        .order_by("ended_on", "role")
    )
    today = timezone.localdate()
    context = {
        "target": target,
        "assignments": [
            (a, a.started_on <= today and (a.ended_on is None or a.ended_on >= today))
            for a in assignments
        ],
        "is_locked": bool(target.locked_until and target.locked_until > timezone.now()),
        "masked_phone": mask_phone(target.phone),
        "is_self": target.pk == request.user.pk,
        "grant_form": forms.get("grant_form") or RoleGrantForm(admin=request.user),
        "reset_form": forms.get("reset_form") or PasswordResetForm(user=target),
    }
    return render(request, "accounts/user_detail.html", context)


@login_required
def user_detail(request, pk: int):
    _require_admin(request)
    return _detail(request, _target(request, pk))


@login_required
@require_POST
def user_role_assign(request, pk: int):
    _require_admin(request)
    target = _target(request, pk)
    form = RoleGrantForm(request.POST, admin=request.user)
    if form.is_valid():
        try:
            admin_services.role_grant(actor=request.user, user=target, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "已授予角色。")
            return redirect("accounts:user_detail", pk=target.pk)
    return _detail(request, target, grant_form=form)


@login_required
@require_POST
def user_role_end(request, pk: int, assignment_pk: int):
    _require_admin(request)
    target = _target(request, pk)
    assignment = (
        RoleAssignment.objects.visible_to(request.user)
        .filter(user=target, pk=assignment_pk)
        .first()
    )
    if assignment is None:
        refuse(
            request,
            RoleAssignment,
            {"pk": assignment_pk},
            "角色不在管理范围内或不存在",
            Http404("未找到该角色，或您无权管理。"),
        )
    form = RoleEndForm(request.POST)
    if form.is_valid():
        try:
            admin_services.role_revoke(
                actor=request.user, assignment=assignment, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                f"已结束角色：{assignment.get_role_display()}（{assignment.organization}）。",
            )
            return redirect("accounts:user_detail", pk=target.pk)
    messages.error(
        request, "；".join(f"失效日期：{e}" for errors in form.errors.values() for e in errors)
    )
    return redirect("accounts:user_detail", pk=target.pk)


@login_required
@require_POST
def user_unlock(request, pk: int):
    _require_admin(request)
    target = _target(request, pk)
    try:
        admin_services.account_unlock(actor=request.user, user=target)
    except ValidationError as error:
        messages.warning(request, "；".join(error.messages))
    else:
        messages.success(request, f"已解除 {target.username} 的账号锁定。")
    return redirect("accounts:user_detail", pk=target.pk)


@login_required
@require_POST
def user_password_reset(request, pk: int):
    _require_admin(request)
    target = _target(request, pk)
    form = PasswordResetForm(request.POST, user=target)
    if form.is_valid():
        try:
            admin_services.password_reset(
                actor=request.user, user=target, new_password=form.cleaned_data["password1"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"已重置 {target.username} 的密码，该用户下次登录须修改密码。"
            )
            return redirect("accounts:user_detail", pk=target.pk)
    return _detail(request, target, reset_form=form)
