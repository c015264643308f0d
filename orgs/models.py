"""Party organizations as one tree (materialized path), their units, positions and terms."""

from datetime import date

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core import roles
from core.scoping import scope_for

PATH_SEGMENT_WIDTH = 6  # base-36 digits per level: over 2 billion organizations
PATH_SEP = "."


def path_segment(pk: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while pk:
        pk, rem = divmod(pk, 36)
        out = digits[rem] + out
    return out.rjust(PATH_SEGMENT_WIDTH, "0") + PATH_SEP


class OrgKind(models.TextChoices):
    LOCAL_COMMITTEE = "local_committee", "市委/区县委"
    ORGANS_WORK_COMMITTEE = "organs_work_committee", "机关工委"
    PARTY_GROUP = "party_group", "部门党组（党委）"
    PARTY_COMMITTEE = "party_committee", "机关党委"
    GENERAL_BRANCH = "general_branch", "党总支"
    BRANCH = "branch", "党支部"
    JOINT_BRANCH = "joint_branch", "联合党支部"
    GROUP = "group", "党小组"


BRANCH_KINDS = (OrgKind.BRANCH, OrgKind.JOINT_BRANCH)


class OrganizationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Organization.Status.ACTIVE)

    def subtree(self, org, include_self=True):
        qs = self.filter(path__startswith=org.path)
        return qs if include_self else qs.exclude(pk=org.pk)

    def visible_to(self, user):
        scope = scope_for(user)
        query = scope.q("path", roles.READ)
        if scope.member_branch_id:
            # An ordinary member sees their own branch's public information.
            query |= Q(pk=scope.member_branch_id)
        return self.filter(query)

    def writable_by(self, user):
        return self.filter(scope_for(user).q("path", roles.WRITE))


class Organization(models.Model):
    """A party organization (党组织) of any kind, placed in the tree by its path."""

    class Status(models.TextChoices):
        ACTIVE = "active", "正常"
        MERGED = "merged", "已合并"
        DISSOLVED = "dissolved", "已撤销"

    name = models.CharField("名称", max_length=120)
    short_name = models.CharField("简称", max_length=60, blank=True)
    kind = models.CharField("组织类型", max_length=32, choices=OrgKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField("树路径", max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField("层级", default=0, editable=False)
    unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name="所在单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organizations",
    )
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.ACTIVE)
    established_on = models.DateField("成立日期", null=True, blank=True)
    ended_on = models.DateField("撤销/合并日期", null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name="并入组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
    )
    sort_order = models.PositiveIntegerField("排序", default=0)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "党组织"
        ordering = ["path"]
        indexes = [models.Index(fields=["kind", "status"], name="org_kind_status")]

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_branch(self) -> bool:
        return self.kind in BRANCH_KINDS

    def ancestor_paths(self) -> list[str]:
        width = PATH_SEGMENT_WIDTH + 1
        return [self.path[: i + width] for i in range(0, len(self.path) - width, width)]


class OrganizationEvent(models.Model):
    """History of an organization: founding, renames, moves, merges and dissolutions."""

    class Kind(models.TextChoices):
        CREATED = "created", "成立"
        RENAMED = "renamed", "更名"
        MOVED = "moved", "调整隶属关系"
        MERGED = "merged", "合并"
        DISSOLVED = "dissolved", "撤销"

    organization = models.ForeignKey(
        Organization, verbose_name="党组织", on_delete=models.PROTECT, related_name="events"
    )
    kind = models.CharField("事项", max_length=16, choices=Kind.choices)
    happened_on = models.DateField("日期", default=timezone.localdate)
    old_value = models.CharField("原值", max_length=255, blank=True)
    new_value = models.CharField("新值", max_length=255, blank=True)
    note = models.CharField("说明", max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "组织沿革"
        ordering = ["-happened_on", "-id"]

    def __str__(self):
        return f"{self.organization} {self.get_kind_display()} {self.happened_on}"


def _ancestor_paths(prefixes) -> set[str]:
    width = PATH_SEGMENT_WIDTH + 1
    return {p[:end] for p in prefixes for end in range(width, len(p) + 1, width)}


class UnitQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Units bound under the user's organizations, and the units of the organizations above them
        (a branch secretary sees the department whose 机关党委 their branch belongs to)."""
        scope = scope_for(user)
        prefixes = scope.prefixes(roles.READ)
        query = scope.q("organization__path", roles.READ)
        if prefixes:
            query |= Q(organization__path__in=_ancestor_paths(prefixes))
        if scope.member_id:
            member_model = apps.get_model("members", "Member")  # members sit above orgs
            query |= Q(pk__in=member_model.objects.filter(pk=scope.member_id).values("unit_id"))
        return self.filter(query)

    def writable_by(self, user):
        return self.filter(scope_for(user).q("organization__path", roles.WRITE))


class Unit(models.Model):
    """A 机关单位 (department or agency), with the headcount the staffing rule (R-RESP-5) reads."""

    class Kind(models.TextChoices):
        PARTY_GOVERNMENT = "party_government", "党政机关"
        PEOPLES_CONGRESS_CPPCC = "congress_cppcc", "人大、政协机关"
        JUDICIAL = "judicial", "审判、检察机关"
        MASS_ORGANIZATION = "mass_org", "群团机关"
        INSTITUTION = "institution", "事业单位"
        STATE_ENTERPRISE = "state_enterprise", "国有企业"
        OTHER = "other", "其他"

    name = models.CharField("单位名称", max_length=120)
    kind = models.CharField(
        "单位类别", max_length=32, choices=Kind.choices, default=Kind.PARTY_GOVERNMENT
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name="所属党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="units",
    )
    total_staff = models.PositiveIntegerField("在编人数", default=0)
    full_time_party_workers = models.PositiveIntegerField("专职党务干部数", default=0)
    part_time_party_workers = models.PositiveIntegerField("兼职党务干部数", default=0)
    is_active = models.BooleanField("在用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "机关单位"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name"], name="unit_name_unique")]

    def __str__(self):
        return self.name


class PositionKind(models.TextChoices):
    SECRETARY = "secretary", "书记"
    DEPUTY_SECRETARY = "deputy_secretary", "副书记"
    ORGANIZATION_MEMBER = "organization_member", "组织委员"
    PUBLICITY_MEMBER = "publicity_member", "宣传委员"
    DISCIPLINE_MEMBER = "discipline_member", "纪检委员"
    YOUTH_MEMBER = "youth_member", "青年委员"
    COMMITTEE_MEMBER = "committee_member", "委员"
    GROUP_LEADER = "group_leader", "党小组长"
    FULL_TIME_PARTY_WORKER = "full_time_party_worker", "专职党务干部"
    PART_TIME_PARTY_WORKER = "part_time_party_worker", "兼职党务干部"


# Positions that make up a committee (支委会) for R-ORG-1.
COMMITTEE_POSITIONS = (
    PositionKind.SECRETARY,
    PositionKind.DEPUTY_SECRETARY,
    PositionKind.ORGANIZATION_MEMBER,
    PositionKind.PUBLICITY_MEMBER,
    PositionKind.DISCIPLINE_MEMBER,
    PositionKind.YOUTH_MEMBER,
    PositionKind.COMMITTEE_MEMBER,
)


class PositionQuerySet(models.QuerySet):
    def current(self, on: date | None = None):
        on = on or timezone.localdate()
        return self.filter(Q(started_on__lte=on), Q(ended_on__isnull=True) | Q(ended_on__gt=on))

    def visible_to(self, user):
        return self.filter(organization__in=Organization.objects.visible_to(user))

    def writable_by(self, user):
        return self.filter(scope_for(user).q("organization__path", roles.WRITE))


class Position(models.Model):
    """A leadership position held by a member in an organization for a period."""

    organization = models.ForeignKey(
        Organization, verbose_name="党组织", on_delete=models.PROTECT, related_name="positions"
    )
    member = models.ForeignKey(
        "members.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="positions"
    )
    kind = models.CharField("职务", max_length=32, choices=PositionKind.choices)
    started_on = models.DateField("任职日期")
    ended_on = models.DateField("离任日期", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = PositionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "组织职务"
        ordering = ["organization", "kind", "-started_on"]
        indexes = [models.Index(fields=["organization", "kind"], name="position_org_kind")]

    def __str__(self):
        return f"{self.organization} {self.get_kind_display()} {self.member}"


class TermQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(organization__in=Organization.objects.visible_to(user))

    def writable_by(self, user):
        return self.filter(scope_for(user).q("organization__path", roles.WRITE))


class Term(models.Model):
    """One term (届) of an organization's committee, from election to expiry."""

    organization = models.ForeignKey(
        Organization, verbose_name="党组织", on_delete=models.PROTECT, related_name="terms"
    )
    started_on = models.DateField("本届开始")
    expires_on = models.DateField("届满日期")
    note = models.CharField("备注", max_length=255, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = TermQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "任期"
        ordering = ["organization", "-started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gt=models.F("started_on")), name="term_expires_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.organization} {self.started_on}–{self.expires_on}"
