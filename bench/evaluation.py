"""Issue 4 (五星示范) measurements on the city data: the star overview and whole-city automatic scoring.

star_overview  GET /evaluation/overview/ as the city admin (gwadmin)
auto_scoring   evaluation.cycle_services.cycle_score_automatic over every rated organization of
               the open cycle (metrics computed for all at once, scores and stars written back),
               each run in a transaction rolled back afterwards
"""

from bench.measure import failed, log, not_measured, time_call, time_page

MAX_SCORING_RUNS = 3  # each run scores the whole city; a few are enough for a median


def _client(username: str):
    from django.test import Client

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def time_auto_scoring(runs: int, warmups: int) -> dict:
    from accounts.models import User
    from evaluation import cycle_services as cs
    from evaluation.models import EvaluationCycle, IndicatorScore

    cycle = (
        EvaluationCycle.objects.filter(status=EvaluationCycle.Status.OPEN)
        .select_related("organization")
        .order_by("-year", "organization__path")
        .first()
    )
    if cycle is None:
        return not_measured("没有进行中的评星年度（演示数据未生成评星）")
    admin = User.objects.get(username="gwadmin")

    def first_scoring():
        """As on the first scoring of a year: every figure new, every row written."""
        IndicatorScore.objects.filter(rating__cycle=cycle).update(auto_value=None)

    try:
        timing = time_call(
            lambda _: cs.cycle_score_automatic(cycle=cycle, actor=admin),
            min(runs, MAX_SCORING_RUNS),
            min(warmups, 1),
            prepare=first_scoring,
        )
    except Exception as error:
        return failed(error)
    return timing.figure(
        f"{cycle.year}年度 {cycle.organization.name}：{timing.result} 个党组织，直接调用服务，"
    )


def measure(runs: int, warmups: int) -> dict:
    results = {}
    log("timing /evaluation/overview/ as gwadmin")
    try:
        client = _client("gwadmin")
    except Exception as error:
        return {
            "star_overview": not_measured(f"出错 {type(error).__name__}"),
            "auto_scoring": not_measured(f"出错 {type(error).__name__}"),
        }
    results["star_overview"] = time_page(client, "/evaluation/overview/", runs, warmups)
    log("timing automatic scoring of the open cycle")
    results["auto_scoring"] = time_auto_scoring(runs, warmups)
    return results
