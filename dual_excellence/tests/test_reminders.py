"""Deadline reminders: writers of areas without nominations, in the last days before the deadline."""

from datetime import timedelta

import pytest

from dual_excellence import reminders, services
from dual_excellence.models import Round

pytestmark = pytest.mark.django_db


def recipients(today):
    return {(n.recipient.username, n.title) for n in reminders.collect(today)}


def test_areas_without_nominations_hear_of_the_deadline_a_week_before(city, round_, party_work):
    deadline = round_.nomination_deadline
    assert reminders.collect(deadline - timedelta(days=8)) == []
    services.nominate(
        round_=round_,
        category=party_work,
        actor=city.users["secretary_b"],
        reason="x",
        nominee_org=city.branch_b,
    )
    notes = reminders.collect(deadline - timedelta(days=3))
    # dept_a has not nominated: the 机关党委 secretary under it hears; dept_b has nominated.
    assert {n.recipient.username for n in notes} == {"committee_a"}
    assert "3天后" in notes[0].title and "中共测试市财政局党组" in notes[0].title
    assert notes[0].dedupe_key == reminders.collect(deadline - timedelta(days=3))[0].dedupe_key


def test_no_deadline_reminders_once_nominations_close(city, round_):
    services.nominations_close(round_=round_, actor=city.users["city_admin"])
    assert reminders.collect(round_.nomination_deadline) == []
    assert Round.objects.get().status == Round.Status.REVIEWING


def test_admins_hear_when_the_notice_has_ended(city, round_, party_work):
    admin = city.users["city_admin"]
    nomination = services.nominate(
        round_=round_,
        category=party_work,
        actor=city.users["secretary_a"],
        reason="x",
        nominee_org=city.branch_a,
    )
    services.nominations_close(round_=round_, actor=admin)
    services.nomination_review(nomination=nomination, actor=admin, accepted=True)
    start = round_.nomination_deadline
    services.notice_publish(round_=round_, actor=admin, today=start)
    last_day = start + timedelta(days=round_.notice_days - 1)
    assert reminders.collect(last_day) == []
    notes = reminders.collect(last_day + timedelta(days=1))
    assert [n.recipient.username for n in notes] == ["city_admin"]
    assert "请完成表彰" in notes[0].title
