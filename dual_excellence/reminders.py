"""Who must be reminded of 双优 deadlines on a given day (the send_reminders job writes the result).

- While a round takes nominations and its deadline is within `REMIND_DAYS_BEFORE` days: the writers of
  each area (the 部门党组（党委） and the 机关党委 directly under it) that has not nominated anyone yet.
- Once the 公示 has ended: the 机关工委 administrators, to answer objections and award.

A constant number of queries whatever the number of areas.
"""

from datetime import date

from django.urls import reverse

from core.roles import Role
from dual_excellence.models import AREA_KINDS, Nomination, Round
from notifications.models import Notification
from notifications.recipients import Holders, to_each
from orgs.models import Organization, OrgKind
from publicity import selectors as publicity_selectors

REMIND_DAYS_BEFORE = 7
Level = Notification.Level


def collect(today: date) -> list[Notification]:
    """Unsaved notifications due on `today` (dedupe keys make re-runs no-ops)."""
    out = []
    rounds = Round.objects.select_related("organization")
    for round_ in rounds.filter(status=Round.Status.NOMINATING, nomination_deadline__gte=today):
        if (round_.nomination_deadline - today).days <= REMIND_DAYS_BEFORE:
            out += _deadline(round_, today)
    for round_ in rounds.filter(status=Round.Status.NOTICE):
        out += _notice_ended(round_, today)
    return out


def _deadline(round_: Round, today: date) -> list[Notification]:
    areas = list(
        Organization.objects.active().filter(parent=round_.organization, kind__in=AREA_KINDS)
    )
    nominated = set(
        Nomination.objects.counting().filter(round=round_).values_list("area_id", flat=True)
    )
    waiting = [a for a in areas if a.pk not in nominated]
    if not waiting:
        return []
    # The 机关党委 directly under a 部门党组 usually does the work: its writers hear of it too.
    committees = Organization.objects.active().filter(
        parent__in=waiting, kind=OrgKind.PARTY_COMMITTEE
    )
    org_of_area = {a.pk: [a.pk] for a in waiting}
    for committee in committees:
        org_of_area[committee.parent_id].append(committee.pk)
    holders = Holders(today, [pk for ids in org_of_area.values() for pk in ids])
    url = reverse("dual_excellence:nominate", args=[round_.pk])
    days = (round_.nomination_deadline - today).days
    when = "今天" if days == 0 else f"{days}天后"
    out = []
    for area in waiting:
        out += to_each(
            set().union(*(holders.writers(pk) for pk in org_of_area[area.pk])),
            title=f"{round_.name}推荐将于{when}截止，{area.name}尚未推荐"[:200],
            body=(
                f"推荐截止日期为{round_.nomination_deadline:%Y年%m月%d日}。"
                "请在名额内推荐本部门的党组织和党员，并上传推荐理由和佐证材料。"
            ),
            url=url,
            level=Level.WARNING,
            category="dual_excellence.deadline",
            dedupe_key=f"dual_excellence:deadline:{round_.pk}:{area.pk}",
        )
    return out


def _notice_ended(round_: Round, today: date) -> list[Notification]:
    first = round_.nominations.filter(status=Nomination.Status.ACCEPTED).first()
    notice = publicity_selectors.notice_for(first) if first else None
    if notice is None or not notice.has_ended(today):
        return []
    admins = Holders(today, [round_.organization_id], roles=[Role.CITY_ADMIN])
    return to_each(
        admins.writers(round_.organization_id),
        title=f"{round_.name}公示已于{notice.ends_on:%m月%d日}结束，请完成表彰"[:200],
        body="请先答复公示期间收到的异议，再在评选设置页完成表彰。",
        url=reverse("dual_excellence:round_detail", args=[round_.pk]),
        level=Level.INFO,
        category="dual_excellence.award",
        dedupe_key=f"dual_excellence:award:{round_.pk}",
    )
