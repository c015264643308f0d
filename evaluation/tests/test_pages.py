from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import AuditLog
from evaluation import services
from evaluation.models import EvaluationScheme


@pytest.fixture
def scheme(city):
    return services.scheme_create_default(2026, city.users["city_admin"])


@pytest.mark.django_db
def test_every_reader_sees_the_scheme_with_its_stars(scheme, login):
    client = login("secretary_a")
    body = client.get(reverse("evaluation:scheme_list")).content.decode()
    assert scheme.name in body and "按默认内容新建" not in body
    body = client.get(reverse("evaluation:scheme_detail", args=[scheme.pk])).content.decode()
    assert "思想建设（学习）" in body and "新增星" not in body


@pytest.mark.django_db
def test_ordinary_members_are_refused_the_pages(scheme, login):
    client = login("member_a")
    assert client.get(reverse("evaluation:scheme_list")).status_code == 403
    assert client.get(reverse("evaluation:scheme_detail", args=[scheme.pk])).status_code == 403


@pytest.mark.django_db
def test_a_secretary_cannot_edit_copy_or_publish(scheme, login):
    client = login("secretary_a")
    star = scheme.stars.first()
    urls = [
        reverse("evaluation:scheme_edit", args=[scheme.pk]),
        reverse("evaluation:star_new", args=[scheme.pk]),
        reverse("evaluation:star_edit", args=[scheme.pk, star.pk]),
        reverse("evaluation:indicator_new", args=[scheme.pk, star.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 403
        assert client.post(url, {"name": "x", "order": 1, "pass_points": 1}).status_code == 403
    for name in ("scheme_copy", "scheme_publish"):
        response = client.post(reverse(f"evaluation:{name}", args=[scheme.pk]), {"year": 2027})
        assert response.status_code == 403
    response = client.post(reverse("evaluation:scheme_create_default"), {"year": 2027})
    assert response.status_code == 403
    assert EvaluationScheme.objects.count() == 1
    scheme.refresh_from_db()
    assert scheme.is_draft
    assert AuditLog.objects.filter(action="access_denied", actor_name="secretary_a").count() >= 6


@pytest.mark.django_db
def test_admin_creates_copies_edits_and_publishes(city, login):
    client = login("city_admin")
    response = client.post(reverse("evaluation:scheme_create_default"), {"year": 2025})
    scheme = EvaluationScheme.objects.get(year=2025)
    assert response.url == reverse("evaluation:scheme_detail", args=[scheme.pk])
    star = scheme.stars.first()
    url = reverse("evaluation:indicator_new", args=[scheme.pk, star.pk])
    response = client.post(
        url,
        {
            "order": 2,
            "name": "完成率",
            "method": "automatic",
            "points": "20",
            "metric": "orglife_completion_rate",
            "threshold": "1.5",
        },
    )
    assert "比例类阈值须在0到1之间" in response.content.decode()
    response = client.post(
        url,
        {
            "order": 2,
            "name": "完成率",
            "method": "automatic",
            "points": "20",
            "metric": "orglife_completion_rate",
            "threshold": "0.9",
        },
    )
    assert response.status_code == 302
    body = client.get(reverse("evaluation:scheme_detail", args=[scheme.pk])).content.decode()
    assert "组织生活完成率 ≥ 0.9" in body
    edit_url = reverse("evaluation:scheme_edit", args=[scheme.pk])
    response = client.post(edit_url, {"name": " ", "sector": "organs", "promotion": "several"})
    assert response.status_code == 200 and "invalid-feedback" in response.content.decode()
    scheme.refresh_from_db()
    assert scheme.promotion == "one_per_year"
    client.post(edit_url, {"name": "机关五星 2025", "sector": "organs", "promotion": "several"})
    scheme.refresh_from_db()
    assert scheme.promotion == "several" and scheme.name == "机关五星 2025"
    client.post(reverse("evaluation:scheme_publish", args=[scheme.pk]))
    scheme.refresh_from_db()
    assert not scheme.is_draft
    star_url = reverse("evaluation:star_edit", args=[scheme.pk, star.pk])
    assert client.get(star_url).status_code == 403
    assert (
        "复制2025年方案为2026年" in client.get(reverse("evaluation:scheme_list")).content.decode()
    )
    client.post(reverse("evaluation:scheme_copy", args=[scheme.pk]), {"year": 2026})
    copy = EvaluationScheme.objects.get(year=2026)
    assert copy.stars.get(name=star.name).indicators.filter(threshold=Decimal("0.9")).exists()


@pytest.mark.django_db
def test_list_and_detail_queries_do_not_grow_with_schemes(
    city, login, django_assert_max_num_queries
):
    admin = city.users["city_admin"]
    first = services.scheme_create_default(2024, admin)
    client = login("secretary_a")

    def count(url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    list_url = reverse("evaluation:scheme_list")
    detail_url = reverse("evaluation:scheme_detail", args=[first.pk])
    before = (count(list_url), count(detail_url))
    for year in (2025, 2026, 2027):
        services.scheme_copy(first, year, admin)
    services.star_save(first, {"name": "第六星"}, admin)
    with django_assert_max_num_queries(before[0]):
        client.get(list_url)
    with django_assert_max_num_queries(before[1]):
        client.get(detail_url)


@pytest.mark.django_db
def test_api_lists_nested_schemes_for_readers_and_writes_only_for_admins(scheme, login):
    client = login("publicity_a")
    data = client.get("/api/v1/evaluation-schemes/").json()
    rows = data["results"] if isinstance(data, dict) else data
    assert rows[0]["stars"][0]["indicators"][0]["method"] == "manual"
    assert client.post(f"/api/v1/evaluation-schemes/{scheme.pk}/publish/").status_code == 403
    assert login("member_a").get("/api/v1/evaluation-schemes/").status_code == 403
    admin = login("city_admin")
    response = admin.post(
        f"/api/v1/evaluation-schemes/{scheme.pk}/copy/",
        {"year": 2027},
        content_type="application/json",
    )
    assert response.status_code == 201 and len(response.json()["stars"]) == 5
    assert (
        admin.post(f"/api/v1/evaluation-schemes/{scheme.pk}/publish/").json()["status"]
        == "published"
    )
