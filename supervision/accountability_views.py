"""Pages of accountability: cases, 容错免责 decisions and 通报曝光 to a chosen audience."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core import roles
from core.access import get_in_scope, require_capability
from core.pages import errors_to_form, messages_of
from core.scoping import scope_for
from supervision import forms, selectors, services, word
from supervision.models import (
    AccountabilityCase,
    ExposureNotice,
    FaultToleranceExemption,
    Finding,
)
from supervision.views import after_action


@login_required
def case_list(request):
    require_capability(request, roles.READ)
    cases = AccountabilityCase.objects.visible_to(request.user).select_related("organization")
    exemptions = FaultToleranceExemption.objects.visible_to(request.user).select_related(
        "finding__organization"
    )
    context = {
        "page": Paginator(cases.prefetch_related("findings"), 30).get_page(request.GET.get("page")),
        "exemptions": exemptions[:100],
        "can_create": forms.supervised_orgs(request.user).exists(),
    }
    return render(request, "supervision/case_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request):
    require_capability(request, roles.WRITE)
    finding = None
    if request.GET.get("finding", "").isdigit():
        finding = get_in_scope(
            request, Finding.objects.visible_to(request.user), pk=int(request.GET["finding"])
        )
    initial = {"organization": finding.organization_id, "findings": [finding.pk]} if finding else {}
    form = forms.CaseForm(request.POST or None, user=request.user, finding=finding, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.case_create(
                actor=request.user,
                organization=data["organization"],
                findings=data["findings"],
                member=data["member"],
                data={
                    k: data[k]
                    for k in ("kind", "decision", "decided_on", "authority", "person_name")
                },
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "问责案例已登记。")
            return redirect("supervision:case_list")
    return render(
        request,
        "supervision/case_form.html",
        {"form": form, "finding": finding, "title": "登记问责"},
    )


@login_required
@require_POST
def exemption_decide(request, pk: int):
    require_capability(request, roles.READ)
    exemption = get_in_scope(
        request,
        FaultToleranceExemption.objects.visible_to(request.user).select_related("finding"),
        pk=pk,
    )
    form = forms.DecideForm(request.POST)
    if not form.is_valid():
        return after_action(request, exemption.finding_id, "danger", "请选择审批结果。")
    try:
        services.exemption_decide(
            exemption=exemption,
            actor=request.user,
            approve=form.cleaned_data["approve"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        return after_action(request, exemption.finding_id, "danger", messages_of(exc))
    return after_action(request, exemption.finding_id, "success", "已审批容错免责申请。")


@login_required
def notice_list(request):
    """Notices I issue (drafts too) and those published to my organizations."""
    notices = ExposureNotice.objects.visible_to(request.user).select_related("issuer")
    page = Paginator(notices, 30).get_page(request.GET.get("page"))
    can_create = bool(forms.NoticeForm(user=request.user).fields["issuer"].queryset.exists())
    return render(request, "supervision/notice_list.html", {"page": page, "can_create": can_create})


@login_required
@require_http_methods(["GET", "POST"])
def notice_new(request):
    require_capability(request, roles.WRITE)
    form = forms.NoticeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            notice = services.notice_create(
                actor=request.user,
                issuer=data["issuer"],
                data={"title": data["title"], "body": data["body"]},
                audience=data["audience"],
                cases=data["cases"],
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "通报已起草，确认无误后发布。")
            return redirect("supervision:notice_detail", pk=notice.pk)
    return render(request, "supervision/notice_form.html", {"form": form, "title": "起草通报曝光"})


@login_required
def notices_mine(request):
    """通报曝光 published to my branch (or my roles' organizations): what every member should read."""
    notices = selectors.notices_for_me(request.user)
    text = request.GET.get("q", "").strip()[:50]
    if text:
        notices = notices.filter(title__contains=text)
    page = Paginator(notices, 20).get_page(request.GET.get("page"))
    return render(request, "supervision/notices_mine.html", {"page": page, "q": text})


def _notice(request, pk, write=False):
    visible = ExposureNotice.objects.visible_to(request.user).select_related("issuer")
    writable = ExposureNotice.objects.writable_by(request.user) if write else None
    return get_in_scope(request, visible, writable=writable, pk=pk)


@login_required
def notice_detail(request, pk: int):
    notice = _notice(request, pk)
    context = {
        "notice": notice,
        "can_publish": not notice.is_published
        and ExposureNotice.objects.writable_by(request.user).filter(pk=pk).exists(),
        "cases": notice.cases.select_related("organization"),
        "audience": notice.audience.all(),
        "is_reader": bool(scope_for(request.user).prefixes(roles.READ)),
    }
    return render(request, "supervision/notice_detail.html", context)


@login_required
@require_POST
def notice_publish(request, pk: int):
    notice = _notice(request, pk, write=True)
    try:
        services.notice_publish(notice=notice, actor=request.user)
        messages.success(request, "通报已发布到所选范围。")
    except ValidationError as exc:
        messages.error(request, messages_of(exc))
    return redirect("supervision:notice_detail", pk=pk)


@login_required
def notice_word(request, pk: int):
    notice = _notice(request, pk)
    return word.docx_response(f"{notice.title}.docx", word.notice_docx(notice))
