"""Demo responsibility lists on the tiny city: last year confirmed with varied completion, this year
issued and partly reported, consistent with what the services would have written."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from demo import responsibility as demo_responsibility
from demo.build import reset_database
from orgs.models import Organization, Position, PositionKind
from responsibility import selectors
from responsibility.models import KINDS_BY_LEVEL, ListItem, ListTemplate, ResponsibilityList

AS_OF = date(2026, 6, 30)
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
Status = ListItem.Status


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        out = StringIO()
        call_command("demo_city", scale="tiny", seed=1, as_of=AS_OF, stdout=out, stderr=StringIO())
        yield out.getvalue()  # the summary line names what each section wrote
        reset_database()


def snapshot():
    return sorted(
        ListItem.objects.values_list(
            "list__organization__path", "list__year", "order", "status", "percent"
        )
    )


@pytest.mark.django_db
def test_every_organization_of_a_level_has_a_list_for_both_years(demo):
    kinds = [k for level in KINDS_BY_LEVEL.values() for k in level]
    orgs = set(Organization.objects.active().filter(kind__in=kinds).values_list("pk", flat=True))
    for year in (2025, 2026):
        lists = ResponsibilityList.objects.filter(year=year)
        assert set(lists.values_list("organization_id", flat=True)) == orgs
    assert f"书记责任清单 {2 * len(orgs)}" in demo
    assert f"清单事项 {ListItem.objects.count()}" in demo
    assert ListTemplate.objects.filter(year=2026, copied_from__year=2025).count() == 3 * (
        ListTemplate.objects.values("work_committee").distinct().count()
    )


@pytest.mark.django_db
def test_lists_belong_to_the_current_secretary(demo):
    current = dict(
        Position.objects.current(AS_OF)
        .filter(kind=PositionKind.SECRETARY)
        .order_by("organization_id", "started_on", "pk")
        .values_list("organization_id", "member_id")
    )
    lists = ResponsibilityList.objects.filter(year=2026)
    assert all(lst.secretary_id == current.get(lst.organization_id) for lst in lists)
    assert lists.filter(secretary__isnull=False).count() > lists.count() * 0.8


@pytest.mark.django_db
def test_last_year_is_mostly_confirmed_with_varied_completion(demo):
    orgs = ResponsibilityList.objects.filter(year=2025).values_list("organization_id", flat=True)
    completion = selectors.list_completion(orgs, 2025)
    values = list(completion.values())
    assert 0.6 < sum(values) / len(values) < 0.95
    assert max(values) - min(values) > 0.3
    last = ListItem.objects.filter(list__year=2025)
    assert not last.filter(status=Status.SUBMITTED).exists()  # the year is closed
    confirmed = last.filter(status=Status.CONFIRMED)
    assert not confirmed.filter(percent__lt=100).exists()
    assert not confirmed.filter(submitted_at__isnull=True).exists()
    assert last.filter(status=Status.RETURNED).exclude(return_reason="").exists()


@pytest.mark.django_db
def test_this_year_is_partly_reported_and_nothing_happens_after_the_reference_date(demo):
    this = ListItem.objects.filter(list__year=2026)
    statuses = set(this.values_list("status", flat=True))
    assert {Status.OPEN, Status.SUBMITTED, Status.CONFIRMED} <= statuses
    reported = this.filter(progress_at__isnull=False).count()
    assert 0.2 * this.count() < reported < 0.9 * this.count()
    assert not this.filter(progress_at__date__gt=AS_OF).exists()
    assert not this.filter(reviewed_at__date__gt=AS_OF).exists()
    assert not this.filter(status=Status.CONFIRMED, percent__lt=100).exists()


@pytest.mark.django_db
def test_demo_accounts_see_their_lists(demo, client):
    from accounts.models import User

    secretary = User.objects.get(username="zbsj1")
    assert selectors.lists_for_member(secretary.member, 2026).count() == 1
    client.force_login(secretary)
    assert client.get("/responsibility/?year=2026").status_code == 200
    client.force_login(User.objects.get(username="gwadmin"))
    body = client.get("/responsibility/?year=2025").content.decode()
    assert "完成情况汇总" in body


@pytest.mark.django_db
def test_same_seed_same_lists(demo):
    first = snapshot()
    ListItem.objects.all().delete()
    ResponsibilityList.objects.all().delete()
    ListTemplate.objects.all().delete()
    demo_responsibility.write(1, AS_OF)
    assert snapshot() == first
