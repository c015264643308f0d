"""The demo city as unsaved model instances, drawn from one random.Random(seed).

The plan is pure Python (no queries), so the same (scale, seed, as_of) always gives the same
people, ID numbers and tree; demo.build writes it in bulk.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from math import ceil

from core.roles import Role
from members.models import Member, MembershipPeriod
from orgs.models import (
    BRANCH_KINDS,
    COMMITTEE_POSITIONS,
    Organization,
    OrganizationEvent,
    OrgKind,
    Position,
    PositionKind,
    Term,
    Unit,
)

from . import names
from .orglife import history_start
from .people import PeopleMaker, add_years

P = PositionKind
FINANCE, EDUCATION, STATISTICS = "市财政局", "市教育局", "市统计局"
UNAVAILABLE = (Member.Category.MOBILE, Member.Category.LOST_CONTACT)


@dataclass(frozen=True)
class Scale:
    members: int
    city_departments: int
    district_departments: int
    small_units: int  # grouped three at a time into joint branches
    office_staff: int  # staff of the 机关工委 itself
    group_chance: (
        float  # chance that a branch of 25+ members has 党小组 (the demo branches always do)
    )


SCALES = {
    "tiny": Scale(420, 4, 1, 3, 10, 0.5),  # for tests only
    "demo": Scale(1500, 14, 2, 2, 20, 0.05),
    "city": Scale(42000, 46, 6, 6, 30, 0.065),
}


@dataclass
class Account:
    username: str
    roles: list  # (role, organization) pairs
    member: Member | None = None


@dataclass
class CityPlan:
    scale: str
    seed: int
    as_of: date
    units: list = field(default_factory=list)
    orgs: list = field(default_factory=list)  # parents before children
    members: list = field(default_factory=list)
    periods: list = field(default_factory=list)
    positions: list = field(default_factory=list)
    terms: list = field(default_factory=list)
    events: list = field(default_factory=list)
    accounts: list = field(default_factory=list)


def full_name(unit_name: str) -> str:
    """市财政局 -> 示范市财政局; 城东区财政局 -> 示范市城东区财政局."""
    return names.CITY[:-1] + unit_name if unit_name.startswith("市") else names.CITY + unit_name


def chunks(items: list, size: int) -> list:
    count = ceil(len(items) / size)
    return [items[i::count] for i in range(count)]


class Planner:
    def __init__(self, scale: str, seed: int, as_of: date):
        self.scale = SCALES[scale]
        self.rng = random.Random(seed)
        self.as_of = as_of
        self.people = PeopleMaker(self.rng, as_of)
        self.plan = CityPlan(scale, seed, as_of)
        self.taken: set[int] = set()  # id() of members already holding a position
        self.holders: dict = {}  # (id(org), kind) -> member
        self.branch_members: dict = {}  # id(branch) -> members
        self.full_timers: dict = {}  # id(unit) -> members
        self.children: dict = {}  # id(parent) -> number of children so far (sort order)

    # --- building blocks -------------------------------------------------------------------
    def _org(self, name, kind, parent=None, unit=None, short="", established=None) -> Organization:
        if established is None:
            latest = add_years(self.as_of, -6)  # before any current term began
            span = max(1, (latest - parent.established_on).days)
            established = parent.established_on + timedelta(days=self.rng.randrange(span))
        siblings = self.children.get(id(parent), 0)
        self.children[id(parent)] = siblings + 1
        org = Organization(
            name=name,
            short_name=short,
            kind=kind,
            parent=parent,
            unit=unit,
            established_on=established,
            depth=parent.depth + 1 if parent else 0,
            sort_order=siblings,
        )
        self.plan.orgs.append(org)
        self.plan.events.append(
            OrganizationEvent(
                organization=org,
                kind=OrganizationEvent.Kind.CREATED,
                happened_on=established,
                new_value=name,
                note="演示数据",
            )
        )
        return org

    def _unit(self, name: str) -> Unit:
        unit = Unit(name=name, kind=names.unit_kind(name))
        self.plan.units.append(unit)
        return unit

    def _staff(self, unit: Unit, count: int, category=None) -> list:
        staff = [self.people.member(unit, category) for _ in range(count)]
        self.plan.members.extend(staff)
        return staff

    def _candidates(self, pool, min_age=0) -> list:
        born_by = add_years(self.as_of, -min_age)
        return [
            m
            for m in pool
            if id(m) not in self.taken
            and m.membership_kind == Member.MembershipKind.FULL
            and m.category not in UNAVAILABLE
            and m.birth_date <= born_by
        ]

    def _pick(self, pool, count: int, min_age=0) -> list:
        candidates = self._candidates(pool, min_age) or self._candidates(pool)
        chosen = self.rng.sample(candidates, min(count, len(candidates)))
        self.taken.update(id(m) for m in chosen)
        return chosen

    def _position(self, org, member, kind, started_on=None):
        started_on = started_on or self.as_of - timedelta(days=self.rng.randint(90, 2500))
        self.plan.positions.append(
            Position(organization=org, member=member, kind=kind, started_on=started_on)
        )
        self.holders.setdefault((id(org), kind), member)

    def _fill(self, org, pool, kinds, started_on=None, min_age=0):
        for kind, member in zip(kinds, self._pick(pool, len(kinds), min_age), strict=False):
            self._position(org, member, kind, started_on)

    def _term(self, org, years: int) -> Term:
        """A current term; a few expire within six months and a few are overdue (R-ORG-3)."""
        rng, roll = self.rng, self.rng.random()
        if roll < 0.04:
            expires = self.as_of - timedelta(days=rng.randint(15, 240))
        elif roll < 0.11:
            expires = self.as_of + timedelta(days=rng.randint(10, 175))
        else:
            expires = self.as_of + timedelta(days=rng.randint(190, years * 365 - 30))
        term = Term(organization=org, started_on=add_years(expires, -years), expires_on=expires)
        self.plan.terms.append(term)
        return term

    # --- organizations ---------------------------------------------------------------------
    def _branch(
        self, name, parent, unit, members, kind=OrgKind.BRANCH, force=False
    ) -> Organization:
        """A branch with its members, its committee (支委会 from 7 full members) and maybe 党小组."""
        rng = self.rng
        org = self._org(name, kind, parent, unit)
        self.people.make_names_unique(members)
        for member in members:
            member.branch = org
        self.branch_members[id(org)] = members
        term = self._term(org, 3)
        full = self._candidates(members)
        if len(full) >= 7 and (force or rng.random() > 0.04):  # a few large branches lack a 支委会
            size = 5 if force else rng.choices((3, 4, 5), weights=(3, 3.5, 3.5))[0]
            extra = rng.choice((P.DEPUTY_SECRETARY, P.YOUTH_MEMBER))
            kinds = [
                P.SECRETARY,
                P.ORGANIZATION_MEMBER,
                P.DISCIPLINE_MEMBER,
                P.PUBLICITY_MEMBER,
                extra,
            ][:size]
        else:
            kinds = [P.SECRETARY] + (
                [P.DEPUTY_SECRETARY] if len(full) >= 4 and rng.random() < 0.3 else []
            )
        if not force and rng.random() < 0.03:
            kinds.remove(P.SECRETARY)  # vacant: shows up as a warning
        self._fill(org, members, kinds, term.started_on, min_age=28)
        if len(members) >= 25 and (force or rng.random() < self.scale.group_chance):
            shuffled = rng.sample(members, len(members))
            count = 2 if len(members) < 40 else 3
            for index in range(count):
                group = self._org(
                    f"{name}第{names.ordinal(index + 1)}党小组", OrgKind.GROUP, org, unit
                )
                group_members = shuffled[index::count]
                for member in group_members:
                    member.group = group
                self._fill(group, group_members, [P.GROUP_LEADER])
        return org

    def _committee(self, org, pool, years, kinds):
        term = self._term(org, years)
        self._fill(org, pool, kinds, term.started_on, min_age=35)

    def _split(self, members: list, count: int) -> list:
        weights = [self.rng.uniform(0.7, 1.3) for _ in range(count)]
        sizes = [int(len(members) * w / sum(weights)) for w in weights]
        for index in range(len(members) - sum(sizes)):
            sizes[index % count] += 1
        while max(sizes) > 50:  # R-ORG-1: a branch generally has at most 50 members
            sizes[sizes.index(max(sizes))] -= 1
            sizes[sizes.index(min(sizes))] += 1
        out, start = [], 0
        for size in sizes:
            out.append(members[start : start + size])
            start += size
        return out

    def _work_branches(self, parent, unit, members, divisions, full, force):
        """Branches by division; big divisions get their own 党委 or 党总支 (R-ORG-2)."""
        rng = self.rng
        small = []  # now and then a branch below 7 members, without 支委会
        if len(members) > 60 and rng.random() < 0.3:
            cut = rng.randint(4, 6)
            small, members = members[:cut], members[cut:]
        count = max(ceil(len(members) / rng.uniform(30, 42)), ceil(len(members) / 48), 1)
        groups = self._split(members, count) + ([small] if small else [])
        per_division = [
            groups[i :: len(divisions)] for i in range(min(len(divisions), len(groups)))
        ]
        for division, branches in zip(divisions, per_division, strict=False):
            home, total = parent, sum(len(b) for b in branches)
            if len(branches) > 1 and total >= 100 and rng.random() < 0.7:
                home = self._org(
                    f"中共{full}{division}委员会", OrgKind.PARTY_COMMITTEE, parent, unit
                )
                self._committee(
                    home,
                    [m for b in branches for m in b],
                    5,
                    [P.SECRETARY, P.DEPUTY_SECRETARY, P.ORGANIZATION_MEMBER, P.DISCIPLINE_MEMBER],
                )
            elif len(branches) > 1 and 50 <= total < 100 and rng.random() < 0.6:
                home = self._org(
                    f"{unit.name}{division}党总支", OrgKind.GENERAL_BRANCH, parent, unit
                )
                self._committee(
                    home,
                    [m for b in branches for m in b],
                    3,
                    [P.SECRETARY, P.ORGANIZATION_MEMBER, P.DISCIPLINE_MEMBER],
                )
            for index, branch in enumerate(branches):
                number = f"第{names.ordinal(index + 1)}" if len(branches) > 1 else ""
                self._branch(
                    f"{unit.name}{division}{number}党支部", home, unit, branch, force=force
                )
                force = False

    def _department(self, wc, unit_name, divisions, size):
        rng = self.rng
        unit = self._unit(unit_name)
        first = len(self.plan.positions)
        staff = self._staff(unit, size)
        full, title = full_name(unit_name), names.leader_title(unit_name)
        divisions = list(divisions) + [d for d in names.GENERIC_DIVISIONS if d not in divisions]
        working = [m for m in staff if m.category != Member.Category.RETIRED]
        retired = [m for m in staff if m.category == Member.Category.RETIRED]
        force = unit_name in (FINANCE, EDUCATION)  # demo accounts live in these two

        group = self._org(f"中共{full}党组", OrgKind.PARTY_GROUP, wc, unit)
        leaders = self._pick(working, rng.randint(3, 5), min_age=45)
        for index, member in enumerate(leaders):
            kind = (P.SECRETARY, P.DEPUTY_SECRETARY)[index] if index < 2 else P.COMMITTEE_MEMBER
            member.post = (
                (f"党组书记、{title}", f"党组副书记、副{title}")[index]
                if index < 2
                else f"党组成员、副{title}"
            )
            self._position(group, member, kind)
        if size >= 100:
            base = self._org(f"中共{full}机关委员会", OrgKind.PARTY_COMMITTEE, group, unit)
            self._committee(
                base,
                working,
                5,
                [
                    P.SECRETARY,
                    P.DEPUTY_SECRETARY,
                    P.ORGANIZATION_MEMBER,
                    P.PUBLICITY_MEMBER,
                    P.DISCIPLINE_MEMBER,
                    P.COMMITTEE_MEMBER,
                ],
            )
            if len(retired) < 8:
                working, retired = working + retired, []
            self._work_branches(base, unit, working, divisions, full, force)
            for index, chunk in enumerate(chunks(retired, 45) if retired else []):
                number = f"第{names.ordinal(index + 1)}" if len(retired) > 45 else ""
                self._branch(f"{unit_name}离退休干部{number}党支部", base, unit, chunk)
        elif size >= 50:
            base = self._org(f"中共{full}机关总支部委员会", OrgKind.GENERAL_BRANCH, group, unit)
            self._committee(
                base,
                working,
                3,
                [P.SECRETARY, P.ORGANIZATION_MEMBER, P.PUBLICITY_MEMBER, P.DISCIPLINE_MEMBER],
            )
            for index, chunk in enumerate(
                self._split(rng.sample(staff, len(staff)), max(2, ceil(size / 45)))
            ):
                self._branch(
                    f"{unit_name}{divisions[index]}党支部",
                    base,
                    unit,
                    chunk,
                    force=force and index == 0,
                )
        else:
            base = self._branch(f"{unit_name}机关党支部", group, unit, staff, force=force)
        unit.organization = base
        understaffed = unit_name == STATISTICS or (not force and rng.random() < 0.15)
        self._staffing(unit, base, staff, understaffed, first)
        return group, base

    def _staffing(self, unit, base, staff, understaffed, first_position):
        """Headcount and party workers; understaffed units fall below 2% full-time (R-RESP-5)."""
        rng = self.rng
        employed = sum(1 for m in staff if m.category != Member.Category.RETIRED)
        unit.total_staff = max(employed, ceil(employed / rng.uniform(0.62, 0.9)))
        ratio = 0.01 if understaffed else rng.uniform(0.02, 0.03)
        wanted = (
            int(unit.total_staff * ratio)
            if understaffed
            else max(1, ceil(unit.total_staff * ratio))
        )
        workers = self._pick([m for m in staff if m.category == Member.Category.EMPLOYED], wanted)
        for member in workers:
            member.post = "专职党务干部"
            self._position(base, member, P.FULL_TIME_PARTY_WORKER)
        self.full_timers[id(unit)] = workers
        secretaries = [
            p
            for p in self.plan.positions[first_position:]
            if p.kind == P.SECRETARY
            and p.organization.kind in (OrgKind.BRANCH, OrgKind.JOINT_BRANCH)
        ]
        for position in secretaries:  # branch secretaries do party work part-time
            self._position(
                position.organization,
                position.member,
                P.PART_TIME_PARTY_WORKER,
                position.started_on,
            )
        unit.full_time_party_workers, unit.part_time_party_workers = len(workers), len(secretaries)

    def _joint_branches(self, wc, unit_names):
        for index, batch in enumerate(chunks(list(unit_names), 3) if unit_names else []):
            units = [self._unit(name) for name in batch]
            members = [
                m
                for unit in units
                for m in self._staff(unit, self.rng.randint(2, 4), Member.Category.EMPLOYED)
            ]
            org = self._branch(
                f"市直机关第{names.ordinal(index + 1)}联合党支部",
                wc,
                None,
                members,
                kind=OrgKind.JOINT_BRANCH,
            )
            for unit in units:  # too small for a full-time worker: one person does it part-time
                unit.organization = org
                employed = sum(1 for m in members if m.unit is unit)
                unit.total_staff = employed + self.rng.randint(0, 3)
                unit.full_time_party_workers, unit.part_time_party_workers = 0, 1

    def _tree(self, root_name, short, founded, departments, sizes, office_size, small_units=()):
        """One local tree: 市委/区委 → 机关工委 (with its own office branch) → departments."""
        root = self._org(
            f"中共{root_name}委", OrgKind.LOCAL_COMMITTEE, short=short, established=founded
        )
        wc = self._org(
            f"中共{root_name}直属机关工作委员会",
            OrgKind.ORGANS_WORK_COMMITTEE,
            root,
            short=f"{short[:-1]}直机关工委",
        )
        office = self._unit(f"{short[:-1]}直机关工委")
        staff = self._staff(office, office_size, Member.Category.EMPLOYED)
        self._committee(
            wc, staff, 5, [P.SECRETARY, P.DEPUTY_SECRETARY, P.COMMITTEE_MEMBER, P.COMMITTEE_MEMBER]
        )
        first = len(self.plan.positions)
        office.organization = self._branch(f"{office.name}机关党支部", wc, office, staff)
        self._staffing(office, office.organization, staff, False, first)
        admin = self._pick(staff, 1)[0]
        departments = [
            (name, divisions, size)
            for (name, _w, divisions), size in zip(departments, sizes, strict=True)
        ]
        built = {
            name: self._department(wc, name, divisions, size)
            for name, divisions, size in departments
        }
        self._joint_branches(wc, small_units)
        return root, wc, admin, built

    # --- the whole city ------------------------------------------------------------------------
    def _sizes(self, departments):
        scale, rng = self.scale, self.rng
        budget = scale.members - scale.office_staff * 1.5 - scale.small_units * 3
        total_weight = sum(weight for _name, weight, _d in departments)
        sizes = [
            max(8, round(budget * weight / total_weight * rng.uniform(0.85, 1.15)))
            for _name, weight, _d in departments
        ]
        return [
            max(size, 110) if name == FINANCE else size
            for (name, _w, _d), size in zip(departments, sizes, strict=True)
        ]

    def run(self) -> CityPlan:
        scale = self.scale
        city_depts = list(names.CITY_DEPARTMENTS[: scale.city_departments])
        district_depts = [
            (names.DISTRICT + name[1:], weight, divisions)
            for name, weight, divisions in names.DISTRICT_DEPARTMENTS[: scale.district_departments]
        ]
        sizes = self._sizes(city_depts + district_depts)
        root, wc, admin, city = self._tree(
            names.CITY,
            "市委",
            date(1949, 5, 7),
            city_depts,
            sizes[: len(city_depts)],
            scale.office_staff,
            names.SMALL_UNITS[: scale.small_units],
        )
        d_root, d_wc, d_admin, _district = self._tree(
            names.CITY + names.DISTRICT,
            names.DISTRICT + "委",
            date(1983, 9, 1),
            district_depts,
            sizes[len(city_depts) :],
            scale.office_staff // 2 + 4,
        )
        self._periods()
        self._reelected()
        self._accounts(root, wc, admin, city, d_root, d_wc, d_admin)
        return self.plan

    def _periods(self):
        """Organization-relation history: one open period each, some after an earlier branch."""
        rng = self.rng
        branches = [o for o in self.plan.orgs if o.kind == OrgKind.BRANCH]
        for member in self.plan.members:
            start = max(member.joined_on, member.branch.established_on)
            moved_span = (self.as_of - timedelta(days=60) - start).days - 365
            if member.confirmed_on and moved_span > 0 and rng.random() < 0.08:
                previous = rng.choice(branches)
                if previous is not member.branch:
                    moved = start + timedelta(days=365 + rng.randrange(moved_span))
                    self.plan.periods.append(
                        MembershipPeriod(
                            member=member,
                            organization=previous,
                            started_on=start,
                            ended_on=moved,
                            reason="工作调动",
                        )
                    )
                    start = moved
            self.plan.periods.append(
                MembershipPeriod(
                    member=member, organization=member.branch, started_on=start, reason="建档"
                )
            )

    def _reelected(self):
        """Organizations reach back into the activity history (demo.orglife) with their earlier
        terms, and most branch committee members were re-elected: their posts date back as far as
        their time in the branch allows, so past committee meetings and the secretary's 党课 have
        their committee."""
        window = history_start(self.as_of)
        for term in list(self.plan.terms):
            years, started = term.expires_on.year - term.started_on.year, term.started_on
            while (
                started > window and add_years(started, -years) >= term.organization.established_on
            ):
                earlier = Term(
                    organization=term.organization,
                    started_on=add_years(started, -years),
                    expires_on=started,
                    note="上一届",
                )
                self.plan.terms.append(earlier)
                started = earlier.started_on
        since = {id(p.member): p.started_on for p in self.plan.periods if p.ended_on is None}
        moved = {}
        for position in self.plan.positions:
            org = position.organization
            if org.kind not in BRANCH_KINDS or position.kind not in COMMITTEE_POSITIONS:
                continue
            floor, started = since[id(position.member)], position.started_on
            while started > window and add_years(started, -3) >= floor:
                started = add_years(started, -3)
            position.started_on = moved[(id(org), id(position.member))] = started
        for (
            position
        ) in self.plan.positions:  # a secretary's part-time party work began with the post
            key = (id(position.organization), id(position.member))
            if position.kind == P.PART_TIME_PARTY_WORKER and key in moved:
                position.started_on = moved[key]

    def _accounts(self, root, wc, admin, city, d_root, d_wc, d_admin):
        finance_group, finance_committee = city[FINANCE]
        branch = next(
            o for o in self.plan.orgs if o.kind == OrgKind.BRANCH and o.unit is finance_group.unit
        )
        education_branch = next(
            o
            for o in self.plan.orgs
            if o.kind == OrgKind.BRANCH and o.unit is city[EDUCATION][0].unit
        )
        plain = self._pick(self.branch_members[id(branch)], 1)[0]
        holder = self.holders.get
        self.plan.accounts = [
            Account("gwadmin", [(Role.CITY_ADMIN, wc)], admin),
            Account(
                "dzsj",
                [(Role.PARTY_GROUP_SECRETARY, finance_group)],
                holder((id(finance_group), P.SECRETARY)),
            ),
            Account(
                "jgdwsj",
                [(Role.PARTY_COMMITTEE_SECRETARY, finance_committee)],
                holder((id(finance_committee), P.SECRETARY)),
            ),
            Account("zbsj1", [(Role.BRANCH_SECRETARY, branch)], holder((id(branch), P.SECRETARY))),
            Account(
                "zbsj2",
                [(Role.BRANCH_SECRETARY, education_branch)],
                holder((id(education_branch), P.SECRETARY)),
            ),
            Account(
                "zzwy",
                [(Role.ORGANIZATION_MEMBER, branch)],
                holder((id(branch), P.ORGANIZATION_MEMBER)),
            ),
            Account(
                "xcwy", [(Role.PUBLICITY_MEMBER, branch)], holder((id(branch), P.PUBLICITY_MEMBER))
            ),
            Account(
                "jjwy",
                [(Role.DISCIPLINE_MEMBER, branch)],
                holder((id(branch), P.DISCIPLINE_MEMBER)),
            ),
            Account(
                "dwgb",
                [(Role.PARTY_WORKER, finance_committee)],
                self.full_timers[id(finance_group.unit)][0],
            ),
            Account("dangyuan", [], plain),
            Account("qgwadmin", [(Role.CITY_ADMIN, d_wc)], d_admin),
            Account("sysadmin", [(Role.SYSTEM_ADMIN, root), (Role.SYSTEM_ADMIN, d_root)]),
            Account("auditor", [(Role.AUDIT_ADMIN, root), (Role.AUDIT_ADMIN, d_root)]),
        ]


def plan_city(scale: str = "demo", seed: int = 1, as_of: date | None = None) -> CityPlan:
    return Planner(scale, seed, as_of or date.today()).run()
