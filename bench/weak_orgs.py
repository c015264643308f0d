"""Issue 5 item 5: computing the 软弱涣散 flags for the whole city (≤10 s), and 工委's list page.

Runs inside bench/measure.py's process on the city demo data (~1,500 organizations, 40,000 members,
three years of organizational life). The computation is the one the daily job and 工委's button run
(weak_orgs.flags.compute_flags as of today), each run in a transaction rolled back afterwards so the
database is left as it was.
"""

from measure import failed, log, not_measured, time_call, time_page


def time_flags(runs: int, warmups: int) -> dict:
    from django.utils import timezone

    from weak_orgs.flags import compute_flags

    try:
        timing = time_call(lambda: compute_flags(timezone.localdate()), runs, warmups)
    except Exception as error:
        return failed(error)
    run = timing.result
    return timing.figure(
        f"全市研判 {run.organizations_checked:,} 个党组织（{run.flagged:,} 个触发条件），含写入结果；"
    )


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
