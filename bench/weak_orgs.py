"""Issue 5 item 5: computing the 软弱涣散 flags for the whole city (≤10 s), and 工委's list page.

Runs inside bench/measure.py's process on the city demo data (~1,500 organizations, 40,000 members,
three years of organizational life). The computation is the one the daily job and 工委's button run
(weak_orgs.flags.compute_flags as of today), each run in a transaction rolled back afterwards so the
database is left as it was.
"""

import time
import traceback
from statistics import median

from measure import log, not_measured, time_page


def time_flags(runs: int, warmups: int) -> dict:
    from django.db import transaction
    from django.utils import timezone

    from weak_orgs.flags import compute_flags

    samples, run = [], None
    try:
        for attempt in range(warmups + runs):
            with transaction.atomic():
                started = time.perf_counter()
                run = compute_flags(timezone.localdate())
                if attempt >= warmups:
                    samples.append(time.perf_counter() - started)
                checked, flagged = run.organizations_checked, run.flagged
                transaction.set_rollback(True)
    except Exception as error:
        log(traceback.format_exc())
        return not_measured(f"出错 {type(error).__name__}：{error}")
    return {
        "seconds": median(samples),
        "note": f"全市研判 {checked:,} 个党组织（{flagged:,} 个触发条件），含写入结果；"
        f"{runs} 次中位数（预热 {warmups} 次），每次在事务中执行后回滚",
        "samples": [round(s, 4) for s in samples],
    }


def measure(runs: int, warmups: int) -> dict:
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User

    log("timing the weak-organization flag computation for the city")
    results = {"weak_org_flags": time_flags(runs, warmups)}
    user = User.objects.filter(username="gwadmin").first()
    if user is None:
        results["weak_orgs_index"] = not_measured("没有演示账号 gwadmin")
        return results
    client = Client()
    client.force_login(user)
    results["weak_orgs_index"] = time_page(client, reverse("weak_orgs:index"), runs, warmups)
    return results
