"""Writing 联述联评联考: rounds and their configuration, 述职 reports, anonymous ballots, 考核 results.

A round moves draft → reporting → rating → closed, each step taken by a 机关工委 administrator whose
scope covers the round's area. Casting ballots writes the anonymous Ballot rows and the rater's
receipt (Assignment.submitted_at) in one transaction, and the audit log says only that a rater cast
ballots in a round: never which grade.
"""

import random
from collections import defaultdict
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from accounts.models import RoleAssignment, User
from core import audit
from core.roles import Role
from core.uploads import check_upload
from members.models import Member
from notifications.models import Notification
from notifications.services import notify_many
from orgs.models import PATH_SEGMENT_WIDTH, Organization, OrgKind, Position, PositionKind
from secretary_review import objective, scoring
from secretary_review.models import (
    DEFAULT_BANDS,
    DEFAULT_GRADES,
    Assignment,
    Ballot,
    Level,
    RaterGroup,
    Report,
    ReportAttachment,
    Round,
)

Status = Round.Status
LEVEL_OF_KIND = {
    OrgKind.PARTY_GROUP: Level.PARTY_GROUP,
    OrgKind.PARTY_COMMITTEE: Level.PARTY_COMMITTEE,
    OrgKind.GENERAL_BRANCH: Level.BRANCH,
    OrgKind.BRANCH: Level.BRANCH,
    OrgKind.JOINT_BRANCH: Level.BRANCH,
}
SUPERIOR_POSITIONS = (PositionKind.SECRETARY, PositionKind.DEPUTY_SECRETARY)
ROUND_FIELDS = (
    "name",
    "report_due",
    "rating_due",
    "template_title",
    "template_body",
    "grades",
    "weight_superior",
    "weight_member",
    "weight_peer",
    "weight_rating",
    "weight_responsibility",
    "weight_orglife",
    "weight_stars",
    "bands",
)
BATCH = 2000


# --- who may manage ----------------------------------------------------------------------------


def manager_paths(user) -> list[str]:
    if user is None or not user.is_authenticated:
        return []
    return list(
        RoleAssignment.objects.active()
        .filter(user=user, role=Role.CITY_ADMIN)
        .values_list("organization__path", flat=True)
    )


def can_manage(user, area: Organization | None = None) -> bool:
    """A 机关工委 administrator whose organization covers the area (any area when none is given)."""
    paths = manager_paths(user)
    if area is None:
        return bool(paths)
    return any(area.path.startswith(p) for p in paths)


def require_manager(actor, area: Organization | None = None, request=None) -> None:
    if not can_manage(actor, area):
        audit.record(
            audit.Action.ACCESS_DENIED,
            actor=actor,
            request=request,
            object_type="secretary_review.round",
            detail="非本范围机关工委管理员管理联述联评联考",
        )
        raise PermissionDenied("只有本范围的机关工委管理员可以管理联述联评联考。")


# --- configuration -----------------------------------------------------------------------------


def _percent(value, name: str, errors: dict) -> None:
    if value is None or value < 0 or value > 100:
        errors[name] = "权重须在0到100之间"


def grades_errors(grades) -> str:
    if not isinstance(grades, list) or len(grades) < 2:
        return "至少设置两个测评等次"
    codes, labels = set(), set()
    for grade in grades:
        code, label, points = grade.get("code"), grade.get("label"), grade.get("points")
        if not code or not label or not isinstance(points, (int, float)):
            return "每个等次须有代码、名称和分值"
        if not 0 <= points <= 100:
            return f"等次“{label}”的分值须在0到100之间"
        if code in codes or label in labels:
            return f"等次“{label}”重复"
        codes.add(code)
        labels.add(label)
    return ""


def bands_errors(bands) -> str:
    if not isinstance(bands, list) or not bands:
        return "至少设置一个考核等次"
    labels = set()
    for band in bands:
        label, minimum = band.get("label"), band.get("min")
        if not label or not isinstance(minimum, (int, float)) or not 0 <= minimum <= 100:
            return "每个考核等次须有名称和0到100之间的分数线"
        if label in labels:
            return f"考核等次“{label}”重复"
        labels.add(label)
    return ""


def round_errors(round_: Round) -> dict:
    errors = {}
    round_.name = (round_.name or "").strip()
    if not round_.name:
        errors["name"] = "请填写名称"
    if round_.area.kind not in (OrgKind.ORGANS_WORK_COMMITTEE, OrgKind.PARTY_GROUP):
        errors["area"] = "考核范围须为机关工委（全市）或一个部门党组（党委）"
    if message := grades_errors(round_.grades):
        errors["grades"] = message
    if message := bands_errors(round_.bands):
        errors["bands"] = message
    for name in ("weight_superior", "weight_member", "weight_peer"):
        _percent(getattr(round_, name), name, errors)
    for name in ("weight_rating", "weight_responsibility", "weight_orglife", "weight_stars"):
        _percent(getattr(round_, name), name, errors)
    if not errors and not any(round_.group_weights().values()):
        errors["weight_member"] = "测评人类别的权重不能全为0"
    if not errors and not any(round_.indicator_weights().values()):
        errors["weight_rating"] = "考核公式的权重不能全为0"
    if round_.report_due and round_.rating_due and round_.rating_due < round_.report_due:
        errors["rating_due"] = "测评截止日期不能早于述职截止日期"
    return errors


def _check(round_: Round) -> None:
    errors = round_errors(round_)
    if errors:
        raise ValidationError(errors)
    round_.full_clean()


def round_create(*, actor, area: Organization, year: int, **fields) -> Round:
    """A draft round with the default grades (好/较好/一般/差), weights and bands unless given."""
    require_manager(actor, area)
    unknown = set(fields) - set(ROUND_FIELDS)
    if unknown:
        raise ValueError(f"unknown round fields {unknown}")
    fields.setdefault("name", f"{year}年度{area.short_name or area.name}三级书记联述联评联考")
    fields.setdefault("grades", [dict(g) for g in DEFAULT_GRADES])
    fields.setdefault("bands", [dict(b) for b in DEFAULT_BANDS])
    round_ = Round(area=area, year=year, created_by=actor, **fields)
    round_.grades_are_default = round_.grades == DEFAULT_GRADES
    if Round.objects.filter(area=area, year=year).exists():
        raise ValidationError({"year": f"{area.name}{year}年度的联述联评联考已存在"})
    _check(round_)
    with transaction.atomic():
        round_.save()
        audit.record_create(round_, actor=actor)
    return round_


def round_update(*, round_: Round, data: dict, actor) -> Round:
    """Configuration, while nobody has voted yet (draft or reporting): later changes would alter
    what earlier votes mean."""
    require_manager(actor, round_.area)
    if round_.status not in (Status.DRAFT, Status.REPORTING):
        raise ValidationError("测评已开始，不能再修改设置。")
    before = audit.snapshot(round_)
    for name in ROUND_FIELDS:
        if name in data:
            setattr(round_, name, data[name])
    round_.grades_are_default = round_.grades == DEFAULT_GRADES
    _check(round_)
    with transaction.atomic():
        round_.save()
        audit.record_update(round_, before, actor=actor)
    return round_


def _transition(round_: Round, expected: str, new: str, actor, detail: str) -> None:
    if round_.status != expected:
        raise ValidationError(f"当前状态为“{round_.get_status_display()}”，不能{detail}。")
    before = audit.snapshot(round_)
    round_.status = new
    if new == Status.CLOSED:
        round_.closed_at = timezone.now()
    round_.save(update_fields=["status", "closed_at"])
    audit.record_update(round_, before, actor=actor, detail=detail)


# --- participants and reports ------------------------------------------------------------------


def participants(area: Organization, on: date | None = None) -> list[tuple]:
    """(organization, secretary member id, level) of each active organization of the three levels
    under the area that has a current secretary."""
    positions = (
        Position.objects.current(on)
        .filter(
            kind=PositionKind.SECRETARY,
            organization__path__startswith=area.path,
            organization__status=Organization.Status.ACTIVE,
            organization__kind__in=list(LEVEL_OF_KIND),
        )
        .select_related("organization")
        .order_by("organization__path", "started_on", "pk")
    )
    seen, out = set(), []
    for position in positions:
        org = position.organization
        if org.pk in seen:
            continue
        seen.add(org.pk)
        out.append((org, position.member_id, LEVEL_OF_KIND[org.kind]))
    return out


def _notify_members(member_ids, title: str, body: str, url: str, key: str) -> None:
    users = User.objects.filter(member_id__in=list(member_ids), is_active=True).only("pk")
    notify_many(
        Notification(
            recipient_id=user.pk,
            title=title,
            body=body,
            url=url,
            category="secretary_review",
            dedupe_key=key,
        )
        for user in users
    )


@transaction.atomic
def round_open_reporting(*, round_: Round, actor) -> int:
    """Create a 述职 report for every current secretary of the three levels; returns how many."""
    require_manager(actor, round_.area)
    _transition(round_, Status.DRAFT, Status.REPORTING, actor, "开始述职")
    reports = [
        Report(round=round_, organization=org, secretary_id=member_id, level=level)
        for org, member_id, level in participants(round_.area)
    ]
    Report.objects.bulk_create(reports, batch_size=BATCH)
    audit.record_many(
        audit.Action.CREATE,
        [
            (r, audit.diff({}, audit.snapshot(r, ["organization_id", "secretary_id"])))
            for r in reports
        ],
        actor=actor,
        detail=f"开始述职：{round_.name}",
    )
    _notify_members(
        [r.secretary_id for r in reports],
        f"请提交{round_.year}年度述职报告",
        f"{round_.name}已开始述职"
        + (f"，截止日期 {round_.report_due:%Y-%m-%d}" if round_.report_due else "")
        + "。",
        reverse("secretary_review:mine"),
        f"secretary_review:{round_.pk}:report",
    )
    return len(reports)


def _require_author(report: Report, actor) -> None:
    member_id = getattr(actor, "member_id", None)
    if not member_id or member_id != report.secretary_id:
        raise PermissionDenied("只有述职人本人可以修改述职报告。")
    if report.round.status != Status.REPORTING:
        raise ValidationError("述职阶段已结束，不能再修改述职报告。")
    if report.is_submitted:
        raise ValidationError("述职报告已提交，不能再修改。")


@transaction.atomic
def report_update(*, report: Report, text: str, actor) -> Report:
    _require_author(report, actor)
    before = audit.snapshot(report, ["text"])
    report.text = (text or "").strip()
    report.save(update_fields=["text"])
    audit.record_update(report, before, actor=actor)
    return report


@transaction.atomic
def report_submit(*, report: Report, actor) -> Report:
    _require_author(report, actor)
    if not report.text.strip():
        raise ValidationError({"text": "请先填写述职内容再提交"})
    before = audit.snapshot(report, ["status", "submitted_at"])
    report.status = Report.Status.SUBMITTED
    report.submitted_at = timezone.now()
    report.save(update_fields=["status", "submitted_at"])
    audit.record_update(report, before, actor=actor, detail="提交述职报告")
    return report


@transaction.atomic
def attachment_add(*, report: Report, upload, actor) -> ReportAttachment:
    """Store one checked file (photos, PDF, Word; content must match the extension)."""
    _require_author(report, actor)
    name, content_type = check_upload(upload)
    attachment = ReportAttachment(
        report=report, name=name, content_type=content_type, size=upload.size
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    audit.record_create(attachment, actor=actor)
    return attachment


# --- raters ------------------------------------------------------------------------------------


def plan_assignments(round_: Round, on: date | None = None) -> list[Assignment]:
    """Raters of every report from the configuration, in a constant number of queries.

    上级领导: secretary and deputy secretaries of the parent organization; 同级: the secretaries of
    the other reports under the same parent at the same level; 党员: members in good standing of
    the organization's subtree. A group weighted 0 gets no raters; nobody rates themselves; a person
    in two groups rates once, in the first of superior, peer, member.
    """
    reports = list(round_.reports.select_related("organization"))
    weights = round_.group_weights()
    chosen: dict[tuple[int, int], str] = {}

    def add(report, rater_id, group):
        if rater_id != report.secretary_id and weights[group] > 0:
            chosen.setdefault((report.pk, rater_id), group)

    parents = {r.organization.parent_id for r in reports}
    leaders = defaultdict(list)
    for org_id, member_id in (
        Position.objects.current(on)
        .filter(organization_id__in=parents, kind__in=SUPERIOR_POSITIONS)
        .values_list("organization_id", "member_id")
    ):
        leaders[org_id].append(member_id)
    siblings = defaultdict(list)
    for report in reports:
        siblings[(report.organization.parent_id, report.level)].append(report.secretary_id)
    for report in reports:
        for member_id in leaders[report.organization.parent_id]:
            add(report, member_id, RaterGroup.SUPERIOR)
    for report in reports:
        for member_id in siblings[(report.organization.parent_id, report.level)]:
            add(report, member_id, RaterGroup.PEER)
    if weights[RaterGroup.MEMBER] > 0:
        by_path = {r.organization.path: r for r in reports}
        members = Member.objects.filter(
            status=Member.Status.ACTIVE, branch__path__startswith=round_.area.path
        ).values_list("pk", "branch__path")
        width = PATH_SEGMENT_WIDTH + 1
        for member_id, path in members.iterator(chunk_size=BATCH):
            for end in range(width, len(path) + 1, width):
                report = by_path.get(path[:end])
                if report is not None:
                    add(report, member_id, RaterGroup.MEMBER)
    return [
        Assignment(report_id=report_id, rater_id=rater_id, group=group)
        for (report_id, rater_id), group in chosen.items()
    ]


@transaction.atomic
def round_open_rating(*, round_: Round, actor) -> int:
    """Close reporting and give every rater their ballots; returns the number of assignments."""
    require_manager(actor, round_.area)
    _transition(round_, Status.REPORTING, Status.RATING, actor, "开始民主测评")
    assignments = plan_assignments(round_)
    Assignment.objects.bulk_create(assignments, batch_size=BATCH)
    # Derived in bulk from the configuration: one entry, not one per assignment.
    audit.record(
        audit.Action.CREATE,
        actor=actor,
        instance=round_,
        detail=f"生成民主测评任务 {len(assignments)} 条",
    )
    _notify_members(
        {a.rater_id for a in assignments},
        f"请参加{round_.year}年度书记述职民主测评",
        f"{round_.name}已开始民主测评（匿名）"
        + (f"，截止日期 {round_.rating_due:%Y-%m-%d}" if round_.rating_due else "")
        + "。",
        reverse("secretary_review:ballots"),
        f"secretary_review:{round_.pk}:rate",
    )
    return len(assignments)


def ballots_cast(*, actor, grades: dict[int, str]) -> int:
    """The rater's grades for reports they are assigned to (report id -> grade code).

    Ballots carry no rater and no time and are inserted in random order; the receipts are marked
    with a conditional update, so a second submission (even a concurrent one) is refused.
    """
    member_id = getattr(actor, "member_id", None)
    if not member_id:
        raise PermissionDenied("您的账号未关联党员档案，没有测评任务。")
    if not grades:
        raise ValidationError({"ballots": "请至少为一份述职选择等次"})
    with transaction.atomic():
        assignments = list(
            Assignment.objects.select_for_update()
            .filter(rater_id=member_id, report_id__in=list(grades))
            .select_related("report__round")
        )
        found = {a.report_id: a for a in assignments}
        if set(grades) - set(found):
            raise ValidationError({"ballots": "只能为分配给您的述职测评"})
        errors = []
        for report_id, code in grades.items():
            assignment = found[report_id]
            round_ = assignment.report.round
            if round_.status != Status.RATING:
                errors.append(f"{round_.name}不在测评阶段")
            elif assignment.submitted_at is not None:
                errors.append("您已为该述职测评，不能重复测评")
            elif code not in round_.grade_labels():
                errors.append("所选等次无效")
        if errors:
            raise ValidationError({"ballots": sorted(set(errors))})
        marked = Assignment.objects.filter(
            pk__in=[a.pk for a in assignments], submitted_at__isnull=True
        ).update(submitted_at=timezone.now())
        if marked != len(assignments):
            raise ValidationError({"ballots": "您已为该述职测评，不能重复测评"})
        ballots = [
            Ballot(report_id=report_id, group=found[report_id].group, grade=code)
            for report_id, code in grades.items()
        ]
        random.SystemRandom().shuffle(ballots)
        Ballot.objects.bulk_create(ballots)
        for round_ in {a.report.round for a in assignments}:
            count = sum(1 for a in assignments if a.report.round_id == round_.pk)
            audit.record(
                audit.Action.CREATE,
                actor=actor,
                instance=round_,
                detail=f"提交民主测评 {count} 份（匿名，不记录等次）",
            )
    return len(ballots)


# --- results -----------------------------------------------------------------------------------


def round_aggregate(round_: Round) -> int:
    """Rating, objective indicators, 考核 score, grade and rank of every report, in a few queries."""
    reports = list(round_.reports.select_related("organization"))
    points = {g["code"]: g["points"] for g in round_.grades}
    per_report = defaultdict(lambda: defaultdict(dict))
    rows = (
        Ballot.objects.filter(report__round=round_)
        .values_list("report_id", "group", "grade")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for report_id, group, grade, n in rows:
        per_report[report_id][group][grade] = n
    org_ids = [r.organization_id for r in reports]
    responsibility = objective.responsibility_completion(org_ids, round_.year)
    orglife = objective.orglife_completion([r.organization for r in reports], round_.year)
    stars = objective.stars_awarded(org_ids, round_.year)
    weights = round_.indicator_weights()
    for report in reports:
        distribution = per_report.get(report.pk, {})
        pooled: dict[str, int] = defaultdict(int)
        for grades in distribution.values():
            for code, n in grades.items():
                pooled[code] += n
        report.ballot_count = sum(pooled.values())
        report.distribution = {
            "grades": dict(pooled),
            "groups": {g: sum(v.values()) for g, v in distribution.items()},
        }
        scores = scoring.indicator_scores(
            scoring.rating_score(distribution, points, round_.group_weights()),
            responsibility.get(report.organization_id),
            orglife.get(report.organization_id),
            stars.get(report.organization_id),
        )
        report.rating_score = scores["rating"]
        report.responsibility_score = scores["responsibility"]
        report.orglife_score = scores["orglife"]
        report.stars_score = scores["stars"]
        report.total_score = scoring.combined_score(scores, weights)
        report.grade = scoring.grade_for(report.total_score, round_.bands)
    for level in Level.values:
        ranked = scoring.ranks([(r.pk, r.total_score) for r in reports if r.level == level])
        for report in reports:
            if report.level == level:
                report.rank = ranked.get(report.pk)
    Report.objects.bulk_update(
        reports,
        [
            "ballot_count",
            "distribution",
            "rating_score",
            "responsibility_score",
            "orglife_score",
            "stars_score",
            "total_score",
            "grade",
            "rank",
        ],
        batch_size=500,
    )
    return len(reports)


@transaction.atomic
def round_close(*, round_: Round, actor) -> Round:
    """End the rating and publish the aggregated results."""
    require_manager(actor, round_.area)
    _transition(round_, Status.RATING, Status.CLOSED, actor, "结束测评并公布结果")
    round_aggregate(round_)
    _notify_members(
        round_.reports.values_list("secretary_id", flat=True),
        f"{round_.year}年度联述联评联考结果已公布",
        f"{round_.name}已结束，可查看本人的考核结果。",
        reverse("secretary_review:mine"),
        f"secretary_review:{round_.pk}:closed",
    )
    return round_
