"""Pages of the annual cycle: overview, cycles, an organization's rating (self-assess, review), queue.

Reading goes through the scoped querysets (404 outside scope); who may take each step is decided
by evaluation.cycle_services, whose refusals are audited.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from core import roles
from core.access import get_in_scope, require_capability
from core.excel import xlsx_response
from core.files import file_response
from core.htmx import render_partial_or_page
from core.pages import messages_of
from evaluation import cycle_services as cs
from evaluation import evidence, selectors
from evaluation.forms import CycleForm, EvidenceForm, ReasonForm, score_form_entries
from evaluation.models import EvaluationCycle, EvaluationScheme, EvidenceFile, OrgRating, Sector
from orgs.models import Organization, OrgKind

STAR_COLORS = ["#adb5bd", "#f4c7a1", "#f0a860", "#e8803a", "#d9472b", "#c8161d"]


@login_required
def index(request):
    require_capability(request, roles.READ)
    return redirect("evaluation:overview")


@login_required
def overview(request):
    require_capability(request, roles.READ)
    year = request.GET.get("year", "")
    data = selectors.overview(request.user, int(year) if year.isdigit() else None)
    chart = {
        "colors": STAR_COLORS,
        "labels": [f"{n}星" if n else "未达星" for n in range(6)],
        "areas": [a["name"] for a in data["by_area"]],
        "area_stars": [[a["stars"][n] for a in data["by_area"]] for n in range(6)],
        "years": [str(y["year"]) for y in data["by_year"]],
        "year_stars": [[y["stars"][n] for y in data["by_year"]] for n in range(6)],
        "year": data["year"],
    }
    context = {
        **data,
        "chart": chart,
        "area_chart_height": 60 + 22 * max(len(data["by_area"]), 5),
        "can_manage": _can_open(request.user),
    }
    return render(request, "evaluation/overview.html", context)


def _can_open(user) -> bool:
    return (
        Organization.objects.writable_by(user).filter(kind=OrgKind.ORGANS_WORK_COMMITTEE).exists()
    )


@login_required
def cycle_list(request):
    require_capability(request, roles.READ)
    cycles = EvaluationCycle.objects.visible_to(request.user).select_related(
        "scheme", "organization"
    )
    return render(
        request,
        "evaluation/cycle_list.html",
        {"cycles": cycles, "can_open": _can_open(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def cycle_new(request):
    require_capability(request, roles.WRITE)
    committees = Organization.objects.writable_by(request.user).filter(
        kind=OrgKind.ORGANS_WORK_COMMITTEE
    )
    committee = committees.order_by("path").first()
    cs.require(committee is not None, request.user, None, "只有机关工委管理员可以启动评星。")
    taken = EvaluationCycle.objects.filter(organization=committee).values("year")
    schemes = EvaluationScheme.objects.filter(
        status=EvaluationScheme.Status.PUBLISHED, sector=Sector.ORGANS
    ).exclude(year__in=taken)
    today = timezone.localdate()
    initial = {
        "self_assessment_due": today + timedelta(days=30),
        "review_due": today + timedelta(days=45),
        "approval_due": today + timedelta(days=55),
    }
    form = CycleForm(request.POST or None, schemes=schemes, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            cycle = cs.cycle_open(organization=committee, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request, f"已启动{cycle.year}年度评星，共{cycle.ratings.count()}个党组织参评。"
            )
            return redirect("evaluation:cycle_detail", pk=cycle.pk)
    return render(request, "evaluation/cycle_form.html", {"form": form, "committee": committee})


def _cycle(request, pk) -> EvaluationCycle:
    visible = EvaluationCycle.objects.visible_to(request.user).select_related(
        "scheme", "organization"
    )
    return get_in_scope(request, visible, pk=pk)


def _cycle_ratings(request, cycle):
    ratings = OrgRating.objects.visible_to(request.user).filter(cycle=cycle)
    status = request.GET.get("status", "")
    area = request.GET.get("area", "")
    filtered = ratings
    if status in OrgRating.Status.values:
        filtered = filtered.filter(status=status)
    if area.isdigit():
        filtered = filtered.filter(area_id=int(area))
    return ratings, filtered.select_related("organization", "area", "reviewer")


@login_required
def cycle_detail(request, pk):
    require_capability(request, roles.READ)
    cycle = _cycle(request, pk)
    ratings, filtered = _cycle_ratings(request, cycle)
    page = Paginator(filtered.order_by("organization__path"), 50).get_page(request.GET.get("page"))
    areas = Organization.objects.filter(
        pk__in=ratings.order_by().values("area_id").distinct()
    ).order_by("path")
    context = {
        "cycle": cycle,
        "progress": selectors.progress(ratings),
        "page": page,
        "areas": areas,
        "statuses": OrgRating.Status.choices,
        "query": {"status": request.GET.get("status", ""), "area": request.GET.get("area", "")},
        "can_manage": cs.can_manage_cycle(request.user, cycle),
        "today": timezone.localdate(),
    }
    return render_partial_or_page(
        request, "evaluation/cycle_detail.html", "evaluation/_cycle_ratings.html", context
    )


def _cycle_action(request, pk, action, done):
    require_capability(request, roles.WRITE)
    cycle = _cycle(request, pk)
    try:
        result = action(cycle)
    except ValidationError as exc:
        messages.error(request, messages_of(exc))
    else:
        messages.success(request, done(result))
    return redirect("evaluation:cycle_detail", pk=cycle.pk)


@login_required
@require_POST
def cycle_score(request, pk):
    return _cycle_action(
        request,
        pk,
        lambda c: cs.cycle_score_automatic(cycle=c, actor=request.user),
        lambda n: f"已计算{n}个党组织的平台数据指标。",
    )


@login_required
@require_POST
def cycle_approve(request, pk):
    return _cycle_action(
        request,
        pk,
        lambda c: cs.rating_approve(cycle=c, actor=request.user),
        lambda n: f"已审定{n}个党组织的评星结果。",
    )


@login_required
@require_POST
def cycle_notice(request, pk):
    return _cycle_action(
        request,
        pk,
        lambda c: cs.cycle_notice(cycle=c, actor=request.user),
        lambda notice: f"已发布公示，公示期至{notice.ends_on:%Y年%m月%d日}。",
    )


@login_required
@require_POST
def cycle_award(request, pk):
    def done(result):
        text = f"已授星{result['awarded']}个党组织"
        if result["blocked"]:
            text += f"，{result['blocked']}个因异议成立不授星"
        if result["unfinished"]:
            text += f"；{result['unfinished']}个未完成评定流程，本年度不授星"
        return text + "。"

    return _cycle_action(request, pk, lambda c: cs.cycle_award(cycle=c, actor=request.user), done)


EXPORT_HEADERS = (
    "党组织",
    "所属部门",
    "审核组织",
    "状态",
    "上年星级",
    "自评星级",
    "审核得星",
    "拟评星级",
    "授予星级",
    "五星示范",
    "自评提交时间",
    "审核时间",
    "审核意见",
    "退回原因",
)


@login_required
def cycle_export(request, pk):
    require_capability(request, roles.READ)
    cycle = _cycle(request, pk)
    _, filtered = _cycle_ratings(request, cycle)

    def local(value):
        return timezone.localtime(value).replace(tzinfo=None) if value else ""

    rows = (
        (
            r.organization.name,
            r.area.name if r.area else "",
            r.reviewer.name if r.reviewer else "",
            r.get_status_display(),
            r.previous_stars,
            r.self_stars,
            r.scored_stars,
            r.proposed_stars,
            r.awarded_stars,
            "是" if r.title_granted else "",
            local(r.self_assessed_at),
            local(r.reviewed_at),
            r.review_comment,
            r.return_reason,
        )
        for r in filtered.order_by("organization__path").iterator(chunk_size=1000)
    )
    return xlsx_response(
        f"{cycle.year}年度五星示范评星结果.xlsx", [("评星结果", EXPORT_HEADERS, rows)]
    )


# --- one organization's rating ---------------------------------------------------------------------


def _rating(request, pk, write=False) -> OrgRating:
    visible = selectors.rating_queryset().visible_to(request.user)
    writable = OrgRating.objects.writable_by(request.user) if write else None
    return get_in_scope(request, visible, writable=writable, pk=pk)


def _by_star(scores):
    stars = []
    for score in scores:
        star = score.indicator.star
        if not stars or stars[-1]["star"].pk != star.pk:
            stars.append({"star": star, "scores": []})
        stars[-1]["scores"].append(score)
    return stars


def next_step(rating) -> tuple[str, str, object] | None:
    """(step, owner, deadline) of what the rating waits for; None once decided."""
    Status, cycle = OrgRating.Status, rating.cycle
    steps = {
        Status.PENDING: ("自评", rating.organization.name, cycle.self_assessment_due),
        Status.RETURNED: ("修改自评", rating.organization.name, cycle.self_assessment_due),
        Status.SELF_ASSESSED: ("审核", getattr(rating.reviewer, "name", "—"), cycle.review_due),
        Status.REVIEWED: ("审定", cycle.organization.name, cycle.approval_due),
        Status.APPROVED: ("公示", cycle.organization.name, cycle.approval_due),
        Status.NOTICED: ("授星", cycle.organization.name, rating.notice_ends_on),
    }
    return None if cycle.is_closed else steps.get(rating.status)


def _rating_context(request, rating, **extra):
    from publicity.selectors import notice_for

    user = request.user
    scores = selectors.rating_scores(rating)
    labels = evidence.activity_labels(i for s in scores for i in s.activity_ids)
    for score in scores:
        score.activities = [(i, labels.get(i, f"活动{i}（已删除）")) for i in score.activity_ids]
    running = not rating.cycle.is_closed
    Status = OrgRating.Status
    return {
        "rating": rating,
        "cycle": rating.cycle,
        "stars": _by_star(scores),
        "files": list(rating.files.select_related("indicator")),
        "events": list(rating.events.select_related("actor")),
        "notice": notice_for(rating) if rating.status not in cs.IN_PROGRESS else None,
        "can_edit": running and rating.status in cs.EDITABLE and cs.can_self_assess(user, rating),
        "can_review": running and rating.status in cs.REVIEWABLE and cs.can_review(user, rating),
        "can_return": running
        and rating.status in (Status.SELF_ASSESSED, Status.REVIEWED, Status.APPROVED)
        and (cs.can_review(user, rating) or cs.can_manage_cycle(user, rating.cycle)),
        "can_approve": running
        and rating.status == Status.REVIEWED
        and cs.can_manage_cycle(user, rating.cycle),
        "reason_form": ReasonForm(),
        "next_step": next_step(rating),
        "today": timezone.localdate(),
        "accept": evidence.ACCEPT,
        **extra,
    }


@login_required
def rating_detail(request, pk):
    require_capability(request, roles.READ)
    rating = _rating(request, pk)
    return render(request, "evaluation/rating_detail.html", _rating_context(request, rating))


@login_required
@require_http_methods(["GET", "POST"])
def rating_self_assess(request, pk):
    require_capability(request, roles.WRITE)
    rating = _rating(request, pk, write=True)
    error = ""
    if request.method == "POST":
        scores = selectors.rating_scores(rating)
        entries = score_form_entries(request.POST, scores, review=False)
        try:
            cs.rating_self_assess(
                rating=rating,
                actor=request.user,
                entries=entries,
                summary=request.POST.get("summary", ""),
            )
            if "submit" in request.POST:
                cs.rating_submit(rating=rating, actor=request.user)
                messages.success(request, "自评已提交上级党组织审核。")
            else:
                messages.success(
                    request, f"自评已保存（当前自评{rating.self_stars}星），可继续修改后提交。"
                )
        except ValidationError as exc:
            error = messages_of(exc)
        else:
            url = reverse("evaluation:rating_detail", args=[rating.pk])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    context = _rating_context(request, rating, error=error)
    choices = evidence.activity_choices(rating.organization, rating.cycle.year)
    posted = request.POST if error else None
    for group in context["stars"]:
        for score in group["scores"]:
            _form_values(score, posted, choices)
    return render_partial_or_page(
        request, "evaluation/rating_form.html", "evaluation/_self_assess_form.html", context
    )


def _form_values(score, posted, choices=None, review=False) -> None:
    """What the form shows for one indicator: the posted values after an error, else the saved ones."""
    pk = score.indicator_id
    if review:
        points = score.review_points if score.review_points is not None else score.self_points
        veto = score.review_veto if score.review_veto is not None else score.self_veto
    else:
        points, veto = score.self_points, score.self_veto
    if posted is not None:
        score.form_points = posted.get(f"points_{pk}", "")
        score.form_veto = posted.get(f"veto_{pk}") == "on"
        score.form_evidence = posted.get(f"evidence_{pk}", "")
        cited = {int(v) for v in posted.getlist(f"activities_{pk}") if v.isdigit()}
    else:
        score.form_points = "" if points is None else f"{points.normalize():f}"
        score.form_veto = veto
        score.form_evidence = score.evidence
        cited = set(score.activity_ids)
    score.form_activities = [(i, label, i in cited) for i, label in choices or ()]


@login_required
@require_http_methods(["GET", "POST"])
def rating_review(request, pk):
    require_capability(request, roles.WRITE)
    rating = _rating(request, pk, write=True)
    error = ""
    if request.method == "POST":
        scores = selectors.rating_scores(rating)
        entries = score_form_entries(request.POST, scores, review=True)
        try:
            cs.rating_review(
                rating=rating,
                actor=request.user,
                entries=entries,
                comment=request.POST.get("comment", ""),
            )
        except ValidationError as exc:
            error = messages_of(exc)
        else:
            messages.success(request, f"已审核：拟评{rating.proposed_stars}星。")
            return redirect("evaluation:rating_detail", pk=rating.pk)
    context = _rating_context(request, rating, error=error)
    posted = request.POST if error else None
    for group in context["stars"]:
        for score in group["scores"]:
            _form_values(score, posted, review=True)
    return render(request, "evaluation/rating_review.html", context)


@login_required
@require_POST
def rating_return(request, pk):
    require_capability(request, roles.WRITE)
    rating = _rating(request, pk, write=True)
    try:
        cs.rating_return(rating=rating, actor=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, "已退回修改，并通知该党组织。")
    except ValidationError as exc:
        messages.error(request, messages_of(exc))
    return redirect("evaluation:rating_detail", pk=rating.pk)


@login_required
@require_POST
def rating_approve(request, pk):
    require_capability(request, roles.WRITE)
    rating = _rating(request, pk, write=True)
    try:
        cs.rating_approve(cycle=rating.cycle, actor=request.user, ratings=[rating])
        messages.success(request, "已审定。")
    except ValidationError as exc:
        messages.error(request, messages_of(exc))
    return redirect("evaluation:rating_detail", pk=rating.pk)


@login_required
@require_POST
def evidence_upload(request, pk):
    require_capability(request, roles.WRITE)
    rating = _rating(request, pk, write=True)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择要上传的文件。")
    else:
        indicator = None
        if form.cleaned_data["indicator"]:
            indicator = next(
                (
                    s.indicator
                    for s in selectors.rating_scores(rating)
                    if s.indicator_id == form.cleaned_data["indicator"]
                ),
                None,
            )
        try:
            item = cs.evidence_add(
                rating=rating,
                upload=form.cleaned_data["file"],
                actor=request.user,
                indicator=indicator,
            )
            messages.success(request, f"已上传“{item.name}”。")
        except ValidationError as exc:
            messages.error(request, messages_of(exc))
    return redirect("evaluation:rating_self_assess", pk=rating.pk)


@login_required
def evidence_download(request, pk):
    require_capability(request, roles.READ)
    ratings = OrgRating.objects.visible_to(request.user)
    item = get_in_scope(request, EvidenceFile.objects.filter(rating__in=ratings), pk=pk)
    return file_response(item.file, name=item.name, content_type=item.content_type)


@login_required
def queue(request):
    require_capability(request, roles.READ)
    return render(request, "evaluation/queue.html", selectors.queue(request.user))


@login_required
def org_card(request, pk):
    require_capability(request, roles.READ)
    org = get_in_scope(request, Organization.objects.visible_to(request.user), pk=pk)
    history = selectors.organization_history(org)
    latest = next((r for r in history if r.awarded_stars is not None), None)
    files = []
    if history:
        files = list(history[0].files.all())
    return render(
        request,
        "evaluation/org_card.html",
        {"org": org, "history": history, "latest": latest, "files": files, "colors": STAR_COLORS},
    )
