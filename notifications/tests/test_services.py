"""Notification services: idempotent creation, bulk insert, e-mail once per notification, read marks."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from core.models import AuditLog
from notifications import services
from notifications.models import Notification


class BreaksAfterOneBackend(EmailBackend):
    """Delivers the first message of a connection, then the mail server goes away."""

    def send_messages(self, messages):
        if getattr(self, "_delivered", 0) >= 1:
            raise OSError("连接被邮件服务器关闭")
        self._delivered = getattr(self, "_delivered", 0) + 1
        return super().send_messages(messages)


class DownBackend(EmailBackend):
    def send_messages(self, messages):
        raise OSError("无法连接邮件服务器")


@pytest.fixture
def outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return mail.outbox


@pytest.fixture
def secretary(city):
    return city.users["secretary_a"]


def wants_mail(user, address="zhao@example.gov.cn"):
    user.email, user.email_notifications = address, True
    user.save()
    return user


def test_notify_with_a_dedupe_key_creates_the_notification_only_once(secretary, outbox):
    first = services.notify(
        recipient=secretary, title="请及时开展主题党日", dedupe_key="theme:2026-06"
    )
    second = services.notify(
        recipient=secretary, title="请及时开展主题党日", dedupe_key="theme:2026-06"
    )
    assert first is not None and second is None
    assert Notification.objects.filter(recipient=secretary).count() == 1


def test_notify_without_a_key_always_creates(secretary, outbox):
    services.notify(recipient=secretary, title="活动已取消")
    services.notify(recipient=secretary, title="活动已取消")
    assert Notification.objects.filter(recipient=secretary).count() == 2


def test_the_same_key_for_two_people_is_two_notifications(city, outbox):
    for persona in ("secretary_a", "secretary_b"):
        assert (
            services.notify(recipient=city.users[persona], title="提醒", dedupe_key="same")
            is not None
        )


def test_notify_mails_a_user_who_asked_for_email_once(secretary, outbox):
    wants_mail(secretary)
    notification = services.notify(
        recipient=secretary,
        title="请及时开展主题党日",
        body="6月尚未开展",
        url="/orglife/",
        dedupe_key="k",
    )
    services.notify(recipient=secretary, title="请及时开展主题党日", dedupe_key="k")
    (message,) = outbox
    assert (
        message.to == ["zhao@example.gov.cn"]
        and message.subject == "【智慧机关党建】请及时开展主题党日"
    )
    assert "6月尚未开展" in message.body and "/orglife/" in message.body
    notification.refresh_from_db()
    assert notification.emailed_at is not None


@pytest.mark.parametrize("address, enabled", [("", True), ("zhao@example.gov.cn", False)])
def test_no_mail_without_an_address_or_without_consent(secretary, outbox, address, enabled):
    secretary.email, secretary.email_notifications = address, enabled
    secretary.save()
    services.notify(recipient=secretary, title="提醒")
    assert outbox == []


def test_a_mail_server_that_is_down_does_not_lose_the_in_app_notification(secretary, settings):
    settings.EMAIL_BACKEND = "notifications.tests.test_services.DownBackend"
    wants_mail(secretary)
    notification = services.notify(recipient=secretary, title="请及时换届")
    notification.refresh_from_db()
    assert notification.emailed_at is None  # left for the daily job to retry
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.send_pending_emails(since=notification.created_at) == (1, None)


def test_notify_many_skips_what_the_recipient_already_has_and_repeats_in_the_batch(city, outbox):
    a, b = city.users["secretary_a"], city.users["secretary_b"]
    services.notify(recipient=a, title="旧", dedupe_key="k1")
    batch = [
        Notification(recipient=a, title="重复", dedupe_key="k1"),
        Notification(recipient=a, title="新", dedupe_key="k2"),
        Notification(recipient=a, title="批内重复", dedupe_key="k2"),
        Notification(recipient=b, title="新", dedupe_key="k1"),
        Notification(recipient=b, title="无键"),
    ]
    assert services.notify_many(batch) == (3, 2)
    assert services.notify_many(batch[:4]) == (0, 4)
    assert sorted(Notification.objects.filter(recipient=a).values_list("title", flat=True)) == [
        "新",
        "旧",
    ]


def test_pending_emails_are_sent_once_and_only_to_those_who_asked(city, outbox):
    a = wants_mail(city.users["secretary_a"])
    start = timezone.now() - timedelta(seconds=1)
    services.notify_many(
        [
            Notification(recipient=a, title="甲", dedupe_key="1"),
            Notification(recipient=city.users["secretary_b"], title="乙", dedupe_key="1"),
        ]
    )
    assert services.send_pending_emails(since=start) == (1, None)
    assert services.send_pending_emails(since=start) == (0, None)
    assert [m.subject for m in outbox] == ["【智慧机关党建】甲"]


def test_a_mail_server_failure_midway_marks_only_what_went_out(city, settings):
    settings.EMAIL_BACKEND = "notifications.tests.test_services.BreaksAfterOneBackend"
    a = wants_mail(city.users["secretary_a"])
    start = timezone.now() - timedelta(seconds=1)
    services.notify_many([Notification(recipient=a, title=t, dedupe_key=t) for t in ("甲", "乙")])
    sent, error = services.send_pending_emails(since=start)
    assert sent == 1 and isinstance(error, OSError)
    assert list(
        Notification.objects.filter(emailed_at__isnull=True).values_list("title", flat=True)
    ) == ["乙"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.send_pending_emails(since=start) == (1, None)


def test_mark_read_and_mark_all_read_touch_only_ones_own(city, outbox):
    a, b = city.users["secretary_a"], city.users["secretary_b"]
    mine = [services.notify(recipient=a, title=str(i)) for i in range(3)]
    theirs = services.notify(recipient=b, title="乙")
    services.mark_read(mine[0])
    assert Notification.objects.filter(recipient=a, read_at__isnull=True).count() == 2
    assert services.mark_all_read(a) == 2
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_turning_email_on_needs_a_valid_address_and_is_audited(secretary):
    with pytest.raises(ValidationError) as no_address:
        services.email_preference_set(user=secretary, enabled=True, email="")
    assert no_address.value.message_dict["email"] == ["开启邮件提醒须填写电子邮箱"]
    with pytest.raises(ValidationError, match="电子邮箱格式不正确"):
        services.email_preference_set(user=secretary, enabled=True, email="zhao-at-example")
    services.email_preference_set(user=secretary, enabled=True, email=" zhao@example.gov.cn ")
    secretary.refresh_from_db()
    assert secretary.email == "zhao@example.gov.cn" and secretary.email_notifications
    entry = AuditLog.objects.get(
        action="update", object_type="accounts.user", object_id=str(secretary.pk)
    )
    assert entry.changes["email_notifications"] == [False, True] and entry.actor == secretary
