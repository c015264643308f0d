"""Account writes: login security, password changes, accounts and role bindings."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import RoleAssignment, User
from core import audit
from core.validators import PHONE_PATTERN


def find_login_user(login: str) -> User | None:
    login = (login or "").strip()
    if PHONE_PATTERN.match(login):
        return User.objects.by_phone(login).first() or User.objects.filter(username=login).first()
    return User.objects.filter(username=login).first()


def is_locked(user: User) -> bool:
    return bool(user.locked_until and user.locked_until > timezone.now())


def login_failed(*, login: str) -> User | None:
    """Count a failed login; the Nth failure in a row locks the account for the set minutes."""
    user = find_login_user(login)
    audit.record(
        audit.Action.LOGIN_FAILED,
        instance=user,
        object_repr=login[:150],
        detail="账号不存在" if user is None else "密码错误或账号已锁定",
    )
    if user is None or is_locked(user):
        return user
    user.failed_logins += 1
    fields = ["failed_logins"]
    if user.failed_logins >= settings.LOGIN_MAX_FAILURES:
        user.locked_until = timezone.now() + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
        user.failed_logins = 0
        fields.append("locked_until")
        revoke_api_tokens(user)
        audit.record(
            audit.Action.LOCKED,
            instance=user,
            detail=f"连续{settings.LOGIN_MAX_FAILURES}次登录失败，锁定{settings.LOGIN_LOCKOUT_MINUTES}分钟",
        )
    User.objects.filter(pk=user.pk).update(**{f: getattr(user, f) for f in fields})
    return user


def login_succeeded(*, user: User) -> None:
    User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
    audit.record(audit.Action.LOGIN, actor=user, instance=user)


def password_expired(user: User) -> bool:
    max_age = settings.PASSWORD_MAX_AGE_DAYS
    if not max_age or user.password_changed_at is None:
        return False
    return user.password_changed_at + timedelta(days=max_age) < timezone.now()


def revoke_api_tokens(user: User) -> None:
    """API tokens die with a lock or a password change, like sessions do."""
    Token.objects.filter(user=user).delete()


def password_change(*, user: User, new_password: str) -> None:
    validate_password(new_password, user)
    revoke_api_tokens(user)
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit.record(audit.Action.PASSWORD_CHANGED, actor=user, instance=user)


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    actor=None,
    phone: str = "",
    member=None,
    must_change_password: bool = True,
    roles=(),
    **extra,
) -> User:
    """Create an account with its role bindings ((role, organization) pairs)."""
    user = User(
        username=username, member=member, must_change_password=must_change_password, **extra
    )
    user.phone = phone
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages})
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.full_clean(exclude=["password"])
    user.save()
    audit.record_create(user, actor=actor)
    for role, organization in roles:
        role_assign(user=user, role=role, organization=organization, actor=actor)
    return user


def role_assign(
    *, user: User, role: str, organization, actor=None, started_on=None
) -> RoleAssignment:
    assignment = RoleAssignment(user=user, role=role, organization=organization)
    if started_on:
        assignment.started_on = started_on
    assignment.full_clean()
    assignment.save()
    audit.record_create(assignment, actor=actor)
    return assignment


def role_end(*, assignment: RoleAssignment, ended_on, actor=None) -> None:
    """Roles end, they are never deleted: the history of who could see what stays."""
    before = audit.snapshot(assignment)
    assignment.ended_on = ended_on
    assignment.save(update_fields=["ended_on"])
    audit.record_update(assignment, before, actor=actor)
