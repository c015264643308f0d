from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from notifications.models import Notification
from responsibility import reminders, services
from responsibility.models import ListItem, ResponsibilityList

from .conftest import YEAR


def backdate_issue(day: date) -> None:
    ResponsibilityList.objects.update(issued_at=timezone.make_aware(datetime.combine(day, time(9))))


@pytest.mark.django_db
def test_secretary_is_reminded_of_items_untouched_for_a_quarter(city, branch_list):
    today = date(YEAR, 7, 1)
    backdate_issue(date(YEAR, 1, 10))
    notes = [n for n in reminders.collect(today) if n.recipient_id == city.users["secretary_a"].pk]
    (note,) = notes
    assert note.title.startswith("预算处党支部2026年度书记责任清单：8项超过一个季度未更新进度")
    assert note.dedupe_key.endswith(f"{YEAR}Q3:{city.users['secretary_a'].pk}")
    for item in branch_list.items.all():
        services.item_progress(item=item, actor=city.users["secretary_a"], percent=30)
    notes = [n for n in reminders.collect(today) if n.recipient_id == city.users["secretary_a"].pk]
    assert notes == []


@pytest.mark.django_db
def test_freshly_issued_lists_are_not_stale(city, issued):
    backdate_issue(date(YEAR, 5, 1))
    assert reminders.collect(date(YEAR, 7, 1)) == []


@pytest.mark.django_db
def test_superior_gets_a_weekly_digest_of_submissions_waiting_for_confirmation(city, branch_list):
    secretary = city.users["secretary_a"]
    item = branch_list.items.first()
    services.item_progress(item=item, actor=secretary, percent=100, evidence_text="纪要")
    services.item_submit(item=item, actor=secretary)
    today = timezone.localdate() + timedelta(days=reminders.REVIEW_WAIT_DAYS)
    ListItem.objects.filter(pk=item.pk).update(submitted_at=timezone.now() - timedelta(days=8))
    (note,) = [n for n in reminders.collect(today) if n.category == "responsibility.review"]
    assert note.recipient_id == city.users["committee_a"].pk
    assert note.title == "中共测试市财政局机关委员会：下级书记责任清单有1项等待确认"
    assert "预算处党支部" in note.body and f"org={city.committee_a.pk}" in note.url
    Notification.objects.bulk_create([note])
    services.item_confirm(item=item, actor=city.users["committee_a"])
    assert [n for n in reminders.collect(today) if n.category == "responsibility.review"] == []


@pytest.mark.django_db
def test_returned_items_remind_the_secretary(city, branch_list):
    secretary = city.users["secretary_a"]
    item = branch_list.items.first()
    services.item_progress(item=item, actor=secretary, percent=100, evidence_text="纪要")
    services.item_submit(item=item, actor=secretary)
    services.item_return(item=item, actor=city.users["committee_a"], reason="补充照片")
    (note,) = reminders.collect(timezone.localdate())
    assert note.recipient_id == secretary.pk and "1项被上级退回待修改" in note.title
