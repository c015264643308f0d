"""Demo work plans on the tiny city: last year mostly done, this year under way with some overdue,
a few departments' own plans, all consistent with what the services would have written."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from demo import work_plans as demo_work_plans
from demo.build import reset_database
from orgs.models import Organization, OrgKind
from work_plans import selectors
from work_plans.models import State, TaskAssignment, WorkPlan

AS_OF = date(2026, 6, 30)
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
Review = TaskAssignment.Review


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        out = StringIO()
        call_command("demo_city", scale="tiny", seed=1, as_of=AS_OF, stdout=out, stderr=StringIO())
        yield out.getvalue()  # the summary line names what each section wrote
        reset_database()


def snapshot():
    return sorted(
        TaskAssignment.objects.values_list(
            "task__plan__organization__path",
            "task__plan__year",
            "task__order",
            "owner__path",
            "percent",
            "review_status",
        )
    )


@pytest.mark.django_db
def test_each_work_committee_has_both_years_and_some_departments_their_own(demo):
    committees = Organization.objects.filter(kind=OrgKind.ORGANS_WORK_COMMITTEE)
    for committee in committees:
        years = set(WorkPlan.objects.filter(organization=committee).values_list("year", flat=True))
        assert years == {2025, 2026}
    own = WorkPlan.objects.filter(organization__kind=OrgKind.PARTY_GROUP)
    assert (
        own.filter(year=2026, copied_from__year=2025).count() == own.filter(year=2026).count() > 0
    )
    assert not WorkPlan.objects.exclude(status=WorkPlan.Status.PUBLISHED).exists()
    assert f"工作计划 {WorkPlan.objects.count()}" in demo
    assert f"计划任务分解 {TaskAssignment.objects.count()}" in demo


@pytest.mark.django_db
def test_owners_lie_below_the_publisher_and_match_the_task_kind(demo):
    rows = TaskAssignment.objects.values_list("task__plan__organization__path", "owner__path")
    assert all(owner.startswith(pub) and owner != pub for pub, owner in rows)
    branch_task = TaskAssignment.objects.filter(task__title__contains="组织生活会")
    kinds = set(branch_task.values_list("owner__kind", flat=True))
    assert kinds <= {OrgKind.BRANCH, OrgKind.GENERAL_BRANCH, OrgKind.JOINT_BRANCH}


@pytest.mark.django_db
def test_last_year_is_mostly_done_and_this_year_under_way_with_some_overdue(demo):
    committee = Organization.objects.filter(kind=OrgKind.ORGANS_WORK_COMMITTEE).first()
    last = TaskAssignment.objects.filter(task__plan__year=2025)
    this = TaskAssignment.objects.filter(task__plan__year=2026)
    before = selectors.tally(last.filter(owner__path__startswith=committee.path), AS_OF)
    assert 0.6 < before.completion < 0.95
    now = selectors.tally(this, AS_OF)
    assert 0.1 < now.completion < 0.6
    assert now.overdue > 0 and now.not_started > 0 and now.pending >= 0
    states = set(this.with_state(AS_OF).values_list("state", flat=True))
    assert states == set(State.values)
    # Nothing due after as_of is overdue, and every confirmed completion is evidenced.
    assert (
        not this.filter(task__deadline__gte=AS_OF)
        .with_state(AS_OF)
        .filter(state=State.OVERDUE)
        .exists()
    )
    confirmed = TaskAssignment.objects.filter(review_status=Review.CONFIRMED)
    assert not confirmed.filter(percent__lt=100).exists()
    assert not confirmed.exclude(reports__percent=100).exists()
    assert (
        TaskAssignment.objects.filter(review_status=Review.RETURNED)
        .exclude(return_reason="")
        .exists()
    )
    assert not TaskAssignment.objects.filter(last_reported_at__date__gt=AS_OF).exists()


@pytest.mark.django_db
def test_rollup_of_the_committee_covers_every_department(demo):
    committee = Organization.objects.filter(kind=OrgKind.ORGANS_WORK_COMMITTEE).first()
    areas, total = selectors.rollup(
        TaskAssignment.objects.filter(task__plan__year=2026), committee, AS_OF
    )
    departments = Organization.objects.filter(parent=committee, kind=OrgKind.PARTY_GROUP)
    assert set(departments) <= {row.organization for row in areas}
    assert total.total == sum(row.tally.total for row in areas) > 0


@pytest.mark.django_db
def test_the_same_seed_writes_the_same_plans(demo):
    first = snapshot()
    TaskAssignment.objects.all().delete()
    WorkPlan.objects.all().delete()
    demo_work_plans.write(1, AS_OF)
    assert snapshot() == first
