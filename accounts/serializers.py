"""API shapes of accounts and role assignments. Passwords are write-only; phone numbers go out masked."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from rest_framework import serializers

from accounts.models import RoleAssignment, User
from core import roles
from core.api import ScopedPrimaryKeyField, enum_field
from core.masking import mask_phone
from core.scoping import scope_for
from members.models import Member
from members.selectors import sees_sensitive
from orgs.models import Organization

RoleField = enum_field(roles.Role, "RoleEnum")


def managed_organization(**kwargs) -> ScopedPrimaryKeyField:
    """Organizations under which the requesting system administrator manages accounts."""
    return ScopedPrimaryKeyField(
        queryset=Organization.objects.all(),
        limit=lambda qs, user: qs.filter(scope_for(user).q("path", roles.MANAGE_USERS)),
        **kwargs,
    )


def shown_account_phone(viewer, account: User) -> str:
    """Full to the account holder and to whoever sees the linked member's numbers in full."""
    if viewer.pk == account.pk or (account.member_id and sees_sensitive(viewer, account.member)):
        return account.phone
    return mask_phone(account.phone)


class RoleAssignmentSerializer(serializers.ModelSerializer):
    role = RoleField(read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = RoleAssignment
        fields = [
            "id",
            "user",
            "username",
            "role",
            "role_display",
            "organization",
            "organization_name",
            "started_on",
            "ended_on",
        ]
        read_only_fields = fields


class AccountSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)
    phone = serializers.SerializerMethodField(help_text="本人以外脱敏显示")
    roles = RoleAssignmentSerializer(
        source="visible_roles", many=True, read_only=True, label="角色（本人可管理范围内）"
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "first_name",
            "last_name",
            "email",
            "phone",
            "member",
            "is_active",
            "must_change_password",
            "locked_until",
            "last_login",
            "roles",
        ]
        read_only_fields = fields

    def get_phone(self, account) -> str:
        return shown_account_phone(self.context["request"].user, account)


class AccountCreateSerializer(serializers.ModelSerializer):
    password = serializers.CharField(
        label="初始密码", write_only=True, style={"input_type": "password"}
    )
    phone = serializers.CharField(
        label="手机号", write_only=True, max_length=32, required=False, allow_blank=True
    )
    member = ScopedPrimaryKeyField(
        label="对应党员",
        queryset=Member.objects.all(),
        required=False,
        allow_null=True,
        limit=lambda qs, user: qs.filter(scope_for(user).q("branch__path", roles.MANAGE_USERS)),
    )
    role = RoleField(label="授予角色", required=False, allow_blank=True)
    organization = managed_organization(label="角色所在组织", required=False, allow_null=True)

    class Meta:
        model = User
        fields = ["username", "password", "first_name", "phone", "member", "role", "organization"]

    def validate(self, attrs):
        # Checked here too so that password rules come back under "password", not as a general error.
        candidate = User(username=attrs["username"], first_name=attrs.get("first_name", ""))
        try:
            validate_password(attrs["password"], candidate)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"password": error.messages})
        return attrs


class RoleAssignmentCreateSerializer(serializers.Serializer):
    user = ScopedPrimaryKeyField(
        label="用户", queryset=User.objects.all(), limit=lambda qs, user: qs.visible_to(user)
    )
    role = RoleField(label="角色")
    organization = managed_organization(label="所在组织")
    started_on = serializers.DateField(label="开始日期", required=False, allow_null=True)


class RoleRevokeSerializer(serializers.Serializer):
    effective_on = serializers.DateField(
        label="停止生效日期", default=timezone.localdate, help_text="当天起该角色不再生效"
    )


class MyRoleSerializer(serializers.ModelSerializer):
    role = RoleField(read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = RoleAssignment
        fields = [
            "id",
            "role",
            "role_display",
            "organization",
            "organization_name",
            "started_on",
            "ended_on",
        ]
        read_only_fields = fields


class MeSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)
    roles = MyRoleSerializer(source="active_roles", many=True, read_only=True, label="当前角色")

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "phone",
            "email",
            "member",
            "must_change_password",
            "roles",
        ]
        read_only_fields = fields


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(label="令牌", read_only=True)
