"""The measurements, run inside one Django process bound to one database (see bench/run.py).

Server time is taken with django.test.Client around client.get, logged in with force_login as the
city admin (gwadmin) or, for the workbench, a branch secretary (zbsj1): no network, no browser, but
the full middleware and view stack. Recording an activity calls orglife.services.activity_record
directly, each run in a transaction rolled back afterwards.
"""

import os
import platform
import sys
import time
import traceback
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from statistics import median

OUT = Path(__file__).resolve().parent / "out"


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def not_measured(reason: str) -> dict:
    return {"seconds": None, "note": f"尚未测量：{reason}"}


def failed(error: Exception) -> dict:
    """A measurement that raised: the traceback to the log, the reason to the report."""
    log(traceback.format_exc())
    return not_measured(f"出错 {type(error).__name__}：{error}")


@dataclass
class Timing:
    samples: list[float]
    result: object  # what the last call returned
    runs: int
    warmups: int
    rolled_back: bool

    def figure(self, note: str = "") -> dict:
        """The report's entry: the median, `note` followed by how it was taken, the samples."""
        how = f"{self.runs} 次中位数（预热 {self.warmups} 次）"
        if self.rolled_back:
            how += "，每次在事务中执行后回滚"
        return {
            "seconds": median(self.samples),
            "note": note + how,
            "samples": [round(s, 4) for s in self.samples],
        }


def time_call(call, runs: int, warmups: int, *, prepare=None, rollback: bool = True) -> Timing:
    """Call `call` warmups + runs times and time the last `runs` calls.

    With `rollback`, each call runs in a transaction rolled back afterwards, so the data stays as it
    was. `prepare()`, when given, runs before each call (inside that transaction, untimed) and `call`
    receives what it returns: fresh inputs, or state reset to where the measurement starts.
    """
    from contextlib import nullcontext

    from django.db import transaction

    samples, result = [], None
    for run in range(warmups + runs):
        with transaction.atomic() if rollback else nullcontext():
            args = () if prepare is None else (prepare(),)
            started = time.perf_counter()
            result = call(*args)
            if run >= warmups:
                samples.append(time.perf_counter() - started)
            if rollback:
                transaction.set_rollback(True)
    return Timing(samples, result, runs, warmups, rollback)


def _get(client, url):
    response = client.get(url)
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
    return response


def time_page(client, url: str, runs: int, warmups: int) -> dict:
    try:
        first = _get(client, url)  # the first warm-up, and the check that the page answers
        if first.status_code != 200:
            return not_measured(f"HTTP {first.status_code}")
        timing = time_call(lambda: _get(client, url), runs, max(warmups - 1, 0), rollback=False)
    except Exception as error:  # a page still being written elsewhere must not stop the others
        log(traceback.format_exc())
        return not_measured(f"出错 {type(error).__name__}")
    timing.warmups = warmups  # the first request counts among them
    return timing.figure()


def build_city() -> dict:
    from django.core.management import call_command

    from orglife.models import Activity, Attendance

    started = time.perf_counter()
    call_command("demo_city", scale="city", seed=1, stdout=StringIO())
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "note": f"demo_city --scale city --seed 1，含 13 个演示账号和三年组织生活："
        f"{Activity.objects.count():,} 次活动、{Attendance.objects.count():,} 条出席记录",
    }


def time_record(user, runs: int, warmups: int) -> dict:
    """activity_record with 50 attendees on a 50-member branch, rolled back after each run."""
    from datetime import timedelta

    from django.db.models import Count, Q
    from django.utils import timezone

    from members.models import Member
    from orglife.services import activity_record, roster
    from orgs.models import BRANCH_KINDS, Organization

    in_good_standing = Q(members__status=Member.Status.ACTIVE)
    branch = (
        Organization.objects.filter(kind__in=BRANCH_KINDS)
        .annotate(size=Count("members", filter=in_good_standing))
        .order_by("-size", "path")
        .first()
    )
    members = list(roster(branch).order_by("id").values_list("id", flat=True)[:50])
    if len(members) < 50:
        return not_measured(f"最大的支部只有 {len(members)} 名党员")
    attendance = [{"member_id": m, "status": "present"} for m in members[:45]]
    attendance += [
        {"member_id": m, "status": "leave", "leave_reason": "出差"} for m in members[45:48]
    ]
    attendance += [{"member_id": m, "status": "absent"} for m in members[48:]]
    starts = timezone.now() - timedelta(hours=2)

    def record():
        activity_record(
            organization=branch, actor=user, attendance=attendance, kind="theme_day",
            starts_at=starts, topic="基准测试：主题党日", place="党员活动室",
        )  # fmt: skip

    try:
        timing = time_call(record, runs, warmups)
    except Exception as error:
        return failed(error)
    return timing.figure(
        f"{branch.name}（{len(members)} 人：出席 45、请假 3、缺席 2），直接调用服务，"
    )


def time_reminders() -> dict:
    """send_reminders for the whole city, run twice: the figure is the first run."""
    from django.core.management import CommandError, call_command

    outputs, seconds = [], []
    try:
        for _ in range(2):
            out = StringIO()
            started = time.perf_counter()
            call_command("send_reminders", stdout=out)
            seconds.append(time.perf_counter() - started)
            outputs.append(
                out.getvalue().strip().splitlines()[-1] if out.getvalue().strip() else ""
            )
    except CommandError as error:
        return not_measured(f"命令不可用或出错：{error}")
    except Exception as error:
        return failed(error)
    return {
        "seconds": seconds[0],
        "note": f"首次运行：{outputs[0]}；同日再次运行 {seconds[1]:.1f} 秒：{outputs[1]}",
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
    from orglife.models import Activity, Attendance
    from orgs.models import Position

    with transaction.atomic():
        ids = Member.objects.visible_to(user).values("id")
        User.objects.filter(member__in=ids).update(member=None)
        # Their organizational-life history refers to them (protected): it goes with them.
        Attendance.objects.filter(member__in=ids).delete()
        Activity.objects.filter(host__in=ids).update(host=None)
        Activity.objects.filter(speaker__in=ids).update(speaker=None)
        Position.objects.filter(member__in=ids).delete()
        MembershipPeriod.objects.filter(member__in=ids).delete()
        # Later modules (reviews, lists, findings …) protect members too; the import section runs in a
        # transaction rolled back at the end, so a raw delete with deferred foreign keys is safe here.
        Member.objects.filter(id__in=ids)._raw_delete("default")


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
        return failed(error)
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


def measure_orglife(client, user, runs: int, warmups: int) -> dict:
    """Issue 3: reminders first (the pages then show their badge, as in daily use), then pages."""
    from django.test import Client
    from django.utils import timezone

    from accounts.models import User

    results = {}
    log("running send_reminders for the whole city")
    results["send_reminders"] = time_reminders()
    year = timezone.localdate().year
    log(f"timing /orglife/overview/?period={year}")
    results["overview_year"] = time_page(client, f"/orglife/overview/?period={year}", runs, warmups)
    secretary = Client()
    secretary.force_login(User.objects.get(username="zbsj1"))
    log("timing /orglife/ as zbsj1")
    results["workbench"] = time_page(secretary, "/orglife/", runs, warmups)
    log("timing activity_record with 50 attendees")
    results["record_50"] = time_record(user, runs, warmups)
    return results


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


# Later issues' benchmarks: bench/<module>.py, each with measure(runs, warmups) -> {key: result}.
MODULES = ("evaluation", "secretary_review", "supervision", "weak_orgs")


def measure_modules(runs: int, warmups: int) -> dict:
    """Each module's figures; one that fails is reported, the others are still measured."""
    from importlib.util import module_from_spec, spec_from_file_location

    results = {}
    for name in MODULES:
        log(f"measuring {name}")
        try:
            # Loaded by path: the name `evaluation` is the app's, not this folder's file.
            spec = spec_from_file_location(f"bench_{name}", Path(__file__).parent / f"{name}.py")
            module = module_from_spec(spec)
            spec.loader.exec_module(module)
            results.update(module.measure(runs, warmups))
        except Exception as error:
            log(traceback.format_exc())
            results[f"{name}_error"] = not_measured(f"{name} 出错 {type(error).__name__}")
    return results


def measure(skip_build: bool, runs: int, warmups: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
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
    results.update(measure_orglife(client, user, runs, warmups))
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
    results.update(measure_modules(runs, warmups))
    log("writing the import file")
    path, rows = write_import_file(user)
    with transaction.atomic():  # rolled back: the city stays whole for --skip-build reruns
        clear_members(user)
        user = User.objects.get(username="gwadmin")
        log(f"importing {rows} members into an emptied register")
        results["import_new"] = time_import(path, user)
        log("importing the same file again")
        results["import_again"] = time_import(path, User.objects.get(username="gwadmin"))
        transaction.set_rollback(True)
    return {
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine(connection.vendor),
        "results": results,
    }
