from datetime import timedelta

import pytest
from django.utils import timezone

from member_review import reminders, services
from member_review.models import Grade, Rectification

from .conftest import entry_of, to_proposal

pytestmark = pytest.mark.django_db


def by_recipient(notes):
    out = {}
    for note in notes:
        out.setdefault(note.recipient_id, []).append(note)
    return out


def test_members_who_have_not_self_assessed_are_reminded_before_the_due_date(city, review):
    today = timezone.localdate()
    assert reminders.collect(today) == []  # a week before: too early
    day = review.self_assessment_due - timedelta(days=1)
    notes = by_recipient(reminders.collect(day))
    member_a = city.users["member_a"]
    assert "个人自评" in notes[member_a.pk][0].title
    services.self_assessment_submit(entry=entry_of(review, "张伟"), text="已自评")
    notes = by_recipient(reminders.collect(day))
    assert member_a.pk not in notes
    assert city.users["secretary_a"].pk in notes  # 赵强 has not self-assessed either


def test_the_secretary_hears_of_missing_self_assessments_after_the_due_date(city, review):
    day = review.self_assessment_due + timedelta(days=1)
    notes = by_recipient(reminders.collect(day))
    secretary = city.users["secretary_a"]
    assert "6名党员未按期提交" in notes[secretary.pk][0].title
    assert city.users["secretary_b"].pk not in notes
    assert city.users["member_a"].pk not in notes


def test_rectification_deadline_approaching_and_overdue(city, review):
    to_proposal(review)
    decisions = {e.pk: {"grade": Grade.QUALIFIED} for e in review.entries.all()}
    decisions[entry_of(review, "刘洋").pk] = {"grade": Grade.UNQUALIFIED}
    services.review_decide(review=review, meeting_on=timezone.localdate(), decisions=decisions)
    rectification = Rectification.objects.get()
    secretary = city.users["secretary_a"]
    assert reminders.collect(rectification.deadline - timedelta(days=60)) == []
    soon = by_recipient(reminders.collect(rectification.deadline - timedelta(days=10)))
    assert "刘洋的限期改正将于" in soon[secretary.pk][0].title
    late = by_recipient(reminders.collect(rectification.deadline + timedelta(days=1)))
    assert "已于" in late[secretary.pk][0].title
    assert late[secretary.pk][0].dedupe_key != soon[secretary.pk][0].dedupe_key
    assert city.users["secretary_b"].pk not in late
