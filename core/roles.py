"""Roles and what each may do: the one table every permission check reads."""

from django.db import models


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", "机关工委管理员"
    PARTY_GROUP_SECRETARY = "party_group_secretary", "党组书记"
    PARTY_COMMITTEE_SECRETARY = "party_committee_secretary", "机关党委书记"
    BRANCH_SECRETARY = "branch_secretary", "支部书记"
    ORGANIZATION_MEMBER = "organization_member", "组织委员"
    PUBLICITY_MEMBER = "publicity_member", "宣传委员"
    DISCIPLINE_MEMBER = "discipline_member", "纪检委员"
    PARTY_WORKER = "party_worker", "党务干部"
    MEMBER = "member", "党员"
    # 三员分立: system administration and audit are separate from party work and from each other.
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    AUDIT_ADMIN = "audit_admin", "安全审计员"


READ = "read"  # see organizations and member records under the bound organization
WRITE = "write"  # create, change and import them
SENSITIVE = "sensitive"  # see full ID and phone numbers
MANAGE_USERS = "manage_users"  # create accounts and bind roles under the bound organization
READ_AUDIT = "read_audit"  # read the audit log

CAPABILITIES: dict[str, frozenset[str]] = {
    Role.CITY_ADMIN: frozenset({READ, WRITE, SENSITIVE}),
    Role.PARTY_GROUP_SECRETARY: frozenset({READ, WRITE}),
    Role.PARTY_COMMITTEE_SECRETARY: frozenset({READ, WRITE}),
    Role.BRANCH_SECRETARY: frozenset({READ, WRITE}),
    Role.ORGANIZATION_MEMBER: frozenset({READ, WRITE, SENSITIVE}),
    Role.PUBLICITY_MEMBER: frozenset({READ}),
    Role.DISCIPLINE_MEMBER: frozenset({READ}),
    Role.PARTY_WORKER: frozenset({READ, WRITE, SENSITIVE}),
    Role.MEMBER: frozenset(),
    Role.SYSTEM_ADMIN: frozenset({MANAGE_USERS}),
    Role.AUDIT_ADMIN: frozenset({READ_AUDIT}),
}
