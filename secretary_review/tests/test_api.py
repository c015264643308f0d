"""The same cycle through /api/v1/secretary-review/: only own assignments, aggregates after close."""

import pytest

from secretary_review.models import Ballot, Round

API = "/api/v1/secretary-review"


def post(client, path, data=None):
    return client.post(path, data or {}, content_type="application/json")


@pytest.mark.django_db
def test_a_round_runs_end_to_end_through_the_api(review, login):
    city = review.city
    admin, secretary, voter = login("city_admin"), login("secretary_a"), login("member_a")
    created = post(admin, f"{API}/rounds/", {"area": city.dept_a.pk, "year": 2026})
    assert created.status_code == 201, created.content
    round_id = created.json()["id"]
    assert created.json()["grades_are_default"] is True
    assert [g["label"] for g in created.json()["grades"]] == ["好", "较好", "一般", "差"]
    refused = post(secretary, f"{API}/rounds/{round_id}/open-reporting/")
    assert refused.status_code == 403  # secretary A sees the department's round, cannot run it
    assert post(admin, f"{API}/rounds/{round_id}/open-reporting/").json()["status"] == "reporting"
    reports = secretary.get(f"{API}/reports/?round={round_id}").json()["results"]
    own = next(r for r in reports if r["secretary_name"] == "赵强")
    patched = secretary.patch(
        f"{API}/reports/{own['id']}/", {"text": "述职正文"}, content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["text"] == "述职正文"
    assert post(secretary, f"{API}/reports/{own['id']}/submit/").json()["status"] == "submitted"
    assert "rating_score" not in patched.json() and "total_score" not in patched.json()
    assert post(admin, f"{API}/rounds/{round_id}/open-rating/").json()["status"] == "rating"
    ballots = voter.get(f"{API}/ballots/").json()["results"]
    assert own["id"] in {b["report"] for b in ballots}
    cast = post(voter, f"{API}/ballots/", {"ballots": [{"report": own["id"], "grade": "good"}]})
    assert cast.status_code == 201 and cast.json() == {"cast": 1}
    again = post(voter, f"{API}/ballots/", {"ballots": [{"report": own["id"], "grade": "poor"}]})
    assert again.status_code == 400 and "不能重复测评" in again.content.decode()
    other = (
        Round.objects.get(pk=round_id)
        .reports.exclude(pk=own["id"])
        .exclude(assignments__rater=city.member_a)
        .first()
    )
    foreign = post(voter, f"{API}/ballots/", {"ballots": [{"report": other.pk, "grade": "good"}]})
    assert foreign.status_code == 400 and "分配给您" in foreign.content.decode()
    assert Ballot.objects.count() == 1
    assert admin.get(f"{API}/rounds/{round_id}/results/").status_code == 403
    assert post(admin, f"{API}/rounds/{round_id}/close/").json()["status"] == "closed"
    results = secretary.get(f"{API}/rounds/{round_id}/results/").json()["results"]
    assert [(r["secretary_name"], r["total_score"], r["rank"]) for r in results] == [
        ("赵强", "100.00", 1)
    ]


@pytest.mark.django_db
def test_settings_can_change_until_rating_starts(rating, login):
    admin = login("city_admin")
    response = admin.patch(
        f"{API}/rounds/{rating.round.pk}/",
        {"weight_rating": "80"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "测评已开始" in response.content.decode()


@pytest.mark.django_db
def test_invalid_configuration_is_a_400_with_chinese_messages(review, login):
    admin = login("city_admin")
    response = admin.patch(
        f"{API}/rounds/{review.round.pk}/",
        {"grades": [{"code": "a", "label": "好", "points": 100}]},
        content_type="application/json",
    )
    assert response.status_code == 400 and "至少设置两个测评等次" in response.content.decode()
    assert (
        post(
            login("secretary_a"), f"{API}/rounds/", {"area": review.city.branch_a.pk, "year": 2027}
        ).status_code
        == 403
    )
