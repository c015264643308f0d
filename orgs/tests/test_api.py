"""/api/v1/ organizations, units, positions and terms through the personas."""

from datetime import date

import pytest

from core.models import AuditLog
from dangjian.testing import MemberFactory, make_org
from members.models import Member
from orgs.models import Organization, OrganizationEvent, OrgKind, Position, Term, Unit

ORGS = "/api/v1/organizations/"


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def department_a(city) -> set[int]:
    return {city.dept_a.pk, city.committee_a.pk, city.branch_a.pk, city.branch_a2.pk}


# --- who sees which organizations -------------------------------------------------------------


def test_secretary_of_branch_b_lists_none_of_department_a(city, login):
    seen = ids(login("secretary_b").get(ORGS))
    assert seen == {city.branch_b.pk}
    assert not seen & department_a(city)


def test_secretary_of_branch_b_gets_404_for_branch_a_and_it_is_audited(city, login):
    client = login("secretary_b")
    assert client.get(f"{ORGS}{city.branch_a.pk}/").status_code == 404
    assert client.get(f"{ORGS}{city.committee_a.pk}/children/").status_code == 404
    entries = AuditLog.objects.filter(
        action="access_denied", actor_name="secretary_b", object_type="orgs.organization"
    )
    assert {e.object_id for e in entries} == {str(city.branch_a.pk), str(city.committee_a.pk)}


def test_ordinary_member_sees_only_their_own_branch(city, login):
    assert ids(login("member_a").get(ORGS)) == {city.branch_a.pk}


def test_city_admin_sees_the_whole_work_committee_tree(city, login):
    seen = ids(login("city_admin").get(ORGS))
    assert seen == set(
        Organization.objects.subtree(city.work_committee).values_list("pk", flat=True)
    )
    assert city.root.pk not in seen


def test_list_filters_by_kind_subtree_parent_and_name(city, login):
    client = login("city_admin")
    assert ids(client.get(ORGS, {"kind": "branch", "under": city.dept_a.pk})) == {
        city.branch_a.pk,
        city.branch_a2.pk,
    }
    assert ids(client.get(ORGS, {"parent": city.committee_a.pk})) == {
        city.branch_a.pk,
        city.branch_a2.pk,
    }
    assert ids(client.get(ORGS, {"search": "国库"})) == {city.branch_a2.pk}
    assert ids(client.get(ORGS, {"status": "dissolved"})) == set()


def test_subtree_filter_on_an_organization_outside_scope_is_a_400(city, login):
    response = login("secretary_b").get(ORGS, {"under": city.dept_a.pk})
    assert response.status_code == 400 and "under" in response.json()


def test_detail_carries_member_counts_and_rule_warnings(city, login):
    body = login("secretary_a").get(f"{ORGS}{city.branch_a.pk}/").json()
    assert body["kind_display"] == "党支部"
    assert body["summary"]["own"] == {"full": 2, "probationary": 0, "total": 2}
    assert body["summary"]["has_secretary"] is True
    assert body["summary"]["term"]["expires_on"] == "2027-01-01"
    r_org_1 = [w for w in body["summary"]["warnings"] if w["code"] == "R-ORG-1"]
    assert r_org_1 and "正式党员仅2名" in r_org_1[0]["message"] and r_org_1[0]["source"]


def test_committee_detail_counts_members_of_the_whole_subtree(city, login):
    summary = login("committee_a").get(f"{ORGS}{city.committee_a.pk}/").json()["summary"]
    assert summary["own"]["total"] == 0
    assert (
        summary["subtree"]["total"]
        == Member.objects.filter(branch__in=[city.branch_a, city.branch_a2]).count()
    )


def test_children_lists_direct_sub_organizations(city, login):
    response = login("committee_a").get(f"{ORGS}{city.committee_a.pk}/children/")
    assert ids(response) == {city.branch_a.pk, city.branch_a2.pk}


# --- writes -----------------------------------------------------------------------------------


def test_secretary_creates_a_party_group_under_their_branch(city, login):
    response = post(
        login("secretary_a"),
        ORGS,
        {"name": "第一党小组", "kind": "group", "parent": city.branch_a.pk},
    )
    assert response.status_code == 201, response.content
    org = Organization.objects.get(pk=response.json()["id"])
    assert org.parent == city.branch_a and org.path.startswith(city.branch_a.path)
    assert OrganizationEvent.objects.filter(organization=org, kind="created").exists()
    assert AuditLog.objects.filter(
        action="create", object_type="orgs.organization", object_id=str(org.pk)
    ).exists()


def test_creating_under_an_organization_outside_write_scope_names_the_parent(city, login):
    response = post(
        login("secretary_a"),
        ORGS,
        {"name": "越权支部", "kind": "branch", "parent": city.branch_b.pk},
    )
    assert response.status_code == 400
    assert "不在您可操作的组织范围内" in response.json()["parent"][0]
    assert not Organization.objects.filter(name="越权支部").exists()


def test_missing_fields_are_reported_in_chinese(city, login):
    response = post(login("city_admin"), ORGS, {"kind": "branch", "parent": city.dept_b.pk})
    assert response.status_code == 400 and response.json()["name"] == ["该字段是必填项。"]


def test_read_only_publicity_member_cannot_rename_the_branch(city, login):
    response = patch(login("publicity_a"), f"{ORGS}{city.branch_a.pk}/", {"name": "改名"})
    assert response.status_code == 403
    assert Organization.objects.get(pk=city.branch_a.pk).name == "预算处党支部"
    assert AuditLog.objects.filter(action="access_denied", actor_name="publicity_a").exists()


def test_rename_is_recorded_in_the_organization_history(city, login):
    response = patch(
        login("committee_a"), f"{ORGS}{city.branch_a.pk}/", {"name": "预算处第一党支部"}
    )
    assert response.status_code == 200 and response.json()["name"] == "预算处第一党支部"
    assert OrganizationEvent.objects.filter(organization=city.branch_a, kind="renamed").exists()


def test_organizations_cannot_be_deleted(city, login):
    assert login("city_admin").delete(f"{ORGS}{city.branch_a2.pk}/").status_code == 405
    assert Organization.objects.filter(pk=city.branch_a2.pk).exists()


def test_city_admin_moves_a_branch_to_another_department(city, login):
    response = post(
        login("city_admin"), f"{ORGS}{city.branch_a2.pk}/move/", {"parent": city.dept_b.pk}
    )
    assert response.status_code == 200, response.content
    assert response.json()["parent"] == city.dept_b.pk
    city.branch_a2.refresh_from_db()
    assert city.branch_a2.path.startswith(city.dept_b.path)


def test_moving_needs_write_scope_over_the_new_parent(city, login):
    response = post(
        login("committee_a"), f"{ORGS}{city.branch_a2.pk}/move/", {"parent": city.dept_b.pk}
    )
    assert response.status_code == 400 and "parent" in response.json()


def test_dissolving_a_branch_with_members_is_refused_with_the_reason(city, login):
    response = post(
        login("committee_a"), f"{ORGS}{city.branch_a2.pk}/dissolve/", {"reason": "机构改革"}
    )
    assert response.status_code == 400
    assert response.json()["non_field_errors"] == ["该组织仍有党员，请先转接党员组织关系"]


def test_merge_moves_members_and_keeps_the_merged_branch_as_history(city, login):
    client = login("committee_a")
    response = post(
        client,
        f"{ORGS}{city.branch_a2.pk}/merge/",
        {"into": city.branch_a.pk, "reason": "机构调整"},
    )
    assert response.status_code == 200, response.content
    assert (
        response.json()["status"] == "merged" and response.json()["merged_into"] == city.branch_a.pk
    )
    assert Member.objects.get(pk=city.member_a2.pk).branch == city.branch_a
    response = post(client, f"{ORGS}{city.branch_a2.pk}/dissolve/", {"reason": "重复撤销"})
    assert response.status_code == 400


def test_empty_branch_can_be_dissolved(city, login):
    empty = make_org("空支部", OrgKind.BRANCH, city.committee_a)
    response = post(
        login("committee_a"),
        f"{ORGS}{empty.pk}/dissolve/",
        {"on": "2026-01-31", "reason": "无党员"},
    )
    assert response.status_code == 200
    assert (
        response.json()["status_display"] == "已撤销"
        and response.json()["ended_on"] == "2026-01-31"
    )


@pytest.mark.parametrize("persona", ["city_admin", "committee_a"])
def test_organization_list_query_count_does_not_grow(
    city, login, persona, django_assert_max_num_queries
):
    for n in range(30):
        branch = make_org(f"新增支部{n}", OrgKind.BRANCH, city.committee_a, unit=city.unit_a)
        MemberFactory(branch=branch)
    client = login(persona)
    with django_assert_max_num_queries(12):
        response = client.get(ORGS)
    assert len(response.json()["results"]) >= 30


# --- units ------------------------------------------------------------------------------------


def test_units_are_scoped_and_cannot_be_deleted(city, login):
    assert ids(login("secretary_b").get("/api/v1/units/")) == {city.unit_b.pk}
    assert login("secretary_b").get(f"/api/v1/units/{city.unit_a.pk}/").status_code == 404
    assert login("city_admin").delete(f"/api/v1/units/{city.unit_a.pk}/").status_code == 405


def test_committee_secretary_creates_and_updates_a_unit(city, login):
    client = login("committee_a")
    data = {"name": "市财政局直属分局", "organization": city.committee_a.pk, "total_staff": 40}
    response = post(client, "/api/v1/units/", data)
    assert response.status_code == 201, response.content
    unit_id = response.json()["id"]
    response = patch(client, f"/api/v1/units/{unit_id}/", {"full_time_party_workers": 1})
    assert response.status_code == 200 and Unit.objects.get(pk=unit_id).full_time_party_workers == 1
    duplicate = post(client, "/api/v1/units/", {**data, "organization": city.branch_a.pk})
    assert duplicate.status_code == 400 and "name" in duplicate.json()


# --- positions and terms ----------------------------------------------------------------------


def test_secretary_appoints_and_ends_a_position(city, login):
    client = login("secretary_a")
    response = post(
        client,
        "/api/v1/positions/",
        {
            "organization": city.branch_a.pk,
            "member": city.member_a.pk,
            "kind": "publicity_member",
            "started_on": "2025-01-01",
        },
    )
    assert response.status_code == 201, response.content
    position_id = response.json()["id"]
    assert response.json()["member_name"] == "张伟"
    response = post(client, f"/api/v1/positions/{position_id}/end/", {"ended_on": "2024-12-01"})
    assert response.status_code == 400 and response.json()["ended_on"] == [
        "离任日期不能早于任职日期"
    ]
    response = post(client, f"/api/v1/positions/{position_id}/end/", {"ended_on": "2026-01-01"})
    assert response.status_code == 200 and Position.objects.get(pk=position_id).ended_on == date(
        2026, 1, 1
    )


def test_a_second_secretary_is_refused_with_the_field_named(city, login):
    response = post(
        login("secretary_a"),
        "/api/v1/positions/",
        {
            "organization": city.branch_a.pk,
            "member": city.member_a.pk,
            "kind": "secretary",
            "started_on": "2025-01-01",
        },
    )
    assert response.status_code == 400 and "kind" in response.json()


def test_positions_of_another_department_are_invisible(city, login):
    position = Position.objects.get(organization=city.branch_a)
    client = login("secretary_b")
    assert ids(client.get("/api/v1/positions/")) == set()
    assert client.get(f"/api/v1/positions/{position.pk}/").status_code == 404
    assert (
        post(login("publicity_a"), f"/api/v1/positions/{position.pk}/end/", {}).status_code == 403
    )


def test_terms_are_listed_within_scope_and_registered_with_checked_dates(city, login):
    assert ids(login("secretary_b").get("/api/v1/terms/")) == set()
    client = login("secretary_a")
    assert len(ids(client.get("/api/v1/terms/"))) == 1
    bad = post(
        client,
        "/api/v1/terms/",
        {"organization": city.branch_a.pk, "started_on": "2027-01-01", "expires_on": "2026-01-01"},
    )
    assert bad.status_code == 400 and bad.json()["expires_on"] == ["届满日期须晚于本届开始日期"]
    good = post(
        client,
        "/api/v1/terms/",
        {"organization": city.branch_a.pk, "started_on": "2027-01-01", "expires_on": "2030-01-01"},
    )
    assert good.status_code == 201 and Term.objects.filter(organization=city.branch_a).count() == 2
