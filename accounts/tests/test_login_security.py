from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.models import AuditLog
from dangjian.testing import PASSWORD

LOGIN_URL = "/accounts/login/"


def post_login(client, username, password):
    return client.post(LOGIN_URL, {"username": username, "password": password})


def test_login_with_username_lands_on_home_and_is_audited(city):
    client = Client()
    response = post_login(client, "secretary_a", PASSWORD)
    assert response.status_code == 302 and response.url == reverse("home")
    assert AuditLog.objects.filter(action="login", actor_name="secretary_a").exists()


def test_login_with_phone_number(city):
    user = city.users["secretary_b"]
    user.phone = "13912340000"
    user.save()
    response = post_login(Client(), "13912340000", PASSWORD)
    assert response.status_code == 302


def test_failed_login_shows_chinese_message_and_is_audited(city):
    response = post_login(Client(), "secretary_a", "wrong-Password1")
    assert response.status_code == 200
    assert "用户名（手机号）或密码不正确" in response.content.decode()
    entry = AuditLog.objects.get(action="login_failed")
    assert entry.object_repr == "secretary_a"


def test_five_failures_lock_the_account_for_fifteen_minutes(city):
    client = Client()
    for _ in range(5):
        post_login(client, "secretary_a", "wrong-Password1")
    user = User.objects.get(username="secretary_a")
    assert user.locked_until is not None
    assert timedelta(minutes=14) < user.locked_until - timezone.now() <= timedelta(minutes=15)
    response = post_login(client, "secretary_a", PASSWORD)
    assert response.status_code == 200
    assert "已被锁定" in response.content.decode()
    assert AuditLog.objects.filter(action="locked", object_id=str(user.pk)).count() == 1


def test_lock_expires_after_the_lockout_period(city):
    user = city.users["secretary_a"]
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() - timedelta(seconds=1))
    assert post_login(Client(), "secretary_a", PASSWORD).status_code == 302


def test_four_failures_then_success_resets_the_counter(city):
    client = Client()
    for _ in range(4):
        post_login(client, "secretary_a", "wrong-Password1")
    assert post_login(client, "secretary_a", PASSWORD).status_code == 302
    assert User.objects.get(username="secretary_a").failed_logins == 0


def test_unknown_account_failure_is_audited_without_locking_anything(city):
    post_login(Client(), "ghost", "whatever-Pass1")
    assert AuditLog.objects.filter(action="login_failed", object_repr="ghost").exists()


def test_imported_account_must_change_password_before_anything_else(city):
    user = city.users["secretary_a"]
    user.must_change_password = True
    user.save()
    client = Client()
    client.force_login(user)
    assert client.get("/orgs/").url == reverse("accounts:password_change")
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Xin#Mima2027",
            "new_password2": "Xin#Mima2027",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get("/orgs/").status_code == 200


def test_password_older_than_rotation_period_forces_a_change(city, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    user = city.users["secretary_a"]
    user.password_changed_at = timezone.now() - timedelta(days=91)
    user.save()
    client = Client()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 302 and response.url == reverse("accounts:password_change")
    assert "有效期" in client.get(response.url).content.decode()


def test_rotation_can_be_switched_off(city, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 0
    user = city.users["secretary_a"]
    user.password_changed_at = timezone.now() - timedelta(days=400)
    user.save()
    client = Client()
    client.force_login(user)
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("weak", ["short1A", "alllowercase", "lowercase123", "ALLUPPER123"])
def test_weak_passwords_are_refused_with_the_reason(city, weak):
    client = Client()
    client.force_login(city.users["secretary_a"])
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": weak,
            "new_password2": weak,
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "新密码" in body and ("至少" in body or "3类" in body)


def test_sessions_expire_after_thirty_idle_minutes(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_logout_is_audited(city):
    client = Client()
    client.force_login(city.users["secretary_a"])
    client.post(reverse("accounts:logout"))
    assert AuditLog.objects.filter(action="logout", actor_name="secretary_a").exists()
