"""Benchmark harness: builds the `city` demo data, times pages, export and import, writes the report.

    .venv/bin/python bench/run.py [--db sqlite|postgres|both] [--skip-build] [--runs 15] [--warmups 3]

Each database is measured in its own process (the database is fixed when Django starts). The last
figures per database are kept in bench/results.json, so a run on one database keeps the other's
column; docs/PERFORMANCE.md is regenerated from that file.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
DOC = ROOT / "docs" / "PERFORMANCE.md"
SQLITE_PATH = ROOT / "var" / "bench.sqlite3"
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
PG_DATABASE = "dangjian_bench"
DATABASES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}

# (key, what, target in seconds)
METRICS = (
    ("build", "生成 city 规模演示数据（`demo_city --scale city`，含三年组织生活）", 180),
    ("search_surname", "党员搜索：姓氏 `/members/?q=王`", 0.05),
    ("search_initials", "党员搜索：拼音首字母 `/members/?q=zw`", 0.05),
    ("tree", "组织树页面 `/orgs/`", 0.1),
    ("member_list", "党员列表页面 `/members/`", 0.08),
    ("export", "导出全部党员 `/members/export/`", 15),
    ("import_new", "导入党员 .xlsx（首次导入，逐条新建档案）", 60),
    ("import_again", "再次导入同一文件（按身份证号比对，无变化）", 60),
)
# Issue 3 (organizational life), targets from the issue, on the same city data.
ORGLIFE_METRICS = (
    ("overview_year", "全市组织生活达标矩阵（本年度）`/orglife/overview/?period=<本年>`", 0.3),
    ("workbench", "支部书记工作台 `/orglife/`（zbsj1）", 0.06),
    ("record_50", "记录一次 50 人参加的活动（`orglife.services.activity_record`）", 0.1),
    ("send_reminders", "全市定时提醒 `python manage.py send_reminders`", 30),
)
# Issue 4 (star evaluation, 联述联评联考) and issue 5 (supervision), targets from the issues.
EVALUATION_METRICS = (
    ("star_overview", "全市五星示范总览 `/evaluation/overview/`", 0.3),
    ("auto_scoring", "为全部参评组织计算自动评分指标（`evaluation` 自动评分）", 20),
    ("ballot_page", "评议人的民主测评页 `/secretary-review/ballots/`", 0.08),
    ("aggregate_40k", "汇总一轮 4 万张测评票的联述联评联考（`round_aggregate`）", 5),
)
SUPERVISION_METRICS = (
    ("supervision_overview", "工委督查整改总览（约 2 万条问题）`/supervision/overview/`", 0.2),
    ("weak_org_flags", "全市软弱涣散组织研判计算", 10),
    ("supervision_record_3_photos", "记录一条带三张照片的问题（不含上传）", 0.15),
)
ALL_METRICS = METRICS + ORGLIFE_METRICS + EVALUATION_METRICS + SUPERVISION_METRICS


def database_url(db: str) -> str:
    return f"{PG_SERVER}/{PG_DATABASE}" if db == "postgres" else f"sqlite:///{SQLITE_PATH}"


def fresh_database(db: str) -> None:
    if db == "sqlite":
        SQLITE_PATH.parent.mkdir(exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {PG_DATABASE}")


def run_one(db: str, args) -> dict:
    """Measure one database in a child process; returns its figures or an explanation."""
    try:
        if not args.skip_build:
            fresh_database(db)
    except Exception as error:
        return {"error": f"{DATABASES[db]} 不可用：{error}"}
    out = ROOT / "bench" / "out" / f"{db}.json"
    out.parent.mkdir(exist_ok=True)
    out.unlink(missing_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": database_url(db),
        "DJANGO_SETTINGS_MODULE": "dangjian.settings",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_DEBUG": "0",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    command = [
        sys.executable,
        __file__,
        "--worker",
        str(out),
        "--runs",
        str(args.runs),
        "--warmups",
        str(args.warmups),
    ] + (["--skip-build"] if args.skip_build else [])
    finished = subprocess.run(command, cwd=ROOT, env=env, check=False)
    if finished.returncode or not out.exists():
        return {"error": f"测量进程失败（退出码 {finished.returncode}）"}
    return json.loads(out.read_text())


def shown(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.1f} s"


def cell(figures: dict | None, key: str, target: float) -> str:
    if not figures:
        return "未运行"
    if "error" in figures:
        return "未测量"
    result = figures["results"].get(key)
    if result is None or result["seconds"] is None:
        return "未测量" + (f"（{result['note'].removeprefix('尚未测量：')}）" if result else "")
    mark = "✅" if result["seconds"] <= target else "❌ 超出目标"
    return f"{shown(result['seconds'])} {mark}"


def table(all_results: dict, metrics) -> list[str]:
    lines = [
        "| 项目 | 目标 | " + " | ".join(DATABASES.values()) + " |",
        "|---|---|" + "---|" * len(DATABASES),
    ]
    for key, what, target in metrics:
        cells = [cell(all_results.get(db), key, target) for db in DATABASES]
        lines.append(f"| {what} | ≤ {shown(target)} | " + " | ".join(cells) + " |")
    return lines


def render(all_results: dict) -> str:
    lines = [
        "# 性能基准",
        "",
        "由 `bench/run.py` 生成；表格和其下的测量说明每次运行都会重写，请勿手改。",
        "",
        "## 如何运行",
        "",
        "```bash",
        "make bench                                   # 两种数据库都测（约 15 分钟）",
        ".venv/bin/python bench/run.py --db sqlite    # 只测 SQLite（另一列保留上次结果）",
        ".venv/bin/python bench/run.py --db postgres  # 只测 PostgreSQL",
        ".venv/bin/python bench/run.py --skip-build   # 沿用上次生成的库，只测页面、导出和导入",
        "```",
        "",
        "- 每种数据库先建一个空库：SQLite 为 `var/bench.sqlite3`；PostgreSQL 为 `dangjian_bench`"
        "（连接 `BENCH_PG_SERVER`，默认 `postgres://postgres@127.0.0.1:5432`，每次删库重建），执行迁移后用"
        " `demo_city --scale city --seed 1` 生成约 4 万名党员及其三年组织生活（约 13 万次活动、300 万条出席记录，"
        "出席记录以 COPY / executemany 批量写入，PostgreSQL 写完后执行 ANALYZE），并计时。",
        "- 页面耗时为服务器端耗时：用 `django.test.Client` 以机关工委管理员 `gwadmin`（`force_login`）请求，"
        "只计 `client.get` 本身（含全部中间件、视图、模板和会话保存，不含网络和浏览器渲染），预热后取中位数；"
        "`DEBUG` 关闭。",
        "- 导入：先把管理员范围内的党员按导入模板的列（姓名、性别、民族、身份证号、出生日期、手机号、学历、"
        "工作单位、职务、入党日期、转正日期、党员类型、党员类别、所在党支部）写成 .xlsx，"
        "再清空这些党员（及其职务、组织关系记录），调用 `members.importers.import_members(path, actor=gwadmin,"
        " dry_run=False)` 首次导入；随后用同一文件再导入一次（全部无变化）。",
        "- 组织生活（第 3 期）：生成数据后先运行一次 `send_reminders`（计首次运行耗时，再运行一次验证同日重复运行"
        "不重复提醒；邮件后端为 locmem，不含网络发信），再测页面：达标矩阵以 `gwadmin` 请求本年度，工作台以支部书记"
        " `zbsj1` 请求；记录活动直接调用 `orglife.services.activity_record`（不经页面），在 50 人的支部记录一次"
        "主题党日（出席 45、请假 3、缺席 2，含校验、出席名单、法定人数判断、月度汇总和审计日志），每次在事务中执行后回滚。",
        "- 第 4、5 期：生成数据时 `demo_city` 已写入上一年度已完成、本年度进行中的评星、联述联评联考（含测评票）、"
        "民主评议和约 2 万条督查问题；各项的测量方法写在 `bench/evaluation.py`、`bench/secretary_review.py`、"
        "`bench/supervision.py`、`bench/weak_orgs.py` 开头，会改动数据的测量都在事务中执行后回滚。",
        "- 页面、命令或导入模块尚未完成（404、500 或模块不存在）时记为“未测量”，其余项照常测量。",
        "- 结果受机器负载影响：测量说明记录了测量结束时的系统负载，负载高于核数（如开发机上同时跑着测试）时"
        "页面耗时明显偏高，应在空闲时复测。",
        "",
        "## 结果",
        "",
        "### 组织、党员（第 2 期）",
        "",
        *table(all_results, METRICS),
        "",
        "### 组织生活（第 3 期）",
        "",
        *table(all_results, ORGLIFE_METRICS),
        "",
        "### 五星示范、联述联评联考（第 4 期）",
        "",
        *table(all_results, EVALUATION_METRICS),
        "",
        "### 督查整改、软弱涣散（第 5 期）",
        "",
        *table(all_results, SUPERVISION_METRICS),
        "",
        "## 测量说明",
        "",
    ]
    for db, label in DATABASES.items():
        figures = all_results.get(db)
        if not figures:
            lines.append(f"- {label}：尚未运行。")
            continue
        if "error" in figures:
            lines.append(f"- {label}：{figures['error']}")
            continue
        m = figures["machine"]
        lines.append(
            f"- {label}：{figures['date']} 测量；{m['cores']} 核 {m['cpu']}，内存 {m['memory_gib']} GiB；"
            f"Python {m['python']}，Django {m['django']}，{m['database']}；"
            f"测量结束时系统负载（1/5/15 分钟）{m.get('load', '未记录')}。"
        )
        for key, what, _target in ALL_METRICS:
            result = figures["results"].get(key)
            if result:
                lines.append(f"  - {what}：{result['note']}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--skip-build", action="store_true", help="reuse the last bench database")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--worker", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        sys.path.insert(0, str(ROOT))
        # Appended, not first: bench/evaluation.py must not shadow the evaluation app.
        sys.path.append(str(ROOT / "bench"))
        from measure import measure

        figures = measure(args.skip_build, args.runs, args.warmups)
        Path(args.worker).write_text(json.dumps(figures, ensure_ascii=False, indent=1))
        return
    all_results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        previous_build = all_results.get(db, {}).get("results", {}).get("build")
        all_results[db] = run_one(db, args)
        if args.skip_build and previous_build and previous_build.get("seconds") is not None:
            # The data was not rebuilt: keep the last measured build, saying when it was measured.
            previous_build.setdefault("note", "")
            if "上一次完整运行" not in previous_build["note"]:
                previous_build["note"] = f"上一次完整运行：{previous_build['note']}"
            all_results[db]["results"]["build"] = previous_build
    RESULTS.write_text(json.dumps(all_results, ensure_ascii=False, indent=1) + "\n")
    DOC.write_text(render(all_results))
    print(DOC.read_text())


if __name__ == "__main__":
    main()
