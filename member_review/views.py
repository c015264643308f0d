"""Pages of 民主评议党员: secretaries run the stages, superiors see the roll-up, members their own."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core import roles
from core.access import get_in_scope, refuse, require_capability
from core.excel import xlsx_response
from core.htmx import render_partial_or_page
from core.pages import messages_of
from core.scoping import scope_for
from member_review import rules, selectors, services
from member_review.forms import ConcludeForm, FollowUpForm, OpenForm, SelfAssessmentForm
from member_review.models import Grade, MemberReview, Rectification, ReviewEntry
from orgs.models import Organization

Status = MemberReview.Status
STAGES = [s for s in Status if s != Status.CLOSED] + [Status.CLOSED]
ADVANCE_LABELS = {
    Status.SELF_ASSESSMENT: "结束自评，进入党员互评",
    Status.MUTUAL_ASSESSMENT: "结束互评，进入支委会提出意见",
    Status.GENERAL_MEETING_DECIDED: "结束本次评议",
}
PAGE_SIZE = 50


def _errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _review(request, pk, *, write=False) -> MemberReview:
    user = request.user
    return get_in_scope(
        request,
        MemberReview.objects.visible_to(user).select_related("branch"),
        writable=MemberReview.objects.writable_by(user) if write else None,
        pk=pk,
    )


def _year(request) -> int:
    try:
        return int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        return timezone.localdate().year


def _root(request):
    """The organization the roll-up starts from: chosen (if visible) or the user's top one."""
    roots = selectors.scope_roots(request.user)
    chosen = request.GET.get("org")
    if chosen and chosen.isdigit():
        root = Organization.objects.visible_to(request.user).filter(pk=chosen).first()
        if root is not None and scope_for(request.user).allows(roles.READ, root.path):
            return root, roots
    return (roots[0] if roots else None), roots


def _index_reviews(request, root, year):
    reviews = MemberReview.objects.visible_to(request.user).filter(year=year)
    if root is not None:
        reviews = reviews.filter(branch__path__startswith=root.path)
    status = request.GET.get("status")
    if status in Status.values:
        reviews = reviews.filter(status=status)
    return selectors.reviews_with_progress(reviews).order_by("branch__path")


@login_required
def index(request):
    scope = scope_for(request.user)
    if not scope.prefixes(roles.READ) and scope.member_id:
        return redirect("member_review:mine")
    require_capability(request, roles.READ)
    year = _year(request)
    root, roots = _root(request)
    rows, total = selectors.rollup(request.user, root, year) if root else ([], None)
    page = Paginator(_index_reviews(request, root, year), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for review in page:
        review.excellent_share = selectors.excellent_share(review)
        review.n_decided = sum(getattr(review, f"n_{g}") for g in Grade.values)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "year": year,
        "years": range(timezone.localdate().year + 1, timezone.localdate().year - 5, -1),
        "root": root,
        "roots": roots,
        "rows": rows,
        "total": total,
        "page": page,
        "statuses": Status.choices,
        "status": request.GET.get("status", ""),
        "grades": Grade.choices,
        "query": query.urlencode(),
        "can_open": Organization.objects.writable_by(request.user).exists(),
        "member_id": scope.member_id,
        "rectifications": selectors.open_rectifications(request.user).order_by("deadline")[:20],
        "chart": {
            "labels": [label for _, label in Grade.choices],
            "values": total.grade_list if total else [],
        },
    }
    return render_partial_or_page(
        request, "member_review/index.html", "member_review/_reviews.html", context
    )


def _share(value):
    return "" if value is None else f"{value:.1%}"


@login_required
def export(request):
    require_capability(request, roles.READ)
    year = _year(request)
    root, _ = _root(request)
    rows, total = selectors.rollup(request.user, root, year) if root else ([], None)
    grade_headers = [label for _, label in Grade.choices]
    rollup_rows = [
        [
            r.organization.name,
            r.branches,
            r.opened,
            r.closed,
            r.members,
            *r.grade_list,
            _share(r.excellent_share),
        ]
        for r in rows + ([total] if total else [])
    ]
    if total:
        rollup_rows[-1][0] = "合计"
    review_rows = []
    for review in _index_reviews(request, root, year).iterator(chunk_size=1000):
        decided = [getattr(review, f"n_{g}") for g in Grade.values]
        review_rows.append(
            [
                review.branch.name,
                review.year,
                review.get_status_display(),
                review.n_members,
                review.n_self,
                review.n_ballots,
                *decided,
                _share(selectors.excellent_share(review)),
                review.meeting_on,
            ]
        )
    grade_label, probation_label = dict(Grade.choices), dict(ReviewEntry.ProbationDecision.choices)
    outcome_label = dict(Rectification.Outcome.choices)
    member_rows = (
        [
            branch,
            name,
            "预备党员" if probationary else "正式党员",
            grade_label.get(grade, ""),
            probation_label.get(probation, ""),
            deadline,
            outcome_label.get(outcome, ""),
        ]
        for branch, name, probationary, grade, probation, deadline, outcome in selectors.decided_entries(
            request.user, root, year
        )
        .values_list(
            "review__branch__name",
            "member__name",
            "is_probationary",
            "final_grade",
            "probation_decision",
            "rectification__deadline",
            "rectification__outcome",
        )
        .iterator(chunk_size=2000)
    )
    return xlsx_response(
        f"民主评议党员{year}.xlsx",
        [
            (
                "按组织汇总",
                ["党组织", "支部数", "已开展", "已结束", "参评党员", *grade_headers, "优秀占比"],
                rollup_rows,
            ),
            (
                "各支部评议",
                [
                    "党支部",
                    "年度",
                    "阶段",
                    "参评党员",
                    "已自评",
                    "已互评",
                    *grade_headers,
                    "优秀占比",
                    "支部大会日期",
                ],
                review_rows,
            ),
            (
                "党员评议结果",
                ["党支部", "姓名", "党员类型", "评议等次", "预备党员处置", "改正期限", "改正结果"],
                member_rows,
            ),
        ],
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_open(request):
    require_capability(request, roles.WRITE)
    form = OpenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            review = services.review_open(**form.cleaned_data, actor=request.user)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, "已启动民主评议，参评党员可以提交个人自评。")
            return redirect("member_review:review_detail", pk=review.pk)
    return render(request, "member_review/open.html", {"form": form})


def _detail_context(request, review, error=None):
    entries = selectors.entries_of(review)
    can_write = MemberReview.objects.writable_by(request.user).filter(pk=review.pk).exists()
    limit = rules.excellent_limit(len(entries), review.opened_on)
    stage_index = STAGES.index(review.status)
    return {
        "review": review,
        "entries": entries,
        "can_write": can_write,
        "stages": [(s.label, i < stage_index, i == stage_index) for i, s in enumerate(STAGES)],
        "advance_label": ADVANCE_LABELS.get(review.status),
        "show_mutual": review.mutual_closed,
        "show_proposal": review.status == Status.COMMITTEE_PROPOSAL or review.is_decided,
        "proposing": can_write and review.status == Status.COMMITTEE_PROPOSAL,
        "limit": limit,
        "share": rules.share_text(review.opened_on),
        "quota_note": rules.quota_note(review.opened_on),
        "proposed_excellent": sum(e.proposed_grade == Grade.EXCELLENT for e in entries),
        "distribution": [
            (label, selectors.grade_distribution(entries)[g]) for g, label in Grade.choices
        ],
        "n_self": sum(e.self_assessed_at is not None for e in entries),
        "n_ballots": review.receipts.count(),
        "grades": Grade.choices,
        "error": error,
    }


@login_required
def review_detail(request, pk):
    review = _review(request, pk)
    return render_partial_or_page(
        request,
        "member_review/detail.html",
        "member_review/_entries.html",
        _detail_context(request, review),
    )


@login_required
@require_POST
def review_advance(request, pk):
    review = _review(request, pk, write=True)
    try:
        review = services.review_advance(review=review, actor=request.user)
        messages.success(request, f"评议已进入“{review.get_status_display()}”。")
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("member_review:review_detail", pk=pk)


@login_required
@require_POST
def review_propose(request, pk):
    review = _review(request, pk, write=True)
    proposals = {
        entry_id: {
            "grade": request.POST.get(f"grade_{entry_id}", ""),
            "note": request.POST.get(f"note_{entry_id}", ""),
        }
        for entry_id in review.entries.values_list("pk", flat=True)
    }
    error = None
    try:
        services.proposals_save(review=review, proposals=proposals, actor=request.user)
    except ValidationError as exc:
        error = messages_of(exc)
    if request.htmx:
        context = _detail_context(request, review, error)
        if error:  # keep what was chosen so the secretary can correct it
            for entry in context["entries"]:
                entry.proposed_grade = proposals[entry.pk]["grade"]
                entry.proposal_note = proposals[entry.pk]["note"]
        else:
            context["saved"] = True
        return render(request, "member_review/_entries.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, "支委会意见已保存。")
    return redirect("member_review:review_detail", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def review_decide(request, pk):
    review = _review(request, pk, write=True)
    if review.status != Status.COMMITTEE_PROPOSAL:
        messages.info(request, "支部大会审议结果在支委会提出意见后登记。")
        return redirect("member_review:review_detail", pk=pk)
    entries = selectors.entries_of(review)
    meeting_on = timezone.localdate()
    meeting_note = ""
    if request.method == "POST":
        decisions = {
            e.pk: {
                "grade": request.POST.get(f"grade_{e.pk}", ""),
                "note": request.POST.get(f"note_{e.pk}", ""),
                "probation_decision": request.POST.get(f"probation_{e.pk}", ""),
                "probation_months": request.POST.get(f"months_{e.pk}", ""),
            }
            for e in entries
        }
        meeting_note = request.POST.get("meeting_note", "")
        try:
            meeting_on = date.fromisoformat(request.POST.get("meeting_on", ""))
            services.review_decide(
                review=review,
                meeting_on=meeting_on,
                decisions=decisions,
                meeting_note=meeting_note,
                actor=request.user,
            )
        except ValueError:
            messages.error(request, "请填写支部大会日期。")
        except ValidationError as exc:
            _errors(request, exc)
        else:
            changed = review.entries.filter(record_change__isnull=False).count()
            note = f"，{changed}名预备党员的党员档案已相应更新" if changed else ""
            messages.success(request, f"已登记支部大会审议结果{note}。")
            return redirect("member_review:review_detail", pk=pk)
        for e in entries:
            e.final_grade = decisions[e.pk]["grade"]
            e.decision_note = decisions[e.pk]["note"]
            e.probation_decision = decisions[e.pk]["probation_decision"]
            e.probation_extension_months = decisions[e.pk]["probation_months"]
    else:
        for e in entries:
            e.final_grade = e.final_grade or e.proposed_grade
    context = {
        "review": review,
        "entries": entries,
        "grades": Grade.choices,
        "probation_choices": ReviewEntry.ProbationDecision.choices,
        "meeting_on": meeting_on,
        "meeting_note": meeting_note,
        "limit": rules.excellent_limit(len(entries), review.opened_on),
        "share": rules.share_text(review.opened_on),
        "months": rules.rectification_months(review.opened_on),
        "extension_months": _extension_choices(meeting_on),
    }
    return render(request, "member_review/decide.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def entry_detail(request, pk):
    """One member's entry for the committee; records a self-assessment for a member without account."""
    user = request.user
    entry = get_in_scope(
        request,
        ReviewEntry.objects.visible_to(user).select_related(
            "review__branch", "member", "rectification", "record_change"
        ),
        writable=ReviewEntry.objects.writable_by(user) if request.method == "POST" else None,
        pk=pk,
    )
    form = SelfAssessmentForm(
        request.POST or None,
        initial={"self_assessment": entry.self_assessment, "self_grade": entry.self_grade},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.self_assessment_submit(
                entry=entry,
                text=form.cleaned_data["self_assessment"],
                self_grade=form.cleaned_data["self_grade"],
                actor=user,
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, f"已代{entry.member.name}录入个人自评。")
            return redirect("member_review:review_detail", pk=entry.review_id)
    context = {
        "entry": entry,
        "form": form,
        "can_write": ReviewEntry.objects.writable_by(user).filter(pk=entry.pk).exists(),
        "show_mutual": STAGES.index(entry.review.status) >= STAGES.index(Status.COMMITTEE_PROPOSAL),
        "change": selectors.record_change_of(entry),
        "awaits_change": selectors.awaits_record_change(entry),
        "extension_months": _extension_choices(entry.review.meeting_on or timezone.localdate()),
    }
    return render(request, "member_review/entry.html", context)


def _extension_choices(on: date) -> range:
    low, high = rules.extension_bounds(on)
    return range(low, high + 1)


@login_required
@require_http_methods(["GET", "POST"])
def rectification_detail(request, pk):
    user = request.user
    writing = request.method == "POST"
    rectification = get_in_scope(
        request,
        Rectification.objects.visible_to(user).select_related(
            "entry__member", "entry__review__branch", "entry__record_change"
        ),
        writable=Rectification.objects.writable_by(user) if writing else None,
        pk=pk,
    )
    note_form = FollowUpForm(
        request.POST if request.POST.get("form") == "note" else None,
        initial={"noted_on": timezone.localdate()},
    )
    conclude_form = ConcludeForm(
        request.POST if request.POST.get("form") == "conclude" else None,
        initial={"outcome_on": timezone.localdate()},
    )
    try:
        if writing and note_form.is_bound and note_form.is_valid():
            services.follow_up_add(
                rectification=rectification, **note_form.cleaned_data, actor=user
            )
            messages.success(request, "已添加跟踪帮教记录。")
            return redirect("member_review:rectification_detail", pk=pk)
        if writing and conclude_form.is_bound and conclude_form.is_valid():
            services.rectification_conclude(
                rectification=rectification, **conclude_form.cleaned_data, actor=user
            )
            _record_message(request, "已登记处理结果", rectification.entry)
            return redirect("member_review:rectification_detail", pk=pk)
    except ValidationError as exc:
        _errors(request, exc)
    context = {
        "rectification": rectification,
        "notes": rectification.notes.all(),
        "note_form": note_form,
        "conclude_form": conclude_form,
        "can_write": Rectification.objects.writable_by(user).filter(pk=pk).exists(),
        "today": timezone.localdate(),
        "change": selectors.record_change_of(rectification.entry),
    }
    return render(request, "member_review/rectification.html", context)


def _record_message(request, done: str, entry: ReviewEntry) -> None:
    change = selectors.record_change_of(ReviewEntry.objects.get(pk=entry.pk))
    if change is None:
        messages.success(request, f"{done}。")
    else:
        messages.success(request, f"{done}，党员档案已更新：{change.summary}。")


@login_required
@require_POST
def entry_apply(request, pk):
    """Carry a decision made before outcomes were applied automatically; repeating does nothing."""
    entry = get_in_scope(
        request,
        ReviewEntry.objects.visible_to(request.user),
        writable=ReviewEntry.objects.writable_by(request.user),
        pk=pk,
    )
    try:
        change = services.outcome_apply(
            entry=entry,
            extension_months=request.POST.get("extension_months") or None,
            actor=request.user,
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        if change is None:
            messages.info(request, "该评议结果无需变更党员档案。")
        else:
            messages.success(request, f"党员档案已更新：{change.summary}。")
    return redirect("member_review:entry_detail", pk=pk)


# --- a member's own page -------------------------------------------------------------------


def _own_entry(request, review_pk) -> ReviewEntry:
    member_id = scope_for(request.user).member_id
    if not member_id:
        refuse(
            request,
            ReviewEntry,
            {"review_id": review_pk},
            "账号未关联党员档案",
            Http404("您的账号尚未关联党员档案。"),
        )
    return get_in_scope(
        request,
        ReviewEntry.objects.filter(member_id=member_id).select_related("review__branch"),
        review_id=review_pk,
    )


@login_required
def mine(request):
    scope = scope_for(request.user)
    entries = list(selectors.own_entries(request.user)) if scope.member_id else []
    voted = set(selectors.own_receipts(request.user).values_list("review_id", flat=True))
    for entry in entries:
        review = entry.review
        entry.can_self_assess = review.status == Status.SELF_ASSESSMENT
        entry.can_vote = review.status == Status.MUTUAL_ASSESSMENT and review.pk not in voted
        entry.has_voted = review.pk in voted
        entry.result_ready = review.is_decided
        entry.form = SelfAssessmentForm(
            initial={"self_assessment": entry.self_assessment, "self_grade": entry.self_grade}
        )
    return render(
        request, "member_review/mine.html", {"member_id": scope.member_id, "entries": entries}
    )


@login_required
@require_POST
def mine_self_assessment(request, pk):
    entry = _own_entry(request, pk)
    form = SelfAssessmentForm(request.POST)
    if form.is_valid():
        try:
            services.self_assessment_submit(
                entry=entry,
                text=form.cleaned_data["self_assessment"],
                self_grade=form.cleaned_data["self_grade"],
                actor=request.user,
            )
            messages.success(request, "个人自评已提交。")
        except ValidationError as exc:
            _errors(request, exc)
    else:
        messages.error(request, "请填写个人自评内容。")
    return redirect("member_review:mine")


@login_required
@require_http_methods(["GET", "POST"])
def mine_ballot(request, pk):
    entry = _own_entry(request, pk)
    review = entry.review
    peers = list(
        review.entries.exclude(pk=entry.pk).select_related("member").order_by("member__name")
    )
    voted = selectors.has_voted(review, entry.member_id)
    chosen = {}
    if request.method == "POST":
        chosen = {p.pk: request.POST.get(f"grade_{p.pk}", "") for p in peers}
        if any(not g for g in chosen.values()):
            messages.error(request, "请对每一名党员选择评价等次。")
        else:
            try:
                services.ballot_submit(
                    review=review, rater=entry.member, grades=chosen, actor=request.user
                )
            except ValidationError as exc:
                _errors(request, exc)
            else:
                messages.success(
                    request, "互评已提交。评价内容匿名保存，任何人都无法查看您的选择。"
                )
                return redirect("member_review:mine")
    for peer in peers:
        peer.chosen = chosen.get(peer.pk, "")
    context = {
        "review": review,
        "peers": peers,
        "voted": voted,
        "open": review.status == Status.MUTUAL_ASSESSMENT,
        "grades": Grade.choices,
        "back": reverse("member_review:mine"),
    }
    return render(request, "member_review/ballot.html", context)
