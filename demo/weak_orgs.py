"""Demo 软弱涣散整顿: the day's flag run on the demo data, 工委's decisions, cases in every state.

The run is the real computation (weak_orgs.flags.compute_flags) on the demo history, so its
findings follow from the organizations the history made weak (lapsed committees, vacant
secretaries, overdue terms). 工委 confirmed the most serious ones some months ago and set plans;
organizations report progress; a few flags were dismissed with reasons; one case was confirmed and
lifted last year. A few dozen rows: written with bulk_create, no per-row queries.
"""

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from accounts.models import RoleAssignment
from core import audit
from core.roles import Role
from orgs.models import BRANCH_KINDS, PATH_SEGMENT_WIDTH, Organization, OrgKind
from weak_orgs.criteria import ensure_defaults
from weak_orgs.flags import compute_flags
from weak_orgs.models import ExitCriterion, FlagResult, ProgressNote, WeakOrgCase

D = FlagResult.Decision
REVIEW_DAYS_AGO = 90
CONFIRM_SHARE = 0.1  # of the flagged organizations, the most serious
DISMISS_SHARE = 0.05
EXIT_CRITERIA = {
    "no_committee_meeting": "连续3个月按时召开支委会，会议记录完整",
    "secretary_vacant": "选优配强支部书记，报机关工委备案",
    "term_overdue": "按期完成换届选举",
    "low_orglife_completion": "“三会一课”等组织生活按规则开展，季度完成率达到90%以上",
    "low_star_rating": "下一年度星级评定达到三星以上",
}
COMMON_EXIT = "整顿期间无新的违规违纪问题"
PROGRESS = (
    "召开支委会专题研究整顿工作，制定整改清单",
    "部门党组成员到支部指导，开展谈心谈话",
    "补开组织生活会，党员逐一对照检查",
    "完成支部书记选配，班子配备齐全",
    "按月召开支委会和主题党日，台账已补齐",
)
DISMISS_REASONS = (
    "书记已于近期选出，任职信息待录入，经核实不属于软弱涣散",
    "经批准推迟换届，批复文件已存档",
    "组织生活实际已开展，记录补录中",
)
PLAN = (
    "一、由部门党组成员联系指导，每月到支部调研一次；二、对照研判问题逐条建立整改清单，明确责任人和时限；"
    "三、规范“三会一课”，按月召开支委会和主题党日；四、整顿期满由机关工委验收销号。"
)


def _at(day: date, rng) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(rng.randint(9, 17), rng.randint(0, 59))))


def _committee_admin():
    row = (
        RoleAssignment.objects.active()
        .filter(role=Role.CITY_ADMIN, organization__kind=OrgKind.ORGANS_WORK_COMMITTEE)
        .select_related("user")
        .order_by("organization__path", "pk")
        .first()
    )
    return row.user if row else None


def _secretaries(org_ids) -> dict[int, int]:
    """A branch-secretary account per organization, where the demo has one."""
    rows = RoleAssignment.objects.active().filter(
        organization_id__in=org_ids, role=Role.BRANCH_SECRETARY
    )
    out = {}
    for org_id, user_id in rows.order_by("pk").values_list("organization_id", "user_id"):
        out.setdefault(org_id, user_id)
    return out


def _department(org: Organization) -> str:
    """Path of the department (third level: 市委 → 工委 → 部门) holding the organization."""
    return org.path[: (PATH_SEGMENT_WIDTH + 1) * 3]


def _leader(org: Organization, names: dict[str, str]) -> str:
    unit = names.get(_department(org)) or "部门"
    return f"{unit}党组成员（联系领导）"


def _decide(rng, run, admin, decided_on: date) -> tuple[list, list, list]:
    """工委's review of a run: the most serious confirmed, a few dismissed with reasons."""
    results = list(run.results.select_related("organization").order_by("organization__path"))
    # The most serious first: most criteria hit, then the tree order.
    ranked = sorted(results, key=lambda r: (-len(r.hits), r.organization.path))
    confirm_n = max(3, round(len(results) * CONFIRM_SHARE)) if results else 0
    confirmed, rest = ranked[:confirm_n], ranked[confirm_n:]
    dismissed = rng.sample(rest, min(len(rest), max(1, round(len(results) * DISMISS_SHARE))))
    for result in dismissed:
        result.decision, result.decision_reason = D.DISMISSED, rng.choice(DISMISS_REASONS)
        result.decided_by, result.decided_at = admin, _at(decided_on, rng)
    for result in confirmed:
        result.decision, result.decided_by = D.CONFIRMED, admin
        result.decided_at = _at(decided_on, rng)
    FlagResult.objects.bulk_update(
        dismissed + confirmed, ["decision", "decision_reason", "decided_by", "decided_at"]
    )
    return results, confirmed, dismissed


def write(seed: int, as_of: date) -> dict[str, int]:
    rng = random.Random(seed * 104729 + 23)
    ensure_defaults()
    admin = _committee_admin()
    if admin is None:
        return {"weak_org_flags": 0, "weak_org_cases": 0}
    # A quarter ago the daily job flagged organizations and 工委 reviewed the list within a week;
    # today's run (computed last) carries those decisions forward.
    reviewed_on = as_of - timedelta(days=REVIEW_DAYS_AGO)
    earlier = compute_flags(reviewed_on - timedelta(days=5))
    results, confirmed, dismissed = _decide(rng, earlier, admin, reviewed_on)

    orgs = [r.organization for r in confirmed]
    clear = list(
        Organization.objects.filter(kind__in=BRANCH_KINDS, status=Organization.Status.ACTIVE)
        .exclude(pk__in=[r.organization_id for r in results])
        .order_by("path")[:50]
    )
    recovered = rng.choice(clear) if clear else None
    if recovered:
        orgs.append(recovered)
    names = dict(
        Organization.objects.filter(path__in={_department(o) for o in orgs}).values_list(
            "path", "unit__name"
        )
    )
    secretaries = _secretaries([o.pk for o in orgs])
    cases, plans = [], []
    for index, result in enumerate(confirmed):
        confirmed_on = reviewed_on
        planned = index != 0  # one confirmation still waits for its plan
        cases.append(
            WeakOrgCase(
                organization=result.organization,
                year=confirmed_on.year,
                status=WeakOrgCase.Status.RECTIFYING if planned else WeakOrgCase.Status.CONFIRMED,
                flag_result=result,
                reasons=result.hits,
                confirmed_by=admin,
                confirmed_on=confirmed_on,
                leader_name=_leader(result.organization, names) if planned else "",
                plan=PLAN if planned else "",
                due_on=confirmed_on + timedelta(days=180) if planned else None,
            )
        )
        plans.append([EXIT_CRITERIA[h["code"]] for h in result.hits] + [COMMON_EXIT])
    if recovered:
        last_year = as_of.year - 1
        cases.append(
            WeakOrgCase(
                organization=recovered,
                year=last_year,
                status=WeakOrgCase.Status.LIFTED,
                reasons=[
                    {
                        "code": "no_committee_meeting",
                        "name": "连续3个月未召开支委会",
                        "fact": f"{last_year}年1月至3月连续3个月未召开支委会",
                    }
                ],
                confirmed_by=admin,
                confirmed_on=date(last_year, 4, 10),
                leader_name=_leader(recovered, names),
                plan=PLAN,
                due_on=date(last_year, 10, 31),
                lifted_on=date(last_year, 11, 20),
                lift_reason="整改清单全部完成，连续6个月按时召开支委会，经机关工委验收销号",
                lifted_by=admin,
            )
        )
        plans.append([EXIT_CRITERIA["no_committee_meeting"], COMMON_EXIT])
    WeakOrgCase.objects.bulk_create(cases)

    items, notes = [], []
    for case, texts in zip(cases, plans, strict=True):
        if case.status == WeakOrgCase.Status.CONFIRMED:
            continue
        lifted = case.status == WeakOrgCase.Status.LIFTED
        end = case.lifted_on or as_of
        reporter = secretaries.get(case.organization_id) or admin.pk
        span = max((end - case.confirmed_on).days, 1)
        for step in range(rng.randint(1, 4) if not lifted else 4):
            day = case.confirmed_on + timedelta(days=span * (step + 1) // 5)
            notes.append(
                (ProgressNote(case=case, body=PROGRESS[step], created_by_id=reporter), day)
            )
        for order, text in enumerate(texts):
            met = lifted or rng.random() < 0.4
            items.append(
                ExitCriterion(
                    case=case,
                    text=text,
                    order=order,
                    met=met,
                    met_on=end - timedelta(days=rng.randint(1, 20)) if met else None,
                    met_note="已完成，佐证材料见整顿进展" if met else "",
                    marked_by_id=reporter if met else None,
                )
            )
    ExitCriterion.objects.bulk_create(items)
    run = compute_flags(as_of)
    # Today 工委 has started on the new list: a few dismissed so far, the rest still to review.
    pending = list(run.results.filter(decision=D.PENDING).order_by("organization__path"))
    today_dismissed = rng.sample(pending, min(len(pending), max(1, len(pending) // 30)))
    for result in today_dismissed:
        result.decision, result.decision_reason = D.DISMISSED, rng.choice(DISMISS_REASONS)
        result.decided_by, result.decided_at = admin, _at(as_of, rng)
    FlagResult.objects.bulk_update(
        today_dismissed, ["decision", "decision_reason", "decided_by", "decided_at"]
    )
    created = ProgressNote.objects.bulk_create([n for n, _ in notes])
    for note, (_, day) in zip(created, notes, strict=True):
        note.created_at = _at(day, rng)  # auto_now_add stamped today
    ProgressNote.objects.bulk_update(created, ["created_at"])
    audit.record(
        audit.Action.IMPORT,
        object_type="demo.weak_orgs",
        object_repr="演示数据：软弱涣散整顿",
        detail=f"{earlier.as_of:%Y-%m-%d}研判后确认整顿{len(confirmed)}个、排除{len(dismissed)}个，"
        f"另有上年已销号1个；{as_of:%Y-%m-%d}研判{run.organizations_checked}个党组织，"
        f"{run.flagged}个触发条件；随机种子 {seed}",
    )
    return {"weak_org_flags": run.flagged, "weak_org_cases": len(cases)}
