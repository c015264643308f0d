"""/api/v1/members/ through the personas: scope, masking, refusals, service errors and query counts."""

from datetime import date

import pytest

from core.models import AuditLog
from dangjian.testing import MemberFactory, make_id_number
from members.models import Member, MembershipPeriod

API = "/api/v1/members/"


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def new_member_data(city, **overrides):
    data = {
        "name": "陈静",
        "gender": "female",
        "id_number": make_id_number(date(1990, 3, 8), 21),
        "phone": "13912345678",
        "joined_on": "2015-07-01",
        "confirmed_on": "2016-07-01",
        "branch": city.branch_a.pk,
    }
    return {**data, **overrides}


# --- who sees whom ----------------------------------------------------------------------------


def test_secretary_of_branch_b_lists_none_of_branch_a_members(city, login):
    seen = ids(login("secretary_b").get(API))
    assert seen == {city.member_b.pk}
    assert not seen & set(Member.objects.filter(branch=city.branch_a).values_list("pk", flat=True))


def test_secretary_of_branch_b_gets_404_for_a_member_of_branch_a_and_it_is_audited(city, login):
    response = login("secretary_b").get(f"{API}{city.member_a.pk}/")
    assert response.status_code == 404
    assert "无权查看" in response.json()["detail"]
    entry = AuditLog.objects.get(action="access_denied", actor_name="secretary_b")
    assert entry.object_type == "members.member" and entry.object_id == str(city.member_a.pk)


def test_ordinary_member_sees_only_their_own_record(city, login):
    client = login("member_a")
    assert ids(client.get(API)) == {city.member_a.pk}
    assert client.get(f"{API}{city.member_a2.pk}/").status_code == 404


def test_committee_secretary_sees_both_branches_of_the_department(city, login):
    seen = ids(login("committee_a").get(API))
    assert {city.member_a.pk, city.member_a2.pk} <= seen and city.member_b.pk not in seen


def test_nobody_without_roles_sees_no_member(city, login):
    assert ids(login("nobody").get(API)) == set()


def test_anonymous_client_is_refused(client, city):
    assert client.get(API).status_code in (401, 403)


# --- masking ----------------------------------------------------------------------------------


def test_city_admin_sees_full_id_and_phone_numbers(city, login):
    row = login("city_admin").get(f"{API}{city.member_a.pk}/").json()
    assert row["id_number"] == city.member_a.id_number
    assert row["phone"] == "13800001111"


def test_branch_secretary_sees_masked_id_and_phone_numbers(city, login):
    rows = {r["id"]: r for r in login("secretary_a").get(API).json()["results"]}
    shown = rows[city.member_a.pk]["id_number"]
    assert shown == city.member_a.id_number[:6] + "********" + city.member_a.id_number[-4:]
    assert shown.startswith("330602********")
    assert rows[city.member_a.pk]["phone"] == "138****1111"


def test_member_sees_their_own_numbers_in_full(city, login):
    row = login("member_a").get(f"{API}{city.member_a.pk}/").json()
    assert row["id_number"] == city.member_a.id_number


def test_detail_lists_membership_history_and_current_positions(city, login):
    secretary_member = city.users["secretary_a"].member
    row = login("secretary_a").get(f"{API}{secretary_member.pk}/").json()
    assert [p["organization_name"] for p in row["membership_periods"]] == ["预算处党支部"]
    assert [(p["kind"], p["kind_display"]) for p in row["current_positions"]] == [
        ("secretary", "书记")
    ]


# --- lookup by ID number ----------------------------------------------------------------------


def test_lookup_by_posted_id_number_finds_the_member_within_scope(city, login):
    response = post(
        login("secretary_a"), f"{API}lookup/", {"id_number": city.member_a.id_number.lower()}
    )
    assert ids(response) == {city.member_a.pk}


def test_lookup_finds_nothing_outside_the_secretarys_branch(city, login):
    response = post(login("secretary_b"), f"{API}lookup/", {"id_number": city.member_a.id_number})
    assert ids(response) == set()


def test_id_number_in_a_query_string_is_refused(city, login):
    client = login("secretary_a")
    response = client.get(API, {"id_number": city.member_a.id_number})
    assert response.status_code == 400
    assert "POST" in response.json()["id_number"][0]
    assert client.get(f"{API}lookup/").status_code == 405  # lookup is POST only
    assert client.get(f"{API}lookup/", {"id_number": city.member_a.id_number}).status_code == 400


# --- writes -----------------------------------------------------------------------------------


def test_secretary_creates_a_member_and_gets_masked_numbers_back(city, login):
    response = post(login("secretary_a"), API, new_member_data(city))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id_number"] == "330602********" + make_id_number(date(1990, 3, 8), 21)[-4:]
    assert body["phone"] == "139****5678"
    assert body["birth_date"] == "1990-03-08"  # derived from the ID number
    member = Member.objects.get(pk=body["id"])
    assert member.phone == "13912345678"
    assert MembershipPeriod.objects.filter(member=member, organization=city.branch_a).exists()
    assert AuditLog.objects.filter(
        action="create", object_type="members.member", object_id=str(member.pk)
    ).exists()


def test_creating_a_member_with_a_bad_id_number_names_the_field_in_chinese(city, login):
    valid = make_id_number(date(1990, 3, 8), 22)
    bad = valid[:-1] + ("1" if valid[-1] != "1" else "2")  # wrong check character
    response = post(login("secretary_a"), API, new_member_data(city, id_number=bad))
    assert response.status_code == 400
    assert response.json()["id_number"] == ["身份证号校验位不正确（GB 11643）"]
    assert not Member.objects.filter(name="陈静").exists()


def test_duplicate_id_number_is_refused_with_a_field_message(city, login):
    response = post(
        login("secretary_a"), API, new_member_data(city, id_number=city.member_a2.id_number)
    )
    assert response.status_code == 400
    assert "已存在" in response.json()["id_number"][0]


def test_secretary_cannot_create_a_member_in_another_branch(city, login):
    response = post(login("secretary_a"), API, new_member_data(city, branch=city.branch_b.pk))
    assert response.status_code == 400
    assert "不在您可操作的组织范围内" in response.json()["branch"][0]


def test_read_only_publicity_member_can_neither_create_nor_edit(city, login):
    client = login("publicity_a")
    assert client.get(f"{API}{city.member_a.pk}/").status_code == 200
    assert post(client, API, new_member_data(city)).status_code == 403
    response = client.patch(
        f"{API}{city.member_a.pk}/", {"post": "科长"}, content_type="application/json"
    )
    assert response.status_code == 403
    city.member_a.refresh_from_db()
    assert city.member_a.post == ""
    assert AuditLog.objects.filter(action="access_denied", actor_name="publicity_a").count() == 2


def test_secretary_edits_a_member_and_a_bad_phone_is_a_field_error(city, login):
    client = login("secretary_a")
    url = f"{API}{city.member_a.pk}/"
    response = client.patch(url, {"post": "副处长"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["post"] == "副处长"
    response = client.patch(url, {"phone": "12345"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["phone"] == ["手机号应为以1开头的11位数字"]


def test_members_cannot_be_deleted(city, login):
    assert login("city_admin").delete(f"{API}{city.member_a.pk}/").status_code == 405
    assert Member.objects.filter(pk=city.member_a.pk).exists()


def test_committee_secretary_transfers_a_member_and_history_records_it(city, login):
    response = post(
        login("committee_a"),
        f"{API}{city.member_a.pk}/transfer/",
        {"to_branch": city.branch_a2.pk, "on": "2026-03-01", "reason": "岗位调整"},
    )
    assert response.status_code == 200, response.content
    periods = response.json()["membership_periods"]
    assert [(p["organization"], p["ended_on"]) for p in periods] == [
        (city.branch_a.pk, "2026-03-01"),
        (city.branch_a2.pk, None),
    ]


def test_branch_secretary_cannot_transfer_into_a_branch_outside_their_scope(city, login):
    response = post(
        login("secretary_a"),
        f"{API}{city.member_a.pk}/transfer/",
        {"to_branch": city.branch_b.pk, "reason": "岗位调整"},
    )
    assert response.status_code == 400 and "to_branch" in response.json()
    assert Member.objects.get(pk=city.member_a.pk).branch == city.branch_a


def test_status_change_keeps_the_record_and_closes_the_membership_period(city, login):
    response = post(
        login("secretary_a"),
        f"{API}{city.member_a.pk}/status/",
        {"status": "transferred_out", "on": "2026-02-01", "reason": "转出至外市"},
    )
    assert response.status_code == 200
    assert response.json()["status_display"] == "已转出"
    assert response.json()["membership_periods"][-1]["ended_on"] == "2026-02-01"


def test_unknown_status_is_a_field_error(city, login):
    response = post(
        login("secretary_a"), f"{API}{city.member_a.pk}/status/", {"status": "gone", "reason": "x"}
    )
    assert response.status_code == 400 and "status" in response.json()


# --- filters and query counts -----------------------------------------------------------------


def test_list_filters_by_organization_subtree_and_name(city, login):
    client = login("city_admin")
    assert ids(client.get(API, {"organization": city.committee_a.pk})) == set(
        Member.objects.filter(branch__in=[city.branch_a, city.branch_a2]).values_list(
            "pk", flat=True
        )
    )
    assert ids(client.get(API, {"q": "张伟"})) == {city.member_a.pk}


def test_filtering_by_an_organization_outside_scope_is_a_400(city, login):
    response = login("secretary_b").get(API, {"organization": city.branch_a.pk})
    assert response.status_code == 400 and "organization" in response.json()


@pytest.mark.parametrize("persona", ["city_admin", "secretary_a"])
def test_member_list_query_count_does_not_grow_with_members(
    city, login, persona, django_assert_max_num_queries
):
    for _ in range(30):
        MemberFactory(branch=city.branch_a, unit=city.unit_a)
    client = login(persona)
    with django_assert_max_num_queries(12):
        response = client.get(API)
    assert len(response.json()["results"]) >= 30
