"""Prints the demo accounts (账号, 角色, 组织, 密码) as a table for `make run`."""

import unicodedata

from django.core.management.base import BaseCommand

from demo.accounts import account_rows

HEADERS = ("账号", "角色", "所在组织", "对应党员", "初始密码")


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, size: int) -> str:
    return text + " " * (size - width(text))


class Command(BaseCommand):
    help = "列出演示账号、角色、所在组织和密码"

    def handle(self, *args, **options):
        rows = account_rows()
        if not rows:
            self.stdout.write(
                "尚无演示账号。请先运行：python manage.py demo_city --scale demo --seed 1"
            )
            return
        sizes = [max(width(r[i]) for r in (HEADERS, *rows)) for i in range(len(HEADERS))]
        line = "  ".join("-" * s for s in sizes)
        self.stdout.write("演示账号（密码修改后以新密码为准）：")
        self.stdout.write(
            "  ".join(pad(h, s) for h, s in zip(HEADERS, sizes, strict=True)).rstrip()
        )
        self.stdout.write(line)
        for row in rows:
            self.stdout.write(
                "  ".join(pad(c, s) for c, s in zip(row, sizes, strict=True)).rstrip()
            )
        self.stdout.write("登录地址：http://127.0.0.1:8000/accounts/login/")
