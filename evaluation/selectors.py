"""Reading schemes: city-wide configuration, readable by every party reader."""

from django.db.models import Count, Prefetch

from evaluation.metrics import METRICS
from evaluation.models import EvaluationScheme, Indicator, Star


def scheme_list():
    return EvaluationScheme.objects.annotate(star_count=Count("stars", distinct=True)).order_by(
        "-year", "sector", "pk"
    )


def scheme_detail_queryset():
    return EvaluationScheme.objects.prefetch_related(
        Prefetch("stars", queryset=Star.objects.prefetch_related("indicators"))
    )


def automatic_values(scheme: EvaluationScheme, organization) -> dict:
    """Computed figures of the scheme's automatic indicators for one organization, by indicator id."""
    values = {}
    for indicator in Indicator.objects.filter(star__scheme=scheme, method="automatic"):
        metric = METRICS.get(indicator.metric)
        if metric and metric.available:
            values[indicator.pk] = metric.compute(organization, scheme.year)
    return values
