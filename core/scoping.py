"""What a user may see and change: decided here once, for pages, API and exports alike.

Every scoped queryset filters by organization path prefixes (materialized path), so
"everything under organization X" stays one SQL query.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q

from core import roles


def minimal_prefixes(paths) -> tuple[str, ...]:
    """Drop paths that lie under another path of the set."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return tuple(kept)


@dataclass(frozen=True)
class Scope:
    paths: dict = field(default_factory=dict)  # capability -> tuple of path prefixes
    role_names: frozenset = frozenset()
    member_id: int | None = None
    member_branch_id: int | None = None
    member_branch_path: str | None = None

    def prefixes(self, capability: str) -> tuple[str, ...]:
        return self.paths.get(capability, ())

    def allows(self, capability: str, path: str | None) -> bool:
        return bool(path) and any(path.startswith(p) for p in self.prefixes(capability))

    def q(self, path_field: str, capability: str = roles.READ) -> Q:
        """Q selecting rows whose organization path lies under a prefix; matches nothing if none."""
        prefixes = self.prefixes(capability)
        if not prefixes:
            return Q(pk__in=[])
        query = Q()
        for prefix in prefixes:
            query |= Q(**{f"{path_field}__startswith": prefix})
        return query

    @property
    def is_party_reader(self) -> bool:
        return bool(self.prefixes(roles.READ))


EMPTY = Scope()


def scope_for(user, on: date | None = None) -> Scope:
    """The user's scope from their active role assignments, cached on the user object."""
    if user is None or not user.is_authenticated:
        return EMPTY
    cached = getattr(user, "_scope_cache", None)
    if cached is not None and on is None:
        return cached
    paths: dict[str, list[str]] = {}
    role_names = set()
    for assignment in user.role_assignments.active(on).select_related("organization"):
        role_names.add(assignment.role)
        for capability in roles.CAPABILITIES.get(assignment.role, ()):
            paths.setdefault(capability, []).append(assignment.organization.path)
    member = getattr(user, "member", None)
    branch = member.branch if member is not None else None
    if member is not None:
        role_names.add(roles.Role.MEMBER)
    scope = Scope(
        paths={cap: minimal_prefixes(p) for cap, p in paths.items()},
        role_names=frozenset(role_names),
        member_id=member.pk if member else None,
        member_branch_id=branch.pk if branch else None,
        member_branch_path=branch.path if branch else None,
    )
    if on is None:
        user._scope_cache = scope
    return scope
