"""Demo login accounts, one or more for every role, sharing one password that meets the policy."""

from accounts.models import RoleAssignment, User
from accounts.services import user_create

DEMO_PASSWORD = "Demo@2026"
# Fixed order for the printed table: party roles top-down, then 三员分立 accounts.
USERNAMES = (
    "gwadmin",
    "qgwadmin",
    "dzsj",
    "jgdwsj",
    "zbsj1",
    "zbsj2",
    "zzwy",
    "xcwy",
    "jjwy",
    "dwgb",
    "dangyuan",
    "sysadmin",
    "auditor",
)


class AccountsTaken(Exception):
    """A demo username already belongs to someone: nothing is written."""


def create_accounts(accounts) -> list[User]:
    """Accounts through the account service (validated, audited); no forced password change."""
    taken = set(
        User.objects.filter(username__in=[a.username for a in accounts]).values_list(
            "username", flat=True
        )
    )
    if taken:
        raise AccountsTaken(f"以下演示账号名已被占用，未生成任何数据：{'、'.join(sorted(taken))}")
    return [
        user_create(
            username=a.username,
            password=DEMO_PASSWORD,
            member=a.member,
            must_change_password=False,
            roles=a.roles,
        )
        for a in accounts
    ]


def account_rows() -> list[tuple[str, str, str, str, str]]:
    """(账号, 角色, 所在组织, 对应党员, 密码) for each demo account that exists, in USERNAMES order."""
    users = {
        u.username: u
        for u in User.objects.filter(username__in=USERNAMES).select_related("member__branch")
    }
    assignments = (
        RoleAssignment.objects.active()
        .filter(user__in=users.values())
        .select_related("organization")
    )
    roles: dict[int, list] = {}
    for assignment in assignments.order_by("organization__path"):
        roles.setdefault(assignment.user_id, []).append(assignment)
    rows = []
    for username in USERNAMES:
        user = users.get(username)
        if user is None:
            continue
        held = roles.get(user.pk, [])
        role = "、".join(dict.fromkeys(a.get_role_display() for a in held)) or "党员"
        org = "、".join(a.organization.name for a in held) or (
            user.member.branch.name if user.member else ""
        )
        rows.append((username, role, org, user.member.name if user.member else "—", DEMO_PASSWORD))
    return rows
