"""Login, logout and password change pages."""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts import services
from accounts.forms import LoginForm, PasswordChangeForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_change(user=request.user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)
        messages.success(request, "密码已修改。")
        return redirect("home")
    reason = ""
    if request.user.must_change_password:
        reason = "首次登录（或由管理员重置密码后）须先修改密码。"
    elif services.password_expired(request.user):
        reason = "密码已超过有效期，请修改密码。"
    return render(request, "accounts/password_change.html", {"form": form, "reason": reason})
