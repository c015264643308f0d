from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import AuditLog
from notifications.models import Notification
from secretary_review import objective, services
from secretary_review.models import Assignment, Ballot, Level, Round

# The adapter's functions as written, before the no_objective fixture replaces them.
REAL = {
    name: getattr(objective, name)
    for name in ("responsibility_completion", "orglife_completion", "stars_awarded")
}


def raters(report):
    return {
        (a.rater.name, a.group)
        for a in Assignment.objects.filter(report=report).select_related("rater")
    }


@pytest.mark.django_db
def test_new_round_has_the_default_grades_marked_as_defaults(review):
    round_ = review.round
    assert [g["label"] for g in round_.grades] == ["好", "较好", "一般", "差"]
    assert round_.grades_are_default
    assert round_.status == Round.Status.DRAFT
    updated = services.round_update(
        round_=round_,
        data={
            "grades": [
                {"code": "a", "label": "满意", "points": 100},
                {"code": "b", "label": "不满意", "points": 0},
            ]
        },
        actor=review.city.users["city_admin"],
    )
    assert not updated.grades_are_default


@pytest.mark.django_db
def test_only_a_city_admin_over_the_area_manages_rounds(review):
    city = review.city
    with pytest.raises(PermissionDenied):
        services.round_create(actor=city.users["secretary_a"], area=city.dept_a, year=2026)
    with pytest.raises(PermissionDenied):
        services.round_open_reporting(round_=review.round, actor=city.users["committee_a"])
    assert AuditLog.objects.filter(action="access_denied", actor_name="secretary_a").exists()
    assert review.round.reports.count() == 0


@pytest.mark.django_db
def test_configuration_errors_are_refused_in_chinese(review):
    with pytest.raises(ValidationError) as error:
        services.round_update(
            round_=review.round,
            data={
                "weight_superior": Decimal(0),
                "weight_member": Decimal(0),
                "weight_peer": Decimal(0),
            },
            actor=review.city.users["city_admin"],
        )
    assert "不能全为0" in str(error.value)
    with pytest.raises(ValidationError):
        services.round_update(
            round_=review.round,
            data={"bands": [{"label": "优秀", "min": 120}]},
            actor=review.city.users["city_admin"],
        )


@pytest.mark.django_db
def test_opening_reporting_gives_each_secretary_of_the_three_levels_a_report(review):
    city = review.city
    count = services.round_open_reporting(round_=review.round, actor=city.users["city_admin"])
    reports = {r.organization: r for r in review.round.reports.all()}
    assert count == 6 == len(reports)
    assert reports[city.dept_a].level == Level.PARTY_GROUP
    assert reports[city.committee_a].level == Level.PARTY_COMMITTEE
    assert reports[city.branch_a].level == Level.BRANCH
    assert reports[city.branch_a].secretary.name == "赵强"
    note = Notification.objects.get(recipient=city.users["secretary_a"])
    assert "述职报告" in note.title


@pytest.mark.django_db
def test_raters_come_from_superior_peers_and_members_and_nobody_rates_themselves(rating):
    city = rating.city
    assert raters(rating.report(city.branch_a)) == {
        ("钱进", "superior"),
        ("周敏", "peer"),
        ("张伟", "member"),
    }
    # The committee secretary is also a member of branch A2: superior wins over member.
    assert raters(rating.report(city.branch_a2)) == {
        ("钱进", "superior"),
        ("赵强", "peer"),
        ("王芳", "member"),
        ("孙书记", "member"),
    }
    assert ("吴书记", "peer") in raters(rating.report(city.dept_a))
    assert not any(name == "孙书记" for name, _ in raters(rating.report(city.dept_a)))


@pytest.mark.django_db
def test_a_group_weighted_zero_gets_no_raters(review):
    admin = review.city.users["city_admin"]
    services.round_update(round_=review.round, data={"weight_member": Decimal(0)}, actor=admin)
    services.round_open_reporting(round_=review.round, actor=admin)
    services.round_open_rating(round_=review.round, actor=admin)
    assert not Assignment.objects.filter(report__round=review.round, group="member").exists()
    assert Assignment.objects.filter(report__round=review.round, group="peer").exists()


@pytest.mark.django_db
def test_a_rater_votes_once_only_on_own_assignments_with_a_valid_grade(rating):
    city = rating.city
    member_a = city.users["member_a"]
    branch_a = rating.report(city.branch_a)
    branch_b = rating.report(city.branch_b)
    with pytest.raises(ValidationError, match="分配给您"):
        services.ballots_cast(actor=member_a, grades={branch_b.pk: "good"})
    with pytest.raises(ValidationError, match="等次无效"):
        services.ballots_cast(actor=member_a, grades={branch_a.pk: "excellent"})
    assert services.ballots_cast(actor=member_a, grades={branch_a.pk: "good"}) == 1
    with pytest.raises(ValidationError, match="不能重复测评"):
        services.ballots_cast(actor=member_a, grades={branch_a.pk: "poor"})
    assert Ballot.objects.filter(report=branch_a).count() == 1
    with pytest.raises(PermissionDenied):
        services.ballots_cast(actor=city.users["secretary_b"], grades={branch_b.pk: "good"})


@pytest.mark.django_db
def test_no_voting_before_or_after_the_rating_stage(rating):
    city = rating.city
    report = rating.report(city.branch_a)
    services.round_close(round_=rating.round, actor=city.users["city_admin"])
    with pytest.raises(ValidationError, match="不在测评阶段"):
        services.ballots_cast(actor=city.users["member_a"], grades={report.pk: "good"})


@pytest.mark.django_db
def test_a_ballot_records_no_rater_and_no_time_and_the_audit_log_no_grade(rating):
    city = rating.city
    assert {f.name for f in Ballot._meta.concrete_fields} == {"id", "report", "group", "grade"}
    report = rating.report(city.branch_a)
    services.ballots_cast(actor=city.users["member_a"], grades={report.pk: "poor"})
    entry = AuditLog.objects.filter(actor_name="member_a").get()
    assert entry.object_type == "secretary_review.round"
    assert "提交民主测评 1 份" in entry.detail
    logged = f"{entry.detail} {entry.changes} {entry.object_repr}"
    assert "poor" not in logged and "差" not in logged
    assert not AuditLog.objects.filter(object_type="secretary_review.ballot").exists()
    receipt = Assignment.objects.get(report=report, rater=city.member_a)
    assert receipt.submitted_at is not None  # who voted is known; what they voted is not


@pytest.mark.django_db
def test_closing_aggregates_ratings_with_objective_indicators(rating, monkeypatch):
    city = rating.city
    branch_a, branch_a2 = rating.report(city.branch_a), rating.report(city.branch_a2)
    users = city.users
    services.ballots_cast(actor=users["member_a"], grades={branch_a.pk: "good"})
    services.ballots_cast(
        actor=users["committee_a"], grades={branch_a.pk: "average", branch_a2.pk: "good"}
    )
    services.ballots_cast(actor=users["branch_a2"], grades={branch_a.pk: "good"})
    services.ballots_cast(actor=users["secretary_a"], grades={branch_a2.pk: "poor"})
    monkeypatch.setattr(
        objective, "responsibility_completion", lambda ids, year: {city.branch_a.pk: 0.5}
    )
    monkeypatch.setattr(objective, "stars_awarded", lambda ids, year: {city.branch_a2.pk: 5})
    services.round_close(round_=rating.round, actor=users["city_admin"])
    branch_a.refresh_from_db()
    branch_a2.refresh_from_db()
    # branch A: superior 70, peer 100, member 100 → (40×70 + 30×100 + 30×100) / 100 = 88
    assert branch_a.rating_score == Decimal("88.00")
    assert branch_a.responsibility_score == Decimal("50.00")
    assert branch_a.orglife_score is None and branch_a.stars_score is None
    # (60×88 + 20×50) / 80: org life and stars have no figure and drop out
    assert branch_a.total_score == Decimal("78.50")
    assert branch_a.grade == "一般"
    assert branch_a.ballot_count == 3
    assert branch_a.distribution["grades"] == {"good": 2, "average": 1}
    # branch A2: superior 100, peer 50 → (40×100 + 30×50) / 70; stars 100 → (60×78.57 + 10×100) / 70
    assert branch_a2.rating_score == Decimal("78.57")
    assert branch_a2.total_score == Decimal("81.63")
    assert (branch_a2.rank, branch_a.rank) == (1, 2)
    dept_a = rating.report(city.dept_a)
    assert dept_a.total_score is None and dept_a.grade == "" and dept_a.rank is None


@pytest.mark.django_db
def test_orglife_completion_matches_the_orglife_selector_for_every_report(rating):
    from orglife.selectors import completion_rate

    orgs = [rating.city.branch_a, rating.city.branch_b, rating.city.committee_a]
    rates = REAL["orglife_completion"](orgs, 2025)
    for org in orgs:
        assert rates.get(org.pk) == completion_rate(org, 2025)


@pytest.mark.django_db
def test_only_the_author_writes_the_report_and_only_until_submitted(review):
    city = review.city
    services.round_open_reporting(round_=review.round, actor=city.users["city_admin"])
    report = review.report(city.branch_a)
    with pytest.raises(PermissionDenied):
        services.report_update(report=report, text="代写", actor=city.users["committee_a"])
    with pytest.raises(ValidationError, match="请先填写"):
        services.report_submit(report=report, actor=city.users["secretary_a"])
    services.report_update(
        report=report, text="  一年来抓党建工作情况  ", actor=city.users["secretary_a"]
    )
    services.report_submit(report=report, actor=city.users["secretary_a"])
    report.refresh_from_db()
    assert report.text == "一年来抓党建工作情况" and report.is_submitted
    with pytest.raises(ValidationError, match="已提交"):
        services.report_update(report=report, text="改动", actor=city.users["secretary_a"])
    assert AuditLog.objects.filter(
        object_type="secretary_review.report", detail="提交述职报告"
    ).exists()


@pytest.mark.django_db
def test_reminders_reach_late_authors_and_raters_with_open_ballots(rating):
    from datetime import timedelta

    from django.utils import timezone

    from secretary_review.reminders import collect

    today = timezone.localdate()
    Round.objects.filter(pk=rating.round.pk).update(rating_due=today + timedelta(days=2))
    users = rating.city.users
    services.ballots_cast(
        actor=users["member_a"],
        grades={a.report_id: "good" for a in Assignment.objects.filter(rater=rating.city.member_a)},
    )
    notes = collect(today)
    recipients = {n.recipient_id for n in notes}
    assert users["committee_a"].pk in recipients and users["secretary_a"].pk in recipients
    assert users["member_a"].pk not in recipients  # has voted on everything
    assert collect(today - timedelta(days=10)) == []
