"""Demo 五星示范 ratings: the two past years awarded (1–5 stars, objections), this year's in progress.

Each 机关工委 with a city-admin account rates its branches. The scheme, opening, automatic scoring,
approval, 公示 and award go through the evaluation services (all bulk); the per-organization
self-assessments and reviews, which the services take one at a time, are written in bulk here with
the same fields the services set. Deterministic for a seed and reference date.
"""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from accounts.models import RoleAssignment, User
from core import audit
from core.roles import Role
from evaluation import cycle_services as cs
from evaluation import services
from evaluation.models import (
    EvaluationScheme,
    Indicator,
    IndicatorScore,
    OrgRating,
    RatingEvent,
    Star,
)
from orgs.models import OrgKind

Status, Action = OrgRating.Status, RatingEvent.Action
# Share of organizations per star count last year: most in the middle, few at the ends.
STAR_WEIGHTS = {1: 8, 2: 20, 3: 37, 4: 25, 5: 10}
PAST_YEARS = 2  # awarded years before this one: enough for rises and falls on the overview
RETURN_REASON = "“组织建设”佐证材料不全：请补充全年支部委员会会议记录，并关联相应的活动记录。"
EVIDENCE = "详见本年度会议记录、学习台账及活动记录。"


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _scheme(year: int, actor, previous: EvaluationScheme | None) -> EvaluationScheme:
    """The default scheme (copied from last year's when there is one), with platform and veto items."""
    if previous is not None:
        return services.scheme_publish(services.scheme_copy(previous, year, actor), actor)
    scheme = services.scheme_create_default(year, actor)
    stars = list(scheme.stars.all())
    services.indicator_save(
        stars[2],
        {
            "name": "组织生活完成率",
            "method": Indicator.Method.AUTOMATIC,
            "points": Decimal(20),
            "metric": "orglife_completion_rate",
            "threshold": Decimal("0.8"),
        },
        actor,
    )
    services.indicator_save(
        stars[4],
        {
            "name": "班子成员受到党纪政务处分",
            "method": Indicator.Method.VETO,
            "points": Decimal(0),
            "veto_scope": Indicator.VetoScope.WHOLE,
        },
        actor,
    )
    return services.scheme_publish(scheme, actor)


def _spread(rng, n: int) -> list[int]:
    """Star targets for n organizations: every count from 1 to 5 at least once, the rest weighted."""
    targets = list(STAR_WEIGHTS)[:n]
    targets += rng.choices(list(STAR_WEIGHTS), list(STAR_WEIGHTS.values()), k=n - len(targets))
    rng.shuffle(targets)
    return targets


def _full_scheme(scheme):
    return EvaluationScheme.objects.prefetch_related(
        Prefetch("stars", queryset=Star.objects.prefetch_related("indicators"))
    ).get(pk=scheme.pk)


def _committees() -> list[tuple]:
    """(工委, one of its city administrators) for every 工委 with one."""
    rows = (
        RoleAssignment.objects.active()
        .filter(role=Role.CITY_ADMIN, organization__kind=OrgKind.ORGANS_WORK_COMMITTEE)
        .select_related("organization", "user")
        .order_by("organization__path", "pk")
    )
    seen = {}
    for row in rows:
        seen.setdefault(row.organization_id, (row.organization, row.user))
    return list(seen.values())


def _points(rng, score, earned: bool) -> Decimal:
    top = score.indicator.points
    # A missed star stays below its line even with the 20 automatic points of 组织建设.
    share = rng.uniform(0.66, 0.98) if earned else rng.uniform(0.3, 0.39)
    return (top * Decimal(str(round(share, 2)))).quantize(Decimal("1"))


def _fill(rng, ratings, scores_of, targets: dict, *, review: bool, scheme) -> None:
    """Points per star so that the first `target` stars pass; review figures near the self ones."""
    for rating in ratings:
        target = targets[rating.pk]
        for score in scores_of[rating.pk]:
            indicator = score.indicator
            if indicator.method != Indicator.Method.MANUAL:
                continue
            earned = indicator.star.order <= target
            score.self_points = _points(rng, score, earned)
            score.evidence = EVIDENCE
            if review:
                # Reviewers mostly agree; sometimes they take a few points off.
                cut = Decimal(rng.choice([0, 0, 0, 2, 5]))
                score.review_points = max(Decimal(0), score.self_points - cut)
        rating.self_stars = cs.stars_from(scheme, scores_of[rating.pk], review=False)
        if review:
            rating.scored_stars = cs.stars_from(scheme, scores_of[rating.pk], review=True)
            rating.proposed_stars = cs.capped(
                scheme.promotion, rating.previous_stars, rating.scored_stars
            )


def _load(cycle):
    ratings = list(cycle.ratings.select_related("organization").order_by("organization__path"))
    scores_of = {r.pk: [] for r in ratings}
    for score in IndicatorScore.objects.filter(rating__cycle=cycle).select_related(
        "indicator__star"
    ):
        scores_of[score.rating_id].append(score)
    return ratings, scores_of


def _save(ratings, scores_of) -> None:
    # The scores were created empty when the cycle opened and nothing refers to them yet: writing
    # them anew is far faster than a bulk_update of tens of thousands of rows.
    scores = [s for r in ratings for s in scores_of[r.pk]]
    IndicatorScore.objects.filter(pk__in=[s.pk for s in scores]).delete()
    for score in scores:
        score.pk = None
    IndicatorScore.objects.bulk_create(scores, batch_size=2000)
    OrgRating.objects.bulk_update(
        ratings,
        [
            "status",
            "self_stars",
            "scored_stars",
            "proposed_stars",
            "summary",
            "review_comment",
            "return_reason",
            "self_assessed_at",
            "reviewed_at",
        ],
        batch_size=1000,
    )


def _events(pairs) -> None:
    RatingEvent.objects.bulk_create(
        (RatingEvent(rating=r, action=a, actor=actor, note=note) for r, a, actor, note in pairs),
        batch_size=2000,
    )


def _moved(rng, previous: int | None) -> int:
    """Next year's level: mostly the same or one up, sometimes one down."""
    return min(5, max(1, (previous or 3) + rng.choice([-1, 0, 0, 1, 1])))


def _closed_year(rng, committee, admin, scheme, year: int) -> dict:
    cycle = cs.cycle_open(
        organization=committee,
        scheme=scheme,
        self_assessment_due=date(year, 11, 30),
        review_due=date(year, 12, 15),
        approval_due=date(year, 12, 22),
        notice_days=5,
        actor=admin,
        notify=False,
    )
    full = _full_scheme(scheme)
    cs.cycle_score_automatic(cycle=cycle, actor=admin)  # the platform figures first, as in use
    ratings, scores_of = _load(cycle)
    if any(r.previous_stars is not None for r in ratings):
        targets = {r.pk: _moved(rng, r.previous_stars) for r in ratings}
    else:
        targets = dict(zip([r.pk for r in ratings], _spread(rng, len(ratings)), strict=True))
    _fill(rng, ratings, scores_of, targets, review=True, scheme=full)
    for r in ratings:
        r.status, r.summary = Status.REVIEWED, "按方案逐项自评，材料已上传。"
        r.self_assessed_at = _at(date(year, 11, rng.randint(10, 29)))
        r.review_comment = "经审核，材料属实，同意。"
        r.reviewed_at = _at(date(year, 12, rng.randint(1, 14)))
    _save(ratings, scores_of)
    _events(
        [(r, Action.SUBMITTED, None, f"自评{r.self_stars}星") for r in ratings]
        + [(r, Action.REVIEWED, None, f"拟评{r.proposed_stars}星") for r in ratings]
    )
    cs.rating_approve(cycle=cycle, actor=admin)
    notice = cs.cycle_notice(cycle=cycle, actor=admin, starts_on=date(year, 12, 23))
    _objection(rng, notice, ratings, admin, date(year, 12, 24))
    cs.cycle_award(cycle=cycle, actor=admin, today=notice.ends_on + timedelta(days=1))
    return {"ratings": len(ratings)}


def _objection(rng, notice, ratings, admin, day: date) -> None:
    """One objection upheld (that organization gets no stars) and one rejected."""
    from publicity.services import objection_answer, objection_lodge

    items = {i.subject_id: i for i in notice.items.all()}
    candidates = [r for r in ratings if r.proposed_stars >= 4]
    if len(candidates) < 2:
        return
    chosen = rng.sample(candidates, 2)
    member = User.objects.filter(username="dangyuan").first() or admin
    upheld = objection_lodge(
        item=items[chosen[0].pk],
        actor=member,
        content="该支部全年仅开展主题党日6次，与自评材料不符。",
        today=day,
    )
    objection_answer(
        objection=upheld, actor=admin, upheld=True, answer="经核实情况属实，本年度不予授星。"
    )
    rejected = objection_lodge(
        item=items[chosen[1].pk], actor=member, content="该支部党课次数存疑。", today=day
    )
    objection_answer(
        objection=rejected, actor=admin, upheld=False, answer="经核实，党课记录完整，异议不成立。"
    )


def _this_year(rng, committee, admin, scheme, year: int, as_of: date, keep: dict) -> dict:
    cycle = cs.cycle_open(
        organization=committee,
        scheme=scheme,
        self_assessment_due=as_of + timedelta(days=14),
        review_due=as_of + timedelta(days=28),
        approval_due=as_of + timedelta(days=40),
        notice_days=5,
        actor=admin,
    )
    full = _full_scheme(scheme)
    cs.cycle_score_automatic(cycle=cycle, actor=admin)
    ratings, scores_of = _load(cycle)
    by_org = {r.organization_id: r for r in ratings}
    pending_ids = {by_org[o].pk for o in keep["pending"] if o in by_org}
    submitted_ids = {by_org[o].pk for o in keep["submitted"] if o in by_org}
    returned_id = next((by_org[o].pk for o in keep["returned"] if o in by_org), None)
    free = [r for r in ratings if r.pk not in pending_ids | submitted_ids | {returned_id}]
    if returned_id is None and free:
        returned_id = free.pop(rng.randrange(len(free))).pk
    steps = {}
    for r in free:
        steps[r.pk] = rng.choices(["pending", "saved", "submitted", "reviewed"], [30, 15, 30, 25])[
            0
        ]
    steps.update(dict.fromkeys(pending_ids, "pending"))
    steps.update(dict.fromkeys(submitted_ids, "submitted"))
    if returned_id is not None:
        steps[returned_id] = "returned"
    worked = [r for r in ratings if steps[r.pk] != "pending"]
    targets = {r.pk: _moved(rng, r.previous_stars) for r in worked}
    reviewed = [r for r in worked if steps[r.pk] == "reviewed"]
    _fill(
        rng,
        [r for r in worked if steps[r.pk] != "reviewed"],
        scores_of,
        targets,
        review=False,
        scheme=full,
    )
    _fill(rng, reviewed, scores_of, targets, review=True, scheme=full)
    events = []
    for r in worked:
        step = steps[r.pk]
        r.summary = "按方案逐项自评。"
        if step in ("submitted", "reviewed", "returned"):
            r.self_assessed_at = _at(as_of - timedelta(days=rng.randint(3, 12)))
            events.append((r, Action.SUBMITTED, None, f"自评{r.self_stars}星"))
        r.status = {
            "saved": Status.PENDING,
            "submitted": Status.SELF_ASSESSED,
            "reviewed": Status.REVIEWED,
            "returned": Status.RETURNED,
        }[step]
        if step == "reviewed":
            r.review_comment = "材料齐全，同意。"
            r.reviewed_at = _at(as_of - timedelta(days=rng.randint(0, 2)))
            events.append((r, Action.REVIEWED, None, f"拟评{r.proposed_stars}星"))
        if step == "returned":
            r.return_reason = RETURN_REASON
            events.append((r, Action.RETURNED, None, RETURN_REASON))
    _save(ratings, scores_of)
    _events(events)
    return {"ratings": len(ratings)}


def _demo_orgs() -> dict:
    """Keep the demo accounts' stories: zbsj1 still to self-assess, zbsj2 sent back for revision,
    the branches under jgdwsj's 机关党委 waiting for its review."""
    held = {
        a.user.username: a.organization
        for a in RoleAssignment.objects.active()
        .filter(user__username__in=["zbsj1", "zbsj2", "jgdwsj"])
        .select_related("user", "organization")
    }
    keep = {"pending": [], "submitted": [], "returned": []}
    if "zbsj1" in held:
        keep["pending"].append(held["zbsj1"].pk)
    if "zbsj2" in held:
        keep["returned"].append(held["zbsj2"].pk)
    if "jgdwsj" in held:
        children = held["jgdwsj"].children.filter(
            kind__in=["branch", "general_branch", "joint_branch"]
        )
        keep["submitted"] += [
            o.pk for o in children.order_by("path")[:4] if o.pk not in keep["pending"]
        ]
    return keep


def write(seed: int, as_of: date) -> dict[str, int]:
    rng = random.Random(seed * 7919 + 5)
    committees = _committees()
    if not committees:
        return {"evaluation_cycles": 0, "evaluation_ratings": 0}
    actor = committees[0][1]
    schemes = {}
    for year in range(as_of.year - PAST_YEARS, as_of.year + 1):
        schemes[year] = _scheme(year, actor, schemes.get(year - 1))
    keep = _demo_orgs()
    counts = {"evaluation_cycles": 0, "evaluation_ratings": 0}
    for committee, admin in committees:
        for year in range(as_of.year - PAST_YEARS, as_of.year):
            done = _closed_year(rng, committee, admin, schemes[year], year)
            counts["evaluation_ratings"] += done["ratings"]
        done = _this_year(rng, committee, admin, schemes[as_of.year], as_of.year, as_of, keep)
        counts["evaluation_ratings"] += done["ratings"]
        counts["evaluation_cycles"] += PAST_YEARS + 1
    audit.record(
        audit.Action.IMPORT,
        object_type="demo.evaluation",
        object_repr="演示数据：五星示范评星",
        detail=f"生成{as_of.year - PAST_YEARS}至{as_of.year}年度评星 {counts['evaluation_cycles']} 轮、"
        f"{counts['evaluation_ratings']} 条，随机种子 {seed}",
    )
    return counts
