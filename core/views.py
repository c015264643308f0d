"""The audit log page: readable only by the audit administrator (三员分立)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from core import roles
from core.access import require_capability
from core.models import AuditLog


@login_required
def audit_log(request):
    require_capability(request, roles.READ_AUDIT)
    entries = AuditLog.objects.select_related(None)
    action = request.GET.get("action", "")
    who = request.GET.get("who", "").strip()
    if action:
        entries = entries.filter(action=action)
    if who:
        entries = entries.filter(actor_name__icontains=who)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/audit_log.html",
        {
            "page": page,
            "actions": AuditLog.Action.choices,
            "action": action,
            "who": who,
        },
    )
