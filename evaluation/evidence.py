"""Evidence of a self-assessment: uploaded documents (checked by core.uploads), and recorded
activities of the organization (read through orglife's selectors)."""

from core.uploads import ACCEPT, check_upload  # noqa: F401 (used by cycle views and services)
from orglife.selectors import activities_by_ids, completed_activities


def activity_choices(organization, year: int) -> list[tuple[int, str]]:
    """The organization's activities held in the year, newest first, as (id, label)."""
    rows = completed_activities(organization, year)
    return [(a.pk, f"{a.held_on:%m-%d} {a.get_kind_display()}：{a.topic}") for a in rows]


def activity_labels(ids) -> dict[int, str]:
    """Labels of cited activities by id (whatever organization: the caller checked the citation)."""
    ids = {int(i) for i in ids}
    if not ids:
        return {}
    rows = activities_by_ids(ids)
    return {a.pk: f"{a.held_on:%Y-%m-%d} {a.get_kind_display()}：{a.topic}" for a in rows}
