from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from core import audit
from core.models import AuditLog
from members.services import member_update


def test_member_update_is_logged_with_masked_before_and_after(city):
    member = city.member_a
    old_phone = member.phone
    member_update(member=member, actor=city.users["city_admin"], phone="13700001234", post="科长")
    entry = AuditLog.objects.filter(action="update", object_type="members.member").latest("id")
    assert entry.actor_name == "city_admin"
    assert entry.changes["phone"] == [old_phone[:3] + "****" + old_phone[-4:], "137****1234"]
    assert entry.changes["post"] == ["", "科长"]
    flat = str(entry.changes)
    assert "13700001234" not in flat and "phone_enc" not in flat and "digest" not in flat


def test_audit_entries_cannot_be_edited_or_deleted(city):
    entry = audit.record(audit.Action.EXPORT, detail="x")
    entry.detail = "changed"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditLog.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditLog.objects.update(detail="y")


def test_prune_keeps_at_least_six_months(city, settings):
    settings.AUDIT_RETENTION_DAYS = 30  # a too-short setting is raised to the legal minimum
    old = audit.record(audit.Action.EXPORT, detail="old")
    recent = audit.record(audit.Action.EXPORT, detail="recent")
    from django.db import connection

    with connection.cursor() as cursor:  # backdate through SQL: the model refuses updates
        cursor.execute(
            "UPDATE core_auditlog SET at = %s WHERE id = %s",
            [timezone.now() - timedelta(days=200), old.pk],
        )
        cursor.execute(
            "UPDATE core_auditlog SET at = %s WHERE id = %s",
            [timezone.now() - timedelta(days=100), recent.pk],
        )
    call_command("prune_audit_log")
    assert not AuditLog.objects.filter(pk=old.pk).exists()
    assert AuditLog.objects.filter(pk=recent.pk).exists()


def test_audit_log_page_is_for_the_audit_admin_only(login):
    assert login("audit_admin").get("/system/audit/").status_code == 200
    for persona in ("system_admin", "city_admin", "secretary_a", "member_a"):
        assert login(persona).get("/system/audit/").status_code == 403


def test_refused_page_access_is_audited(login, city):
    login("secretary_b").get("/system/audit/")
    assert AuditLog.objects.filter(action="access_denied", actor_name="secretary_b").exists()


def test_audit_log_page_shows_logins(login, city):
    audit.record(
        audit.Action.LOGIN, actor=city.users["secretary_a"], instance=city.users["secretary_a"]
    )
    body = login("audit_admin").get("/system/audit/?action=login").content.decode()
    assert "secretary_a" in body and "登录" in body
    assert date.today().strftime("%Y-%m-%d") in body
