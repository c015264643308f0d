"""Deadline reminders of the cycle: self-assessment, review, approval and award."""

from datetime import date

import pytest

from evaluation import cycle_services as cs
from evaluation import reminders
from evaluation.tests.conftest import YEAR, manual_entries, rating_of


def by_user(notes, city):
    names = {u.pk: name for name, u in city.users.items()}
    out = {}
    for n in notes:
        out.setdefault(names[n.recipient_id], []).append(n.title)
    return out


@pytest.mark.django_db
def test_nothing_is_due_long_before_the_deadline(city, cycle):
    assert reminders.collect(date(YEAR, 10, 1)) == []


@pytest.mark.django_db
def test_the_branch_is_reminded_before_and_weekly_after_its_deadline(city, cycle):
    soon = by_user(reminders.collect(date(YEAR, 11, 25)), city)
    assert any("预算处党支部" in t and "将于11月30日截止" in t for t in soon["secretary_a"])
    assert "secretary_b" in soon  # every branch with a write-role holder
    late = reminders.collect(date(YEAR, 12, 2))
    assert any("已逾期" in n.title for n in late)
    same_week = {n.dedupe_key for n in reminders.collect(date(YEAR, 12, 3))}
    assert {n.dedupe_key for n in late} <= same_week  # one per week while overdue


@pytest.mark.django_db
def test_the_reviewer_gets_one_digest_and_the_branch_is_no_longer_reminded(city, cycle):
    for org in (city.branch_a, city.branch_a2):
        rating = rating_of(cycle, org)
        cs.rating_self_assess(
            rating=rating, actor=city.users["committee_a"], entries=manual_entries(rating)
        )
        cs.rating_submit(rating=rating, actor=city.users["committee_a"])
    notes = by_user(reminders.collect(date(YEAR, 12, 10)), city)
    assert notes["committee_a"] == [
        f"{city.committee_a.name}：2个下级党组织评星自评待审核，审核将于12月15日截止"
    ]
    assert "secretary_a" not in notes


@pytest.mark.django_db
def test_the_work_committee_is_reminded_to_approve(city, cycle):
    admin = city.users["city_admin"]
    rating = rating_of(cycle, city.branch_b)
    cs.rating_self_assess(rating=rating, actor=admin, entries=manual_entries(rating))
    cs.rating_submit(rating=rating, actor=admin)
    cs.rating_review(rating=rating, actor=admin, entries={}, comment="同意")
    notes = by_user(reminders.collect(date(YEAR, 12, 20)), city)
    assert any("1个党组织已审核待审定" in t for t in notes["city_admin"])
