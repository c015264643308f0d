"""/api/v1/dual-excellence/: rounds, categories, quotas and scoped nominations."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dual_excellence.models import Nomination, Round

pytestmark = pytest.mark.django_db
API = "/api/v1/dual-excellence"


def test_admin_runs_a_round_through_the_api(city, login):
    client = login("city_admin")
    created = client.post(
        f"{API}/rounds/", {"organization": city.work_committee.pk, "year": 2026}, "application/json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert [c["name"] for c in body["categories"]] == ["党建工作优", "服务发展优"]
    pk, category = body["id"], body["categories"][0]["id"]
    renamed = client.patch(
        f"{API}/categories/{category}/", {"name": "党建引领优", "weight": 60}, "application/json"
    )
    assert renamed.json()["name"] == "党建引领优" and renamed.json()["weight"] == 60
    quota = client.post(
        f"{API}/quotas/",
        {"category": category, "area": city.dept_a.pk, "org_quota": 2, "member_quota": 0},
        "application/json",
    )
    assert quota.status_code == 201
    deadline = (timezone.localdate() + timedelta(days=3)).isoformat()
    client.patch(f"{API}/rounds/{pk}/", {"nomination_deadline": deadline}, "application/json")
    assert client.post(f"{API}/rounds/{pk}/open/").json()["status"] == "nominating"
    copy = client.post(f"{API}/rounds/{pk}/copy/", {"year": 2027}, "application/json")
    assert copy.status_code == 201 and copy.json()["categories"][0]["name"] == "党建引领优"


def test_non_admin_cannot_create_or_run_rounds(city, login, round_):
    client = login("committee_a")
    refused = client.post(
        f"{API}/rounds/", {"organization": city.work_committee.pk, "year": 2030}, "application/json"
    )
    assert refused.status_code == 403
    assert client.post(f"{API}/rounds/{round_.pk}/close/").status_code == 403
    assert client.get(f"{API}/rounds/{round_.pk}/").status_code == 200  # city-wide, readable


def nominate(client, round_, category, **nominee):
    return client.post(
        f"{API}/nominations/",
        {"round": round_.pk, "category": category.pk, "reason": "表现突出", **nominee},
        "application/json",
    )


def test_nominations_are_scoped_and_quota_is_enforced(city, login, round_, party_work):
    committee = login("committee_a")
    assert nominate(committee, round_, party_work, nominee_org=city.branch_a.pk).status_code == 201
    full = nominate(committee, round_, party_work, nominee_org=city.branch_a2.pk)
    assert full.status_code == 400
    assert "名额已满" in full.json()["non_field_errors"][0]
    outside = nominate(login("secretary_b"), round_, party_work, nominee_org=city.branch_a.pk)
    assert outside.status_code == 400 and "nominee_org" in outside.json()
    read_only = nominate(login("publicity_a"), round_, party_work, nominee_org=city.branch_a.pk)
    assert read_only.status_code == 403
    assert Nomination.objects.count() == 1
    assert login("secretary_b").get(f"{API}/nominations/").json()["count"] == 0
    assert login("secretary_a").get(f"{API}/nominations/").json()["count"] == 1


def test_review_and_withdraw_through_the_api(city, login, round_, party_work):
    created = nominate(login("secretary_a"), round_, party_work, nominee_member=city.member_a.pk)
    pk = created.json()["id"]
    assert "id_number" not in created.json() and "phone" not in created.json()
    refused = login("committee_a").post(
        f"{API}/nominations/{pk}/review/", {"accepted": True}, "application/json"
    )
    assert refused.status_code == 403
    admin = login("city_admin")
    rejected = admin.post(
        f"{API}/nominations/{pk}/review/", {"accepted": False}, "application/json"
    )
    assert rejected.status_code == 400 and "须写明理由" in str(rejected.json())
    accepted = admin.post(f"{API}/nominations/{pk}/review/", {"accepted": True}, "application/json")
    assert accepted.json()["status"] == "accepted"
    withdraw = login("secretary_a").post(f"{API}/nominations/{pk}/withdraw/")
    assert withdraw.status_code == 400  # reviewed nominations stay
    assert login("secretary_b").post(f"{API}/nominations/{pk}/withdraw/").status_code == 404


def test_award_with_pending_objection_is_refused_by_the_api(city, login, round_, party_work):
    from publicity import selectors as publicity_selectors
    from publicity import services as publicity

    pk = nominate(login("secretary_a"), round_, party_work, nominee_org=city.branch_a.pk).json()[
        "id"
    ]
    admin = login("city_admin")
    admin.post(f"{API}/rounds/{round_.pk}/close/")
    admin.post(f"{API}/nominations/{pk}/review/", {"accepted": True}, "application/json")
    assert admin.post(f"{API}/rounds/{round_.pk}/notice/").json()["status"] == "notice"
    notice = publicity_selectors.notice_for(Nomination.objects.get(pk=pk))
    publicity.objection_lodge(
        item=notice.items.get(), actor=city.users["member_a"], content="不属实"
    )
    notice.starts_on -= timedelta(days=20)
    notice.ends_on -= timedelta(days=20)
    notice.save()
    refused = admin.post(f"{API}/rounds/{round_.pk}/award/")
    assert refused.status_code == 400 and "异议尚未答复" in str(refused.json())
    assert Round.objects.get().status == Round.Status.NOTICE
