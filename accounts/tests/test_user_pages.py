"""Account and role pages: only the system administrator (三员分立) manages accounts and roles."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import RoleAssignment, User
from core.models import AuditLog
from core.roles import Role
from core.scoping import scope_for
from dangjian.testing import PASSWORD, MemberFactory

NEW_PASSWORD = "Chuqi#2026pw"


def html(response) -> str:
    return response.content.decode()


def create_data(city, **overrides) -> dict:
    data = {
        "username": "wangfang",
        "first_name": "",
        "phone": "13600004444",
        "member_id_number": "",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "role": "",
        "organization": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "persona", ["city_admin", "secretary_a", "member_a", "audit_admin", "nobody"]
)
def test_only_the_system_admin_opens_account_pages(city, login, persona):
    client = login(persona)
    target = city.users["secretary_a"].pk
    assert client.get(reverse("accounts:user_list")).status_code == 403
    assert client.get(reverse("accounts:user_create")).status_code == 403
    assert client.get(reverse("accounts:user_detail", args=[target])).status_code == 403
    assert client.post(reverse("accounts:user_unlock", args=[target])).status_code == 403


def test_refusal_is_audited(city, login):
    login("city_admin").get(reverse("accounts:user_list"))
    assert AuditLog.objects.filter(
        action=AuditLog.Action.ACCESS_DENIED, actor_name="city_admin"
    ).exists()


def test_anonymous_visitor_is_sent_to_login(city, client):
    response = client.get(reverse("accounts:user_list"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_system_admin_lists_accounts_with_roles_and_lock_status(city, login):
    User.objects.filter(username="secretary_b").update(
        locked_until=timezone.now() + timedelta(minutes=10)
    )
    page = html(login("system_admin").get(reverse("accounts:user_list")))
    for username in ("city_admin", "secretary_a", "member_a", "secretary_b", "audit_admin"):
        assert username in page
    assert "支部书记" in page and "已锁定" in page
    # Accounts with neither role nor member record lie outside every scope.
    assert ">nobody<" not in page


def test_user_list_query_count_does_not_grow(city, login, django_assert_max_num_queries):
    client = login("system_admin")
    client.get(reverse("accounts:user_list"))
    for index in range(30):
        user = User.objects.create(
            username=f"extra{index}", member=MemberFactory(branch=city.branch_a)
        )
        RoleAssignment.objects.create(
            user=user, role=Role.PUBLICITY_MEMBER, organization=city.branch_a
        )
    with django_assert_max_num_queries(10):
        assert client.get(reverse("accounts:user_list")).status_code == 200


def test_creating_a_user_forces_a_password_change_on_first_login(city, login):
    response = login("system_admin").post(
        reverse("accounts:user_create"),
        create_data(
            city,
            member_id_number=city.member_a2.id_number,
            role=Role.PUBLICITY_MEMBER,
            organization=city.branch_a2.pk,
        ),
    )
    user = User.objects.get(username="wangfang")
    assert response.status_code == 302 and response.url == reverse(
        "accounts:user_detail", args=[user.pk]
    )
    assert (
        user.must_change_password and user.member == city.member_a2 and user.phone == "13600004444"
    )
    assert user.role_assignments.get().role == Role.PUBLICITY_MEMBER
    assert AuditLog.objects.filter(
        action=AuditLog.Action.CREATE,
        object_type="accounts.user",
        object_id=str(user.pk),
        actor_name="system_admin",
    ).exists()

    client = Client()
    login_response = client.post(
        reverse("accounts:login"), {"username": "wangfang", "password": NEW_PASSWORD}
    )
    assert login_response.status_code == 302
    assert client.get(reverse("home")).url == reverse("accounts:password_change")


def test_create_links_a_member_chosen_from_the_name_search(city, login):
    client = login("system_admin")
    found = client.get(reverse("accounts:user_member_search"), {"member_q": "wf"})
    assert "王芳" in html(found)
    assert city.member_a2.id_number not in html(found)  # the system admin sees masked numbers only
    response = client.post(
        reverse("accounts:user_create"), create_data(city, member=city.member_a2.pk)
    )
    assert response.status_code == 302
    assert User.objects.get(username="wangfang").member == city.member_a2


def test_member_search_offers_only_members_without_an_account(city, login):
    page = html(
        login("system_admin").get(reverse("accounts:user_member_search"), {"member_q": "张伟"})
    )
    assert "张伟" not in page  # member_a already has an account


def test_create_rejects_weak_password_and_unknown_id_number_by_field(city, login):
    page = html(
        login("system_admin").post(
            reverse("accounts:user_create"),
            create_data(
                city,
                password1="abcdefgh",
                password2="abcdefgh",
                member_id_number="110101199003078888",
                role=Role.BRANCH_SECRETARY,
                organization=city.branch_a.pk,
            ),
        )
    )
    assert "初始密码：密码须至少包含" in page
    assert "关联党员（按身份证号）：未找到可关联的党员" in page
    assert not User.objects.filter(username="wangfang").exists()


def test_create_requires_a_member_or_a_role(city, login):
    page = html(login("system_admin").post(reverse("accounts:user_create"), create_data(city)))
    assert "请关联党员档案或授予至少一个角色" in page
    assert not User.objects.filter(username="wangfang").exists()


def test_create_rejects_a_taken_username(city, login):
    page = html(
        login("system_admin").post(
            reverse("accounts:user_create"),
            create_data(city, username="secretary_a", member=city.member_a2.pk),
        )
    )
    assert "用户名：该用户名已被使用" in page


def test_system_admin_assigns_and_ends_a_role(city, login):
    client = login("system_admin")
    target = city.users["member_a"]
    response = client.post(
        reverse("accounts:user_role_assign", args=[target.pk]),
        {
            "role": Role.ORGANIZATION_MEMBER,
            "organization": city.branch_a.pk,
            "started_on": date.today().isoformat(),
        },
    )
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=target, role=Role.ORGANIZATION_MEMBER)
    assert scope_for(User.objects.get(pk=target.pk)).allows("write", city.branch_a.path)

    response = client.post(
        reverse("accounts:user_role_end", args=[target.pk, assignment.pk]),
        {"effective_on": date.today().isoformat()},
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.ended_on == date.today() - timedelta(days=1)
    assert not scope_for(User.objects.get(pk=target.pk)).prefixes("write")
    assert AuditLog.objects.filter(
        object_type="accounts.roleassignment",
        object_id=str(assignment.pk),
        action=AuditLog.Action.UPDATE,
    ).exists()


def test_system_and_audit_roles_are_not_combined_with_others(city, login):
    client = login("system_admin")
    page = html(
        client.post(
            reverse("accounts:user_role_assign", args=[city.users["secretary_a"].pk]),
            {
                "role": Role.AUDIT_ADMIN,
                "organization": city.root.pk,
                "started_on": date.today().isoformat(),
            },
        )
    )
    assert "三员分立" in page
    assert not RoleAssignment.objects.filter(
        user=city.users["secretary_a"], role=Role.AUDIT_ADMIN
    ).exists()


def test_system_admin_cannot_change_own_roles(city, login):
    admin = city.users["system_admin"]
    client = login("system_admin")
    page = html(
        client.post(
            reverse("accounts:user_role_assign", args=[admin.pk]),
            {
                "role": Role.CITY_ADMIN,
                "organization": city.root.pk,
                "started_on": date.today().isoformat(),
            },
        )
    )
    assert "不能为自己授予角色" in page
    own = admin.role_assignments.get()
    client.post(
        reverse("accounts:user_role_end", args=[admin.pk, own.pk]),
        {"effective_on": date.today().isoformat()},
    )
    own.refresh_from_db()
    assert own.ended_on is None


def test_role_can_only_be_granted_within_the_admins_scope(city, login):
    branch_admin = User.objects.create(username="branch_sysadmin")
    RoleAssignment.objects.create(
        user=branch_admin,
        role=Role.SYSTEM_ADMIN,
        organization=city.branch_a,
        started_on=date(2020, 1, 1),
    )
    client = Client()
    client.force_login(branch_admin)
    # Accounts outside the admin's organizations are not found at all.
    assert (
        client.get(reverse("accounts:user_detail", args=[city.users["secretary_b"].pk])).status_code
        == 404
    )
    page = html(
        client.post(
            reverse("accounts:user_role_assign", args=[city.users["member_a"].pk]),
            {
                "role": Role.PUBLICITY_MEMBER,
                "organization": city.branch_b.pk,
                "started_on": date.today().isoformat(),
            },
        )
    )
    assert "所在组织：" in page
    assert not RoleAssignment.objects.filter(
        user=city.users["member_a"], organization=city.branch_b
    ).exists()


def test_system_admin_unlocks_a_locked_account(city, login):
    target = city.users["secretary_a"]
    User.objects.filter(pk=target.pk).update(
        locked_until=timezone.now() + timedelta(minutes=10), failed_logins=0
    )
    client = login("system_admin")
    assert "解除锁定" in html(client.get(reverse("accounts:user_detail", args=[target.pk])))
    assert client.post(reverse("accounts:user_unlock", args=[target.pk])).status_code == 302
    assert User.objects.get(pk=target.pk).locked_until is None
    assert AuditLog.objects.filter(object_id=str(target.pk), detail="管理员解除账号锁定").exists()
    assert (
        Client()
        .post(reverse("accounts:login"), {"username": "secretary_a", "password": PASSWORD})
        .status_code
        == 302
    )


def test_unlock_is_post_only(city, login):
    assert (
        login("system_admin")
        .get(reverse("accounts:user_unlock", args=[city.users["secretary_a"].pk]))
        .status_code
        == 405
    )


def test_password_reset_forces_a_change_at_next_login(city, login):
    target = city.users["secretary_b"]
    response = login("system_admin").post(
        reverse("accounts:user_password_reset", args=[target.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.must_change_password and target.check_password(NEW_PASSWORD)
    assert AuditLog.objects.filter(
        action=AuditLog.Action.PASSWORD_CHANGED, object_id=str(target.pk), actor_name="system_admin"
    ).exists()
    client = Client()
    client.post(reverse("accounts:login"), {"username": "secretary_b", "password": NEW_PASSWORD})
    assert client.get(reverse("members:list")).url == reverse("accounts:password_change")


def test_password_reset_rejects_mismatch_by_field(city, login):
    target = city.users["secretary_b"]
    page = html(
        login("system_admin").post(
            reverse("accounts:user_password_reset", args=[target.pk]),
            {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"},
        )
    )
    assert "确认密码：两次输入的密码不一致" in page
    target.refresh_from_db()
    assert target.check_password(PASSWORD)


def test_user_list_filter_swaps_only_the_results(city, login):
    client = login("system_admin")
    response = client.get(
        reverse("accounts:user_list"), {"q": "secretary"}, headers={"HX-Request": "true"}
    )
    assert "<html" not in html(response)
    assert "secretary_a" in html(response) and "city_admin" not in html(response)
    assert response["HX-Push-Url"] == f"{reverse('accounts:user_list')}?q=secretary"
