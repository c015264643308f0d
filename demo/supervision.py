"""A year of demo supervision: inspections of every kind and findings in every state, with their history.

Findings found long ago are mostly signed off; recent ones are still being rectified; some are overdue
and escalated level by level as the escalation job would have done, some returned, reopened or closed
by 工委. Accountability cases, 容错免责 requests and published 通报 follow from them. At city scale
about 13 findings per organization a year (~20,000, the benchmark's figure), written with bulk_create.
No photo files are written: evidence rows would need files on disk.
"""

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from accounts.models import RoleAssignment, User
from core import audit
from core.roles import Role
from orgs.models import Organization, OrgKind, Position, PositionKind
from supervision.models import (
    AccountabilityCase,
    ExposureNotice,
    FaultToleranceExemption,
    Finding,
    FindingCategory,
    FindingEvent,
    FindingState,
    Inspection,
    ancestor_paths,
    month_of,
)
from supervision.services import due_level, escalation_chain

BATCH = 2000
FINDINGS_PER_ORG = 13
S = FindingState
K = FindingEvent.Kind
DESCRIPTIONS = {
    "org_life": ("本季度未按规定召开支部党员大会", "主题党日活动记录不完整，缺少签到表",
                 "党课未按要求开展，书记全年未讲党课", "组织生活会会前谈心谈话记录缺失"),
    "four_winds": ("会议多、发文多，以会议落实会议", "公务接待超标准", "工作日午间饮酒",
                   "下基层调研走过场"),
    "formalism": ("台账资料过度留痕，重复填报", "表态多、落实少，承诺事项未办结",
                  "层层加码，基层负担重", "窗口服务态度生硬，群众反映办事难"),
    "conduct": ("群众诉求推诿扯皮，超期未办理", "重点任务推进缓慢，存在中梗阻",
                "对上级部署传达不及时"),
    "other": ("党建工作经费使用不规范", "党员信息未及时更新"),
}  # fmt: skip
PLANS = ("召开专题会议研究整改，明确责任人和时限", "建立问题清单、责任清单、整改清单",
         "组织补课并完善台账", "修订相关制度，加强日常监督")  # fmt: skip
PROGRESS = ("已召开专题会议部署整改", "已完成主要整改任务，正在完善资料", "已补开会议并整理记录")
RETURNS = ("佐证材料不完整，请补充会议记录", "整改措施未落实到位", "请补充照片和签到表")
KINDS = list(Inspection.Kind.values)


def _at(day: date, rng) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59))))


def _outcome(rng, found: date, deadline: date, as_of: date) -> list[str]:
    """The sequence of event kinds the finding went through up to as_of."""
    age = (as_of - found).days
    if age < 3:
        return []
    steps = [K.PLAN]
    if age < 10:
        return steps if rng.random() < 0.6 else []
    steps.append(K.PROGRESS)
    overdue_left = deadline < as_of and rng.random() < 0.12
    if overdue_left:  # still rectifying past the deadline: these escalate
        return steps if rng.random() < 0.7 else [K.PLAN] if rng.random() < 0.5 else []
    roll = rng.random()
    if deadline >= as_of and roll < 0.45:
        return steps
    steps.append(K.SUBMITTED)
    if rng.random() < 0.12:
        steps += [K.RETURNED]
        if rng.random() < 0.4:
            return steps
        steps += [K.PROGRESS, K.SUBMITTED]
    if deadline >= as_of and rng.random() < 0.3:
        return steps
    if rng.random() < 0.03:
        return steps[:2] + [K.CLOSED]
    steps.append(K.SIGNED_OFF)
    if rng.random() < 0.04 and age > 120:
        steps.append(K.REOPENED)
    return steps


NEXT_STATE = {
    K.PLAN: S.PLAN_SUBMITTED, K.PROGRESS: S.IN_PROGRESS, K.SUBMITTED: S.SUBMITTED,
    K.RETURNED: S.RETURNED, K.SIGNED_OFF: S.SIGNED_OFF, K.CLOSED: S.CLOSED, K.REOPENED: S.REOPENED,
}  # fmt: skip


def write(seed: int, as_of: date) -> dict[str, int]:
    rng = random.Random(f"supervision-{seed}")
    committees = list(
        Organization.objects.filter(kind=OrgKind.ORGANS_WORK_COMMITTEE).order_by("path")
    )
    if not committees:
        return {}
    orgs = list(
        Organization.objects.active()
        .filter(depth__gt=min(c.depth for c in committees))
        .exclude(kind=OrgKind.GROUP)
        .order_by("path")
    )
    by_path = {o.path: o for o in Organization.objects.all()}
    admin_orgs = dict(
        RoleAssignment.objects.filter(role=Role.CITY_ADMIN).values_list(
            "organization__path", "user_id"
        )
    )
    admin_by_committee = {c.pk: admin_orgs.get(c.path) for c in committees}
    fallback = User.objects.filter(role_assignments__role=Role.CITY_ADMIN).first()
    names = {u.pk: u.display_name for u in User.objects.filter(pk__in=[*admin_orgs.values()])}
    secretaries = dict(
        Position.objects.current(as_of)
        .filter(kind=PositionKind.SECRETARY)
        .values_list("organization_id", "member__name")
    )
    categories = list(FindingCategory.objects.filter(is_active=True))
    start = as_of - timedelta(days=365)

    def committee_of(org):
        return next((c for c in committees if org.path.startswith(c.path)), committees[0])

    # Inspections: a few a month from each 工委, of every kind, over departments.
    departments = [o for o in orgs if o.kind == OrgKind.PARTY_GROUP] or orgs[:10]
    inspections, scopes = [], []
    for month in range(12):
        for committee in committees:
            for _ in range(rng.randint(1, 3)):
                begin = start + timedelta(days=month * 30 + rng.randint(0, 20))
                kind = KINDS[(len(inspections)) % len(KINDS)]
                mine = [d for d in departments if d.path.startswith(committee.path)] or departments
                chosen = rng.sample(mine, min(len(mine), rng.randint(1, 3)))
                inspections.append(Inspection(
                    kind=kind, title=f"{begin:%Y年%m月}{Inspection.Kind(kind).label}（第{len(inspections) + 1}组）",
                    organizer=committee, topics="三会一课落实、作风建设、为官不为问题",
                    starts_on=begin, ends_on=begin + timedelta(days=rng.randint(1, 10)),
                    leader_id=admin_by_committee.get(committee.pk) or getattr(fallback, "pk", None),
                    created_by_id=admin_by_committee.get(committee.pk) or getattr(fallback, "pk", None),
                ))  # fmt: skip
                scopes.append(chosen)
    Inspection.objects.bulk_create(inspections, batch_size=BATCH)
    through = Inspection.organizations.through
    through.objects.bulk_create(
        [through(inspection_id=i.pk, organization_id=o.pk) for i, chosen in zip(inspections, scopes, strict=True)
         for o in chosen], batch_size=BATCH,
    )  # fmt: skip
    team = Inspection.team.through
    team.objects.bulk_create(
        [team(inspection_id=i.pk, user_id=i.leader_id) for i in inspections if i.leader_id],
        batch_size=BATCH,
    )

    # Findings and their histories; most belong to an inspection covering their organization.
    covering_by_path = defaultdict(list)
    for inspection, chosen in zip(inspections, scopes, strict=True):
        for org in chosen:
            covering_by_path[org.path].append(inspection)
    count = len(orgs) * FINDINGS_PER_ORG
    findings, plans = [], []
    for _ in range(count):
        org = rng.choice(orgs)
        category = rng.choice(categories)
        found = start + timedelta(days=rng.randint(0, 364))
        deadline = found + timedelta(days=rng.choice((15, 30, 30, 60)))
        covering = [i for p in ancestor_paths([org.path]) for i in covering_by_path.get(p, ())]
        inspector_id = admin_by_committee.get(committee_of(org).pk) or getattr(fallback, "pk", None)
        texts = DESCRIPTIONS.get(category.group, DESCRIPTIONS["other"])
        found_at = _at(found, rng)
        findings.append(Finding(
            inspection=rng.choice(covering) if covering and rng.random() < 0.7 else None,
            organization=org, category=category, severity=rng.choice(Finding.Severity.values),
            description=f"{rng.choice(texts)}（{category.name}）", found_at=found_at,
            found_month=month_of(found_at), deadline=deadline, inspector_id=inspector_id,
        ))  # fmt: skip
        plans.append(_outcome(rng, found, deadline, as_of))
    for finding, steps in zip(findings, plans, strict=True):
        state = S.OPEN
        for step in steps:
            state = NEXT_STATE[step]
        finding.state = state
        if K.PLAN in steps:
            finding.plan = rng.choice(PLANS)
        if state == S.REOPENED:
            finding.reopen_count = 1
            finding.deadline = as_of + timedelta(days=rng.randint(5, 40))
        if state in (S.SIGNED_OFF, S.CLOSED):
            finding.closed_at = finding.found_at + timedelta(days=rng.randint(5, 50))
            finding.close_reason = "机构改革，该组织已撤并" if state == S.CLOSED else ""
        if state in (S.OPEN, S.PLAN_SUBMITTED, S.IN_PROGRESS, S.RETURNED, S.REOPENED):
            chain = escalation_chain(finding.organization.path, by_path)
            level = due_level(finding.deadline, as_of, len(chain))
            if level:
                finding.escalation_level, finding.escalated_to = level, chain[level - 1]
                finding.escalated_at = timezone.make_aware(
                    datetime.combine(finding.deadline + timedelta(days=1), time(1))
                )
    Finding.objects.bulk_create(findings, batch_size=BATCH)

    events = []
    for finding, steps in zip(findings, plans, strict=True):
        when = finding.found_at
        inspector = names.get(finding.inspector_id, "机关工委")
        rectifier = secretaries.get(finding.organization_id, "支部书记")
        events.append(FindingEvent(finding=finding, kind=K.RECORDED, to_state=S.OPEN, happened_at=when,
                                   text=f"整改期限 {finding.deadline:%Y-%m-%d}", actor_id=finding.inspector_id,
                                   actor_name=inspector))  # fmt: skip
        state = S.OPEN
        span = max((min(as_of, finding.deadline) - when.date()).days, len(steps) + 1)
        for index, step in enumerate(steps, start=1):
            when = finding.found_at + timedelta(days=span * index / (len(steps) + 1), hours=index)
            new = NEXT_STATE[step]
            by_inspector = step in (K.SIGNED_OFF, K.RETURNED, K.REOPENED, K.CLOSED)
            text = {K.PLAN: finding.plan, K.PROGRESS: rng.choice(PROGRESS), K.SUBMITTED: "整改已完成，提请验收",
                    K.RETURNED: rng.choice(RETURNS), K.SIGNED_OFF: "整改到位，予以销号",
                    K.CLOSED: finding.close_reason, K.REOPENED: "回头看发现问题反弹"}[step]  # fmt: skip
            events.append(FindingEvent(
                finding=finding, kind=step, from_state=state, to_state=new, text=text, happened_at=when,
                actor_id=finding.inspector_id if by_inspector else None,
                actor_name=inspector if by_inspector else rectifier,
            ))  # fmt: skip
            state = new
        if finding.escalation_level:
            events.append(FindingEvent(
                finding=finding, kind=K.ESCALATED, from_state=state, to_state=state,
                happened_at=finding.escalated_at, actor_name="系统",
                text=f"逾期未整改，升级至{finding.escalated_to.name}督办（第{finding.escalation_level}级）",
            ))  # fmt: skip
    FindingEvent.objects.bulk_create(events, batch_size=BATCH)

    # Accountability follows some escalated or reopened findings; exemptions some others.
    serious = [f for f in findings if f.escalation_level >= 2 or f.state == S.REOPENED]
    cases, links = [], []
    for finding in serious[: max(3, len(serious) // 5)]:
        decided = min(as_of, finding.deadline + timedelta(days=rng.randint(10, 40)))
        cases.append(AccountabilityCase(
            organization=finding.organization, person_name=secretaries.get(finding.organization_id, ""),
            kind=rng.choice(AccountabilityCase.Kind.values), decided_on=decided,
            decision="对整改不力问题予以问责", authority=committee_of(finding.organization).name,
            created_by_id=finding.inspector_id,
        ))  # fmt: skip
        links.append(finding)
    AccountabilityCase.objects.bulk_create(cases, batch_size=BATCH)
    case_through = AccountabilityCase.findings.through
    case_through.objects.bulk_create(
        [
            case_through(accountabilitycase_id=c.pk, finding_id=f.pk)
            for c, f in zip(cases, links, strict=True)
        ]
    )
    linked = {f.pk for f in links}
    others = [
        f for f in findings if f.state in (S.IN_PROGRESS, S.SIGNED_OFF) and f.pk not in linked
    ]
    Status = FaultToleranceExemption.Status
    exemptions = [
        FaultToleranceExemption(
            finding=f, person_name=secretaries.get(f.organization_id, ""),
            grounds="因落实上级改革试点任务出现偏差，未谋取私利，已及时纠正", status=status,
            decided_at=None if status == Status.REQUESTED else f.found_at + timedelta(days=20),
            decision_note="" if status != Status.REJECTED else "不属于容错情形",
            decided_by_id=None if status == Status.REQUESTED else f.inspector_id,
        )
        for f, status in zip(rng.sample(others, min(len(others), 9)), [*Status.values] * 3, strict=False)
    ]  # fmt: skip
    FaultToleranceExemption.objects.bulk_create(exemptions)

    notices = []
    for committee in committees:
        for quarter in range(1, 4):
            notices.append(ExposureNotice(
                title=f"关于第{quarter}批作风建设典型问题的通报", issuer=committee,
                body="现将近期督查发现的典型问题通报如下，各单位要引以为戒、举一反三。",
                published_at=timezone.make_aware(datetime.combine(start + timedelta(days=quarter * 110), time(9))),
                created_by_id=admin_by_committee.get(committee.pk),
            ))  # fmt: skip
    ExposureNotice.objects.bulk_create(notices)
    audience = ExposureNotice.audience.through
    audience.objects.bulk_create(
        [audience(exposurenotice_id=n.pk, organization_id=n.issuer_id) for n in notices]
    )
    notice_cases = ExposureNotice.cases.through
    notice_cases.objects.bulk_create(
        [notice_cases(exposurenotice_id=n.pk, accountabilitycase_id=c.pk)
         for n in notices for c in cases[:3] if c.organization.path.startswith(n.issuer.path)]
    )  # fmt: skip
    audit.record(
        audit.Action.IMPORT,
        object_type="demo.supervision",
        object_repr="演示督查数据",
        detail=f"生成演示督查数据：检查 {len(inspections)} 次，问题 {len(findings)} 个，"
        f"问责 {len(cases)} 件，通报 {len(notices)} 期",
    )
    return {
        "inspections": len(inspections),
        "findings": len(findings),
        "accountability_cases": len(cases),
        "exposure_notices": len(notices),
    }
