"""Each organization's activities drawn from its profile and the seeded rules, and written."""

import random
from base64 import urlsafe_b64encode
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from core.rules import rule_value
from members.models import Member
from orglife.models import Activity, ActivityKind, Attendance, HearingBody, LifeRule
from orgs.models import COMMITTEE_POSITIONS, OrgKind, PositionKind

from ..people import add_years
from .city import WEAK, City, Org
from .content import (
    CANCEL_REASONS,
    COMMITTEE_TOPICS,
    GENERAL_TOPICS,
    HEARERS,
    LESSONS,
    OUTSIDE,
    REASONS,
    RESOLVING,
    ROOMS,
    SPEAKER_TITLES,
    STUDY_TOPICS,
    SUMMARY,
    THEME_BY_MONTH,
    THEMES,
    outsider_name,
)
from .storage import Writer, rebuild_tally

K, S, R = ActivityKind, Attendance.Status, Attendance.Role
YEARS = 3
PLAN_AHEAD = timedelta(days=28)  # planned activities in the coming weeks
QR_SINCE = timedelta(days=400)  # members sign in by QR code in the last year or so; before, by hand


def history_start(as_of: date) -> date:
    """First day of the quarter three years before the reference date."""
    day = add_years(as_of, -YEARS)
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


@dataclass
class Draft:
    """One activity before it is written: what, when, who is expected."""

    org: Org
    kind: str
    day: date
    topic: str
    roster: list | None  # [(member_id, category, role)]; None: the organization's members that day
    at: tuple = (14, 30)
    minutes_long: int = 90
    hearing_body: str = ""
    place: str = ""
    speaker: int | None = None
    speaker_name: str = ""
    guests: list = field(default_factory=list)  # [(member_id or None, guest_name, role)]
    quorum_short: bool = False  # too many committee members away (R-LIFE-2)
    present_shift: float = 0.0


def _weekday(day: date) -> date:
    """Move a weekend day to the nearest weekday inside the same month."""
    if day.weekday() < 5:
        return day
    step = 1 if day.day <= 15 else -1
    while day.weekday() >= 5:
        day += timedelta(days=step)
    return day


def _months(start: date, end: date) -> list[date]:
    out, day = [], start
    while day <= end:
        out.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return out


def _month_end(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1) - timedelta(days=1)


class History:
    """Draws each organization's activities from its profile and the rules, then writes them."""

    def __init__(self, seed: int, as_of: date):
        self.rng = random.Random(f"orglife:{seed}:{as_of.isoformat()}")
        self.as_of, self.start, self.until = as_of, history_start(as_of), as_of + PLAN_AHEAD
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.city = City(as_of, self.rng)
        self.quorum_rules = list(
            LifeRule.objects.filter(quorum_ratio__isnull=False).order_by("-effective_from", "id")
        )
        self.writer = Writer()
        self.guests_by_org: dict[int, list] = {}

    def run(self) -> dict:
        makers = {
            OrgKind.BRANCH: self._branch,
            OrgKind.JOINT_BRANCH: self._branch,
            OrgKind.GROUP: self._group,
            OrgKind.PARTY_COMMITTEE: self._party_committee,
            OrgKind.PARTY_GROUP: self._party_group,
            OrgKind.ORGANS_WORK_COMMITTEE: self._work_committee,
        }
        for org in self.city.orgs:
            for draft in makers[org.kind](org) if org.kind in makers else ():
                self._emit(draft)
        self.writer.finish()
        return {**self.writer.written, "tally": rebuild_tally()}

    # --- dates and people --------------------------------------------------------------------
    def _day_in(self, first: date, last: date) -> date:
        return _weekday(first + timedelta(days=self.rng.randrange((last - first).days + 1)))

    def _years(self) -> range:
        return range(self.start.year, self.until.year + 1)

    def _room(self, org: Org) -> str:
        return (
            org.unit + self.rng.choice(ROOMS) if org.unit else f"{org.name}{self.rng.choice(ROOMS)}"
        )

    def _host(self, org: Org, day: date) -> int | None:
        first = PositionKind.GROUP_LEADER if org.kind == OrgKind.GROUP else PositionKind.SECRETARY
        for on, kinds in (
            (day, (first,)),
            (day, (PositionKind.DEPUTY_SECRETARY,)),
            (day, COMMITTEE_POSITIONS),
            (self.as_of, (first,)),
        ):
            found = self.city.holders(org.id, on, kinds)
            if found:
                return found[0]
        return None

    def _observer(self, org: Org, day: date) -> tuple:
        """Someone of the superior organization sitting in (上级列席指导)."""
        parent = self.city.by_id.get(org.parent_id)
        while parent and not self.city.leaders(parent.id, day):
            parent = self.city.by_id.get(parent.parent_id)
        if parent is None:
            return ()
        person = self.rng.choice(self.city.leaders(parent.id, day))
        return (
            (
                None,
                f"{self.city.names.get(person, '')}（{parent.name.removeprefix('中共')}）"[:50],
                R.OBSERVER,
            ),
        )

    def _dual(self, org: Org, day: date) -> tuple:
        """A department leader from another branch joining as 双重组织生活."""
        if org.department_id is None:
            return ()
        own = {m for m, _c, _r in self.city.roster(org, day)}
        leaders = [m for m in self.city.leaders(org.department_id, day) if m not in own]
        return ((self.rng.choice(leaders), "", R.DUAL_ORG_LIFE),) if leaders else ()

    def _outsiders(self, org: Org, who: slice) -> list:
        """Named guests who are not members here: the 市委 leaders hearing the 工委's report."""
        if org.id not in self.guests_by_org:
            root = self.city.by_id.get(org.parent_id)
            prefix = root.name.removeprefix("中共") if root else ""
            self.guests_by_org[org.id] = [
                f"{outsider_name(self.rng)}（{prefix}{title}）"[:50] for title in HEARERS
            ]
        return [(None, name, R.GUEST) for name in self.guests_by_org[org.id][who]]

    # --- what each kind of organization holds ---------------------------------------------------
    def _branch(self, org: Org):
        rng, profile = self.rng, org.profile
        slumps = set()
        for year in self._years():
            if profile.slump_months:
                first = rng.randint(1, 13 - profile.slump_months)
                slumps |= {(year, m) for m in range(first, first + profile.slump_months)}
        for month in _months(self.start, self.until):
            chance = profile.held * (0.3 if (month.year, month.month) in slumps else 1)
            chance *= 0.95 if month.month == 2 else 1  # 春节
            if rng.random() < chance:
                yield self._theme_day(org, month)
            if rng.random() < chance:
                yield from self._committee_meeting(org, month)
        for year in self._years():
            yield from self._quarterly(org, year)
            yield from self._yearly(org, year)
        elected = self.city.term_starts.get(org.id)
        if elected and self.start <= elected <= self.as_of:
            yield Draft(
                org,
                K.ELECTION,
                elected,
                f"选举产生新一届{org.name.removeprefix('中共')}委员会",
                None,
                minutes_long=150,
                guests=list(self._observer(org, elected)),
            )

    def _theme_day(self, org: Org, month: date) -> Draft:
        rng = self.rng
        day = _weekday(month.replace(day=org.theme_day))
        topic = (
            THEME_BY_MONTH[month.month].format(n=month.year - 1921)
            if rng.random() < 0.55
            else rng.choice(THEMES)
        )
        place = rng.choice(OUTSIDE) if rng.random() < 0.3 else self._room(org)
        guests = list(self._dual(org, day)) if rng.random() < 0.04 else []
        return Draft(
            org,
            K.THEME_DAY,
            day,
            topic,
            None,
            at=rng.choice(((9, 0), (14, 30))),
            minutes_long=150,
            place=place,
            guests=guests,
        )

    def _committee_meeting(self, org: Org, month: date):
        rng = self.rng
        day = _weekday(month + timedelta(days=rng.randrange(2, 12)))
        committee = self.city.holders(org.id, day)
        if len(committee) < rule_value("R-ORG-1.committee_min", day):
            return  # no 支委会 (yet): the secretary decides alone (R-ORG-1)
        topic = (
            "研究本年度支部工作计划"
            if month.month == 1
            else "研究组织生活会和民主评议党员准备工作"
            if month.month == 11
            else rng.choice(COMMITTEE_TOPICS).format(m=month.month)
        )
        short = rng.random() < 0.03
        yield Draft(
            org,
            K.BRANCH_COMMITTEE_MEETING,
            day,
            topic,
            self.city.named(committee),
            at=(16, 30),
            minutes_long=60,
            quorum_short=short,
        )
        again = _weekday(day + timedelta(days=rng.randint(7, 14)))
        if (
            short and rng.random() < 0.6 and again.month == day.month
        ):  # called again with enough members
            yield Draft(
                org,
                K.BRANCH_COMMITTEE_MEETING,
                again,
                topic,
                self.city.named(self.city.holders(org.id, again)),
                at=(16, 30),
                minutes_long=60,
            )

    def _quarterly(self, org: Org, year: int):
        rng, profile = self.rng, org.profile
        # The secretary gives one of the year's lessons himself (R-LIFE-4S), most branches do.
        own_lesson = rng.randrange(4) if rng.random() < (0.5 if profile is WEAK else 0.95) else None
        for quarter in range(4):
            first = date(year, quarter * 3 + 1, 1)
            last = _month_end(date(year, quarter * 3 + 3, 1))
            if rng.random() < profile.held:
                day = self._day_in(first, last)
                topic = rng.choice(GENERAL_TOPICS).format(q="一二三四"[quarter])
                guests = list(self._observer(org, day)) if rng.random() < 0.05 else []
                yield Draft(org, K.BRANCH_GENERAL_MEETING, day, topic, None, guests=guests)
            if rng.random() < profile.held or quarter == own_lesson:
                day = self._day_in(first, last)
                speaker, speaker_name = self._speaker(org, day, quarter == own_lesson)
                yield Draft(
                    org,
                    K.PARTY_LESSON,
                    day,
                    rng.choice(LESSONS),
                    None,
                    at=(15, 0),
                    speaker=speaker,
                    speaker_name=speaker_name,
                )

    def _speaker(self, org: Org, day: date, secretary: bool) -> tuple:
        rng, city = self.rng, self.city
        roll = rng.random()
        if secretary or roll > 0.85:
            found = city.holders(org.id, day, (PositionKind.SECRETARY,))
        elif roll < 0.35:
            found = [
                m
                for m in city.holders(org.id, day)
                if m not in city.holders(org.id, day, (PositionKind.SECRETARY,))
            ]
        elif roll < 0.55 and org.department_id:  # a department leader teaching at his own branch
            own = {m for m, _c, _r in city.roster(org, day)}
            found = [m for m in city.leaders(org.department_id, day) if m in own]
        else:
            found = []
        if found:
            return rng.choice(found), ""
        return None, f"{outsider_name(self.rng)}（{rng.choice(SPEAKER_TITLES)}）"

    def _yearly(self, org: Org, year: int):
        """组织生活会, 民主评议党员 and 谈心谈话, mostly in the fourth quarter."""
        rng = self.rng
        chance = 1 - (1 - org.profile.held) * 0.7
        if rng.random() < 0.85:
            meeting = self._day_in(date(year, 10, 15), date(year, 12, 26))
        else:
            meeting = self._day_in(date(year, 3, 1), date(year, 9, 30))
        if rng.random() < chance:
            guests = list(self._observer(org, meeting)) if rng.random() < 0.6 else []
            guests += list(self._dual(org, meeting)) if rng.random() < 0.4 else []
            yield Draft(
                org,
                K.ORG_LIFE_MEETING,
                meeting,
                f"{year}年度组织生活会",
                None,
                at=(9, 0),
                minutes_long=180,
                guests=guests,
                present_shift=0.03,
            )
        if rng.random() < chance:
            day = min(_weekday(meeting + timedelta(days=rng.randint(0, 6))), date(year, 12, 31))
            yield Draft(
                org, K.MEMBER_REVIEW, day, f"{year}年度民主评议党员", None, minutes_long=120
            )
        if rng.random() < chance:
            day = max(_weekday(meeting - timedelta(days=rng.randint(7, 25))), date(year, 1, 2))
            yield Draft(
                org,
                K.HEART_TO_HEART_TALK,
                day,
                f"{year}年度谈心谈话",
                None,
                at=(9, 0),
                minutes_long=240,
                present_shift=0.04,
            )

    def _group(self, org: Org):
        rng = self.rng
        for month in _months(self.start, self.until):
            if rng.random() < org.profile.held:
                day = self._day_in(month, month.replace(day=25))
                yield Draft(
                    org,
                    K.GROUP_MEETING,
                    day,
                    f"{month.month}月党小组学习",
                    None,
                    at=(12, 30),
                    minutes_long=60,
                )

    def _party_committee(self, org: Org):
        """机关党员干部大会 once a year (R-LIFE-8), hearing the main leader's report."""
        for year in self._years():
            if self.rng.random() < 0.95:
                day = self._day_in(date(year, 1, 10), date(year, 4, 30))
                guests = list(self._observer(org, day)) if self.rng.random() < 0.5 else []
                yield Draft(
                    org,
                    K.ORGAN_MEMBER_ASSEMBLY,
                    day,
                    f"{year}年度机关党员干部大会",
                    None,
                    at=(14, 30),
                    minutes_long=120,
                    guests=guests,
                    place=f"{org.unit}大会议室",
                )

    def _party_group(self, org: Org):
        """Studies of 机关党建 twice a year (R-RESP-3) and the central group's study sessions."""
        rng = self.rng
        for year in self._years():
            for half, (first, last) in enumerate(
                ((date(year, 3, 1), date(year, 6, 30)), (date(year, 9, 1), date(year, 12, 20)))
            ):
                if rng.random() < 0.96:
                    day = self._day_in(first, last)
                    yield Draft(
                        org,
                        K.PARTY_BUILDING_DELIBERATION,
                        day,
                        f"专题研究{year}年{'上下'[half]}半年机关党建工作",
                        self.city.named(self.city.leaders(org.id, day)),
                        at=(9, 0),
                        minutes_long=60,
                    )
        for month in _months(self.start, self.until):
            if month.month != 2 and rng.random() < 0.7:
                day = self._day_in(month, _month_end(month))
                yield Draft(
                    org,
                    K.CENTRAL_GROUP_STUDY,
                    day,
                    rng.choice(STUDY_TOPICS),
                    self.city.named(self.city.leaders(org.id, day)),
                    at=(8, 30),
                    minutes_long=120,
                )

    def _work_committee(self, org: Org):
        """The 市委常委会 (R-RESP-1) and the 分管领导 (R-RESP-2) hear the 机关工委's report."""
        rng, standing, leader = (
            self.rng,
            HearingBody.STANDING_COMMITTEE,
            HearingBody.LEADER_IN_CHARGE,
        )
        for year in self._years():
            plans = [(standing, date(year, 1, 15), date(year, 4, 30), slice(0, 3))]
            plans += [
                (leader, first, last, slice(3, 4))
                for first, last in (
                    (date(year, 4, 1), date(year, 6, 30)),
                    (date(year, 10, 8), date(year, 12, 25)),
                )
            ]
            for body, first, last, who in plans:
                if rng.random() < 0.97:
                    day = self._day_in(first, last)
                    label = HearingBody(body).label
                    yield Draft(
                        org,
                        K.WORK_REPORT_HEARING,
                        day,
                        f"{label}听取{year}年机关党建工作汇报",
                        self.city.named(self.city.leaders(org.id, day)),
                        at=(9, 0),
                        minutes_long=60,
                        hearing_body=body,
                        guests=self._outsiders(org, who),
                        place=f"{label}会议室",
                    )

    # --- writing one activity ----------------------------------------------------------------------
    def _emit(self, draft: Draft) -> None:
        if not self.start <= draft.day <= self.until:
            return
        rng, when = self.rng, self.writer.when
        starts = datetime.combine(draft.day, time(*draft.at), self.tz)
        ends = starts + timedelta(minutes=draft.minutes_long)
        activity_id = self.writer.new_id()
        token = urlsafe_b64encode(rng.randbytes(32)).rstrip(b"=").decode()
        if draft.day > self.as_of:
            status = Activity.Status.PLANNED
        else:
            status = (
                Activity.Status.CANCELLED if rng.random() < 0.004 else Activity.Status.COMPLETED
            )
        rows, counts, reason, minutes, resolutions, by_secretary = [], True, "", "", "", False
        cancelled = rng.choice(CANCEL_REASONS) if status == Activity.Status.CANCELLED else ""
        if status == Activity.Status.COMPLETED:
            roster = (
                draft.roster if draft.roster is not None else self.city.roster(draft.org, draft.day)
            )
            rows, present = self._attendance(activity_id, draft, roster, starts)
            counts, reason = self._validity(draft, present)
            minutes, resolutions = self._minutes(draft, rows, counts)
            by_secretary = draft.kind == K.PARTY_LESSON and draft.speaker in self.city.holders(
                draft.org.id, draft.day, (PositionKind.SECRETARY,)
            )
            recorded = ends + timedelta(hours=rng.randint(1, 40))
        else:
            counts = status == Activity.Status.PLANNED  # a cancelled activity never counts
            recorded = starts - timedelta(days=rng.randint(3, 20))
        recorded = when(min(recorded, datetime.combine(self.as_of, time(22, 0), self.tz)))
        open_from = starts - timedelta(minutes=settings.ORGLIFE_SIGNIN_OPEN_MINUTES_BEFORE)
        close_at = ends + timedelta(hours=settings.ORGLIFE_SIGNIN_CLOSE_HOURS_AFTER)
        agenda = f"一、{draft.topic}；二、交流讨论；三、部署下一阶段工作"
        self.writer.add(
            (activity_id, draft.org.id, draft.kind, draft.hearing_body, status, when(starts), when(ends),
             when(draft.day), draft.place or self._room(draft.org), draft.topic[:200], agenda,
             self._host(draft.org, draft.day), draft.speaker, draft.speaker_name, by_secretary, minutes, resolutions,
             counts, reason, token, when(open_from), when(close_at), None, recorded, recorded, cancelled),
            rows,
        )  # fmt: skip

    def _attendance(
        self, activity_id: int, draft: Draft, roster: list, starts: datetime
    ) -> tuple[list, set]:
        """Roster rows (present, on leave with a reason, absent) and invited guests; the present ids."""
        rng = self.rng
        base = (
            0.96 if draft.roster is not None else draft.org.profile.present
        ) + draft.present_shift
        base += rng.uniform(-0.04, 0.03)
        scanned = None
        if starts.date() >= self.as_of - QR_SINCE:
            scanned = [self.writer.when(starts - timedelta(minutes=m)) for m in range(0, 26)]
        away = set()
        if draft.quorum_short:  # more than half the committee away: the meeting misses its quorum
            ids = [m for m, _c, _r in roster]
            away = set(rng.sample(ids, len(ids) - len(ids) // 2))
        present_ids, rows = set(), []
        for member, category, role in roster:
            roll = rng.random()
            chance = base - (0.1 if category == Member.Category.RETIRED else 0)
            if category == Member.Category.MOBILE:
                chance = 0.25
            elif category == Member.Category.LOST_CONTACT:
                chance = 0
            if member not in away and roll < chance:
                signed = rng.choice(scanned) if scanned and rng.random() < 0.7 else None
                rows.append((activity_id, member, "", role, S.PRESENT, "", signed, None))
                present_ids.add(member)
            elif member in away or (
                category != Member.Category.LOST_CONTACT and rng.random() < 0.8
            ):
                reason = (
                    rng.choices(REASONS[category][0], cum_weights=REASONS[category][1])[0]
                    if member not in away
                    else rng.choice(("出差", "公务"))
                )
                rows.append((activity_id, member, "", role, S.LEAVE, reason, None, None))
            else:
                rows.append((activity_id, member, "", role, S.ABSENT, "", None, None))
        for member, name, role in draft.guests:
            rows.append((activity_id, member, name, role, S.PRESENT, "", None, None))
            if member:
                present_ids.add(member)
        return rows, present_ids

    def _validity(self, draft: Draft, present: set) -> tuple[bool, str]:
        """counts / invalid_reason exactly as orglife.services.evaluate_validity decides them."""
        rule = next(
            (
                r
                for r in self.quorum_rules
                if r.activity_kind == draft.kind and r.in_force_on(draft.day)
            ),
            None,
        )
        committee = set(self.city.holders(draft.org.id, draft.day)) if rule else set()
        if not committee:
            return True, ""
        here = len(present & committee)
        if Decimal(here) > rule.quorum_ratio * len(committee):
            return True, ""
        return False, (
            f"到会委员{here}人，未超过委员总数{len(committee)}人的{rule.quorum_ratio * 100:.0f}%"
            f"（{rule.code}），本次会议不计入"
        )

    def _minutes(self, draft: Draft, rows: list, counts: bool) -> tuple[str, str]:
        members = [r for r in rows if r[1] and r[3] == R.MEMBER]
        tally = {s: sum(1 for r in members if r[4] == s) for s in (S.PRESENT, S.LEAVE, S.ABSENT)}
        who = "委员" if draft.kind == K.BRANCH_COMMITTEE_MEETING else ""
        text = f"应到{who}{len(members)}人，实到{tally[S.PRESENT]}人，请假{tally[S.LEAVE]}人，缺席{tally[S.ABSENT]}人。"
        speaker = self.city.names.get(draft.speaker) or draft.speaker_name or "主讲人"
        text += SUMMARY[draft.kind].format(topic=draft.topic, speaker=speaker)
        guests = [r[2] or self.city.names.get(r[1], "") for r in rows if r[3] != R.MEMBER]
        if guests:
            text += f"列席：{'、'.join(guests)}。"
        if not counts:
            return text + "到会委员未超过半数，所议事项不作决定，另行召开会议。", ""
        if draft.kind in RESOLVING:
            return text, "一、原则同意会议所议事项；二、明确责任人和完成时限，抓好落实。"
        return text, ""
