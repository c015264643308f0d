"""Daily reminders of every app with deadlines (cron or systemd timer). Safe to run twice the same day:
every reminder carries a dedupe key, and each notification is mailed at most once."""

import argparse
import time
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core import audit
from notifications.reminders import collect_all
from notifications.services import notify_many, send_pending_emails

# Mails that failed in the last runs are retried; older ones are not sent any more.
EMAIL_RETRY = timedelta(days=2)


def day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期“{text}”格式不正确，应为 YYYY-MM-DD，如 2026-06-24")


class Command(BaseCommand):
    help = (
        "生成各项提醒（组织生活到期未完成事项、换届、上级汇总，评星、清单、述职、评议等截止日期）并发送邮件；"
        "每日运行，重复运行不会重复提醒"
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", type=day, help="按哪一天计算（默认今天），格式 YYYY-MM-DD")

    def handle(self, *args, **options):
        started, clock = timezone.now(), time.perf_counter()
        today = options["date"] or timezone.localdate()
        for label, reminders in collect_all(today):
            created, skipped = notify_many(reminders)
            if created:
                audit.record(
                    audit.Action.CREATE,
                    object_type="notifications.notification",
                    detail=f"{label}定时提醒（{today:%Y-%m-%d}）：新建消息{created}条",
                )
            self.stdout.write(
                f"{today:%Y-%m-%d} {label}提醒：新建 {created} 条，重复跳过 {skipped} 条"
            )
        sent, error = send_pending_emails(since=started - EMAIL_RETRY)
        self.stdout.write(f"发送邮件 {sent} 封，用时 {time.perf_counter() - clock:.1f} 秒")
        if error:
            raise CommandError(f"邮件发送中断：{error}；未发出的邮件将在下次运行时重试")
