"""Writes of 双优: configure a round, nominate, review, publish the 公示, award. Every write is audited.

机关工委 administrators of the round's 工委 configure and run it; any writer nominates organizations and
members under their own organizations, within the area's quota.
"""

import functools
import inspect
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core import audit, roles
from core.scoping import scope_for
from core.uploads import check_upload
from dual_excellence.models import AREA_KINDS, Category, Nomination, Quota, Round
from members.models import Member
from orgs.models import Organization, OrgKind
from publicity import selectors as publicity_selectors
from publicity import services as publicity

# DOMAIN.md "Not known yet": 双优 as 党建工作优 and 服务发展（业务工作）优, from the customer's 2018 speech.
DEFAULT_CATEGORIES = (
    ("党建工作优", "党建工作责任落实、组织生活规范、党员作用发挥突出。", 50),
    ("服务发展优", "服务中心工作、推动业务发展（业务工作）成效显著。", 50),
)
DEFAULT_NOTICE_DAYS = 7  # *unverified*: local practice, kept per round and editable
ROUND_FIELDS = ("name", "nomination_deadline", "notice_days", "description")
CATEGORY_FIELDS = ("order", "name", "description", "honours", "weight", "org_quota", "member_quota")
Status = Round.Status
NStatus = Nomination.Status


# --- who may do what ---------------------------------------------------------------------------
def can_manage(user, round_: Round | None = None, organization=None) -> bool:
    """机关工委 administrators of the round's (or the given) 工委."""
    scope = scope_for(user)
    if roles.Role.CITY_ADMIN not in scope.role_names:
        return False
    org = round_.organization if round_ is not None else organization
    return org is None or scope.allows(roles.WRITE, org.path)


def require_manager(actor, round_: Round | None = None, organization=None, request=None) -> None:
    if not can_manage(actor, round_, organization):
        audit.record(
            audit.Action.ACCESS_DENIED,
            actor=actor,
            request=request,
            object_type="dual_excellence.round",
            object_id=str(round_.pk) if round_ else "",
            detail="非机关工委管理员操作双优评选",
        )
        raise PermissionDenied("只有机关工委管理员可以设置和组织双优评选。")


def managed(service):
    """Check the actor (and the round, if any) before the transaction: the audited refusal stays."""
    signature = inspect.signature(service)

    @functools.wraps(service)
    def wrapper(*args, **kwargs):
        arguments = signature.bind(*args, **kwargs).arguments
        round_ = arguments.get("round_")
        for holder in ("category", "nomination"):
            if round_ is None and arguments.get(holder) is not None:
                round_ = arguments[holder].round
        require_manager(arguments["actor"], round_, arguments.get("organization"))
        with transaction.atomic():
            return service(*args, **kwargs)

    return wrapper


def work_committees_for(user):
    """The 机关工委 a city administrator runs rounds for."""
    scope = scope_for(user)
    if roles.Role.CITY_ADMIN not in scope.role_names:
        return Organization.objects.none()
    return Organization.objects.filter(
        scope.q("path", roles.WRITE), kind=OrgKind.ORGANS_WORK_COMMITTEE
    ).order_by("path")


def areas_of(round_: Round):
    """片区: the 部门党组（党委） directly under the round's 工委."""
    return Organization.objects.filter(
        parent=round_.organization, kind__in=AREA_KINDS, status=Organization.Status.ACTIVE
    ).order_by("sort_order", "path")


def area_for(round_: Round, path: str) -> Organization | None:
    """The area an organization path lies in, if any."""
    for area in areas_of(round_):
        if path.startswith(area.path):
            return area
    return None


def quota_for(category: Category, area) -> tuple[int, int]:
    """(organizations, members) an area may nominate for a category."""
    own = category.quotas.filter(area=area).first()
    if own is not None:
        return own.org_quota, own.member_quota
    return category.org_quota, category.member_quota


def _create(instance, actor):
    instance.full_clean()
    instance.save()
    audit.record_create(instance, actor=actor)
    return instance


def _set_status(round_: Round, status: str, actor, detail: str, **fields) -> Round:
    before = audit.snapshot(round_)
    round_.status = status
    for name, value in fields.items():
        setattr(round_, name, value)
    round_.save()
    audit.record_update(round_, before, actor=actor, detail=detail)
    return round_


def _require_status(round_: Round, *allowed, doing: str) -> None:
    if round_.status not in allowed:
        raise ValidationError(f"评选当前为“{round_.get_status_display()}”阶段，不能{doing}。")


def _unique_year(organization, year: int) -> None:
    if Round.objects.filter(organization=organization, year=year).exists():
        raise ValidationError({"year": f"{year}年度的双优评选已存在，请直接修改或复制。"})


# --- configuring a round -----------------------------------------------------------------------
@managed
def round_create_default(*, organization, year: int, actor) -> Round:
    """A draft round with the default categories (党建工作优, 服务发展优), marked as editable defaults."""
    if organization.kind != OrgKind.ORGANS_WORK_COMMITTEE:
        raise ValidationError({"organization": "双优评选由机关工委组织，请选择机关工委。"})
    _unique_year(organization, year)
    round_ = _create(
        Round(
            organization=organization,
            year=year,
            name=f"{year}年度“双优”评选",
            nomination_deadline=date(year, 11, 30),
            notice_days=DEFAULT_NOTICE_DAYS,
            created_by=actor,
        ),
        actor,
    )
    for order, (name, description, weight) in enumerate(DEFAULT_CATEGORIES, start=1):
        _create(
            Category(
                round=round_,
                order=order,
                name=name,
                description=description,
                weight=weight,
                is_default=True,
            ),
            actor,
        )
    return round_


@managed
def round_copy(*, round_: Round, year: int, actor) -> Round:
    """Next year's draft with the same categories, weights and area quotas."""
    _unique_year(round_.organization, year)
    name = round_.name.replace(str(round_.year), str(year))
    deadline = round_.nomination_deadline
    try:
        deadline = deadline.replace(year=deadline.year + year - round_.year)
    except ValueError:  # 29 February
        deadline = deadline - timedelta(days=1)
        deadline = deadline.replace(year=deadline.year + year - round_.year)
    copy = _create(
        Round(
            organization=round_.organization,
            year=year,
            name=name if name != round_.name else f"{round_.name} {year}",
            nomination_deadline=deadline,
            notice_days=round_.notice_days,
            description=round_.description,
            copied_from=round_,
            created_by=actor,
        ),
        actor,
    )
    for category in round_.categories.prefetch_related("quotas"):
        fields = {f: getattr(category, f) for f in CATEGORY_FIELDS}
        new = _create(Category(round=copy, is_default=category.is_default, **fields), actor)
        for quota in category.quotas.all():
            _create(
                Quota(
                    category=new,
                    area_id=quota.area_id,
                    org_quota=quota.org_quota,
                    member_quota=quota.member_quota,
                ),
                actor,
            )
    return copy


def _apply(instance, data: dict, fields, actor, detail=""):
    before = audit.snapshot(instance) if instance.pk else None
    for name in fields:
        if name in data:
            value = data[name]
            setattr(instance, name, value.strip() if isinstance(value, str) else value)
    instance.full_clean()
    instance.save()
    if before is None:
        audit.record_create(instance, actor=actor)
    else:
        audit.record_update(instance, before, actor=actor, detail=detail)
    return instance


@managed
def round_update(*, round_: Round, data: dict, actor) -> Round:
    """Name, deadline, notice days and description, until the 公示 is published."""
    _require_status(round_, Status.DRAFT, Status.NOMINATING, Status.REVIEWING, doing="修改设置")
    if not (data.get("name", round_.name) or "").strip():
        raise ValidationError({"name": "请填写评选名称"})
    days = data.get("notice_days", round_.notice_days)
    if not days or not 1 <= days <= publicity.MAX_NOTICE_DAYS:
        raise ValidationError(
            {"notice_days": f"公示天数：应为 1 至 {publicity.MAX_NOTICE_DAYS} 天。"}
        )
    return _apply(round_, data, ROUND_FIELDS, actor)


@managed
def category_save(
    *, round_: Round, data: dict, actor, category: Category | None = None
) -> Category:
    """Rename, reweight or add a category while the round is being prepared."""
    _require_status(round_, Status.DRAFT, doing="修改荣誉类别（已开始推荐）")
    if not (data.get("name") or getattr(category, "name", "") or "").strip():
        raise ValidationError({"name": "请填写荣誉名称"})
    duplicate = round_.categories.filter(name=(data.get("name") or "").strip())
    if category is not None:
        duplicate = duplicate.exclude(pk=category.pk)
    if duplicate.exists():
        raise ValidationError({"name": "本年度已有同名荣誉类别"})
    category = category or Category(round=round_, order=round_.categories.count() + 1)
    return _apply(category, data, CATEGORY_FIELDS, actor)


@managed
def category_delete(*, category: Category, actor) -> None:
    _require_status(category.round, Status.DRAFT, doing="删除荣誉类别（已开始推荐）")
    audit.record_delete(category, actor=actor, detail="删除荣誉类别")
    category.delete()


@managed
def quota_set(*, category: Category, area, org_quota: int, member_quota: int, actor) -> Quota:
    """An area's own quota; during nominations never below what the area has already used."""
    round_ = category.round
    _require_status(round_, Status.DRAFT, Status.NOMINATING, doing="调整名额")
    if area.parent_id != round_.organization_id or area.kind not in AREA_KINDS:
        raise ValidationError({"area": f"“{area.name}”不是本评选的片区（工委直属部门党组织）。"})
    if org_quota is None or member_quota is None or org_quota < 0 or member_quota < 0:
        raise ValidationError("名额不能为空或小于0。")
    used = _used(category, area)
    if org_quota < used["org"] or member_quota < used["member"]:
        raise ValidationError(
            f"{area.name}的“{category.name}”已推荐党组织{used['org']}个、党员{used['member']}名，"
            "名额不能少于已推荐数。"
        )
    quota = Quota.objects.filter(category=category, area=area).first() or Quota(
        category=category, area=area
    )
    return _apply(
        quota,
        {"org_quota": org_quota, "member_quota": member_quota},
        ("org_quota", "member_quota"),
        actor,
        detail="调整片区名额",
    )


# --- running a round ---------------------------------------------------------------------------
@managed
def nominations_open(*, round_: Round, actor, today: date | None = None) -> Round:
    today = today or timezone.localdate()
    _require_status(round_, Status.DRAFT, doing="开始推荐")
    if not round_.categories.exists():
        raise ValidationError("请先设置至少一个荣誉类别。")
    if round_.nomination_deadline < today:
        raise ValidationError(f"推荐截止日期（{round_.nomination_deadline}）已过，请先修改。")
    return _set_status(round_, Status.NOMINATING, actor, "开始推荐提名")


@managed
def nominations_close(*, round_: Round, actor) -> Round:
    _require_status(round_, Status.NOMINATING, doing="结束推荐")
    return _set_status(round_, Status.REVIEWING, actor, "结束推荐，进入审核")


@managed
def notice_publish(*, round_: Round, actor, today: date | None = None) -> Round:
    """Publish the accepted nominations as one 公示 of the 工委, once every nomination is reviewed."""
    today = today or timezone.localdate()
    _require_status(round_, Status.REVIEWING, doing="发布公示")
    nominations = round_.nominations.select_related(
        "category", "nominee_org", "nominee_member__branch"
    )
    waiting = nominations.filter(status=NStatus.SUBMITTED).count()
    if waiting:
        raise ValidationError(f"还有{waiting}个推荐尚未审核，请审核完毕后再发布公示。")
    accepted = list(nominations.filter(status=NStatus.ACCEPTED))
    if not accepted:
        raise ValidationError("没有审核通过的推荐，无需公示。")
    publicity.notice_open(
        title=f"{round_.name}拟表彰对象公示",
        body=(
            f"经推荐、审核，拟表彰以下{len(accepted)}个对象。公示期间如有异议，"
            "请在公示截止前实名提出，写明事实和理由。"
        ),
        organization=round_.organization,
        items=[(n, notice_label(n)) for n in accepted],
        days=round_.notice_days,
        actor=actor,
        starts_on=today,
    )
    return _set_status(round_, Status.NOTICE, actor, "发布拟表彰对象公示")


def notice_label(nomination: Nomination) -> str:
    if nomination.is_person:
        member = nomination.nominee_member
        return f"{nomination.category.name}：{member.name}（{member.branch.name}）"
    return f"{nomination.category.name}：{nomination.nominee_org.name}"


@managed
def round_award(*, round_: Round, actor, today: date | None = None) -> Round:
    """After the 公示: clear nominations are honoured, upheld objections are not; pending ones block."""
    today = today or timezone.localdate()
    _require_status(round_, Status.NOTICE, doing="表彰")
    accepted = list(round_.nominations.filter(status=NStatus.ACCEPTED))
    notice = publicity_selectors.notice_for(accepted[0]) if accepted else None
    if notice is not None and not notice.has_ended(today):
        raise ValidationError(f"公示期至{notice.ends_on}结束，公示结束后才能表彰。")
    states = publicity_selectors.item_states(accepted)
    pending = [n for n in accepted if states.get(n.pk) == publicity_selectors.PENDING]
    if pending:
        names = "、".join(n.nominee_name for n in pending[:5])
        raise ValidationError(
            f"以下{len(pending)}个对象的公示异议尚未答复：{names}。请先核实答复异议，再表彰。"
        )
    now = timezone.now()
    for nomination in accepted:
        upheld = states.get(nomination.pk) == publicity_selectors.UPHELD
        before = audit.snapshot(nomination)
        nomination.status = NStatus.NOT_AWARDED if upheld else NStatus.AWARDED
        nomination.reviewed_at = nomination.reviewed_at or now
        nomination.save(update_fields=["status", "reviewed_at"])
        detail = "公示异议成立，不予表彰" if upheld else "公示无异议，予以表彰"
        audit.record_update(nomination, before, actor=actor, detail=detail)
    return _set_status(round_, Status.AWARDED, actor, "完成表彰", awarded_on=today)


# --- nominating and reviewing ------------------------------------------------------------------
def _used(category: Category, area) -> dict:
    counting = Nomination.objects.counting().filter(category=category, area=area)
    return {
        "org": counting.filter(nominee_org__isnull=False).count(),
        "member": counting.filter(nominee_member__isnull=False).count(),
    }


def nominate(
    *,
    round_: Round,
    category: Category,
    actor,
    reason: str,
    evidence: str = "",
    nominee_org: Organization | None = None,
    nominee_member: Member | None = None,
    upload=None,
    today: date | None = None,
) -> Nomination:
    """Put an organization or a member forward; only within the actor's own organizations and quota."""
    today = today or timezone.localdate()
    scope = scope_for(actor)
    if (nominee_org is None) == (nominee_member is None):
        raise ValidationError({"nominee_org": "请选择推荐一个党组织或一名党员。"})
    subject_path = nominee_org.path if nominee_org else nominee_member.branch.path
    if not scope.allows(roles.WRITE, subject_path):
        audit.record(
            audit.Action.ACCESS_DENIED,
            actor=actor,
            object_type="dual_excellence.nomination",
            detail=f"推荐本人所辖范围以外的对象：{nominee_org or nominee_member}",
        )
        raise PermissionDenied("只能推荐本人所辖组织范围内的党组织和党员。")
    with transaction.atomic():
        # Lock the round so two writers of one area never both take its last place.
        round_ = Round.objects.select_for_update().get(pk=round_.pk)
        _require_status(round_, Status.NOMINATING, doing="推荐")
        if today > round_.nomination_deadline:
            raise ValidationError(f"推荐已于{round_.nomination_deadline}截止。")
        if category.round_id != round_.pk:
            raise ValidationError({"category": "该荣誉类别不属于本年度评选。"})
        if nominee_org and not category.honours_organizations:
            raise ValidationError({"nominee_org": f"“{category.name}”只表彰党员，不能推荐党组织。"})
        if nominee_member and not category.honours_members:
            raise ValidationError(
                {"nominee_member": f"“{category.name}”只表彰党组织，不能推荐党员。"}
            )
        if nominee_member and nominee_member.status != Member.Status.ACTIVE:
            raise ValidationError(
                {"nominee_member": f"{nominee_member.name}党籍状态不正常，不能推荐。"}
            )
        if nominee_org and not nominee_org.is_active:
            raise ValidationError({"nominee_org": f"{nominee_org.name}已撤销或合并，不能推荐。"})
        area = area_for(round_, subject_path)
        if area is None:
            raise ValidationError(
                {"nominee_org": "推荐对象不在本评选任何片区（工委直属部门党组织）之内。"}
            )
        same = Nomination.objects.counting().filter(category=category)
        same = (
            same.filter(nominee_org=nominee_org)
            if nominee_org
            else same.filter(nominee_member=nominee_member)
        )
        if same.exists():
            raise ValidationError(f"{nominee_org or nominee_member}已被推荐为“{category.name}”。")
        org_quota, member_quota = quota_for(category, area)
        used = _used(category, area)
        kind, quota, count = (
            ("党组织", org_quota, used["org"])
            if nominee_org
            else ("党员", member_quota, used["member"])
        )
        if count >= quota:
            raise ValidationError(
                f"{area.name}“{category.name}”{kind}名额为{quota}个，已推荐{count}个，名额已满，"
                "不能再推荐。如需调整请先撤回已有推荐或联系机关工委。"
            )
        if not (reason or "").strip():
            raise ValidationError({"reason": "请填写推荐理由（主要事迹）。"})
        nomination = Nomination(
            round=round_,
            category=category,
            area=area,
            organization=nominee_org or nominee_member.branch,
            nominee_org=nominee_org,
            nominee_member=nominee_member,
            reason=reason.strip(),
            evidence=(evidence or "").strip(),
            nominated_by=actor,
        )
        if upload is not None:
            name, content_type = check_upload(upload, field="evidence_file")
            nomination.evidence_name, nomination.evidence_type = name, content_type
            nomination.evidence_file.save(name, upload, save=False)
        nomination.full_clean()
        nomination.save()
        audit.record_create(nomination, actor=actor)
    return nomination


@transaction.atomic
def nomination_withdraw(*, nomination: Nomination, actor) -> Nomination:
    """The nominating side withdraws while nominations are open; the quota place is freed."""
    if not scope_for(actor).allows(roles.WRITE, nomination.organization.path):
        raise PermissionDenied("只能撤回本人所辖组织的推荐。")
    if nomination.round.status != Status.NOMINATING or nomination.status != NStatus.SUBMITTED:
        raise ValidationError("只有推荐期间尚未审核的推荐可以撤回。")
    before = audit.snapshot(nomination)
    nomination.status = NStatus.WITHDRAWN
    nomination.save(update_fields=["status"])
    audit.record_update(nomination, before, actor=actor, detail="撤回推荐")
    return nomination


@managed
def nomination_review(
    *, nomination: Nomination, actor, accepted: bool, note: str = ""
) -> Nomination:
    """工委 review: accept, or reject with the reason, until the 公示 is published.

    An accepted nomination may still be rejected; a rejection is final (its quota place is freed).
    """
    _require_status(nomination.round, Status.NOMINATING, Status.REVIEWING, doing="审核")
    if nomination.status not in (NStatus.SUBMITTED, NStatus.ACCEPTED):
        raise ValidationError(f"该推荐{nomination.get_status_display()}，不能再审核。")
    note = (note or "").strip()
    if not accepted and not note:
        raise ValidationError({"note": "审核不通过须写明理由。"})
    before = audit.snapshot(nomination)
    nomination.status = NStatus.ACCEPTED if accepted else NStatus.REJECTED
    nomination.review_note = note
    nomination.reviewed_by = actor
    nomination.reviewed_at = timezone.now()
    nomination.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at"])
    audit.record_update(
        nomination, before, actor=actor, detail="审核通过" if accepted else "审核不通过"
    )
    return nomination
