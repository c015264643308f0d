"""The persona city with the 工委's plan for this year, published.

Task "理论学习" (deadline yesterday) goes to every 党支部 (branch A, A2, B); task "年度总结"
(deadline in 30 days) to both departments (dept A, dept B).
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from work_plans import services
from work_plans.models import TaskAssignment


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def plan(city, today):
    admin = city.users["city_admin"]
    plan = services.plan_create(
        organization=city.work_committee,
        year=today.year,
        title=f"{today.year}年机关党建工作计划",
        actor=admin,
    )
    plan.study = services.task_save(
        plan=plan,
        actor=admin,
        data={
            "title": "开展理论学习",
            "deadline": today - timedelta(days=1),
            "expected_outcome": "每月一次集中学习",
            "category": "ideological",
        },
        owner_kinds=["branch"],
    )
    plan.summary = services.task_save(
        plan=plan,
        actor=admin,
        data={"title": "报送年度党建工作总结", "deadline": today + timedelta(days=30)},
        owners=[city.dept_a, city.dept_b],
    )
    services.plan_publish(plan=plan, actor=admin)
    return plan


@pytest.fixture
def assignment(plan):
    """Look up one assignment: assignment(task, owner)."""

    def _get(task, owner):
        return TaskAssignment.objects.get(task=task, owner=owner)

    return _get
