"""User accounts and the roles that bind them to organizations."""

from datetime import date

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone

from core import crypto, roles
from core.fields import EncryptedTextField
from core.roles import Role
from core.scoping import scope_for


class AccountQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Accounts bound (by role or member record) under the organizations the user manages."""
        scope = scope_for(user)
        query = scope.q("role_assignments__organization__path", roles.MANAGE_USERS)
        query |= scope.q("member__branch__path", roles.MANAGE_USERS)
        query |= Q(pk=user.pk)
        return self.filter(query).distinct()

    def by_phone(self, value: str):
        return self.filter(phone_digest=crypto.digest(value.strip()))


class AccountManager(UserManager.from_queryset(AccountQuerySet)):
    pass


class User(AbstractUser):
    """A login account, optionally linked to the member record of the person who holds it."""

    AUDIT_EXTRA_FIELDS = ("phone",)
    AUDIT_HIDDEN_FIELDS = ("phone_enc", "last_login")

    phone_enc = EncryptedTextField("手机号（密文）", blank=True, editable=False)
    phone_digest = models.CharField(
        "手机号摘要", max_length=64, blank=True, db_index=True, editable=False
    )
    member = models.OneToOneField(
        "members.Member",
        verbose_name="对应党员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="user",
    )
    failed_logins = models.PositiveSmallIntegerField("连续登录失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)
    must_change_password = models.BooleanField("首次登录须改密码", default=False)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)
    email_notifications = models.BooleanField("接收邮件提醒", default=False)

    objects = AccountManager()

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    @property
    def phone(self) -> str:
        return self.phone_enc or ""

    @phone.setter
    def phone(self, value: str):
        value = (value or "").strip()
        self.phone_enc = value
        self.phone_digest = crypto.digest(value) if value else ""

    @property
    def display_name(self) -> str:
        if self.member_id:
            return self.member.name
        return self.get_full_name() or self.username

    @property
    def scope(self):
        return scope_for(self)


class RoleAssignmentQuerySet(models.QuerySet):
    def active(self, on: date | None = None):
        on = on or timezone.localdate()
        return self.filter(Q(started_on__lte=on), Q(ended_on__isnull=True) | Q(ended_on__gte=on))

    def visible_to(self, user):
        return self.filter(scope_for(user).q("organization__path", roles.MANAGE_USERS))


class RoleAssignment(models.Model):
    """A role a user holds at an organization: it reaches everything under that organization."""

    user = models.ForeignKey(
        User, verbose_name="用户", on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    organization = models.ForeignKey(
        "orgs.Organization",
        verbose_name="所在组织",
        on_delete=models.PROTECT,
        related_name="role_assignments",
    )
    started_on = models.DateField("开始日期", default=timezone.localdate)
    ended_on = models.DateField("结束日期", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "角色授权"
        ordering = ["user", "role"]
        indexes = [models.Index(fields=["user", "ended_on"], name="role_user_ended")]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.organization}"
