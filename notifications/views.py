"""Notification pages: one's own messages (unread first), marking them read, the e-mail preference."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.access import get_in_scope
from core.htmx import render_partial_or_page, wants_partial
from notifications import services
from notifications.models import Notification

PAGE_SIZE = 20
UNREAD_FIRST = Case(
    When(read_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()
)


def _mine(request):
    return Notification.objects.filter(recipient=request.user)


def _list_context(request, show: str, page_number) -> dict:
    notifications = _mine(request).order_by(UNREAD_FIRST, "-created_at", "-id")
    if show == "unread":
        notifications = notifications.filter(read_at__isnull=True)
    return {"page": Paginator(notifications, PAGE_SIZE).get_page(page_number), "show": show}


@login_required
def notification_list(request):
    show = "unread" if request.GET.get("show") == "unread" else ""
    context = _list_context(request, show, request.GET.get("page"))
    return render_partial_or_page(
        request, "notifications/list.html", "notifications/_list.html", context
    )


@login_required
def notification_open(request, pk):
    """Opening a message marks it read and follows its link (only within this site)."""
    notification = get_in_scope(request, _mine(request), pk=pk)
    services.mark_read(notification)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def mark_read(request, pk):
    notification = get_in_scope(request, _mine(request), pk=pk)
    services.mark_read(notification)
    if wants_partial(request):
        return render(request, "notifications/_marked.html", {"n": notification})
    return redirect("notifications:list")


@login_required
@require_POST
def mark_all_read(request):
    count = services.mark_all_read(request.user)
    show = "unread" if request.POST.get("show") == "unread" else ""
    if wants_partial(request):
        context = _list_context(request, show, 1) | {"oob": True}
        return render(request, "notifications/_list.html", context)
    messages.success(request, f"已将{count}条消息标为已读。")
    return redirect("notifications:list")


@login_required
@require_POST
def email_preference(request):
    enabled = request.POST.get("email_notifications") == "on"
    try:
        services.email_preference_set(
            user=request.user, enabled=enabled, email=request.POST.get("email", "")
        )
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, f"邮件提醒设置未保存：{text}")
    else:
        messages.success(request, "已开启邮件提醒。" if enabled else "已关闭邮件提醒。")
    return redirect("notifications:list")
