"""Work-plan services and selectors: overdue as of a day, roll-up figures, copy, assignment rules."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import AuditLog
from notifications.models import Notification
from work_plans import selectors, services
from work_plans.models import PlanTask, State, TaskAssignment, WorkPlan

PDF = b"%PDF-1.4\n%test\n"


def state_of(assignment, day):
    return TaskAssignment.objects.with_state(day).get(pk=assignment.pk).state


@pytest.mark.django_db
def test_task_becomes_overdue_on_the_day_after_its_deadline_until_reported_done(
    city, plan, assignment
):
    a = assignment(plan.study, city.branch_a)
    deadline = plan.study.deadline
    assert state_of(a, deadline) == State.NOT_STARTED
    assert state_of(a, deadline + timedelta(days=1)) == State.OVERDUE
    services.assignment_report(
        assignment=a, actor=city.users["secretary_a"], percent=40, note="已学习两次"
    )
    assert state_of(a, deadline - timedelta(days=1)) == State.IN_PROGRESS
    assert state_of(a, deadline + timedelta(days=1)) == State.OVERDUE
    services.assignment_report(
        assignment=a, actor=city.users["secretary_a"], percent=100, evidence_text="学习记录"
    )
    # Reported done and awaiting confirmation: the publisher's turn, not the owner's fault.
    assert state_of(a, deadline + timedelta(days=5)) == State.IN_PROGRESS
    a.refresh_from_db()
    services.assignment_return(assignment=a, actor=city.users["city_admin"], reason="缺签到表")
    assert state_of(a, deadline + timedelta(days=5)) == State.OVERDUE
    services.assignment_report(
        assignment=a, actor=city.users["secretary_a"], percent=100, evidence_text="补签到表"
    )
    a.refresh_from_db()
    services.assignment_confirm(assignment=a, actor=city.users["city_admin"])
    assert state_of(a, deadline + timedelta(days=5)) == State.DONE


@pytest.mark.django_db
def test_rollup_by_department_matches_hand_computed_figures(city, plan, assignment, today):
    admin, sec_a = city.users["city_admin"], city.users["secretary_a"]
    done = assignment(plan.study, city.branch_a)
    services.assignment_report(assignment=done, actor=sec_a, percent=100, evidence_text="记录")
    done.refresh_from_db()
    services.assignment_confirm(assignment=done, actor=admin)
    services.assignment_report(
        assignment=assignment(plan.study, city.branch_b), actor=admin, percent=50
    )
    services.assignment_report(
        assignment=assignment(plan.summary, city.dept_a), actor=admin, percent=30
    )
    # dept A: branch A done, branch A2 overdue, dept A in progress -> 1/3 done, 1 overdue.
    # dept B: branch B at 50% but past the deadline -> overdue, dept B not started.
    areas, total = selectors.rollup(TaskAssignment.objects.all(), city.work_committee, today)
    rows = {row.organization: row.tally for row in areas}
    assert list(rows) == [city.dept_a, city.dept_b]
    a, b = rows[city.dept_a], rows[city.dept_b]
    assert (a.total, a.done, a.overdue, a.in_progress, a.not_started) == (3, 1, 1, 1, 0)
    assert (b.total, b.done, b.overdue, b.in_progress, b.not_started) == (2, 0, 1, 0, 1)
    assert a.completion == pytest.approx(1 / 3) and b.completion == 0
    assert (total.total, total.done, total.overdue) == (5, 1, 2)
    # Drilling into dept A: its own assignment is the 本级 row, then its 机关党委.
    areas, _ = selectors.rollup(TaskAssignment.objects.all(), city.dept_a, today)
    assert [(r.organization, r.is_base, r.tally.total) for r in areas] == [
        (city.dept_a, True, 1),
        (city.committee_a, False, 2),
    ]


@pytest.mark.django_db
def test_assigning_by_kind_creates_one_assignment_per_organization(city, plan):
    owners = set(plan.study.assignments.values_list("owner__name", flat=True))
    assert owners == {city.branch_a.name, city.branch_a2.name, city.branch_b.name}
    audited = AuditLog.objects.filter(
        action="create", object_type="work_plans.taskassignment"
    ).count()
    assert audited == 5


@pytest.mark.django_db
def test_an_organizations_own_plan_assigns_only_below_it(city, today):
    actor = city.users["committee_a"]
    own = services.plan_create(
        organization=city.committee_a, year=today.year, title="机关党委计划", actor=actor
    )
    data = {"title": "支部规范化建设", "deadline": today}
    with pytest.raises(ValidationError):
        services.task_save(plan=own, actor=actor, data=data, owners=[city.branch_b])
    with pytest.raises(ValidationError):
        services.task_save(plan=own, actor=actor, data=data, owners=[city.committee_a])
    task = services.task_save(plan=own, actor=actor, data=data, owner_kinds=["branch"])
    assert set(task.assignments.values_list("owner", flat=True)) == {
        city.branch_a.pk,
        city.branch_a2.pk,
    }


@pytest.mark.django_db
def test_publishing_needs_tasks_with_owners_and_tells_owner_writers(city, today):
    admin = city.users["city_admin"]
    plan = services.plan_create(
        organization=city.work_committee, year=today.year + 1, title="明年计划", actor=admin
    )
    with pytest.raises(ValidationError, match="还没有任务"):
        services.plan_publish(plan=plan, actor=admin)
    services.task_save(
        plan=plan, actor=admin, data={"title": "任务", "deadline": today}, owners=[city.branch_a]
    )
    services.plan_publish(plan=plan, actor=admin)
    plan.refresh_from_db()
    assert plan.is_published and plan.published_by == admin
    note = Notification.objects.get(recipient=city.users["secretary_a"], title__contains="明年计划")
    assert "1项任务" in note.body
    assert not Notification.objects.filter(recipient=city.users["secretary_b"]).exists()


@pytest.mark.django_db
def test_copying_last_years_plan_moves_deadlines_and_starts_progress_afresh(city, plan, assignment):
    admin = city.users["city_admin"]
    a = assignment(plan.study, city.branch_a)
    services.assignment_report(assignment=a, actor=admin, percent=100, evidence_text="记录")
    copy = services.plan_copy(source=plan, actor=admin)
    assert copy.year == plan.year + 1 and copy.status == WorkPlan.Status.DRAFT
    assert copy.copied_from == plan and str(plan.year + 1) in copy.title
    tasks = list(copy.tasks.order_by("order"))
    assert [t.title for t in tasks] == ["开展理论学习", "报送年度党建工作总结"]
    assert tasks[0].deadline == plan.study.deadline.replace(year=plan.year + 1)
    assert tasks[0].category == "ideological"
    copied = TaskAssignment.objects.filter(task__plan=copy)
    assert copied.count() == 5
    assert not copied.exclude(percent=0).exists()
    assert not copied.exclude(review_status="open").exists()
    with pytest.raises(ValidationError):
        services.plan_copy(source=plan, actor=admin)  # that year's plan exists now
    assert (
        AuditLog.objects.filter(
            object_type="work_plans.plantask", detail__contains="复制自"
        ).count()
        == 2
    )


@pytest.mark.django_db
def test_copy_moves_29_february_to_28(city, today):
    admin = city.users["city_admin"]
    plan = services.plan_create(
        organization=city.dept_a, year=2028, title="2028年计划", actor=admin
    )
    services.task_save(
        plan=plan,
        actor=admin,
        data={"title": "闰日", "deadline": date(2028, 2, 29)},
        owners=[city.branch_a],
    )
    copy = services.plan_copy(source=plan, actor=admin)
    assert PlanTask.objects.get(plan=copy).deadline == date(2029, 2, 28)


@pytest.mark.django_db
def test_reporting_done_needs_evidence_and_stores_checked_files(city, plan, assignment):
    a = assignment(plan.study, city.branch_a)
    sec = city.users["secretary_a"]
    with pytest.raises(ValidationError, match="佐证"):
        services.assignment_report(assignment=a, actor=sec, percent=100)
    fake = SimpleUploadedFile("记录.pdf", b"MZ not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError, match="不符"):
        services.assignment_report(assignment=a, actor=sec, percent=100, uploads=[fake])
    good = SimpleUploadedFile("记录.pdf", PDF, content_type="application/pdf")
    report = services.assignment_report(assignment=a, actor=sec, percent=100, uploads=[good])
    assert report.files.get().name == "记录.pdf"
    a.refresh_from_db()
    assert a.review_status == "submitted" and a.submitted_at is not None
    services.assignment_confirm(assignment=a, actor=city.users["city_admin"])
    with pytest.raises(ValidationError, match="已确认"):
        services.assignment_report(assignment=a, actor=sec, percent=50)


@pytest.mark.django_db
def test_returning_needs_a_reason_and_a_report_to_return(city, plan, assignment):
    a = assignment(plan.study, city.branch_a)
    admin = city.users["city_admin"]
    with pytest.raises(ValidationError):
        services.assignment_return(assignment=a, actor=admin, reason="材料不全")  # nothing reported
    with pytest.raises(ValidationError):
        services.assignment_confirm(assignment=a, actor=admin)
    services.assignment_report(assignment=a, actor=admin, percent=100, evidence_text="x")
    a.refresh_from_db()
    with pytest.raises(ValidationError, match="原因"):
        services.assignment_return(assignment=a, actor=admin, reason=" ")
    services.assignment_return(assignment=a, actor=admin, reason="材料不全")
    a.refresh_from_db()
    assert a.review_status == "returned" and a.return_reason == "材料不全"
    log = AuditLog.objects.filter(object_type="work_plans.taskassignment", action="update")
    assert log.filter(detail__startswith="退回").exists()


@pytest.mark.django_db
def test_a_task_with_reports_cannot_be_deleted(city, plan, assignment):
    admin = city.users["city_admin"]
    services.assignment_report(
        assignment=assignment(plan.study, city.branch_a), actor=admin, percent=10
    )
    with pytest.raises(ValidationError):
        services.task_delete(task=plan.study, actor=admin)
    services.task_delete(task=plan.summary, actor=admin)
    assert not PlanTask.objects.filter(pk=plan.summary.pk).exists()
    assert AuditLog.objects.filter(action="delete", object_type="work_plans.plantask").exists()
