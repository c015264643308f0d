"""Log in with a username or a mobile phone number; locked accounts are refused."""

from django.contrib.auth.backends import ModelBackend
from django.utils import timezone

from accounts.models import User
from core.validators import PHONE_PATTERN


class UsernameOrPhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or password is None:
            return None
        login = username.strip()
        if PHONE_PATTERN.match(login):
            user = (
                User.objects.by_phone(login).first() or User.objects.filter(username=login).first()
            )
        else:
            user = User.objects.filter(username=login).first()
        if user is None:
            User().set_password(password)  # same cost as a real check: no timing oracle
            return None
        if user.locked_until and user.locked_until > timezone.now():
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
