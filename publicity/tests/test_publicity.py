"""公示: who sees a notice, lodging and answering objections, the states other apps read."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog
from notifications.models import Notification
from publicity import selectors, services
from publicity.models import Objection


@pytest.fixture
def notice(city):
    """工委 notices two branches for stars, open from yesterday for 5 days."""
    return services.notice_open(
        title="2026年度五星党组织拟命名名单公示",
        body="公示期内如有异议，请提出。",
        organization=city.work_committee,
        items=[
            (city.branch_a, "预算处党支部 拟评五星"),
            (city.branch_b, "教育局机关党支部 拟评四星"),
        ],
        days=5,
        actor=city.users["city_admin"],
        starts_on=timezone.localdate() - timedelta(days=1),
    )


def item_of(notice, org):
    return notice.items.get(subject_id=org.pk)


def test_notice_runs_the_given_number_of_days(notice):
    assert notice.ends_on - notice.starts_on == timedelta(days=4)
    assert [i.label for i in notice.items.all()] == [
        "预算处党支部 拟评五星",
        "教育局机关党支部 拟评四星",
    ]
    assert AuditLog.objects.filter(object_type="publicity.publicnotice").exists()


def test_notice_needs_items_and_sensible_days(city):
    with pytest.raises(ValidationError) as error:
        services.notice_open(
            title="空", body="", organization=city.work_committee, items=[], days=5, actor=None
        )
    assert "公示事项" in str(error.value)
    with pytest.raises(ValidationError) as error:
        services.notice_open(
            title="长",
            body="",
            organization=city.work_committee,
            items=[(city.branch_a, "x")],
            days=0,
            actor=None,
        )
    assert "公示天数" in str(error.value)


def test_city_notice_is_seen_by_every_branch_and_plain_members(notice, login):
    for persona in ("secretary_a", "secretary_b", "member_a", "publicity_a"):
        response = login(persona).get(reverse("publicity:notice_detail", args=[notice.pk]))
        assert response.status_code == 200, persona
        assert "预算处党支部 拟评五星" in response.content.decode()


def test_notice_of_a_department_is_refused_to_another_branch(city, login):
    own = services.notice_open(
        title="财政局机关党委表彰公示",
        body="",
        organization=city.committee_a,
        items=[(city.branch_a, "预算处党支部 先进基层党组织")],
        days=5,
        actor=city.users["committee_a"],
    )
    assert (
        login("secretary_a").get(reverse("publicity:notice_detail", args=[own.pk])).status_code
        == 200
    )
    outsider = login("secretary_b")
    assert outsider.get(reverse("publicity:notice_detail", args=[own.pk])).status_code == 404
    assert outsider.get(f"/api/v1/public-notices/{own.pk}/").status_code == 404
    listed = outsider.get("/api/v1/public-notices/").json()["results"]
    assert own.pk not in [row["id"] for row in listed]
    assert "财政局机关党委表彰公示" not in outsider.get(reverse("publicity:index")).content.decode()


def test_objection_during_notice_reaches_the_publisher(city, notice, login):
    client = login("secretary_b")
    response = client.post(
        reverse("publicity:objection_lodge", args=[notice.pk, item_of(notice, city.branch_a).pk]),
        {"content": "该支部今年三季度未召开支部党员大会。"},
    )
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert objection.lodged_by == city.users["secretary_b"]
    alert = Notification.objects.get(recipient=city.users["city_admin"], category="publicity")
    assert "预算处党支部" in alert.title
    assert selectors.item_states([city.branch_a, city.branch_b]) == {
        city.branch_a.pk: selectors.PENDING,
        city.branch_b.pk: selectors.CLEAR,
    }


def test_objection_outside_the_notice_period_is_refused(city, notice):
    item = item_of(notice, city.branch_a)
    with pytest.raises(ValidationError) as error:
        services.objection_lodge(
            item=item,
            actor=city.users["member_a"],
            content="有异议",
            today=notice.ends_on + timedelta(days=1),
        )
    assert "公示期已于" in str(error.value)
    with pytest.raises(ValidationError) as error:
        services.objection_lodge(
            item=item,
            actor=city.users["member_a"],
            content="有异议",
            today=notice.starts_on - timedelta(days=1),
        )
    assert "公示尚未开始" in str(error.value)
    with pytest.raises(ValidationError) as error:
        services.objection_lodge(item=item, actor=city.users["member_a"], content="  ")
    assert "异议内容" in str(error.value)


def test_only_the_publisher_sees_who_objected(city, notice, login):
    services.objection_lodge(
        item=item_of(notice, city.branch_a), actor=city.users["member_a"], content="材料不实"
    )
    url = reverse("publicity:notice_detail", args=[notice.pk])
    assert "member_a" in login("city_admin").get(url).content.decode()
    other = login("secretary_b")
    assert "材料不实" not in other.get(url).content.decode()
    assert other.get("/api/v1/objections/").json()["results"] == []
    own = login("member_a").get("/api/v1/objections/").json()["results"]
    assert [row["content"] for row in own] == ["材料不实"]
    admin_rows = login("city_admin").get("/api/v1/objections/").json()["results"]
    assert admin_rows[0]["lodged_by"] == "member_a"


def test_publisher_answers_once_and_states_follow(city, notice, login):
    first = services.objection_lodge(
        item=item_of(notice, city.branch_a), actor=city.users["member_a"], content="材料不实"
    )
    second = services.objection_lodge(
        item=item_of(notice, city.branch_b), actor=city.users["member_a"], content="未按期换届"
    )
    # A branch secretary may not answer objections to the 工委's notice.
    refused = login("secretary_a").post(
        f"/api/v1/objections/{first.pk}/answer/", {"upheld": True, "answer": "成立"}
    )
    assert refused.status_code in (403, 404)
    admin = login("city_admin")
    response = admin.post(
        f"/api/v1/objections/{first.pk}/answer/", {"upheld": True, "answer": "经核实，材料不实。"}
    )
    assert response.status_code == 200 and response.json()["status"] == "upheld"
    again = admin.post(f"/api/v1/objections/{first.pk}/answer/", {"upheld": False, "answer": "x"})
    assert again.status_code == 400 and "已答复" in again.content.decode()
    services.objection_answer(
        objection=second, actor=city.users["city_admin"], upheld=False, answer="已按期换届。"
    )
    assert selectors.item_states([city.branch_a, city.branch_b]) == {
        city.branch_a.pk: selectors.UPHELD,
        city.branch_b.pk: selectors.CLEAR,
    }
    with pytest.raises(PermissionDenied):
        services.objection_answer(
            objection=second, actor=city.users["secretary_b"], upheld=True, answer="x"
        )


def test_answer_needs_reasons(city, notice):
    objection = services.objection_lodge(
        item=item_of(notice, city.branch_a), actor=city.users["member_a"], content="材料不实"
    )
    with pytest.raises(ValidationError) as error:
        services.objection_answer(
            objection=objection, actor=city.users["city_admin"], upheld=False, answer=""
        )
    assert "答复" in str(error.value)


def test_states_follow_the_latest_notice(city, notice):
    objection = services.objection_lodge(
        item=item_of(notice, city.branch_a), actor=city.users["member_a"], content="材料不实"
    )
    services.objection_answer(
        objection=objection, actor=city.users["city_admin"], upheld=True, answer="成立"
    )
    assert selectors.item_states([city.branch_a])[city.branch_a.pk] == selectors.UPHELD
    later = services.notice_open(
        title="重新公示",
        body="",
        organization=city.work_committee,
        items=[(city.branch_a, "预算处党支部 拟评四星")],
        days=5,
        actor=city.users["city_admin"],
        starts_on=notice.starts_on + timedelta(days=10),
    )
    assert selectors.notice_for(city.branch_a) == later
    assert selectors.item_states([city.branch_a, city.dept_b]) == {
        city.branch_a.pk: selectors.CLEAR,
        city.dept_b.pk: selectors.NONE,
    }


def test_api_lodges_an_objection(city, notice, login):
    response = login("member_a").post(
        f"/api/v1/public-notices/{notice.pk}/objections/",
        {"item": item_of(notice, city.branch_b).pk, "content": "群众反映服务态度差"},
    )
    assert response.status_code == 201
    assert response.json()["lodged_by"] is None
    empty = login("member_a").post(
        f"/api/v1/public-notices/{notice.pk}/objections/",
        {"item": item_of(notice, city.branch_b).pk, "content": ""},
    )
    assert empty.status_code == 400 and "异议内容" in empty.content.decode()
