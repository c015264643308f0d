"""三级书记抓机关党建责任清单: yearly templates per level, issued as one list per organization.

A 机关工委 keeps one template per secretary level and year; issuing copies its items into a list for
every organization of that level under the 工委, owned by the organization's current secretary.
The secretary reports progress on each item and submits it; the superior organization confirms it
or returns it with a reason. Completion counts confirmed items only (see `selectors.completion`).
"""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core import roles
from core.models import StoredFile
from core.scoping import scope_for
from orgs.models import PATH_SEGMENT_WIDTH, OrgKind


class Level(models.TextChoices):
    """The three levels of secretaries (三级书记)."""

    PARTY_GROUP = "party_group", "部门党组（党委）书记"
    PARTY_COMMITTEE = "party_committee", "机关党委书记"
    BRANCH = "branch", "支部书记"


# Which organizations' secretaries each level covers: 党总支 and 联合党支部 secretaries are 支部书记 here.
KINDS_BY_LEVEL = {
    Level.PARTY_GROUP: (OrgKind.PARTY_GROUP,),
    Level.PARTY_COMMITTEE: (OrgKind.PARTY_COMMITTEE,),
    Level.BRANCH: (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH, OrgKind.JOINT_BRANCH),
}
LEVEL_BY_KIND = {kind: level for level, kinds in KINDS_BY_LEVEL.items() for kind in kinds}


def _ancestor_paths(prefixes) -> set[str]:
    width = PATH_SEGMENT_WIDTH + 1
    return {p[:end] for p in prefixes for end in range(width, len(p) + 1, width)}


def reviewing_q(user, path_field: str) -> Q:
    """Rows of organizations strictly below an organization the user may write: the user is their superior."""
    query = Q(pk__in=[])
    for prefix in scope_for(user).prefixes(roles.WRITE):
        query |= Q(**{f"{path_field}__startswith": prefix}) & ~Q(**{path_field: prefix})
    return query


class TemplateQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Templates of a 工委 above or within the user's organizations: they are not secret."""
        prefixes = scope_for(user).prefixes(roles.READ)
        if not prefixes:
            return self.none()
        query = scope_for(user).q("work_committee__path", roles.READ)
        return self.filter(query | Q(work_committee__path__in=_ancestor_paths(prefixes)))

    def writable_by(self, user):
        """Only 机关工委 administrators of that 工委 change templates."""
        scope = scope_for(user)
        if roles.Role.CITY_ADMIN not in scope.role_names:
            return self.none()
        return self.filter(scope.q("work_committee__path", roles.WRITE))


class ListTemplate(models.Model):
    """A 工委's responsibility-list template for one secretary level and year."""

    work_committee = models.ForeignKey(
        "orgs.Organization",
        verbose_name="机关工委",
        on_delete=models.PROTECT,
        related_name="responsibility_templates",
    )
    year = models.PositiveSmallIntegerField("年度")
    level = models.CharField("书记层级", max_length=20, choices=Level.choices)
    name = models.CharField("清单名称", max_length=100)
    is_default = models.BooleanField("默认内容（可调整）", default=False)
    copied_from = models.ForeignKey(
        "self", verbose_name="复制自", null=True, blank=True, on_delete=models.SET_NULL
    )
    issued_at = models.DateTimeField("下发时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = TemplateQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "责任清单模板"
        ordering = ["-year", "work_committee", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_committee", "year", "level"], name="resp_template_unique"
            )
        ]

    def __str__(self):
        return self.name

    @property
    def is_issued(self) -> bool:
        return self.issued_at is not None


class TemplateItem(models.Model):
    """One item of a template: what the secretary must do, the target, the evidence and its source."""

    template = models.ForeignKey(ListTemplate, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField("顺序", default=1)
    title = models.CharField("责任事项", max_length=100)
    target = models.TextField("目标要求")
    evidence_hint = models.CharField("佐证材料", max_length=200, blank=True)
    source = models.CharField("依据", max_length=200, blank=True)
    rule_code = models.CharField("规则编号", max_length=20, blank=True)
    weight = models.PositiveSmallIntegerField(
        "权重", default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )

    class Meta:
        verbose_name = verbose_name_plural = "清单模板事项"
        ordering = ["order", "pk"]

    def __str__(self):
        return self.title


class ListQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Readers of the organization and everyone above it; the secretary always sees their own list."""
        scope = scope_for(user)
        query = scope.q("organization__path", roles.READ)
        if scope.member_id:
            query |= Q(secretary_id=scope.member_id)
        return self.filter(query)

    def writable_by(self, user):
        """Writers of the organization report progress (the secretary, committee members, superiors)."""
        return self.filter(scope_for(user).q("organization__path", roles.WRITE))

    def reviewable_by(self, user):
        """Writers of a superior organization confirm or return the list's items."""
        return self.filter(reviewing_q(user, "organization__path"))


class ResponsibilityList(models.Model):
    """One secretary's responsibility list for a year, issued from the level's template."""

    template = models.ForeignKey(
        ListTemplate, verbose_name="模板", on_delete=models.PROTECT, related_name="lists"
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name="党组织",
        on_delete=models.PROTECT,
        related_name="responsibility_lists",
    )
    year = models.PositiveSmallIntegerField("年度")
    level = models.CharField("书记层级", max_length=20, choices=Level.choices)
    secretary = models.ForeignKey(
        "members.Member",
        verbose_name="书记",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="responsibility_lists",
    )
    issued_at = models.DateTimeField("下发时间", default=timezone.now)

    objects = ListQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "书记责任清单"
        ordering = ["-year", "organization__path"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="resp_list_unique")
        ]

    def __str__(self):
        return f"{self.organization} {self.year}年{self.get_level_display()}责任清单"


class ItemQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(list__in=ResponsibilityList.objects.visible_to(user))

    def writable_by(self, user):
        return self.filter(scope_for(user).q("list__organization__path", roles.WRITE))

    def reviewable_by(self, user):
        return self.filter(reviewing_q(user, "list__organization__path"))


class ListItem(models.Model):
    """One item of a secretary's list: copied from the template, then reported on and reviewed."""

    class Status(models.TextChoices):
        OPEN = "open", "未提交"
        SUBMITTED = "submitted", "待确认"
        CONFIRMED = "confirmed", "已确认"
        RETURNED = "returned", "已退回"

    list = models.ForeignKey(
        ResponsibilityList, verbose_name="清单", on_delete=models.CASCADE, related_name="items"
    )
    order = models.PositiveSmallIntegerField("顺序", default=1)
    title = models.CharField("责任事项", max_length=100)
    target = models.TextField("目标要求")
    evidence_hint = models.CharField("佐证材料要求", max_length=200, blank=True)
    source = models.CharField("依据", max_length=200, blank=True)
    rule_code = models.CharField("规则编号", max_length=20, blank=True)
    weight = models.PositiveSmallIntegerField("权重", default=1)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.OPEN)
    percent = models.PositiveSmallIntegerField(
        "完成进度（%）", default=0, validators=[MaxValueValidator(100)]
    )
    progress_note = models.TextField("进展情况", blank=True)
    evidence_text = models.TextField("佐证材料说明", blank=True)
    return_reason = models.CharField("退回原因", max_length=500, blank=True)
    progress_at = models.DateTimeField("最近更新进度", null=True, blank=True)
    progress_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="更新人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ItemQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "责任清单事项"
        ordering = ["order", "pk"]
        indexes = [models.Index(fields=["status", "submitted_at"], name="resp_item_status")]

    def __str__(self):
        return self.title

    @property
    def progress_label(self) -> str:
        if self.percent >= 100:
            return "已完成"
        return "推进中" if self.percent else "未开始"

    @property
    def is_editable(self) -> bool:
        """The secretary reports while the item is with them; a submitted or confirmed item waits."""
        return self.status in (self.Status.OPEN, self.Status.RETURNED)


def evidence_path(instance, filename):
    return f"responsibility/{instance.item_id}/{secrets.token_hex(8)}-{filename}"


class EvidenceFile(StoredFile):
    """A photo, PDF or Word file proving an item (checked by core.uploads), never deleted."""

    item = models.ForeignKey(
        ListItem, verbose_name="清单事项", on_delete=models.PROTECT, related_name="files"
    )
    file = models.FileField("文件", upload_to=evidence_path)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdrawn = models.BooleanField("已撤回", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "责任清单佐证附件"
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.name
