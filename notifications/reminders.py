"""The reminder framework: each domain app with deadlines has `<app>/reminders.py` with
`collect(today) -> list[Notification]` (unsaved, each with a dedupe key); send_reminders runs them all."""

from datetime import date
from importlib import import_module

from notifications.models import Notification

# (app, what its reminders are about) in the order the daily job runs them.
SOURCES = (
    ("orglife", "组织生活"),
    ("evaluation", "五星示范"),
    ("dual_excellence", "双优引领"),
    ("responsibility", "书记责任清单"),
    ("member_review", "民主评议党员"),
    ("supervision", "督查整改"),
    ("secretary_review", "联述联评联考"),
    ("work_plans", "工作计划"),
    ("weak_orgs", "软弱涣散整顿"),
)


def collect_all(today: date) -> list[tuple[str, list[Notification]]]:
    """Every source's reminders for the day, labelled by source."""
    return [(label, import_module(f"{app}.reminders").collect(today)) for app, label in SOURCES]
