"""Escalate overdue findings to their superiors (daily job; running it twice changes nothing)."""

from datetime import date

from django.core.management.base import BaseCommand
from django.utils import timezone

from supervision.services import escalate_overdue


class Command(BaseCommand):
    help = "逾期未整改的督查问题自动升级至上级组织督办（可重复执行）"

    def add_arguments(self, parser):
        parser.add_argument("--date", type=date.fromisoformat, help="按该日期计算（默认今天）")

    def handle(self, *args, **options):
        today = options["date"] or timezone.localdate()
        if isinstance(today, str):  # call_command(date="2026-07-01") skips the argument's type
            today = date.fromisoformat(today)
        escalated = escalate_overdue(today)
        self.stdout.write(f"{today:%Y-%m-%d}：升级督办 {len(escalated)} 个逾期问题")
