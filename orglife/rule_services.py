"""Adding and retiring rules of organizational life: 机关工委 administrators only, never editing history.

A rule in force is not changed: retiring it sets effective_to (the last day it is in force), and a new
version is a new row with the same code, which retires the version it replaces. Compliance judges a
sub-period by the rules in force on its last day (orglife.compliance), so a rule retired on 15 June no
longer judges June, and a new version in force from 15 June does.
"""

import re
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from core import audit
from core.roles import Role
from core.scoping import scope_for
from orglife.models import ActivityKind, LifeRule
from orgs.models import OrgKind

CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")
ADDABLE_FIELDS = (
    "code",
    "name",
    "layer",
    "measure",
    "org_kinds",
    "activity_kind",
    "hearing_body",
    "condition",
    "period",
    "min_count",
    "quorum_ratio",
    "min_ratio",
    "remind_months",
    "effective_from",
    "effective_to",
    "source",
    "unverified",
)
MAX_COUNT = 100  # per period; more is a typing error
MAX_REMIND_MONTHS = 24
Measure, Condition = LifeRule.Measure, LifeRule.Condition


def can_manage_rules(user) -> bool:
    """机关工委 administrators keep the rules table; everybody with READ only views it."""
    return Role.CITY_ADMIN in scope_for(user).role_names


def _require_manager(actor) -> None:
    if not can_manage_rules(actor):
        audit.record(
            audit.Action.ACCESS_DENIED,
            actor=actor,
            object_type="orglife.liferule",
            detail="非机关工委管理员新增或停用组织生活规则",
        )
        raise PermissionDenied("只有机关工委管理员可以新增或停用组织生活规则。")


def _activity_errors(rule: LifeRule) -> dict:
    errors = {}
    if not rule.activity_kind:
        errors["activity_kind"] = "按活动次数考核须选择活动类型"
    if not 1 <= (rule.min_count or 0) <= MAX_COUNT:
        errors["min_count"] = f"最少次数须在1到{MAX_COUNT}之间"
    if rule.activity_kind == ActivityKind.WORK_REPORT_HEARING and not rule.hearing_body:
        errors["hearing_body"] = "听取机关工委工作汇报须注明听取主体（常委会或分管领导）"
    if rule.hearing_body and rule.activity_kind != ActivityKind.WORK_REPORT_HEARING:
        errors["hearing_body"] = "只有“听取机关工委工作汇报”需要填写听取主体"
    if (
        rule.condition == Condition.SPEAKER_IS_SECRETARY
        and rule.activity_kind != ActivityKind.PARTY_LESSON
    ):
        errors["condition"] = "“书记本人讲授”只适用于党课"
    if rule.quorum_ratio is not None and not Decimal(0) <= rule.quorum_ratio < Decimal(1):
        errors["quorum_ratio"] = "有效人数比例须在0到1之间（不含1），如须超过半数到会填0.5"
    for name, label in (("min_ratio", "最低比例"), ("remind_months", "提前提醒月数")):
        if getattr(rule, name) is not None:
            errors[name] = f"按活动次数考核的规则不填{label}"
    return errors


def _state_errors(rule: LifeRule) -> dict:
    """Staffing and terms are states, judged once a year; they count no activities."""
    label = rule.get_measure_display()
    errors = {}
    if rule.period != LifeRule.Period.YEAR:
        errors["period"] = f"“{label}”按年度考核，周期须为“每年”"
    if rule.activity_kind or rule.hearing_body:
        errors["activity_kind"] = f"“{label}”不按活动次数考核，不选活动类型"
    if rule.condition:
        errors["condition"] = f"“{label}”不设适用条件"
    if rule.quorum_ratio is not None:
        errors["quorum_ratio"] = f"“{label}”不设有效人数比例"
    if rule.measure == Measure.STAFFING_RATIO:
        if rule.min_ratio is None or not Decimal(0) < rule.min_ratio <= Decimal(1):
            errors["min_ratio"] = "请填写最低比例，须大于0且不超过1，如2%填0.02"
        if rule.remind_months is not None:
            errors["remind_months"] = "专职党务干部比例不填提前提醒月数"
    else:
        if rule.remind_months is None or not 1 <= rule.remind_months <= MAX_REMIND_MONTHS:
            errors["remind_months"] = f"请填写提前提醒月数（1到{MAX_REMIND_MONTHS}个月）"
        if rule.min_ratio is not None:
            errors["min_ratio"] = "按期换届不填最低比例"
    return errors


def rule_errors(rule: LifeRule) -> dict:
    """Every reason the rule cannot be saved, by field, in words an administrator can act on."""
    errors = {}
    rule.code = (rule.code or "").strip().upper()
    rule.name, rule.source = (rule.name or "").strip(), (rule.source or "").strip()
    if not CODE_PATTERN.match(rule.code):
        errors["code"] = "规则编号由大写字母、数字和连字符组成，如 R-LIFE-9"
    if not rule.name:
        errors["name"] = "请填写规则名称"
    if not rule.source:
        errors["source"] = "请填写依据（文件名称及条款），便于核对"
    if not rule.effective_from:
        errors["effective_from"] = "请填写生效日期"
    elif rule.effective_to and rule.effective_to < rule.effective_from:
        errors["effective_to"] = f"失效日期不能早于生效日期（{rule.effective_from:%Y-%m-%d}）"
    kinds = rule.org_kinds if isinstance(rule.org_kinds, list) else []
    if not kinds:
        errors["org_kinds"] = "请至少选择一种适用组织类型"
    elif unknown := [k for k in kinds if k not in OrgKind.values]:
        errors["org_kinds"] = f"适用组织类型“{'、'.join(map(str, unknown))}”无效"
    if rule.measure not in Measure.values:
        errors["measure"] = "请选择考核方式"
    elif rule.measure == Measure.ACTIVITY_COUNT:
        errors.update(_activity_errors(rule))
    else:
        errors.update(_state_errors(rule))
    return errors


def _validate(rule: LifeRule) -> None:
    errors = rule_errors(rule)
    if not errors:
        try:
            rule.full_clean(exclude=["created_by"])
        except ValidationError as error:
            errors = error.message_dict
    if errors:
        raise ValidationError(errors)


def _end(rule: LifeRule, last_day: date, detail: str, actor) -> LifeRule:
    before = audit.snapshot(rule)
    rule.effective_to = last_day
    rule.save(update_fields=["effective_to"])
    audit.record_update(rule, before, actor=actor, detail=detail)
    return rule


@transaction.atomic
def rule_add(*, actor, **fields) -> LifeRule:
    """Add a rule, or a new version of one: the version in force on its first day ends the day before."""
    _require_manager(actor)
    if unknown := set(fields) - set(ADDABLE_FIELDS):
        raise ValidationError({name: "该字段不能在新增规则时填写" for name in sorted(unknown)})
    if fields.get("measure") in (Measure.STAFFING_RATIO, Measure.TERM_EXPIRY):
        fields.setdefault("min_count", 0)  # states count no activities
    rule = LifeRule(created_by=actor, **fields)
    _validate(rule)
    same_code = LifeRule.objects.select_for_update().filter(code=rule.code)
    replaced = list(
        same_code.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=rule.effective_from))
    )
    for old in replaced:
        if old.effective_from >= rule.effective_from:
            raise ValidationError(
                {
                    "effective_from": (
                        f"规则{rule.code}已有自{old.effective_from:%Y-%m-%d}起生效的版本，新版本的生效日期须晚于该日期"
                    )
                }
            )
    rule.save()
    audit.record_create(rule, actor=actor)
    for old in replaced:
        _end(
            old,
            rule.effective_from - timedelta(days=1),
            f"由新版本（自{rule.effective_from:%Y-%m-%d}起生效）替代",
            actor,
        )
    return rule


@transaction.atomic
def rule_retire(*, rule: LifeRule, effective_to: date | None, actor, reason: str = "") -> LifeRule:
    """End a rule's period in force on `effective_to`, its last day; sub-periods ending later are not judged."""
    _require_manager(actor)
    rule = LifeRule.objects.select_for_update().get(pk=rule.pk)
    if rule.effective_to is not None:
        raise ValidationError(
            {"effective_to": f"该规则已于{rule.effective_to:%Y-%m-%d}停用，停用日期不能再改"}
        )
    if effective_to is None:
        raise ValidationError({"effective_to": "请填写停用日期（规则最后有效的一天）"})
    if effective_to < rule.effective_from:
        raise ValidationError(
            {"effective_to": f"停用日期不能早于该规则的生效日期（{rule.effective_from:%Y-%m-%d}）"}
        )
    reason = reason.strip()
    return _end(rule, effective_to, f"停用：{reason}" if reason else "停用", actor)
