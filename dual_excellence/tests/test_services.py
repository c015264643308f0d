"""双优 services: defaults, copying, cross-organization refusal, quotas, review, 公示 and award."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from core.models import AuditLog
from dual_excellence import services
from dual_excellence.models import Category, Nomination, Round
from publicity import selectors as publicity_selectors
from publicity import services as publicity

pytestmark = pytest.mark.django_db
S = Nomination.Status


def nominate(round_, category, actor, **nominee):
    return services.nominate(
        round_=round_, category=category, actor=actor, reason="成绩突出，群众公认。", **nominee
    )


def test_default_round_has_the_two_editable_default_honours(draft):
    categories = list(draft.categories.all())
    assert [c.name for c in categories] == ["党建工作优", "服务发展优"]
    assert all(c.is_default and c.weight == 50 for c in categories)
    assert draft.status == Round.Status.DRAFT


def test_admin_renames_reweights_and_replaces_categories_per_year(city, draft):
    admin = city.users["city_admin"]
    first, second = draft.categories.all()
    services.category_save(
        round_=draft, data={"name": "党建引领优", "weight": 60}, actor=admin, category=first
    )
    services.category_delete(category=second, actor=admin)
    services.category_save(
        round_=draft,
        data={"name": "作风建设优", "weight": 40, "honours": Category.Honours.ORGANIZATIONS},
        actor=admin,
    )
    assert list(draft.categories.values_list("name", "weight")) == [
        ("党建引领优", 60),
        ("作风建设优", 40),
    ]
    assert AuditLog.objects.filter(object_type="dual_excellence.category", action="delete").exists()


def test_only_the_work_committee_admin_configures_rounds(city, draft):
    with pytest.raises(PermissionDenied):
        services.category_save(round_=draft, data={"name": "改名"}, actor=city.users["committee_a"])
    assert AuditLog.objects.filter(action="access_denied", actor_name="committee_a").exists()
    assert draft.categories.filter(name="改名").count() == 0


def test_copy_keeps_categories_weights_and_area_quotas(city, draft):
    admin = city.users["city_admin"]
    services.quota_set(
        category=draft.categories.first(),
        area=city.dept_a,
        org_quota=3,
        member_quota=5,
        actor=admin,
    )
    copy = services.round_copy(round_=draft, year=2027, actor=admin)
    assert copy.name == "2027年度“双优”评选" and copy.copied_from == draft
    assert copy.nomination_deadline.year == 2027
    category = copy.categories.first()
    assert services.quota_for(category, city.dept_a) == (3, 5)
    assert services.quota_for(category, city.dept_b) == (1, 2)
    with pytest.raises(ValidationError, match="2027年度的双优评选已存在"):
        services.round_copy(round_=draft, year=2027, actor=admin)


def test_categories_are_fixed_once_nominations_open(city, round_, party_work):
    with pytest.raises(ValidationError, match="推荐提名中"):
        services.category_save(
            round_=round_,
            data={"name": "新名"},
            actor=city.users["city_admin"],
            category=party_work,
        )


def test_secretary_nominates_own_branch_and_member(city, round_, party_work):
    secretary = city.users["secretary_a"]
    org = nominate(round_, party_work, secretary, nominee_org=city.branch_a)
    person = nominate(round_, party_work, secretary, nominee_member=city.member_a)
    assert org.area == city.dept_a and org.organization == city.branch_a
    assert person.organization == city.branch_a and person.status == S.SUBMITTED
    assert (
        AuditLog.objects.filter(object_type="dual_excellence.nomination", action="create").count()
        == 2
    )


def test_nominating_another_branch_or_its_member_is_refused_and_audited(city, round_, party_work):
    secretary_b = city.users["secretary_b"]
    with pytest.raises(PermissionDenied, match="所辖组织范围"):
        nominate(round_, party_work, secretary_b, nominee_org=city.branch_a)
    with pytest.raises(PermissionDenied):
        nominate(round_, party_work, secretary_b, nominee_member=city.member_a)
    # A branch secretary cannot nominate the sister branch under the same 机关党委 either.
    with pytest.raises(PermissionDenied):
        nominate(round_, party_work, city.users["secretary_a"], nominee_org=city.branch_a2)
    assert not Nomination.objects.exists()
    assert AuditLog.objects.filter(action="access_denied", actor_name="secretary_b").count() == 2


def test_read_only_role_cannot_nominate(city, round_, party_work):
    with pytest.raises(PermissionDenied):
        nominate(round_, party_work, city.users["publicity_a"], nominee_org=city.branch_a)


def test_full_area_quota_refuses_with_a_message_naming_the_quota(city, round_, party_work):
    committee = city.users["committee_a"]
    nominate(round_, party_work, committee, nominee_org=city.branch_a)
    with pytest.raises(ValidationError) as error:
        nominate(round_, party_work, committee, nominee_org=city.branch_a2)
    message = error.value.messages[0]
    assert "中共测试市财政局党组" in message and "党建工作优" in message
    assert "名额为1个" in message and "名额已满" in message
    # The member quota (2) and the other area's quota are separate.
    nominate(round_, party_work, committee, nominee_member=city.member_a)
    nominate(round_, party_work, city.users["secretary_b"], nominee_org=city.branch_b)


def test_withdrawing_frees_the_place_and_a_raised_quota_admits_more(city, round_, party_work):
    committee, admin = city.users["committee_a"], city.users["city_admin"]
    first = nominate(round_, party_work, committee, nominee_org=city.branch_a)
    services.nomination_withdraw(nomination=first, actor=committee)
    nominate(round_, party_work, committee, nominee_org=city.branch_a2)
    with pytest.raises(ValidationError, match="名额已满"):
        nominate(round_, party_work, committee, nominee_org=city.committee_a)
    services.quota_set(
        category=party_work, area=city.dept_a, org_quota=2, member_quota=2, actor=admin
    )
    nominate(round_, party_work, committee, nominee_org=city.committee_a)
    with pytest.raises(ValidationError, match="不能少于已推荐数"):
        services.quota_set(
            category=party_work, area=city.dept_a, org_quota=1, member_quota=2, actor=admin
        )


def test_the_same_nominee_twice_in_one_category_is_refused(city, round_, party_work):
    nominate(round_, party_work, city.users["secretary_a"], nominee_member=city.member_a)
    with pytest.raises(ValidationError, match="已被推荐"):
        nominate(round_, party_work, city.users["committee_a"], nominee_member=city.member_a)


def test_category_for_organizations_only_refuses_a_member(city, round_, party_work):
    party_work.honours = Category.Honours.ORGANIZATIONS
    party_work.save()
    with pytest.raises(ValidationError, match="只表彰党组织"):
        nominate(round_, party_work, city.users["secretary_a"], nominee_member=city.member_a)


def test_no_nominations_after_the_deadline(city, round_, party_work):
    late = round_.nomination_deadline + timedelta(days=1)
    with pytest.raises(ValidationError, match="截止"):
        services.nominate(
            round_=round_,
            category=party_work,
            actor=city.users["secretary_a"],
            reason="x",
            nominee_org=city.branch_a,
            today=late,
        )


def run_to_notice(city, round_, category, today):
    """Branch A and member B accepted, branch B rejected; the 公示 starts `today`."""
    admin = city.users["city_admin"]
    a = nominate(round_, category, city.users["secretary_a"], nominee_org=city.branch_a)
    b = nominate(round_, category, city.users["secretary_b"], nominee_member=city.member_b)
    c = nominate(round_, category, city.users["secretary_b"], nominee_org=city.branch_b)
    services.nominations_close(round_=round_, actor=admin)
    services.nomination_review(nomination=a, actor=admin, accepted=True)
    services.nomination_review(nomination=b, actor=admin, accepted=True)
    services.nomination_review(nomination=c, actor=admin, accepted=False, note="材料不全")
    services.notice_publish(round_=round_, actor=admin, today=today)
    return a, b, c


def test_rejection_needs_a_reason_and_only_admins_review(city, round_, party_work):
    n = nominate(round_, party_work, city.users["secretary_a"], nominee_org=city.branch_a)
    with pytest.raises(ValidationError, match="须写明理由"):
        services.nomination_review(nomination=n, actor=city.users["city_admin"], accepted=False)
    with pytest.raises(PermissionDenied):
        services.nomination_review(nomination=n, actor=city.users["committee_a"], accepted=True)


def test_notice_waits_for_every_review(city, round_, party_work):
    nominate(round_, party_work, city.users["secretary_a"], nominee_org=city.branch_a)
    services.nominations_close(round_=round_, actor=city.users["city_admin"])
    with pytest.raises(ValidationError, match="1个推荐尚未审核"):
        services.notice_publish(round_=round_, actor=city.users["city_admin"])


def test_notice_lists_accepted_nominations_then_award_honours_the_clear_ones(
    city, round_, party_work
):
    today = timezone.localdate()
    a, b, c = run_to_notice(city, round_, party_work, today)
    notice = publicity_selectors.notice_for(a)
    assert notice.organization == city.work_committee
    assert [i.label for i in notice.items.all()] == [
        "党建工作优：预算处党支部",
        "党建工作优：李娜（教育局机关党支部）",
    ]
    assert publicity_selectors.notice_for(c) is None
    admin = city.users["city_admin"]
    with pytest.raises(ValidationError, match="公示结束后才能表彰"):
        services.round_award(round_=round_, actor=admin, today=today)
    services.round_award(round_=round_, actor=admin, today=notice.ends_on + timedelta(days=1))
    statuses = dict(Nomination.objects.values_list("pk", "status"))
    assert statuses == {a.pk: S.AWARDED, b.pk: S.AWARDED, c.pk: S.REJECTED}
    round_.refresh_from_db()
    assert round_.status == Round.Status.AWARDED


def test_objection_during_notice_blocks_award_until_answered_and_upheld_is_not_honoured(
    city, round_, party_work
):
    today = timezone.localdate()
    a, b, _ = run_to_notice(city, round_, party_work, today)
    notice = publicity_selectors.notice_for(a)
    item = notice.items.get(subject_id=a.pk)
    objection = publicity.objection_lodge(
        item=item,
        actor=city.users["member_a"],
        content="该支部全年主题党日未按月开展。",
        today=today,
    )
    admin, after = city.users["city_admin"], notice.ends_on + timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        services.round_award(round_=round_, actor=admin, today=after)
    assert "异议尚未答复" in error.value.messages[0] and "预算处党支部" in error.value.messages[0]
    assert Nomination.objects.filter(status=S.AWARDED).count() == 0
    publicity.objection_answer(
        objection=objection, actor=admin, upheld=True, answer="经核实，情况属实。"
    )
    services.round_award(round_=round_, actor=admin, today=after)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status) == (S.NOT_AWARDED, S.AWARDED)


def test_rejected_objection_still_honours(city, round_, party_work):
    today = timezone.localdate()
    a, _, _ = run_to_notice(city, round_, party_work, today)
    notice = publicity_selectors.notice_for(a)
    objection = publicity.objection_lodge(
        item=notice.items.get(subject_id=a.pk), actor=city.users["member_a"], content="有异议"
    )
    admin = city.users["city_admin"]
    publicity.objection_answer(
        objection=objection, actor=admin, upheld=False, answer="经核实不属实"
    )
    services.round_award(round_=round_, actor=admin, today=notice.ends_on + timedelta(days=1))
    a.refresh_from_db()
    assert a.status == S.AWARDED
