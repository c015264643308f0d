"""Overdue findings escalate the day after their deadline, level by level, once per level."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from core.models import AuditLog
from notifications.models import Notification
from supervision import reminders, selectors, services
from supervision.models import FindingEvent, FindingState
from supervision.tests.conftest import days_from_today

pytestmark = pytest.mark.django_db


def escalate(on):
    out = StringIO()
    call_command("escalate_findings", date=on.isoformat(), stdout=out)
    return out.getvalue()


def test_not_escalated_on_the_deadline_escalated_the_day_after(city, record):
    finding = record(deadline=days_from_today(5))
    assert "升级督办 0 个" in escalate(finding.deadline)
    finding.refresh_from_db()
    assert finding.escalation_level == 0
    assert "升级督办 1 个" in escalate(finding.deadline + timedelta(days=1))
    finding.refresh_from_db()
    assert finding.escalation_level == 1 and finding.escalated_to == city.committee_a
    event = finding.events.get(kind="escalated")
    assert event.from_state == event.to_state == FindingState.OPEN
    assert "逾期1天" in event.text and city.committee_a.name in event.text


def test_running_twice_escalates_once(city, record):
    finding = record(deadline=days_from_today(1))
    day_after = finding.deadline + timedelta(days=1)
    escalate(day_after)
    assert "升级督办 0 个" in escalate(day_after)
    assert finding.events.filter(kind="escalated").count() == 1
    audit = AuditLog.objects.filter(object_id=str(finding.pk), detail__startswith="逾期升级")
    assert audit.count() == 1


def test_a_stale_claim_does_not_write_a_second_step(city, record):
    """Two workers read the same level; the second conditional update finds nothing to claim."""
    finding = record(deadline=days_from_today(1))
    day_after = finding.deadline + timedelta(days=1)
    assert len(services.escalate_overdue(day_after)) == 1
    from supervision.models import Finding

    Finding.objects.filter(pk=finding.pk).update(escalation_level=1)  # already claimed
    assert services.escalate_overdue(day_after) == []
    assert FindingEvent.objects.filter(kind="escalated").count() == 1


def test_each_further_step_goes_one_level_up_and_stops_at_the_work_committee(
    city, record, settings
):
    settings.SUPERVISION_ESCALATION_STEP_DAYS = 10
    finding = record(deadline=days_from_today(1))
    d = finding.deadline
    escalate(d + timedelta(days=11))  # level 2 directly: dept_a
    finding.refresh_from_db()
    assert (finding.escalation_level, finding.escalated_to) == (2, city.dept_a)
    escalate(d + timedelta(days=200))
    finding.refresh_from_db()
    assert (finding.escalation_level, finding.escalated_to) == (3, city.work_committee)
    escalate(d + timedelta(days=400))
    assert finding.events.filter(kind="escalated").count() == 2


def test_submitted_signed_off_and_closed_findings_do_not_escalate(city, record):
    finding = record(deadline=days_from_today(1))
    services.finding_close(finding=finding, actor=city.users["city_admin"], reason="撤并")
    escalate(days_from_today(30))
    finding.refresh_from_db()
    assert finding.escalation_level == 0


def test_escalated_finding_is_on_the_superiors_list_and_nowhere_outside_scope(city, record):
    finding = record(deadline=days_from_today(1))
    escalate(days_from_today(2))
    committee, admin = city.users["committee_a"], city.users["city_admin"]
    assert list(selectors.escalated_to_me(committee)) == [finding]
    assert list(selectors.escalated_to_me(admin)) == [finding]
    assert list(selectors.escalated_to_me(city.users["secretary_b"])) == []
    assert list(selectors.escalated_to_me(city.users["secretary_a"])) == []  # not their superior
    assert list(selectors.todo(city.users["secretary_a"])) == [finding]
    assert list(selectors.todo(city.users["secretary_b"])) == []


def test_reopening_resets_escalation_but_history_keeps_it(city, record):
    finding = record(deadline=days_from_today(1))
    escalate(days_from_today(3))
    secretary = city.users["secretary_a"]
    from supervision.tests.conftest import photo

    services.finding_submit_plan(finding=finding, actor=secretary, plan="方案")
    services.finding_report_progress(finding=finding, actor=secretary, text="进展", files=[photo()])
    services.finding_submit_for_verification(finding=finding, actor=secretary, text="完成")
    services.finding_sign_off(finding=finding, actor=city.users["city_admin"])
    services.finding_reopen(
        finding=finding, actor=city.users["city_admin"], reason="反弹", deadline=days_from_today(9)
    )
    finding.refresh_from_db()
    assert finding.escalation_level == 0 and finding.escalated_to is None
    assert finding.events.filter(kind="escalated").exists()


def test_reminders_warn_before_the_deadline_and_on_escalation(city, record):
    soon = record(deadline=days_from_today(3))
    late = record(deadline=days_from_today(1))
    today = days_from_today(0)
    notes = reminders.collect(today)
    due = [n for n in notes if n.dedupe_key.startswith("supervision:due")]
    assert [(n.recipient_id, soon.pk) for n in due] == [(city.users["secretary_a"].pk, soon.pk)]
    services.escalate_overdue(days_from_today(2))
    notes = reminders.collect(days_from_today(2))
    escalated = {n.recipient_id for n in notes if ":escalated:" in n.dedupe_key}
    assert escalated == {city.users["secretary_a"].pk, city.users["committee_a"].pk}
    assert all(str(late.pk) in n.url for n in notes if ":escalated:" in n.dedupe_key)
    Notification.objects.bulk_create(notes)  # dedupe keys are unique per recipient
