from decimal import Decimal

import pytest

from evaluation import services
from evaluation.models import Indicator
from evaluation.scoring import score_organization


@pytest.fixture
def scheme(city):
    """Two stars: A (manual 60 + automatic 40, pass 80, star veto), B (manual 100, pass 60, whole veto)."""
    admin = city.users["city_admin"]
    s = services.scheme_create_default(2026, admin)
    a, b = list(s.stars.all())[:2]
    a.indicators.all().delete()
    b.indicators.all().delete()
    a.pass_points, b.pass_points = Decimal(80), Decimal(60)
    a.save()
    b.save()
    s.stars.exclude(pk__in=[a.pk, b.pk]).delete()
    mk = Indicator.objects.create
    ind = {
        "manual_a": mk(star=a, name="学习", points=60),
        "auto_a": mk(
            star=a,
            name="组织生活",
            method="automatic",
            points=40,
            metric="orglife_completion_rate",
            threshold=Decimal("0.9"),
        ),
        "veto_a": mk(star=a, name="违纪", method="veto", veto_scope="star"),
        "manual_b": mk(star=b, name="服务", points=100),
        "veto_b": mk(star=b, name="严重违纪", method="veto", veto_scope="whole"),
    }
    return s, ind


def run(scheme, scores=None, vetoes=(), auto=None):
    s, ind = scheme
    return score_organization(
        s,
        {ind[k].pk: v for k, v in (scores or {}).items()},
        {ind[k].pk for k in vetoes},
        {ind[k].pk: v for k, v in (auto or {}).items()},
    )


@pytest.mark.django_db
def test_threshold_exactly_met_earns_the_star(scheme):
    result = run(scheme, {"manual_a": 40, "manual_b": 60}, auto={"auto_a": 0.9})
    assert [s.earned for s in result.stars] == [True, True]
    assert result.stars[0].points == Decimal(80)
    assert result.total_stars == 2


@pytest.mark.django_db
def test_one_point_below_the_threshold_earns_no_star(scheme):
    result = run(scheme, {"manual_a": 39, "manual_b": 59.99}, auto={"auto_a": 0.95})
    assert [s.earned for s in result.stars] == [False, False]
    assert result.total_stars == 0


@pytest.mark.django_db
def test_automatic_indicator_scores_from_its_value_and_shows_it(scheme):
    below = run(scheme, {"manual_a": 60}, auto={"auto_a": 0.85})
    auto = below.stars[0].indicators[1]
    assert (auto.value, auto.points) == (0.85, 0)
    assert not below.stars[0].earned
    met = run(scheme, {"manual_a": 60}, auto={"auto_a": 0.9})
    assert (met.stars[0].indicators[1].value, met.stars[0].indicators[1].points) == (0.9, 40)
    assert met.stars[0].earned


@pytest.mark.django_db
def test_automatic_indicator_without_a_value_scores_nothing(scheme):
    result = run(scheme, {"manual_a": 60})
    assert result.stars[0].indicators[1].value is None
    assert result.stars[0].points == 60


@pytest.mark.django_db
def test_manual_points_are_capped_at_the_indicator_points(scheme):
    result = run(scheme, {"manual_a": 500})
    assert result.stars[0].points == 60


@pytest.mark.django_db
def test_a_star_veto_blocks_only_that_star(scheme):
    result = run(scheme, {"manual_a": 60, "manual_b": 100}, {"veto_a"}, {"auto_a": 1})
    assert result.stars[0].vetoed and not result.stars[0].earned
    assert result.stars[1].earned
    assert result.total_stars == 1


@pytest.mark.django_db
def test_a_whole_veto_blocks_every_star(scheme):
    result = run(scheme, {"manual_a": 60, "manual_b": 100}, {"veto_b"}, {"auto_a": 1})
    assert result.vetoed_whole
    assert [s.earned for s in result.stars] == [False, False]
    assert result.total_stars == 0
