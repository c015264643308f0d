"""The 考核 formula: pure functions over aggregates, so the rules are testable without a database.

Rating score = Σ(group weight × mean grade points of the group) / Σ(weights of groups with ballots).
考核 score = Σ(indicator weight × indicator score) / Σ(weights of indicators with a figure): an
indicator without a figure (no ballots, no responsibility list, no decided org-life checks, no star
rating yet) drops out and the remaining weights are renormalized, so a missing figure neither
rewards nor punishes. All scores are on a 0–100 scale.
"""

from decimal import ROUND_HALF_UP, Decimal

MAX_STARS = 5  # 五星示范
HUNDRED = Decimal("100")
CENT = Decimal("0.01")


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def rating_score(
    distribution: dict[str, dict[str, int]], points: dict[str, int | float], weights: dict
) -> Decimal | None:
    """distribution: group -> grade code -> ballots. None when no group has a ballot."""
    total_weight = Decimal(0)
    weighted = Decimal(0)
    for group, grades in distribution.items():
        weight = Decimal(weights.get(group, 0))
        count = sum(n for code, n in grades.items() if code in points)
        if not count or weight <= 0:
            continue
        mean = sum(Decimal(str(points[code])) * n for code, n in grades.items() if code in points)
        weighted += weight * mean / count
        total_weight += weight
    return _round(weighted / total_weight) if total_weight else None


def indicator_scores(
    rating: Decimal | None,
    responsibility: float | None,
    orglife: float | None,
    stars: int | None,
) -> dict[str, Decimal | None]:
    """Each indicator on the 0–100 scale (rates are 0..1, stars 0..5)."""

    def percent(rate):
        return None if rate is None else _round(Decimal(str(rate)) * HUNDRED)

    return {
        "rating": rating,
        "responsibility": percent(responsibility),
        "orglife": percent(orglife),
        "stars": None if stars is None else _round(Decimal(stars) * HUNDRED / MAX_STARS),
    }


def combined_score(scores: dict[str, Decimal | None], weights: dict) -> Decimal | None:
    total_weight = Decimal(0)
    weighted = Decimal(0)
    for key, score in scores.items():
        weight = Decimal(weights.get(key, 0))
        if score is None or weight <= 0:
            continue
        weighted += weight * score
        total_weight += weight
    return _round(weighted / total_weight) if total_weight else None


def grade_for(score: Decimal | None, bands: list[dict]) -> str:
    """The label of the highest band whose minimum the score reaches ("" without a score)."""
    if score is None:
        return ""
    for band in sorted(bands, key=lambda b: Decimal(str(b["min"])), reverse=True):
        if score >= Decimal(str(band["min"])):
            return band["label"]
    return ""


def ranks(scores: list[tuple[int, Decimal | None]]) -> dict[int, int]:
    """Competition ranking (1, 2, 2, 4) of ids by score, highest first; no score, no rank."""
    ordered = sorted((s, k) for k, s in scores if s is not None)
    ordered.reverse()
    out, previous, position = {}, None, 0
    for index, (score, key) in enumerate(ordered, start=1):
        if score != previous:
            position, previous = index, score
        out[key] = position
    return out
