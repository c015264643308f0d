"""The notifications page: own messages only, unread first, marking read (plain and HTMX), the badge."""

import pytest
from django.urls import reverse

from core.models import AuditLog
from notifications import services
from notifications.models import Notification

LIST = reverse("notifications:list")


@pytest.fixture
def messages_of(city):
    def _make(persona, *titles, **fields):
        return [services.notify(recipient=city.users[persona], title=t, **fields) for t in titles]

    return _make


def badge(response) -> str:
    """The bell's accessible label in the navigation bar, e.g. '消息，2条未读'."""
    text = response.content.decode()
    start = text.index('aria-label="消息')
    return text[start + len('aria-label="') : text.index('"', start + len('aria-label="'))]


def test_the_page_lists_only_ones_own_notifications(login, messages_of):
    messages_of("secretary_a", "预算处党支部：6月30日前尚有3项组织生活未完成")
    messages_of("secretary_b", "教育局机关党支部：6月30日前尚有2项组织生活未完成")
    page = login("secretary_a").get(LIST).content.decode()
    assert "预算处党支部：6月30日前" in page and "教育局机关党支部" not in page


def test_unread_notifications_come_first(login, messages_of):
    older, newer = messages_of("secretary_a", "较早未读", "较新已读")
    services.mark_read(newer)
    page = login("secretary_a").get(LIST).content.decode()
    assert page.index("较早未读") < page.index("较新已读")


def test_the_unread_tab_hides_read_notifications(login, messages_of):
    _, read = messages_of("secretary_a", "仍未读", "已看过")
    services.mark_read(read)
    page = login("secretary_a").get(LIST, {"show": "unread"}).content.decode()
    assert "仍未读" in page and "已看过" not in page


def test_marking_one_read_lowers_the_badge(login, messages_of):
    first, _ = messages_of("secretary_a", "甲", "乙")
    client = login("secretary_a")
    assert badge(client.get(LIST)) == "消息，2条未读"
    response = client.post(reverse("notifications:mark_read", args=[first.pk]))
    assert response.status_code == 302 and response.url == LIST
    assert badge(client.get(LIST)) == "消息，1条未读"
    first.refresh_from_db()
    assert first.read_at is not None


def test_marking_read_through_htmx_returns_the_row_and_the_new_counts(login, messages_of):
    first, _ = messages_of("secretary_a", "甲", "乙")
    response = login("secretary_a").post(
        reverse("notifications:mark_read", args=[first.pk]), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert (
        f'id="notification-{first.pk}"' in html
        and "未读</span>" not in html.split('id="unread-count"')[0]
    )
    assert 'id="notification-bell"' in html and 'hx-swap-oob="true"' in html and "1条未读" in html
    assert "<html" not in html


def test_marking_all_read_clears_the_badge(login, messages_of):
    messages_of("secretary_a", "甲", "乙", "丙")
    messages_of("secretary_b", "别人的")
    client = login("secretary_a")
    response = client.post(reverse("notifications:mark_all_read"), follow=True)
    assert "已将3条消息标为已读" in response.content.decode()
    assert badge(response) == "消息"
    assert (
        Notification.objects.filter(recipient__username="secretary_b", read_at__isnull=True).count()
        == 1
    )


def test_marking_all_read_through_htmx_answers_with_the_list(login, messages_of):
    messages_of("secretary_a", "甲")
    html = (
        login("secretary_a")
        .post(reverse("notifications:mark_all_read"), {"show": "unread"}, HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "没有未读消息。" in html and 'id="notification-bell"' in html and "<html" not in html


def test_marking_read_needs_a_post(login, messages_of):
    (note,) = messages_of("secretary_a", "甲")
    assert (
        login("secretary_a").get(reverse("notifications:mark_read", args=[note.pk])).status_code
        == 405
    )


def test_another_users_notification_is_404_and_audited(login, messages_of):
    (theirs,) = messages_of("secretary_b", "教育局的提醒")
    client = login("secretary_a")
    assert client.post(reverse("notifications:mark_read", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert (
        AuditLog.objects.filter(
            action="access_denied", object_type="notifications.notification"
        ).count()
        == 2
    )


def test_opening_a_notification_marks_it_read_and_follows_its_link(login, messages_of):
    (note,) = messages_of("secretary_a", "甲", url="/orglife/?org=1")
    response = login("secretary_a").get(reverse("notifications:open", args=[note.pk]))
    assert response.status_code == 302 and response.url == "/orglife/?org=1"
    note.refresh_from_db()
    assert note.read_at is not None


def test_a_link_to_another_site_is_not_followed(login, messages_of):
    (note,) = messages_of("secretary_a", "甲", url="https://evil.example.com/")
    response = login("secretary_a").get(reverse("notifications:open", args=[note.pk]))
    assert response.url == LIST


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(LIST)
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_a_user_turns_email_reminders_on_from_the_page(login, city):
    client = login("member_a")
    response = client.post(
        reverse("notifications:email_preference"),
        {"email": "zhangwei@example.gov.cn", "email_notifications": "on"},
        follow=True,
    )
    assert "已开启邮件提醒" in response.content.decode()
    user = city.users["member_a"]
    user.refresh_from_db()
    assert user.email_notifications and user.email == "zhangwei@example.gov.cn"


def test_turning_email_on_without_an_address_says_why(login, city):
    response = login("member_a").post(
        reverse("notifications:email_preference"),
        {"email": "", "email_notifications": "on"},
        follow=True,
    )
    assert "邮件提醒设置未保存：开启邮件提醒须填写电子邮箱" in response.content.decode()


def test_the_page_query_count_does_not_grow_with_the_number_of_notifications(
    login, messages_of, django_assert_max_num_queries
):
    client = login("secretary_a")
    messages_of("secretary_a", *[f"提醒{i}" for i in range(3)])
    with django_assert_max_num_queries(12) as few:
        client.get(LIST)
    messages_of("secretary_a", *[f"更多提醒{i}" for i in range(40)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(LIST)
