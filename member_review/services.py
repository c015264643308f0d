"""Writes of 民主评议党员. Callers have already checked the user may write the branch (core.access).

Every write is audited, except the content of a mutual-assessment ballot: only its receipt is
logged, so nobody (not even the audit log) can tell who gave which grade.
"""

from datetime import date

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core import audit
from member_review import rules
from member_review.models import (
    BallotReceipt,
    FollowUpNote,
    Grade,
    MemberReview,
    RecordChange,
    Rectification,
    ReviewEntry,
)
from members import services as member_services
from members.models import Member
from orgs.models import BRANCH_KINDS

Status = MemberReview.Status
NEXT_STAGE = {
    Status.SELF_ASSESSMENT: Status.MUTUAL_ASSESSMENT,
    Status.MUTUAL_ASSESSMENT: Status.COMMITTEE_PROPOSAL,
    Status.GENERAL_MEETING_DECIDED: Status.CLOSED,
}


def _require_stage(review: MemberReview, *stages) -> None:
    if review.status not in stages:
        names = "、".join(Status(s).label for s in stages)
        raise ValidationError(
            f"本次评议当前处于“{review.get_status_display()}”阶段，此操作只能在“{names}”阶段进行。"
        )


def check_quota(review: MemberReview, excellent: int, reviewed: int) -> None:
    """R-MEM-3: 优秀 at most share × members reviewed, rounded down (see member_review.rules)."""
    limit = rules.excellent_limit(reviewed, review.opened_on)
    if excellent > limit:
        raise ValidationError(
            f"优秀等次不得超过参评党员人数的{rules.share_text(review.opened_on)}（R-MEM-3，"
            f"按人数向下取整）：本支部参评{reviewed}人，最多可评{limit}名优秀，现为{excellent}名。"
        )


@transaction.atomic
def review_open(*, branch, year: int, self_assessment_due: date, actor=None) -> MemberReview:
    """Start a branch's review of a year with an entry for every member in good standing."""
    if branch.kind not in BRANCH_KINDS:
        raise ValidationError({"branch": "民主评议党员以党支部（联合党支部）为单位开展。"})
    today = timezone.localdate()
    if not today.year - 1 <= year <= today.year:
        # A review held in January may still be last year's; never one of the future.
        raise ValidationError({"year": f"评议年度应为{today.year - 1}年或{today.year}年。"})
    if self_assessment_due < today:
        raise ValidationError({"self_assessment_due": "自评截止日期不能早于今天。"})
    review = MemberReview(
        branch=branch,
        year=year,
        opened_on=today,
        self_assessment_due=self_assessment_due,
        opened_by=actor,
    )
    try:
        review.full_clean()
    except ValidationError as exc:
        if "__all__" in getattr(exc, "error_dict", {}):
            raise ValidationError(
                f"{branch.name}{year}年度已开展民主评议党员（R-LIFE-6：一般每年一次）。"
            ) from exc
        raise
    members = list(
        Member.objects.filter(branch=branch)
        .in_good_standing()
        .only("pk", "name", "membership_kind")
        .order_by("pk")
    )
    if not members:
        raise ValidationError("该支部没有党籍状态正常的党员，无法开展评议。")
    review.save()
    entries = ReviewEntry.objects.bulk_create(
        [ReviewEntry(review=review, member=m, is_probationary=m.is_probationary) for m in members]
    )
    audit.record_create(review, actor)
    audit.record_many(
        audit.Action.CREATE,
        [(e, {"member_id": [None, e.member_id]}) for e in entries],
        actor,
        detail="启动民主评议党员：生成参评党员名单",
    )
    return review


@transaction.atomic
def self_assessment_submit(*, entry: ReviewEntry, text: str, self_grade: str = "", actor=None):
    """A member's 个人自评 (or the secretary recording it for a member without an account)."""
    entry = ReviewEntry.objects.select_for_update().select_related("review").get(pk=entry.pk)
    _require_stage(entry.review, Status.SELF_ASSESSMENT)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"self_assessment": "请填写个人自评内容。"})
    if self_grade and self_grade not in Grade.values:
        raise ValidationError({"self_grade": "自评等次无效。"})
    before = audit.snapshot(entry)
    entry.self_assessment = text
    entry.self_grade = self_grade
    entry.self_assessed_at = timezone.now()
    entry.self_assessed_by = actor
    entry.save()
    audit.record_update(entry, before, actor, detail="提交个人自评")
    return entry


@transaction.atomic
def ballot_submit(*, review: MemberReview, rater: Member, grades: dict, actor=None):
    """One member's mutual-assessment ballot: every peer graded once; only the tallies are kept."""
    review = MemberReview.objects.select_for_update().get(pk=review.pk)
    _require_stage(review, Status.MUTUAL_ASSESSMENT)
    if not review.entries.filter(member=rater).exists():
        raise ValidationError("您不在本次评议的参评党员名单中，不能参加互评。")
    if BallotReceipt.objects.filter(review=review, rater=rater).exists():
        raise ValidationError("您已提交过本次互评，不能重复提交。")
    peers = set(review.entries.exclude(member=rater).values_list("pk", flat=True))
    grades = {int(k): v for k, v in grades.items()}
    if set(grades) != peers:
        raise ValidationError("请对本支部其他每一名参评党员各评一个等次（不评价本人）。")
    if any(g not in Grade.values for g in grades.values()):
        raise ValidationError("互评等次无效。")
    for grade in Grade.values:
        ids = [pk for pk, g in grades.items() if g == grade]
        if ids:
            field = f"mutual_{grade}"
            ReviewEntry.objects.filter(pk__in=ids).update(**{field: F(field) + 1})
    receipt = BallotReceipt.objects.create(review=review, rater=rater, peers_graded=len(grades))
    audit.record(
        audit.Action.CREATE,
        actor=actor,
        instance=receipt,
        changes={"peers_graded": [None, len(grades)]},
        detail="提交互评票（匿名：不记录评价内容）",
    )
    return receipt


@transaction.atomic
def review_advance(*, review: MemberReview, actor=None) -> MemberReview:
    """Move to the next stage; the 支部大会 decision has its own service (review_decide)."""
    review = MemberReview.objects.select_for_update().get(pk=review.pk)
    if review.status not in NEXT_STAGE:
        if review.status == Status.COMMITTEE_PROPOSAL:
            raise ValidationError("请登记支部大会审议结果，审议后评议进入下一阶段。")
        raise ValidationError("本次评议已结束。")
    before = audit.snapshot(review)
    review.status = NEXT_STAGE[review.status]
    if review.status == Status.CLOSED:
        review.closed_on = timezone.localdate()
    review.save()
    audit.record_update(review, before, actor, detail=f"评议进入“{review.get_status_display()}”")
    return review


def _entries_by_pk(review, values: dict) -> dict[int, ReviewEntry]:
    entries = {e.pk: e for e in review.entries.select_for_update().select_related("member")}
    unknown = set(int(k) for k in values) - set(entries)
    if unknown:
        raise ValidationError("包含不属于本次评议的党员。")
    return entries


@transaction.atomic
def proposals_save(*, review: MemberReview, proposals: dict, actor=None) -> MemberReview:
    """支委会 proposes a grade per member: {entry_id: {"grade": ..., "note": ...}}; quota checked."""
    review = MemberReview.objects.select_for_update().get(pk=review.pk)
    _require_stage(review, Status.COMMITTEE_PROPOSAL)
    entries = _entries_by_pk(review, proposals)
    changed = []
    for pk, data in proposals.items():
        entry = entries[int(pk)]
        grade = data.get("grade") or ""
        if grade and grade not in Grade.values:
            raise ValidationError("意见等次无效。")
        before = audit.snapshot(entry)
        entry.proposed_grade = grade
        entry.proposal_note = (data.get("note") or "").strip()[:255]
        changed.append((entry, before))
    excellent = sum(1 for e in entries.values() if e.proposed_grade == Grade.EXCELLENT)
    check_quota(review, excellent, len(entries))
    for entry, before in changed:
        entry.save(update_fields=["proposed_grade", "proposal_note"])
        audit.record_update(entry, before, actor, detail="支委会提出评议等次意见")
    return review


@transaction.atomic
def review_decide(
    *,
    review: MemberReview,
    meeting_on: date,
    decisions: dict,
    meeting_note: str = "",
    actor=None,
) -> MemberReview:
    """支部大会 decides every member's grade ({entry_id: {"grade", "note", "probation_decision"}}).

    A missing grade falls back to the committee's proposal. 不合格 full members get a 限期改正 of
    R-MEM-3's period from the meeting date; 不合格 probationary members need 延长预备期 or
    取消预备党员资格 instead (the members service applies it to the record).
    """
    review = MemberReview.objects.select_for_update().get(pk=review.pk)
    _require_stage(review, Status.COMMITTEE_PROPOSAL)
    if meeting_on > timezone.localdate() or meeting_on < review.opened_on:
        raise ValidationError({"meeting_on": "支部大会日期应在评议启动之后、今天或之前。"})
    entries = _entries_by_pk(review, decisions)
    changed, problems = [], []
    for entry in entries.values():
        data = decisions.get(entry.pk) or decisions.get(str(entry.pk)) or {}
        before = audit.snapshot(entry)
        entry.final_grade = data.get("grade") or entry.proposed_grade
        entry.decision_note = (data.get("note") or "").strip()[:255]
        probation = data.get("probation_decision") or ""
        months = None
        if entry.final_grade not in Grade.values:
            problems.append(f"{entry.member.name}：请确定评议等次")
        elif entry.final_grade == Grade.UNQUALIFIED and entry.is_probationary:
            if probation not in ReviewEntry.ProbationDecision.values:
                problems.append(
                    f"{entry.member.name}为预备党员，评为不合格的应决定延长预备期或取消预备党员资格"
                )
            elif probation == ReviewEntry.ProbationDecision.EXTEND:
                months, problem = _extension_months(entry, data.get("probation_months"), meeting_on)
                if problem:
                    problems.append(problem)
        else:
            probation = ""
        entry.probation_decision = probation
        entry.probation_extension_months = months
        changed.append((entry, before))
    if problems:
        raise ValidationError(problems)
    excellent = sum(1 for e in entries.values() if e.final_grade == Grade.EXCELLENT)
    check_quota(review, excellent, len(entries))
    for entry, before in changed:
        entry.save(
            update_fields=[
                "final_grade",
                "decision_note",
                "probation_decision",
                "probation_extension_months",
            ]
        )
        audit.record_update(entry, before, actor, detail="支部大会审议确定评议等次")
        if entry.final_grade == Grade.UNQUALIFIED and not entry.is_probationary:
            rectification = Rectification.objects.create(
                entry=entry,
                started_on=meeting_on,
                deadline=rules.rectification_deadline(meeting_on),
            )
            audit.record_create(rectification, actor)
    before = audit.snapshot(review)
    review.status = Status.GENERAL_MEETING_DECIDED
    review.meeting_on = meeting_on
    review.meeting_note = (meeting_note or "").strip()
    review.save()
    audit.record_update(review, before, actor, detail="登记支部大会审议结果")
    for entry, _ in changed:
        if entry.probation_decision:
            outcome_apply(entry=entry, actor=actor)
    return review


@transaction.atomic
def follow_up_add(*, rectification: Rectification, noted_on: date, text: str, actor=None):
    if rectification.outcome != Rectification.Outcome.PENDING:
        raise ValidationError("限期改正已有处理结果，不能再添加跟踪记录。")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "请填写帮教跟踪情况。"})
    if noted_on > timezone.localdate():
        raise ValidationError({"noted_on": "日期不能晚于今天。"})
    note = FollowUpNote(rectification=rectification, noted_on=noted_on, text=text, author=actor)
    note.full_clean()
    note.save()
    audit.record_create(note, actor)
    return note


@transaction.atomic
def rectification_conclude(
    *, rectification: Rectification, outcome: str, outcome_on: date, note: str = "", actor=None
) -> Rectification:
    """改正 at any time; 劝退 or 除名 only once the period is over without change (R-MEM-3)."""
    rectification = Rectification.objects.select_for_update().get(pk=rectification.pk)
    if rectification.outcome != Rectification.Outcome.PENDING:
        raise ValidationError("该限期改正已有处理结果。")
    if outcome not in Rectification.Outcome.values or outcome == Rectification.Outcome.PENDING:
        raise ValidationError({"outcome": "请选择处理结果。"})
    if outcome_on > timezone.localdate():
        raise ValidationError({"outcome_on": "处理日期不能晚于今天。"})
    if outcome != Rectification.Outcome.CORRECTED and outcome_on < rectification.deadline:
        raise ValidationError(
            {
                "outcome": f"限期改正期满（{rectification.deadline:%Y年%m月%d日}）仍无转变的，"
                "方可劝其退党或予以除名（R-MEM-3）。"
            }
        )
    before = audit.snapshot(rectification)
    rectification.outcome = outcome
    rectification.outcome_on = outcome_on
    rectification.outcome_note = (note or "").strip()[:255]
    rectification.save()
    audit.record_update(rectification, before, actor, detail="登记限期改正处理结果")
    outcome_apply(entry=rectification.entry, actor=actor)
    return rectification


# --- carrying decisions into the member's record (R-MEM-3) ------------------------------------


def _extension_months(entry: ReviewEntry, value, on: date) -> tuple[int | None, str]:
    """The months a 延长预备期 runs (R-REC-4 bounds), or a problem naming the member."""
    low, high = rules.extension_bounds(on)
    try:
        months = int(value)
    except (TypeError, ValueError):
        months = None
    if months is None or not low <= months <= high:
        return None, f"{entry.member.name}：延长预备期须确定延长期限（{low}至{high}个月）"
    return months, ""


@transaction.atomic
def outcome_apply(
    *, entry: ReviewEntry, extension_months: int | None = None, actor=None
) -> RecordChange | None:
    """Carry the entry's decision into the member's record, once.

    除名 → 除名; 劝其退党 → 出党; 取消预备党员资格 → 出党; 延长预备期 → the new end date, kept here
    and written to the member's history; 已改正 changes nothing. Called in the transaction of the
    decision; a second call returns the first change untouched. `extension_months` fills in a
    延长预备期 decided without a length (entries recorded before lengths were asked for).
    """
    entry = (
        ReviewEntry.objects.select_for_update()
        .select_related("review__branch", "member")
        .get(pk=entry.pk)
    )
    existing = RecordChange.objects.filter(entry=entry).first()
    if existing is not None:
        return existing
    kind = entry.record_change_kind()
    if kind is None:
        return None
    Kind, review = RecordChange.Kind, entry.review
    change = RecordChange(entry=entry, member=entry.member, kind=kind, applied_by=actor)
    if kind in (Kind.REMOVED, Kind.PERSUADED_TO_LEAVE):
        rectification = entry.rectification
        change.effective_on = rectification.outcome_on
        if kind == Kind.REMOVED:
            change.status_after = Member.Status.REMOVED
            change.reason = f"{review}：评为不合格，限期改正期满仍无转变，予以除名（R-MEM-3）"
        else:
            # 劝其退党 ends the membership once the member withdraws as advised (a member who
            # refuses is removed by the 支部大会, recorded as 除名 instead). The date kept is
            # the decision's: the record cannot wait for a withdrawal the platform never sees.
            change.status_after = Member.Status.LEFT
            change.reason = f"{review}：评为不合格，限期改正期满仍无转变，劝其退党（R-MEM-3）"
    else:
        change.effective_on = review.meeting_on
        if kind == Kind.PROBATION_CANCELLED:
            # No status names a probation that ended without confirmation; 出党 (membership ended)
            # fits, the reason says why, and membership_kind stays 预备党员 as it was.
            change.status_after = Member.Status.LEFT
            change.reason = f"取消预备党员资格（{review}评为不合格）"
        else:
            _fill_extension(change, entry, extension_months)
    if change.status_after:
        member_services.member_end_by_decision(
            member=entry.member,
            status=change.status_after,
            on=change.effective_on,
            reason=change.reason,
            actor=actor,
        )
    change.full_clean()
    change.save()
    audit.record_create(change, actor)
    return change


def _fill_extension(change: RecordChange, entry: ReviewEntry, extension_months) -> None:
    """New probation end: one year from joining (R-REC-4) plus the months decided, once only."""
    earlier = RecordChange.objects.filter(
        member=entry.member, kind=RecordChange.Kind.PROBATION_EXTENDED
    ).first()
    if earlier is not None:
        raise ValidationError(
            f"{entry.member.name}的预备期已延长至{earlier.probation_ends_on:%Y年%m月%d日}，"
            "不能再次延长（延长预备期最长不超过一年）。"
        )
    months = entry.probation_extension_months
    if months is None:
        months, problem = _extension_months(entry, extension_months, change.effective_on)
        if problem:
            raise ValidationError({"extension_months": problem})
        before = audit.snapshot(entry)
        entry.probation_extension_months = months
        entry.save(update_fields=["probation_extension_months"])
        audit.record_update(entry, before, change.applied_by, detail="登记延长预备期期限")
    previous_end = rules.probation_end(entry.member.joined_on)
    change.probation_ends_on = previous_end + relativedelta(months=months)
    change.reason = (
        f"延长预备期{months}个月，至{change.probation_ends_on:%Y-%m-%d}（{entry.review}评为不合格）"
    )
    member_services.member_record_probation_extension(
        member=entry.member,
        previous_end=previous_end,
        new_end=change.probation_ends_on,
        reason=change.reason,
        actor=change.applied_by,
    )
