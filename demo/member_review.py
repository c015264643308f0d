"""Demo 民主评议党员: last year's reviews closed in every branch, this year's under way in some.

Grades follow R-MEM-3 as the services enforce it (优秀 within the quota, about 10–25 %, a few
基本合格, rare 不合格 with 限期改正 or a probation decision). Mutual assessment is written as the
anonymous tallies and receipts the services keep. Everything in bulk: a few dozen queries for
the whole city.
"""

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings

from accounts.models import User
from core import audit
from member_review import rules
from member_review.models import (
    BallotReceipt,
    FollowUpNote,
    Grade,
    MemberReview,
    RecordChange,
    Rectification,
    ReviewEntry,
)
from members.models import Member
from orgs.models import BRANCH_KINDS, Organization

BATCH = 2000
G = Grade
S = MemberReview.Status
OPEN_SHARE = 0.3  # branches with this year's review already under way
EXTENSION_MONTHS = 6  # probation extended after a 不合格 rating (R-REC-4: 6–12 months)
# How peers vote for a member of a given final grade: shares of 优秀, 合格, 基本合格, 不合格.
VOTE_SHARES = {
    G.EXCELLENT: (0.55, 0.42, 0.03, 0.0),
    G.QUALIFIED: (0.10, 0.84, 0.06, 0.0),
    G.BASICALLY_QUALIFIED: (0.02, 0.55, 0.38, 0.05),
    G.UNQUALIFIED: (0.0, 0.25, 0.45, 0.30),
}
SELF_TEXTS = (
    "本年度认真学习党的创新理论，按时参加组织生活，按期足额交纳党费，立足岗位履职尽责。"
    "不足之处是理论联系实际不够紧密，今后将加强学习、改进作风。",
    "能够坚定理想信念，严守政治纪律和政治规矩，积极参加主题党日和志愿服务，"
    "业务工作完成较好。存在调查研究不够深入的问题，下一步将主动到基层一线了解情况。",
    "对照党员标准自查，政治立场坚定，工作认真负责，团结同志。"
    "但在创新工作方法、发挥先锋模范作用方面还有差距，将在今后工作中加以改进。",
)
NOTES = (
    "支部书记与其谈心谈话，指出存在的问题，明确改正要求。",
    "支委会听取本人思想汇报，改正态度较好，仍需持续跟踪。",
    "组织委员了解其近期工作和参加组织生活情况，有一定转变。",
)


def _tz():
    return ZoneInfo(settings.TIME_ZONE)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=_tz())


def _tally(rng: random.Random, grade: str, votes: int) -> list[int]:
    """Votes split by the grade's shares with a little noise, summing to `votes`."""
    weights = [max(0.0, s + rng.uniform(-0.04, 0.04)) if s else 0.0 for s in VOTE_SHARES[grade]]
    total = sum(weights) or 1.0
    counts = [int(votes * w / total) for w in weights]
    counts[1] += votes - sum(counts)  # the rounding remainder goes to 合格
    return counts


def _grades(rng: random.Random, members: list, on: date) -> list[str]:
    """Final grades of a branch: 优秀 within the quota, a few 基本合格, rare 不合格."""
    n = len(members)
    limit = rules.excellent_limit(n, on)
    excellent = min(limit, round(n * rng.uniform(0.10, 0.25)))
    grades = [G.QUALIFIED] * n
    order = list(range(n))
    rng.shuffle(order)
    for index in order[:excellent]:
        grades[index] = G.EXCELLENT
    for index in order[excellent:]:
        roll = rng.random()
        if roll < 0.004:
            grades[index] = G.UNQUALIFIED
        elif roll < 0.035:
            grades[index] = G.BASICALLY_QUALIFIED
    return grades


class Builder:
    def __init__(self, seed: int, as_of: date):
        self.rng = random.Random(seed * 7919 + 61)
        self.as_of = as_of
        self.reviews: list[MemberReview] = []
        self.entries: dict[int, list[ReviewEntry]] = {}  # index of review -> entries
        self.receipts: dict[int, list[int]] = {}  # index of review -> rater member ids
        self.yet_to_vote: set[int] = set()  # the demo member keeps a ballot to cast
        self.joined: dict[int, date] = {}  # member id -> joined_on, for probation ends

    def branches(self):
        branches = list(
            Organization.objects.active().filter(kind__in=BRANCH_KINDS).order_by("path")
        )
        members = defaultdict(list)
        rows = (
            Member.objects.in_good_standing()
            .filter(branch__kind__in=BRANCH_KINDS)
            .order_by("branch_id", "pk")
            .values_list("pk", "branch_id", "membership_kind", "joined_on", "confirmed_on")
        )
        for row in rows:
            members[row[1]].append(row)
        return [(b, members[b.pk]) for b in branches if members[b.pk]]

    def featured(self) -> dict[int, str]:
        """Branches of the demo accounts get this year's review at a stage worth showing."""
        users = {
            u.username: u
            for u in User.objects.filter(username__in=("dangyuan", "zbsj2")).select_related(
                "member"
            )
        }
        out = {}
        if "dangyuan" in users and users["dangyuan"].member:
            out[users["dangyuan"].member.branch_id] = S.MUTUAL_ASSESSMENT
            self.yet_to_vote.add(users["dangyuan"].member_id)
        zbsj2 = users.get("zbsj2")
        if zbsj2 is not None:
            for org_id in zbsj2.role_assignments.values_list("organization_id", flat=True):
                out.setdefault(org_id, S.COMMITTEE_PROPOSAL)
        return out

    def last_year(self, branch, members):
        rng, year = self.rng, self.as_of.year - 1
        opened = date(year, 11, rng.randint(1, 20))
        due = opened + timedelta(days=14)
        meeting = date(year, 12, rng.randint(5, 22))
        # Members admitted after the meeting were not yet reviewed.
        members = [m for m in members if m[3] <= meeting - timedelta(days=30)]
        if not members:
            return
        review = MemberReview(
            branch=branch,
            year=year,
            status=S.CLOSED,
            opened_on=opened,
            self_assessment_due=due,
            meeting_on=meeting,
            meeting_note="支部党员大会听取支委会意见，逐人审议，无记名表决确定评议等次。",
            closed_on=meeting + timedelta(days=rng.randint(1, 10)),
        )
        grades = _grades(rng, members, opened)
        raters = [m[0] for m in members if rng.random() < 0.93]
        entries = []
        for (pk, _, _, joined, confirmed), grade in zip(members, grades, strict=True):
            probationary = confirmed is None or confirmed > meeting
            votes = len(raters) - (pk in raters)
            tally = _tally(rng, grade, votes)
            proposed = grade if rng.random() < 0.97 or grade == G.EXCELLENT else G.QUALIFIED
            entry = ReviewEntry(
                member_id=pk,
                is_probationary=probationary,
                self_assessment=rng.choice(SELF_TEXTS),
                self_grade=G.QUALIFIED if rng.random() < 0.8 else "",
                self_assessed_at=_at(
                    opened + timedelta(days=rng.randint(1, 14)), rng.randint(9, 21)
                ),
                mutual_excellent=tally[0],
                mutual_qualified=tally[1],
                mutual_basically_qualified=tally[2],
                mutual_unqualified=tally[3],
                proposed_grade=proposed,
                final_grade=grade,
                probation_decision=(
                    ReviewEntry.ProbationDecision.EXTEND
                    if probationary and grade == G.UNQUALIFIED
                    else ""
                ),
                probation_extension_months=(
                    EXTENSION_MONTHS if probationary and grade == G.UNQUALIFIED else None
                ),
            )
            self.joined[pk] = joined
            entries.append(entry)
        self._add(review, entries, raters)

    def this_year(self, branch, members, stage=None):
        rng = self.rng
        start = max(date(self.as_of.year, 1, 1), self.as_of - timedelta(days=40))
        opened = start + timedelta(days=rng.randint(0, max(0, (self.as_of - start).days - 2)))
        stage = (
            stage
            or rng.choices(
                (S.SELF_ASSESSMENT, S.MUTUAL_ASSESSMENT, S.COMMITTEE_PROPOSAL), (5, 3, 2)
            )[0]
        )
        review = MemberReview(
            branch=branch,
            year=self.as_of.year,
            status=stage,
            opened_on=opened,
            self_assessment_due=max(opened + timedelta(days=14), self.as_of + timedelta(days=2))
            if stage == S.SELF_ASSESSMENT
            else opened + timedelta(days=7),
        )
        assessed_share = 0.55 if stage == S.SELF_ASSESSMENT else 0.97
        raters = []
        if stage != S.SELF_ASSESSMENT:
            share = 0.6 if stage == S.MUTUAL_ASSESSMENT else 0.92
            raters = [
                m[0] for m in members if rng.random() < share and m[0] not in self.yet_to_vote
            ]
        grades = _grades(rng, members, opened)
        entries = []
        for (pk, _, kind, _, _), grade in zip(members, grades, strict=True):
            assessed = rng.random() < assessed_share
            tally = _tally(rng, grade, len(raters) - (pk in raters)) if raters else [0, 0, 0, 0]
            entries.append(
                ReviewEntry(
                    member_id=pk,
                    is_probationary=kind == Member.MembershipKind.PROBATIONARY,
                    self_assessment=rng.choice(SELF_TEXTS) if assessed else "",
                    self_assessed_at=_at(min(opened + timedelta(days=1), self.as_of), 10)
                    if assessed
                    else None,
                    mutual_excellent=tally[0],
                    mutual_qualified=tally[1],
                    mutual_basically_qualified=tally[2],
                    mutual_unqualified=tally[3],
                    proposed_grade=grade
                    if stage == S.COMMITTEE_PROPOSAL and rng.random() < 0.5
                    else "",
                )
            )
        self._add(review, entries, raters)

    def _add(self, review, entries, raters):
        self.entries[len(self.reviews)] = entries
        self.receipts[len(self.reviews)] = raters
        self.reviews.append(review)

    def write(self) -> dict[str, int]:
        MemberReview.objects.bulk_create(self.reviews, batch_size=BATCH)
        entries, receipts = [], []
        for index, review in enumerate(self.reviews):
            for entry in self.entries[index]:
                entry.review = review
                entries.append(entry)
            submitted = _at(review.self_assessment_due + timedelta(days=2), 20)
            receipts += [
                BallotReceipt(
                    review=review,
                    rater_id=member_id,
                    submitted_at=submitted,
                    peers_graded=len(self.entries[index]) - 1,
                )
                for member_id in self.receipts[index]
            ]
        ReviewEntry.objects.bulk_create(entries, batch_size=BATCH)
        BallotReceipt.objects.bulk_create(receipts, batch_size=BATCH)
        rectifications = [
            Rectification(
                entry=e,
                started_on=e.review.meeting_on,
                deadline=rules.rectification_deadline(e.review.meeting_on),
            )
            for e in entries
            if e.final_grade == G.UNQUALIFIED and not e.is_probationary
        ]
        Rectification.objects.bulk_create(rectifications, batch_size=BATCH)
        # The 支部大会 decided to extend these probations; the record shows it as applied.
        RecordChange.objects.bulk_create(
            [
                RecordChange(
                    entry=e,
                    member_id=e.member_id,
                    kind=RecordChange.Kind.PROBATION_EXTENDED,
                    effective_on=e.review.meeting_on,
                    probation_ends_on=rules.probation_end(self.joined[e.member_id])
                    + relativedelta(months=EXTENSION_MONTHS),
                    reason=f"延长预备期{EXTENSION_MONTHS}个月（{e.review.year}年度民主评议党员评为不合格）",
                )
                for e in entries
                if e.probation_decision == ReviewEntry.ProbationDecision.EXTEND
            ],
            batch_size=BATCH,
        )
        notes = []
        for rectification in rectifications:
            day = rectification.started_on
            for text in NOTES[: self.rng.randint(1, len(NOTES))]:
                day += timedelta(days=self.rng.randint(20, 70))
                if day > self.as_of:
                    break
                notes.append(FollowUpNote(rectification=rectification, noted_on=day, text=text))
        FollowUpNote.objects.bulk_create(notes, batch_size=BATCH)
        return {
            "member_reviews": len(self.reviews),
            "member_review_entries": len(entries),
            "member_review_ballots": len(receipts),
            "member_review_rectifications": len(rectifications),
        }


def write(seed: int, as_of: date) -> dict[str, int]:
    """Reviews, entries, ballot receipts and 限期改正 for the demo city in the database."""
    builder = Builder(seed, as_of)
    branches = builder.branches()
    featured = builder.featured()
    for branch, members in branches:
        builder.last_year(branch, members)
    for branch, members in branches:
        if branch.pk in featured:
            builder.this_year(branch, members, featured[branch.pk])
        elif builder.rng.random() < OPEN_SHARE:
            builder.this_year(branch, members)
    counts = builder.write()
    audit.record(
        audit.Action.IMPORT,
        object_type="demo.member_review",
        object_repr="演示数据：民主评议党员",
        detail=f"生成民主评议 {counts['member_reviews']} 次、参评记录 {counts['member_review_entries']} 条、"
        f"限期改正 {counts['member_review_rectifications']} 条，随机种子 {seed}",
    )
    return counts
