"""The cycle through /api/v1/: same steps, same scoping as the pages."""

import pytest

from evaluation import cycle_services as cs
from evaluation.models import EvaluationCycle, OrgRating
from evaluation.tests.conftest import YEAR, manual_entries, rating_of

S = OrgRating.Status


def api_entries(rating, points=80):
    return [
        {
            "indicator": pk,
            **(
                {"points": e["points"], "evidence": "记录"}
                if "points" in e
                else {"veto": e["veto"]}
            ),
        }
        for pk, e in manual_entries(rating, points).items()
    ]


@pytest.mark.django_db
def test_a_city_admin_opens_a_cycle_and_others_are_refused(city, scheme, login):
    body = {
        "scheme": scheme.pk,
        "self_assessment_due": f"{YEAR}-11-30",
        "review_due": f"{YEAR}-12-15",
        "approval_due": f"{YEAR}-12-25",
    }
    assert login("secretary_a").post("/api/v1/evaluation-cycles/", body).status_code == 403
    response = login("city_admin").post("/api/v1/evaluation-cycles/", body)
    assert response.status_code == 201, response.json()
    assert response.json()["year"] == YEAR and EvaluationCycle.objects.count() == 1
    again = login("city_admin").post("/api/v1/evaluation-cycles/", body)
    assert again.status_code == 400 and "已经启动" in again.json()["scheme"][0]


@pytest.mark.django_db
def test_self_assess_submit_review_approve_through_the_api(city, cycle, login):
    rating = rating_of(cycle, city.branch_a)
    url = f"/api/v1/evaluation-ratings/{rating.pk}/"
    branch = login("secretary_a")
    response = branch.post(
        url + "self-assess/",
        {"scores": api_entries(rating, 75), "summary": "已完成", "submit": True},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == S.SELF_ASSESSED and response.json()["self_stars"] == 5
    assert len(response.json()["scores"]) == 7
    bad = login("committee_a").post(
        url + "review/", {"comment": ""}, content_type="application/json"
    )
    assert bad.status_code == 400
    reviewed = login("committee_a").post(
        url + "review/",
        {"scores": api_entries(rating, 50), "comment": "分数偏高"},
        content_type="application/json",
    )
    assert reviewed.json()["status"] == S.REVIEWED and reviewed.json()["proposed_stars"] == 0
    assert login("committee_a").post(url + "approve/").status_code == 403
    approved = login("city_admin").post(url + "approve/")
    assert approved.status_code == 200 and approved.json()["status"] == S.APPROVED


@pytest.mark.django_db
def test_return_needs_a_reason_and_reopens_it(city, cycle, login):
    rating = rating_of(cycle, city.branch_a)
    cs.rating_self_assess(
        rating=rating, actor=city.users["secretary_a"], entries=manual_entries(rating)
    )
    cs.rating_submit(rating=rating, actor=city.users["secretary_a"])
    url = f"/api/v1/evaluation-ratings/{rating.pk}/return/"
    client = login("committee_a")
    assert client.post(url, {"reason": ""}, content_type="application/json").status_code == 400
    response = client.post(url, {"reason": "材料不全"}, content_type="application/json")
    assert (
        response.json()["status"] == S.RETURNED and response.json()["return_reason"] == "材料不全"
    )
    assert response.json()["events"][-1]["note"] == "材料不全"


@pytest.mark.django_db
def test_lists_are_scoped_and_other_branches_get_404(city, cycle, login):
    client = login("secretary_b")
    names = [
        r["organization_name"] for r in client.get("/api/v1/evaluation-ratings/").json()["results"]
    ]
    assert names == [city.branch_b.name]
    rating = rating_of(cycle, city.branch_a)
    assert client.get(f"/api/v1/evaluation-ratings/{rating.pk}/").status_code == 404
    for action in ("self-assess", "submit", "review", "return", "approve"):
        assert (
            client.post(f"/api/v1/evaluation-ratings/{rating.pk}/{action}/", {}).status_code == 404
        )
    committee = login("committee_a").get(f"/api/v1/evaluation-ratings/?cycle={cycle.pk}").json()
    assert {r["organization_name"] for r in committee["results"]} == {
        city.branch_a.name,
        city.branch_a2.name,
    }
    progress = client.get(f"/api/v1/evaluation-cycles/{cycle.pk}/progress/").json()
    assert progress["total"] == 1
    assert client.post(f"/api/v1/evaluation-cycles/{cycle.pk}/award/").status_code == 403
    assert (
        login("publicity_a").post(f"/api/v1/evaluation-ratings/{rating.pk}/submit/").status_code
        == 403
    )


@pytest.mark.django_db
def test_the_overview_api_matches_the_scope(city, cycle, login):
    data = login("city_admin").get("/api/v1/evaluation/overview/").json()
    assert (
        data["current_cycle"] == cycle.pk
        and data["progress"]["total"] == 3
        and data["year"] is None
    )
    data = login("secretary_b").get("/api/v1/evaluation/overview/").json()
    assert data["progress"]["total"] == 1
    assert login("member_a").get("/api/v1/evaluation/overview/").status_code == 403
