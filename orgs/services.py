"""Writes to the organization tree. History is kept: nothing people rely on is hard-deleted."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils import timezone

from core import audit
from orgs.models import (
    Organization,
    OrganizationEvent,
    Position,
    PositionKind,
    Term,
    Unit,
    path_segment,
)


def _event(org, kind, *, actor=None, on=None, old="", new="", note=""):
    OrganizationEvent.objects.create(
        organization=org,
        kind=kind,
        happened_on=on or timezone.localdate(),
        old_value=old[:255],
        new_value=new[:255],
        note=note[:500],
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )


def _place(org: Organization, parent: Organization | None) -> None:
    org.path = (parent.path if parent else "") + path_segment(org.pk)
    org.depth = parent.depth + 1 if parent else 0


@transaction.atomic
def organization_create(
    *,
    name: str,
    kind: str,
    parent: Organization | None = None,
    actor=None,
    established_on=None,
    **fields,
) -> Organization:
    if parent is not None and not parent.is_active:
        raise ValidationError({"parent": "上级党组织已撤销或合并，不能在其下新建组织"})
    org = Organization(name=name, kind=kind, parent=parent, established_on=established_on, **fields)
    org.path = f"tmp-{id(org)}"
    org.full_clean(exclude=["path"])
    org.save()
    _place(org, parent)
    org.save(update_fields=["path", "depth"])
    _event(org, OrganizationEvent.Kind.CREATED, actor=actor, on=established_on, new=name)
    audit.record_create(org, actor=actor)
    return org


@transaction.atomic
def organization_update(*, org: Organization, actor=None, **fields) -> Organization:
    """Change plain fields; a new name is recorded as a rename in the organization's history."""
    before = audit.snapshot(org)
    old_name = org.name
    for key, value in fields.items():
        setattr(org, key, value)
    org.full_clean()
    org.save()
    if org.name != old_name:
        _event(org, OrganizationEvent.Kind.RENAMED, actor=actor, old=old_name, new=org.name)
    audit.record_update(org, before, actor=actor)
    return org


@transaction.atomic
def organization_move(
    *, org: Organization, new_parent: Organization, actor=None, on=None
) -> Organization:
    """Re-parent an organization; its whole subtree's paths change in one UPDATE."""
    if new_parent.path.startswith(org.path):
        raise ValidationError({"parent": "不能把组织调整到它自己或它的下级组织之下"})
    if not org.is_active or not new_parent.is_active:
        raise ValidationError(
            {"parent": "已撤销或合并的组织不能调整隶属关系，也不能作为新的上级组织"}
        )
    if new_parent.pk == org.parent_id:
        raise ValidationError({"parent": "该组织已隶属于所选上级组织"})
    before = audit.snapshot(org)
    old_parent_name = org.parent.name if org.parent_id else ""
    old_path, old_depth = org.path, org.depth
    org.parent = new_parent
    _place(org, new_parent)
    depth_shift = org.depth - old_depth
    Organization.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(org.path), Substr("path", len(old_path) + 1, Length("path"))),
        depth=F("depth") + depth_shift,
    )
    Organization.objects.filter(pk=org.pk).update(parent=new_parent)
    org.refresh_from_db()
    _event(
        org,
        OrganizationEvent.Kind.MOVED,
        actor=actor,
        on=on,
        old=old_parent_name,
        new=new_parent.name,
    )
    audit.record_update(org, before, actor=actor, detail="调整隶属关系")
    return org


def _close(org: Organization, status: str, on: date, merged_into=None) -> None:
    org.status = status
    org.ended_on = on
    org.merged_into = merged_into
    org.save(update_fields=["status", "ended_on", "merged_into", "updated_at"])
    Position.objects.filter(organization=org, ended_on__isnull=True).update(ended_on=on)


@transaction.atomic
def organization_dissolve(*, org: Organization, on: date, reason: str, actor=None) -> Organization:
    """Dissolve (撤销): only when no active sub-organization or member is left under it."""
    from members.models import Member  # members sit below orgs; imported late to avoid a cycle

    if not org.is_active:
        raise ValidationError("该组织已撤销或合并")
    if Organization.objects.subtree(org, include_self=False).active().exists():
        raise ValidationError("该组织下仍有未撤销的下级组织，请先调整或撤销下级组织")
    if Member.objects.filter(branch=org).in_good_standing().exists():
        raise ValidationError("该组织仍有党员，请先转接党员组织关系")
    before = audit.snapshot(org)
    _close(org, Organization.Status.DISSOLVED, on)
    _event(org, OrganizationEvent.Kind.DISSOLVED, actor=actor, on=on, note=reason)
    audit.record_update(org, before, actor=actor, detail=f"撤销：{reason}")
    return org


@transaction.atomic
def organization_merge(
    *, org: Organization, into: Organization, on: date, reason: str = "", actor=None
):
    """Merge org into another: children and members move over, org stays as history."""
    from members.services import member_transfer_internal

    if not org.is_active:
        raise ValidationError("该组织已撤销或合并")
    if org.pk == into.pk or into.path.startswith(org.path):
        raise ValidationError({"into": "不能合并到自身或其下级组织"})
    if not into.is_active:
        raise ValidationError({"into": "目标组织已撤销或合并"})
    if not into.is_branch and org.members.in_good_standing().exists():
        raise ValidationError({"into": "本组织仍有党员，只能并入党支部或联合党支部"})
    for child in org.children.active():
        organization_move(org=child, new_parent=into, actor=actor, on=on)
    for member in org.members.in_good_standing():
        member_transfer_internal(
            member=member,
            to_branch=into,
            on=on,
            reason=f"组织合并：{org.name}并入{into.name}",
            actor=actor,
        )
    before = audit.snapshot(org)
    _close(org, Organization.Status.MERGED, on, merged_into=into)
    _event(org, OrganizationEvent.Kind.MERGED, actor=actor, on=on, new=into.name, note=reason)
    audit.record_update(org, before, actor=actor, detail=f"并入{into.name}")
    return org


def unit_save(*, unit: Unit, actor=None) -> Unit:
    creating = unit.pk is None
    before = {} if creating else audit.snapshot(Unit.objects.get(pk=unit.pk))
    unit.full_clean()
    unit.save()
    if creating:
        audit.record_create(unit, actor=actor)
    else:
        audit.record_update(unit, before, actor=actor)
    return unit


def position_appoint(*, organization, member, kind: str, started_on: date, actor=None) -> Position:
    if not organization.is_active:
        raise ValidationError("该组织已撤销或合并，不能任命职务")
    holders = Position.objects.current(started_on).filter(organization=organization, kind=kind)
    if holders.filter(member=member).exists():
        raise ValidationError({"member": "该党员已担任此职务"})
    if kind == PositionKind.SECRETARY and holders.exists():
        raise ValidationError({"kind": "该组织已有在任书记，请先办理原书记离任"})
    position = Position(organization=organization, member=member, kind=kind, started_on=started_on)
    position.full_clean()
    position.save()
    audit.record_create(position, actor=actor)
    return position


def position_end(*, position: Position, ended_on: date, actor=None) -> Position:
    if ended_on < position.started_on:
        raise ValidationError({"ended_on": "离任日期不能早于任职日期"})
    before = audit.snapshot(position)
    position.ended_on = ended_on
    position.save(update_fields=["ended_on"])
    audit.record_update(position, before, actor=actor)
    return position


def term_start(
    *, organization, started_on: date, expires_on: date, note: str = "", actor=None
) -> Term:
    if not organization.is_active:
        raise ValidationError("该组织已撤销或合并，不能登记任期")
    if expires_on <= started_on:
        raise ValidationError({"expires_on": "届满日期须晚于本届开始日期"})
    term = Term(organization=organization, started_on=started_on, expires_on=expires_on, note=note)
    term.full_clean()
    term.save()
    audit.record_create(term, actor=actor)
    return term
