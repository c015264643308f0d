from datetime import timedelta

import pytest
from django.utils import timezone

from dangjian.testing import make_user
from member_review import services
from member_review.models import Grade, MemberReview, Rectification

from .conftest import entry_of, to_proposal

pytestmark = pytest.mark.django_db
API = "/api/v1"
G = Grade


def proposals(review, excellent=(), unqualified=()):
    items = []
    for entry in review.entries.select_related("member"):
        name = entry.member.name
        grade = G.EXCELLENT if name in excellent else G.QUALIFIED
        items.append({"entry": entry.pk, "grade": G.UNQUALIFIED if name in unqualified else grade})
    return items


def test_open_propose_and_decide_through_the_api(city, branch_a_members, login):
    client = login("secretary_a")
    today = timezone.localdate()
    response = client.post(
        f"{API}/member-reviews/",
        {
            "branch": city.branch_a.pk,
            "year": today.year,
            "self_assessment_due": (today + timedelta(days=5)).isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    review = MemberReview.objects.get(pk=response.json()["id"])
    assert response.json()["members"] == 6
    to_proposal(review)
    above = client.post(
        f"{API}/member-reviews/{review.pk}/proposals/",
        {"proposals": proposals(review, excellent=("张伟", "陈静", "刘洋"))},
        content_type="application/json",
    )
    assert above.status_code == 400
    assert "最多可评2名优秀" in str(above.json())
    at_limit = client.post(
        f"{API}/member-reviews/{review.pk}/proposals/",
        {"proposals": proposals(review, excellent=("张伟", "陈静"), unqualified=("刘洋",))},
        content_type="application/json",
    )
    assert at_limit.status_code == 200
    decided = client.post(
        f"{API}/member-reviews/{review.pk}/decide/",
        {"meeting_on": today.isoformat()},
        content_type="application/json",
    )
    assert decided.status_code == 200, decided.content
    assert decided.json()["grade_counts"] == {
        "excellent": 2,
        "qualified": 3,
        "basically_qualified": 0,
        "unqualified": 1,
    }
    entries = client.get(f"{API}/member-review-entries/?review={review.pk}").json()["results"]
    liu = next(e for e in entries if e["member_name"] == "刘洋")
    assert liu["rectification"]["deadline"]
    assert "id_number" not in str(entries) and city.member_a.phone not in str(entries)
    rect = Rectification.objects.get()
    note = client.post(
        f"{API}/member-review-rectifications/{rect.pk}/notes/",
        {"noted_on": today.isoformat(), "text": "谈心谈话"},
        content_type="application/json",
    )
    assert note.status_code == 201 and note.json()["notes"][0]["text"] == "谈心谈话"


def test_member_sees_own_result_only_and_votes_once(city, review, login):
    member = login("member_a")
    own = member.post(
        f"{API}/me/member-review/{review.pk}/self-assessment/",
        {"self_assessment": "认真履职"},
        content_type="application/json",
    )
    assert own.status_code == 200 and own.json()["self_assessment"] == "认真履职"
    services.review_advance(review=review)
    state = member.get(f"{API}/me/member-review/{review.pk}/ballot/").json()
    assert state["open"] and not state["voted"] and len(state["peers"]) == 5
    grades = [{"entry": p["id"], "grade": "qualified"} for p in state["peers"]]
    cast = member.post(
        f"{API}/me/member-review/{review.pk}/ballot/",
        {"grades": grades},
        content_type="application/json",
    )
    assert cast.status_code == 201 and cast.json()["peers_graded"] == 5
    again = member.post(
        f"{API}/me/member-review/{review.pk}/ballot/",
        {"grades": grades},
        content_type="application/json",
    )
    assert again.status_code == 400 and "不能重复提交" in str(again.json())
    # Before the meeting: no grade shown; afterwards only their own.
    assert member.get(f"{API}/me/member-review/").json()[0]["final_grade"] == ""
    services.review_advance(review=review)
    decisions = {e.pk: {"grade": G.QUALIFIED} for e in review.entries.all()}
    decisions[entry_of(review, "张伟").pk] = {"grade": G.EXCELLENT}
    decisions[entry_of(review, "赵强").pk] = {"grade": G.BASICALLY_QUALIFIED}
    services.review_decide(review=review, meeting_on=timezone.localdate(), decisions=decisions)
    mine = member.get(f"{API}/me/member-review/").json()
    assert len(mine) == 1 and mine[0]["final_grade"] == "excellent" and mine[0]["has_voted"]
    assert "basically_qualified" not in str(mine) and "赵强" not in str(mine)
    # The committee's lists are not the member's.
    listed = member.get(f"{API}/member-review-entries/")
    assert listed.status_code == 200 and listed.json()["results"] == []
    assert member.get(f"{API}/member-reviews/{review.pk}/").status_code == 404


def test_secretary_of_branch_b_is_refused_in_the_api(city, review, login):
    other = login("secretary_b")
    assert other.get(f"{API}/member-reviews/{review.pk}/").status_code == 404
    assert other.post(f"{API}/member-reviews/{review.pk}/advance/").status_code == 404
    assert other.get(f"{API}/member-reviews/").json()["results"] == []
    assert other.get(f"{API}/member-review-entries/").json()["results"] == []
    entry = entry_of(review, "张伟")
    assert other.get(f"{API}/member-review-entries/{entry.pk}/").status_code == 404
    assert other.get(f"{API}/me/member-review/{review.pk}/ballot/").status_code == 404
    opened = other.post(
        f"{API}/member-reviews/",
        {
            "branch": city.branch_a.pk,
            "year": review.year + 1,
            "self_assessment_due": timezone.localdate().isoformat(),
        },
        content_type="application/json",
    )
    assert opened.status_code == 400 and "不在您可操作的组织范围内" in str(opened.json())
    assert other.get(f"{API}/me/member-review/").status_code == 404  # no member record


def test_member_of_branch_b_cannot_vote_in_branch_a(city, review, client):
    services.review_advance(review=review)
    client.force_login(make_user("member_b", member=city.member_b))
    assert client.get(f"{API}/me/member-review/{review.pk}/ballot/").status_code == 404
    grades = [{"entry": e.pk, "grade": "excellent"} for e in review.entries.all()]
    response = client.post(
        f"{API}/me/member-review/{review.pk}/ballot/",
        {"grades": grades},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert sum(e.mutual_votes for e in review.entries.all()) == 0


def test_read_only_role_gets_403_on_api_writes(city, review, login):
    viewer = login("publicity_a")
    assert viewer.get(f"{API}/member-reviews/{review.pk}/").status_code == 200
    assert viewer.post(f"{API}/member-reviews/{review.pk}/advance/").status_code == 403
    to_proposal(review)
    response = viewer.post(
        f"{API}/member-reviews/{review.pk}/proposals/",
        {"proposals": proposals(review)},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert (
        viewer.post(
            f"{API}/member-reviews/",
            {"branch": city.branch_a.pk, "year": 2030, "self_assessment_due": "2030-01-01"},
            content_type="application/json",
        ).status_code
        == 403
    )


def test_tallies_stay_hidden_while_ballots_come_in(city, review, login):
    """Watching counts move between two receipts would unmask a voter: none until voting ends."""
    services.review_advance(review=review)
    peers = {e.pk: G.EXCELLENT for e in review.entries.exclude(member=city.member_a)}
    services.ballot_submit(review=review, rater=city.member_a, grades=peers)
    secretary = login("secretary_a")
    listed = secretary.get(f"{API}/member-review-entries/?review={review.pk}").json()["results"]
    assert {e["mutual_counts"] is None for e in listed} == {True}
    page = secretary.get(f"/member-review/reviews/{review.pk}/").content.decode()
    assert "互评票数" not in page
    services.review_advance(review=review)
    listed = secretary.get(f"{API}/member-review-entries/?review={review.pk}").json()["results"]
    chen = next(e for e in listed if e["member_name"] == "陈静")
    assert chen["mutual_counts"]["excellent"] == 1
    assert "互评票数" in secretary.get(f"/member-review/reviews/{review.pk}/").content.decode()
