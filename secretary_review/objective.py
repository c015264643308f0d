"""Objective indicators of the 考核, read only through other apps' selectors.

An organization without a figure (no list, no decided organizational life, not rated) gets no entry,
and the formula reweights over what is available (secretary_review.scoring.combined_score). Tests
monkeypatch these functions.
"""

from evaluation.selectors import stars_awarded as _stars_awarded
from orglife.selectors import completion_rates
from responsibility.selectors import list_completion, lists_for_member


def _present(figures: dict) -> dict:
    return {k: v for k, v in figures.items() if v is not None}


def responsibility_completion(organization_ids: list[int], year: int) -> dict[int, float]:
    """Responsibility-list completion (0..1) by organization id."""
    return _present(list_completion(organization_ids, year))


def orglife_completion(organizations: list, year: int) -> dict[int, float]:
    """Organizational-life completion rate (0..1) by organization id, all at once."""
    return _present(completion_rates(organizations, year)) if organizations else {}


def stars_awarded(organization_ids: list[int], year: int) -> dict[int, int]:
    """Stars (0..5) of 五星示范 awarded to each organization for the year."""
    return _present(_stars_awarded(organization_ids, year))


def responsibility_lists(member, year: int) -> list:
    """The member's 三级书记 responsibility lists for the year."""
    return list(lists_for_member(member, year))
