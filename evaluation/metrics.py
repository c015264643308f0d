"""Registry of platform figures automatic indicators can be scored from.

Only metrics whose data source exists can be chosen; the others are listed so 工委 staff see what is
coming, marked 数据来源待接入.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    code: str
    label: str
    unit: str  # "ratio" (0..1) or "hours"
    # callable(organizations, year) -> {organization id: float | None}; None = not connected yet.
    # Whole-city scoring calls it once for all organizations, so it must not query per organization.
    compute_many: object = None

    @property
    def available(self) -> bool:
        return self.compute_many is not None

    def compute(self, organization, year: int) -> float | None:
        return self.compute_many([organization], year).get(organization.pk)


def orglife_completion_rates(organizations, year: int) -> dict:
    """Share of decided organizational-life checks each organization met in the year."""
    from orglife.selectors import completion_rates

    organizations = list(organizations)
    return completion_rates(organizations, year) if organizations else {}


METRICS = {
    m.code: m
    for m in (
        Metric("orglife_completion_rate", "组织生活完成率", "ratio", orglife_completion_rates),
        Metric("dues_on_time_rate", "党费按时交纳率", "ratio"),
        Metric("findings_rectified_rate", "问题按期整改率", "ratio"),
        Metric("training_hours", "党员学习培训学时", "hours"),
    )
}


def metric_label(code: str) -> str:
    metric = METRICS.get(code)
    if metric is None:
        return code
    return metric.label if metric.available else f"{metric.label}（数据来源待接入）"


def metric_choices() -> list[tuple[str, str]]:
    return [(m.code, metric_label(m.code)) for m in METRICS.values()]
