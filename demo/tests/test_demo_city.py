"""The demo city generator and the demo accounts: deterministic, valid and usable for logging in."""

from collections import Counter
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.test import Client

from accounts.models import RoleAssignment, User
from core.roles import Role
from core.validators import id_number_birth_date, validate_id_number
from demo.accounts import DEMO_PASSWORD, USERNAMES
from demo.people import add_years
from demo.plan import plan_city
from members.models import Member, MembershipPeriod
from orgs.models import BRANCH_KINDS, Organization, OrgKind, Position, PositionKind, Term, Unit

AS_OF = date(2026, 6, 30)


def build(scale="tiny", seed=1, **options):
    out = StringIO()
    call_command(
        "demo_city", scale=scale, seed=seed, as_of=AS_OF, stdout=out, stderr=StringIO(), **options
    )
    return out.getvalue()


def people_fingerprint():
    return sorted(
        Member.objects.values_list("name", "id_number_digest", "branch__name", "joined_on")
    )


def test_same_seed_plans_the_same_people_and_another_seed_does_not():
    def fingerprint(plan):
        return [(m.name, m.id_number_digest, m.phone_digest, m.branch.name) for m in plan.members]

    first = plan_city("tiny", 7, AS_OF)
    assert fingerprint(first) == fingerprint(plan_city("tiny", 7, AS_OF))
    assert [o.name for o in first.orgs] == [o.name for o in plan_city("tiny", 7, AS_OF).orgs]
    assert fingerprint(first) != fingerprint(plan_city("tiny", 8, AS_OF))


@pytest.mark.django_db
def test_rebuilding_with_the_same_seed_writes_identical_data():
    # Both builds start from reset id sequences: PostgreSQL sequences outlive earlier tests' rollbacks.
    build(seed=3, reset=True)
    before = people_fingerprint(), list(Organization.objects.values_list("name", "path"))
    build(seed=3, reset=True)
    assert (people_fingerprint(), list(Organization.objects.values_list("name", "path"))) == before


@pytest.mark.django_db
def test_every_id_number_is_valid_and_agrees_with_birth_date_and_gender():
    build()
    members = list(Member.objects.all())
    assert len(members) > 300
    for member in members:
        validate_id_number(member.id_number)
        assert id_number_birth_date(member.id_number) == member.birth_date
        assert (int(member.id_number[16]) % 2 == 1) == (member.gender == Member.Gender.MALE)
    assert len({m.phone for m in members if m.phone}) == len([m for m in members if m.phone])


@pytest.mark.django_db
def test_every_member_sits_in_a_branch_with_one_open_membership_period():
    build()
    assert not Member.objects.exclude(branch__kind__in=BRANCH_KINDS).exists()
    open_periods = MembershipPeriod.objects.filter(ended_on__isnull=True)
    assert open_periods.count() == Member.objects.count()
    assert all(
        p.organization_id == p.member.branch_id for p in open_periods.select_related("member")
    )
    earlier = MembershipPeriod.objects.filter(ended_on__isnull=False).select_related("member")
    assert earlier.exists()
    assert all(p.organization_id != p.member.branch_id for p in earlier)


@pytest.mark.django_db
def test_organization_names_are_unique_and_member_names_unique_within_a_branch():
    build()
    names = list(Organization.objects.values_list("name", flat=True))
    assert len(names) == len(set(names))
    duplicates = Member.objects.values("branch", "name").annotate(n=Count("id")).filter(n__gt=1)
    assert not duplicates.exists()
    for org in Organization.objects.exclude(parent=None).select_related("parent"):
        assert org.path.startswith(org.parent.path) and org.depth == org.parent.depth + 1


@pytest.mark.django_db
def test_party_history_and_branch_sizes_follow_the_rules():
    build()
    for member in Member.objects.all():
        assert member.joined_on >= add_years(member.birth_date, 18)
        if member.is_probationary:
            assert member.confirmed_on is None and AS_OF - member.joined_on <= timedelta(days=366)
        else:
            assert member.confirmed_on == add_years(member.joined_on, 1) <= AS_OF
        if member.category == Member.Category.RETIRED:
            assert member.age_on(AS_OF) >= 60
        else:
            assert 23 <= member.age_on(AS_OF) < 60
    sizes = (
        Organization.objects.filter(kind=OrgKind.BRANCH)
        .annotate(n=Count("members"))
        .values_list("n", flat=True)
    )
    assert max(sizes) <= 50
    with_committee = Position.objects.filter(
        kind=PositionKind.ORGANIZATION_MEMBER, organization__kind=OrgKind.BRANCH
    )
    for position in with_committee:
        assert position.organization.positions.filter(kind=PositionKind.DISCIPLINE_MEMBER).exists()


@pytest.mark.django_db
def test_demo_scale_has_overdue_terms_understaffed_units_and_roughly_the_specified_size():
    build(scale="demo")
    assert 18 <= Unit.objects.count() <= 22
    assert 70 <= Organization.objects.count() <= 100
    assert 1350 <= Member.objects.count() <= 1650
    kinds = Counter(Organization.objects.values_list("kind", flat=True))
    assert {
        OrgKind.PARTY_COMMITTEE,
        OrgKind.GENERAL_BRANCH,
        OrgKind.JOINT_BRANCH,
        OrgKind.GROUP,
    } <= set(kinds)
    assert kinds[OrgKind.LOCAL_COMMITTEE] == 2  # the city and one district: two trees
    assert Term.objects.filter(expires_on__lt=AS_OF).exists()
    assert Term.objects.filter(
        expires_on__gte=AS_OF, expires_on__lt=AS_OF + timedelta(days=183)
    ).exists()
    assert any(u.full_time_party_workers < 0.02 * u.total_staff for u in Unit.objects.all())
    assert all(
        u.total_staff >= u.members.exclude(category=Member.Category.RETIRED).count()
        for u in Unit.objects.all()
    )
    probationary = Member.objects.filter(membership_kind=Member.MembershipKind.PROBATIONARY).count()
    assert 0.02 < probationary / Member.objects.count() < 0.09


@pytest.mark.django_db
def test_if_empty_leaves_existing_data_alone_and_plain_rerun_refuses():
    build()
    counts = Organization.objects.count(), Member.objects.count(), User.objects.count()
    assert "跳过" in build(seed=2, if_empty=True)
    assert "跳过" in build(seed=2, if_empty=True)
    assert (Organization.objects.count(), Member.objects.count(), User.objects.count()) == counts
    with pytest.raises(CommandError, match="--reset"):
        build(seed=2)


@pytest.mark.django_db
def test_a_taken_demo_username_stops_the_build_without_writing_anything():
    User.objects.create_user("zbsj1", password="Other#2026x")
    with pytest.raises(CommandError, match="zbsj1"):
        build()
    assert not Organization.objects.exists() and not Member.objects.exists()


@pytest.mark.django_db
def test_reset_is_refused_where_production_keys_are_configured(settings):
    build()
    settings.FIELD_ENCRYPTION_KEY = "0123456789abcdef0123456789abcdef"
    with pytest.raises(CommandError, match="生产环境"):
        build(reset=True)


@pytest.mark.django_db
def test_demo_accounts_cover_every_role_and_can_log_in():
    build()
    users = User.objects.filter(username__in=USERNAMES)
    assert sorted(users.values_list("username", flat=True)) == sorted(USERNAMES)
    held = set(
        RoleAssignment.objects.active().filter(user__in=users).values_list("role", flat=True)
    )
    assert held == set(Role.values) - {Role.MEMBER}
    assert User.objects.get(username="dangyuan").member is not None
    assert not RoleAssignment.objects.filter(user__username="dangyuan").exists()
    for user in users:
        assert not user.must_change_password and user.password_changed_at is not None
        if user.username not in ("sysadmin", "auditor"):
            assert user.member_id, f"{user.username} should be linked to a member"
        assert Client().login(username=user.username, password=DEMO_PASSWORD), user.username
    secretary = User.objects.get(username="zbsj1")
    branch = RoleAssignment.objects.get(user=secretary).organization
    assert secretary.member.branch == branch
    assert branch.positions.filter(member=secretary.member, kind=PositionKind.SECRETARY).exists()


@pytest.mark.django_db
def test_demo_accounts_command_prints_each_account_with_role_and_password():
    out = StringIO()
    call_command("demo_accounts", stdout=out)
    assert "demo_city" in out.getvalue()  # nothing built yet: tells how
    build()
    out = StringIO()
    call_command("demo_accounts", stdout=out)
    text = out.getvalue()
    for username in USERNAMES:
        assert username in text
    assert "机关工委管理员" in text and "安全审计员" in text and DEMO_PASSWORD in text
    assert "市财政局预算处党支部" in text
