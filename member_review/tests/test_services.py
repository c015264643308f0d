from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import AuditLog
from member_review import rules, services
from member_review.models import BallotReceipt, Grade, MemberReview, Rectification, ReviewEntry

from .conftest import entry_of, to_proposal

pytestmark = pytest.mark.django_db
G = Grade


def grades_for(review, excellent=(), unqualified=(), probation=None, months=None):
    out = {}
    for entry in review.entries.select_related("member"):
        name = entry.member.name
        grade = G.EXCELLENT if name in excellent else G.QUALIFIED
        if name in unqualified:
            grade = G.UNQUALIFIED
        out[entry.pk] = {
            "grade": grade,
            "probation_decision": (probation or {}).get(name, ""),
            "probation_months": (months or {}).get(name, ""),
        }
    return out


def test_opening_lists_members_in_good_standing_with_probationary_flag(review):
    names = set(review.entries.values_list("member__name", flat=True))
    assert names == {"张伟", "赵强", "陈静", "刘洋", "杨帆", "黄磊"}
    assert entry_of(review, "黄磊").is_probationary
    assert not entry_of(review, "张伟").is_probationary
    assert review.status == MemberReview.Status.SELF_ASSESSMENT
    assert (
        AuditLog.objects.filter(object_type="member_review.reviewentry", action="create").count()
        == 6
    )


def test_a_branch_is_reviewed_once_a_year(city, review):
    with pytest.raises(ValidationError, match="已开展民主评议党员"):
        services.review_open(
            branch=city.branch_a,
            year=review.year,
            self_assessment_due=timezone.localdate(),
        )


def test_only_branches_hold_member_reviews(city):
    with pytest.raises(ValidationError, match="以党支部"):
        services.review_open(
            branch=city.committee_a, year=2026, self_assessment_due=timezone.localdate()
        )


def test_quota_rounds_down_a_third_of_members_reviewed():
    on = date(2026, 1, 1)
    assert [rules.excellent_limit(n, on) for n in (2, 3, 6, 10, 31)] == [0, 1, 2, 3, 10]
    assert rules.share_text(on) == "1/3"


def test_quota_rule_is_marked_unverified_with_source_and_date():
    from core.rules import rule_in_force

    rule = rule_in_force(rules.QUOTA_CODE, date(2026, 1, 1))
    assert rule.unverified and "未经核实" in rule.source and rule.effective_from == date(2018, 1, 1)


def test_proposal_at_exactly_the_quota_is_accepted_and_one_above_is_refused(review):
    to_proposal(review)
    at_limit = grades_for(review, excellent=("张伟", "陈静"))
    services.proposals_save(review=review, proposals=at_limit)
    assert review.entries.filter(proposed_grade=G.EXCELLENT).count() == 2
    above = grades_for(review, excellent=("张伟", "陈静", "刘洋"))
    with pytest.raises(ValidationError) as caught:
        services.proposals_save(review=review, proposals=above)
    message = caught.value.messages[0]
    assert "1/3" in message and "最多可评2名优秀" in message and "现为3名" in message
    assert review.entries.filter(proposed_grade=G.EXCELLENT).count() == 2  # nothing saved


def test_decision_checks_the_quota_again(review):
    to_proposal(review)
    services.proposals_save(review=review, proposals=grades_for(review, excellent=("张伟",)))
    with pytest.raises(ValidationError, match="最多可评2名优秀"):
        services.review_decide(
            review=review,
            meeting_on=timezone.localdate(),
            decisions=grades_for(review, excellent=("张伟", "陈静", "刘洋")),
        )
    review.refresh_from_db()
    assert review.status == MemberReview.Status.COMMITTEE_PROPOSAL
    services.review_decide(
        review=review,
        meeting_on=timezone.localdate(),
        decisions=grades_for(review, excellent=("张伟", "陈静")),
    )
    review.refresh_from_db()
    assert review.status == MemberReview.Status.GENERAL_MEETING_DECIDED
    assert review.entries.filter(final_grade=G.EXCELLENT).count() == 2


def test_unqualified_full_member_gets_a_one_year_rectification(review):
    to_proposal(review)
    meeting = timezone.localdate()
    services.review_decide(
        review=review, meeting_on=meeting, decisions=grades_for(review, unqualified=("刘洋",))
    )
    rectification = Rectification.objects.get()
    assert rectification.entry.member.name == "刘洋"
    assert rectification.deadline == date(meeting.year + 1, meeting.month, meeting.day)
    assert rectification.outcome == Rectification.Outcome.PENDING


def test_unqualified_probationary_member_needs_extend_or_cancel_not_rectification(review):
    to_proposal(review)
    with pytest.raises(ValidationError, match="黄磊为预备党员.*延长预备期或取消预备党员资格"):
        services.review_decide(
            review=review,
            meeting_on=timezone.localdate(),
            decisions=grades_for(review, unqualified=("黄磊",)),
        )
    extend = {"黄磊": ReviewEntry.ProbationDecision.EXTEND}
    with pytest.raises(ValidationError, match="黄磊：延长预备期须确定延长期限（6至12个月）"):
        services.review_decide(
            review=review,
            meeting_on=timezone.localdate(),
            decisions=grades_for(review, unqualified=("黄磊",), probation=extend),
        )
    services.review_decide(
        review=review,
        meeting_on=timezone.localdate(),
        decisions=grades_for(review, unqualified=("黄磊",), probation=extend, months={"黄磊": 6}),
    )
    entry = entry_of(review, "黄磊")
    assert entry.probation_decision == ReviewEntry.ProbationDecision.EXTEND
    assert entry.probation_extension_months == 6
    assert not Rectification.objects.exists()


def test_probation_decision_is_dropped_for_members_not_rated_unqualified(review):
    to_proposal(review)
    services.review_decide(
        review=review,
        meeting_on=timezone.localdate(),
        decisions=grades_for(review, probation={"黄磊": ReviewEntry.ProbationDecision.CANCEL}),
    )
    assert entry_of(review, "黄磊").probation_decision == ""


def test_self_assessment_only_during_its_stage(review):
    entry = entry_of(review, "张伟")
    services.self_assessment_submit(
        entry=entry, text="认真学习，履职尽责。", self_grade=G.QUALIFIED
    )
    entry.refresh_from_db()
    assert entry.self_assessed_at is not None
    services.review_advance(review=review)
    with pytest.raises(ValidationError, match="个人自评"):
        services.self_assessment_submit(entry=entry, text="再改一次")


def test_mutual_grades_are_stored_as_counts_without_the_rater(city, review):
    services.review_advance(review=review)
    rater = entry_of(review, "张伟")
    peers = review.entries.exclude(pk=rater.pk)
    grades = {e.pk: G.QUALIFIED for e in peers}
    grades[entry_of(review, "陈静").pk] = G.EXCELLENT
    receipt = services.ballot_submit(
        review=review, rater=city.member_a, grades=grades, actor=city.users["member_a"]
    )
    assert entry_of(review, "陈静").mutual_counts() == {
        "excellent": 1,
        "qualified": 0,
        "basically_qualified": 0,
        "unqualified": 0,
    }
    assert entry_of(review, "刘洋").mutual_qualified == 1
    assert entry_of(review, "张伟").mutual_votes == 0  # nobody rates themself
    # The receipt says who voted, never how; the audit log neither.
    receipt_fields = {f.name for f in BallotReceipt._meta.fields}
    assert not receipt_fields & {"grade", "grades", "entry"}
    assert receipt.peers_graded == 5
    logged = AuditLog.objects.filter(actor_name="member_a")
    assert logged.count() == 1
    assert "excellent" not in str(logged.get().changes)
    assert not AuditLog.objects.filter(
        object_type="member_review.reviewentry", action="update", actor_name="member_a"
    ).exists()


def test_a_member_votes_once_and_for_every_peer_but_not_themself(city, review):
    services.review_advance(review=review)
    rater = entry_of(review, "张伟")
    peers = {e.pk: G.QUALIFIED for e in review.entries.exclude(pk=rater.pk)}
    with pytest.raises(ValidationError, match="不评价本人"):
        services.ballot_submit(
            review=review, rater=city.member_a, grades={**peers, rater.pk: G.EXCELLENT}
        )
    with pytest.raises(ValidationError, match="不评价本人"):
        services.ballot_submit(
            review=review, rater=city.member_a, grades=dict(list(peers.items())[:2])
        )
    services.ballot_submit(review=review, rater=city.member_a, grades=peers)
    with pytest.raises(ValidationError, match="不能重复提交"):
        services.ballot_submit(review=review, rater=city.member_a, grades=peers)


def test_member_of_another_branch_cannot_vote(city, review):
    services.review_advance(review=review)
    peers = {e.pk: G.QUALIFIED for e in review.entries.all()}
    with pytest.raises(ValidationError, match="不在本次评议"):
        services.ballot_submit(review=review, rater=city.member_b, grades=peers)


def test_removal_only_after_the_rectification_period(review):
    to_proposal(review)
    services.review_decide(
        review=review,
        meeting_on=timezone.localdate(),
        decisions=grades_for(review, unqualified=("刘洋",)),
    )
    rectification = Rectification.objects.get()
    services.follow_up_add(
        rectification=rectification, noted_on=timezone.localdate(), text="支部书记谈心谈话"
    )
    with pytest.raises(ValidationError, match="期满"):
        services.rectification_conclude(
            rectification=rectification,
            outcome=Rectification.Outcome.REMOVED,
            outcome_on=timezone.localdate(),
        )
    Rectification.objects.filter(pk=rectification.pk).update(
        deadline=timezone.localdate() - timedelta(days=1)
    )
    rectification.refresh_from_db()
    services.rectification_conclude(
        rectification=rectification,
        outcome=Rectification.Outcome.PERSUADED_TO_LEAVE,
        outcome_on=timezone.localdate(),
    )
    rectification.refresh_from_db()
    assert rectification.outcome == Rectification.Outcome.PERSUADED_TO_LEAVE
    with pytest.raises(ValidationError, match="已有处理结果"):
        services.follow_up_add(rectification=rectification, noted_on=timezone.localdate(), text="x")


def test_stages_run_in_order_and_close(review):
    services.review_advance(review=review)
    services.review_advance(review=review)
    with pytest.raises(ValidationError, match="支部大会"):
        services.review_advance(review=review)
    services.review_decide(
        review=review, meeting_on=timezone.localdate(), decisions=grades_for(review)
    )
    review = services.review_advance(review=review)
    assert review.status == MemberReview.Status.CLOSED and review.closed_on
    with pytest.raises(ValidationError, match="已结束"):
        services.review_advance(review=review)


def test_a_review_is_for_this_year_or_last_never_the_future(city, branch_a_members):
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="评议年度"):
        services.review_open(branch=city.branch_a, year=today.year + 1, self_assessment_due=today)
    review = services.review_open(
        branch=city.branch_a, year=today.year - 1, self_assessment_due=today
    )
    assert review.year == today.year - 1
