"""Turning one organization's indicator scores into stars earned: thresholds and 一票否决.

Pure: takes the scheme's stars and indicators (prefetched) and plain values, touches no database.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from evaluation.models import Indicator

Method, VetoScope = Indicator.Method, Indicator.VetoScope


@dataclass
class IndicatorResult:
    indicator: Indicator
    points: Decimal
    value: float | None = None  # the computed figure of an automatic indicator, shown beside it
    vetoed: bool = False


@dataclass
class StarResult:
    star: object
    points: Decimal
    earned: bool
    vetoed: bool
    indicators: list[IndicatorResult] = field(default_factory=list)


@dataclass
class SchemeResult:
    stars: list[StarResult]
    vetoed_whole: bool

    @property
    def total_stars(self) -> int:
        return 0 if self.vetoed_whole else sum(s.earned for s in self.stars)


def _indicator(indicator, scores, vetoes, automatic_values) -> IndicatorResult:
    if indicator.method == Method.VETO:
        return IndicatorResult(indicator, Decimal(0), vetoed=indicator.pk in vetoes)
    if indicator.method == Method.AUTOMATIC:
        value = automatic_values.get(indicator.pk)
        met = value is not None and Decimal(str(value)) >= indicator.threshold
        return IndicatorResult(indicator, indicator.points if met else Decimal(0), value=value)
    given = Decimal(str(scores.get(indicator.pk, 0)))
    return IndicatorResult(indicator, max(Decimal(0), min(given, indicator.points)))


def score_organization(scheme, scores: dict, vetoes: set, automatic_values: dict) -> SchemeResult:
    """Stars earned per star and in total.

    scores: manual points by indicator id (capped at the indicator's points); vetoes: ids of veto
    items that apply; automatic_values: computed figures by indicator id (points awarded when the
    figure reaches the threshold, else 0).
    """
    stars, vetoed_whole = [], False
    for star in scheme.stars.all():
        results = [_indicator(i, scores, vetoes, automatic_values) for i in star.indicators.all()]
        star_veto = any(r.vetoed and r.indicator.veto_scope == VetoScope.STAR for r in results)
        vetoed_whole |= any(r.vetoed and r.indicator.veto_scope == VetoScope.WHOLE for r in results)
        points = sum((r.points for r in results), Decimal(0))
        earned = not star_veto and points >= star.pass_points
        stars.append(StarResult(star, points, earned, star_veto, results))
    if vetoed_whole:
        for s in stars:
            s.earned = False
    return SchemeResult(stars, vetoed_whole)
