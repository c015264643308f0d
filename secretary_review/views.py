"""Pages of 联述联评联考: rounds (管理员), the secretary's own page, the rater's ballots, results.

Every object is fetched through the scoped querysets (404 outside scope, audited). Results pages and
exports show aggregates only and only for closed rounds.
"""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core import audit
from core.access import get_in_scope
from core.excel import xlsx_response
from core.files import file_response
from core.pages import errors_to_form, messages_of
from core.scoping import scope_for
from secretary_review import objective, selectors, services, word
from secretary_review.forms import ReportForm, RoundForm
from secretary_review.models import Level, Report, ReportAttachment, Round

RATED = (Round.Status.RATING, Round.Status.CLOSED)
ACTIONS = {
    "open_reporting": (services.round_open_reporting, "已开始述职，已通知各级书记。"),
    "open_rating": (services.round_open_rating, "已开始民主测评，已通知测评人。"),
    "close": (services.round_close, "测评已结束，结果已公布。"),
}
# The round form edits the grade and band tables as text.
TEXT_FIELDS = {"grades": "grades_text", "bands": "bands_text"}


def _round(request, pk) -> Round:
    return get_in_scope(
        request, Round.objects.visible_to(request.user).select_related("area"), pk=pk
    )


@login_required
def index(request):
    member_id = scope_for(request.user).member_id
    context = {
        "rounds": selectors.rounds_for(request.user),
        "can_manage": services.can_manage(request.user),
        "open_ballots": selectors.open_assignments(request.user)
        .filter(submitted_at__isnull=True)
        .count(),
        "own_reports": selectors.own_reports(member_id).exclude(round__status=Round.Status.DRAFT),
    }
    return render(request, "secretary_review/index.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def round_create(request):
    services.require_manager(request.user, request=request)
    form = RoundForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            round_ = services.round_create(
                actor=request.user,
                area=form.cleaned_data["area"],
                year=form.cleaned_data["year"],
                **form.service_data(),
            )
        except ValidationError as exc:
            errors_to_form(form, exc, TEXT_FIELDS)
        else:
            messages.success(request, "已新建联述联评联考（筹备中），可调整设置后开始述职。")
            return redirect("secretary_review:round_detail", pk=round_.pk)
    if request.method == "GET":
        form.initial.setdefault("year", timezone.localdate().year)
    return render(request, "secretary_review/round_form.html", {"form": form, "round": None})


@login_required
@require_http_methods(["GET", "POST"])
def round_edit(request, pk):
    round_ = _round(request, pk)
    services.require_manager(request.user, round_.area, request)
    form = RoundForm(request.POST or None, instance=Round.objects.get(pk=pk), user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.round_update(round_=round_, data=form.service_data(), actor=request.user)
        except ValidationError as exc:
            errors_to_form(form, exc, TEXT_FIELDS)
        else:
            messages.success(request, "已保存。")
            return redirect("secretary_review:round_detail", pk=pk)
    return render(request, "secretary_review/round_form.html", {"form": form, "round": round_})


@login_required
def round_detail(request, pk):
    round_ = _round(request, pk)
    reports = list(selectors.reports_for(request.user, round_))
    counts = selectors.progress(round_, [r.pk for r in reports]) if round_.status in RATED else {}
    for report in reports:
        report.rated, report.raters = counts.get(report.pk, (0, 0))
    totals = {"n": len(reports), "submitted": sum(r.is_submitted for r in reports)}
    context = {
        "round": round_,
        "reports": reports,
        "totals": totals,
        "can_manage": services.can_manage(request.user, round_.area),
        "levels": dict(Level.choices),
        "placeholders": word.PLACEHOLDERS,
    }
    return render(request, "secretary_review/round_detail.html", context)


@login_required
@require_POST
def round_action(request, pk, action):
    round_ = _round(request, pk)
    services.require_manager(request.user, round_.area, request)
    if action not in ACTIONS:
        raise PermissionDenied("未知操作。")
    service, done = ACTIONS[action]
    try:
        service(round_=round_, actor=request.user)
        messages.success(request, done)
    except ValidationError as exc:
        messages.error(request, messages_of(exc))
    return redirect("secretary_review:round_detail", pk=pk)


def _results(request, round_):
    reports = selectors.results(
        Report.objects.results_visible_to(request.user)
        .filter(round=round_)
        .select_related("organization", "secretary", "round")
    )
    by_level = {level: [] for level in Level.values}
    for report in reports:
        by_level[report.level].append(report)
    return by_level


@login_required
def round_results(request, pk):
    round_ = _round(request, pk)
    by_level = _results(request, round_) if round_.is_closed else {}
    grades = {}
    for rows in by_level.values():
        for report in rows:
            if report.grade:
                grades[report.grade] = grades.get(report.grade, 0) + 1
    context = {
        "round": round_,
        "levels": [(Level(level).label, rows) for level, rows in by_level.items() if rows],
        "chart": {
            "labels": [b["label"] for b in round_.bands],
            "values": [grades.get(b["label"], 0) for b in round_.bands],
        },
    }
    return render(request, "secretary_review/round_results.html", context)


EXPORT_HEADERS = [
    "层级",
    "同层级排名",
    "党组织",
    "书记",
    "有效票数",
    "民主测评得分",
    "责任清单得分",
    "组织生活得分",
    "星级得分",
    "考核得分",
    "考核等次",
]


@login_required
def round_export(request, pk):
    round_ = _round(request, pk)
    if not round_.is_closed:
        raise PermissionDenied("测评结束后才能导出结果。")
    rows = [
        [
            report.get_level_display(),
            report.rank,
            report.organization.name,
            report.secretary.name,
            report.ballot_count,
            report.rating_score,
            report.responsibility_score,
            report.orglife_score,
            report.stars_score,
            report.total_score,
            report.grade,
        ]
        for level_rows in _results(request, round_).values()
        for report in level_rows
    ]
    audit.record(
        audit.Action.EXPORT, instance=round_, request=request, detail=f"导出考核结果 {len(rows)} 条"
    )
    return xlsx_response(f"{round_.name}考核结果.xlsx", [("考核结果", EXPORT_HEADERS, rows)])


# --- reports -----------------------------------------------------------------------------------


def _report(request, pk, write=False) -> Report:
    visible = Report.objects.visible_to(request.user).select_related(
        "round", "organization", "secretary"
    )
    writable = Report.objects.writable_by(request.user) if write else None
    return get_in_scope(request, visible, writable=writable, pk=pk)


@login_required
def report_detail(request, pk):
    report = _report(request, pk)
    is_author = report.secretary_id == scope_for(request.user).member_id
    shows_result = (
        report.round.is_closed
        and Report.objects.results_visible_to(request.user).filter(pk=report.pk).exists()
    )
    context = {
        "report": report,
        "is_author": is_author,
        "can_edit": is_author
        and report.round.status == Round.Status.REPORTING
        and not report.is_submitted,
        "form": ReportForm(initial={"text": report.text}),
        "attachments": report.attachments.all(),
        "shows_result": shows_result,
        "breakdown": selectors.grade_breakdown(report) if shows_result else [],
        "min_distribution": selectors.MIN_DISTRIBUTION,
    }
    return render(request, "secretary_review/report_detail.html", context)


@login_required
@require_POST
def report_edit(request, pk):
    report = _report(request, pk, write=True)
    form = ReportForm(request.POST)
    form.is_valid()
    try:
        services.report_update(
            report=report, text=form.cleaned_data.get("text", ""), actor=request.user
        )
        if "submit" in request.POST:
            services.report_submit(report=report, actor=request.user)
            messages.success(request, "述职报告已提交。")
        else:
            messages.success(request, "已保存草稿。")
    except ValidationError as exc:
        messages.error(request, messages_of(exc))
    return redirect("secretary_review:report_detail", pk=pk)


@login_required
def report_docx(request, pk):
    report = _report(request, pk)
    response = HttpResponse(word.report_docx(report), content_type=word.DOCX_CONTENT_TYPE)
    filename = quote(
        f"{report.round.year}年度述职报告-{report.organization.name}-{report.secretary.name}.docx"
    )
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


@login_required
@require_POST
def report_attachment_upload(request, pk):
    report = _report(request, pk, write=True)
    uploads = request.FILES.getlist("attachments")
    if not uploads:
        messages.error(request, "请选择要上传的文件。")
        return redirect("secretary_review:report_detail", pk=pk)
    try:
        for upload in uploads:
            services.attachment_add(report=report, upload=upload, actor=request.user)
        messages.success(request, f"已上传{len(uploads)}个附件。")
    except ValidationError as exc:
        messages.error(request, messages_of(exc))
    return redirect("secretary_review:report_detail", pk=pk)


@login_required
def report_attachment_download(request, pk):
    visible = ReportAttachment.objects.filter(report__in=Report.objects.visible_to(request.user))
    attachment = get_in_scope(request, visible, pk=pk)
    return file_response(
        attachment.file,
        name=attachment.name,
        content_type=attachment.content_type,
        preview=False,
    )


# --- the secretary's own page and the rater's ballots ------------------------------------------


@login_required
def mine(request):
    """The logged-in secretary's positions, responsibility lists, 述职 reports and results."""
    scope = scope_for(request.user)
    year = timezone.localdate().year
    positions = selectors.own_positions(scope.member_id)
    lists = objective.responsibility_lists(request.user.member, year) if scope.member_id else []
    reports = list(selectors.own_reports(scope.member_id).exclude(round__status=Round.Status.DRAFT))
    for report in reports:
        report.breakdown = selectors.grade_breakdown(report)
    context = {
        "member": request.user.member if scope.member_id else None,
        "positions": positions,
        "lists": lists,
        "reports": reports,
        "year": year,
    }
    return render(request, "secretary_review/mine.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def ballots(request):
    """Every open ballot of the logged-in user; grades go straight into anonymous ballots."""
    assignments = list(selectors.open_assignments(request.user))
    if request.method == "POST":
        grades = {}
        for assignment in assignments:
            code = request.POST.get(f"grade-{assignment.report_id}")
            if code and assignment.submitted_at is None:
                grades[assignment.report_id] = code
        try:
            count = services.ballots_cast(actor=request.user, grades=grades)
        except ValidationError as exc:
            messages.error(request, messages_of(exc))
        else:
            messages.success(request, f"已匿名提交 {count} 份测评。")
        return redirect("secretary_review:ballots")
    rounds = {}
    for assignment in assignments:
        rounds.setdefault(assignment.report.round, []).append(assignment)
    context = {
        "rounds": [
            (round_, rows, sum(1 for a in rows if a.submitted_at is None))
            for round_, rows in rounds.items()
        ],
        "has_member": bool(scope_for(request.user).member_id),
    }
    return render(request, "secretary_review/ballots.html", context)
