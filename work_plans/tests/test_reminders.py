"""Work-plan reminders: due within a week, overdue weekly to owners, digest to the publisher."""

from datetime import timedelta

import pytest

from notifications.services import notify_many
from work_plans import reminders, services


def by_category(notes, category):
    return [n for n in notes if n.category == category]


@pytest.mark.django_db
def test_owner_is_reminded_a_week_before_the_deadline_once(city, plan):
    deadline = plan.summary.deadline
    quiet = reminders.collect(deadline - timedelta(days=8))
    assert by_category(quiet, "work_plans.due") == []
    notes = by_category(reminders.collect(deadline - timedelta(days=7)), "work_plans.due")
    # Dept A and dept B have no writer bound to them in the persona city: the city admin's
    # 工委 role is not the owner's own.
    assert notes == []
    services.task_save(
        plan=plan,
        actor=city.users["city_admin"],
        data={},
        task=plan.summary,
        owners=[city.branch_a],
    )
    notes = by_category(reminders.collect(deadline - timedelta(days=7)), "work_plans.due")
    assert [(n.recipient_id, n.title) for n in notes] == [
        (city.users["secretary_a"].pk, f"{city.branch_a.name}：任务“报送年度党建工作总结”7天后到期")
    ]
    created, _ = notify_many(notes)
    assert created == 1
    again = by_category(reminders.collect(deadline - timedelta(days=3)), "work_plans.due")
    assert notify_many(again) == (0, 1)


@pytest.mark.django_db
def test_reported_done_tasks_are_not_reminded(city, plan, assignment):
    a = assignment(plan.study, city.branch_a)
    day = plan.study.deadline + timedelta(days=1)
    overdue = by_category(reminders.collect(day), "work_plans.overdue")
    assert {n.recipient_id for n in overdue} == {
        city.users["secretary_a"].pk,
        city.users["secretary_b"].pk,
    }
    services.assignment_report(
        assignment=a, actor=city.users["secretary_a"], percent=100, evidence_text="记录"
    )
    overdue = by_category(reminders.collect(day), "work_plans.overdue")
    assert {n.recipient_id for n in overdue} == {city.users["secretary_b"].pk}


@pytest.mark.django_db
def test_overdue_reminders_come_weekly_and_the_publisher_gets_a_digest(city, plan):
    day = plan.study.deadline + timedelta(days=1)
    notes = reminders.collect(day)
    owner = [
        n
        for n in by_category(notes, "work_plans.overdue")
        if n.recipient_id == city.users["secretary_a"].pk
    ]
    assert len(owner) == 1 and owner[0].title == f"{city.branch_a.name}：1项计划任务已逾期"
    digest = by_category(notes, "work_plans.overdue_digest")
    assert [(n.recipient_id, n.title) for n in digest] == [
        (city.users["city_admin"].pk, f"{city.work_committee.name}下达的计划任务有3项逾期")
    ]
    assert "3个责任组织" in digest[0].body
    created, _ = notify_many(notes)
    assert created == 3
    same_week = [
        d
        for d in range(1, 7)
        if (day + timedelta(days=d)).isocalendar().week == day.isocalendar().week
    ]
    if same_week:
        assert notify_many(reminders.collect(day + timedelta(days=same_week[0])))[0] == 0
    next_week = day + timedelta(days=7)
    assert notify_many(reminders.collect(next_week))[0] == 3


@pytest.mark.django_db
def test_draft_plans_remind_nobody(city, today):
    admin = city.users["city_admin"]
    draft = services.plan_create(
        organization=city.work_committee, year=today.year + 1, title="草稿", actor=admin
    )
    services.task_save(
        plan=draft, actor=admin, data={"title": "x", "deadline": today}, owners=[city.branch_a]
    )
    assert reminders.collect(today + timedelta(days=3)) == []
