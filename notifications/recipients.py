"""Who hears of an organization's business, read in one query whatever the number of organizations.

Reminders and services ask here instead of querying role assignments themselves: the write-role
holders of each organization (its secretaries first, where a secretary is wanted), the accounts of
members, and one notification per recipient.
"""

from collections import defaultdict
from datetime import date

from accounts.models import RoleAssignment, User
from core.roles import CAPABILITIES, WRITE, Role
from notifications.models import Notification

WRITE_ROLES = [role for role, capabilities in CAPABILITIES.items() if WRITE in capabilities]
SECRETARY_ROLES = {
    Role.BRANCH_SECRETARY,
    Role.PARTY_COMMITTEE_SECRETARY,
    Role.PARTY_GROUP_SECRETARY,
}


class Holders:
    """Active holders of `roles` (write roles by default) per organization, on `on`.

    Of every organization, or only of `org_ids` when given (a reminder about a few organizations
    need not read the whole city's assignments).
    """

    def __init__(self, on: date | None = None, org_ids=None, roles=None):
        self.by_org: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
        rows = RoleAssignment.objects.active(on).filter(
            role__in=roles or WRITE_ROLES, user__is_active=True
        )
        if org_ids is not None:
            rows = rows.filter(organization_id__in=list(org_ids))
        for org_id, user_id, role in rows.values_list("organization_id", "user_id", "role"):
            self.by_org[org_id][user_id].add(role)

    def writers(self, org_id: int) -> set[int]:
        """Everyone holding one of the roles read at the organization."""
        return set(self.by_org.get(org_id, ()))

    def responsible(self, org_id: int) -> set[int]:
        """The secretaries of the organization; without one, whoever else may record there."""
        users = self.by_org.get(org_id, {})
        secretaries = {u for u, held in users.items() if held & SECRETARY_ROLES}
        return secretaries or set(users)


def accounts_of(member_ids) -> dict[int, int]:
    """member id -> id of the member's active account (members without one are left out)."""
    rows = User.objects.filter(member_id__in=member_ids, is_active=True)
    return dict(rows.values_list("member_id", "pk"))


def to_each(user_ids, *, dedupe_key: str, **fields) -> list[Notification]:
    """One unsaved notification per recipient, in id order; each key ends with its recipient's id."""
    return [
        Notification(recipient_id=user_id, dedupe_key=f"{dedupe_key}:{user_id}", **fields)
        for user_id in sorted(user_ids)
    ]
