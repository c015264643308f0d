"""Write a demo city plan to the database in bulk, and wipe the data it lives in (dev only)."""

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction

from accounts.models import User
from core import audit
from members.models import Member, MembershipPeriod
from orgs.models import Organization, OrganizationEvent, Position, Term, Unit, path_segment

from .accounts import create_accounts
from .plan import CityPlan

BATCH = 1000
RESET_APPS = ("orgs", "members", "accounts")
# Reference data seeded by migrations that only records who added a row: kept, that link cleared.
KEEP = ("orglife.LifeRule", "weak_orgs.WeakOrgCriterion")


def has_data() -> bool:
    return Organization.objects.exists() or Member.objects.exists()


def _write_orgs(orgs: list) -> None:
    """Insert level by level so each parent has its primary key, then set the materialized paths."""
    for depth in sorted({o.depth for o in orgs}):
        level = [o for o in orgs if o.depth == depth]
        for index, org in enumerate(level):
            org.path = f"~{depth}-{index}"  # unique placeholder until the primary key is known
        Organization.objects.bulk_create(level, batch_size=BATCH)
        for org in level:
            org.path = (org.parent.path if org.parent else "") + path_segment(org.pk)
        Organization.objects.bulk_update(level, ["path"], batch_size=BATCH)


@transaction.atomic
def write_city(plan: CityPlan) -> dict:
    # Units and organizations point at each other: units first, their organization afterwards.
    homes = [unit.organization for unit in plan.units]
    for unit in plan.units:
        unit.organization = None
    Unit.objects.bulk_create(plan.units, batch_size=BATCH)
    _write_orgs(plan.orgs)
    for unit, home in zip(plan.units, homes, strict=True):
        unit.organization = home
    Unit.objects.bulk_update(plan.units, ["organization"], batch_size=BATCH)
    Member.objects.bulk_create(plan.members, batch_size=BATCH)
    for model, rows in (
        (MembershipPeriod, plan.periods),
        (Position, plan.positions),
        (Term, plan.terms),
        (OrganizationEvent, plan.events),
    ):
        model.objects.bulk_create(rows, batch_size=BATCH)
    create_accounts(plan.accounts)
    counts = {
        "units": len(plan.units),
        "orgs": len(plan.orgs),
        "members": len(plan.members),
        "positions": len(plan.positions),
        "accounts": len(plan.accounts),
    }
    audit.record(
        audit.Action.IMPORT,
        object_type="demo.city",
        object_repr=f"演示数据（{plan.scale}）",
        detail=f"生成演示数据：规模 {plan.scale}，随机种子 {plan.seed}，基准日 {plan.as_of}，"
        f"单位 {counts['units']} 个，党组织 {counts['orgs']} 个，党员 {counts['members']} 名",
    )
    return counts


def reset_tables() -> list[str]:
    """Tables of orgs, members and accounts, plus every table that points at them (transitively)."""
    wiped = {
        m
        for label in RESET_APPS
        for m in apps.get_app_config(label).get_models(include_auto_created=True)
    }
    everything = apps.get_models(include_auto_created=True)
    grew = True
    while grew:
        dependents = {
            m
            for m in everything
            if m not in wiped
            and any(
                f.is_relation and f.concrete and f.related_model in wiped
                for f in m._meta.get_fields()
            )
        }
        wiped |= dependents
        grew = bool(dependents)
    if User in wiped:
        wiped.add(apps.get_model("sessions", "Session"))  # logged-in sessions of deleted accounts
    return sorted(m._meta.db_table for m in wiped)


def _kept_rows() -> dict:
    """The KEEP rows with their links to wiped data (who added them) cleared, to be put back."""
    kept = {}
    for label in KEEP:
        model = apps.get_model(label)
        links = [
            f.attname
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model._meta.app_label in RESET_APPS
        ]
        rows = list(model.objects.order_by("pk"))
        for row in rows:
            for attname in links:
                setattr(row, attname, None)
        kept[model] = rows
    return kept


def reset_database() -> list[str]:
    """Empty those tables and restart their id sequences, like `flush` but only for this data."""
    tables = reset_tables()
    statements = connection.ops.sql_flush(
        no_style(), tables, reset_sequences=True, allow_cascade=False
    )
    with transaction.atomic():
        kept = _kept_rows()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Deferred FK checks of rows written earlier in the same transaction block TRUNCATE.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            connection.ops.execute_sql_flush(statements)
            for model, rows in kept.items():
                model.objects.bulk_create(rows)
            for sql in connection.ops.sequence_reset_sql(no_style(), list(kept)):
                cursor.execute(sql)
    return tables
