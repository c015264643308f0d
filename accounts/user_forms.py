"""Forms of the account pages; rules and messages come from accounts.admin_services."""

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from core import roles
from core.roles import Role
from core.scoping import scope_for
from core.validators import normalize_id_number, validate_phone
from members.models import Member
from members.selectors import member_by_id_number
from orgs.models import Organization

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
GRANTABLE_ROLES = [(value, label) for value, label in Role.choices if value != Role.MEMBER]


def managed_organizations(admin):
    return (
        Organization.objects.filter(scope_for(admin).q("path", roles.MANAGE_USERS))
        .active()
        .order_by("path")
    )


def tree_label(org: Organization) -> str:
    """Indented by depth, so same-named branches of different departments can be told apart."""
    return "\u3000" * org.depth + org.name


def organization_field(label: str, required: bool) -> forms.ModelChoiceField:
    field = forms.ModelChoiceField(
        label=label,
        queryset=Organization.objects.none(),
        required=required,
        empty_label="请选择组织",
    )
    field.label_from_instance = tree_label
    return field


def linkable_members(admin):
    """Members in good standing under the administrator's scope who have no account yet."""
    scope = scope_for(admin)
    return (
        Member.objects.filter(scope.q("branch__path", roles.MANAGE_USERS), user__isnull=True)
        .in_good_standing()
        .select_related("branch")
    )


def add_service_errors(form, error: ValidationError) -> None:
    """A service's errors on the matching fields; anything else on the form as a whole."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


class PasswordPairMixin:
    """Two password fields that must match and satisfy the password policy for the given account."""

    def check_passwords(self, user: User) -> None:
        first, second = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if not first or not second:
            return
        if first != second:
            self.add_error("password2", "两次输入的密码不一致")
            return
        try:
            validate_password(first, user)
        except ValidationError as error:
            self.add_error("password1", error)


def password_fields():
    return (
        forms.CharField(
            label="初始密码",
            strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
            help_text="至少8位，包含小写字母、大写字母、数字、符号中的3类；用户首次登录须修改",
        ),
        forms.CharField(
            label="确认密码",
            strip=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        ),
    )


class UserCreateForm(PasswordPairMixin, forms.Form):
    username = forms.CharField(label="用户名", max_length=150, help_text="字母、数字或 @ . + - _")
    first_name = forms.CharField(
        label="姓名", max_length=150, required=False, help_text="未关联党员档案时填写"
    )
    phone = forms.CharField(
        label="手机号",
        max_length=11,
        required=False,
        validators=[validate_phone],
        help_text="可用手机号登录",
    )
    member_id_number = forms.CharField(
        label="关联党员（按身份证号）",
        max_length=18,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="或在下方按姓名查找后选择",
    )
    member = forms.ModelChoiceField(
        label="关联党员（按姓名选择）",
        queryset=Member.objects.none(),
        required=False,
        widget=forms.HiddenInput,
    )
    password1, password2 = password_fields()
    role = forms.ChoiceField(
        label="授予角色", choices=[("", "—（暂不授予）")] + GRANTABLE_ROLES, required=False
    )
    organization = organization_field("角色所在组织", required=False)

    def __init__(self, *args, admin, **kwargs):
        super().__init__(*args, **kwargs)
        self.admin = admin
        self.fields["member"].queryset = linkable_members(admin)
        self.fields["organization"].queryset = managed_organizations(admin)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError("该用户名已被使用")
        return username

    def clean(self):
        cleaned = super().clean()
        id_number = normalize_id_number(cleaned.get("member_id_number", ""))
        if id_number:
            found = member_by_id_number(linkable_members(self.admin), id_number).first()
            if found is None:
                # One message for "unknown", "outside scope" and "already has an account": nothing leaks.
                self.add_error(
                    "member_id_number", "未找到可关联的党员（不存在、不在管理范围内或已有账号）"
                )
            elif cleaned.get("member") and cleaned["member"] != found:
                self.add_error("member_id_number", "按身份证号找到的党员与所选党员不一致")
            else:
                cleaned["member"] = found
        self.check_passwords(
            User(username=cleaned.get("username", ""), first_name=cleaned.get("first_name", ""))
        )
        return cleaned

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "username": data["username"],
            "password": data["password1"],
            "phone": data.get("phone") or "",
            "member": data.get("member"),
            "first_name": data.get("first_name") or "",
            "role": data.get("role") or "",
            "organization": data.get("organization"),
        }


class RoleGrantForm(forms.Form):
    role = forms.ChoiceField(label="角色", choices=[("", "请选择角色")] + GRANTABLE_ROLES)
    organization = organization_field("所在组织", required=True)
    started_on = forms.DateField(label="开始日期", widget=DATE_INPUT, initial=timezone.localdate)

    def __init__(self, *args, admin, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = managed_organizations(admin)


class RoleEndForm(forms.Form):
    effective_on = forms.DateField(
        label="失效日期",
        widget=DATE_INPUT,
        initial=timezone.localdate,
        help_text="自该日起角色不再有效",
    )


class PasswordResetForm(PasswordPairMixin, forms.Form):
    password1, password2 = password_fields()

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["password1"].label = "新的临时密码"

    def clean(self):
        cleaned = super().clean()
        self.check_passwords(self.user)
        return cleaned
