"""Writing evaluation schemes: default content, copying, publishing, archiving, editing stars and indicators.

Only 机关工委 administrators change schemes, and only while a scheme is a draft (a draft is configuration
nobody relies on yet, so its stars and indicators may also be deleted); every change is audited.
"""

import functools
import inspect
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from core import audit
from core.roles import Role
from core.scoping import scope_for
from evaluation.metrics import METRICS
from evaluation.models import EvaluationCycle, EvaluationScheme, Indicator, Sector, Star

# DOMAIN.md "Not known yet": the customer's 2018 speech; editable defaults, not a national standard.
DEFAULT_STARS = (
    ("政治建设", "旗帜鲜明讲政治，贯彻落实上级决策部署。"),
    ("思想建设（学习）", "理论学习制度化、常态化。"),
    ("组织建设（基层基础）", "组织设置规范，组织生活落实。"),
    ("服务中心", "围绕中心、建设队伍，推动业务工作。"),
    ("作风纪律", "作风过硬，遵规守纪。"),
)
SCHEME_FIELDS = ("name", "sector", "promotion")
STAR_FIELDS = ("order", "name", "description", "pass_points")
INDICATOR_FIELDS = (
    "order",
    "name",
    "description",
    "method",
    "points",
    "evidence",
    "metric",
    "threshold",
    "veto_scope",
)
Method = Indicator.Method


class Direction(models.TextChoices):
    UP = "up", "上移"
    DOWN = "down", "下移"


def can_manage_schemes(user) -> bool:
    return Role.CITY_ADMIN in scope_for(user).role_names


def require_manager(actor, request=None) -> None:
    """403 (audited) for anyone but a 机关工委 administrator."""
    if not can_manage_schemes(actor):
        audit.record(
            audit.Action.ACCESS_DENIED,
            actor=actor,
            request=request,
            object_type="evaluation.evaluationscheme",
            detail="非机关工委管理员修改评星方案",
        )
        raise PermissionDenied("只有机关工委管理员可以修改评星方案。")


def managed(service):
    """Check the actor before the transaction, so the audited refusal is not rolled back with it."""

    signature = inspect.signature(service)

    @functools.wraps(service)
    def wrapper(*args, **kwargs):
        require_manager(signature.bind(*args, **kwargs).arguments["actor"])
        with transaction.atomic():
            return service(*args, **kwargs)

    return wrapper


def _require_draft(scheme: EvaluationScheme) -> None:
    if scheme.status == EvaluationScheme.Status.ARCHIVED:
        raise ValidationError("方案已归档，不能再修改；请复制为新方案后调整。")
    if not scheme.is_draft:
        raise ValidationError("方案已发布，不能再修改；请复制为新方案后调整。")


def _locked(scheme_id: int) -> EvaluationScheme:
    """The scheme as stored, row-locked, so a status change in parallel cannot slip past a check."""
    return EvaluationScheme.objects.select_for_update().get(pk=scheme_id)


def _create(instance, actor):
    instance.full_clean()
    instance.save()
    audit.record_create(instance, actor=actor)
    return instance


@managed
def scheme_create_default(year: int, actor, sector: str = Sector.ORGANS) -> EvaluationScheme:
    scheme = _create(
        EvaluationScheme(
            name=f"{Sector(sector).label}五星示范、双优引领 {year}",
            sector=sector,
            year=year,
            is_default=True,
            created_by=actor,
        ),
        actor,
    )
    for order, (name, description) in enumerate(DEFAULT_STARS, start=1):
        star = _create(Star(scheme=scheme, order=order, name=name, description=description), actor)
        _create(
            Indicator(
                star=star,
                name=f"{name}工作落实情况",
                description=description,
                points=Decimal("100"),
                evidence="相关会议记录、文件或活动记录",
            ),
            actor,
        )
    return scheme


@managed
def scheme_copy(scheme: EvaluationScheme, year: int, actor) -> EvaluationScheme:
    """A new draft for `year` with the same stars and indicators."""
    name = scheme.name.replace(str(scheme.year), str(year))
    if name == scheme.name:
        name = f"{scheme.name} {year}"
    copy = _create(
        EvaluationScheme(
            name=name,
            sector=scheme.sector,
            year=year,
            promotion=scheme.promotion,
            copied_from=scheme,
            is_default=scheme.is_default,
            created_by=actor,
        ),
        actor,
    )
    for star in scheme.stars.prefetch_related("indicators"):
        new_star = _create(Star(scheme=copy, **{f: getattr(star, f) for f in STAR_FIELDS}), actor)
        for indicator in star.indicators.all():
            fields = {f: getattr(indicator, f) for f in INDICATOR_FIELDS}
            _create(Indicator(star=new_star, **fields), actor)
    return copy


@managed
def scheme_publish(scheme: EvaluationScheme, actor) -> EvaluationScheme:
    _require_draft(_locked(scheme.pk))
    stars = list(scheme.stars.prefetch_related("indicators"))
    if not stars:
        raise ValidationError({"stars": "方案至少需要一颗星才能发布"})
    empty = [s.name for s in stars if not s.indicators.all()]
    if empty:
        raise ValidationError({"stars": f"以下星尚无指标：{'、'.join(empty)}"})
    before = audit.snapshot(scheme)
    scheme.status = EvaluationScheme.Status.PUBLISHED
    scheme.published_at = timezone.now()
    scheme.save(update_fields=["status", "published_at"])
    audit.record_update(scheme, before, actor=actor, detail="发布评星方案")
    return scheme


def _save(instance, data: dict, fields, actor, errors_of):
    for name in fields:
        if name in data:
            setattr(instance, name, data[name])
    errors = errors_of(instance)
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(type(instance).objects.get(pk=instance.pk)) if instance.pk else None
    instance.full_clean()
    instance.save()
    if before is None:
        audit.record_create(instance, actor=actor)
    else:
        audit.record_update(instance, before, actor=actor)
    return instance


def scheme_errors(scheme: EvaluationScheme) -> dict:
    scheme.name = (scheme.name or "").strip()
    return {} if scheme.name else {"name": "请填写方案名称"}


@managed
def scheme_update(scheme: EvaluationScheme, data: dict, actor) -> EvaluationScheme:
    """Name, sector and promotion rule (one star a year or several) of a draft."""
    _require_draft(_locked(scheme.pk))
    return _save(scheme, data, SCHEME_FIELDS, actor, scheme_errors)


def star_errors(star: Star) -> dict:
    star.name = (star.name or "").strip()
    errors = {}
    if not star.name:
        errors["name"] = "请填写星名称"
    if star.pass_points is None or star.pass_points < 0:
        errors["pass_points"] = "达星分数线不能为空或小于0"
    return errors


def indicator_errors(indicator: Indicator) -> dict:
    indicator.name = (indicator.name or "").strip()
    errors = {}
    if not indicator.name:
        errors["name"] = "请填写指标名称"
    if indicator.points is None or indicator.points < 0:
        errors["points"] = "分值不能为空或小于0"
    if indicator.method == Method.AUTOMATIC:
        metric = METRICS.get(indicator.metric)
        if metric is None:
            errors["metric"] = "自动计算的指标须选择数据指标"
        elif not metric.available:
            errors["metric"] = f"“{metric.label}”数据来源待接入，暂不能选用"
        if indicator.threshold is None or indicator.threshold < 0:
            errors["threshold"] = "请填写达标阈值，比例如90%填0.9"
        elif metric and metric.unit == "ratio" and indicator.threshold > 1:
            errors["threshold"] = "比例类阈值须在0到1之间，如90%填0.9"
    else:
        if indicator.metric:
            errors["metric"] = "只有自动计算的指标选择数据指标"
        if indicator.threshold is not None:
            errors["threshold"] = "只有自动计算的指标填写达标阈值"
    if indicator.method == Method.VETO:
        if not indicator.veto_scope:
            errors["veto_scope"] = "一票否决项须选择否决范围（本星或整体评星）"
        if indicator.points:
            errors["points"] = "一票否决项不计分，分值填0"
    elif indicator.veto_scope:
        errors["veto_scope"] = "只有一票否决项选择否决范围"
    return errors


@managed
def star_save(scheme: EvaluationScheme, data: dict, actor, star: Star | None = None) -> Star:
    _require_draft(_locked(scheme.pk))
    star = star or Star(scheme=scheme, order=scheme.stars.count() + 1)
    return _save(star, data, STAR_FIELDS, actor, star_errors)


@managed
def indicator_save(star: Star, data: dict, actor, indicator: Indicator | None = None) -> Indicator:
    _require_draft(_locked(star.scheme_id))
    indicator = indicator or Indicator(star=star, order=star.indicators.count() + 1)
    return _save(indicator, data, INDICATOR_FIELDS, actor, indicator_errors)


@managed
def scheme_archive(scheme: EvaluationScheme, actor) -> EvaluationScheme:
    """Retire a published scheme: it stays readable but opens no new cycle."""
    scheme = _locked(scheme.pk)
    if scheme.status == EvaluationScheme.Status.ARCHIVED:
        raise ValidationError({"status": "方案已经归档。"})
    if scheme.is_draft:
        raise ValidationError({"status": "草稿方案尚未发布，无需归档。"})
    running = scheme.cycles.exclude(status=EvaluationCycle.Status.CLOSED).order_by("year").first()
    if running is not None:
        raise ValidationError(
            {
                "status": f"使用该方案的{running.year}年度评星尚未结束（{running.get_status_display()}），"
                "授星后才能归档。"
            }
        )
    before = audit.snapshot(scheme)
    scheme.status = EvaluationScheme.Status.ARCHIVED
    scheme.save(update_fields=["status"])
    audit.record_update(scheme, before, actor=actor, detail="归档评星方案")
    return scheme


# --- deleting and ordering stars and indicators of a draft ---------------------------------------------


def _renumber(items, actor) -> None:
    """Orders 1..n in the given sequence; each row whose order changes is audited."""
    for position, item in enumerate(items, start=1):
        if item.order != position:
            before = audit.snapshot(item)
            item.order = position
            item.save(update_fields=["order"])
            audit.record_update(item, before, actor=actor, detail="调整顺序")


def _moved(items: list, item, direction: str) -> list:
    if direction not in Direction.values:
        raise ValidationError({"direction": "方向：请选择上移（up）或下移（down）"})
    index = [i.pk for i in items].index(item.pk)
    target = index - 1 if direction == Direction.UP else index + 1
    if target < 0:
        raise ValidationError({"direction": f"“{item.name}”已经排在最前，不能再上移"})
    if target >= len(items):
        raise ValidationError({"direction": f"“{item.name}”已经排在最后，不能再下移"})
    items[index], items[target] = items[target], items[index]
    return items


def _reordered(items: list, ids, what: str) -> list:
    by_pk = {i.pk: i for i in items}
    ids = list(ids)
    if len(ids) != len(set(ids)) or set(ids) != set(by_pk):
        raise ValidationError({"ids": f"新顺序：须列出全部{len(by_pk)}个{what}的编号，每个一次"})
    return [by_pk[pk] for pk in ids]


@managed
def star_delete(star: Star, actor) -> None:
    """Delete a draft's star with its indicators (each audited); the rest close up the order."""
    scheme = _locked(star.scheme_id)
    _require_draft(scheme)
    for indicator in star.indicators.all():
        audit.record_delete(indicator, actor=actor, detail=f"随星“{star.name}”删除")
    audit.record_delete(star, actor=actor, detail="删除草稿方案的星")
    star.delete()
    _renumber(list(scheme.stars.all()), actor)


@managed
def indicator_delete(indicator: Indicator, actor) -> None:
    star = indicator.star
    _require_draft(_locked(star.scheme_id))
    audit.record_delete(indicator, actor=actor, detail="删除草稿方案的指标")
    indicator.delete()
    _renumber(list(star.indicators.all()), actor)


@managed
def star_move(star: Star, direction: str, actor) -> None:
    scheme = _locked(star.scheme_id)
    _require_draft(scheme)
    _renumber(_moved(list(scheme.stars.all()), star, direction), actor)


@managed
def indicator_move(indicator: Indicator, direction: str, actor) -> None:
    star = indicator.star
    _require_draft(_locked(star.scheme_id))
    _renumber(_moved(list(star.indicators.all()), indicator, direction), actor)


@managed
def stars_reorder(scheme: EvaluationScheme, ids, actor) -> None:
    """Put all of a draft's stars in the order of `ids`."""
    scheme = _locked(scheme.pk)
    _require_draft(scheme)
    _renumber(_reordered(list(scheme.stars.all()), ids, "星"), actor)


@managed
def indicators_reorder(star: Star, ids, actor) -> None:
    """Put all of a star's indicators in the order of `ids`."""
    _require_draft(_locked(star.scheme_id))
    _renumber(_reordered(list(star.indicators.all()), ids, "指标"), actor)
