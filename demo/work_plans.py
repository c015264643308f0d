"""Demo 规划计划: each 机关工委's plan for last year (mostly done) and this year (under way, some
overdue), plus a few departments' own plans for both years (this year's copied from last year's).

Progress is consistent with the services: a 100% report carries evidence and is either awaiting
confirmation, confirmed or returned with a reason; overdue is not stored (it follows from the
deadlines and as_of). Written with bulk_create in a handful of queries, whatever the scale.
"""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from core import audit
from orgs.models import Organization, OrgKind
from work_plans.models import PlanTask, ProgressReport, TaskAssignment, WorkPlan
from work_plans.selectors import writers_of

BATCH = 1000
Review = TaskAssignment.Review
BRANCHES = (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH, OrgKind.JOINT_BRANCH)
GROUPS = (OrgKind.PARTY_GROUP,)
COMMITTEES = (OrgKind.PARTY_COMMITTEE,)


@dataclass(frozen=True)
class TaskSpec:
    title: str
    category: str
    month: int
    day: int
    kinds: tuple
    outcome: str


COMMITTEE_TASKS = (
    TaskSpec(
        "制定本单位年度机关党建工作要点",
        "political",
        2,
        28,
        GROUPS,
        "党建工作要点印发并报机关工委备案",
    ),
    TaskSpec(
        "党组（党委）专题研究机关党建工作",
        "political",
        6,
        30,
        GROUPS,
        "上半年至少专题研究1次，形成会议纪要",
    ),
    TaskSpec(
        "召开组织生活会，开展民主评议党员",
        "organizational",
        3,
        31,
        BRANCHES,
        "会议记录、评议结果报上级党组织",
    ),
    TaskSpec("开展书记抓党建述职评议", "organizational", 1, 31, COMMITTEES, "述职报告及评议意见"),
    TaskSpec(
        "推进党支部规范化建设自查",
        "organizational",
        6,
        30,
        BRANCHES,
        "对照标准形成自查报告和整改清单",
    ),
    TaskSpec("开展“周一夜学”理论学习", "ideological", 11, 30, BRANCHES, "全年集中学习不少于10次"),
    TaskSpec("落实党风廉政建设责任制", "discipline", 7, 31, GROUPS, "半年落实情况报告"),
    TaskSpec(
        "召开机关党员干部大会",
        "organizational",
        9,
        30,
        COMMITTEES,
        "会议通知、签到表及主要领导报告",
    ),
    TaskSpec(
        "开展“双岗服务”志愿活动", "service", 10, 31, BRANCHES, "每名党员全年志愿服务不少于2次"
    ),
    TaskSpec("报送年度机关党建工作总结", "institutional", 12, 15, GROUPS, "书面总结报机关工委"),
)
DEPARTMENT_TASKS = (
    TaskSpec(
        "开展主题党日“亮身份、作表率”活动", "conduct", 5, 31, BRANCHES, "活动方案、照片及小结"
    ),
    TaskSpec("与结对社区开展共建活动", "service", 8, 31, BRANCHES, "共建协议及活动记录"),
    TaskSpec("支部书记讲党课", "ideological", 10, 31, BRANCHES, "讲稿及参学名单"),
    TaskSpec("整理归档支部工作台账", "institutional", 12, 10, BRANCHES, "台账目录及归档清单"),
)
NOTES = (
    "已部署落实，正在按计划推进。",
    "已完成阶段性工作，相关材料正在整理。",
    "结合本单位中心工作推进，进度正常。",
    "已召开专题会议研究部署。",
)
EVIDENCE = (
    "会议纪要、签到表已归档",
    "活动照片及工作小结",
    "相关文件及工作台账",
    "讲稿、课件及参学人员名单",
)
RETURN_REASONS = (
    "佐证材料不完整，请补充会议记录",
    "请补充活动照片和签到表",
    "完成情况与预期成果不符，请完善后重新报告",
)


def _at(day: date, rng: random.Random) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(rng.randint(8, 18), rng.randint(0, 59))))


def _deadline(spec: TaskSpec, year: int) -> date:
    return date(year, spec.month, spec.day)


class Writer:
    def __init__(self, seed: int, as_of: date):
        self.rng = random.Random(f"work_plans-{seed}-{as_of.isoformat()}")
        self.as_of = as_of
        self.plans: list[WorkPlan] = []
        self.tasks: list[tuple[PlanTask, TaskSpec]] = []
        self.owner_ids: dict[int, list[int]] = {}  # id(task) -> owner ids

    def run(self) -> dict[str, int]:
        orgs = list(
            Organization.objects.active()
            .order_by("path")
            .only("pk", "path", "kind", "parent_id", "name", "short_name")
        )
        committees = [o for o in orgs if o.kind == OrgKind.ORGANS_WORK_COMMITTEE]
        # Demo accounts get their roles on the day the city is built: attribute rows to them.
        self.writers = writers_of([o.pk for o in orgs], max(self.as_of, timezone.localdate()))
        this = self.as_of.year
        for committee in committees:
            nested = [
                c.path
                for c in committees
                if c is not committee and c.path.startswith(committee.path)
            ]
            under = [
                o
                for o in orgs
                if o.path.startswith(committee.path)
                and o is not committee
                and not any(o.path.startswith(p) for p in nested)
            ]
            for year in (this - 1, this):
                self._plan(
                    committee,
                    year,
                    f"{committee.short_name or committee.name}{year}年机关党建工作计划",
                    COMMITTEE_TASKS,
                    under,
                )
            departments = [o for o in under if o.kind == OrgKind.PARTY_GROUP]
            chosen = [d for d in departments if self.rng.random() < 0.2] or departments[:2]
            for dept in chosen:
                below = [o for o in under if o.path.startswith(dept.path) and o is not dept]
                if not any(o.kind in BRANCHES for o in below):
                    continue
                for year in (this - 1, this):
                    name = dept.short_name or dept.name.removeprefix("中共").removesuffix("党组")
                    self._plan(dept, year, f"{name}{year}年党建工作计划", DEPARTMENT_TASKS, below)
        WorkPlan.objects.bulk_create(self.plans, batch_size=BATCH)
        by_org_year = {(p.organization_id, p.year): p for p in self.plans}
        for plan in self.plans:
            previous = by_org_year.get((plan.organization_id, plan.year - 1))
            if previous is not None:
                plan.copied_from = previous
        WorkPlan.objects.bulk_update([p for p in self.plans if p.copied_from_id], ["copied_from"])
        # Tasks, assignments and reports were built before their parents had primary keys:
        # bulk_create takes the keys from the related objects now saved.
        PlanTask.objects.bulk_create([t for t, _s in self.tasks], batch_size=BATCH)
        assignments, reports = self._assignments()
        TaskAssignment.objects.bulk_create(assignments, batch_size=BATCH)
        ProgressReport.objects.bulk_create(reports, batch_size=BATCH)
        return {
            "work_plans": len(self.plans),
            "work_plan_tasks": len(self.tasks),
            "work_plan_assignments": len(assignments),
            "work_plan_reports": len(reports),
        }

    def _plan(self, org, year: int, title: str, specs, under) -> None:
        rng = self.rng
        published_on = date(year, 1, rng.randint(8, 20))
        published = published_on <= self.as_of
        writer = (self.writers.get(org.pk) or [None])[0]
        plan = WorkPlan(
            organization=org,
            year=year,
            title=title,
            description="深入贯彻落实党和国家机关基层组织工作条例，以高质量党建引领机关建设。",
            status=WorkPlan.Status.PUBLISHED if published else WorkPlan.Status.DRAFT,
            published_at=_at(published_on, rng) if published else None,
            published_by_id=writer if published else None,
            created_by_id=writer,
        )
        self.plans.append(plan)
        for order, spec in enumerate(specs, start=1):
            task = PlanTask(
                plan=plan,
                order=order,
                title=spec.title,
                category=spec.category,
                deadline=_deadline(spec, year),
                expected_outcome=spec.outcome,
                description=f"{spec.title}，按时限完成并报告进展，上传佐证材料。",
            )
            self.tasks.append((task, spec))
            self.owner_ids[id(task)] = [o.pk for o in under if o.kind in spec.kinds]

    def _assignments(self):
        diligence: dict[int, float] = defaultdict(lambda: self.rng.uniform(0.55, 1.0))
        assignments, reports = [], []
        for task, _spec in self.tasks:
            if not task.plan.status == WorkPlan.Status.PUBLISHED:
                assignments += [
                    TaskAssignment(task=task, owner_id=o) for o in self.owner_ids[id(task)]
                ]
                continue
            for owner_id in self.owner_ids[id(task)]:
                a = TaskAssignment(task=task, owner_id=owner_id)
                reports += self._progress(a, task, diligence[owner_id])
                assignments.append(a)
        return assignments, reports

    def _report(self, a, percent: int, day: date) -> ProgressReport:
        rng = self.rng
        report = ProgressReport(
            assignment=a,
            percent=percent,
            note=rng.choice(NOTES) if percent < 100 else "已按要求完成。",
            evidence_text=rng.choice(EVIDENCE) if percent == 100 or rng.random() < 0.3 else "",
            reported_by_id=(self.writers.get(a.owner_id) or [None])[0],
            reported_at=_at(day, rng),
        )
        a.percent, a.last_reported_at = percent, report.reported_at
        return report

    def _progress(self, a, task, diligence: float) -> list[ProgressReport]:
        """Reports up to as_of: finished ones around the deadline, the rest part-way or untouched."""
        rng, as_of = self.rng, self.as_of
        start = task.plan.published_at.date() + timedelta(days=3)
        if as_of <= start:
            return []
        deadline = task.deadline
        span = max(1, (deadline - start).days)
        elapsed = min(1.0, (as_of - start).days / span)
        out = []
        if deadline < as_of:
            finish = rng.random() < diligence
        else:
            finish = rng.random() < diligence * elapsed * 0.5
        if finish:
            day = (
                deadline
                - timedelta(days=rng.randint(0, min(20, span)))
                + timedelta(days=rng.choice((0, 0, 0, 5)))
            )
            day = max(start, min(day, as_of))
            if rng.random() < 0.5 and (day - start).days > 10:
                out.append(
                    self._report(
                        a,
                        rng.choice((30, 50, 60)),
                        start + timedelta(days=rng.randint(1, (day - start).days - 1)),
                    )
                )
            out.append(self._report(a, 100, day))
            a.review_status, a.submitted_at = Review.SUBMITTED, out[-1].reported_at
            review_day = day + timedelta(days=rng.randint(1, 12))
            if review_day < as_of:
                reviewer = (self.writers.get(task.plan.organization_id) or [None])[0]
                a.reviewed_at, a.reviewed_by_id = _at(review_day, rng), reviewer
                if rng.random() < 0.07:
                    a.review_status, a.return_reason = Review.RETURNED, rng.choice(RETURN_REASONS)
                else:
                    a.review_status = Review.CONFIRMED
            return out
        if rng.random() < 0.75 * diligence + 0.1:
            cap = as_of if deadline >= as_of else min(as_of, deadline + timedelta(days=30))
            day = start + timedelta(days=rng.randint(0, max(0, (cap - start).days)))
            out.append(self._report(a, rng.choice((10, 20, 30, 50, 60, 80)), day))
        return out


def write(seed: int, as_of: date) -> dict[str, int]:
    """Plans, tasks, assignments and progress for the demo city; counts for the summary line."""
    counts = Writer(seed, as_of).run()
    audit.record(
        audit.Action.IMPORT,
        object_type="demo.work_plans",
        object_repr="演示数据：规划计划",
        detail=f"生成{as_of.year - 1}、{as_of.year}年度工作计划{counts['work_plans']}份、"
        f"任务{counts['work_plan_tasks']}项、分工{counts['work_plan_assignments']}项、"
        f"进展报告{counts['work_plan_reports']}条，随机种子 {seed}",
    )
    return counts
