from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import AuditLog
from orgs.models import OrgKind, Position, PositionKind
from responsibility import selectors, services
from responsibility.models import Level, ListItem, ListTemplate, ResponsibilityList

from .conftest import YEAR

Status = ListItem.Status


def finish(item, actor, evidence="会议纪要已归档"):
    services.item_progress(item=item, actor=actor, percent=100, evidence_text=evidence)
    return services.item_submit(item=item, actor=actor)


@pytest.mark.django_db
def test_issuing_gives_every_organization_of_the_level_one_list_owned_by_its_secretary(
    city, issued
):
    assert {o.pk for o in issued} == {
        city.dept_a.pk,
        city.dept_b.pk,
        city.committee_a.pk,
        city.branch_a.pk,
        city.branch_a2.pk,
        city.branch_b.pk,
    }
    assert issued[city.dept_a].level == Level.PARTY_GROUP
    assert issued[city.committee_a].level == Level.PARTY_COMMITTEE
    branch = issued[city.branch_a]
    assert branch.secretary.name == "赵强"
    assert issued[city.branch_b].secretary is None  # no secretary on record: 空缺
    titles = list(branch.items.values_list("title", flat=True))
    assert "书记讲党课" in titles and "抓党建工作述职" in titles
    group_items = issued[city.dept_a].items.values_list("rule_code", flat=True)
    assert {"R-RESP-3", "R-RESP-5", "R-LIFE-4", "R-RESP-4"} <= set(group_items)
    staffing = issued[city.dept_a].items.get(rule_code="R-RESP-5")
    assert "2%" in staffing.target  # read from the rule value, not typed in
    assert AuditLog.objects.filter(
        object_type="responsibility.responsibilitylist", action="create"
    ).count() == len(issued)


@pytest.mark.django_db
def test_issuing_again_adds_new_organizations_and_follows_a_new_secretary(city, issued):
    from dangjian.testing import MemberFactory, make_org

    admin = city.users["city_admin"]
    new_branch = make_org("新设党支部", OrgKind.BRANCH, city.committee_a)
    newcomer = MemberFactory(name="钱新", branch=city.branch_b)
    Position.objects.create(
        organization=city.branch_b,
        member=newcomer,
        kind=PositionKind.SECRETARY,
        started_on=date(YEAR, 2, 1),
    )
    template = ListTemplate.objects.get(year=YEAR, level=Level.BRANCH)
    result = services.template_issue(template=template, actor=admin, today=date(YEAR, 3, 1))
    assert (result.created, result.secretaries_updated) == (1, 1)
    assert ResponsibilityList.objects.get(organization=new_branch).items.count() > 0
    assert ResponsibilityList.objects.get(organization=city.branch_b).secretary == newcomer
    assert ResponsibilityList.objects.filter(organization=city.branch_a).count() == 1


@pytest.mark.django_db
def test_next_year_copies_last_years_edited_template_in_one_action(city, issued):
    admin = city.users["city_admin"]
    draft = services.templates_prepare(
        work_committee=city.work_committee, year=YEAR + 1, actor=admin
    )
    assert len(draft) == 3 and all(t.copied_from.year == YEAR for t in draft)
    branch = next(t for t in draft if t.level == Level.BRANCH)
    services.template_item_save(
        template=branch,
        data={"order": 20, "title": "支部品牌建设", "target": "打造1个支部品牌", "weight": 3},
        actor=admin,
    )
    branch.refresh_from_db()
    assert not branch.is_default  # the 工委's own now
    third = services.templates_prepare(
        work_committee=city.work_committee, year=YEAR + 2, actor=admin
    )
    copied = next(t for t in third if t.level == Level.BRANCH)
    assert copied.items.filter(title="支部品牌建设", weight=3).exists()
    assert (
        services.templates_prepare(work_committee=city.work_committee, year=YEAR + 2, actor=admin)
        == []
    )


@pytest.mark.django_db
def test_an_issued_template_is_locked_and_only_administrators_change_templates(city, issued):
    template = ListTemplate.objects.get(year=YEAR, level=Level.BRANCH)
    with pytest.raises(ValidationError, match="已下发"):
        services.template_item_save(
            template=template, data={"title": "x", "target": "y"}, actor=city.users["city_admin"]
        )
    with pytest.raises(PermissionDenied):
        services.templates_prepare(
            work_committee=city.work_committee, year=YEAR + 1, actor=city.users["committee_a"]
        )
    assert AuditLog.objects.filter(action="access_denied", actor_name="committee_a").exists()


@pytest.mark.django_db
def test_submit_needs_full_progress_and_evidence_then_the_superior_confirms(city, branch_list):
    secretary, superior = city.users["secretary_a"], city.users["committee_a"]
    item = branch_list.items.first()
    services.item_progress(item=item, actor=secretary, percent=60, progress_note="已开展两次")
    with pytest.raises(ValidationError, match="100%"):
        services.item_submit(item=item, actor=secretary)
    services.item_progress(item=item, actor=secretary, percent=100)
    with pytest.raises(ValidationError, match="佐证"):
        services.item_submit(item=item, actor=secretary)
    finish(item, secretary)
    assert item.status == Status.SUBMITTED
    with pytest.raises(ValidationError, match="不能再修改进度"):
        services.item_progress(item=item, actor=secretary, percent=50)
    services.item_confirm(item=item, actor=superior)
    item.refresh_from_db()
    assert item.status == Status.CONFIRMED and item.reviewed_by == superior
    changes = AuditLog.objects.filter(object_type="responsibility.listitem", object_id=str(item.pk))
    assert changes.count() == 5  # 2 progress updates, 1 more, submit, confirm


@pytest.mark.django_db
def test_a_returned_item_carries_the_reason_and_can_be_resubmitted(city, branch_list):
    secretary, superior = city.users["secretary_a"], city.users["committee_a"]
    item = finish(branch_list.items.first(), secretary)
    with pytest.raises(ValidationError):
        services.item_return(item=item, actor=superior, reason="  ")
    services.item_return(item=item, actor=superior, reason="缺少会议记录")
    item.refresh_from_db()
    assert (item.status, item.return_reason) == (Status.RETURNED, "缺少会议记录")
    finish(item, secretary, "补充会议记录")
    item.refresh_from_db()
    assert item.status == Status.SUBMITTED and item.return_reason == ""


@pytest.mark.django_db
def test_completion_counts_confirmed_weight_only(city, branch_list):
    secretary, superior = city.users["secretary_a"], city.users["committee_a"]
    items = list(branch_list.items.order_by("order"))
    total = sum(i.weight for i in items)
    heavy = next(i for i in items if i.weight == 2)
    light = next(i for i in items if i.weight == 1)
    for item in (heavy, light):
        services.item_confirm(item=finish(item, secretary), actor=superior)
    services.item_progress(item=items[-1], actor=secretary, percent=50)  # reported only
    completion = selectors.list_completion([city.branch_a.pk, city.branch_a2.pk, 999999], YEAR)
    assert completion[city.branch_a.pk] == pytest.approx(3 / total)
    assert completion[city.branch_a2.pk] == 0.0
    assert 999999 not in completion
    assert selectors.list_completion([city.branch_a.pk], YEAR - 1) == {}


@pytest.mark.django_db
def test_lists_for_member_returns_the_secretarys_own_lists(city, branch_list):
    secretary_member = city.users["secretary_a"].member
    assert list(selectors.lists_for_member(secretary_member, YEAR)) == [branch_list]
    assert list(selectors.lists_for_member(secretary_member, YEAR + 1)) == []
    assert list(selectors.lists_for_member(city.member_a, YEAR)) == []


@pytest.mark.django_db
def test_list_submit_sends_every_ready_item_and_leaves_the_rest(city, branch_list):
    secretary = city.users["secretary_a"]
    first, second = branch_list.items.order_by("order")[:2]
    services.item_progress(item=first, actor=secretary, percent=100, evidence_text="记录")
    services.item_progress(item=second, actor=secretary, percent=80, evidence_text="记录")
    assert services.list_submit(responsibility_list=branch_list, actor=secretary) == 1
    with pytest.raises(ValidationError, match="没有可提交"):
        services.list_submit(responsibility_list=branch_list, actor=secretary)
