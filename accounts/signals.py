"""Login and logout go to the audit log and drive the lockout counter."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from accounts import services
from core import audit


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    services.login_succeeded(user=user)


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    services.login_failed(login=credentials.get("username", ""))


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if user is not None:
        audit.record(audit.Action.LOGOUT, actor=user, instance=user, request=request)
