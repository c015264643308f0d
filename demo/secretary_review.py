"""Demo 联述联评联考 for the city's 机关工委: last year's round closed with results, this year's
round open for rating with part of the ballots cast.

Reports, assignments and ballots are written in bulk; the demo accounts' own ballots in this
year's round stay open, so logging in as dangyuan or zbsj1 shows ballots to cast.
"""

import random
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from accounts.models import User
from core import audit
from demo.accounts import USERNAMES
from orgs.models import Organization, OrgKind
from secretary_review import services
from secretary_review.models import DEFAULT_BANDS, DEFAULT_GRADES, Assignment, Ballot, Report, Round

BATCH = 5000
OPENINGS = (
    "一年来，在上级党组织的坚强领导下，我认真履行抓机关党建第一责任人职责，",
    "本年度，我始终把党的政治建设摆在首位，严格落实全面从严治党主体责任，",
    "过去一年，我坚持以习近平新时代中国特色社会主义思想为指导，聚焦“五星示范、双优引领”，",
)
DEEDS = (
    "带头落实“三会一课”制度，全年讲授党课{n}次；",
    "推动党建与业务深度融合，围绕中心工作开展攻坚项目{n}项；",
    "严格落实民主集中制，主持召开支委会{n}次；",
    "深化“两地报到、双岗服务”，组织党员志愿服务{n}场次；",
    "抓好党员教育管理，开展谈心谈话{n}人次；",
    "加强作风建设，开展廉政警示教育{n}次；",
)
SHORTFALLS = (
    "但也存在理论学习深度不够、党建创新办法不多等不足。",
    "但对照要求，在发挥党员先锋模范作用方面还有差距。",
    "但组织生活质量有待提升，个别党员参与积极性不高。",
)
PLANS = (
    "下一步，我将持续抓好支部标准化规范化建设，推动机关党建提质增效。",
    "今后，我将进一步压实责任清单，以高质量党建引领保障高质量发展。",
)
# How a report tends to be graded: most secretaries are rated 好 or 较好.
PROFILES = ((0.70, 0.22, 0.06, 0.02), (0.50, 0.35, 0.12, 0.03), (0.30, 0.40, 0.25, 0.05))


def _text(rng: random.Random) -> str:
    deeds = "".join(d.format(n=rng.randint(2, 12)) for d in rng.sample(DEEDS, 4))
    return rng.choice(OPENINGS) + deeds + rng.choice(SHORTFALLS) + rng.choice(PLANS)


def _at(day: date, rng: random.Random) -> datetime:
    moment = time(rng.randint(8, 20), rng.randint(0, 59))
    return datetime.combine(day, moment, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _round(area, year, status, admin, as_of, rng, ballot_share, keep_open) -> dict:
    round_ = Round.objects.create(
        name=f"{year}年度{area.short_name or area.name}三级书记联述联评联考",
        year=year,
        area=area,
        status=Round.Status.DRAFT,
        report_due=date(year, 12, 20) if year < as_of.year else as_of - timedelta(days=10),
        rating_due=date(year + 1, 1, 15) if year < as_of.year else as_of + timedelta(days=14),
        grades=[dict(g) for g in DEFAULT_GRADES],
        bands=[dict(b) for b in DEFAULT_BANDS],
        created_by=admin,
    )
    audit.record_create(round_, actor=admin)
    reporting_day = round_.report_due - timedelta(days=20)
    reports = [
        Report(
            round=round_,
            organization=org,
            secretary_id=member_id,
            level=level,
            text=_text(rng),
            status=Report.Status.SUBMITTED,
            submitted_at=_at(reporting_day + timedelta(days=rng.randrange(18)), rng),
        )
        for org, member_id, level in services.participants(area, on=min(as_of, date(year, 12, 31)))
    ]
    Report.objects.bulk_create(reports, batch_size=BATCH)
    round_.status = Round.Status.RATING
    round_.save(update_fields=["status"])
    assignments = services.plan_assignments(round_, on=min(as_of, date(year, 12, 31)))
    profile = {r.pk: rng.choice(PROFILES) for r in reports}
    codes = [g["code"] for g in DEFAULT_GRADES]
    rating_from = round_.report_due
    rating_days = max((min(as_of, round_.rating_due) - rating_from).days, 1)
    ballots = []
    for assignment in assignments:
        if assignment.rater_id in keep_open or rng.random() >= ballot_share:
            continue
        assignment.submitted_at = _at(rating_from + timedelta(days=rng.randrange(rating_days)), rng)
        grade = rng.choices(codes, weights=profile[assignment.report_id])[0]
        ballots.append(
            Ballot(
                id=uuid.UUID(int=rng.getrandbits(128), version=4),
                report_id=assignment.report_id,
                group=assignment.group,
                grade=grade,
            )
        )
    rng.shuffle(ballots)  # insertion order says nothing about who voted when
    Assignment.objects.bulk_create(assignments, batch_size=BATCH)
    Ballot.objects.bulk_create(ballots, batch_size=BATCH)
    if status == Round.Status.CLOSED:
        services.round_aggregate(round_)
        round_.status = Round.Status.CLOSED
        round_.closed_at = _at(round_.rating_due, rng)
        round_.save(update_fields=["status", "closed_at"])
    return {"reports": len(reports), "assignments": len(assignments), "ballots": len(ballots)}


def write(seed: int, as_of: date) -> dict[str, int]:
    """Two rounds for the city's 机关工委; counts for the summary line."""
    rng = random.Random(f"secretary_review:{seed}:{as_of}")
    area = (
        Organization.objects.filter(kind=OrgKind.ORGANS_WORK_COMMITTEE, depth=1)
        .order_by("path")
        .first()
    )
    if area is None:
        return {"review_rounds": 0, "review_reports": 0, "review_ballots": 0}
    admin = User.objects.filter(username="gwadmin").first()
    keep_open = set(
        User.objects.filter(username__in=USERNAMES, member__isnull=False).values_list(
            "member_id", flat=True
        )
    )
    last = _round(area, as_of.year - 1, Round.Status.CLOSED, admin, as_of, rng, 0.85, set())
    this = _round(area, as_of.year, Round.Status.RATING, admin, as_of, rng, 0.4, keep_open)
    audit.record(
        audit.Action.IMPORT,
        object_type="demo.secretary_review",
        object_repr="演示数据：联述联评联考",
        detail=f"生成 {as_of.year - 1} 年（已结束）和 {as_of.year} 年（测评中）联述联评联考，"
        f"述职 {last['reports'] + this['reports']} 份、测评票 {last['ballots'] + this['ballots']} 张，"
        f"随机种子 {seed}",
    )
    return {
        "review_rounds": 2,
        "review_reports": last["reports"] + this["reports"],
        "review_assignments": last["assignments"] + this["assignments"],
        "review_ballots": last["ballots"] + this["ballots"],
    }
