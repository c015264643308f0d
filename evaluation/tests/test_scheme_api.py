"""A draft's stars and indicators through /api/v1/evaluation-schemes/: the same rules as the pages."""

import pytest

from core.models import AuditLog
from evaluation import services
from evaluation.models import EvaluationCycle, EvaluationScheme, Indicator, Star
from evaluation.tests.conftest import YEAR

JSON = {"content_type": "application/json"}


@pytest.fixture
def draft(admin):
    return services.scheme_create_default(2027, admin)


def base(scheme) -> str:
    return f"/api/v1/evaluation-schemes/{scheme.pk}/"


@pytest.mark.django_db
def test_admin_adds_changes_and_deletes_a_star_with_its_indicators(draft, login):
    client = login("city_admin")
    response = client.post(
        base(draft) + "stars/", {"name": "双优引领", "pass_points": "80"}, **JSON
    )
    assert response.status_code == 201, response.json()
    star = response.json()
    assert star["order"] == 6 and star["indicators"] == []
    url = base(draft) + f"stars/{star['id']}/"
    response = client.post(url + "indicators/", {"name": "党建工作优", "points": "50"}, **JSON)
    assert response.status_code == 201 and response.json()["method"] == "manual"
    response = client.patch(url, {"description": "党建工作优、服务发展优"}, **JSON)
    assert response.status_code == 200
    assert response.json()["name"] == "双优引领"  # a PATCH keeps what it does not send
    assert response.json()["indicators"][0]["name"] == "党建工作优"
    assert client.delete(url).status_code == 204
    assert not Star.objects.filter(pk=star["id"]).exists()
    assert not Indicator.objects.filter(name="党建工作优").exists()
    deleted = AuditLog.objects.filter(action="delete", actor_name="city_admin")
    assert set(deleted.values_list("object_type", flat=True)) == {
        "evaluation.star",
        "evaluation.indicator",
    }
    assert len(client.get(base(draft)).json()["stars"]) == 5


@pytest.mark.django_db
def test_invalid_input_is_a_400_naming_the_field_in_chinese(draft, login):
    client = login("city_admin")
    response = client.post(base(draft) + "stars/", {"name": "新星", "pass_points": "很多"}, **JSON)
    assert response.status_code == 400
    assert response.json()["pass_points"][0].startswith("达星分数线：")
    response = client.post(base(draft) + "stars/", {"pass_points": "60"}, **JSON)
    assert response.status_code == 400 and response.json()["name"][0].startswith("星名称：")
    star = draft.stars.first()
    response = client.post(
        base(draft) + f"stars/{star.pk}/indicators/",
        {"name": "完成率", "method": "automatic", "points": "20"},
        **JSON,
    )
    assert response.status_code == 400
    assert response.json()["metric"] == ["自动计算的指标须选择数据指标"]
    indicator = star.indicators.first()
    response = client.patch(
        base(draft) + f"stars/{star.pk}/indicators/{indicator.pk}/", {"points": "-5"}, **JSON
    )
    assert response.status_code == 400 and response.json()["points"] == ["分值不能为空或小于0"]
    response = client.post(base(draft) + f"stars/{star.pk}/move/", {"direction": "左"}, **JSON)
    assert response.status_code == 400 and response.json()["direction"][0].startswith("方向：")
    response = client.post(base(draft) + "stars/reorder/", {"ids": [star.pk]}, **JSON)
    assert response.status_code == 400
    assert response.json()["ids"] == ["新顺序：须列出全部5个星的编号，每个一次"]


@pytest.mark.django_db
def test_admin_moves_and_reorders_stars_and_indicators(draft, admin, login):
    client = login("city_admin")
    stars = list(draft.stars.all())
    response = client.post(base(draft) + f"stars/{stars[1].pk}/move/", {"direction": "up"}, **JSON)
    assert response.status_code == 200
    assert [s["name"] for s in response.json()["stars"]][:2] == ["思想建设（学习）", "政治建设"]
    ids = [s.pk for s in reversed(stars)]
    response = client.post(base(draft) + "stars/reorder/", {"ids": ids}, **JSON)
    assert [s["id"] for s in response.json()["stars"]] == ids
    assert [s["order"] for s in response.json()["stars"]] == [1, 2, 3, 4, 5]
    star = stars[0]
    second = services.indicator_save(star, {"name": "第二项", "points": 5}, admin)
    url = base(draft) + f"stars/{star.pk}/indicators/"
    response = client.post(url + f"{second.pk}/move/", {"direction": "up"}, **JSON)
    assert response.status_code == 200
    assert [i["name"] for i in response.json()["indicators"]] == ["第二项", "政治建设工作落实情况"]
    first = star.indicators.get(name="政治建设工作落实情况")
    response = client.post(url + "reorder/", {"ids": [first.pk, second.pk]}, **JSON)
    assert [i["id"] for i in response.json()["indicators"]] == [first.pk, second.pk]
    response = client.post(url + f"{first.pk}/move/", {"direction": "up"}, **JSON)
    assert response.status_code == 400
    assert "已经排在最前，不能再上移" in response.json()["direction"][0]


@pytest.mark.django_db
def test_a_published_scheme_is_refused_through_the_api(scheme, login):
    client = login("city_admin")
    star = scheme.stars.first()
    indicator = star.indicators.first()
    star_url = base(scheme) + f"stars/{star.pk}/"
    indicator_url = star_url + f"indicators/{indicator.pk}/"
    attempts = [
        client.post(base(scheme) + "stars/", {"name": "新星"}, **JSON),
        client.patch(star_url, {"name": "改名"}, **JSON),
        client.delete(star_url),
        client.post(star_url + "move/", {"direction": "down"}, **JSON),
        client.post(star_url + "indicators/", {"name": "新指标", "points": "1"}, **JSON),
        client.patch(indicator_url, {"name": "改名"}, **JSON),
        client.delete(indicator_url),
        client.post(indicator_url + "move/", {"direction": "down"}, **JSON),
    ]
    for response in attempts:
        assert response.status_code == 400
        assert "方案已发布，不能再修改" in response.json()["non_field_errors"][0]
    assert Star.objects.filter(scheme=scheme).count() == 5
    assert Indicator.objects.filter(pk=indicator.pk, name=indicator.name).exists()


@pytest.mark.django_db
def test_non_admins_are_refused_with_an_audited_403(draft, scheme, login):
    star = draft.stars.first()
    indicator = star.indicators.first()
    star_url = base(draft) + f"stars/{star.pk}/"
    for persona in ("secretary_a", "secretary_b", "publicity_a", "member_a"):
        client = login(persona)
        answers = [
            client.post(base(draft) + "stars/", {"name": "新星"}, **JSON),
            client.patch(star_url, {"name": "改名"}, **JSON),
            client.delete(star_url),
            client.post(star_url + "move/", {"direction": "down"}, **JSON),
            client.post(base(draft) + "stars/reorder/", {"ids": []}, **JSON),
            client.delete(star_url + f"indicators/{indicator.pk}/"),
            client.post(base(scheme) + "archive/"),
        ]
        assert [a.status_code for a in answers] == [403] * len(answers), persona
    for persona in ("secretary_a", "secretary_b"):
        refusals = AuditLog.objects.filter(action="access_denied", actor_name=persona)
        assert refusals.count() >= 7
    assert [s.name for s in draft.stars.all()][0] == "政治建设"
    assert Indicator.objects.filter(pk=indicator.pk).exists()
    scheme.refresh_from_db()
    assert scheme.status == EvaluationScheme.Status.PUBLISHED


@pytest.mark.django_db
def test_a_star_of_another_scheme_is_not_found_under_this_one(draft, scheme, login):
    client = login("city_admin")
    other = scheme.stars.first()
    assert client.delete(base(draft) + f"stars/{other.pk}/").status_code == 404
    indicator = other.indicators.first()
    star = draft.stars.first()
    url = base(draft) + f"stars/{star.pk}/indicators/{indicator.pk}/"
    assert client.delete(url).status_code == 404
    assert Star.objects.filter(pk=other.pk).exists()


@pytest.mark.django_db
def test_archive_through_the_api_follows_the_cycle_rules(city, admin, draft, scheme, login):
    client = login("city_admin")
    response = client.post(base(draft) + "archive/")
    assert response.status_code == 400 and "草稿方案尚未发布" in response.json()["status"][0]
    cycle_body = {
        "scheme": scheme.pk,
        "self_assessment_due": f"{YEAR}-11-30",
        "review_due": f"{YEAR}-12-15",
        "approval_due": f"{YEAR}-12-25",
    }
    assert client.post("/api/v1/evaluation-cycles/", cycle_body).status_code == 201
    response = client.post(base(scheme) + "archive/")
    assert response.status_code == 400
    assert f"{YEAR}年度评星尚未结束" in response.json()["status"][0]
    EvaluationCycle.objects.update(status=EvaluationCycle.Status.CLOSED)
    response = client.post(base(scheme) + "archive/")
    assert response.status_code == 200 and response.json()["status"] == "archived"
    unused = services.scheme_publish(services.scheme_copy(scheme, 2028, admin), admin)
    assert client.post(base(unused) + "archive/").status_code == 200
    cycle_body = {**cycle_body, "scheme": unused.pk, "approval_due": "2028-12-25"}
    cycle_body.update(self_assessment_due="2028-11-30", review_due="2028-12-15")
    response = client.post("/api/v1/evaluation-cycles/", cycle_body)
    assert response.status_code == 400 and "已归档" in response.json()["scheme"][0]
    detail = login("secretary_b").get(base(scheme))
    assert detail.status_code == 200 and detail.json()["status"] == "archived"
