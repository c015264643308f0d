"""A year of demo supervision on the tiny city: every state, consistent histories, deterministic."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.test import override_settings

from demo.build import reset_database
from supervision.models import (
    RECTIFYING,
    AccountabilityCase,
    ExposureNotice,
    FaultToleranceExemption,
    Finding,
    FindingEvent,
    FindingState,
    Inspection,
    month_of,
)
from supervision.services import escalate_overdue

AS_OF = date(2026, 6, 30)
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def supervision(django_db_setup, django_db_blocker):
    """The tiny city (its own demo sections included) plus one year of supervision."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        call_command(
            "demo_city", scale="tiny", seed=1, as_of=AS_OF, stdout=StringIO(), stderr=StringIO()
        )
        yield
        reset_database()


@pytest.mark.django_db
def test_a_year_of_findings_in_every_state_and_inspections_of_every_kind(supervision):
    states = set(Finding.objects.values_list("state", flat=True))
    assert states == set(FindingState.values)
    assert set(Inspection.objects.values_list("kind", flat=True)) == set(Inspection.Kind.values)
    found = Finding.objects.order_by("found_at").values_list("found_at__date", flat=True)
    assert found.first() >= AS_OF - timedelta(days=366) and found.last() <= AS_OF
    assert Finding.objects.filter(inspection__isnull=False).exists()
    assert AccountabilityCase.objects.exists() and ExposureNotice.objects.exists()
    statuses = set(FaultToleranceExemption.objects.values_list("status", flat=True))
    assert statuses == set(FaultToleranceExemption.Status.values)


@pytest.mark.django_db
def test_every_history_ends_in_the_findings_state(supervision):
    last = {}
    for finding_id, to_state in FindingEvent.objects.order_by("happened_at", "id").values_list(
        "finding_id", "to_state"
    ):
        last[finding_id] = to_state
    states = dict(Finding.objects.values_list("id", "state"))
    assert last == states
    recorded = (
        FindingEvent.objects.filter(kind="recorded").values("finding").annotate(n=Count("id"))
    )
    assert {r["n"] for r in recorded} == {1} and recorded.count() == len(states)


@pytest.mark.django_db
def test_escalation_is_already_as_the_daily_job_would_leave_it(supervision):
    overdue = Finding.objects.filter(state__in=RECTIFYING, deadline__lt=AS_OF - timedelta(days=1))
    assert overdue.exists()
    assert not overdue.filter(escalation_level=0).exists()
    assert escalate_overdue(AS_OF) == []  # nothing left to do on the demo's day
    escalated = Finding.objects.filter(escalation_level__gt=0).select_related(
        "organization", "escalated_to"
    )
    assert all(f.organization.path.startswith(f.escalated_to.path) for f in escalated)
    assert FindingEvent.objects.filter(kind="escalated").count() == escalated.count()


@pytest.mark.django_db
def test_every_demo_finding_stores_the_local_month_it_was_found_in(supervision):
    rows = Finding.objects.values_list("found_at", "found_month")
    assert rows
    assert all(month == month_of(found_at) for found_at, month in rows)
    assert len({month for _, month in rows}) >= 6
