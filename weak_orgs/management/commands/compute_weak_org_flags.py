"""Compute the 软弱涣散 flags as of today (or --as-of); safe to run twice a day: the day's run is replaced."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from weak_orgs.flags import compute_flags


class Command(BaseCommand):
    help = "按现行研判条件计算软弱涣散党组织研判名单（同一天重复运行会覆盖当天结果）"

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="研判日期 YYYY-MM-DD，默认今天")

    def handle(self, *args, as_of=None, **options):
        try:
            day = date.fromisoformat(as_of) if as_of else None
        except ValueError:
            raise CommandError(f"研判日期格式应为 YYYY-MM-DD：{as_of}")
        run = compute_flags(day)
        self.stdout.write(
            f"{run.as_of:%Y-%m-%d}：研判 {run.organizations_checked} 个党组织，"
            f"{run.flagged} 个触发条件，用时 {run.seconds:.2f} 秒"
        )
