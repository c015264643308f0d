"""Builds the demo city: a deterministic tree of organizations, units, members and demo accounts."""

import time
from datetime import date
from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from demo.accounts import AccountsTaken
from demo.build import has_data, reset_database, write_city
from demo.orglife import write_history
from demo.plan import SCALES, plan_city

# Modules (demo/<name>.py, each with write(seed, as_of) -> counts) run after the organizational-life
# history, in this order: later ones read what earlier ones wrote (reviews read star ratings and lists).
SECTIONS = (
    "evaluation",
    "weak_orgs",
    "responsibility",
    "dual_excellence",
    "member_review",
    "supervision",
    "secretary_review",
    "work_plans",
)
# How the summary line names each section's counts.
SECTION_LABELS = {
    "evaluation_cycles": "评星年度",
    "evaluation_ratings": "组织评星",
    "responsibility_lists": "书记责任清单",
    "responsibility_items": "清单事项",
    "dual_excellence_rounds": "双优评选轮次",
    "dual_excellence_nominations": "双优推荐",
    "member_reviews": "支部民主评议",
    "member_review_entries": "参评党员人次",
    "member_review_ballots": "互评票",
    "member_review_rectifications": "限期改正",
    "inspections": "督查检查",
    "findings": "发现问题",
    "accountability_cases": "问责案件",
    "exposure_notices": "通报曝光",
    "weak_org_flags": "软弱涣散研判触发",
    "weak_org_cases": "软弱涣散整顿",
    "review_rounds": "联述联评联考轮次",
    "review_reports": "述职报告",
    "review_assignments": "测评任务",
    "review_ballots": "测评票",
    "work_plans": "工作计划",
    "work_plan_tasks": "计划任务",
    "work_plan_assignments": "计划任务分解",
    "work_plan_reports": "进度报告",
}


class Command(BaseCommand):
    help = "生成演示用的市直机关党建数据（随机种子和基准日相同则数据完全相同）"

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=list(SCALES),
            default="demo",
            help="规模：demo 约1500名党员，city 约40000名党员（tiny 仅供自动化测试）",
        )
        parser.add_argument("--seed", type=int, default=1, help="随机种子（默认 1）")
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            default=None,
            help="基准日期 YYYY-MM-DD（默认今天）：任期届满、预备期等都相对它生成",
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="库中已有组织或党员数据时什么也不做"
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="先清空组织、党员、账号及引用它们的全部数据（仅限开发环境）",
        )

    def handle(self, *args, scale, seed, as_of, if_empty, reset, **options):
        if has_data():
            if if_empty:
                self.stdout.write("数据库中已有组织或党员数据，跳过生成演示数据。")
                return
            if not reset:
                raise CommandError(
                    "数据库中已有组织或党员数据。如确需重新生成演示数据，请加 --reset（将清空现有数据）。"
                )
        if reset:
            if settings.FIELD_ENCRYPTION_KEY not in settings.DEV_FIELD_KEYS:
                raise CommandError("已配置正式加密密钥，疑似生产环境：拒绝执行 --reset。")
            tables = reset_database()
            self.stderr.write(
                self.style.WARNING(
                    f"警告：已清空 {len(tables)} 张表（组织、单位、党员、账号、审计日志等）。"
                )
            )
        started = time.perf_counter()
        plan = plan_city(scale, seed, as_of)
        try:
            with transaction.atomic():  # the city and its history, or nothing
                counts = write_city(plan)
                counts.update(write_history(seed, plan.as_of))
                for name in SECTIONS:
                    counts.update(import_module(f"demo.{name}").write(seed, plan.as_of))
        except AccountsTaken as error:
            raise CommandError(str(error))
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成演示数据（规模 {scale}，随机种子 {seed}，基准日 {plan.as_of}）：单位 {counts['units']} 个，"
                f"党组织 {counts['orgs']} 个，党员 {counts['members']} 名，职务 {counts['positions']} 条，"
                f"演示账号 {counts['accounts']} 个，三年组织生活 {counts['activities']} 次、"
                f"出席记录 {counts['attendance']} 条；用时 {time.perf_counter() - started:.1f} 秒。"
            )
        )
        sections = [
            f"{label} {counts[key]}" for key, label in SECTION_LABELS.items() if key in counts
        ]
        self.stdout.write("其中：" + "，".join(sections) + "。")
        self.stdout.write("运行 `python manage.py demo_accounts` 查看演示账号。")
