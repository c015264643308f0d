"""Writing the annual 五星示范 cycle: open, self-assess, submit, review, return, approve, 公示, award.

Owners of the steps: the organization's writers self-assess; writers of its superior organization
review (or return with reasons); 机关工委 administrators open the cycle, approve, publish the 公示
and award. Permission is checked before each transaction so that an audited refusal stands. Every
step is audited, kept on the rating's timeline, and the people who act next are notified.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core import audit
from core.roles import WRITE, Role
from core.scoping import scope_for
from evaluation import evidence, selectors
from evaluation.metrics import METRICS
from evaluation.models import (
    RATED_KINDS,
    EvaluationCycle,
    EvaluationScheme,
    EvidenceFile,
    Indicator,
    IndicatorScore,
    OrgRating,
    RatingEvent,
    Sector,
)
from evaluation.scoring import score_organization
from notifications.models import Notification
from notifications.recipients import Holders
from notifications.services import notify_many
from orgs.models import PATH_SEGMENT_WIDTH, Organization, OrgKind

Status, Action, Method = OrgRating.Status, RatingEvent.Action, Indicator.Method
EDITABLE = (
    Status.PENDING,
    Status.RETURNED,
)  # the organization may still change its self-assessment
REVIEWABLE = (Status.SELF_ASSESSED, Status.REVIEWED)
IN_PROGRESS = (Status.PENDING, Status.RETURNED, Status.SELF_ASSESSED, Status.REVIEWED)
MAX_NOTICE_DAYS = 30
DEMONSTRATION_STARS = 5  # five stars carry the 五星示范 title


# --- who may act -------------------------------------------------------------------------------------


def can_self_assess(user, rating: OrgRating) -> bool:
    return scope_for(user).allows(WRITE, rating.organization.path)


def can_review(user, rating: OrgRating) -> bool:
    return rating.reviewer_id is not None and scope_for(user).allows(WRITE, rating.reviewer.path)


def can_manage_cycle(user, cycle: EvaluationCycle) -> bool:
    scope = scope_for(user)
    return Role.CITY_ADMIN in scope.role_names and scope.allows(WRITE, cycle.organization.path)


def require(allowed: bool, actor, instance, message: str) -> None:
    if not allowed:
        audit.record(audit.Action.ACCESS_DENIED, actor=actor, instance=instance, detail=message)
        raise PermissionDenied(message)


def _require_running(cycle: EvaluationCycle) -> None:
    if cycle.is_closed:
        raise ValidationError(f"{cycle.year}年度评星已授星结束，不能再修改。")


# --- notifications -----------------------------------------------------------------------------------


def _notify(user_ids, *, title: str, body: str, url: str, level=Notification.Level.INFO) -> None:
    notify_many(
        Notification(
            recipient_id=user_id,
            title=title[:200],
            body=body,
            url=url,
            level=level,
            category="evaluation",
        )
        for user_id in sorted(user_ids)
    )


def _rating_url(rating: OrgRating) -> str:
    return reverse("evaluation:rating_detail", args=[rating.pk])


# --- scoring -----------------------------------------------------------------------------------------


def stars_from(scheme, scores, *, review: bool) -> int:
    """Stars earned on the scheme by a rating's scores; review figures override self figures."""
    points, vetoes, automatic = {}, set(), {}
    for score in scores:
        value, veto = score.self_points, score.self_veto
        if review:
            value = score.review_points if score.review_points is not None else value
            veto = score.review_veto if score.review_veto is not None else veto
        if value is not None:
            points[score.indicator_id] = value
        if veto:
            vetoes.add(score.indicator_id)
        if score.auto_value is not None:
            automatic[score.indicator_id] = score.auto_value
    return score_organization(scheme, points, vetoes, automatic).total_stars


def capped(promotion: str, previous: int | None, scored: int) -> int:
    """The promotion rule: one star a year at most (from last year's award), or several at once.

    An organization without last year's result is not capped; falling is never capped.
    """
    if promotion == EvaluationScheme.Promotion.ONE_PER_YEAR and previous is not None:
        return min(scored, previous + 1)
    return scored


def _points(raw, indicator: Indicator, label: str) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise ValidationError({f"points_{indicator.pk}": f"“{indicator.name}”{label}应为数字"})
    if value < 0 or value > indicator.points:
        top = f"{indicator.points.normalize():f}"
        raise ValidationError(
            {f"points_{indicator.pk}": f"“{indicator.name}”{label}应在0到{top}之间"}
        )
    return value


def _scores(rating: OrgRating) -> list[IndicatorScore]:
    return list(rating.scores.select_related("indicator", "indicator__star"))


# --- opening a cycle ---------------------------------------------------------------------------------


def rated_organizations(work_committee: Organization):
    return Organization.objects.active().filter(
        path__startswith=work_committee.path, kind__in=RATED_KINDS
    )


def cycle_open(
    *,
    organization: Organization,
    scheme: EvaluationScheme,
    self_assessment_due: date,
    review_due: date,
    approval_due: date,
    notice_days: int = 5,
    actor,
    notify: bool = True,
) -> EvaluationCycle:
    """Open a year's rating for every rated organization under the 工委, each with its indicators.

    notify=False only for loading past years (demo data, migration of earlier results).
    """
    scope = scope_for(actor)
    require(
        Role.CITY_ADMIN in scope.role_names and scope.allows(WRITE, organization.path),
        actor,
        organization,
        "只有机关工委管理员可以启动评星。",
    )
    errors = {}
    if organization.kind != OrgKind.ORGANS_WORK_COMMITTEE:
        errors["organization"] = "只有机关工委可以组织五星示范评星。"
    scheme.refresh_from_db(fields=["status"])  # the form's copy may predate an archiving
    if scheme.status == EvaluationScheme.Status.ARCHIVED:
        errors["scheme"] = f"评星方案“{scheme.name}”已归档，不能用于启动新的评星。"
    elif scheme.status != EvaluationScheme.Status.PUBLISHED:
        errors["scheme"] = "请选择已发布的评星方案。"
    elif scheme.sector != Sector.ORGANS:
        errors["scheme"] = "请选择机关领域的评星方案。"
    elif EvaluationCycle.objects.filter(organization=organization, year=scheme.year).exists():
        errors["scheme"] = f"{scheme.year}年度评星已经启动，不能重复启动。"
    if not self_assessment_due <= review_due <= approval_due:
        errors["review_due"] = "截止日期应依次为：自评截止 ≤ 审核截止 ≤ 审定截止。"
    if not 1 <= notice_days <= MAX_NOTICE_DAYS:
        errors["notice_days"] = f"公示天数应为1至{MAX_NOTICE_DAYS}天。"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Archiving locks the scheme too: whichever comes second sees the other's result.
        locked = EvaluationScheme.objects.select_for_update().get(pk=scheme.pk)
        if locked.status != EvaluationScheme.Status.PUBLISHED:
            raise ValidationError({"scheme": "评星方案已归档，不能用于启动新的评星。"})
        cycle = EvaluationCycle(
            organization=organization,
            scheme=scheme,
            year=scheme.year,
            self_assessment_due=self_assessment_due,
            review_due=review_due,
            approval_due=approval_due,
            notice_days=notice_days,
            opened_by=actor,
        )
        cycle.full_clean()
        cycle.save()
        audit.record_create(cycle, actor=actor)
        ratings = _create_ratings(cycle, actor)
    if not notify:
        return cycle
    writers = Holders(org_ids=[r.organization_id for r in ratings])
    _notify(
        {u for r in ratings for u in writers.writers(r.organization_id)},
        title=f"{cycle.year}年度五星示范评星已启动，请于{self_assessment_due:%m月%d日}前完成自评",
        body=f"评星方案：{scheme.name}。请逐项自评打分、上传或关联佐证材料后提交上级党组织审核。",
        url=reverse("evaluation:queue"),
    )
    return cycle


def _create_ratings(cycle: EvaluationCycle, actor) -> list[OrgRating]:
    committee = cycle.organization
    orgs = list(rated_organizations(committee).only("pk", "path", "parent_id").order_by("path"))
    width = PATH_SEGMENT_WIDTH + 1
    area_length = (committee.depth + 2) * width
    areas = dict(
        Organization.objects.filter(path__in={o.path[:area_length] for o in orgs}).values_list(
            "path", "pk"
        )
    )
    previous = selectors.previous_stars(committee, cycle.year, [o.pk for o in orgs])
    ratings = OrgRating.objects.bulk_create(
        [
            OrgRating(
                cycle=cycle,
                organization_id=o.pk,
                area_id=areas.get(o.path[:area_length]),
                reviewer_id=o.parent_id,
                previous_stars=previous.get(o.pk),
            )
            for o in orgs
        ],
        batch_size=1000,
    )
    indicators = list(
        Indicator.objects.filter(star__scheme=cycle.scheme).values_list("pk", flat=True)
    )
    IndicatorScore.objects.bulk_create(
        (IndicatorScore(rating_id=r.pk, indicator_id=i) for r in ratings for i in indicators),
        batch_size=2000,
    )
    RatingEvent.objects.bulk_create(
        (RatingEvent(rating_id=r.pk, action=Action.OPENED, actor=actor) for r in ratings),
        batch_size=2000,
    )
    audit.record_many(
        audit.Action.CREATE,
        ((r, {"status": [None, r.status]}) for r in ratings),
        actor=actor,
        detail=f"启动{cycle.year}年度评星",
    )
    return ratings


# --- the organization: self-assessment ---------------------------------------------------------------


def _step(rating: OrgRating, action: str, actor, note: str = "") -> None:
    RatingEvent.objects.create(rating=rating, action=action, actor=actor, note=note)


def rating_self_assess(
    *, rating: OrgRating, actor, entries: dict, summary: str | None = None
) -> OrgRating:
    """Save the organization's own points, veto declarations and evidence (not yet submitted).

    entries: {indicator id: {"points", "veto", "evidence", "activity_ids"}}; missing keys keep
    their value.
    """
    require(can_self_assess(actor, rating), actor, rating, "只有本组织可以填写自评。")
    _require_running(rating.cycle)
    if rating.status not in EDITABLE:
        raise ValidationError("自评已提交，不能再修改；如需修改，请上级党组织退回。")
    scores = _scores(rating)
    cited = {int(i) for e in entries.values() for i in (e.get("activity_ids") or [])}
    if cited:
        allowed = {
            pk for pk, _ in evidence.activity_choices(rating.organization, rating.cycle.year)
        }
        foreign = cited - allowed
        if foreign:
            raise ValidationError(
                {"activity_ids": f"只能关联本组织{rating.cycle.year}年已开展的活动记录。"}
            )
    changed = []
    for score in scores:
        entry = entries.get(score.indicator_id)
        if entry is None:
            continue
        before = audit.snapshot(score)
        indicator = score.indicator
        if indicator.method == Method.MANUAL and "points" in entry:
            score.self_points = _points(entry["points"], indicator, "自评得分")
        if indicator.method == Method.VETO and "veto" in entry:
            score.self_veto = bool(entry["veto"])
        if "evidence" in entry:
            score.evidence = (entry["evidence"] or "").strip()
        if "activity_ids" in entry:
            score.activity_ids = sorted({int(i) for i in entry["activity_ids"] or []})
        after = audit.snapshot(score)
        if after != before:
            changed.append((score, audit.diff(before, after)))
    with transaction.atomic():
        IndicatorScore.objects.bulk_update(
            [s for s, _ in changed],
            ["self_points", "self_veto", "evidence", "activity_ids"],
        )
        audit.record_many(audit.Action.UPDATE, changed, actor=actor, detail="保存自评")
        before = audit.snapshot(rating)
        if summary is not None:
            rating.summary = summary.strip()
        rating.self_stars = stars_from(rating.cycle.scheme, scores, review=False)
        rating.save(update_fields=["summary", "self_stars"])
        audit.record_update(rating, before, actor=actor, detail="保存自评")
        _step(rating, Action.SAVED, actor, f"自评{rating.self_stars}星")
    return rating


def rating_submit(*, rating: OrgRating, actor) -> OrgRating:
    """Submit the self-assessment to the superior organization for review."""
    require(can_self_assess(actor, rating), actor, rating, "只有本组织可以提交自评。")
    _require_running(rating.cycle)
    if rating.status not in EDITABLE:
        raise ValidationError("自评已提交，请等待上级党组织审核。")
    scores = _scores(rating)
    missing = [
        s.indicator.name
        for s in scores
        if s.indicator.method == Method.MANUAL and s.self_points is None
    ]
    if missing:
        raise ValidationError(f"以下指标尚未自评打分：{'、'.join(missing)}")
    _refresh_automatic(rating, scores)
    today = timezone.localdate()
    late = today > rating.cycle.self_assessment_due
    with transaction.atomic():
        before = audit.snapshot(rating)
        rating.status = Status.SELF_ASSESSED
        rating.self_stars = stars_from(rating.cycle.scheme, scores, review=False)
        rating.self_assessed_by, rating.self_assessed_at = actor, timezone.now()
        rating.save()
        audit.record_update(rating, before, actor=actor, detail="提交自评")
        _step(
            rating,
            Action.SUBMITTED,
            actor,
            f"自评{rating.self_stars}星" + ("（逾期提交）" if late else ""),
        )
    reviewers = Holders(org_ids=[rating.reviewer_id]).writers(rating.reviewer_id)
    _notify(
        reviewers,
        title=f"{rating.organization.name}已提交{rating.cycle.year}年度评星自评，请审核",
        body=f"自评{rating.self_stars}星。请于{rating.cycle.review_due:%m月%d日}前完成审核。",
        url=_rating_url(rating),
    )
    return rating


def _refresh_automatic(rating: OrgRating, scores) -> None:
    """Computed indicators of one organization, refreshed when it submits."""
    now = timezone.now()
    dirty = []
    for score in scores:
        metric = (
            METRICS.get(score.indicator.metric)
            if score.indicator.method == Method.AUTOMATIC
            else None
        )
        if metric and metric.available:
            score.auto_value = metric.compute(rating.organization, rating.cycle.year)
            score.auto_computed_at = now
            dirty.append(score)
    IndicatorScore.objects.bulk_update(dirty, ["auto_value", "auto_computed_at"])


def evidence_add(
    *, rating: OrgRating, upload, actor, indicator: Indicator | None = None
) -> EvidenceFile:
    require(can_self_assess(actor, rating), actor, rating, "只有本组织可以上传佐证材料。")
    _require_running(rating.cycle)
    if rating.status not in EDITABLE:
        raise ValidationError("自评已提交，不能再上传佐证材料；如需补充，请上级党组织退回。")
    if indicator is not None and indicator.star.scheme_id != rating.cycle.scheme_id:
        raise ValidationError({"indicator": "该指标不属于本年度评星方案。"})
    name, content_type = evidence.check_upload(upload, field="file")
    with transaction.atomic():
        item = EvidenceFile(
            rating=rating,
            indicator=indicator,
            file=upload,
            name=name,
            content_type=content_type,
            size=upload.size,
            uploaded_by=actor,
        )
        item.save()
        audit.record_create(item, actor=actor)
    return item


# --- the superior organization: review or return -----------------------------------------------------


def rating_review(*, rating: OrgRating, actor, entries: dict, comment: str) -> OrgRating:
    """The superior's points and veto findings; sets the stars proposed under the promotion rule.

    entries: {indicator id: {"points", "veto"}}; an indicator left out keeps the self figure.
    """
    require(can_review(actor, rating), actor, rating, "只有上级党组织可以审核。")
    _require_running(rating.cycle)
    if rating.status not in REVIEWABLE:
        raise ValidationError(f"当前状态为“{rating.get_status_display()}”，不能审核。")
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": "审核意见：请填写审核意见。"})
    scores = _scores(rating)
    changed = []
    for score in scores:
        entry = entries.get(score.indicator_id)
        if entry is None:
            continue
        before = audit.snapshot(score)
        if score.indicator.method == Method.MANUAL and "points" in entry:
            score.review_points = _points(entry["points"], score.indicator, "审核得分")
        if score.indicator.method == Method.VETO and "veto" in entry:
            score.review_veto = bool(entry["veto"])
        after = audit.snapshot(score)
        if after != before:
            changed.append((score, audit.diff(before, after)))
    scheme = rating.cycle.scheme
    with transaction.atomic():
        IndicatorScore.objects.bulk_update(
            [s for s, _ in changed], ["review_points", "review_veto"]
        )
        audit.record_many(audit.Action.UPDATE, changed, actor=actor, detail="审核评分")
        before = audit.snapshot(rating)
        rating.scored_stars = stars_from(scheme, scores, review=True)
        rating.proposed_stars = capped(scheme.promotion, rating.previous_stars, rating.scored_stars)
        rating.status = Status.REVIEWED
        rating.review_comment = comment
        rating.reviewed_by, rating.reviewed_at = actor, timezone.now()
        rating.save()
        audit.record_update(rating, before, actor=actor, detail="审核")
        note = f"审核得{rating.scored_stars}星，拟评{rating.proposed_stars}星"
        if rating.proposed_stars < rating.scored_stars:
            note += f"（{scheme.get_promotion_display()}，上年{rating.previous_stars}星）"
        _step(rating, Action.REVIEWED, actor, f"{note}。{comment}")
    return rating


def rating_return(*, rating: OrgRating, actor, reason: str) -> OrgRating:
    """Send the self-assessment back for revision, with the reasons (by the reviewer or the 工委)."""
    allowed = can_review(actor, rating) or can_manage_cycle(actor, rating.cycle)
    require(allowed, actor, rating, "只有上级党组织或机关工委可以退回。")
    _require_running(rating.cycle)
    if rating.status not in (Status.SELF_ASSESSED, Status.REVIEWED, Status.APPROVED):
        raise ValidationError(f"当前状态为“{rating.get_status_display()}”，不能退回。")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "退回原因：请写明需要修改的内容。"})
    with transaction.atomic():
        before = audit.snapshot(rating)
        rating.status = Status.RETURNED
        rating.return_reason = reason
        rating.scored_stars = rating.proposed_stars = None
        rating.save()
        audit.record_update(rating, before, actor=actor, detail="退回修改")
        _step(rating, Action.RETURNED, actor, reason)
    _notify(
        Holders(org_ids=[rating.organization_id]).writers(rating.organization_id),
        title=f"{rating.cycle.year}年度评星自评被退回修改",
        body=f"退回原因：{reason}",
        url=_rating_url(rating),
        level=Notification.Level.WARNING,
    )
    return rating


# --- the 工委: approve, 公示, award ------------------------------------------------------------------


def rating_approve(*, cycle: EvaluationCycle, actor, ratings=None) -> int:
    """Approve reviewed ratings (all of the cycle's, or those given); returns how many."""
    require(can_manage_cycle(actor, cycle), actor, cycle, "只有机关工委管理员可以审定。")
    _require_running(cycle)
    pool = (
        cycle.ratings.all()
        if ratings is None
        else cycle.ratings.filter(pk__in=[r.pk for r in ratings])
    )
    chosen = list(pool.filter(status=Status.REVIEWED))
    if ratings is not None and len(chosen) != len(ratings):
        raise ValidationError("只有“已审核待审定”的评星可以审定。")
    if not chosen:
        raise ValidationError("没有待审定的评星结果。")
    with transaction.atomic():
        _advance(
            chosen,
            Action.APPROVED,
            actor,
            note=lambda r: f"拟评{r.proposed_stars}星",
            detail="审定评星结果",
            status=Status.APPROVED,
            approved_at=timezone.now(),
        )
    return len(chosen)


def _advance(ratings, action, actor, *, note, detail: str, **changes) -> None:
    """Move ratings that share a status on in one UPDATE; each gets its timeline step and audit entry."""
    was = ratings[0].status
    for r in ratings:
        for name, value in changes.items():
            setattr(r, name, value)
    OrgRating.objects.filter(pk__in=[r.pk for r in ratings]).update(**changes)
    RatingEvent.objects.bulk_create(
        RatingEvent(rating=r, action=action, actor=actor, note=note(r)) for r in ratings
    )
    audit.record_many(
        audit.Action.UPDATE,
        ((r, {"status": [was, changes["status"]]}) for r in ratings),
        actor=actor,
        detail=detail,
    )


def star_label(stars: int) -> str:
    names = "零一二三四五"
    text = f"{names[stars]}星" if 0 <= stars < len(names) else f"{stars}星"
    return text + ("（五星示范）" if stars >= DEMONSTRATION_STARS else "")


def cycle_notice(*, cycle: EvaluationCycle, actor, starts_on: date | None = None):
    """Publish the approved results for 公示; objections are lodged and answered in the notice."""
    from publicity.services import notice_open

    require(can_manage_cycle(actor, cycle), actor, cycle, "只有机关工委管理员可以发布公示。")
    _require_running(cycle)
    approved = list(
        cycle.ratings.filter(status=Status.APPROVED)
        .select_related("organization")
        .order_by("-proposed_stars", "organization__path")
    )
    if not approved:
        raise ValidationError("没有已审定待公示的评星结果。")
    with transaction.atomic():
        notice = notice_open(
            title=f"{cycle.year}年度五星示范评星结果公示",
            body=(
                f"经党组织自评、上级党组织审核、{cycle.organization.name}审定，现将{len(approved)}个"
                f"党组织的拟评星级予以公示。如有异议，请在公示期内提出。"
            ),
            organization=cycle.organization,
            items=[
                (r, f"{r.organization.name} 拟评{star_label(r.proposed_stars)}") for r in approved
            ],
            days=cycle.notice_days,
            actor=actor,
            starts_on=starts_on,
        )
        _advance(
            approved,
            Action.NOTICED,
            actor,
            note=lambda r: f"公示至{notice.ends_on}",
            detail=f"公示评星结果（{notice.starts_on}至{notice.ends_on}）",
            status=Status.NOTICED,
            notice_ends_on=notice.ends_on,
        )
        before = audit.snapshot(cycle)
        cycle.status = EvaluationCycle.Status.NOTICE
        cycle.save(update_fields=["status"])
        audit.record_update(cycle, before, actor=actor, detail="发布评星公示")
    return notice


def cycle_award(*, cycle: EvaluationCycle, actor, today: date | None = None) -> dict:
    """After the 公示: award the clear results, withhold those with an upheld objection, close the year.

    Refused while a notice is still running or an objection is unanswered. Organizations that did
    not reach the 公示 get no stars this year.
    """
    from publicity.selectors import item_states

    require(can_manage_cycle(actor, cycle), actor, cycle, "只有机关工委管理员可以授星。")
    _require_running(cycle)
    today = today or timezone.localdate()
    noticed = list(cycle.ratings.filter(status=Status.NOTICED).select_related("organization"))
    if not noticed:
        raise ValidationError("没有经过公示的评星结果，不能授星。")
    running = [r for r in noticed if r.notice_ends_on and r.notice_ends_on >= today]
    if running:
        last = max(r.notice_ends_on for r in running)
        raise ValidationError(f"公示期至{last:%Y年%m月%d日}结束，公示期满后才能授星。")
    states = item_states(noticed)
    pending = [r.organization.name for r in noticed if states.get(r.pk) == "pending"]
    if pending:
        raise ValidationError(
            f"以下党组织的公示异议尚未答复，请先答复后再授星：{'、'.join(pending)}"
        )
    now = timezone.now()
    awarded, blocked = [], []
    for r in noticed:
        if states.get(r.pk) == "upheld":
            r.status, r.awarded_stars, r.title_granted = Status.BLOCKED, 0, False
            blocked.append(r)
        else:
            r.status, r.awarded_stars = Status.AWARDED, r.proposed_stars
            r.title_granted = r.proposed_stars >= DEMONSTRATION_STARS
            awarded.append(r)
        r.awarded_at = now
    unfinished = cycle.ratings.filter(status__in=[*IN_PROGRESS, Status.APPROVED]).count()
    with transaction.atomic():
        # One UPDATE per outcome (at most six star counts and the withheld): far cheaper than a
        # row-by-row bulk_update over a whole city.
        outcomes: dict[tuple, list[int]] = {}
        for r in noticed:
            outcomes.setdefault((r.status, r.awarded_stars, r.title_granted), []).append(r.pk)
        for (status, stars, title), ids in outcomes.items():
            OrgRating.objects.filter(pk__in=ids).update(
                status=status, awarded_stars=stars, title_granted=title, awarded_at=now
            )
        RatingEvent.objects.bulk_create(
            [
                RatingEvent(
                    rating=r, action=Action.AWARDED, actor=actor, note=star_label(r.awarded_stars)
                )
                for r in awarded
            ]
            + [
                RatingEvent(rating=r, action=Action.BLOCKED, actor=actor, note="公示异议成立")
                for r in blocked
            ]
        )
        audit.record_many(
            audit.Action.UPDATE,
            (
                (
                    r,
                    {
                        "status": [Status.NOTICED, r.status],
                        "awarded_stars": [None, r.awarded_stars],
                    },
                )
                for r in noticed
            ),
            actor=actor,
            detail=f"{cycle.year}年度授星",
        )
        before = audit.snapshot(cycle)
        cycle.status, cycle.closed_at = EvaluationCycle.Status.CLOSED, now
        cycle.save(update_fields=["status", "closed_at"])
        audit.record_update(cycle, before, actor=actor, detail="授星，本年度评星结束")
    writers = Holders(org_ids=[r.organization_id for r in awarded])
    for r in awarded:
        _notify(
            writers.writers(r.organization_id),
            title=f"{cycle.year}年度五星示范评星结果：{star_label(r.awarded_stars)}",
            body="评星结果已经公示无异议，正式授予。",
            url=_rating_url(r),
            level=Notification.Level.INFO,
        )
    return {"awarded": len(awarded), "blocked": len(blocked), "unfinished": unfinished}


# --- automatic indicators, for the whole cycle at once -----------------------------------------------


def cycle_score_automatic(*, cycle: EvaluationCycle, actor=None) -> int:
    """Compute every automatic indicator for all organizations still in progress; returns how many.

    Metrics are computed once for the whole set (a constant number of queries per metric), and the
    stars of ratings already scored are recomputed from the new figures.
    """
    if actor is not None:
        require(
            can_manage_cycle(actor, cycle), actor, cycle, "只有机关工委管理员可以计算平台数据指标。"
        )
    _require_running(cycle)
    scheme = selectors.scheme_detail_queryset().get(pk=cycle.scheme_id)
    automatic = [
        i for s in scheme.stars.all() for i in s.indicators.all() if i.method == Method.AUTOMATIC
    ]
    metrics = {i.metric for i in automatic if METRICS.get(i.metric) and METRICS[i.metric].available}
    if not metrics:
        return 0
    ratings = list(cycle.ratings.filter(status__in=IN_PROGRESS).select_related("organization"))
    orgs = [r.organization for r in ratings]
    values = {code: METRICS[code].compute_many(orgs, cycle.year) for code in sorted(metrics)}
    by_rating: dict[int, list[IndicatorScore]] = {}
    for score in IndicatorScore.objects.filter(rating__in=[r.pk for r in ratings]).order_by():
        by_rating.setdefault(score.rating_id, []).append(score)
    metric_of = {i.pk: i.metric for i in automatic}
    now = timezone.now()
    changed_scores, changed_ratings = [], []
    for rating in ratings:
        scores = by_rating.get(rating.pk, [])
        for score in scores:
            code = metric_of.get(score.indicator_id)
            if code in values:
                value = values[code].get(rating.organization_id)
                if value != score.auto_value:
                    score.auto_value = value
                    changed_scores.append(score)
        before = (rating.self_stars, rating.scored_stars, rating.proposed_stars)
        if any(s.self_points is not None for s in scores):
            rating.self_stars = stars_from(scheme, scores, review=False)
        if rating.status == Status.REVIEWED:
            rating.scored_stars = stars_from(scheme, scores, review=True)
            rating.proposed_stars = capped(
                scheme.promotion, rating.previous_stars, rating.scored_stars
            )
        if (rating.self_stars, rating.scored_stars, rating.proposed_stars) != before:
            changed_ratings.append(rating)
    with transaction.atomic():
        # Only what changed is written row by row; the computation time is stamped on all at once.
        IndicatorScore.objects.bulk_update(changed_scores, ["auto_value"], batch_size=2000)
        IndicatorScore.objects.filter(
            rating__in=[r.pk for r in ratings], indicator_id__in=list(metric_of)
        ).update(auto_computed_at=now)
        OrgRating.objects.bulk_update(
            changed_ratings, ["self_stars", "scored_stars", "proposed_stars"], batch_size=1000
        )
        audit.record(
            audit.Action.UPDATE,
            actor=actor,
            instance=cycle,
            detail=f"计算平台数据指标：{len(ratings)}个党组织，{len(changed_scores)}项有变化",
        )
    return len(ratings)
