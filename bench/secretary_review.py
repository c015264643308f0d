"""Issue 4 item 5 (联述联评联考): a rater's ballot page and aggregating a round of 40,000 ballots.

ballot_page: the demo account with the most ballots in a round now rating opens /secretary-review/ballots/.
aggregate_40k: secretary_review.services.round_aggregate (GROUP BY report, group, grade; objective
indicators; scores, grades, ranks written back) on the round with the most ballots if it has at least
40,000, otherwise on a round created for the purpose (its creation timed separately). Every run is in
a transaction rolled back afterwards, so the data stays as the demo left it.
"""

import random
import time
import uuid

from bench.measure import failed, log, not_measured, time_call, time_page

TARGET_BALLOTS = 40_000


def _rater(users):
    from django.db.models import Count

    from secretary_review.models import Assignment, Round

    counts = dict(
        Assignment.objects.filter(
            report__round__status=Round.Status.RATING,
            rater_id__in=[u.member_id for u in users if u.member_id],
        )
        .values_list("rater_id")
        .annotate(n=Count("pk"))
    )
    best = max(users, key=lambda u: counts.get(u.member_id, 0), default=None)
    return (best, counts.get(best.member_id, 0)) if best else (None, 0)


def time_ballot_page(runs: int, warmups: int) -> dict:
    from django.test import Client

    from accounts.models import User
    from demo.accounts import USERNAMES

    users = list(User.objects.filter(username__in=USERNAMES, member__isnull=False))
    user, count = _rater(users)
    if not count:
        return not_measured("没有处于测评阶段的联述联评联考，或演示账号没有测评任务")
    client = Client()
    client.force_login(user)
    result = time_page(client, "/secretary-review/ballots/", runs, warmups)
    if result["seconds"] is not None:
        result["note"] += f"，{user.username} 的测评页（{count} 份述职）"
    return result


def _make_round():
    """A round over the city's 机关工委 with 40,000 ballots spread over its assignments."""
    from orgs.models import Organization, OrgKind
    from secretary_review import services
    from secretary_review.models import DEFAULT_BANDS, DEFAULT_GRADES, Ballot, Report, Round

    area = Organization.objects.filter(kind=OrgKind.ORGANS_WORK_COMMITTEE).order_by("path").first()
    year = 1990
    round_ = Round.objects.create(
        name="基准测试轮次", year=year, area=area, status=Round.Status.RATING,
        grades=[dict(g) for g in DEFAULT_GRADES], bands=[dict(b) for b in DEFAULT_BANDS],
    )  # fmt: skip
    Report.objects.bulk_create(
        [
            Report(round=round_, organization=org, secretary_id=member, level=level)
            for org, member, level in services.participants(area)
        ],
        batch_size=5000,
    )
    assignments = services.plan_assignments(round_)
    rng = random.Random(1)
    chosen = rng.sample(assignments, min(TARGET_BALLOTS, len(assignments)))
    codes = [g["code"] for g in DEFAULT_GRADES]
    Ballot.objects.bulk_create(
        [
            Ballot(id=uuid.UUID(int=rng.getrandbits(128), version=4), report_id=a.report_id,
                   group=a.group, grade=rng.choices(codes, weights=(5, 3, 1, 0.3))[0])
            for a in chosen
        ],
        batch_size=5000,
    )  # fmt: skip
    return round_


def time_aggregate(runs: int, warmups: int) -> dict:
    from django.db import transaction
    from django.db.models import Count

    from secretary_review import services
    from secretary_review.models import Ballot, Round

    created, made = None, False
    try:
        with transaction.atomic():
            counts = dict(Ballot.objects.values_list("report__round_id").annotate(n=Count("pk")))
            round_id = max(counts, key=counts.get, default=None)
            if round_id is None or counts[round_id] < TARGET_BALLOTS:
                log(f"creating a round with {TARGET_BALLOTS:,} ballots")
                started = time.perf_counter()
                round_ = _make_round()
                created, made = time.perf_counter() - started, True
            else:
                round_ = Round.objects.get(pk=round_id)
            ballots = Ballot.objects.filter(report__round=round_).count()
            reports = round_.reports.count()
            timing = time_call(lambda: services.round_aggregate(round_), runs, warmups)
            transaction.set_rollback(True)  # the bench round goes too
    except Exception as error:
        return failed(error)
    source = (
        f"为测试新建的轮次（生成用时 {created:.1f} 秒，不计入）" if made else f"“{round_.name}”"
    )
    return timing.figure(
        f"{source}：{ballots:,} 张测评票、{reports:,} 份述职，含客观指标与排名写回；"
    )


def measure(runs: int, warmups: int) -> dict:
    log("timing the secretary_review ballot page")
    results = {"ballot_page": time_ballot_page(runs, warmups)}
    log("timing the aggregation of a 40,000-ballot round")
    results["aggregate_40k"] = time_aggregate(min(runs, 5), min(warmups, 1))
    return results
