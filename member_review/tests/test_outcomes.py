"""R-MEM-3 outcomes reach the member's record: 除名, 劝退, 取消预备党员资格, 延长预备期; 已改正 not."""

from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog
from member_review import services
from member_review.models import MemberReview, RecordChange, Rectification, ReviewEntry
from members import services as member_services
from members.models import Member, MembershipPeriod

from .conftest import entry_of, to_proposal
from .test_services import grades_for

pytestmark = pytest.mark.django_db
P = ReviewEntry.ProbationDecision
Outcome = Rectification.Outcome
TODAY = timezone.localdate()


def trail(member):
    return AuditLog.objects.filter(object_type="members.member", object_id=str(member.pk))


def member_named(name):
    return Member.objects.get(name=name)


@pytest.fixture
def rectification(review):
    """刘洋 rated 不合格 and the year of 限期改正 already over."""
    to_proposal(review)
    services.review_decide(
        review=review, meeting_on=TODAY, decisions=grades_for(review, unqualified=("刘洋",))
    )
    Rectification.objects.update(deadline=TODAY - timedelta(days=1))
    return Rectification.objects.get()


def conclude(rectification, outcome, actor=None):
    return services.rectification_conclude(
        rectification=rectification, outcome=outcome, outcome_on=TODAY, note="", actor=actor
    )


def decide_probation(review, decision, months=None, actor=None):
    to_proposal(review)
    return services.review_decide(
        review=review,
        meeting_on=TODAY,
        decisions=grades_for(
            review,
            unqualified=("黄磊",),
            probation={"黄磊": decision},
            months={"黄磊": months} if months else None,
        ),
        actor=actor,
    )


def test_removal_sets_the_status_ends_the_period_and_is_audited(city, rectification):
    secretary = city.users["secretary_a"]
    conclude(rectification, Outcome.REMOVED, actor=secretary)
    liu = member_named("刘洋")
    assert liu.status == Member.Status.REMOVED
    period = MembershipPeriod.objects.get(member=liu)
    assert period.ended_on == TODAY
    assert f"{city.branch_a.name}{TODAY.year}年度民主评议党员" in period.reason
    assert "予以除名" in period.reason
    change = RecordChange.objects.get()
    assert change.kind == RecordChange.Kind.REMOVED and change.effective_on == TODAY
    assert change.summary == f"除名（{TODAY:%Y-%m-%d}）"
    logged = trail(liu).get(action="update")
    assert logged.changes["status"] == ["active", "removed"]
    assert logged.detail == period.reason and logged.actor_name == "secretary_a"
    assert AuditLog.objects.filter(
        object_type="member_review.recordchange", action="create", actor_name="secretary_a"
    ).exists()


def test_persuading_to_leave_ends_the_membership_as_left_on_the_decision_date(rectification):
    conclude(rectification, Outcome.PERSUADED_TO_LEAVE)
    liu = member_named("刘洋")
    assert liu.status == Member.Status.LEFT
    period = MembershipPeriod.objects.get(member=liu)
    assert period.ended_on == TODAY and "劝其退党" in period.reason
    change = RecordChange.objects.get()
    assert change.status_after == Member.Status.LEFT
    assert change.summary == f"劝其退党（出党）（{TODAY:%Y-%m-%d}）"


def test_corrected_closes_the_rectification_without_touching_the_record(rectification):
    logged = trail(member_named("刘洋")).count()
    conclude(rectification, Outcome.CORRECTED)
    rectification.refresh_from_db()
    assert rectification.outcome == Outcome.CORRECTED
    liu = member_named("刘洋")
    assert liu.status == Member.Status.ACTIVE
    assert MembershipPeriod.objects.get(member=liu).ended_on is None
    assert not RecordChange.objects.exists()
    assert trail(liu).count() == logged


def test_cancelling_probation_ends_the_membership_from_the_meeting(city, review):
    decide_probation(review, P.CANCEL, actor=city.users["secretary_a"])
    huang = member_named("黄磊")
    assert huang.status == Member.Status.LEFT
    assert huang.membership_kind == Member.MembershipKind.PROBATIONARY  # what they were
    period = MembershipPeriod.objects.get(member=huang)
    assert period.ended_on == TODAY and period.reason.startswith("取消预备党员资格")
    assert trail(huang).get(action="update").detail.startswith("取消预备党员资格")
    assert RecordChange.objects.get().kind == RecordChange.Kind.PROBATION_CANCELLED


def test_extending_probation_is_recorded_with_its_new_end(city, review):
    joined = TODAY - timedelta(days=300)
    Member.objects.filter(name="黄磊").update(joined_on=joined)
    decide_probation(review, P.EXTEND, months=6, actor=city.users["secretary_a"])
    change = RecordChange.objects.get()
    new_end = joined + relativedelta(years=1, months=6)
    assert change.probation_ends_on == new_end
    assert change.summary == f"延长预备期至{new_end:%Y-%m-%d}"
    huang = member_named("黄磊")
    assert huang.status == Member.Status.ACTIVE and huang.is_probationary
    assert MembershipPeriod.objects.get(member=huang).ended_on is None
    logged = trail(huang).get(action="update")
    assert logged.changes == {
        "probation_ends_on": [
            (joined + relativedelta(years=1)).isoformat(),
            new_end.isoformat(),
        ]
    }
    assert "延长预备期6个月" in logged.detail


def test_extension_length_must_fit_the_rule(review):
    to_proposal(review)
    with pytest.raises(ValidationError, match="延长期限（6至12个月）"):
        services.review_decide(
            review=review,
            meeting_on=TODAY,
            decisions=grades_for(
                review, unqualified=("黄磊",), probation={"黄磊": P.EXTEND}, months={"黄磊": 13}
            ),
        )
    assert not RecordChange.objects.exists()


def test_applying_twice_does_nothing_the_second_time(rectification):
    conclude(rectification, Outcome.REMOVED)
    entry = rectification.entry
    first = RecordChange.objects.get()
    logged = AuditLog.objects.count()
    again = services.outcome_apply(entry=entry)
    assert again.pk == first.pk
    assert AuditLog.objects.count() == logged
    assert RecordChange.objects.count() == 1
    assert member_named("刘洋").status == Member.Status.REMOVED


def test_a_member_no_longer_active_is_refused_and_nothing_is_concluded(rectification):
    liu = member_named("刘洋")
    member_services.member_set_status(
        member=liu, status=Member.Status.TRANSFERRED_OUT, on=TODAY, reason="调往外省"
    )
    with pytest.raises(ValidationError, match="刘洋的党籍状态已为“已转出”，不能再变更为“除名”"):
        conclude(rectification, Outcome.REMOVED)
    rectification.refresh_from_db()
    assert rectification.outcome == Outcome.PENDING  # one transaction with the decision
    assert not RecordChange.objects.exists()
    assert member_named("刘洋").status == Member.Status.TRANSFERRED_OUT


def test_a_probationary_member_no_longer_active_stops_the_decision(review):
    Member.objects.filter(name="黄磊").update(status=Member.Status.DECEASED)
    with pytest.raises(ValidationError, match="黄磊的党籍状态已为“去世”"):
        decide_probation(review, P.CANCEL)
    review.refresh_from_db()
    assert review.status == MemberReview.Status.COMMITTEE_PROPOSAL
    assert not ReviewEntry.objects.exclude(final_grade="").exists()


# --- pages and API -------------------------------------------------------------------------


def url(name, *args):
    return reverse(f"member_review:{name}", args=args)


def test_pages_say_the_record_was_updated(city, rectification, login):
    secretary = login("secretary_a")
    response = secretary.post(
        url("rectification_detail", rectification.pk),
        {"form": "conclude", "outcome": "removed", "outcome_on": TODAY.isoformat()},
        follow=True,
    )
    page = response.content.decode()
    shown = f"党员档案已更新：除名（{TODAY:%Y-%m-%d}）"
    assert shown in page  # both in the message and on the page
    review = rectification.entry.review
    assert shown in secretary.get(url("review_detail", review.pk)).content.decode()
    assert shown in secretary.get(url("entry_detail", rectification.entry_id)).content.decode()


def test_probation_decided_on_the_page_updates_the_record(city, review, login):
    to_proposal(review)
    secretary = login("secretary_a")
    huang = entry_of(review, "黄磊")
    form = {"meeting_on": TODAY.isoformat()}
    for e in review.entries.all():
        form[f"grade_{e.pk}"] = "qualified"
    form[f"grade_{huang.pk}"] = "unqualified"
    form[f"probation_{huang.pk}"] = P.EXTEND
    page = secretary.post(url("review_decide", review.pk), form).content.decode()
    assert "延长期限（6至12个月）" in page
    form[f"months_{huang.pk}"] = "12"
    response = secretary.post(url("review_decide", review.pk), form, follow=True)
    page = response.content.decode()
    assert "1名预备党员的党员档案已相应更新" in page
    change = RecordChange.objects.get()
    assert f"党员档案已更新：{change.summary}" in page


def test_an_earlier_decision_is_carried_over_once_from_the_entry_page(city, review, login):
    """Entries decided before outcomes were applied (e.g. demo data) get a button instead."""
    decide_probation(review, P.EXTEND, months=6)
    RecordChange.objects.all().delete()
    entry = entry_of(review, "黄磊")
    ReviewEntry.objects.filter(pk=entry.pk).update(probation_extension_months=None)
    secretary = login("secretary_a")
    page = secretary.get(url("entry_detail", entry.pk)).content.decode()
    assert "该决定尚未记入党员档案" in page and "记入党员档案" in page
    # Someone without write access is refused; a secretary of branch B never sees it.
    assert login("publicity_a").post(url("entry_apply", entry.pk)).status_code == 403
    assert login("secretary_b").post(url("entry_apply", entry.pk)).status_code == 404
    secretary.post(url("entry_apply", entry.pk), {"extension_months": "8"})
    change = RecordChange.objects.get()
    assert change.probation_ends_on.month  # recorded
    entry.refresh_from_db()
    assert entry.probation_extension_months == 8
    logged = AuditLog.objects.count()
    response = secretary.post(url("entry_apply", entry.pk), {"extension_months": "12"}, follow=True)
    assert RecordChange.objects.get().pk == change.pk
    assert AuditLog.objects.count() == logged
    assert f"党员档案已更新：{change.summary}" in response.content.decode()


def test_api_concludes_and_reports_the_record_change(city, rectification, login):
    api = "/api/v1/member-review-rectifications"
    assert (
        login("secretary_b")
        .post(
            f"{api}/{rectification.pk}/conclude/",
            {"outcome": "removed", "outcome_on": TODAY.isoformat()},
            content_type="application/json",
        )
        .status_code
        == 404
    )
    response = login("secretary_a").post(
        f"{api}/{rectification.pk}/conclude/",
        {"outcome": "removed", "outcome_on": TODAY.isoformat()},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    change = response.json()["record_change"]
    assert change["kind"] == "removed" and change["summary"] == f"除名（{TODAY:%Y-%m-%d}）"
    assert member_named("刘洋").status == Member.Status.REMOVED


def test_api_apply_is_idempotent_and_scoped(city, review, login):
    decide_probation(review, P.CANCEL)
    entry = entry_of(review, "黄磊")
    api = f"/api/v1/member-review-entries/{entry.pk}/apply/"
    assert login("secretary_b").post(api, {}, content_type="application/json").status_code == 404
    assert login("publicity_a").post(api, {}, content_type="application/json").status_code == 403
    logged = AuditLog.objects.filter(action="update").count()
    response = login("secretary_a").post(api, {}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["record_change"]["kind"] == "probation_cancelled"
    assert AuditLog.objects.filter(action="update").count() == logged


def test_probation_is_extended_once_only(city, review):
    decide_probation(review, P.EXTEND, months=12)
    first = RecordChange.objects.get()
    earlier = services.review_open(
        branch=city.branch_a, year=review.year - 1, self_assessment_due=TODAY
    )
    with pytest.raises(ValidationError, match="预备期已延长至.*不能再次延长"):
        decide_probation(earlier, P.EXTEND, months=6)
    assert RecordChange.objects.get() == first
