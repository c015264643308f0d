"""Objective indicators of the 考核, read only through other apps' selectors.

Those selectors are written in parallel with this app: a selector that does not exist (yet) or has no
figure for an organization yields no entry, and the formula then reweights over what is available
(see secretary_review.scoring.combined_score). Tests monkeypatch these three functions.
"""

import importlib


def _selector(module: str, name: str):
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def responsibility_completion(organization_ids: list[int], year: int) -> dict[int, float]:
    """Responsibility-list completion (0..1) by organization id; missing: no figure."""
    selector = _selector("responsibility.selectors", "list_completion")
    if selector is None:
        return {}
    return {k: v for k, v in (selector(organization_ids, year) or {}).items() if v is not None}


def orglife_completion(organizations: list, year: int) -> dict[int, float]:
    """Organizational-life completion rate (0..1) by organization id.

    orglife.selectors.completion_rate works on one organization (a few queries each: seconds for a
    city-wide round), so the whole set goes through the compliance selector it wraps.
    """
    if not organizations:
        return {}
    batch = _selector("orglife.selectors", "completion_rates")
    compliance = _selector("orglife.selectors", "compliance")
    single = _selector("orglife.selectors", "completion_rate")
    if batch is not None:
        rates = batch(organizations, year) or {}
    elif compliance is not None:
        # The same figure completion_rate gives, for the whole set in a constant number of queries.
        from datetime import date

        from orglife.periods import period_of

        results = compliance(list(organizations), period_of("year", date(year, 1, 1)))
        rates = {r.organization.pk: r.rate for r in results}
    elif single is not None:
        rates = {org.pk: single(org, year) for org in organizations}
    else:
        return {}
    return {k: v for k, v in rates.items() if v is not None}


def stars_awarded(organization_ids: list[int], year: int) -> dict[int, int]:
    """Stars (0..5) of 五星示范 awarded to each organization for the year; missing: no figure."""
    selector = _selector("evaluation.selectors", "stars_awarded")
    if selector is None:
        return {}
    return {k: v for k, v in (selector(organization_ids, year) or {}).items() if v is not None}


def responsibility_lists_available() -> bool:
    return _selector("responsibility.selectors", "lists_for_member") is not None


def responsibility_lists(member, year: int) -> list:
    """The member's 三级书记 responsibility lists for the year (empty until that app provides them)."""
    selector = _selector("responsibility.selectors", "lists_for_member")
    return list(selector(member, year) or []) if selector is not None else []
