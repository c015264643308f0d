"""Three years of organizational life for the demo city: activities, attendance and the tally.

Reads the city demo.build has just written (organizations, members, positions, terms) and the rules
table, draws everything from one random.Random seeded with (seed, as_of), and writes with plain
executemany (SQLite) or COPY (PostgreSQL): at city scale the attendance table gets millions of rows,
far too many for model instances. The tally is then rebuilt with one INSERT … SELECT … GROUP BY that
counts exactly what orglife.services.refresh_tally counts.
"""

from datetime import date

from core import audit

from .history import PLAN_AHEAD, History, history_start
from .storage import analyze, rebuild_tally

__all__ = ["PLAN_AHEAD", "history_start", "rebuild_tally", "write_history"]


def write_history(seed: int, as_of: date) -> dict:
    """Activities, attendance and tally for the city in the database; counts for the report."""
    counts = History(seed, as_of).run()
    analyze()
    audit.record(
        audit.Action.IMPORT,
        object_type="demo.orglife",
        object_repr="演示数据：组织生活",
        detail=f"生成 {history_start(as_of)} 至 {as_of + PLAN_AHEAD} 的组织生活 {counts['activities']} 次、"
        f"出席记录 {counts['attendance']} 条，随机种子 {seed}",
    )
    return counts
