"""Pages of evaluation schemes: every party reader views, 机关工委 administrators change drafts."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core import roles
from core.access import require_capability
from core.htmx import wants_partial
from core.pages import errors_to_form, messages_of
from evaluation import selectors, services
from evaluation.forms import CopyForm, IndicatorForm, SchemeForm, StarForm
from evaluation.metrics import metric_label
from evaluation.models import EvaluationScheme, Indicator, Star


def _manager(request):
    require_capability(request, roles.READ)
    services.require_manager(request.user, request)


@login_required
def scheme_list(request):
    require_capability(request, roles.READ)
    schemes = list(selectors.scheme_list())
    years = {}
    for scheme in schemes:
        years.setdefault(scheme.year, []).append(scheme)
    context = {
        "years": sorted(years.items(), reverse=True),
        "can_manage": services.can_manage_schemes(request.user),
        "next_year": timezone.localdate().year,
        "latest": schemes[0] if schemes else None,
    }
    return render(request, "evaluation/scheme_list.html", context)


def _detail_context(request, pk) -> dict:
    scheme = get_object_or_404(selectors.scheme_detail_queryset(), pk=pk)
    stars = list(scheme.stars.all())
    for star in stars:
        for indicator in star.indicators.all():
            indicator.metric_text = metric_label(indicator.metric) if indicator.metric else ""
    return {
        "scheme": scheme,
        "stars": stars,
        "can_edit": scheme.is_draft and services.can_manage_schemes(request.user),
        "can_manage": services.can_manage_schemes(request.user),
        "copy_form": CopyForm(initial={"year": scheme.year + 1}),
    }


@login_required
def scheme_detail(request, pk):
    require_capability(request, roles.READ)
    return render(request, "evaluation/scheme_detail.html", _detail_context(request, pk))


@login_required
@require_POST
def scheme_create_default(request):
    _manager(request)
    form = CopyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "年度：请填写2000到2100之间的年份")
        return redirect("evaluation:scheme_list")
    scheme = services.scheme_create_default(form.cleaned_data["year"], request.user)
    messages.success(request, "已按默认内容新建方案，可在发布前调整。")
    return redirect("evaluation:scheme_detail", pk=scheme.pk)


@login_required
@require_POST
def scheme_copy(request, pk):
    _manager(request)
    scheme = get_object_or_404(EvaluationScheme, pk=pk)
    form = CopyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "年度：请填写2000到2100之间的年份")
        return redirect("evaluation:scheme_detail", pk=pk)
    copy = services.scheme_copy(scheme, form.cleaned_data["year"], request.user)
    messages.success(request, f"已复制为“{copy.name}”（草稿）。")
    return redirect("evaluation:scheme_detail", pk=copy.pk)


def _scheme_step(request, pk, step, done: str):
    """Publish or archive a scheme; the service's refusal comes back as a message."""
    _manager(request)
    scheme = get_object_or_404(EvaluationScheme, pk=pk)
    try:
        step(scheme, request.user)
        messages.success(request, done)
    except ValidationError as exc:
        messages.error(request, messages_of(exc))
    return redirect("evaluation:scheme_detail", pk=pk)


@login_required
@require_POST
def scheme_publish(request, pk):
    return _scheme_step(request, pk, services.scheme_publish, "方案已发布。")


@login_required
@require_POST
def scheme_archive(request, pk):
    done = "方案已归档：仍可查阅和复制，但不能再用于启动新的评星。"
    return _scheme_step(request, pk, services.scheme_archive, done)


def _edit(request, form, save, scheme, title):
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("evaluation:scheme_detail", pk=scheme.pk)
    context = {"form": form, "scheme": scheme, "title": title}
    return render(request, "evaluation/item_form.html", context)


def _draft(request, scheme):
    if not scheme.is_draft:
        raise PermissionDenied("方案已发布，不能再修改；请复制为新方案后调整。")


@login_required
@require_http_methods(["GET", "POST"])
def scheme_edit(request, pk):
    _manager(request)
    scheme = get_object_or_404(EvaluationScheme, pk=pk)
    _draft(request, scheme)
    form = SchemeForm(request.POST or None, instance=EvaluationScheme.objects.get(pk=pk))

    def save(data):
        services.scheme_update(scheme, data, request.user)

    return _edit(request, form, save, scheme, "修改方案")


@login_required
@require_http_methods(["GET", "POST"])
def star_edit(request, pk, star_pk=None):
    _manager(request)
    scheme = get_object_or_404(EvaluationScheme, pk=pk)
    _draft(request, scheme)
    star = get_object_or_404(Star, pk=star_pk, scheme=scheme) if star_pk else None
    form = StarForm(request.POST or None, instance=star)
    title = f"修改星：{star.name}" if star else "新增星"

    def save(data):
        services.star_save(
            scheme, data, request.user, Star.objects.get(pk=star.pk) if star else None
        )

    return _edit(request, form, save, scheme, title)


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request, pk, star_pk, indicator_pk=None):
    _manager(request)
    star = get_object_or_404(Star.objects.select_related("scheme"), pk=star_pk, scheme_id=pk)
    _draft(request, star.scheme)
    indicator = get_object_or_404(Indicator, pk=indicator_pk, star=star) if indicator_pk else None
    form = IndicatorForm(request.POST or None, instance=indicator)
    title = f"修改指标：{indicator.name}" if indicator else f"新增指标（{star.name}）"

    def save(data):
        fresh = Indicator.objects.get(pk=indicator.pk) if indicator else None
        services.indicator_save(star, data, request.user, fresh)

    return _edit(request, form, save, star.scheme, title)


# --- deleting and ordering stars and indicators of a draft (HTMX swaps the stars section) -------------


def _stars_changed(request, scheme_pk, change, done: str):
    """Run `change`; HTMX gets the refreshed stars section, a plain post the scheme page again."""
    try:
        change()
        error = ""
    except ValidationError as exc:
        error = messages_of(exc)
    if wants_partial(request):
        context = {**_detail_context(request, scheme_pk), "error": error, "done": done}
        return render(request, "evaluation/_scheme_stars.html", context)
    if error:
        messages.error(request, error)
    elif done:
        messages.success(request, done)
    return redirect("evaluation:scheme_detail", pk=scheme_pk)


def _star(request, pk, star_pk) -> Star:
    _manager(request)
    return get_object_or_404(Star, pk=star_pk, scheme_id=pk)


def _indicator(request, pk, star_pk, indicator_pk) -> Indicator:
    _manager(request)
    indicators = Indicator.objects.select_related("star")
    return get_object_or_404(indicators, pk=indicator_pk, star_id=star_pk, star__scheme_id=pk)


@login_required
@require_POST
def star_delete(request, pk, star_pk):
    star = _star(request, pk, star_pk)
    return _stars_changed(
        request,
        pk,
        lambda: services.star_delete(star, request.user),
        f"已删除星“{star.name}”及其指标。",
    )


@login_required
@require_POST
def star_move(request, pk, star_pk):
    star = _star(request, pk, star_pk)
    direction = request.POST.get("direction", "")
    return _stars_changed(
        request, pk, lambda: services.star_move(star, direction, request.user), ""
    )


@login_required
@require_POST
def indicator_delete(request, pk, star_pk, indicator_pk):
    indicator = _indicator(request, pk, star_pk, indicator_pk)
    return _stars_changed(
        request,
        pk,
        lambda: services.indicator_delete(indicator, request.user),
        f"已删除指标“{indicator.name}”。",
    )


@login_required
@require_POST
def indicator_move(request, pk, star_pk, indicator_pk):
    indicator = _indicator(request, pk, star_pk, indicator_pk)
    direction = request.POST.get("direction", "")
    return _stars_changed(
        request, pk, lambda: services.indicator_move(indicator, direction, request.user), ""
    )
