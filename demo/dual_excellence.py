"""双优 demo data: last year's round awarded (with its 公示 and one upheld objection), this year's open.

Reads the organizations, members and demo accounts already written and bulk-creates the rest, one
random.Random seeded with (seed, as_of); a handful of queries whatever the scale.
"""

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from accounts.models import RoleAssignment, User
from core import audit
from core.roles import Role
from dual_excellence.models import AREA_KINDS, Category, Nomination, Round
from dual_excellence.services import DEFAULT_CATEGORIES, DEFAULT_NOTICE_DAYS
from members.models import Member
from orgs.models import BRANCH_KINDS, Organization, OrgKind
from publicity.models import NoticeItem, Objection, PublicNotice

ORG_DEEDS = (
    "严格落实“三会一课”制度，主题党日按月开展，组织生活规范有序",
    "党建与业务深度融合，牵头完成年度重点任务，群众满意度位居前列",
    "创建党员先锋岗，结对帮扶社区，志愿服务常态化",
    "支部规范化建设达标，党员教育管理扎实，获评上级先进",
)
MEMBER_DEEDS = (
    "扎根岗位、勇挑重担，牵头完成重点项目，业绩突出",
    "带头参加“两地报到、双岗服务”，全年志愿服务超过40小时",
    "理论学习走在前列，在夜学讲坛作专题分享，群众公认度高",
    "在急难险重任务中冲锋在前，发挥了先锋模范作用",
)


def _at(day: date, hour: int = 10):
    return timezone.make_aware(datetime.combine(day, time(hour)))


class Builder:
    def __init__(self, seed: int, as_of: date):
        self.rng = random.Random(f"dual_excellence:{seed}:{as_of}")
        self.as_of = as_of
        orgs = list(Organization.objects.active().order_by("path"))
        self.committees = [o for o in orgs if o.kind == OrgKind.ORGANS_WORK_COMMITTEE]
        self.areas = defaultdict(list)  # work committee id -> areas
        for org in orgs:
            if org.kind in AREA_KINDS and org.parent_id in {c.pk for c in self.committees}:
                self.areas[org.parent_id].append(org)
        self.branches = defaultdict(list)  # area id -> branches under it
        by_path = {a.path: a for areas in self.areas.values() for a in areas}
        for org in orgs:
            if org.kind in BRANCH_KINDS:
                area = next((by_path[p] for p in org.ancestor_paths() if p in by_path), None)
                if area is not None:
                    self.branches[area.pk].append(org)
        self.admins = {
            a.organization_id: a.user
            for a in RoleAssignment.objects.active()  # accounts start today, whatever as_of
            .filter(role=Role.CITY_ADMIN, organization__in=self.committees)
            .select_related("user")
        }
        self.member_user = User.objects.filter(
            member__isnull=False, role_assignments__isnull=True
        ).first()

    def members_of(self, branch_ids) -> dict[int, list[Member]]:
        out = defaultdict(list)
        rows = Member.objects.filter(
            branch_id__in=branch_ids,
            status=Member.Status.ACTIVE,
            category=Member.Category.EMPLOYED,
        ).only("pk", "name", "branch_id")
        for member in rows.order_by("pk"):
            out[member.branch_id].append(member)
        return out

    def run(self) -> dict[str, int]:
        counts = defaultdict(int)
        for wc in self.committees:
            if not self.areas[wc.pk]:
                continue
            last = self._round(wc, self.as_of.year - 1, Round.Status.AWARDED)
            self._nominations(last, counts, share=1.0)
            self._notice(last, counts)
            current = self._round(wc, self.as_of.year, Round.Status.NOMINATING)
            self._nominations(current, counts, share=0.4)
            counts["rounds"] += 2
        return dict(counts)

    def _round(self, wc, year: int, status: str) -> Round:
        awarded = status == Round.Status.AWARDED
        deadline = date(year, 11, 30) if awarded else self.as_of + timedelta(days=20)
        round_ = Round.objects.create(
            organization=wc,
            year=year,
            name=f"{year}年度“双优”评选",
            status=status,
            nomination_deadline=deadline,
            notice_days=DEFAULT_NOTICE_DAYS,
            description="按照“五星示范、双优引领”工作要求，评选党建工作优、服务发展优的党组织和党员。",
            awarded_on=date(year, 12, 20) if awarded else None,
            created_by=self.admins.get(wc.pk),
        )
        Category.objects.bulk_create(
            Category(
                round=round_,
                order=order,
                name=name,
                description=description,
                weight=weight,
                is_default=True,
            )
            for order, (name, description, weight) in enumerate(DEFAULT_CATEGORIES, start=1)
        )
        return round_

    def _nominations(self, round_: Round, counts, share: float) -> None:
        """Per area and category: one organization and up to two members (the default quota)."""
        rng = self.rng
        areas = [a for a in self.areas[round_.organization_id] if self.branches[a.pk]]
        chosen = [a for a in areas if rng.random() < share] or areas[:1]
        members = self.members_of([b.pk for a in chosen for b in self.branches[a.pk]])
        awarded = round_.status == Round.Status.AWARDED
        rows = []
        for category in round_.categories.all():
            for area in chosen:
                branches = self.branches[area.pk]
                org = rng.choice(branches)
                rows.append(self._row(round_, category, area, org, None, rng.choice(ORG_DEEDS)))
                people = [m for b in branches for m in members[b.pk]]
                for member in rng.sample(people, min(len(people), rng.randint(1, 2))):
                    branch = next(b for b in branches if b.pk == member.branch_id)
                    deed = rng.choice(MEMBER_DEEDS)
                    rows.append(self._row(round_, category, area, branch, member, deed))
        if awarded:
            for row in rows:
                row.status = Nomination.Status.AWARDED
                row.review_note = "符合条件，同意推荐。"
                row.reviewed_by = self.admins.get(round_.organization_id)
                row.reviewed_at = _at(round_.nomination_deadline + timedelta(days=5))
            for row in rng.sample(rows, max(1, len(rows) // 12)):
                row.status = Nomination.Status.REJECTED
                row.review_note = "推荐材料中事迹不够具体，未通过审核。"
        Nomination.objects.bulk_create(rows, batch_size=1000)
        when = round_.nomination_deadline - timedelta(days=10) if awarded else self.as_of
        Nomination.objects.filter(round=round_).update(nominated_at=_at(when, 9))
        counts["nominations"] += len(rows)

    def _row(self, round_, category, area, org, member, deed) -> Nomination:
        subject = member.name if member else org.name
        return Nomination(
            round=round_,
            category=category,
            area=area,
            organization=org,
            nominee_org=None if member else org,
            nominee_member=member,
            reason=f"{subject}{deed}。",
            evidence="事迹材料、获奖证书复印件",
        )

    def _notice(self, round_: Round, counts) -> None:
        """Last year's 公示 of the accepted nominations; one objection upheld, so not honoured."""
        listed = list(
            round_.nominations.exclude(status=Nomination.Status.REJECTED).select_related(
                "category", "nominee_org", "nominee_member", "organization"
            )
        )
        if not listed:
            return
        starts = round_.nomination_deadline + timedelta(days=8)
        admin = self.admins.get(round_.organization_id)
        notice = PublicNotice.objects.create(
            title=f"{round_.name}拟表彰对象公示",
            body=f"经推荐、审核，拟表彰以下{len(listed)}个对象。",
            organization=round_.organization,
            starts_on=starts,
            ends_on=starts + timedelta(days=round_.notice_days - 1),
            created_by=admin,
        )

        def label(n):
            if n.nominee_member_id:
                return f"{n.category.name}：{n.nominee_member.name}（{n.organization.name}）"
            return f"{n.category.name}：{n.nominee_org.name}"

        items = NoticeItem.objects.bulk_create(
            NoticeItem(
                notice=notice,
                subject_type=n._meta.label_lower,
                subject_id=n.pk,
                label=label(n)[:300],
                order=order,
            )
            for order, n in enumerate(listed, start=1)
        )
        counts["notices"] += 1
        if self.member_user is None or admin is None:
            return
        index = self.rng.randrange(len(listed))
        Objection.objects.create(
            item=items[index],
            lodged_by=self.member_user,
            content="反映该对象年度内组织生活参加不够经常，请核实。",
            status=Objection.Status.UPHELD,
            answer="经核实，反映情况基本属实，不予表彰。",
            answered_by=admin,
            answered_at=_at(notice.ends_on),
        )
        Nomination.objects.filter(pk=listed[index].pk).update(status=Nomination.Status.NOT_AWARDED)
        counts["objections"] += 1


def write(seed: int, as_of: date) -> dict[str, int]:
    """双优 rounds, nominations and last year's 公示 for the demo city in the database."""
    counts = Builder(seed, as_of).run()
    audit.record(
        audit.Action.IMPORT,
        object_type="demo.dual_excellence",
        object_repr="演示数据：双优引领",
        detail=f"生成双优评选 {counts.get('rounds', 0)} 个、推荐 {counts.get('nominations', 0)} 条，"
        f"随机种子 {seed}",
    )
    return {
        "dual_excellence_rounds": counts.get("rounds", 0),
        "dual_excellence_nominations": counts.get("nominations", 0),
    }
