"""双优 demo data on the tiny city: last year's round awarded, this year's open with nominations."""

from collections import Counter
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import User
from demo.build import reset_database
from dual_excellence import selectors, services
from dual_excellence.models import Nomination, Round
from publicity import selectors as publicity_selectors

AS_OF = date(2026, 6, 30)
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
S = Nomination.Status


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER):
        out = StringIO()
        call_command("demo_city", scale="tiny", seed=1, as_of=AS_OF, stdout=out, stderr=StringIO())
        yield out.getvalue()  # the summary line names what each section wrote
        reset_database()


@pytest.mark.django_db
def test_last_year_is_awarded_and_this_year_takes_nominations(demo):
    assert Round.objects.count() >= 2
    assert f"双优评选轮次 {Round.objects.count()}" in demo
    assert f"双优推荐 {Nomination.objects.count()}" in demo
    last = Round.objects.filter(year=2025)
    current = Round.objects.filter(year=2026)
    assert set(last.values_list("status", flat=True)) == {Round.Status.AWARDED}
    assert set(current.values_list("status", flat=True)) == {Round.Status.NOMINATING}
    assert all(r.nomination_deadline > AS_OF for r in current)
    assert Nomination.objects.filter(round__year=2025, status=S.AWARDED).count() > 5
    assert set(Nomination.objects.filter(round__year=2026).values_list("status", flat=True)) == {
        S.SUBMITTED
    }
    for r in Round.objects.all():
        assert list(r.categories.values_list("name", flat=True)) == ["党建工作优", "服务发展优"]


@pytest.mark.django_db
def test_nominations_stay_within_area_quotas_and_areas(demo):
    used = Counter(
        (n.category_id, n.area_id, n.is_person)
        for n in Nomination.objects.counting().select_related("category")
    )
    for (category_id, area_id, person), count in used.items():
        nomination = Nomination.objects.filter(category_id=category_id, area_id=area_id).first()
        org_quota, member_quota = services.quota_for(nomination.category, nomination.area)
        assert count <= (member_quota if person else org_quota)
    for n in Nomination.objects.select_related("area", "organization"):
        assert n.organization.path.startswith(n.area.path)


@pytest.mark.django_db
def test_upheld_objection_last_year_left_its_nominee_unhonoured(demo):
    refused = list(Nomination.objects.filter(status=S.NOT_AWARDED))
    assert refused
    states = publicity_selectors.item_states(refused)
    assert set(states.values()) == {publicity_selectors.UPHELD}
    awarded = list(Nomination.objects.filter(status=S.AWARDED)[:20])
    assert set(publicity_selectors.item_states(awarded).values()) == {publicity_selectors.CLEAR}


@pytest.mark.django_db
def test_demo_accounts_see_the_roll_and_the_open_round(demo):
    member = User.objects.get(username="dangyuan")
    assert selectors.honour_roll(member).exists()
    admin = Client()
    admin.force_login(User.objects.get(username="gwadmin"))
    page = admin.get(reverse("dual_excellence:index"))
    assert page.status_code == 200 and "推荐提名中" in page.content.decode()
    secretary = Client()
    secretary.force_login(User.objects.get(username="zbsj1"))
    city_wc = User.objects.get(username="gwadmin").role_assignments.get().organization
    current = Round.objects.get(year=2026, organization=city_wc)
    form = secretary.get(reverse("dual_excellence:nominate", args=[current.pk]))
    assert form.status_code == 200 and "推荐“双优”对象" in form.content.decode()
