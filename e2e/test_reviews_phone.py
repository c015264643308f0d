"""联述联评联考 and 民主评议党员 as a member meets them on a 375 px phone.

A member grades the 述职 of their secretaries anonymously and never sees their choice again; a
member writes their 个人自评 and, after the 支部大会, sees their own grade and nobody else's.
Drives Debian's chromium through Playwright; skips (saying so) where the machine has no chromium.
"""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from core.models import AuditLog
from dangjian.testing import MemberFactory
from e2e.conftest import needs_chromium
from e2e.test_orglife_phone import fits_the_screen, log_in
from member_review import services as member_review
from member_review.models import Grade, MemberReview
from members.models import Member
from orgs.models import Position, PositionKind
from secretary_review import services as secretary_review
from secretary_review.models import Assignment, Ballot

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def round_in_rating(city):
    """A round over the 工委 where 赵强 (branch A) and 钱进 (committee A) have reported."""
    admin, users = city.users["city_admin"], city.users
    qian = MemberFactory(name="钱进", branch=city.branch_a2, unit=city.unit_a)
    Position.objects.create(
        organization=city.committee_a,
        member=qian,
        kind=PositionKind.SECRETARY,
        started_on=date(2024, 1, 1),
    )
    users["committee_a"].member = qian
    users["committee_a"].save()
    round_ = secretary_review.round_create(
        actor=admin, area=city.work_committee, year=timezone.localdate().year - 1
    )
    assert secretary_review.round_open_reporting(round_=round_, actor=admin) == 2
    for username in ("secretary_a", "committee_a"):
        report = round_.reports.get(secretary=users[username].member)
        secretary_review.report_update(
            report=report, text=f"{report.secretary.name}的年度述职", actor=users[username]
        )
        secretary_review.report_submit(report=report, actor=users[username])
    secretary_review.round_open_rating(round_=round_, actor=admin)
    return round_


def test_a_member_grades_the_reports_anonymously_and_never_sees_the_grade_again(
    phone, live_server, city
):
    round_ = round_in_rating(city)
    zhao = round_.reports.get(organization=city.branch_a)
    qian = round_.reports.get(organization=city.committee_a)
    assert set(
        Assignment.objects.filter(rater=city.member_a).values_list("report_id", flat=True)
    ) == {zhao.pk, qian.pk}

    page = phone()
    page.on("dialog", lambda dialog: dialog.accept())  # "确定匿名提交所选等次？"
    page.goto(f"{live_server.url}/accounts/login/?next=/secretary-review/ballots/")
    log_in(page, "member_a")
    page.wait_for_url("**/secretary-review/ballots/")
    assert page.get_by_text("共 2 份，待测评 2 份").is_visible()
    assert fits_the_screen(page)

    # Radios are tapped through their labels, as a thumb would.
    page.click(f'label[for="g-{zhao.pk}-fairly_good"]')
    page.click(f'label[for="g-{qian.pk}-average"]')
    page.get_by_role("button", name="匿名提交已选等次").click()
    page.get_by_text("已匿名提交 2 份测评。").wait_for()

    form = page.locator("form", has_text=round_.name)
    assert form.get_by_text("已测评").count() == 2
    assert page.get_by_text("共 2 份，待测评 0 份").is_visible()
    assert form.locator("input[type=radio]").count() == 0
    assert page.get_by_role("button", name="匿名提交已选等次").count() == 0
    body = page.locator("body").inner_text()
    for label in ("较好", "一般", "fairly_good", "average"):
        assert label not in body
    assert fits_the_screen(page)

    # Stored: two ballots of the 党员 group carrying grade and report only, receipts on the tasks.
    assert sorted(Ballot.objects.values_list("report_id", "group", "grade")) == sorted(
        [(zhao.pk, "member", "fairly_good"), (qian.pk, "member", "average")]
    )
    linked = {f.related_model for f in Ballot._meta.get_fields() if f.is_relation}
    assert linked.isdisjoint({User, Member}) and not linked - {type(zhao)}
    assert not Assignment.objects.filter(rater=city.member_a, submitted_at__isnull=True).exists()
    trail = " ".join(
        f"{e.detail} {e.changes}" for e in AuditLog.objects.filter(actor=city.users["member_a"])
    )
    assert "提交民主测评 2 份" in trail
    assert "fairly_good" not in trail and "average" not in trail

    # Reloading changes nothing: still no way to see or change the grade.
    page.reload()
    assert page.locator("form", has_text=round_.name).get_by_text("已测评").count() == 2
    assert "较好" not in page.locator("body").inner_text()


def test_a_member_self_assesses_and_later_sees_only_their_own_result(phone, live_server, city):
    chen = MemberFactory(name="陈静", branch=city.branch_a, unit=city.unit_a)
    secretary = city.users["secretary_a"]
    review = member_review.review_open(
        branch=city.branch_a,
        year=timezone.localdate().year,
        self_assessment_due=timezone.localdate() + timedelta(days=7),
        actor=secretary,
    )
    mine = review.entries.get(member=city.member_a)

    page = phone()
    page.goto(f"{live_server.url}/accounts/login/?next=/member-review/mine/")
    log_in(page, "member_a")
    page.wait_for_url("**/member-review/mine/")
    assert fits_the_screen(page)
    text = "一年来认真学习党的理论，按时参加组织生活，履职尽责，作风上还需更加深入基层。"
    page.fill(f"#id_self_assessment-{mine.pk}", text)
    page.select_option(f"#id_self_grade-{mine.pk}", label="合格")
    page.get_by_role("button", name="提交自评").click()
    page.get_by_text("个人自评已提交。").wait_for()
    assert page.get_by_text("（已提交，截止前可修改）").is_visible()
    assert fits_the_screen(page)
    mine.refresh_from_db()
    assert mine.self_assessment == text and mine.self_grade == Grade.QUALIFIED
    assert mine.self_assessed_by == city.users["member_a"] and mine.self_assessed_at

    # The secretary moves on to the 支委会 proposal: no result is shown yet.
    member_review.review_advance(review=review, actor=secretary)
    member_review.review_advance(review=review, actor=secretary)
    page.reload()
    card = page.locator("section.card", has_text=f"{review.year}年度")
    assert card.get_by_text("评议结果待支部大会审议后公布。").is_visible()
    assert "评议等次" not in card.inner_text()

    entries = {e.member_id: e.pk for e in review.entries.all()}
    grades = {
        city.member_a.pk: Grade.QUALIFIED,
        secretary.member_id: Grade.QUALIFIED,
        chen.pk: Grade.BASICALLY_QUALIFIED,
    }
    member_review.proposals_save(
        review=review,
        proposals={entries[m]: {"grade": g} for m, g in grades.items()},
        actor=secretary,
    )
    member_review.review_decide(
        review=review,
        meeting_on=timezone.localdate(),
        decisions={entries[m]: {"grade": g} for m, g in grades.items()},
        meeting_note="应到3人，实到3人",
        actor=secretary,
    )
    assert (
        MemberReview.objects.get(pk=review.pk).status == MemberReview.Status.GENERAL_MEETING_DECIDED
    )

    page.reload()
    card = page.locator("section.card", has_text=f"{review.year}年度")
    assert card.locator("p", has_text="评议等次").inner_text() == "评议等次：合格"
    body = page.locator("body").inner_text()
    for other in ("陈静", "赵强", "基本合格"):
        assert other not in body
    page.get_by_text("我的个人自评").click()
    assert page.get_by_text(text).is_visible()
    assert fits_the_screen(page)
