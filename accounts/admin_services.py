"""Account administration by the system administrator (三员分立): create, unlock, reset, grant, revoke.

Every function checks that the target lies in the administrator's MANAGE_USERS scope where an
organization is involved, refuses changes to the administrator's own roles, and writes the audit log.
"""

from datetime import date, timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import services
from accounts.models import RoleAssignment, User
from core import audit, roles
from core.roles import Role
from core.scoping import scope_for

# 三员分立: these roles are held alone, never together with each other or with party-work roles.
SEPARATED_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN})


def _check_grant(*, actor, user: User, role: str, organization) -> None:
    if role == Role.MEMBER:
        raise ValidationError({"role": "“党员”角色来自关联的党员档案，无需单独授予"})
    if actor is not None and user.pk == actor.pk:
        raise ValidationError({"role": "不能为自己授予角色"})
    if actor is not None and not scope_for(actor).allows(roles.MANAGE_USERS, organization.path):
        raise ValidationError({"organization": "该组织不在您的管理范围内"})
    if not organization.is_active:
        raise ValidationError({"organization": "该组织已撤销或合并"})
    active = user.role_assignments.active() if user.pk else RoleAssignment.objects.none()
    if active.filter(role=role, organization=organization).exists():
        raise ValidationError({"role": "该用户在此组织已拥有该角色"})
    combined = set(active.values_list("role", flat=True)) | {role}
    if combined & SEPARATED_ROLES and len(combined) > 1:
        raise ValidationError(
            {"role": "三员分立：系统管理员、安全审计员不能与其他角色由同一账号兼任"}
        )


@transaction.atomic
def role_grant(
    *, actor, user: User, role: str, organization, started_on: date | None = None
) -> RoleAssignment:
    """Bind a role at an organization after the 三员分立 and scope checks."""
    _check_grant(actor=actor, user=user, role=role, organization=organization)
    return services.role_assign(
        user=user, role=role, organization=organization, actor=actor, started_on=started_on
    )


def role_revoke(*, actor, assignment: RoleAssignment, effective_on: date) -> RoleAssignment:
    """The role stops working from effective_on: its last active day is the day before."""
    if actor is not None and assignment.user_id == actor.pk:
        raise ValidationError({"effective_on": "不能结束自己的角色"})
    if assignment.ended_on is not None and assignment.ended_on < effective_on:
        raise ValidationError({"effective_on": "该角色已结束"})
    services.role_end(assignment=assignment, ended_on=effective_on - timedelta(days=1), actor=actor)
    return assignment


@transaction.atomic
def account_create(
    *,
    actor,
    username: str,
    password: str,
    phone: str = "",
    member=None,
    first_name: str = "",
    role: str = "",
    organization=None,
) -> User:
    """A new account that must change its password on first login, with an optional first role."""
    if member is None and not role:
        # An account with neither lies outside every administrator's scope and could not be managed.
        raise ValidationError({"role": "请关联党员档案或授予至少一个角色"})
    if role and organization is None:
        raise ValidationError({"organization": "请选择授予角色的组织"})
    if phone and User.objects.by_phone(phone).exists():
        raise ValidationError({"phone": "该手机号已被其他账号使用"})
    if member is not None and User.objects.filter(member=member).exists():
        raise ValidationError({"member": "该党员已有账号"})
    user = services.user_create(
        username=username,
        password=password,
        actor=actor,
        phone=phone,
        member=member,
        first_name=first_name,
        must_change_password=True,
    )
    if role:
        role_grant(actor=actor, user=user, role=role, organization=organization)
    return user


def account_unlock(*, actor, user: User) -> User:
    """Lift a lockout from failed logins before it runs out."""
    if not services.is_locked(user) and not user.failed_logins:
        raise ValidationError("该账号未被锁定")
    before = audit.snapshot(user, ["failed_logins", "locked_until"])
    user.failed_logins, user.locked_until = 0, None
    user.save(update_fields=["failed_logins", "locked_until"])
    audit.record(
        audit.Action.UPDATE,
        actor=actor,
        instance=user,
        detail="管理员解除账号锁定",
        changes=audit.diff(before, audit.snapshot(user, ["failed_logins", "locked_until"])),
    )
    return user


def password_reset(*, actor, user: User, new_password: str) -> User:
    """Set a temporary password; the holder must change it at the next login. Also lifts a lockout."""
    validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = True
    user.password_changed_at = timezone.now()
    user.failed_logins, user.locked_until = 0, None
    user.save(
        update_fields=[
            "password",
            "must_change_password",
            "password_changed_at",
            "failed_logins",
            "locked_until",
        ]
    )
    audit.record(
        audit.Action.PASSWORD_CHANGED,
        actor=actor,
        instance=user,
        detail="管理员重置密码，下次登录须修改",
    )
    return user
