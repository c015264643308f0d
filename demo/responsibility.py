"""Demo 三级书记 responsibility lists: last year's finished and confirmed, this year's in progress.

For every 机关工委 of the demo city: last year's three templates (the defaults) and this year's copies,
issued to every organization of each level with its secretary of the time. Last year's items are
mostly confirmed (each secretary with their own diligence, so completion varies); this year's are
reported on in proportion to the part of the year gone by, some submitted, confirmed or returned.
Written with bulk_create in a handful of queries, whatever the scale.
"""

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from accounts.models import RoleAssignment, User
from core import audit
from core.roles import CAPABILITIES, WRITE
from orgs.models import Organization, OrgKind, Position, PositionKind
from responsibility.defaults import default_items
from responsibility.models import (
    KINDS_BY_LEVEL,
    Level,
    ListItem,
    ListTemplate,
    ResponsibilityList,
    TemplateItem,
)
from responsibility.services import TEMPLATE_ITEM_FIELDS

BATCH = 1000
Status = ListItem.Status
WRITE_ROLES = [role for role, capabilities in CAPABILITIES.items() if WRITE in capabilities]
NOTES = (
    "已按计划推进，相关会议和活动均有记录。",
    "结合本单位中心工作落实，阶段性任务已完成。",
    "已部署落实，正在整理过程材料。",
    "按季度推进，下一步将对照目标查漏补缺。",
    "已完成年度任务，材料已归档备查。",
)
EVIDENCE = (
    "会议纪要及签到表已归档",
    "活动照片、记录本扫描件",
    "相关文件及工作台账",
    "讲稿、课件及参学人员名单",
)
RETURN_REASONS = (
    "佐证材料不完整，请补充会议记录",
    "请补充活动照片和签到表",
    "进展情况与目标不符，请核实后重新提交",
)


def _at(day: date, rng: random.Random) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(rng.randint(8, 18), rng.randint(0, 59))))


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


class Writer:
    def __init__(self, seed: int, as_of: date):
        self.rng = random.Random(f"responsibility-{seed}-{as_of.isoformat()}")
        self.as_of = as_of
        self.years = (as_of.year - 1, as_of.year)
        self.accounts = dict(
            User.objects.filter(member__isnull=False).values_list("member_id", "pk")
        )
        self.writers: dict[int, list[int]] = defaultdict(list)
        rows = RoleAssignment.objects.active(as_of).filter(role__in=WRITE_ROLES)
        for org_id, user_id in rows.order_by("user_id").values_list("organization_id", "user_id"):
            self.writers[org_id].append(user_id)

    def _secretaries(self, on: date) -> dict[int, int]:
        rows = (
            Position.objects.current(on)
            .filter(kind=PositionKind.SECRETARY)
            .order_by("organization_id", "started_on", "pk")
            .values_list("organization_id", "member_id")
        )
        return dict(rows)

    def _templates(self, committee) -> dict[tuple[int, str], ListTemplate]:
        last, this = self.years
        made = {}
        for year in self.years:
            for level in Level.values:
                made[year, level] = ListTemplate(
                    work_committee=committee,
                    year=year,
                    level=level,
                    name=f"{year}年度{Level(level).label}抓机关党建责任清单",
                    is_default=True,
                    issued_at=_at(min(date(year, 1, 15), self.as_of), self.rng),
                )
        ListTemplate.objects.bulk_create(made.values())
        for level in Level.values:
            made[this, level].copied_from = made[last, level]
        ListTemplate.objects.bulk_update([made[this, lv] for lv in Level.values], ["copied_from"])
        items = [
            TemplateItem(template=template, order=n, **vars(item))
            for (year, level), template in made.items()
            for n, item in enumerate(default_items(level, date(year, 1, 1)), start=1)
        ]
        TemplateItem.objects.bulk_create(items, batch_size=BATCH)
        return made

    def run(self) -> dict[str, int]:
        committees = list(
            Organization.objects.active()
            .filter(kind=OrgKind.ORGANS_WORK_COMMITTEE)
            .order_by("path")
        )
        orgs = list(
            Organization.objects.active()
            .filter(kind__in=[k for kinds in KINDS_BY_LEVEL.values() for k in kinds])
            .order_by("path")
            .only("pk", "path", "kind", "parent_id")
        )
        level_of = {k: level for level, kinds in KINDS_BY_LEVEL.items() for k in kinds}
        secretaries = {
            year: self._secretaries(min(date(year, 12, 31), self.as_of)) for year in self.years
        }
        lists, template_items, seen = [], {}, set()
        for committee in committees:
            templates = self._templates(committee)
            for template in templates.values():
                template_items[template.pk] = list(template.items.all())
            for org in orgs:
                if org.pk in seen or not org.path.startswith(committee.path):
                    continue
                seen.add(org.pk)
                for year in self.years:
                    template = templates[year, level_of[org.kind]]
                    lists.append(
                        ResponsibilityList(
                            template=template,
                            organization_id=org.pk,
                            year=year,
                            level=template.level,
                            secretary_id=secretaries[year].get(org.pk),
                            issued_at=template.issued_at,
                        )
                    )
                    lists[-1].parent_id = org.parent_id
        ResponsibilityList.objects.bulk_create(lists, batch_size=BATCH)
        items = []
        for lst in lists:
            diligence = self.rng.uniform(0.45, 1.0)
            for source in template_items[lst.template_id]:
                item = ListItem(list=lst, **{f: getattr(source, f) for f in TEMPLATE_ITEM_FIELDS})
                if lst.year < self.as_of.year:
                    self._last_year(item, lst, diligence)
                else:
                    self._this_year(item, lst, diligence)
                items.append(item)
        ListItem.objects.bulk_create(items, batch_size=BATCH)
        return {"responsibility_lists": len(lists), "responsibility_items": len(items)}

    def _report(self, item, lst, percent: int, day: date) -> None:
        item.percent = percent
        item.progress_note = self.rng.choice(NOTES) if percent else ""
        item.evidence_text = self.rng.choice(EVIDENCE) if percent >= 60 else ""
        item.progress_at = _at(day, self.rng)
        item.progress_by_id = self.accounts.get(lst.secretary_id)

    def _review(self, item, lst, status: str, day: date) -> None:
        reviewers = self.writers.get(lst.parent_id) or [None]
        item.status = status
        item.reviewed_at = _at(day, self.rng)
        item.reviewed_by_id = reviewers[0]
        if status == Status.RETURNED:
            item.return_reason = self.rng.choice(RETURN_REASONS)

    def _last_year(self, item, lst, diligence: float) -> None:
        """Last year is over: most items confirmed, the rest left unfinished or sent back."""
        year = lst.year
        rng = self.rng
        if rng.random() < diligence:
            done = _day(rng, date(year, 3, 1), date(year, 12, 10))
            self._report(item, lst, 100, done)
            item.submitted_at = _at(done, rng)
            self._review(item, lst, Status.CONFIRMED, done + timedelta(days=rng.randint(1, 14)))
        elif rng.random() < 0.3:
            done = _day(rng, date(year, 6, 1), date(year, 12, 10))
            self._report(item, lst, 100, done)
            item.submitted_at = _at(done, rng)
            self._review(item, lst, Status.RETURNED, done + timedelta(days=rng.randint(1, 10)))
        else:
            self._report(
                item,
                lst,
                rng.choice((30, 50, 60, 80)),
                _day(rng, date(year, 4, 1), date(year, 11, 30)),
            )

    def _this_year(self, item, lst, diligence: float) -> None:
        """This year so far: reported in proportion to the time gone by; some already reviewed."""
        rng, as_of = self.rng, self.as_of
        start = date(as_of.year, 1, 20)
        if as_of <= start:
            return
        elapsed = (as_of - date(as_of.year, 1, 1)).days / 365
        if rng.random() > diligence * (0.4 + elapsed):
            return  # not touched yet
        reported = _day(rng, start, as_of)
        if rng.random() < elapsed * diligence:
            self._report(item, lst, 100, reported)
            item.submitted_at = _at(reported, rng)
            review_day = reported + timedelta(days=rng.randint(2, 20))
            if review_day >= as_of:
                item.status = Status.SUBMITTED
            else:
                outcome = Status.RETURNED if rng.random() < 0.1 else Status.CONFIRMED
                self._review(item, lst, outcome, review_day)
        else:
            self._report(item, lst, rng.choice((10, 20, 30, 50, 60, 80)), reported)


def write(seed: int, as_of: date) -> dict[str, int]:
    """Templates, lists and items for the demo city in the database; counts for the summary line."""
    counts = Writer(seed, as_of).run()
    audit.record(
        audit.Action.IMPORT,
        object_type="demo.responsibility",
        object_repr="演示数据：书记责任清单",
        detail=f"生成{as_of.year - 1}、{as_of.year}年度书记责任清单{counts['responsibility_lists']}份、"
        f"事项{counts['responsibility_items']}项，随机种子 {seed}",
    )
    return counts
