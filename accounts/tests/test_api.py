"""/api/v1/ token login, the caller's profile, accounts and role assignments."""

from datetime import date, timedelta

import pytest
from django.test import Client

from accounts.models import RoleAssignment, User
from core.models import AuditLog
from dangjian.testing import PASSWORD

TOKEN = "/api/v1/auth/token/"
NEW_PASSWORD = "Xinmima#2026"


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def token_for(username, password=PASSWORD):
    return post(Client(), TOKEN, {"username": username, "password": password})


def token_client(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Token {token}")


# --- token login ------------------------------------------------------------------------------


def test_token_from_username_and_password_opens_the_api(city):
    response = token_for("secretary_a")
    assert response.status_code == 200
    client = token_client(response.json()["token"])
    assert client.get("/api/v1/me/").json()["username"] == "secretary_a"
    ids = {row["id"] for row in client.get("/api/v1/members/").json()["results"]}
    assert city.member_a.pk in ids and city.member_b.pk not in ids
    assert AuditLog.objects.filter(action="login", actor_name="secretary_a").exists()


def test_token_login_accepts_the_phone_number(city):
    user = city.users["secretary_b"]
    user.phone = "13912340000"
    user.save()
    assert token_for("13912340000").status_code == 200


def test_wrong_password_is_a_400_in_chinese_and_audited(city):
    response = token_for("secretary_a", "wrong-Password1")
    assert response.status_code == 400
    assert "token" not in response.json()
    assert "无法使用提供的认证信息登录" in response.json()["non_field_errors"][0]
    assert AuditLog.objects.filter(action="login_failed", object_repr="secretary_a").exists()


def test_five_wrong_passwords_lock_the_account_even_for_the_right_password(city):
    for _ in range(5):
        assert token_for("secretary_a", "wrong-Password1").status_code == 400
    user = User.objects.get(username="secretary_a")
    assert user.locked_until is not None
    assert AuditLog.objects.filter(action="locked", object_id=str(user.pk)).exists()
    assert token_for("secretary_a").status_code == 400


def test_a_successful_token_login_resets_the_failure_count(city):
    for _ in range(4):
        token_for("secretary_a", "wrong-Password1")
    assert token_for("secretary_a").status_code == 200
    assert User.objects.get(username="secretary_a").failed_logins == 0


def test_a_bad_token_is_refused(city):
    assert token_client("0" * 40).get("/api/v1/me/").status_code in (401, 403)


# --- own profile ------------------------------------------------------------------------------


def test_me_shows_own_roles_organizations_and_member_record(city, login):
    body = login("secretary_a").get("/api/v1/me/").json()
    assert body["display_name"] == "赵强"
    assert body["member"] == city.users["secretary_a"].member_id
    assert [(r["role"], r["role_display"], r["organization_name"]) for r in body["roles"]] == [
        ("branch_secretary", "支部书记", "预算处党支部"),
    ]


def test_me_leaves_out_ended_roles(city, login):
    RoleAssignment.objects.filter(user=city.users["committee_a"]).update(
        ended_on=date.today() - timedelta(days=1)
    )
    assert login("committee_a").get("/api/v1/me/").json()["roles"] == []


# --- accounts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["city_admin", "secretary_a", "audit_admin", "member_a"])
def test_only_the_system_administrator_manages_accounts(city, login, persona):
    client = login(persona)
    assert client.get("/api/v1/users/").status_code == 403
    assert client.get("/api/v1/role-assignments/").status_code == 403
    assert AuditLog.objects.filter(action="access_denied", actor_name=persona).count() == 2


def test_system_administrator_lists_accounts_with_masked_phones(city, login):
    user = city.users["secretary_b"]
    user.phone = "13912340000"
    user.save()
    rows = {r["username"]: r for r in login("system_admin").get("/api/v1/users/").json()["results"]}
    assert {"city_admin", "secretary_a", "member_a", "secretary_b"} <= set(rows)
    assert rows["secretary_b"]["phone"] == "139****0000"
    assert [r["organization_name"] for r in rows["secretary_b"]["roles"]] == ["教育局机关党支部"]


def test_created_account_must_change_its_password_before_using_the_api(city, login):
    response = post(
        login("system_admin"),
        "/api/v1/users/",
        {
            "username": "wang_new",
            "password": NEW_PASSWORD,
            "phone": "13600001111",
            "role": "publicity_member",
            "organization": city.branch_b.pk,
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["must_change_password"] is True
    assert "password" not in response.json()
    token = token_for("wang_new", NEW_PASSWORD).json()["token"]
    client = token_client(token)
    refused = client.get("/api/v1/members/")
    assert refused.status_code == 403 and "修改初始密码" in refused.json()["detail"]
    assert client.get("/api/v1/me/").json()["must_change_password"] is True


def test_weak_initial_password_is_named_in_the_error(city, login):
    response = post(
        login("system_admin"),
        "/api/v1/users/",
        {
            "username": "weak_one",
            "password": "abcdefgh",
            "role": "publicity_member",
            "organization": city.branch_b.pk,
        },
    )
    assert response.status_code == 400 and "password" in response.json()
    assert not User.objects.filter(username="weak_one").exists()


def test_account_linked_to_nothing_is_refused(city, login):
    response = post(
        login("system_admin"), "/api/v1/users/", {"username": "loose", "password": NEW_PASSWORD}
    )
    assert response.status_code == 400 and response.json()["role"] == [
        "请关联党员档案或授予至少一个角色"
    ]


# --- role assignments -------------------------------------------------------------------------


def test_system_administrator_grants_and_ends_a_role(city, login):
    client = login("system_admin")
    response = post(
        client,
        "/api/v1/role-assignments/",
        {
            "user": city.users["publicity_a"].pk,
            "role": "discipline_member",
            "organization": city.branch_a.pk,
        },
    )
    assert response.status_code == 201, response.content
    assignment_id = response.json()["id"]
    response = post(
        client,
        f"/api/v1/role-assignments/{assignment_id}/end/",
        {"effective_on": str(date.today())},
    )
    assert response.status_code == 200
    assert not RoleAssignment.objects.active().filter(pk=assignment_id).exists()
    assert RoleAssignment.objects.filter(pk=assignment_id).exists()  # ended, kept as history


def test_system_administrator_cannot_grant_themself_a_role(city, login):
    admin = city.users["system_admin"]
    response = post(
        login("system_admin"),
        "/api/v1/role-assignments/",
        {
            "user": admin.pk,
            "role": "city_admin",
            "organization": city.work_committee.pk,
        },
    )
    assert response.status_code == 400 and "role" in response.json()
    assert not RoleAssignment.objects.filter(user=admin, role="city_admin").exists()


def test_role_assignments_cannot_be_deleted(city, login):
    assignment = RoleAssignment.objects.filter(user=city.users["secretary_a"]).first()
    assert (
        login("system_admin").delete(f"/api/v1/role-assignments/{assignment.pk}/").status_code
        == 405
    )
