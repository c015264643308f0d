"""Writing the audit log: logins, refusals and every create, update and delete."""

from django.db import models

from core.masking import mask_id_number, mask_phone
from core.middleware import current_request
from core.models import AuditLog

Action = AuditLog.Action

# Field names whose values are personal data: always masked in the log.
MASKERS = {"id_number": mask_id_number, "phone": mask_phone}
HIDDEN_SUFFIXES = ("_digest", "password")


def _client(request):
    if request is None:
        return None, "", ""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    ip = forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR") or None
    return ip, request.META.get("HTTP_USER_AGENT", "")[:255], request.path[:255]


def snapshot(instance: models.Model, fields=None) -> dict:
    """Plain, masked values of a model's concrete fields, for before/after comparison."""
    data = {}
    extra = list(getattr(instance, "AUDIT_EXTRA_FIELDS", ()))
    names = fields or [f.attname for f in instance._meta.concrete_fields] + extra
    for name in names:
        if name.endswith(HIDDEN_SUFFIXES) or name in getattr(instance, "AUDIT_HIDDEN_FIELDS", ()):
            continue
        value = getattr(instance, name, None)
        if name in MASKERS:
            value = MASKERS[name](value)
        elif value is not None and not isinstance(value, (str, int, float, bool, list, dict)):
            value = str(value)
        data[name] = value
    return data


def diff(before: dict, after: dict) -> dict:
    keys = set(before) | set(after)
    return {k: [before.get(k), after.get(k)] for k in sorted(keys) if before.get(k) != after.get(k)}


def record(
    action,
    *,
    actor=None,
    instance=None,
    changes=None,
    detail="",
    object_type="",
    object_id="",
    object_repr="",
    request=None,
) -> AuditLog:
    request = request or current_request.get()
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    ip, agent, path = _client(request)
    if instance is not None:
        object_type = object_type or instance._meta.label_lower
        object_id = object_id or str(instance.pk)
        object_repr = object_repr or str(instance)[:255]
    return AuditLog.objects.create(
        actor=actor,
        actor_name=getattr(actor, "username", "") or "",
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:255],
        changes=changes or {},
        detail=detail[:500],
        ip=ip,
        user_agent=agent,
        path=path,
    )


def record_create(instance, actor=None):
    return record(
        Action.CREATE, actor=actor, instance=instance, changes=diff({}, snapshot(instance))
    )


def record_update(instance, before: dict, actor=None, detail=""):
    changes = diff(before, snapshot(instance))
    if changes:
        return record(Action.UPDATE, actor=actor, instance=instance, changes=changes, detail=detail)
    return None


def record_delete(instance, actor=None, detail=""):
    return record(
        Action.DELETE,
        actor=actor,
        instance=instance,
        changes=diff(snapshot(instance), {}),
        detail=detail,
    )


def record_many(action, instances_with_changes, actor=None, *, detail="") -> list[AuditLog]:
    """One audit entry per (instance, changes) pair, written in bulk (imports of thousands of rows)."""
    ip, agent, path = _client(current_request.get())
    entries = [
        AuditLog(
            actor=actor,
            actor_name=getattr(actor, "username", "") or "",
            action=action,
            object_type=instance._meta.label_lower,
            object_id=str(instance.pk),
            object_repr=str(instance)[:255],
            changes=changes or {},
            detail=detail[:500],
            ip=ip,
            user_agent=agent,
            path=path,
        )
        for instance, changes in instances_with_changes
    ]
    return AuditLog.objects.bulk_create(entries, batch_size=500)
