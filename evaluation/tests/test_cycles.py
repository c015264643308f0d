"""The annual cycle as services: open, self-assess, review, return, approve, 公示 with objections, award."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import AuditLog
from evaluation import cycle_services as cs
from evaluation.metrics import METRICS, Metric
from evaluation.models import EvaluationCycle, OrgRating, RatingEvent
from evaluation.selectors import stars_awarded
from evaluation.tests.conftest import YEAR, manual_entries, open_cycle, publish_scheme, rating_of
from notifications.models import Notification
from publicity.services import objection_answer, objection_lodge

S = OrgRating.Status


def submitted(city, cycle, org, points=80, vetoes=(), persona="secretary_a"):
    rating = rating_of(cycle, org)
    actor = city.users[persona] if persona else city.users["city_admin"]
    cs.rating_self_assess(
        rating=rating, actor=actor, entries=manual_entries(rating, points, vetoes)
    )
    return cs.rating_submit(rating=rating, actor=actor)


def reviewed(city, cycle, org, points=80, vetoes=(), persona="secretary_a", reviewer="committee_a"):
    rating = submitted(city, cycle, org, points, vetoes, persona)
    return cs.rating_review(
        rating=rating,
        actor=city.users[reviewer],
        entries=manual_entries(rating, points, vetoes),
        comment="材料齐全，同意",
    )


@pytest.mark.django_db
def test_opening_rates_every_branch_but_not_the_party_committee(city, cycle):
    ratings = {r.organization_id: r for r in cycle.ratings.all()}
    assert set(ratings) == {city.branch_a.pk, city.branch_a2.pk, city.branch_b.pk}
    assert ratings[city.branch_a.pk].reviewer_id == city.committee_a.pk
    assert ratings[city.branch_b.pk].reviewer_id == city.dept_b.pk
    assert ratings[city.branch_a.pk].area_id == city.dept_a.pk
    assert ratings[city.branch_a.pk].scores.count() == 7  # five manual indicators and two vetoes
    assert Notification.objects.filter(recipient=city.users["secretary_a"]).exists()
    assert (
        AuditLog.objects.filter(
            object_type="evaluation.orgrating", action="create", detail__contains="启动"
        ).count()
        == 3
    )


@pytest.mark.django_db
def test_only_a_city_admin_opens_a_cycle_and_only_once_a_year(city, scheme):
    with pytest.raises(PermissionDenied):
        open_cycle_as(city, scheme, "committee_a")
    assert AuditLog.objects.filter(action="access_denied", actor_name="committee_a").exists()
    open_cycle(city, scheme)
    with pytest.raises(ValidationError, match="已经启动"):
        open_cycle(city, scheme)


def open_cycle_as(city, scheme, persona):
    return cs.cycle_open(
        organization=city.work_committee,
        scheme=scheme,
        self_assessment_due=date(YEAR, 11, 30),
        review_due=date(YEAR, 12, 15),
        approval_due=date(YEAR, 12, 25),
        actor=city.users[persona],
    )


@pytest.mark.django_db
def test_dates_must_follow_the_steps(city, scheme):
    with pytest.raises(ValidationError, match="依次"):
        open_cycle(city, scheme, review_due=date(YEAR, 11, 1))


@pytest.mark.django_db
def test_submitting_needs_every_manual_indicator_scored(city, cycle):
    rating = rating_of(cycle, city.branch_a)
    entries = manual_entries(rating)
    entries.pop(next(iter(entries)))
    cs.rating_self_assess(rating=rating, actor=city.users["secretary_a"], entries=entries)
    with pytest.raises(ValidationError, match="尚未自评打分：政治建设工作落实情况"):
        cs.rating_submit(rating=rating, actor=city.users["secretary_a"])


@pytest.mark.django_db
def test_points_above_the_indicator_maximum_are_refused(city, cycle):
    rating = rating_of(cycle, city.branch_a)
    with pytest.raises(ValidationError, match="应在0到100"):
        cs.rating_self_assess(
            rating=rating, actor=city.users["secretary_a"], entries=manual_entries(rating, 101)
        )


@pytest.mark.django_db
def test_a_star_needs_its_pass_line(city, cycle):
    # 政治建设 60 (just passes), 思想建设 59 (just fails), others 80: four stars.
    rating = submitted(city, cycle, city.branch_a, points={1: 60, 2: 59})
    assert rating.self_stars == 4


@pytest.mark.django_db
def test_a_star_veto_takes_that_star_and_a_whole_veto_takes_all(city, cycle):
    rating = submitted(city, cycle, city.branch_a, points=100, vetoes=["发生违反政治纪律问题"])
    assert rating.self_stars == 4
    rating = submitted(
        city,
        cycle,
        city.branch_a2,
        points=100,
        vetoes=["班子成员受到党纪处分"],
        persona="committee_a",
    )
    assert rating.self_stars == 0


@pytest.mark.django_db
def test_the_reviewer_finding_a_veto_overrides_the_self_assessment(city, cycle):
    rating = submitted(city, cycle, city.branch_a, points=100)
    assert rating.self_stars == 5
    entries = manual_entries(rating, 100, vetoes=["班子成员受到党纪处分"])
    rating = cs.rating_review(
        rating=rating, actor=city.users["committee_a"], entries=entries, comment="经核实存在处分"
    )
    assert rating.scored_stars == 0 and rating.proposed_stars == 0


@pytest.mark.django_db
def test_a_branch_cannot_review_itself_and_another_branch_cannot_touch_it(city, cycle):
    rating = submitted(city, cycle, city.branch_a)
    with pytest.raises(PermissionDenied):
        cs.rating_review(rating=rating, actor=city.users["secretary_a"], entries={}, comment="好")
    other = rating_of(cycle, city.branch_a2)
    with pytest.raises(PermissionDenied):
        cs.rating_self_assess(rating=other, actor=city.users["secretary_b"], entries={})
    with pytest.raises(PermissionDenied):
        cs.rating_return(rating=rating, actor=city.users["secretary_b"], reason="不行")
    assert AuditLog.objects.filter(action="access_denied", actor_name="secretary_b").count() == 2


@pytest.mark.django_db
def test_return_for_revision_needs_a_reason_and_reopens_the_self_assessment(city, cycle):
    rating = submitted(city, cycle, city.branch_a)
    with pytest.raises(ValidationError):  # submitted: the branch can no longer change it
        cs.rating_self_assess(rating=rating, actor=city.users["secretary_a"], entries={})
    with pytest.raises(ValidationError, match="退回原因"):
        cs.rating_return(rating=rating, actor=city.users["committee_a"], reason=" ")
    cs.rating_return(rating=rating, actor=city.users["committee_a"], reason="缺少党课记录")
    rating.refresh_from_db()
    assert rating.status == S.RETURNED and rating.return_reason == "缺少党课记录"
    assert Notification.objects.filter(
        recipient=city.users["secretary_a"], body__contains="缺少党课记录"
    ).exists()
    assert rating.events.filter(action=RatingEvent.Action.RETURNED, note="缺少党课记录").exists()
    cs.rating_self_assess(
        rating=rating, actor=city.users["secretary_a"], entries=manual_entries(rating, 90)
    )
    assert (
        cs.rating_submit(rating=rating, actor=city.users["secretary_a"]).status == S.SELF_ASSESSED
    )


@pytest.mark.django_db
def test_one_star_a_year_caps_the_proposal_at_last_year_plus_one(city, admin):
    last = publish_scheme(admin, YEAR - 1)
    last_cycle = open_cycle(city, last)
    reviewed(city, last_cycle, city.branch_a, points={1: 80, 2: 80, 3: 10, 4: 10, 5: 10})
    cs.rating_approve(cycle=last_cycle, actor=admin)
    cs.cycle_notice(cycle=last_cycle, actor=admin, starts_on=date(YEAR - 1, 12, 1))
    cs.cycle_award(cycle=last_cycle, actor=admin, today=date(YEAR, 1, 10))
    assert stars_awarded([city.branch_a.pk, city.branch_b.pk], YEAR - 1) == {city.branch_a.pk: 2}

    cycle = open_cycle(city, publish_scheme(admin, YEAR))
    rating = reviewed(city, cycle, city.branch_a, points=100)
    assert rating.previous_stars == 2
    assert rating.scored_stars == 5 and rating.proposed_stars == 3
    # branch_b was not rated last year: not capped.
    other = reviewed(
        city, cycle, city.branch_b, points=100, persona="secretary_b", reviewer="city_admin"
    )
    assert other.previous_stars is None and other.proposed_stars == 5


@pytest.mark.django_db
def test_a_scheme_allowing_several_stars_does_not_cap(city, admin):
    assert cs.capped("several", 1, 5) == 5
    assert cs.capped("one_per_year", 1, 5) == 2
    assert cs.capped("one_per_year", 4, 1) == 1  # falling is never capped


def through_notice(city, cycle, starts_on):
    admin = city.users["city_admin"]
    reviewed(city, cycle, city.branch_a, points=100)
    reviewed(city, cycle, city.branch_a2, points=70, persona=None)
    assert cs.rating_approve(cycle=cycle, actor=admin) == 2
    return cs.cycle_notice(cycle=cycle, actor=admin, starts_on=starts_on)


@pytest.mark.django_db
def test_an_objection_during_the_notice_holds_the_award_until_answered(city, cycle, admin):
    notice = through_notice(city, cycle, date(YEAR, 12, 20))
    assert notice.ends_on == date(YEAR, 12, 24)
    assert rating_of(cycle, city.branch_a).status == S.NOTICED
    with pytest.raises(ValidationError, match="公示期满后"):
        cs.cycle_award(cycle=cycle, actor=admin, today=date(YEAR, 12, 24))
    item = notice.items.get(subject_id=rating_of(cycle, city.branch_a).pk)
    assert "预算处党支部 拟评五星（五星示范）" == item.label
    objection = objection_lodge(
        item=item,
        actor=city.users["member_a"],
        content="该支部主题党日未按月开展",
        today=date(YEAR, 12, 22),
    )
    with pytest.raises(ValidationError, match="异议尚未答复.*预算处党支部"):
        cs.cycle_award(cycle=cycle, actor=admin, today=date(YEAR, 12, 28))
    objection_answer(objection=objection, actor=admin, upheld=True, answer="经核实属实")
    result = cs.cycle_award(cycle=cycle, actor=admin, today=date(YEAR, 12, 28))
    assert result == {"awarded": 1, "blocked": 1, "unfinished": 1}
    a, a2 = rating_of(cycle, city.branch_a), rating_of(cycle, city.branch_a2)
    assert a.status == S.BLOCKED and a.awarded_stars == 0 and not a.title_granted
    assert a2.status == S.AWARDED and a2.awarded_stars == 5 and a2.title_granted
    cycle.refresh_from_db()
    assert cycle.status == EvaluationCycle.Status.CLOSED
    ids = [city.branch_a.pk, city.branch_a2.pk, city.branch_b.pk]
    assert stars_awarded(ids, YEAR) == {city.branch_a.pk: 0, city.branch_a2.pk: 5}


@pytest.mark.django_db
def test_a_rejected_objection_lets_the_award_through(city, cycle, admin):
    notice = through_notice(city, cycle, date(YEAR, 12, 20))
    item = notice.items.get(subject_id=rating_of(cycle, city.branch_a).pk)
    objection = objection_lodge(
        item=item, actor=city.users["member_a"], content="有疑问", today=date(YEAR, 12, 21)
    )
    objection_answer(objection=objection, actor=admin, upheld=False, answer="经核实材料齐全")
    cs.cycle_award(cycle=cycle, actor=admin, today=date(YEAR, 12, 25))
    assert rating_of(cycle, city.branch_a).awarded_stars == 5
    with pytest.raises(ValidationError, match="已授星结束"):
        cs.rating_return(rating=rating_of(cycle, city.branch_a2), actor=admin, reason="再看看")


@pytest.mark.django_db
def test_only_the_work_committee_approves_notices_and_awards(city, cycle):
    reviewed(city, cycle, city.branch_a)
    for service in (cs.rating_approve, cs.cycle_notice, cs.cycle_award):
        with pytest.raises(PermissionDenied):
            service(cycle=cycle, actor=city.users["committee_a"])


@pytest.mark.django_db
def test_automatic_indicators_are_computed_for_every_organization_at_once(city, admin, monkeypatch):
    from evaluation import services

    scheme = services.scheme_create_default(YEAR, admin)
    star = scheme.stars.get(order=3)
    services.indicator_save(
        star,
        {
            "name": "组织生活完成率",
            "method": "automatic",
            "points": Decimal(40),
            "metric": "orglife_completion_rate",
            "threshold": Decimal("0.9"),
        },
        admin,
    )
    services.scheme_publish(scheme, admin)
    cycle = open_cycle(city, scheme)
    calls = []

    def rates(orgs, year):
        calls.append(len(orgs))
        return {o.pk: (0.95 if o.pk == city.branch_a.pk else 0.5) for o in orgs}

    monkeypatch.setitem(
        METRICS,
        "orglife_completion_rate",
        Metric("orglife_completion_rate", "组织生活完成率", "ratio", rates),
    )
    for org in (city.branch_a, city.branch_a2):
        rating = rating_of(cycle, org)
        # 30 manual points on 组织建设: the star passes (60) only with the 40 automatic points.
        cs.rating_self_assess(rating=rating, actor=admin, entries=manual_entries(rating, {3: 30}))
    assert cs.cycle_score_automatic(cycle=cycle, actor=admin) == 3
    assert calls == [3]  # one call for the whole cycle
    assert rating_of(cycle, city.branch_a).self_stars == 5
    assert rating_of(cycle, city.branch_a2).self_stars == 4
    score = rating_of(cycle, city.branch_a).scores.get(indicator__method="automatic")
    assert score.auto_value == 0.95


@pytest.mark.django_db
def test_the_real_completion_rate_metric_matches_orglife(city):
    from orglife.selectors import completion_rate

    rates = METRICS["orglife_completion_rate"].compute_many(
        [city.branch_a, city.branch_b], YEAR - 1
    )
    assert rates == {
        city.branch_a.pk: completion_rate(city.branch_a, YEAR - 1),
        city.branch_b.pk: completion_rate(city.branch_b, YEAR - 1),
    }


@pytest.mark.django_db
def test_evidence_may_cite_only_the_organizations_own_activities(city, cycle):
    from django.utils import timezone

    from orglife.services import activity_record

    theirs = activity_record(
        organization=city.branch_b, kind="theme_day", starts_at=timezone.now() - timedelta(days=1), topic="教育局主题党日",
        attendance=[{"member_id": city.member_b.pk, "status": "present"}],
    )  # fmt: skip
    rating = rating_of(cycle, city.branch_a)
    indicator_id = next(iter(manual_entries(rating)))
    with pytest.raises(ValidationError, match="只能关联本组织"):
        cs.rating_self_assess(
            rating=rating,
            actor=city.users["secretary_a"],
            entries={indicator_id: {"activity_ids": [theirs.pk]}},
        )
