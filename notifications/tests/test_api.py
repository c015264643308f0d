"""/api/v1/notifications/: each user reads and marks only their own messages."""

import pytest

from core.models import AuditLog
from notifications.models import Notification

API = "/api/v1/notifications/"


@pytest.fixture
def inbox(city):
    """Two messages for secretary_a (one already read) and one for secretary_b."""
    secretary_a, secretary_b = city.users["secretary_a"], city.users["secretary_b"]
    unread = Notification.objects.create(recipient=secretary_a, title="本月主题党日尚未开展")
    read = Notification.objects.create(recipient=secretary_a, title="换届提醒", category="term")
    read.read_at = read.created_at
    read.save()
    other = Notification.objects.create(recipient=secretary_b, title="教育局支部提醒")
    return unread, read, other


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_a_user_lists_only_their_own_notifications(login, inbox):
    unread, read, other = inbox
    client = login("secretary_a")
    assert ids(client.get(API)) == {unread.pk, read.pk}
    assert ids(client.get(API, {"unread": "true"})) == {unread.pk}
    assert ids(client.get(API, {"category": "term"})) == {read.pk}
    assert ids(login("city_admin").get(API)) == set()


def test_someone_elses_notification_is_404_and_audited(login, inbox):
    other = inbox[2]
    client = login("secretary_a")
    assert client.get(f"{API}{other.pk}/").status_code == 404
    assert client.post(f"{API}{other.pk}/read/").status_code == 404
    assert Notification.objects.get(pk=other.pk).read_at is None
    denied = AuditLog.objects.filter(
        action="access_denied", actor_name="secretary_a", object_type="notifications.notification"
    )
    assert set(denied.values_list("object_id", flat=True)) == {str(other.pk)}


def test_marking_one_read_leaves_the_others_unread(login, inbox):
    unread, _, other = inbox
    response = login("secretary_a").post(f"{API}{unread.pk}/read/")
    assert response.status_code == 200 and response.json()["is_read"] is True
    assert Notification.objects.get(pk=unread.pk).read_at is not None
    assert Notification.objects.get(pk=other.pk).read_at is None


def test_read_all_marks_only_the_callers_unread_messages(login, inbox):
    unread, read, other = inbox
    before = Notification.objects.get(pk=read.pk).read_at
    response = login("secretary_a").post(f"{API}read_all/")
    assert response.status_code == 200 and response.json() == {"marked": 1}
    assert Notification.objects.get(pk=unread.pk).read_at is not None
    assert Notification.objects.get(pk=read.pk).read_at == before
    assert Notification.objects.get(pk=other.pk).read_at is None


def test_notifications_cannot_be_deleted_or_created_through_the_api(login, inbox):
    client = login("secretary_a")
    assert client.delete(f"{API}{inbox[0].pk}/").status_code == 405
    assert client.post(API, {"title": "伪造"}).status_code == 405


def test_notifications_need_a_login(client, inbox):
    assert client.get(API).status_code in (401, 403)
