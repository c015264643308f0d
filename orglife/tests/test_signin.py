"""QR sign-in through the page a member's phone opens: once, in the window, members only, nothing leaked."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog
from dangjian.testing import PASSWORD, make_user
from orglife import services
from orglife.models import Attendance


def html(response) -> str:
    return response.content.decode()


def activity_for(org, starts_in=timedelta(minutes=-10), **fields):
    """A planned activity whose sign-in window (30 min before to 2 h after) lies where the test needs it."""
    fields.setdefault("topic", "十一月主题党日")
    return services.activity_schedule(
        organization=org, kind="theme_day", starts_at=timezone.now() + starts_in, **fields
    )


def signin_url(activity) -> str:
    return reverse("orglife:signin", args=[activity.signin_token])


@pytest.fixture
def member_b_client(city, client):
    client.force_login(make_user("member_b", member=city.member_b))
    return client


def test_anonymous_visitor_logs_in_and_comes_back_to_the_signin_page(city, client):
    activity = activity_for(city.branch_a)
    response = client.get(signin_url(activity))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert f"next={signin_url(activity)}" in response.url
    response = client.post(response.url, {"username": "member_a", "password": PASSWORD})
    assert response.status_code == 302 and response.url == signin_url(activity)


def test_member_sees_the_activity_and_a_big_signin_button(city, login):
    activity = activity_for(city.branch_a, place="党员活动室")
    page = html(login("member_a").get(signin_url(activity)))
    assert "十一月主题党日" in page and "党员活动室" in page
    assert ">签到</button>" in page


def test_member_signs_in_once_and_is_marked_present(city, login):
    activity = activity_for(city.branch_a)
    client = login("member_a")
    response = client.post(signin_url(activity))
    assert response.status_code == 200 and "签到成功" in html(response)
    row = Attendance.objects.get(activity=activity, member=city.member_a)
    assert row.status == Attendance.Status.PRESENT and row.signed_in_at is not None
    again = client.post(signin_url(activity))
    assert "无需重复签到" in html(again)
    assert Attendance.objects.filter(activity=activity, member=city.member_a).count() == 1
    assert "无需重复签到" in html(client.get(signin_url(activity)))


def test_signing_in_before_the_window_opens_is_refused_with_the_opening_time(city, login):
    activity = activity_for(city.branch_a, starts_in=timedelta(days=1))
    response = login("member_a").post(signin_url(activity))
    assert "不能签到" in html(response) and "签到尚未开始" in html(response)
    assert not Attendance.objects.filter(activity=activity).exists()


def test_signing_in_after_the_window_closed_is_refused(city, login):
    activity = activity_for(city.branch_a, starts_in=timedelta(hours=-5))
    response = login("member_a").post(signin_url(activity))
    assert "签到已截止，请联系支部书记更正" in html(response)
    assert not Attendance.objects.filter(activity=activity).exists()


def test_member_of_another_branch_is_refused_and_learns_nothing_about_the_activity(
    city, member_b_client
):
    activity = activity_for(city.branch_a, place="预算处会议室")
    response = member_b_client.get(signin_url(activity))
    assert response.status_code == 403
    assert "不是本活动所属党组织的党员" in html(response)
    assert "十一月主题党日" not in html(response) and "预算处会议室" not in html(response)
    response = member_b_client.post(signin_url(activity))
    assert response.status_code == 403 and "不能签到" in html(response)
    assert not Attendance.objects.filter(activity=activity).exists()


def test_secretary_of_another_branch_cannot_sign_in_and_the_attempt_is_audited(city, login):
    activity = activity_for(city.branch_a)
    client = login("secretary_b")
    assert client.get(signin_url(activity)).status_code == 403
    response = client.post(signin_url(activity))
    assert response.status_code == 403 and "十一月主题党日" not in html(response)
    assert not Attendance.objects.filter(activity=activity).exists()
    denied = AuditLog.objects.filter(
        action=AuditLog.Action.ACCESS_DENIED, actor_name="secretary_b", object_id=str(activity.pk)
    )
    assert denied.count() == 2


def test_unknown_token_and_cancelled_activity_are_refused(city, login):
    client = login("member_a")
    assert client.get(reverse("orglife:signin", args=["not-a-token"])).status_code == 404
    activity = activity_for(city.branch_a)
    services.activity_cancel(activity=activity, reason="改期")
    response = client.post(signin_url(activity))
    assert response.status_code == 404 and "签到码无效或活动已取消" in html(response)
    assert not Attendance.objects.filter(activity=activity).exists()


def test_signin_on_a_recorded_activity_turns_an_absence_into_presence(city, login):
    activity = services.activity_record(
        organization=city.branch_a,
        kind="theme_day",
        starts_at=timezone.now() - timedelta(minutes=20),
        topic="刚开完的主题党日",
        attendance=[{"member_id": city.member_a.pk, "status": "absent"}],
    )
    login("member_a").post(signin_url(activity))
    row = Attendance.objects.get(activity=activity, member=city.member_a)
    assert row.status == Attendance.Status.PRESENT and row.signed_in_at is not None


def test_secretary_sees_the_signin_live_on_the_detail_page(city, login):
    activity = activity_for(city.branch_a)
    login("member_a").post(signin_url(activity))
    live = html(login("secretary_a").get(reverse("orglife:activity_live", args=[activity.pk])))
    assert city.member_a.name in live and "签到进行中" in live
    assert '<span class="fs-4 fw-semibold" data-signed-count>1</span>' in live
