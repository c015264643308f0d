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
    compute: object = None  # callable(organization, year) -> float | None; None = not connected yet

    @property
    def available(self) -> bool:
        return self.compute is not None


def orglife_completion_rate(organization, year: int) -> float | None:
    """Share of decided organizational-life checks the organization met in the year."""
    from orglife.selectors import completion_rate

    return completion_rate(organization, year)


METRICS = {
    m.code: m
    for m in (
        Metric("orglife_completion_rate", "组织生活完成率", "ratio", orglife_completion_rate),
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
