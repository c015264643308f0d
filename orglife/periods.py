"""Calendar periods (month, quarter, year) that rules are counted over."""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Period:
    kind: str  # month | quarter | year
    start: date
    end: date

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.start.year}年{self.start.month}月"
        if self.kind == "quarter":
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        return f"{self.start.year}年"

    @property
    def key(self) -> str:
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)

    def months(self) -> list[date]:
        out, day = [], self.start
        while day <= self.end:
            out.append(day)
            day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        return out

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def period_of(kind: str, day: date) -> Period:
    if kind == "month":
        first = day.replace(day=1)
    elif kind == "quarter":
        first = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    elif kind == "year":
        first = date(day.year, 1, 1)
    else:
        raise ValueError(f"unknown period kind {kind}")
    months = {"month": 1, "quarter": 3, "year": 12}[kind]
    last_month = first.month + months - 1
    last = date(first.year, last_month, monthrange(first.year, last_month)[1])
    return Period(kind, first, last)


def sub_periods(kind: str, within: Period) -> list[Period]:
    """The periods of `kind` that lie inside `within` (a year holds 4 quarters and 12 months)."""
    out, day = [], within.start
    while day <= within.end:
        period = period_of(kind, day)
        if period.start >= within.start and period.end <= within.end:
            out.append(period)
        day = date(period.end.year + period.end.month // 12, period.end.month % 12 + 1, 1)
    return out


def parse_period(text: str, default: date) -> Period:
    """'2026', '2026-Q3' or '2026-07' -> Period; anything else -> the year of `default`."""
    text = (text or "").strip()
    try:
        if "-Q" in text:
            year, quarter = text.split("-Q")
            return period_of("quarter", date(int(year), (int(quarter) - 1) * 3 + 1, 1))
        if "-" in text:
            year, month = text.split("-")
            return period_of("month", date(int(year), int(month), 1))
        if text:
            return period_of("year", date(int(text), 1, 1))
    except (ValueError, TypeError):
        pass
    return period_of("year", default)
