"""Deleting, reordering and archiving: drafts change freely, published schemes never do."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from core.models import AuditLog
from evaluation import cycle_services, services
from evaluation.models import EvaluationCycle, EvaluationScheme, Indicator, Star
from evaluation.tests.conftest import open_cycle

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def draft(admin):
    """The default five stars; star 1 gets two more indicators (three in all)."""
    scheme = services.scheme_create_default(2027, admin)
    first = scheme.stars.first()
    for name in ("理论学习制度", "意识形态责任制"):
        services.indicator_save(first, {"name": name, "points": 10}, admin)
    return scheme


def star_names(scheme) -> list[str]:
    return list(Star.objects.filter(scheme=scheme).order_by("order").values_list("name", flat=True))


def indicator_names(star) -> list[str]:
    return list(star.indicators.order_by("order").values_list("name", flat=True))


def orders(queryset) -> list[int]:
    return list(queryset.order_by("order").values_list("order", flat=True))


# --- services ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_deleting_a_draft_star_takes_its_indicators_closes_the_gap_and_is_audited(draft, admin):
    star = draft.stars.get(name="思想建设（学习）")
    indicator_ids = list(star.indicators.values_list("pk", flat=True))
    services.star_delete(star, admin)
    assert star_names(draft) == ["政治建设", "组织建设（基层基础）", "服务中心", "作风纪律"]
    assert orders(draft.stars) == [1, 2, 3, 4]
    assert not Indicator.objects.filter(pk__in=indicator_ids).exists()
    deleted = AuditLog.objects.filter(action="delete", actor_name=admin.username)
    assert deleted.filter(object_type="evaluation.star", object_repr="思想建设（学习）").exists()
    assert deleted.filter(
        object_type="evaluation.indicator", object_id=str(indicator_ids[0])
    ).exists()
    assert AuditLog.objects.filter(
        action="update", object_type="evaluation.star", detail="调整顺序"
    ).exists()


@pytest.mark.django_db
def test_deleting_an_indicator_of_a_draft_renumbers_the_rest(draft, admin):
    star = draft.stars.first()
    services.indicator_delete(star.indicators.get(name="理论学习制度"), admin)
    assert indicator_names(star) == ["政治建设工作落实情况", "意识形态责任制"]
    assert orders(star.indicators) == [1, 2]
    assert AuditLog.objects.filter(
        action="delete", object_type="evaluation.indicator", object_repr="理论学习制度"
    ).exists()


@pytest.mark.django_db
def test_stars_and_indicators_move_up_and_down_but_not_past_the_ends(draft, admin):
    stars = list(draft.stars.all())
    services.star_move(stars[2], "up", admin)
    assert star_names(draft)[:3] == ["政治建设", "组织建设（基层基础）", "思想建设（学习）"]
    services.star_move(stars[0], "down", admin)
    assert star_names(draft)[:2] == ["组织建设（基层基础）", "政治建设"]
    with pytest.raises(ValidationError) as exc:
        services.star_move(Star.objects.get(name="作风纪律", scheme=draft), "down", admin)
    assert "已经排在最后，不能再下移" in exc.value.messages[0]
    star = stars[0]
    last = star.indicators.get(name="意识形态责任制")
    services.indicator_move(last, "up", admin)
    assert indicator_names(star) == ["政治建设工作落实情况", "意识形态责任制", "理论学习制度"]
    with pytest.raises(ValidationError) as exc:
        services.indicator_move(star.indicators.get(order=1), "up", admin)
    assert "已经排在最前，不能再上移" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        services.indicator_move(last, "sideways", admin)


@pytest.mark.django_db
def test_reorder_puts_every_star_in_the_given_order_and_needs_all_of_them(draft, admin):
    ids = list(draft.stars.values_list("pk", flat=True))
    services.stars_reorder(draft, list(reversed(ids)), admin)
    assert star_names(draft)[0] == "作风纪律" and orders(draft.stars) == [1, 2, 3, 4, 5]
    with pytest.raises(ValidationError) as exc:
        services.stars_reorder(draft, ids[:4], admin)
    assert "须列出全部5个星的编号" in exc.value.message_dict["ids"][0]
    star = draft.stars.get(name="政治建设")
    indicator_ids = list(star.indicators.order_by("order").values_list("pk", flat=True))
    services.indicators_reorder(star, [indicator_ids[2], indicator_ids[0], indicator_ids[1]], admin)
    assert indicator_names(star)[0] == "意识形态责任制"


@pytest.mark.django_db
def test_a_published_scheme_refuses_every_delete_and_reorder(scheme, admin):
    star = scheme.stars.first()
    indicator = star.indicators.first()
    attempts = [
        lambda: services.star_delete(star, admin),
        lambda: services.indicator_delete(indicator, admin),
        lambda: services.star_move(star, "down", admin),
        lambda: services.indicator_move(indicator, "down", admin),
        lambda: services.stars_reorder(scheme, [s.pk for s in scheme.stars.all()], admin),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as exc:
            attempt()
        assert "方案已发布，不能再修改" in exc.value.messages[0]
    assert Star.objects.filter(scheme=scheme).count() == 5
    assert not AuditLog.objects.filter(action="delete").exists()


@pytest.mark.django_db
def test_only_city_admins_delete_and_the_refusal_is_audited(city, draft):
    star = draft.stars.first()
    for persona in ("secretary_a", "secretary_b"):
        with pytest.raises(PermissionDenied):
            services.star_delete(star, city.users[persona])
        assert AuditLog.objects.filter(action="access_denied", actor_name=persona).exists()
    assert Star.objects.filter(pk=star.pk).exists()


# --- archiving --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_scheme_in_a_running_cycle_cannot_be_archived_until_the_cycle_closes(city, cycle, admin):
    scheme = cycle.scheme
    with pytest.raises(ValidationError) as exc:
        services.scheme_archive(scheme, admin)
    assert "2026年度评星尚未结束（自评审核中）" in exc.value.message_dict["status"][0]
    EvaluationCycle.objects.filter(pk=cycle.pk).update(status=EvaluationCycle.Status.NOTICE)
    with pytest.raises(ValidationError) as exc:
        services.scheme_archive(scheme, admin)
    assert "公示中" in exc.value.messages[0]
    EvaluationCycle.objects.filter(pk=cycle.pk).update(status=EvaluationCycle.Status.CLOSED)
    services.scheme_archive(scheme, admin)
    scheme.refresh_from_db()
    assert scheme.status == EvaluationScheme.Status.ARCHIVED
    assert AuditLog.objects.filter(
        action="update", object_type="evaluation.evaluationscheme", detail="归档评星方案"
    ).exists()


@pytest.mark.django_db
def test_drafts_and_archived_schemes_are_not_archived(draft, scheme, admin):
    with pytest.raises(ValidationError) as exc:
        services.scheme_archive(draft, admin)
    assert "草稿方案尚未发布" in exc.value.messages[0]
    services.scheme_archive(scheme, admin)
    with pytest.raises(ValidationError) as exc:
        services.scheme_archive(scheme, admin)
    assert "已经归档" in exc.value.messages[0]


@pytest.mark.django_db
def test_an_archived_scheme_opens_no_cycle_and_stays_unchangeable(city, scheme, admin):
    stale = EvaluationScheme.objects.get(pk=scheme.pk)  # e.g. a form loaded before the archiving
    services.scheme_archive(scheme, admin)
    with pytest.raises(ValidationError) as exc:
        open_cycle(city, stale)
    assert "已归档，不能用于启动新的评星" in exc.value.message_dict["scheme"][0]
    assert not EvaluationCycle.objects.exists()
    with pytest.raises(ValidationError) as exc:
        services.star_save(scheme, {"name": "新星"}, admin)
    assert "方案已归档" in exc.value.messages[0]
    copy = services.scheme_copy(scheme, 2027, admin)  # its content can still be reused
    assert copy.is_draft and copy.stars.count() == 5


@pytest.mark.django_db
def test_an_archived_scheme_is_not_offered_when_opening_a_cycle(city, scheme, admin, login):
    services.scheme_archive(scheme, admin)
    client = login("city_admin")
    body = client.get(reverse("evaluation:cycle_new")).content.decode()
    assert scheme.name not in body
    response = client.post(
        reverse("evaluation:cycle_new"),
        {
            "scheme": scheme.pk,
            "self_assessment_due": date(2026, 11, 30),
            "review_due": date(2026, 12, 15),
            "approval_due": date(2026, 12, 25),
            "notice_days": 5,
        },
    )
    assert response.status_code == 200 and not EvaluationCycle.objects.exists()
    with pytest.raises(ValidationError):
        cycle_services.cycle_open(
            organization=city.work_committee,
            scheme=scheme,
            self_assessment_due=date(2026, 11, 30),
            review_due=date(2026, 12, 15),
            approval_due=date(2026, 12, 25),
            actor=admin,
        )


# --- pages ------------------------------------------------------------------------------------------


def star_url(name, scheme, star, **more):
    return reverse(f"evaluation:{name}", args=[scheme.pk, star.pk, *more.values()])


@pytest.mark.django_db
def test_admin_sees_move_and_delete_buttons_on_a_draft_only(draft, scheme, login):
    admin = login("city_admin")
    body = admin.get(reverse("evaluation:scheme_detail", args=[draft.pk])).content.decode()
    star = draft.stars.first()
    assert star_url("star_delete", draft, star) in body
    assert star_url("star_move", draft, star) in body
    assert 'aria-label="上移指标“理论学习制度”"' in body
    assert reverse("evaluation:scheme_archive", args=[draft.pk]) not in body
    body = admin.get(reverse("evaluation:scheme_detail", args=[scheme.pk])).content.decode()
    assert "/delete/" not in body and "/move/" not in body
    assert reverse("evaluation:scheme_archive", args=[scheme.pk]) in body
    body = login("secretary_a").get(reverse("evaluation:scheme_detail", args=[draft.pk]))
    assert "/delete/" not in body.content.decode()


@pytest.mark.django_db
def test_admin_deletes_a_star_from_the_page(draft, login):
    client = login("city_admin")
    star = draft.stars.get(name="服务中心")
    response = client.post(star_url("star_delete", draft, star), follow=True)
    body = response.content.decode()
    assert "已删除星“服务中心”及其指标" in body and "服务中心工作落实情况" not in body
    assert star_names(draft) == ["政治建设", "思想建设（学习）", "组织建设（基层基础）", "作风纪律"]


@pytest.mark.django_db
def test_htmx_move_and_delete_swap_the_stars_section(draft, login):
    client = login("city_admin")
    star = draft.stars.first()
    indicator = star.indicators.get(name="意识形态责任制")
    url = reverse("evaluation:indicator_move", args=[draft.pk, star.pk, indicator.pk])
    response = client.post(url, {"direction": "up"}, **HX)
    body = response.content.decode()
    assert response.status_code == 200 and body.startswith('<div id="scheme-stars">')
    assert "<html" not in body
    assert body.index("意识形态责任制") < body.index("理论学习制度")
    url = reverse("evaluation:indicator_delete", args=[draft.pk, star.pk, indicator.pk])
    body = client.post(url, **HX).content.decode()
    assert "已删除指标“意识形态责任制”" in body
    assert indicator_names(star) == ["政治建设工作落实情况", "理论学习制度"]
    top = draft.stars.first()
    body = client.post(star_url("star_move", draft, top), {"direction": "up"}, **HX)
    assert "已经排在最前，不能再上移" in body.content.decode()


@pytest.mark.django_db
def test_the_page_refuses_to_change_a_published_scheme_in_chinese(scheme, login):
    client = login("city_admin")
    star = scheme.stars.first()
    indicator = star.indicators.first()
    response = client.post(star_url("star_delete", scheme, star), follow=True)
    assert "方案已发布，不能再修改" in response.content.decode()
    url = reverse("evaluation:indicator_delete", args=[scheme.pk, star.pk, indicator.pk])
    assert "方案已发布，不能再修改" in client.post(url, **HX).content.decode()
    response = client.post(star_url("star_move", scheme, star), {"direction": "down"}, **HX)
    assert "方案已发布，不能再修改" in response.content.decode()
    assert (
        star_names(scheme)[0] == "政治建设" and Indicator.objects.filter(pk=indicator.pk).exists()
    )


@pytest.mark.django_db
def test_other_users_are_refused_the_page_actions_and_audited(draft, scheme, login):
    star = draft.stars.first()
    indicator = star.indicators.first()
    urls = [
        star_url("star_delete", draft, star),
        star_url("star_move", draft, star),
        reverse("evaluation:indicator_delete", args=[draft.pk, star.pk, indicator.pk]),
        reverse("evaluation:indicator_move", args=[draft.pk, star.pk, indicator.pk]),
        reverse("evaluation:scheme_archive", args=[scheme.pk]),
    ]
    for persona in ("secretary_a", "secretary_b", "publicity_a", "member_a"):
        client = login(persona)
        for url in urls:
            assert client.post(url, {"direction": "down"}).status_code == 403, (persona, url)
            assert client.get(url).status_code == 405
    for persona in ("secretary_a", "secretary_b"):
        assert AuditLog.objects.filter(action="access_denied", actor_name=persona).count() >= 5
    assert star_names(draft)[0] == "政治建设" and Indicator.objects.filter(pk=indicator.pk).exists()
    scheme.refresh_from_db()
    assert scheme.status == EvaluationScheme.Status.PUBLISHED


@pytest.mark.django_db
def test_admin_archives_from_the_page_and_readers_still_see_it(city, scheme, login):
    client = login("city_admin")
    cycle = open_cycle(city, scheme)
    url = reverse("evaluation:scheme_archive", args=[scheme.pk])
    body = client.post(url, follow=True).content.decode()
    assert "2026年度评星尚未结束" in body
    EvaluationCycle.objects.filter(pk=cycle.pk).update(status=EvaluationCycle.Status.CLOSED)
    body = client.post(url, follow=True).content.decode()
    assert "方案已归档：仍可查阅和复制" in body
    reader = login("secretary_b")
    body = reader.get(reverse("evaluation:scheme_detail", args=[scheme.pk])).content.decode()
    assert "已归档" in body and "政治建设" in body
    assert "已归档" in reader.get(reverse("evaluation:scheme_list")).content.decode()
