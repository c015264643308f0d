"""Sends users who must change their password (first login, rotation) to the change page."""

from django.shortcuts import redirect
from django.urls import reverse

from accounts.services import password_expired

ALLOWED_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/password/",
    "/static/",
    "/api/",
)


class PasswordPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(ALLOWED_PREFIXES)
            and (user.must_change_password or password_expired(user))
        ):
            return redirect(reverse("accounts:password_change"))
        return self.get_response(request)
