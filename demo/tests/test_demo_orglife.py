"""Three years of demo organizational life: realistic, consistent with the services, deterministic."""

from collections import Counter, defaultdict
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from demo.build import reset_database
from demo.orglife import PLAN_AHEAD, history_start
from members.models import MembershipPeriod
from orglife import services
from orglife.compliance import compliance, rollup
from orglife.models import Activity, ActivityKind, ActivityTally, Attendance, LifeRule
from orglife.periods import period_of
from orgs.models import BRANCH_KINDS, Organization, Position, PositionKind, Term

AS_OF = date(2026, 6, 30)
K = ActivityKind
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def build(**options):
    call_command(
        "demo_city",
        scale="tiny",
        seed=1,
        as_of=AS_OF,
        stdout=StringIO(),
        stderr=StringIO(),
        **options,
    )


@pytest.fixture(scope="module")
def history(django_db_setup, django_db_blocker):
    """The tiny city with its history, built once for the read-only tests of this module."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        build()
        yield
        reset_database()


def completed(**filters):
    return Activity.objects.filter(status=Activity.Status.COMPLETED, **filters)


@pytest.mark.django_db
def test_history_covers_three_years_of_every_kind_and_plans_the_coming_weeks(history):
    held = completed().order_by("held_on").values_list("held_on", flat=True)
    assert held.first() >= history_start(AS_OF) == date(2023, 4, 1)
    assert held.first() < date(2023, 4, 15) and held.last() <= AS_OF
    kinds = set(completed().values_list("kind", flat=True))
    assert kinds == set(K.values)
    bodies = set(completed(kind=K.WORK_REPORT_HEARING).values_list("hearing_body", flat=True))
    assert bodies == {"standing_committee", "leader_in_charge"}
    planned = Activity.objects.filter(status=Activity.Status.PLANNED)
    assert planned.count() > 20
    assert all(
        AS_OF < day <= AS_OF + PLAN_AHEAD for day in planned.values_list("held_on", flat=True)
    )
    assert not Attendance.objects.filter(activity__status=Activity.Status.PLANNED).exists()
    assert not completed(held_on__gt=AS_OF).exists()
    cancelled = Activity.objects.filter(status=Activity.Status.CANCELLED)
    assert cancelled.exists() and not cancelled.filter(cancel_reason="").exists()
    assert not cancelled.filter(counts=True).exists()


@pytest.mark.django_db
def test_tally_equals_refresh_tally_recomputed_cell_by_cell(history):
    def table():
        rows = ActivityTally.objects.exclude(count=0, secretary_lessons=0)
        return {
            (t.organization_id, t.month, t.kind, t.hearing_body): (t.count, t.secretary_lessons)
            for t in rows
        }

    built = table()
    assert sum(count for count, _lessons in built.values()) == completed(counts=True).count()
    cells = {
        (org, services.month_start(day), kind, body)
        for org, day, kind, body in Activity.objects.values_list(
            "organization_id", "held_on", "kind", "hearing_body"
        )
    }
    for cell in cells:
        services.refresh_tally(*cell)
    assert table() == built


@pytest.mark.django_db
def test_committee_meetings_count_as_the_quorum_rule_decides_and_only_committee_members_attend(
    history,
):
    meetings = list(completed(kind=K.BRANCH_COMMITTEE_MEETING).select_related("organization"))
    assert len(meetings) > 200
    for meeting in meetings:
        written = meeting.counts, meeting.invalid_reason
        services.evaluate_validity(meeting)
        assert (meeting.counts, meeting.invalid_reason) == written, meeting.pk
        attendees = set(meeting.attendances.values_list("member_id", flat=True))
        assert attendees == services.committee_member_ids(meeting.organization, meeting.held_on)
    missed = [m for m in meetings if not m.counts]
    assert 0 < len(missed) < 0.05 * len(meetings)
    assert all("R-LIFE-2" in m.invalid_reason and "不计入" in m.invalid_reason for m in missed)


@pytest.mark.django_db
def test_lessons_know_whether_the_secretary_spoke_and_most_secretaries_gave_one(history):
    lessons = list(completed(kind=K.PARTY_LESSON).select_related("organization"))
    for lesson in lessons:
        assert lesson.speaker_is_secretary == services._speaker_is_secretary(lesson), lesson.pk
        assert bool(lesson.speaker_id) != bool(lesson.speaker_name)
    branches = Organization.objects.filter(kind__in=BRANCH_KINDS)
    gave = set(
        completed(kind=K.PARTY_LESSON, speaker_is_secretary=True, held_on__year=2025).values_list(
            "organization_id", flat=True
        )
    )
    assert len(gave) >= 0.8 * branches.count()


@pytest.mark.django_db
def test_attendance_has_the_roster_of_the_day_with_leave_reasons_and_invited_guests(history):
    rows = Attendance.objects.filter(
        activity__organization__kind__in=BRANCH_KINDS, role=Attendance.Role.MEMBER
    ).exclude(activity__kind=K.BRANCH_COMMITTEE_MEETING)
    statuses = Counter(rows.values_list("status", flat=True))
    assert 0.82 < statuses["present"] / rows.count() < 0.95
    assert statuses["leave"] > statuses["absent"] > 0
    assert not rows.filter(status=Attendance.Status.LEAVE, leave_reason="").exists()
    assert not rows.exclude(status=Attendance.Status.LEAVE).exclude(leave_reason="").exists()
    reasons = Counter(rows.filter(status="leave").values_list("leave_reason", flat=True))
    assert {"出差", "病假", "公务"} <= set(reasons)
    periods = defaultdict(list)
    for member, org, start, end in MembershipPeriod.objects.values_list(
        "member_id", "organization_id", "started_on", "ended_on"
    ):
        periods[(member, org)].append((start, end))
    for member, org, day in rows.values_list(
        "member_id", "activity__organization_id", "activity__held_on"
    ):
        assert any(s <= day and (e is None or day < e) for s, e in periods[(member, org)])
    observers = Attendance.objects.filter(role=Attendance.Role.OBSERVER)
    assert observers.exists() and not observers.filter(guest_name="").exists()
    dual = Attendance.objects.filter(role=Attendance.Role.DUAL_ORG_LIFE).select_related(
        "member", "activity"
    )
    assert dual.exists()
    assert all(d.member.branch_id != d.activity.organization_id for d in dual)
    scanned = Attendance.objects.filter(signed_in_at__isnull=False).select_related("activity")
    assert scanned.exists() and not scanned.exclude(status=Attendance.Status.PRESENT).exists()
    for row in scanned[:500]:
        assert row.activity.signin_opens_at <= row.signed_in_at <= row.activity.starts_at


@pytest.mark.django_db
def test_most_branches_comply_a_few_lag_and_overdue_branches_hold_few_meetings(history):
    branches = list(Organization.objects.filter(kind__in=BRANCH_KINDS))
    results = compliance(branches, period_of("year", date(2025, 1, 1)), AS_OF)
    rates = sorted(r.rate for r in results)
    assert 0.8 < rollup(results).rate < 0.95
    assert sum(rate >= 0.85 for rate in rates) >= 0.6 * len(rates)
    assert rates[0] < 0.7
    # Lapsed: the term is overdue, or the secretary's post is vacant.
    in_term = set(
        Term.objects.filter(expires_on__gte=AS_OF).values_list("organization_id", flat=True)
    )
    led = Position.objects.current(AS_OF).filter(kind=PositionKind.SECRETARY)
    led = set(led.values_list("organization_id", flat=True))
    lapsed = {b.pk for b in branches if b.pk not in in_term or b.pk not in led}
    assert lapsed
    held = Counter(
        completed(held_on__year=2025, kind=K.THEME_DAY).values_list("organization_id", flat=True)
    )
    others = [held[b.pk] for b in branches if b.pk not in lapsed]
    assert sum(held[o] for o in lapsed) / len(lapsed) < 0.6 * sum(others) / len(others)


@pytest.mark.django_db
def test_same_seed_and_date_give_the_same_history_and_reset_keeps_the_rules(settings):
    settings.PASSWORD_HASHERS = FAST_HASHER

    def fingerprint():
        activities = list(
            Activity.objects.order_by("id").values_list(
                "organization__name",
                "kind",
                "starts_at",
                "status",
                "topic",
                "signin_token",
                "counts",
            )
        )
        attendance = list(
            Attendance.objects.order_by("id").values_list(
                "activity__signin_token", "member__id_number_digest", "status", "leave_reason"
            )
        )
        return activities, attendance

    rules = sorted(LifeRule.objects.values_list("code", "effective_from"))
    build(reset=True)
    first = fingerprint()
    build(reset=True)
    assert fingerprint() == first
    assert sorted(LifeRule.objects.values_list("code", "effective_from")) == rules
    call_command(
        "demo_city", scale="tiny", seed=1, as_of=AS_OF - timedelta(days=40), reset=True,
        stdout=StringIO(), stderr=StringIO(),
    )  # fmt: skip
    assert fingerprint() != first
