"""Login and password forms with Chinese messages."""

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.utils import timezone

from accounts.services import find_login_user, is_locked


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label="用户名或手机号",
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label="密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid_login": "用户名（手机号）或密码不正确。连续失败5次将锁定账号15分钟。",
        "inactive": "该账号已停用。",
        "locked": "该账号因连续登录失败已被锁定，请在 %(minutes)s 分钟后再试。",
    }

    def clean(self):
        login = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if login and password:
            user = find_login_user(login)
            if user is not None and is_locked(user):
                minutes = max(
                    1, int((user.locked_until - timezone.now()).total_seconds() // 60) + 1
                )
                raise forms.ValidationError(
                    self.error_messages["locked"], code="locked", params={"minutes": minutes}
                )
            self.user_cache = authenticate(self.request, username=login, password=password)
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="原密码", strip=False, widget=forms.PasswordInput)
    new_password1 = forms.CharField(
        label="新密码",
        strip=False,
        widget=forms.PasswordInput,
        help_text="至少8位，包含小写字母、大写字母、数字、符号中的3类",
    )
    new_password2 = forms.CharField(label="确认新密码", strip=False, widget=forms.PasswordInput)

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_old_password(self):
        value = self.cleaned_data["old_password"]
        if not self.user.check_password(value):
            raise forms.ValidationError("原密码不正确")
        return value

    def clean(self):
        new1, new2 = self.cleaned_data.get("new_password1"), self.cleaned_data.get("new_password2")
        if new1 and new2:
            if new1 != new2:
                self.add_error("new_password2", "两次输入的新密码不一致")
            elif new1 == self.cleaned_data.get("old_password"):
                self.add_error("new_password1", "新密码不能与原密码相同")
            else:
                try:
                    validate_password(new1, self.user)
                except forms.ValidationError as error:
                    self.add_error("new_password1", error)
        return self.cleaned_data
