"""Factories and the persona city used by every test module."""

from dataclasses import dataclass
from datetime import date
from itertools import count

import factory

from accounts.models import RoleAssignment, User
from core.roles import Role
from core.validators import id_check_char
from members.models import Member, MembershipPeriod
from members.services import name_initials
from orgs.models import Organization, OrgKind, Position, PositionKind, Term, Unit, path_segment

PASSWORD = "Dangjian#2026"
_serial = count(1)
_id_serial = count(100)  # explicit serials in tests stay below 100


def make_id_number(birth: date, serial: int | None = None) -> str:
    """A valid GB 11643 ID number (Shaoxing-like area code) for a birth date."""
    if serial is None:
        serial = next(_id_serial)
        birth = birth.replace(year=birth.year - serial // 1000 % 30)
    first17 = f"330602{birth:%Y%m%d}{serial % 1000:03d}"
    return first17 + id_check_char(first17)


def make_org(name: str, kind: str, parent: Organization | None = None, **fields) -> Organization:
    org = Organization.objects.create(
        name=name, kind=kind, parent=parent, path=f"tmp{next(_serial)}", **fields
    )
    org.path = (parent.path if parent else "") + path_segment(org.pk)
    org.depth = parent.depth + 1 if parent else 0
    org.save(update_fields=["path", "depth"])
    return org


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"测试单位{n}")
    total_staff = 100
    full_time_party_workers = 2
    part_time_party_workers = 3


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    name = factory.Sequence(lambda n: f"党员{n}")
    gender = Member.Gender.MALE
    birth_date = date(1985, 6, 1)
    joined_on = date(2010, 7, 1)
    confirmed_on = date(2011, 7, 1)
    education = Member.Education.BACHELOR

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        id_number = kwargs.pop("id_number", None) or make_id_number(kwargs["birth_date"])
        kwargs["birth_date"] = date(
            int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])
        )
        phone = kwargs.pop("phone", "") or f"138{next(_serial):08d}"
        member = model_class(*args, **kwargs)
        member.id_number = id_number
        member.phone = phone
        member.name_initials = name_initials(member.name)
        member.save()
        MembershipPeriod.objects.create(
            member=member, organization=member.branch, started_on=member.joined_on
        )
        return member


def make_user(username: str, *, roles=(), member=None, **fields) -> User:
    user = User(username=username, member=member, **fields)
    user.set_password(PASSWORD)
    user.save()
    for role, org in roles:
        RoleAssignment.objects.create(
            user=user, role=role, organization=org, started_on=date(2020, 1, 1)
        )
    return user


@dataclass
class City:
    """A small city: 市委 → 机关工委 → two departments, each with a 机关党委 and branches."""

    root: Organization
    work_committee: Organization
    dept_a: Organization
    committee_a: Organization
    branch_a: Organization
    branch_a2: Organization
    dept_b: Organization
    branch_b: Organization
    unit_a: Unit
    unit_b: Unit
    member_a: Member
    member_a2: Member
    member_b: Member
    users: dict


def build_city() -> City:
    root = make_org("中共测试市委", OrgKind.LOCAL_COMMITTEE)
    wc = make_org("中共测试市直属机关工作委员会", OrgKind.ORGANS_WORK_COMMITTEE, root)
    unit_a = UnitFactory(name="市财政局")
    unit_b = UnitFactory(name="市教育局")
    dept_a = make_org("中共测试市财政局党组", OrgKind.PARTY_GROUP, wc, unit=unit_a)
    committee_a = make_org(
        "中共测试市财政局机关委员会", OrgKind.PARTY_COMMITTEE, dept_a, unit=unit_a
    )
    branch_a = make_org("预算处党支部", OrgKind.BRANCH, committee_a, unit=unit_a)
    branch_a2 = make_org("国库处党支部", OrgKind.BRANCH, committee_a, unit=unit_a)
    dept_b = make_org("中共测试市教育局党组", OrgKind.PARTY_GROUP, wc, unit=unit_b)
    branch_b = make_org("教育局机关党支部", OrgKind.BRANCH, dept_b, unit=unit_b)
    unit_a.organization = committee_a
    unit_a.save()
    unit_b.organization = branch_b
    unit_b.save()
    member_a = MemberFactory(
        name="张伟",
        branch=branch_a,
        unit=unit_a,
        phone="13800001111",
        id_number=make_id_number(date(1985, 6, 1), 11),
    )
    member_a2 = MemberFactory(
        name="王芳", branch=branch_a2, unit=unit_a, gender=Member.Gender.FEMALE
    )
    member_b = MemberFactory(name="李娜", branch=branch_b, unit=unit_b, gender=Member.Gender.FEMALE)
    secretary_a_member = MemberFactory(name="赵强", branch=branch_a, unit=unit_a)
    Position.objects.create(
        organization=branch_a,
        member=secretary_a_member,
        kind=PositionKind.SECRETARY,
        started_on=date(2024, 1, 1),
    )
    Term.objects.create(
        organization=branch_a, started_on=date(2024, 1, 1), expires_on=date(2027, 1, 1)
    )
    users = {
        "city_admin": make_user("city_admin", roles=[(Role.CITY_ADMIN, wc)]),
        "secretary_a": make_user(
            "secretary_a", roles=[(Role.BRANCH_SECRETARY, branch_a)], member=secretary_a_member
        ),
        "member_a": make_user("member_a", member=member_a),
        "publicity_a": make_user("publicity_a", roles=[(Role.PUBLICITY_MEMBER, branch_a)]),
        "committee_a": make_user(
            "committee_a", roles=[(Role.PARTY_COMMITTEE_SECRETARY, committee_a)]
        ),
        "secretary_b": make_user("secretary_b", roles=[(Role.BRANCH_SECRETARY, branch_b)]),
        "system_admin": make_user("system_admin", roles=[(Role.SYSTEM_ADMIN, root)]),
        "audit_admin": make_user("audit_admin", roles=[(Role.AUDIT_ADMIN, root)]),
        "nobody": make_user("nobody"),
    }
    return City(
        root,
        wc,
        dept_a,
        committee_a,
        branch_a,
        branch_a2,
        dept_b,
        branch_b,
        unit_a,
        unit_b,
        member_a,
        member_a2,
        member_b,
        users,
    )
