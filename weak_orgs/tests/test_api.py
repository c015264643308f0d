"""/api/v1/weak-orgs/…: criteria, flag runs and results (工委), cases (scoped)."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from notifications.models import Notification
from weak_orgs import reminders, services
from weak_orgs.models import FlagRun, WeakOrgCase
from weak_orgs.tests.conftest import criterion

pytestmark = pytest.mark.django_db
BASE = "/api/v1/weak-orgs"


@pytest.fixture
def case_a(city):
    admin = city.users["city_admin"]
    case = services.case_confirm(organization=city.branch_a, actor=admin, reason="巡察发现问题")
    return services.case_plan(
        case=case,
        actor=admin,
        plan="补齐组织生活",
        exit_criteria=["每月召开支委会"],
        leader=city.users["committee_a"],
    )


def test_criteria_are_readable_by_party_readers_and_revised_by_the_work_committee(city, login):
    rows = login("secretary_a").get(f"{BASE}/criteria/").json()["results"]
    dues = next(r for r in rows if r["code"] == "dues_arrears")
    assert dues["available"] is False and dues["unavailable_note"] == "数据来源待接入（党费模块）"
    item = criterion("low_star_rating")
    body = {
        "name": "星级评定低于2星",
        "parameters": {"min_stars": 2},
        "org_kinds": ["branch"],
        "enabled": True,
        "effective_from": "2027-01-01",
        "source": "本市2027年调整",
    }
    url = f"{BASE}/criteria/{item.pk}/revise/"
    assert login("secretary_a").post(url, body, content_type="application/json").status_code == 403
    bad = login("city_admin").post(
        url, {**body, "parameters": {"min_stars": 9}}, content_type="application/json"
    )
    assert (
        bad.status_code == 400 and "最低星级须在1到5之间" in bad.json()["parameters.min_stars"][0]
    )
    response = login("city_admin").post(url, body, content_type="application/json")
    assert response.status_code == 201 and response.json()["parameters"] == {"min_stars": 2}


def test_flag_runs_and_results_are_for_the_work_committee_only(city, login):
    admin = login("city_admin")
    response = admin.post(f"{BASE}/flag-runs/")
    assert response.status_code == 201 and response.json()["flagged"] >= 1
    results = admin.get(f"{BASE}/flag-results/").json()["results"]
    row = next(r for r in results if r["organization_name"] == "国库处党支部")
    assert any(h["code"] == "secretary_vacant" for h in row["hits"])
    secretary = login("secretary_a")
    assert secretary.get(f"{BASE}/flag-runs/").json()["results"] == []
    assert secretary.get(f"{BASE}/flag-results/").json()["results"] == []
    assert secretary.get(f"{BASE}/flag-results/{row['id']}/").status_code == 404
    assert secretary.post(f"{BASE}/flag-results/{row['id']}/confirm/").status_code == 404
    assert secretary.post(f"{BASE}/flag-runs/").status_code == 403
    confirmed = admin.post(f"{BASE}/flag-results/{row['id']}/confirm/", {"reason": ""})
    assert confirmed.status_code == 201 and confirmed.json()["status"] == "confirmed"


def test_cases_are_scoped_and_writers_report_progress(city, login, case_a):
    url = f"{BASE}/cases/{case_a.pk}/"
    assert login("secretary_b").get(url).status_code == 404
    assert login("secretary_b").get(f"{BASE}/cases/").json()["results"] == []
    assert login("secretary_b").post(f"{url}progress/", {"body": "x"}).status_code == 404
    assert login("publicity_a").get(url).status_code == 200
    assert login("publicity_a").post(f"{url}progress/", {"body": "x"}).status_code == 403
    secretary = login("secretary_a")
    response = secretary.post(f"{url}progress/", {"body": "已召开专题会"})
    assert response.status_code == 201 and response.json()["notes"][0]["body"] == "已召开专题会"
    item = case_a.exit_criteria.get()
    marked = secretary.post(
        f"{url}mark/",
        {"criterion": item.pk, "met": True, "note": "已按月召开"},
        content_type="application/json",
    )
    assert marked.json()["exit_criteria"][0]["met"] is True
    assert secretary.post(f"{url}lift/", {"reason": "到位"}).status_code == 403
    lifted = login("city_admin").post(
        f"{url}lift/", {"reason": "到位", "override_reason": "人工核实"}
    )
    assert lifted.status_code == 200 and lifted.json()["status"] == "lifted"


def test_lifting_over_the_api_names_the_missing_override(city, login, case_a):
    item = case_a.exit_criteria.get()
    services.exit_criterion_mark(criterion=item, actor=city.users["city_admin"], met=True, note="x")
    response = login("city_admin").post(f"{BASE}/cases/{case_a.pk}/lift/", {"reason": "到位"})
    assert response.status_code == 400
    assert "确认整顿后尚未重新研判" in response.json()["override_reason"][0]


def test_work_committee_confirms_directly_only_within_its_scope(city, login):
    body = {"organization": city.branch_b.pk, "reason": "群众反映强烈"}
    assert login("secretary_b").post(f"{BASE}/cases/", body).status_code == 403
    response = login("city_admin").post(f"{BASE}/cases/", body)
    assert response.status_code == 201
    assert WeakOrgCase.objects.get().organization == city.branch_b


def test_command_computes_and_can_run_twice(city):
    out = StringIO()
    call_command("compute_weak_org_flags", as_of="2026-11-15", stdout=out)
    call_command("compute_weak_org_flags", as_of="2026-11-15", stdout=out)
    assert FlagRun.objects.count() == 1
    assert "2026-11-15：研判 3 个党组织" in out.getvalue()


def test_stale_case_reminds_the_leader_and_the_secretary_once(city, case_a):
    today = timezone.localdate()
    WeakOrgCase.objects.filter(pk=case_a.pk).update(confirmed_on=today - timedelta(days=29))
    assert reminders.collect(today) == []
    WeakOrgCase.objects.filter(pk=case_a.pk).update(confirmed_on=today - timedelta(days=30))
    notes = reminders.collect(today)
    assert {n.recipient_id for n in notes} == {
        city.users["committee_a"].pk,
        city.users["secretary_a"].pk,
    }
    assert "已30天未填报进展" in notes[0].title
    Notification.objects.bulk_create(notes)
    again = [n for n in reminders.collect(today + timedelta(days=1)) if n.dedupe_key]
    keys = set(Notification.objects.values_list("dedupe_key", flat=True))
    assert {n.dedupe_key for n in again} <= keys  # the same stretch: nothing new to send
    services.progress_add(case=case_a, actor=city.users["secretary_a"], body="已整改")
    assert reminders.collect(today) == []


def test_lifted_cases_are_not_reminded(city, case_a):
    item = case_a.exit_criteria.get()
    services.exit_criterion_mark(criterion=item, actor=city.users["city_admin"], met=True, note="x")
    services.case_lift(
        case=case_a, actor=city.users["city_admin"], reason="到位", override_reason="核实"
    )
    assert reminders.collect(date.today() + timedelta(days=90)) == []
