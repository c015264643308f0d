"""Member records (党员) and where each member belonged when."""

from datetime import date

from django.db import models
from django.db.models import Q

from core import crypto, roles
from core.fields import EncryptedTextField
from core.scoping import scope_for
from core.validators import normalize_id_number


class MemberQuerySet(models.QuerySet):
    def visible_to(self, user):
        scope = scope_for(user)
        query = scope.q("branch__path", roles.READ)
        if scope.member_id and not scope.allows(roles.READ, scope.member_branch_path):
            query |= Q(pk=scope.member_id)  # an ordinary member sees their own record
        return self.filter(query)

    def writable_by(self, user):
        return self.filter(scope_for(user).q("branch__path", roles.WRITE))

    def in_good_standing(self):
        return self.filter(status=Member.Status.ACTIVE)

    def by_id_number(self, value: str):
        return self.filter(id_number_digest=crypto.digest(normalize_id_number(value)))

    def by_phone(self, value: str):
        return self.filter(phone_digest=crypto.digest(value.strip()))


class Member(models.Model):
    """A party member's record. ID and phone numbers are stored SM4-encrypted with HMAC-SM3 digests."""

    class Gender(models.TextChoices):
        MALE = "male", "男"
        FEMALE = "female", "女"

    class Education(models.TextChoices):
        POSTGRADUATE = "postgraduate", "研究生"
        BACHELOR = "bachelor", "大学本科"
        COLLEGE = "college", "大学专科"
        SECONDARY_VOCATIONAL = "secondary_vocational", "中专"
        HIGH_SCHOOL = "high_school", "高中"
        JUNIOR_OR_BELOW = "junior_or_below", "初中及以下"

    class MembershipKind(models.TextChoices):
        FULL = "full", "正式党员"
        PROBATIONARY = "probationary", "预备党员"

    class Category(models.TextChoices):
        EMPLOYED = "employed", "在职"
        RETIRED = "retired", "离退休"
        MOBILE = "mobile", "流动党员"
        LOST_CONTACT = "lost_contact", "失联党员"

    class Status(models.TextChoices):
        ACTIVE = "active", "正常"
        TRANSFERRED_OUT = "transferred_out", "已转出"
        MEMBERSHIP_SUSPENDED = "membership_suspended", "停止党籍"
        REMOVED = "removed", "除名"
        LAPSED = "lapsed", "自行脱党"
        LEFT = "left", "出党"
        DECEASED = "deceased", "去世"

    # Shown masked in the audit log; the encrypted and digest columns are never logged.
    AUDIT_EXTRA_FIELDS = ("id_number", "phone")
    AUDIT_HIDDEN_FIELDS = ("id_number_enc", "phone_enc")

    name = models.CharField("姓名", max_length=50, db_index=True)
    name_initials = models.CharField("姓名拼音首字母", max_length=20, db_index=True, editable=False)
    gender = models.CharField("性别", max_length=8, choices=Gender.choices)
    ethnicity = models.CharField("民族", max_length=20, default="汉族")
    birth_date = models.DateField("出生日期")
    id_number_enc = EncryptedTextField("身份证号（密文）", editable=False)
    id_number_digest = models.CharField("身份证号摘要", max_length=64, unique=True, editable=False)
    phone_enc = EncryptedTextField("手机号（密文）", blank=True, editable=False)
    phone_digest = models.CharField(
        "手机号摘要", max_length=64, blank=True, db_index=True, editable=False
    )
    education = models.CharField("学历", max_length=32, choices=Education.choices, blank=True)
    unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name="工作单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    post = models.CharField("职务（岗位）", max_length=100, blank=True)
    joined_on = models.DateField("入党日期")
    confirmed_on = models.DateField("转正日期", null=True, blank=True)
    membership_kind = models.CharField(
        "党员类型", max_length=16, choices=MembershipKind.choices, default=MembershipKind.FULL
    )
    category = models.CharField(
        "党员类别", max_length=16, choices=Category.choices, default=Category.EMPLOYED
    )
    branch = models.ForeignKey(
        "orgs.Organization",
        verbose_name="所在党支部",
        on_delete=models.PROTECT,
        related_name="members",
    )
    group = models.ForeignKey(
        "orgs.Organization",
        verbose_name="所在党小组",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="group_members",
    )
    status = models.CharField(
        "党籍状态", max_length=24, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "党员"
        ordering = ["branch_id", "name", "id"]
        indexes = [models.Index(fields=["branch", "status"], name="member_branch_status")]

    def __str__(self):
        return self.name

    @property
    def id_number(self) -> str:
        return self.id_number_enc or ""

    @id_number.setter
    def id_number(self, value: str):
        value = normalize_id_number(value)
        self.id_number_enc = value
        self.id_number_digest = crypto.digest(value) if value else ""

    @property
    def phone(self) -> str:
        return self.phone_enc or ""

    @phone.setter
    def phone(self, value: str):
        value = (value or "").strip()
        self.phone_enc = value
        self.phone_digest = crypto.digest(value) if value else ""

    @property
    def is_probationary(self) -> bool:
        return self.membership_kind == self.MembershipKind.PROBATIONARY

    @property
    def political_birthday(self) -> date:
        return self.joined_on

    def age_on(self, on: date) -> int:
        return (
            on.year
            - self.birth_date.year
            - ((on.month, on.day) < (self.birth_date.month, self.birth_date.day))
        )


class MembershipPeriod(models.Model):
    """Which organization a member belonged to, from when until when (organization relation history)."""

    member = models.ForeignKey(
        Member, verbose_name="党员", on_delete=models.PROTECT, related_name="membership_periods"
    )
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name="党组织",
        on_delete=models.PROTECT,
        related_name="membership_periods",
    )
    started_on = models.DateField("开始日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    reason = models.CharField("变动原因", max_length=255, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "组织关系历史"
        ordering = ["member", "started_on", "id"]

    def __str__(self):
        return f"{self.member} {self.organization} {self.started_on}–{self.ended_on or ''}"
