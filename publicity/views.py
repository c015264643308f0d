"""Pages of 公示: the notice board, a notice with its items, objections and answers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.access import get_in_scope
from core.pages import messages_of
from publicity import selectors, services
from publicity.models import NoticeItem, Objection, PublicNotice


def _notice(request, pk):
    visible = PublicNotice.objects.visible_to(request.user).select_related("organization")
    return get_in_scope(request, visible, pk=pk)


@login_required
def index(request):
    today = timezone.localdate()
    notices = PublicNotice.objects.visible_to(request.user).select_related("organization")
    page = Paginator(notices, 30).get_page(request.GET.get("page"))
    return render(request, "publicity/index.html", {"page": page, "today": today})


@login_required
def notice_detail(request, pk):
    notice = _notice(request, pk)
    today = timezone.localdate()
    answerer = services.can_answer(request.user, notice)
    objections = Objection.objects.filter(item__notice=notice).select_related("item")
    if answerer:
        objections = objections.select_related("lodged_by", "answered_by")
    else:  # others see only what they lodged themselves
        objections = objections.filter(lodged_by=request.user)
    context = {
        "notice": notice,
        "items": selectors.notice_items(notice),
        "objections": objections,
        "answerer": answerer,
        "is_open": notice.is_open(today),
        "today": today,
    }
    return render(request, "publicity/notice_detail.html", context)


@login_required
@require_POST
def objection_lodge(request, pk, item_pk):
    notice = _notice(request, pk)
    item = get_in_scope(request, NoticeItem.objects.filter(notice=notice), pk=item_pk)
    try:
        services.objection_lodge(item=item, actor=request.user, content=request.POST.get("content"))
    except ValidationError as exc:
        messages.error(request, messages_of(exc))
    else:
        messages.success(request, "异议已提交，发布公示的组织将核实答复。您的身份仅对答复人可见。")
    return redirect("publicity:notice_detail", pk=notice.pk)


@login_required
@require_POST
def objection_answer(request, pk, objection_pk):
    notice = _notice(request, pk)
    objection = get_in_scope(
        request, Objection.objects.filter(item__notice=notice), pk=objection_pk
    )
    try:
        services.objection_answer(
            objection=objection,
            actor=request.user,
            upheld=request.POST.get("upheld") == "1",
            answer=request.POST.get("answer"),
        )
    except ValidationError as exc:
        messages.error(request, messages_of(exc))
    else:
        messages.success(request, "已答复异议。")
    return redirect("publicity:notice_detail", pk=notice.pk)
