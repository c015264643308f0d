"""双优引领: an annual round of honours run by a 机关工委, with categories, area quotas and nominations.

A round belongs to one 机关工委 (city or district); its areas (片区) are the 部门党组（党委） directly under
it. Categories are per-round configuration (defaults 党建工作优 / 服务发展优, editable, copied yearly).
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from core import roles
from core.scoping import scope_for
from orgs.models import OrgKind

AREA_KINDS = (OrgKind.PARTY_GROUP, OrgKind.PARTY_COMMITTEE)


def _ancestor_or_self(prefixes, field: str) -> Q:
    """Rows whose `field` path is a prefix of (an ancestor of, or equal to) one of `prefixes`."""
    query = Q(pk__in=[])
    for prefix in prefixes:
        query |= Q(**{f"{field}__in": _paths_above(prefix)})
    return query


def _paths_above(path: str) -> list[str]:
    from orgs.models import PATH_SEGMENT_WIDTH

    width = PATH_SEGMENT_WIDTH + 1
    return [path[: i + width] for i in range(0, len(path), width)]


class RoundQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Rounds of a 工委 above (or within) the user's organizations or own branch: the city's honours."""
        scope = scope_for(user)
        prefixes = list(scope.prefixes(roles.READ))
        query = scope.q("organization__path", roles.READ)
        if scope.member_branch_path:
            prefixes.append(scope.member_branch_path)
        return self.filter(query | _ancestor_or_self(prefixes, "organization__path"))

    def writable_by(self, user):
        """Only 机关工委 administrators of the round's 工委 configure and run it."""
        scope = scope_for(user)
        if roles.Role.CITY_ADMIN not in scope.role_names:
            return self.none()
        return self.filter(scope.q("organization__path", roles.WRITE))


class Round(models.Model):
    """One year's 双优 selection of a 机关工委: nominate → review → 公示 → award."""

    class Status(models.TextChoices):
        DRAFT = "draft", "筹备中"
        NOMINATING = "nominating", "推荐提名中"
        REVIEWING = "reviewing", "审核中"
        NOTICE = "notice", "公示中"
        AWARDED = "awarded", "已表彰"

    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name="组织单位（机关工委）",
        on_delete=models.PROTECT,
        related_name="dual_excellence_rounds",
    )
    year = models.PositiveSmallIntegerField("年度")
    name = models.CharField("评选名称", max_length=100)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT)
    nomination_deadline = models.DateField("推荐截止日期")
    notice_days = models.PositiveSmallIntegerField(
        "公示天数", default=7, help_text="默认7天（依据待核实，可按年度调整）"
    )
    description = models.TextField("评选说明", blank=True)
    copied_from = models.ForeignKey(
        "self", verbose_name="复制自", null=True, blank=True, on_delete=models.SET_NULL
    )
    awarded_on = models.DateField("表彰日期", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "双优评选"
        ordering = ["-year", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"], name="dual_excellence_one_round_a_year"
            )
        ]

    def __str__(self):
        return self.name


class Category(models.Model):
    """An honour of a round (e.g. 党建工作优), with whom it honours and the default quota per area."""

    class Honours(models.TextChoices):
        ORGANIZATIONS = "organizations", "党组织"
        MEMBERS = "members", "党员"
        BOTH = "both", "党组织和党员"

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="categories")
    order = models.PositiveSmallIntegerField("顺序", default=1)
    name = models.CharField("荣誉名称", max_length=50)
    description = models.TextField("评选标准", blank=True)
    honours = models.CharField(
        "表彰对象", max_length=16, choices=Honours.choices, default=Honours.BOTH
    )
    weight = models.PositiveSmallIntegerField(
        "权重（%）", default=50, help_text="在双优综合评价中的占比，各项合计一般为100"
    )
    org_quota = models.PositiveSmallIntegerField("每个片区党组织名额", default=1)
    member_quota = models.PositiveSmallIntegerField("每个片区党员名额", default=2)
    is_default = models.BooleanField("默认内容（可调整）", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "荣誉类别"
        ordering = ["round", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "name"], name="dual_excellence_category_name")
        ]

    def __str__(self):
        return self.name

    @property
    def honours_organizations(self) -> bool:
        return self.honours in (self.Honours.ORGANIZATIONS, self.Honours.BOTH)

    @property
    def honours_members(self) -> bool:
        return self.honours in (self.Honours.MEMBERS, self.Honours.BOTH)


class Quota(models.Model):
    """An area's own quota for a category, replacing the category's default."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="quotas")
    area = models.ForeignKey(
        "orgs.Organization", verbose_name="片区", on_delete=models.PROTECT, related_name="+"
    )
    org_quota = models.PositiveSmallIntegerField("党组织名额")
    member_quota = models.PositiveSmallIntegerField("党员名额")

    class Meta:
        verbose_name = verbose_name_plural = "片区名额"
        ordering = ["category", "area__path"]
        constraints = [
            models.UniqueConstraint(fields=["category", "area"], name="dual_excellence_quota_once")
        ]

    def __str__(self):
        return f"{self.area}：{self.category}"


class NominationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Nominations of organizations and members under the user's organizations."""
        return self.filter(scope_for(user).q("organization__path", roles.READ))

    def writable_by(self, user):
        return self.filter(scope_for(user).q("organization__path", roles.WRITE))

    def counting(self):
        """Nominations that take up a quota place (not withdrawn or rejected)."""
        return self.exclude(status__in=Nomination.NOT_COUNTING)


def evidence_path(instance, filename):
    return f"dual_excellence/{instance.round_id}/{secrets.token_hex(8)}-{filename}"


class Nomination(models.Model):
    """An organization or a member put forward for a category by writers of their organization."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "已推荐"
        WITHDRAWN = "withdrawn", "已撤回"
        ACCEPTED = "accepted", "审核通过"
        REJECTED = "rejected", "审核未通过"
        AWARDED = "awarded", "已表彰"
        NOT_AWARDED = "not_awarded", "公示异议成立，不予表彰"

    NOT_COUNTING = (Status.WITHDRAWN, Status.REJECTED)

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="nominations")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="nominations")
    area = models.ForeignKey(
        "orgs.Organization", verbose_name="片区", on_delete=models.PROTECT, related_name="+"
    )
    # The organization whose writers answer for the nomination: the nominee or the member's branch.
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="所属党组织", on_delete=models.PROTECT, related_name="+"
    )
    nominee_org = models.ForeignKey(
        "orgs.Organization",
        verbose_name="推荐党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    nominee_member = models.ForeignKey(
        "members.Member",
        verbose_name="推荐党员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField("推荐理由（主要事迹）")
    evidence = models.TextField("佐证材料说明", blank=True)
    evidence_file = models.FileField("佐证材料附件", upload_to=evidence_path, blank=True)
    evidence_name = models.CharField("附件文件名", max_length=200, blank=True)
    evidence_type = models.CharField("附件类型", max_length=100, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="推荐人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    nominated_at = models.DateTimeField("推荐时间", auto_now_add=True)
    review_note = models.TextField("审核意见", blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)

    objects = NominationQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "双优推荐"
        ordering = ["round", "category__order", "area__path", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(nominee_org__isnull=True) ^ Q(nominee_member__isnull=True),
                name="dual_excellence_one_nominee",
            )
        ]
        indexes = [models.Index(fields=["round", "category", "area", "status"])]

    def __str__(self):
        return f"{self.nominee_name}（{self.category.name}）"

    @property
    def is_person(self) -> bool:
        return self.nominee_member_id is not None

    @property
    def nominee_name(self) -> str:
        return self.nominee_member.name if self.is_person else self.nominee_org.name

    @property
    def nominee_kind_label(self) -> str:
        return "党员" if self.is_person else "党组织"
