"""Fetching one object for a user: 404 outside their scope, 403 where they may only read.

Pages, API and exports all call these; every refusal is written to the audit log.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from core import audit
from core.scoping import scope_for


def refuse(request, model, lookup, reason: str, exc):
    audit.record(
        audit.Action.ACCESS_DENIED,
        request=request,
        object_type=model._meta.label_lower,
        object_id=str(next(iter(lookup.values()), ""))[:64],
        detail=reason,
    )
    raise exc


def get_in_scope(request, visible, *, writable=None, **lookup):
    """The object of the `visible` queryset matching lookup; when `writable` is given it must lie there too.

    Callers pass querysets already restricted by visible_to / writable_by, so pages and API
    (which adds select_related and the like) share this one refusal path.
    """
    model = visible.model
    obj = visible.filter(**lookup).first()
    if obj is None:
        refuse(
            request,
            model,
            lookup,
            "不在本人角色所辖组织范围内或不存在",
            Http404("未找到该记录，或您无权查看。"),
        )
    if writable is not None and not writable.filter(pk=obj.pk).exists():
        refuse(
            request,
            model,
            lookup,
            "只读角色尝试修改",
            PermissionDenied("您的角色只能查看，不能修改。"),
        )
    return obj


def get_for_user(request, model, *, action: str = "read", **lookup):
    """The object matching lookup if the user may see it (and, for action='write', change it)."""
    user = request.user
    writable = model.objects.writable_by(user) if action == "write" else None
    return get_in_scope(request, model.objects.visible_to(user), writable=writable, **lookup)


def require_capability(request, capability: str) -> None:
    """Refuse (403, audited) a user whose roles lack a capability anywhere."""
    if not scope_for(request.user).prefixes(capability):
        audit.record(audit.Action.ACCESS_DENIED, request=request, detail=f"缺少权限：{capability}")
        raise PermissionDenied("您的角色无权访问此页面。")
