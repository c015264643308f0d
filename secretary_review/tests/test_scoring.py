from decimal import Decimal

from secretary_review.models import DEFAULT_BANDS, DEFAULT_GRADES
from secretary_review.scoring import (
    combined_score,
    grade_for,
    indicator_scores,
    ranks,
    rating_score,
)

POINTS = {g["code"]: g["points"] for g in DEFAULT_GRADES}
WEIGHTS = {"superior": 40, "member": 30, "peer": 30}


def test_rating_score_weights_the_mean_of_each_rater_group():
    distribution = {
        "superior": {"good": 1},  # 100
        "member": {"good": 1, "average": 1},  # 85
        "peer": {"poor": 2},  # 50
    }
    # (40×100 + 30×85 + 30×50) / 100
    assert rating_score(distribution, POINTS, WEIGHTS) == Decimal("80.50")


def test_rating_score_renormalizes_over_groups_that_voted():
    distribution = {"member": {"good": 3}, "peer": {"average": 1}}
    # (30×100 + 30×70) / 60: the superior's missing ballot neither helps nor hurts
    assert rating_score(distribution, POINTS, WEIGHTS) == Decimal("85.00")
    assert rating_score({}, POINTS, WEIGHTS) is None


def test_indicators_are_put_on_a_hundred_point_scale():
    scores = indicator_scores(Decimal("80"), 0.75, None, 4)
    assert scores == {
        "rating": Decimal("80"),
        "responsibility": Decimal("75.00"),
        "orglife": None,
        "stars": Decimal("80.00"),
    }


def test_combined_score_drops_missing_indicators_and_renormalizes_the_rest():
    weights = {"rating": 60, "responsibility": 20, "orglife": 10, "stars": 10}
    full = {
        "rating": Decimal(90),
        "responsibility": Decimal(80),
        "orglife": Decimal(70),
        "stars": Decimal(60),
    }
    assert combined_score(full, weights) == Decimal("83.00")  # 54 + 16 + 7 + 6
    partial = {"rating": Decimal(90), "responsibility": None, "orglife": None, "stars": Decimal(60)}
    assert combined_score(partial, weights) == Decimal("85.71")  # (60×90 + 10×60) / 70
    assert combined_score({"rating": None}, weights) is None


def test_grade_bands_and_competition_ranking():
    assert grade_for(Decimal("90"), DEFAULT_BANDS) == "优秀"
    assert grade_for(Decimal("89.99"), DEFAULT_BANDS) == "良好"
    assert grade_for(Decimal("12"), DEFAULT_BANDS) == "较差"
    assert grade_for(None, DEFAULT_BANDS) == ""
    scored = [(1, Decimal(80)), (2, Decimal(95)), (3, Decimal(80)), (4, None), (5, Decimal(70))]
    assert ranks(scored) == {2: 1, 1: 2, 3: 2, 5: 4}
