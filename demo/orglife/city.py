"""The written city as plain data, read once: organizations, who belonged where when, who held
which post, and how diligent each organization is."""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from members.models import Member, MembershipPeriod
from orglife.models import Attendance
from orgs.models import (
    BRANCH_KINDS,
    COMMITTEE_POSITIONS,
    Organization,
    OrgKind,
    Position,
    PositionKind,
    Term,
    Unit,
)

R = Attendance.Role


@dataclass(frozen=True)
class Profile:
    """How diligent an organization is: the chance a required activity is held, the share present."""

    held: float
    present: float
    slump_months: int = 0  # months a year with hardly anything held


EXEMPLARY, STEADY = Profile(0.99, 0.93), Profile(0.95, 0.89)
LAGGING = Profile(0.88, 0.85, slump_months=3)
WEAK = Profile(0.3, 0.8)  # overdue term or vacant secretary: the committee has lapsed


@dataclass
class Org:
    id: int
    kind: str
    name: str
    path: str
    parent_id: int | None
    unit: str
    profile: Profile = STEADY
    department_id: int | None = None  # the 党组 above, whose leaders may join as 双重组织生活
    theme_day: int = 15  # the branch's fixed day of the month (R-LIFE-5)


class City:
    """The written city, read once: organizations, who belonged where when, who held which post."""

    def __init__(self, as_of: date, rng: random.Random):
        self.as_of, self.rng = as_of, rng
        units = dict(Unit.objects.values_list("id", "name"))
        rows = (
            Organization.objects.active()
            .order_by("path")
            .values_list("id", "kind", "name", "path", "parent_id", "unit_id")
        )
        self.orgs = [Org(i, k, n, p, parent, units.get(u, "")) for i, k, n, p, parent, u in rows]
        self.by_id = {o.id: o for o in self.orgs}
        self.names = dict(Member.objects.in_good_standing().values_list("id", "name"))
        category = dict(Member.objects.in_good_standing().values_list("id", "category"))
        groups = dict(
            Member.objects.in_good_standing()
            .filter(group__isnull=False)
            .values_list("id", "group_id")
        )
        self.periods = defaultdict(list)  # branch id -> [(member, category, start, end)]
        self.group_members = defaultdict(list)
        for member, org, start, end in MembershipPeriod.objects.filter(
            member_id__in=category
        ).values_list("member_id", "organization_id", "started_on", "ended_on"):
            entry = (member, category[member], start, end)
            self.periods[org].append(entry)
            if end is None and member in groups:
                self.group_members[groups[member]].append(entry)
        self.positions = defaultdict(list)  # org id -> [(member, kind, start, end)]
        for org, *rest in Position.objects.order_by("id").values_list(
            "organization_id", "member_id", "kind", "started_on", "ended_on"
        ):
            self.positions[org].append(tuple(rest))
        self.terms = dict(
            Term.objects.order_by("started_on").values_list("organization_id", "expires_on")
        )
        self.term_starts = dict(
            Term.objects.order_by("started_on").values_list("organization_id", "started_on")
        )
        self._place_orgs()

    def _place_orgs(self):
        group_of = {}
        for org in self.orgs:
            parent = self.by_id.get(org.parent_id)
            if org.kind == OrgKind.PARTY_GROUP:
                group_of[org.id] = org.id
            elif parent:
                group_of[org.id] = group_of.get(parent.id)
            org.department_id = group_of.get(org.id)
            if org.kind in BRANCH_KINDS:
                overdue = self.terms.get(org.id, self.as_of) < self.as_of
                vacant = not self.holders(org.id, self.as_of, (PositionKind.SECRETARY,))
                roll = self.rng.random()
                if overdue or vacant:
                    org.profile = WEAK
                else:
                    org.profile = EXEMPLARY if roll < 0.45 else STEADY if roll < 0.9 else LAGGING
                org.theme_day = self.rng.randint(5, 25)
            elif org.kind == OrgKind.GROUP:
                org.profile = parent.profile

    def holders(self, org_id: int, day: date, kinds=COMMITTEE_POSITIONS) -> list[int]:
        """Members holding one of the posts on that day (Position.objects.current)."""
        return [
            m for m, kind, start, end in self.positions.get(org_id, ())
            if kind in kinds and start <= day and (end is None or end > day)
        ]  # fmt: skip

    def leaders(self, org_id: int, day: date) -> list[int]:
        """Holders on that day, or (for days before the recorded posts began) the current ones."""
        return self.holders(org_id, day) or self.holders(org_id, self.as_of)

    def roster(self, org: Org, day: date) -> list:
        """Members of the organization on that day, with their category and role."""
        if org.kind == OrgKind.GROUP:
            entries = self.group_members.get(org.id, ())
        elif org.kind in BRANCH_KINDS:
            entries = self.periods.get(org.id, ())
        else:
            entries = [
                e
                for o in self.orgs
                if o.path.startswith(org.path)
                for e in self.periods.get(o.id, ())
            ]
        return [
            (m, c, R.MEMBER)
            for m, c, start, end in entries
            if start <= day and (end is None or day < end)
        ]

    def named(self, member_ids) -> list:
        category = Member.Category.EMPLOYED
        return [(m, category, R.MEMBER) for m in member_ids]
