"""Reads that pages, exports and the API share: to-do lists and the 工委 overview.

The overview is a handful of GROUP BY queries over the user's visible findings, whatever their number.
"""

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from django.db.models import Count, F, Q
from django.db.models.functions import Substr

from accounts.models import User
from core import roles
from core.scoping import scope_for
from members.services import name_initials
from orgs.models import Organization
from supervision.models import (
    FINISHED,
    RECTIFYING,
    SEGMENT,
    DeadlineExtension,
    ExposureNotice,
    Finding,
    FindingCategory,
    FindingState,
    ancestor_paths,
)

S = FindingState


def with_related(queryset):
    return queryset.select_related("organization", "category", "escalated_to")


def todo(user):
    """Findings the user's organizations still have to rectify, nearest deadline first."""
    return with_related(
        Finding.objects.writable_by(user).filter(state__in=RECTIFYING).order_by("deadline", "id")
    )


def strictly_below(user, field: str) -> Q:
    """Rows whose organization lies strictly under one of the user's write prefixes."""
    query = Q(pk__in=[])
    for prefix in scope_for(user).prefixes(roles.WRITE):
        query |= Q(**{f"{field}__startswith": prefix}) & ~Q(**{field: prefix})
    return query


def supervised_orgs(user):
    """Active organizations strictly below the user's write scope: those they may inspect."""
    return Organization.objects.filter(strictly_below(user, "path")).active().order_by("path")


ORG_SEARCH_LIMIT = 20


@lru_cache(maxsize=20_000)
def _initials(name: str) -> str:
    # Organizations carry no initials column; names change rarely, so a process cache is enough.
    return name_initials(name) if name else ""


def org_search(queryset, text: str, limit: int = ORG_SEARCH_LIMIT) -> list[Organization]:
    """Organizations by name words (all must match) or pinyin initials (ysc -> 预算处…), by tree order.

    Initials match the start of the name first, then anywhere in it (long names carry their
    department in front: 市财政局预算处党支部 is found by "yscdzb" too).
    """
    text = (text or "").strip()[:40]
    if not text:
        return []
    if text.isascii() and text.isalpha():
        key = text.lower()
        ranked = []
        for pk, name, short, path in queryset.values_list("pk", "name", "short_name", "path"):
            keys = (_initials(name), _initials(short))
            if any(k.startswith(key) for k in keys):
                ranked.append((0, path, pk))
            elif any(key in k for k in keys):
                ranked.append((1, path, pk))
        pks = [pk for _, _, pk in sorted(ranked)[:limit]]
        found = queryset.in_bulk(pks)
        return [found[pk] for pk in pks]
    query = Q()
    for term in text.split():
        query &= Q(name__contains=term) | Q(short_name__contains=term)
    return list(queryset.filter(query).order_by("path")[:limit])


def with_trail(orgs: list[Organization], levels: int = 2) -> list[tuple[Organization, str]]:
    """Each organization with its nearest superiors' names (many branches share a name)."""
    wanted = {p for org in orgs for p in org.ancestor_paths()[-levels:]}
    names = dict(Organization.objects.filter(path__in=wanted).values_list("path", "name"))
    return [
        (org, " › ".join(names[p] for p in org.ancestor_paths()[-levels:] if p in names))
        for org in orgs
    ]


def inspector_choices(user):
    """Accounts holding a write role within the user's write scope (possible team members)."""
    scope = scope_for(user)
    write_roles = [r for r, caps in roles.CAPABILITIES.items() if roles.WRITE in caps]
    return (
        User.objects.filter(
            scope.q("role_assignments__organization__path", roles.WRITE),
            role_assignments__role__in=write_roles,
            is_active=True,
        )
        .distinct()
        .order_by("username")
    )


def to_verify(user):
    """Rectifications waiting for this user's verification (they supervise the organization)."""
    return with_related(
        Finding.objects.filter(strictly_below(user, "organization__path"), state=S.SUBMITTED)
    ).order_by("updated_at")


def extensions_to_decide(user):
    """Extension requests waiting for this user's decision (they supervise the organization)."""
    return (
        DeadlineExtension.objects.pending()
        .filter(strictly_below(user, "finding__organization__path"))
        .exclude(requested_by=user)
        .select_related("finding__organization", "finding__category")
        .order_by("requested_at")
    )


def notices_for_me(user):
    """Published notices whose audience contains the user's branch or an organization of their roles."""
    scope = scope_for(user)
    mine = list(scope.prefixes(roles.READ))
    if scope.member_branch_path:
        mine.append(scope.member_branch_path)
    if not mine:
        return ExposureNotice.objects.none()
    audience = ExposureNotice.audience.through.objects.filter(
        organization__path__in=ancestor_paths(mine)
    )
    return (
        ExposureNotice.objects.filter(
            published_at__isnull=False, pk__in=audience.values("exposurenotice_id")
        )
        .select_related("issuer")
        .order_by("-published_at", "-id")
    )


def escalated_to_me(user):
    """Overdue findings escalated to an organization in the user's scope (上级督办)."""
    scope = scope_for(user)
    return with_related(
        Finding.objects.visible_to(user).filter(
            scope.q("escalated_to__path", roles.READ),
            escalation_level__gt=0,
            state__in=RECTIFYING,
        )
    ).order_by("deadline", "id")


def filtered(queryset, params: dict, today: date):
    """The finding list's filters, shared by the page, the export and the API."""
    if params.get("state"):
        queryset = queryset.filter(state=params["state"])
    if params.get("category"):
        queryset = queryset.filter(category_id=params["category"])
    if params.get("severity"):
        queryset = queryset.filter(severity=params["severity"])
    if params.get("under") is not None:
        queryset = queryset.filter(organization__path__startswith=params["under"].path)
    if params.get("inspection"):
        queryset = queryset.filter(inspection_id=params["inspection"])
    if params.get("overdue"):
        queryset = queryset.overdue(today)
    if params.get("escalated"):
        queryset = queryset.filter(escalation_level__gt=0, state__in=RECTIFYING)
    if params.get("year"):
        queryset = queryset.filter(found_at__year=params["year"])
    if params.get("q"):
        queryset = queryset.filter(description__icontains=params["q"])
    return queryset


@dataclass
class Overview:
    total: int
    finished: int
    signed_off: int
    unfinished: int
    overdue_count: int
    escalated_count: int
    by_category: list
    by_area: list
    by_month: list
    by_state: list
    overdue: list
    repeat_offenders: list

    @property
    def closure_rate(self) -> float | None:
        return self.finished / self.total if self.total else None


def rate(done: int, total: int) -> float | None:
    return done / total if total else None


def month_axis(months: dict, year: int | None, today: date) -> list[str]:
    """Every month of the year (to this month for the current year) or of the data's span: gaps are 0."""
    if year:
        last = 12 if year < today.year else today.month if year == today.year else 0
        keys = [f"{year}-{m:02d}" for m in range(1, last + 1)]
        return sorted(set(keys) | set(months))
    if not months:
        return []
    first, final = min(months), max(months)
    y, m = int(first[:4]), int(first[5:])
    keys = []
    while f"{y}-{m:02d}" <= final:
        keys.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return keys


def area_prefix_length(prefixes) -> int:
    """Areas are the organizations one level below the top of the user's scope (for 工委: departments)."""
    shortest = min((len(p) for p in prefixes), default=0)
    return shortest + SEGMENT


def overview(user, *, today: date, year: int | None, root: Organization | None = None,
             overdue_limit: int = 50, repeat_limit: int = 20) -> Overview:  # fmt: skip
    base = Finding.objects.visible_to(user)
    prefixes = (root.path,) if root else scope_for(user).prefixes(roles.READ)
    if root is not None:
        base = base.filter(organization__path__startswith=root.path)
    if year:
        base = base.filter(found_at__year=year)
    done = Q(state__in=FINISHED)
    totals = base.aggregate(
        total=Count("id"),
        finished=Count("id", filter=done),
        signed_off=Count("id", filter=Q(state=S.SIGNED_OFF)),
        overdue=Count("id", filter=Q(state__in=RECTIFYING, deadline__lt=today)),
        escalated=Count("id", filter=Q(state__in=RECTIFYING, escalation_level__gt=0)),
    )
    names = dict(FindingCategory.objects.values_list("pk", "name"))
    by_category = [
        {
            "name": names.get(row["category_id"], ""),
            "total": row["n"],
            "finished": row["done"],
            "rate": rate(row["done"], row["n"]),
        }
        for row in base.values("category_id")
        .annotate(n=Count("id"), done=Count("id", filter=done))
        .order_by("-n", "category_id")
    ]
    length = area_prefix_length(prefixes)
    late = Q(state__in=RECTIFYING, deadline__lt=today)
    area_rows = list(
        base.annotate(area=Substr("organization__path", 1, length))
        .values("area")
        .annotate(n=Count("id"), done=Count("id", filter=done), late=Count("id", filter=late))
        .order_by("-n")
    )
    area_names = dict(
        Organization.objects.filter(path__in=[r["area"] for r in area_rows]).values_list(
            "path", "name"
        )
    )
    by_area = [
        {"name": area_names.get(r["area"], "其他"), "total": r["n"], "finished": r["done"],
         "rate": rate(r["done"], r["n"]), "overdue": r["late"]}
        for r in area_rows
    ]  # fmt: skip
    months = {
        row["month"].strftime("%Y-%m"): (row["n"], row["done"])
        for row in base.annotate(month=F("found_month"))
        .values("month")
        .annotate(n=Count("id"), done=Count("id", filter=done))
        .order_by("month")
        if row["month"] is not None
    }
    by_month = [
        {"month": m, "total": months.get(m, (0, 0))[0], "finished": months.get(m, (0, 0))[1],
         "rate": rate(months.get(m, (0, 0))[1], months.get(m, (0, 0))[0])}
        for m in month_axis(months, year, today)
    ]  # fmt: skip
    labels = dict(S.choices)
    by_state = [
        {"state": row["state"], "label": labels[row["state"]], "total": row["n"]}
        for row in base.values("state").annotate(n=Count("id")).order_by("state")
    ]
    overdue = list(
        with_related(base.overdue(today))
        .select_related("inspector__member", "inspection")  # the export's columns
        .order_by("deadline", "id")[:overdue_limit]
    )
    return Overview(
        total=totals["total"],
        finished=totals["finished"],
        signed_off=totals["signed_off"],
        unfinished=totals["total"] - totals["finished"],
        overdue_count=totals["overdue"],
        escalated_count=totals["escalated"],
        by_category=by_category,
        by_area=by_area,
        by_month=by_month,
        by_state=by_state,
        overdue=overdue,
        repeat_offenders=repeat_offenders(base, names, repeat_limit),
    )


def repeat_offenders(base, category_names: dict, limit: int) -> list[dict]:
    """Organizations found with the same kind of problem more than once (屡查屡犯), most first."""
    rows = (
        base.values("organization_id", "category_id")
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .order_by("-n")
    )
    by_org: dict[int, dict] = {}
    for row in rows:
        entry = by_org.setdefault(row["organization_id"], {"repeats": 0, "categories": []})
        entry["repeats"] += row["n"]
        entry["categories"].append(f"{category_names.get(row['category_id'], '')}×{row['n']}")
    top = sorted(by_org.items(), key=lambda item: -item[1]["repeats"])[:limit]
    orgs = Organization.objects.in_bulk([pk for pk, _ in top])
    return [
        {
            "organization": orgs[pk],
            "repeats": e["repeats"],
            "categories": "、".join(e["categories"]),
        }
        for pk, e in top
    ]
