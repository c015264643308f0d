"""The measurements, run inside one Django process bound to one database (see bench/run.py).

Server time is taken with django.test.Client around client.get, logged in as the city admin
(gwadmin) with force_login: no network, no browser, but the full middleware and view stack.
"""

import os
import platform
import sys
import time
import traceback
from io import StringIO
from pathlib import Path
from statistics import median

OUT = Path(__file__).resolve().parent / "out"


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def not_measured(reason: str) -> dict:
    return {"seconds": None, "note": f"尚未测量：{reason}"}


def _get(client, url):
    response = client.get(url)
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
    return response


def time_page(client, url: str, runs: int, warmups: int) -> dict:
    try:
        first = _get(client, url)
        if first.status_code != 200:
            return not_measured(f"HTTP {first.status_code}")
        for _ in range(max(warmups - 1, 0)):
            _get(client, url)
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            _get(client, url)
            samples.append(time.perf_counter() - started)
    except Exception as error:  # a page still being written elsewhere must not stop the others
        log(traceback.format_exc())
        return not_measured(f"出错 {type(error).__name__}")
    return {
        "seconds": median(samples),
        "note": f"{runs} 次中位数（预热 {warmups} 次）",
        "samples": [round(s, 4) for s in samples],
    }


def build_city() -> dict:
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("demo_city", scale="city", seed=1, stdout=StringIO())
    return {
        "seconds": time.perf_counter() - started,
        "note": "demo_city --scale city --seed 1，含 13 个演示账号",
    }


def _member_rows(members):
    for m in members.select_related("branch", "unit").order_by("id").iterator(chunk_size=2000):
        yield [
            m.name,
            m.get_gender_display(),
            m.ethnicity,
            m.id_number,
            m.birth_date,
            m.phone,
            m.get_education_display() if m.education else "",
            m.unit.name if m.unit_id else "",
            m.post,
            m.joined_on,
            m.confirmed_on or "",
            m.get_membership_kind_display(),
            m.get_category_display(),
            m.branch.name,
        ]


def write_import_file(user) -> tuple[Path, int]:
    """The admin's members as an .xlsx in the import template's columns (sheet 党员花名册)."""
    from core.excel import workbook_bytes
    from members.models import Member

    try:
        from members.importers import MEMBER_SHEET

        headers = MEMBER_SHEET.headers
    except ImportError:
        from members.exports import MEMBER_EXPORT_HEADERS

        headers = list(MEMBER_EXPORT_HEADERS)
    members = Member.objects.visible_to(user)
    OUT.mkdir(exist_ok=True)
    path = OUT / "members.xlsx"
    path.write_bytes(workbook_bytes([("党员花名册", headers, _member_rows(members))]))
    return path, members.count()


def clear_members(user) -> None:
    """Remove the admin's members (and what points at them) so the import creates every record anew."""
    from django.db import transaction

    from accounts.models import User
    from members.models import Member, MembershipPeriod
    from orgs.models import Position

    with transaction.atomic():
        ids = Member.objects.visible_to(user).values("id")
        User.objects.filter(member__in=ids).update(member=None)
        Position.objects.filter(member__in=ids).delete()
        MembershipPeriod.objects.filter(member__in=ids).delete()
        Member.objects.filter(id__in=ids).delete()


def time_import(path: Path, user) -> dict:
    try:
        from members.importers import import_members
    except ImportError:
        return not_measured("members.importers.import_members 尚不存在")
    try:
        started = time.perf_counter()
        result = import_members(str(path), actor=user, dry_run=False)
        seconds = time.perf_counter() - started
    except Exception as error:
        log(traceback.format_exc())
        return not_measured(f"出错 {type(error).__name__}：{error}")
    if result.errors:
        first = result.errors[0]
        return not_measured(
            f"{len(result.errors)} 处错误，如第 {first.row} 行“{first.column}”：{first.message}"
        )
    return {
        "seconds": seconds,
        "note": f"{result.rows} 行：新建 {result.created}，更新 {result.updated}，"
        f"无变化 {result.unchanged}",
    }


def machine(vendor: str) -> dict:
    import sqlite3

    import django
    from django.db import connection

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        (
            int(line.split()[1]) // 1024 // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    database = f"SQLite {sqlite3.sqlite_version}"
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("show server_version")
            database = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": memory,
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": database,
        "load": " / ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


def measure(skip_build: bool, runs: int, warmups: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from members.models import Member

    results = {}
    if skip_build:
        results["build"] = not_measured("本次以 --skip-build 运行，沿用已有数据")
    else:
        call_command("migrate", verbosity=0)
        log("building the city scale demo data …")
        results["build"] = build_city()
        log(f"built in {results['build']['seconds']:.1f} s")
    user = User.objects.get(username="gwadmin")
    client = Client()
    client.force_login(user)
    pages = {
        "search_surname": "/members/?q=王",
        "search_initials": "/members/?q=zw",
        "tree": "/orgs/",
        "member_list": "/members/",
    }
    for key, url in pages.items():
        log(f"timing {url}")
        results[key] = time_page(client, url, runs, warmups)
    visible = Member.objects.visible_to(user)
    for key, text in (("search_surname", "王"), ("search_initials", "zw")):
        if results[key]["seconds"] is not None:
            from members.selectors import member_search

            results[key]["note"] += f"，匹配 {member_search(visible, text).count():,} 人"
    log("timing the export")
    results["export"] = time_page(client, "/members/export/", 3, 0)
    if results["export"]["seconds"] is not None:
        results["export"]["note"] = f"{visible.count():,} 名党员，3 次中位数"
    log("writing the import file")
    path, rows = write_import_file(user)
    clear_members(user)
    user = User.objects.get(username="gwadmin")
    log(f"importing {rows} members into an emptied register")
    results["import_new"] = time_import(path, user)
    log("importing the same file again")
    results["import_again"] = time_import(path, User.objects.get(username="gwadmin"))
    return {
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine(connection.vendor),
        "results": results,
    }
