"""Organization pages for each persona: home, tree, detail, units, exports and management actions."""

from datetime import date
from io import BytesIO

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from core import rules
from core.models import AuditLog
from dangjian.testing import MemberFactory, UnitFactory, make_org
from members.models import Member
from orgs import services
from orgs.models import Organization, OrganizationEvent, OrgKind, Position, PositionKind, Term, Unit

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def sheet_text(response) -> str:
    workbook = load_workbook(BytesIO(response.content), read_only=True)
    return "\n".join(
        str(v) for sheet in workbook for row in sheet.iter_rows(values_only=True) for v in row if v
    )


def branch_with_members(parent, name, full=0, probationary=0, unit=None):
    branch = make_org(name, OrgKind.BRANCH, parent, unit=unit)
    for _ in range(full):
        MemberFactory(branch=branch)
    for _ in range(probationary):
        MemberFactory(
            branch=branch, membership_kind=Member.MembershipKind.PROBATIONARY, confirmed_on=None
        )
    return branch


# ---------------------------------------------------------------- access for each persona


PAGE_URLS = [
    ("home", None),
    ("orgs:tree", None),
    ("orgs:tree_export", None),
    ("orgs:unit_list", None),
    ("orgs:unit_export", None),
    ("orgs:detail", "branch_a"),
    ("orgs:tree_children", "committee_a"),
    ("orgs:edit", "branch_a"),
    ("orgs:create", "branch_a"),
    ("orgs:term_create", "branch_a"),
]


@pytest.mark.parametrize(("name", "org"), PAGE_URLS)
def test_anonymous_visitor_is_sent_to_login(client, city, name, org):
    url = reverse(name, args=[getattr(city, org).pk] if org else [])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_city_admin_sees_every_organization_under_the_work_committee(city, login):
    client = login("city_admin")
    tree = text(client.get(reverse("orgs:tree")))
    for org in (city.work_committee, city.dept_a, city.committee_a, city.dept_b, city.branch_b):
        assert org.name in tree
    # Branches three levels down come in when their parent is expanded.
    assert city.branch_a.name not in tree
    children = text(client.get(reverse("orgs:tree_children", args=[city.committee_a.pk])))
    assert city.branch_a.name in children and city.branch_a2.name in children
    exported = sheet_text(client.get(reverse("orgs:tree_export")))
    for org in (
        city.dept_a,
        city.committee_a,
        city.branch_a,
        city.branch_a2,
        city.dept_b,
        city.branch_b,
    ):
        assert org.name in exported
    units = text(client.get(reverse("orgs:unit_list")))
    assert city.unit_a.name in units and city.unit_b.name in units
    for org in (city.branch_a, city.branch_b, city.dept_b):
        assert client.get(reverse("orgs:detail", args=[org.pk])).status_code == 200


def test_secretary_of_branch_a_sees_only_branch_a(city, login):
    client = login("secretary_a")
    tree = text(client.get(reverse("orgs:tree")))
    assert city.branch_a.name in tree
    assert city.branch_a2.name not in tree and city.branch_b.name not in tree
    assert client.get(reverse("orgs:detail", args=[city.branch_a.pk])).status_code == 200


def test_secretary_of_other_branch_gets_404_and_an_audit_row(city, login):
    client = login("secretary_a")
    response = client.get(reverse("orgs:detail", args=[city.branch_b.pk]))
    assert response.status_code == 404
    denied = AuditLog.objects.filter(
        action=AuditLog.Action.ACCESS_DENIED, actor=city.users["secretary_a"]
    )
    assert denied.filter(object_id=str(city.branch_b.pk)).exists()
    assert client.get(reverse("orgs:tree_children", args=[city.dept_b.pk])).status_code == 404
    assert (
        client.post(reverse("orgs:edit", args=[city.branch_b.pk]), {"name": "改名"}).status_code
        == 404
    )
    city.branch_b.refresh_from_db()
    assert city.branch_b.name == "教育局机关党支部"


def test_secretary_b_tree_and_export_contain_nothing_of_department_a(city, login):
    client = login("secretary_b")
    names_a = [
        city.dept_a.name,
        city.committee_a.name,
        city.branch_a.name,
        city.branch_a2.name,
        city.unit_a.name,
    ]
    pages = [
        text(client.get(reverse("orgs:tree"))),
        sheet_text(client.get(reverse("orgs:tree_export"))),
        text(client.get(reverse("orgs:unit_list"))),
        sheet_text(client.get(reverse("orgs:unit_export"))),
        text(client.get(reverse("orgs:tree"), {"q": "党支部"})),
        text(client.get(reverse("home"))),
    ]
    for page in pages:
        for name in names_a:
            assert name not in page
    assert city.branch_b.name in pages[0] and city.branch_b.name in pages[1]


def test_member_sees_their_branch_on_home_and_opens_its_public_detail(city, login):
    client = login("member_a")
    home = text(client.get(reverse("home")))
    assert city.branch_a.name in home
    assert "赵强" in home  # the branch secretary
    assert "2 名" in home  # 张伟 and 赵强
    assert reverse("members:me") in home
    detail = client.get(reverse("orgs:detail", args=[city.branch_a.pk]))
    assert detail.status_code == 200
    assert f"?organization={city.branch_a.pk}" not in text(detail)
    assert "管理" not in text(detail)
    assert client.get(reverse("orgs:detail", args=[city.branch_a2.pk])).status_code == 404


def test_member_tree_shows_only_their_branch(city, login):
    tree = text(login("member_a").get(reverse("orgs:tree")))
    assert city.branch_a.name in tree
    assert city.committee_a.name not in tree and city.branch_a2.name not in tree


def test_user_without_roles_gets_an_empty_tree(city, login):
    client = login("nobody")
    tree = client.get(reverse("orgs:tree"))
    assert tree.status_code == 200
    assert "暂无可查看的党组织" in text(tree)
    assert city.work_committee.name not in text(tree)
    assert not tree.context["rows"]
    assert "尚未分配角色" in text(client.get(reverse("home")))
    assert client.get(reverse("orgs:detail", args=[city.branch_a.pk])).status_code == 404


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("orgs:edit", {"name": "新名称", "kind": OrgKind.BRANCH}),
        ("orgs:create", {"name": "第一党小组", "kind": OrgKind.GROUP}),
        ("orgs:term_create", {"started_on": "2025-01-01", "expires_on": "2028-01-01"}),
        (
            "orgs:position_appoint",
            {"kind": PositionKind.PUBLICITY_MEMBER, "started_on": "2025-01-01"},
        ),
        ("orgs:dissolve", {"happened_on": "2025-01-01", "reason": "撤销"}),
    ],
)
def test_read_only_publicity_member_views_but_gets_403_on_changes(city, login, name, data):
    client = login("publicity_a")
    assert client.get(reverse("orgs:detail", args=[city.branch_a.pk])).status_code == 200
    assert client.get(reverse(name, args=[city.branch_a.pk])).status_code == 403
    assert client.post(reverse(name, args=[city.branch_a.pk]), data).status_code == 403
    assert not Organization.objects.filter(name__in=["新名称", "第一党小组"]).exists()
    assert Term.objects.filter(organization=city.branch_a).count() == 1


def test_system_and_audit_admins_get_links_to_their_pages(city, login):
    system_home = text(login("system_admin").get(reverse("home")))
    assert (
        reverse("accounts:user_list") in system_home
        and reverse("core:audit_log") not in system_home
    )
    audit_home = text(login("audit_admin").get(reverse("home")))
    assert (
        reverse("core:audit_log") in audit_home and reverse("accounts:user_list") not in audit_home
    )
    assert "组织建设预警" not in system_home


# ---------------------------------------------------------------- home and warnings


def test_home_shows_my_organizations_counts_and_warnings_most_severe_first(city, login):
    big = branch_with_members(city.committee_a, "七人党支部", full=7, probationary=1)
    response = login("committee_a").get(reverse("home"))
    page = text(response)
    assert city.committee_a.name in page and "机关党委书记" in page
    assert response.context["org_count"] == 4  # committee_a, branch_a, branch_a2 and the new branch
    assert response.context["branch_count"] == 3
    assert response.context["members"].full == 10 and response.context["members"].probationary == 1
    warnings = response.context["warnings"]
    levels = [w.level for _, w in warnings]
    assert levels == sorted(levels, key=lambda level: level != "danger")
    assert any(org == big and w.code == "R-ORG-1" and w.level == "danger" for org, w in warnings)
    assert reverse("orgs:detail", args=[big.pk]) in page
    assert "支部工作条例" in page  # the rule's source is shown


def test_branch_with_seven_full_members_and_no_committee_shows_r_org_1(city, login):
    branch = branch_with_members(city.committee_a, "七人党支部", full=7)
    page = text(login("committee_a").get(reverse("orgs:detail", args=[branch.pk])))
    assert "R-ORG-1" in page and "未设立支部委员会" in page
    assert "alert-danger" in page


def test_term_expiring_in_five_months_shows_r_org_3_warning(city, login):
    Term.objects.filter(organization=city.branch_a).update(
        started_on=date.today() - relativedelta(years=3) + relativedelta(months=5),
        expires_on=date.today() + relativedelta(months=5),
    )
    response = login("secretary_a").get(reverse("orgs:detail", args=[city.branch_a.pk]))
    r_org_3 = [w for w in response.context["warnings"] if w.code == "R-ORG-3"]
    assert len(r_org_3) == 1 and r_org_3[0].level == "warning"
    assert "请做好换届准备" in text(response)


def test_overdue_term_shows_as_danger(city, login):
    Term.objects.filter(organization=city.branch_a).update(
        started_on=date(2020, 1, 1), expires_on=date(2023, 1, 1)
    )
    response = login("secretary_a").get(reverse("orgs:detail", args=[city.branch_a.pk]))
    assert [w.level for w in response.context["warnings"] if w.code == "R-ORG-3"] == ["danger"]
    assert "应按期换届" in text(response) and "alert-danger" in text(response)
    tree = login("secretary_a").get(reverse("orgs:tree"))
    assert "text-bg-danger" in text(tree)


# ---------------------------------------------------------------- tree


def test_tree_search_shows_matching_organizations_with_their_ancestors(city, login):
    response = login("city_admin").get(reverse("orgs:tree"), {"q": "国库"})
    rows = response.context["rows"]
    assert [r.org for r in rows] == [city.branch_a2]
    assert city.committee_a.name in rows[0].trail
    assert city.branch_a.name not in text(response)


def test_dissolved_organizations_show_only_with_the_toggle(city, login):
    closed = make_org("教育局已撤销党支部", OrgKind.BRANCH, city.dept_b)
    services.organization_dissolve(org=closed, on=date(2025, 6, 30), reason="机构改革")
    client = login("city_admin")
    assert closed.name not in text(client.get(reverse("orgs:tree")))
    shown = text(client.get(reverse("orgs:tree"), {"closed": "1"}))
    assert closed.name in shown and "已撤销" in shown
    assert closed.name in sheet_text(client.get(reverse("orgs:tree_export"), {"closed": "1"}))
    assert closed.name not in sheet_text(client.get(reverse("orgs:tree_export")))


def test_tree_shows_subtree_member_totals_and_lazy_expanders(city, login):
    response = login("city_admin").get(reverse("orgs:tree"))
    rows = {r.org.pk: r for r in response.context["rows"]}
    assert rows[city.committee_a.pk].summary.subtree.total == 3
    assert rows[city.dept_a.pk].expanded and not rows[city.committee_a.pk].expanded
    assert rows[city.committee_a.pk].has_children
    expand = reverse("orgs:tree_children", args=[city.committee_a.pk])
    assert f'hx-get="{expand}' in text(response)


def test_htmx_search_returns_only_the_tree_body(city, login):
    response = login("city_admin").get(reverse("orgs:tree"), {"q": "教育"}, HTTP_HX_REQUEST="true")
    assert "<html" not in text(response)
    assert city.branch_b.name in text(response)


def test_tree_export_is_audited(city, login):
    login("secretary_a").get(reverse("orgs:tree_export"))
    entry = AuditLog.objects.get(action=AuditLog.Action.EXPORT, actor=city.users["secretary_a"])
    assert "组织架构" in entry.detail


# ---------------------------------------------------------------- units


def test_unit_below_the_full_time_worker_ratio_is_flagged(city, login):
    UnitFactory(
        name="人手不足的局",
        organization=city.committee_a,
        total_staff=200,
        full_time_party_workers=2,
    )
    response = login("city_admin").get(reverse("orgs:unit_list"))
    rows = {r.unit.name: r for r in response.context["rows"]}
    assert rows["人手不足的局"].below and rows["人手不足的局"].percent == "1.00"
    assert not rows[city.unit_a.name].below  # 2 of 100
    assert "R-RESP-5 未达标" in text(response)


def test_unit_ratio_reads_the_rule_value(city, login, monkeypatch):
    UnitFactory(
        name="人手不足的局",
        organization=city.committee_a,
        total_staff=200,
        full_time_party_workers=2,
    )
    relaxed = tuple(
        rules.RuleValue(r.code, "0.01", r.source, r.effective_from)
        if r.code == "R-RESP-5.full_time_worker_ratio"
        else r
        for r in rules.RULE_VALUES
    )
    monkeypatch.setattr(rules, "RULE_VALUES", relaxed)
    response = login("city_admin").get(reverse("orgs:unit_list"))
    assert not any(r.below for r in response.context["rows"])


def test_unit_list_filters_paginates_and_exports_the_same_rows(city, login):
    for index in range(55):
        UnitFactory(
            name=f"附属单位{index:02d}", organization=city.branch_b, kind=Unit.Kind.INSTITUTION
        )
    UnitFactory(
        name="人手不足的附属单位",
        organization=city.branch_b,
        kind=Unit.Kind.INSTITUTION,
        total_staff=300,
        full_time_party_workers=1,
    )
    client = login("city_admin")
    first = client.get(reverse("orgs:unit_list"), {"kind": Unit.Kind.INSTITUTION})
    assert first.context["page"].paginator.count == 56 and len(first.context["rows"]) == 50
    assert (
        len(
            client.get(
                reverse("orgs:unit_list"), {"kind": Unit.Kind.INSTITUTION, "page": 2}
            ).context["rows"]
        )
        == 6
    )
    below = client.get(reverse("orgs:unit_list"), {"below": "on"})
    assert [r.unit.name for r in below.context["rows"]] == ["人手不足的附属单位"]
    named = sheet_text(client.get(reverse("orgs:unit_export"), {"q": "附属单位0"}))
    assert "附属单位05" in named and "附属单位15" not in named and city.unit_a.name not in named
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT, object_type="orgs.unit").exists()


# ---------------------------------------------------------------- management


def test_secretary_creates_a_group_and_renames_it(city, login):
    client = login("secretary_a")
    response = client.post(
        reverse("orgs:create", args=[city.branch_a.pk]),
        {"name": "第一党小组", "kind": OrgKind.GROUP, "established_on": "2025-03-01"},
        follow=True,
    )
    group = Organization.objects.get(name="第一党小组")
    assert group.parent == city.branch_a and group.path.startswith(city.branch_a.path)
    assert "已在“预算处党支部”下新建“第一党小组”" in text(response)
    response = client.post(
        reverse("orgs:edit", args=[group.pk]),
        {"name": "综合党小组", "kind": OrgKind.GROUP},
        follow=True,
    )
    assert "组织信息已保存" in text(response)
    renamed = OrganizationEvent.objects.get(organization=group, kind=OrganizationEvent.Kind.RENAMED)
    assert (renamed.old_value, renamed.new_value) == ("第一党小组", "综合党小组")


def test_form_errors_name_the_field_in_chinese(city, login):
    response = login("secretary_a").post(
        reverse("orgs:create", args=[city.branch_a.pk]), {"kind": OrgKind.GROUP}
    )
    assert response.status_code == 200
    assert "名称：该字段是必填项。" in text(response)
    response = login("secretary_a").post(
        reverse("orgs:term_create", args=[city.branch_a.pk]),
        {"started_on": "2025-01-01", "expires_on": "2024-01-01"},
    )
    assert "届满日期：届满日期须晚于本届开始日期" in text(response)


def test_a_branch_with_members_cannot_become_a_committee(city, login):
    response = login("secretary_a").post(
        reverse("orgs:edit", args=[city.branch_a.pk]),
        {"name": city.branch_a.name, "kind": OrgKind.PARTY_COMMITTEE},
    )
    assert "组织类型：该组织仍有党员" in text(response)
    city.branch_a.refresh_from_db()
    assert city.branch_a.kind == OrgKind.BRANCH


def test_new_term_expiry_defaults_to_the_rule_term_length(city, login):
    login("secretary_a").post(
        reverse("orgs:term_create", args=[city.branch_a.pk]), {"started_on": "2027-01-01"}
    )
    assert Term.objects.filter(organization=city.branch_a, expires_on=date(2030, 1, 1)).exists()


def test_secretary_appoints_and_ends_a_position(city, login):
    client = login("secretary_a")
    url = reverse("orgs:position_appoint", args=[city.branch_a.pk])
    assert city.member_a.name in text(client.get(url))
    assert city.member_b.name not in text(client.get(url))  # only members of the organization
    response = client.post(
        url,
        {
            "member": city.member_a.pk,
            "kind": PositionKind.ORGANIZATION_MEMBER,
            "started_on": "2025-01-01",
        },
        follow=True,
    )
    assert "已任命张伟为组织委员" in text(response)
    position = Position.objects.get(member=city.member_a)
    response = client.post(
        reverse("orgs:position_end", args=[city.branch_a.pk, position.pk]),
        {"ended_on": "2025-06-30"},
        follow=True,
    )
    assert "张伟已离任组织委员" in text(response)
    position.refresh_from_db()
    assert position.ended_on == date(2025, 6, 30)


def test_second_secretary_is_refused_on_the_position_field(city, login):
    response = login("secretary_a").post(
        reverse("orgs:position_appoint", args=[city.branch_a.pk]),
        {
            "member": city.member_a.pk,
            "kind": PositionKind.SECRETARY,
            "started_on": "2025-01-01",
        },
    )
    assert "职务：该组织已有在任书记" in text(response)


def test_appointing_a_member_of_another_branch_is_refused(city, login):
    response = login("secretary_a").post(
        reverse("orgs:position_appoint", args=[city.branch_a.pk]),
        {
            "member": city.member_b.pk,
            "kind": PositionKind.PUBLICITY_MEMBER,
            "started_on": "2025-01-01",
        },
    )
    assert response.status_code == 200 and "党员：" in text(response)
    assert not Position.objects.filter(member=city.member_b).exists()


def test_branch_secretary_cannot_move_merge_or_dissolve_their_own_branch(city, login):
    client = login("secretary_a")
    for name in ("orgs:move", "orgs:merge", "orgs:dissolve"):
        assert client.get(reverse(name, args=[city.branch_a.pk])).status_code == 403


def test_city_admin_moves_a_branch_to_another_department(city, login):
    client = login("city_admin")
    move = reverse("orgs:move", args=[city.branch_b.pk])
    assert (
        city.branch_b.name not in text(client.get(move)).split("<select")[1].split("</select>")[0]
    )
    response = client.post(
        move, {"parent": city.dept_a.pk, "happened_on": "2025-05-01"}, follow=True
    )
    assert "已将“教育局机关党支部”调整到“中共测试市财政局党组”之下" in text(response)
    city.branch_b.refresh_from_db()
    assert city.branch_b.parent == city.dept_a and city.branch_b.path.startswith(city.dept_a.path)


def test_merge_moves_members_and_keeps_the_merged_branch_as_history(city, login):
    response = login("committee_a").post(
        reverse("orgs:merge", args=[city.branch_a2.pk]),
        {
            "into": city.branch_a.pk,
            "happened_on": "2025-07-01",
            "reason": "处室合并",
        },
        follow=True,
    )
    assert "已并入“预算处党支部”" in text(response)
    city.member_a2.refresh_from_db()
    city.branch_a2.refresh_from_db()
    assert city.member_a2.branch == city.branch_a
    assert (
        city.branch_a2.status == Organization.Status.MERGED
        and city.branch_a2.merged_into == city.branch_a
    )


def test_dissolving_a_branch_with_members_shows_why_it_is_refused(city, login):
    response = login("committee_a").post(
        reverse("orgs:dissolve", args=[city.branch_a2.pk]),
        {"happened_on": "2025-07-01", "reason": "撤并"},
    )
    assert response.status_code == 200
    assert "该组织仍有党员" in text(response)
    city.branch_a2.refresh_from_db()
    assert city.branch_a2.is_active


# ---------------------------------------------------------------- query counts


def grow(city, n=20):
    """Twenty more branches, each with members, a unit, a secretary and a term."""
    for index in range(n):
        unit = UnitFactory(name=f"增补单位{index}")
        branch = branch_with_members(
            city.committee_a, f"增补党支部{index}", full=2, probationary=1, unit=unit
        )
        unit.organization = branch
        unit.save()
        Position.objects.create(
            organization=branch,
            member=branch.members.first(),
            kind=PositionKind.SECRETARY,
            started_on=date(2024, 1, 1),
        )
        Term.objects.create(
            organization=branch, started_on=date(2024, 1, 1), expires_on=date(2027, 1, 1)
        )
        make_org(f"增补党小组{index}", OrgKind.GROUP, branch)


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("persona", "name", "org", "ceiling"),
    [
        ("city_admin", "home", None, 12),
        ("secretary_a", "home", None, 17),  # a reader who is also a member sees both parts
        ("member_a", "home", None, 12),
        ("city_admin", "orgs:tree", None, 12),
        ("city_admin", "orgs:tree_children", "committee_a", 13),
        ("committee_a", "orgs:detail", "committee_a", 18),
        ("member_a", "orgs:detail", "branch_a", 17),
        ("city_admin", "orgs:unit_list", None, 9),
    ],
)
def test_page_queries_do_not_grow_with_data(
    city, login, django_assert_max_num_queries, persona, name, org, ceiling
):
    client = login(persona)
    url = reverse(name, args=[getattr(city, org).pk] if org else [])
    client.get(url)  # warm up per-process caches
    before = count_queries(client, url)
    grow(city)
    with django_assert_max_num_queries(ceiling):
        after = count_queries(client, url)
    assert after == before
