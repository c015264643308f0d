"""Removes audit entries older than the retention period (never less than 6 months). Safe to run twice."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from core.models import AuditLog

MINIMUM_DAYS = 183  # 等保2.0: keep audit records at least six months


class Command(BaseCommand):
    help = "按保留期限清理审计日志（至少保留6个月）"

    def handle(self, *args, **options):
        days = max(settings.AUDIT_RETENTION_DAYS, MINIMUM_DAYS)
        deleted, _ = AuditLog.objects.prune_before(timezone.now() - timedelta(days=days))
        self.stdout.write(f"已清理{days}天以前的审计日志 {deleted} 条")
