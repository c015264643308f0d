from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.models import AuditLog
from member_review import services
from member_review.models import Grade, MemberReview, Rectification

from .conftest import entry_of, to_proposal

pytestmark = pytest.mark.django_db
G = Grade


def url(name, *args):
    return reverse(f"member_review:{name}", args=args)


def decide_all(review, excellent=(), unqualified=()):
    decisions = {}
    for entry in review.entries.select_related("member"):
        name = entry.member.name
        grade = G.EXCELLENT if name in excellent else G.QUALIFIED
        decisions[entry.pk] = {"grade": G.UNQUALIFIED if name in unqualified else grade}
    services.review_decide(review=review, meeting_on=timezone.localdate(), decisions=decisions)


def test_whole_review_through_the_pages(city, branch_a_members, login):
    secretary, member = login("secretary_a"), login("member_a")
    today = timezone.localdate()
    response = secretary.post(
        url("review_open"),
        {
            "branch": city.branch_a.pk,
            "year": today.year,
            "self_assessment_due": (today + timedelta(days=7)).isoformat(),
        },
    )
    review = MemberReview.objects.get()
    assert response.url == url("review_detail", review.pk)

    # The member writes the self-assessment on their own page.
    page = member.get(url("mine")).content.decode()
    assert "提交自评" in page
    member.post(url("mine_self_assessment", review.pk), {"self_assessment": "对照党员标准自查。"})
    assert entry_of(review, "张伟").self_assessed_at is not None
    # The secretary records one for a member without an account.
    chen = entry_of(review, "陈静")
    secretary.post(url("entry_detail", chen.pk), {"self_assessment": "书面自评代录。"})
    assert entry_of(review, "陈静").self_assessment == "书面自评代录。"

    secretary.post(url("review_advance", review.pk))
    ballot = member.get(url("mine_ballot", review.pk)).content.decode()
    assert "陈静" in ballot and "提交互评" in ballot
    peers = review.entries.exclude(member=city.member_a)
    data = {f"grade_{e.pk}": G.QUALIFIED for e in peers}
    data[f"grade_{chen.pk}"] = G.EXCELLENT
    member.post(url("mine_ballot", review.pk), data)
    assert "已提交互评" in member.get(url("mine")).content.decode()

    secretary.post(url("review_advance", review.pk))
    detail = secretary.get(url("review_detail", review.pk)).content.decode()
    assert "1/0/0/0" in detail  # 陈静's anonymous tally

    # HTMX proposal: one above the quota is refused in place, naming the limit.
    entries = list(review.entries.select_related("member"))
    proposal = {f"grade_{e.pk}": G.QUALIFIED for e in entries}
    for e in entries[:3]:
        proposal[f"grade_{e.pk}"] = G.EXCELLENT
    response = secretary.post(url("review_propose", review.pk), proposal, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "最多可评2名优秀，现为3名" in body and "<html" not in body
    proposal[f"grade_{entries[2].pk}"] = G.QUALIFIED
    response = secretary.post(url("review_propose", review.pk), proposal, HTTP_HX_REQUEST="true")
    assert "支委会意见已保存" in response.content.decode()

    decide_page = secretary.get(url("review_decide", review.pk)).content.decode()
    assert "登记支部大会审议结果" in decide_page
    form = {"meeting_on": today.isoformat()}
    for e in entries:
        form[f"grade_{e.pk}"] = G.QUALIFIED
    form[f"grade_{entry_of(review, '张伟').pk}"] = G.EXCELLENT
    form[f"grade_{entry_of(review, '赵强').pk}"] = G.BASICALLY_QUALIFIED
    response = secretary.post(url("review_decide", review.pk), form)
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == MemberReview.Status.GENERAL_MEETING_DECIDED

    # The member sees their own grade, nobody else's.
    mine = member.get(url("mine")).content.decode()
    assert "优秀" in mine and "赵强" not in mine and "基本合格" not in mine
    assert member.get(url("review_detail", review.pk)).status_code == 404
    assert member.get(url("index")).url == url("mine")


def test_probationary_member_unqualified_needs_a_decision_on_the_page(city, review, login):
    to_proposal(review)
    secretary = login("secretary_a")
    form = {"meeting_on": timezone.localdate().isoformat()}
    for e in review.entries.all():
        form[f"grade_{e.pk}"] = G.QUALIFIED
    huang = entry_of(review, "黄磊")
    form[f"grade_{huang.pk}"] = G.UNQUALIFIED
    page = secretary.post(url("review_decide", review.pk), form).content.decode()
    assert "延长预备期或取消预备党员资格" in page
    form[f"probation_{huang.pk}"] = "cancel_probation"
    assert secretary.post(url("review_decide", review.pk), form).status_code == 302
    detail = secretary.get(url("review_detail", review.pk)).content.decode()
    assert "取消预备党员资格" in detail


def test_rectification_follow_up_on_its_page(city, review, login):
    to_proposal(review)
    decide_all(review, unqualified=("刘洋",))
    rectification = Rectification.objects.get()
    secretary = login("secretary_a")
    page = secretary.get(url("rectification_detail", rectification.pk)).content.decode()
    assert "刘洋" in page and "改正期限" in page
    secretary.post(
        url("rectification_detail", rectification.pk),
        {"form": "note", "noted_on": timezone.localdate().isoformat(), "text": "第一次谈话"},
    )
    assert rectification.notes.get().text == "第一次谈话"
    page = secretary.post(
        url("rectification_detail", rectification.pk),
        {"form": "conclude", "outcome": "removed", "outcome_on": timezone.localdate().isoformat()},
    ).content.decode()
    assert "期满" in page
    rectification.refresh_from_db()
    assert rectification.outcome == Rectification.Outcome.PENDING


def test_secretary_of_branch_b_is_refused_pages_and_export(city, review, login):
    to_proposal(review)
    decide_all(review, excellent=("张伟",), unqualified=("刘洋",))
    other = login("secretary_b")
    entry = entry_of(review, "张伟")
    for path in (
        url("review_detail", review.pk),
        url("entry_detail", entry.pk),
        url("rectification_detail", Rectification.objects.get().pk),
        url("review_decide", review.pk),
    ):
        assert other.get(path).status_code == 404, path
    assert other.post(url("review_advance", review.pk)).status_code == 404
    assert other.post(url("review_propose", review.pk), {}).status_code == 404
    index = other.get(url("index") + f"?year={review.year}").content.decode()
    assert city.branch_a.name not in index and "张伟" not in index
    # Asking for the other department's roll-up falls back to one's own scope.
    index = other.get(url("index") + f"?year={review.year}&org={city.dept_a.pk}").content.decode()
    assert city.dept_a.name not in index
    export = other.get(url("export") + f"?year={review.year}&org={city.dept_a.pk}")
    cells = [
        str(v)
        for sheet in load_workbook(BytesIO(export.content), read_only=True)
        for row in sheet.iter_rows(values_only=True)
        for v in row
    ]
    assert city.branch_a.name not in cells and city.dept_a.name not in cells
    assert AuditLog.objects.filter(action="access_denied", actor_name="secretary_b").exists()


def test_read_only_role_sees_but_cannot_change(city, review, login):
    viewer = login("publicity_a")
    assert viewer.get(url("review_detail", review.pk)).status_code == 200
    assert viewer.post(url("review_advance", review.pk)).status_code == 403
    entry = entry_of(review, "张伟")
    assert viewer.post(url("entry_detail", entry.pk), {"self_assessment": "x"}).status_code == 403
    assert viewer.get(url("review_open")).status_code == 403
    review.refresh_from_db()
    assert review.status == MemberReview.Status.SELF_ASSESSMENT


def test_roll_up_for_the_work_committee_with_grade_distribution_and_export(city, review, login):
    to_proposal(review)
    decide_all(review, excellent=("张伟", "陈静"), unqualified=("刘洋",))
    admin = login("city_admin")
    page = admin.get(url("index") + f"?year={review.year}").content.decode()
    assert city.dept_a.name in page and city.dept_b.name in page
    assert "33%" in page  # 2 of 6 rated 优秀
    export = admin.get(url("export") + f"?year={review.year}")
    workbook = load_workbook(BytesIO(export.content), read_only=True)
    rollup = list(workbook["按组织汇总"].iter_rows(values_only=True))
    dept_a_row = next(r for r in rollup if r[0] == city.dept_a.name)
    # branches, opened, closed, members, 优秀, 合格, 基本合格, 不合格, share
    assert dept_a_row[1:9] == (2, 1, 0, 6, 2, 3, 0, 1)
    assert dept_a_row[9] == "33.3%"
    branch_rows = list(workbook["各支部评议"].iter_rows(values_only=True))
    assert any(r[0] == city.branch_a.name for r in branch_rows)
    member_rows = list(workbook["党员评议结果"].iter_rows(values_only=True))
    liu = next(r for r in member_rows if r[1] == "刘洋")
    assert liu[3] == "不合格" and liu[5] and liu[6] == "改正中"
    assert len(member_rows) == 1 + 6
    # No personal numbers anywhere in the export.
    everything = str(rollup + branch_rows + member_rows)
    assert city.member_a.phone not in everything and city.member_a.id_number not in everything


def test_committee_sees_its_branches_and_drills_down(city, review, login):
    page = login("committee_a").get(url("index")).content.decode()
    assert city.branch_a.name in page
    assert "个人自评" in page


def test_member_without_record_or_role_is_refused(login):
    assert login("nobody").get(url("index")).status_code == 403
    assert "尚未关联党员档案" in login("nobody").get(url("mine")).content.decode()


def test_index_costs_the_same_queries_for_one_review_or_many(
    city, review, login, django_assert_max_num_queries
):
    from dangjian.testing import MemberFactory, make_org

    admin = login("city_admin")
    admin.get(url("index"))
    with django_assert_max_num_queries(20) as one:
        admin.get(url("index"))
    for i in range(6):
        branch = make_org(f"测试第{i}党支部", "branch", city.committee_a)
        MemberFactory(branch=branch, unit=city.unit_a)
        services.review_open(
            branch=branch, year=review.year, self_assessment_due=timezone.localdate()
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        admin.get(url("index"))
