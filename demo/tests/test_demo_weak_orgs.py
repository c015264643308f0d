"""Demo 软弱涣散整顿 on the tiny city: a real flag run, decisions, cases in every state."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from demo.build import reset_database
from orgs.models import Position, PositionKind, Term
from weak_orgs.models import FlagResult, FlagRun, ProgressNote, WeakOrgCase

AS_OF = date(2026, 6, 30)
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def weak(django_db_setup, django_db_blocker):
    """The tiny city with its history (and its other sections) plus the weak-organization section."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        out = StringIO()
        call_command("demo_city", scale="tiny", seed=1, as_of=AS_OF, stdout=out, stderr=StringIO())
        yield out.getvalue()  # the summary line names what each section wrote
        reset_database()


@pytest.mark.django_db
def test_a_reviewed_run_a_quarter_ago_and_todays_run_carrying_its_decisions(weak):
    earlier, today = FlagRun.objects.order_by("as_of")
    assert today.as_of == AS_OF and today.flagged == today.results.count() > 0
    assert (AS_OF - earlier.as_of).days == 95
    decisions = set(earlier.results.values_list("decision", flat=True))
    assert {FlagResult.Decision.CONFIRMED, FlagResult.Decision.DISMISSED} <= decisions
    assert all(r.decision_reason for r in FlagResult.objects.filter(decision="dismissed"))
    open_orgs = set(WeakOrgCase.objects.open().values_list("organization_id", flat=True))
    for result in today.results.all():
        assert (result.decision == "confirmed") == (result.organization_id in open_orgs)
    assert f"软弱涣散研判触发 {today.flagged}" in weak
    assert f"软弱涣散整顿 {WeakOrgCase.objects.count()}" in weak


@pytest.mark.django_db
def test_flags_match_the_demo_records(weak):
    """Each flag's fact holds in the data: the secretary post is empty, the term is over."""
    run = FlagRun.objects.get(as_of=AS_OF)
    for result in run.results.select_related("organization"):
        codes = set(result.codes)
        org = result.organization
        held = Position.objects.current(AS_OF).filter(organization=org, kind=PositionKind.SECRETARY)
        assert ("secretary_vacant" in codes) <= (not held.exists())
        if "term_overdue" in codes:
            latest = Term.objects.filter(organization=org, started_on__lte=AS_OF).first()
            assert latest.expires_on < AS_OF


@pytest.mark.django_db
def test_cases_in_every_state_and_one_lifted_last_year(weak):
    statuses = set(WeakOrgCase.objects.values_list("status", flat=True))
    assert statuses == set(WeakOrgCase.Status.values)
    lifted = WeakOrgCase.objects.get(status="lifted")
    assert lifted.year == AS_OF.year - 1 and lifted.lifted_on.year == AS_OF.year - 1
    assert lifted.exit_criteria.exists() and not lifted.exit_criteria.filter(met=False).exists()
    rectifying = WeakOrgCase.objects.filter(status="rectifying")
    assert rectifying.exists() and all(c.plan and c.leader_name for c in rectifying)
    for case in WeakOrgCase.objects.exclude(status="lifted"):
        assert case.flag_result.decision == "confirmed"
    notes = ProgressNote.objects.order_by("created_at")
    assert notes.exists() and notes.last().created_at.date() <= AS_OF
