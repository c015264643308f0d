"""Recording pages through the personas: workbench, new/edit activity, detail, calendar and the member's own page."""

from datetime import date, datetime, time, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog
from dangjian.testing import MemberFactory
from orglife import services
from orglife.models import Activity, Attendance
from orgs.models import Position, PositionKind


def html(response) -> str:
    return response.content.decode()


def today() -> date:
    return timezone.localdate()


def earlier_today():
    """A start time that has already passed whatever the clock says (records refuse future starts)."""
    return timezone.localtime().replace(second=0, microsecond=0) - timedelta(minutes=5)


def months_ago(n: int) -> date:
    return today().replace(day=10) - relativedelta(months=n)


def hold(org, kind="theme_day", day=None, present=(), absent=(), **fields):
    starts_at = timezone.make_aware(datetime.combine(day, time(9))) if day else earlier_today()
    attendance = [{"member_id": m.pk, "status": "present"} for m in present]
    attendance += [{"member_id": m.pk, "status": "absent"} for m in absent]
    fields.setdefault("topic", "学习党章")
    return services.activity_record(
        organization=org,
        kind=kind,
        starts_at=starts_at,
        attendance=attendance,
        correction_reason="补录测试数据",
        **fields,
    )


def secretary_member(city):
    return city.users["secretary_a"].member


def record_post(org, members, **overrides) -> dict:
    start = earlier_today()
    data = {
        "organization": org.pk,
        "mode": "record",
        "kind": "theme_day",
        "held_on": f"{start:%Y-%m-%d}",
        "start_time": f"{start:%H:%M}",
        "topic": "主题党日：重温入党誓词",
        "place": "三楼会议室",
    }
    data.update({f"st-{m.pk}": "present" for m in members})
    data.update(overrides)
    return data


# --- workbench -----------------------------------------------------------------------------------


def test_secretary_sees_this_months_requirements_with_status_and_one_tap_links(city, login):
    hold(city.branch_a, "theme_day", present=[city.member_a])
    response = login("secretary_a").get(reverse("orglife:workbench"))
    page = html(response)
    assert response.status_code == 200
    assert city.branch_a.name in page
    theme_day = page[page.index('data-rule="R-LIFE-5"') :]
    assert "已完成" in theme_day[:600] and "1/1" in theme_day[:600]
    assert "本月要求" in page and "本季度要求" in page
    assert f"?org={city.branch_a.pk}&amp;kind=branch_general_meeting&amp;mode=record" in page
    assert f"?org={city.branch_a.pk}&amp;kind=branch_general_meeting&amp;mode=schedule" in page
    assert "即将截止" in page


def test_workbench_lists_planned_and_recent_activities_of_the_chosen_branch(city, login):
    services.activity_schedule(
        organization=city.branch_a,
        kind="party_lesson",
        starts_at=timezone.now() + timedelta(days=3),
        topic="下周党课",
    )
    hold(city.branch_a, topic="本周主题党日")
    hold(city.branch_b, topic="教育局的活动")
    page = html(login("secretary_a").get(reverse("orglife:workbench")))
    assert "下周党课" in page and "本周主题党日" in page
    assert "教育局的活动" not in page


def test_committee_secretary_chooses_among_organizations_under_them_default_first_branch(
    city, login
):
    client = login("committee_a")
    page = html(client.get(reverse("orglife:workbench")))
    assert f'<option value="{city.branch_a.pk}" selected>' in page
    assert (
        f'<option value="{city.branch_a2.pk}"' in page
        and f'<option value="{city.committee_a.pk}"' in page
    )
    assert city.branch_b.name not in page
    page = html(client.get(reverse("orglife:workbench"), {"org": city.branch_a2.pk}))
    assert f'<option value="{city.branch_a2.pk}" selected>' in page


def test_secretary_asking_for_another_branchs_workbench_gets_404_and_it_is_audited(city, login):
    response = login("secretary_a").get(reverse("orglife:workbench"), {"org": city.branch_b.pk})
    assert response.status_code == 404
    assert AuditLog.objects.filter(
        action=AuditLog.Action.ACCESS_DENIED, actor_name="secretary_a"
    ).exists()


def test_read_only_role_sees_the_workbench_without_record_buttons(city, login):
    page = html(login("publicity_a").get(reverse("orglife:workbench")))
    assert "只能查看" in page
    assert "登记已开展" not in page and reverse("orglife:activity_new") not in page


def test_ordinary_member_is_sent_from_the_workbench_to_their_own_page(city, login):
    response = login("member_a").get(reverse("orglife:workbench"))
    assert response.status_code == 302 and response.url == reverse("orglife:mine")


def test_workbench_query_count_does_not_grow_with_activities_and_members(
    city, login, django_assert_max_num_queries
):
    client = login("secretary_a")
    url = reverse("orglife:workbench")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    members = [MemberFactory(branch=city.branch_a) for _ in range(10)]
    for i in range(12):
        hold(city.branch_a, "theme_day", day=months_ago(i % 3), present=members, topic=f"活动{i}")
    services.activity_schedule(
        organization=city.branch_a,
        kind="party_lesson",
        starts_at=timezone.now() + timedelta(days=2),
        topic="计划",
    )
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)
    assert len(small.captured_queries) <= 16


# --- new activity -----------------------------------------------------------------------------------


def test_new_activity_form_is_prefilled_and_lists_every_member_present_by_default(city, login):
    page = html(
        login("secretary_a").get(
            reverse("orglife:activity_new"),
            {"org": city.branch_a.pk, "kind": "party_lesson", "mode": "schedule"},
        )
    )
    assert '<option value="party_lesson" selected>' in page
    assert 'value="schedule" checked' in page
    assert city.member_a.name in page and secretary_member(city).name in page
    assert city.member_b.name not in page
    assert (
        f'name="st-{city.member_a.pk}" id="st-{city.member_a.pk}-p" value="present" checked' in page
    )


def test_secretary_records_a_held_meeting_with_leave_and_absence(city, login):
    data = record_post(city.branch_a, [city.member_a, secretary_member(city)])
    data[f"st-{city.member_a.pk}"] = "leave"
    data[f"lr-{city.member_a.pk}"] = "出差"
    response = login("secretary_a").post(reverse("orglife:activity_new"), data)
    activity = Activity.objects.get(topic="主题党日：重温入党誓词")
    assert response.status_code == 302 and response.url == reverse(
        "orglife:activity_detail", args=[activity.pk]
    )
    assert activity.status == Activity.Status.COMPLETED and activity.organization == city.branch_a
    rows = {a.member_id: (a.status, a.leave_reason) for a in activity.attendances.all()}
    assert rows == {city.member_a.pk: ("leave", "出差"), secretary_member(city).pk: ("present", "")}


def test_leave_without_a_reason_is_refused_naming_the_member(city, login):
    data = record_post(city.branch_a, [city.member_a, secretary_member(city)])
    data[f"st-{city.member_a.pk}"] = "leave"
    response = login("secretary_a").post(reverse("orglife:activity_new"), data)
    assert response.status_code == 400
    assert "张伟：请假须填写请假事由" in html(response)
    assert not Activity.objects.exists()


def test_recording_a_future_meeting_as_held_is_refused_on_the_date(city, login):
    later = timezone.localtime() + timedelta(days=2)
    data = record_post(
        city.branch_a, [city.member_a], held_on=f"{later:%Y-%m-%d}", start_time="10:00"
    )
    response = login("secretary_a").post(reverse("orglife:activity_new"), data)
    assert response.status_code == 400
    assert "日期：尚未开始的活动不能记录为已开展" in html(response)


def test_scheduling_ahead_creates_a_planned_activity_without_attendance(city, login):
    later = timezone.localtime() + timedelta(days=5)
    data = record_post(
        city.branch_a,
        [city.member_a],
        mode="schedule",
        kind="party_lesson",
        held_on=f"{later:%Y-%m-%d}",
        start_time="14:30",
        speaker=secretary_member(city).pk,
    )
    response = login("secretary_a").post(reverse("orglife:activity_new"), data)
    activity = Activity.objects.get()
    assert response.status_code == 302
    assert activity.status == Activity.Status.PLANNED and activity.speaker == secretary_member(city)
    assert activity.attendances.count() == 0


def test_work_report_hearing_needs_its_hearing_body(city, login):
    data = record_post(city.work_committee, [], kind="work_report_hearing")
    response = login("city_admin").post(reverse("orglife:activity_new"), data)
    assert response.status_code == 400 and "听取汇报主体" in html(response)
    data["hearing_body"] = "standing_committee"
    assert login("city_admin").post(reverse("orglife:activity_new"), data).status_code == 302
    assert Activity.objects.get().hearing_body == "standing_committee"


def test_invited_guests_and_a_leader_doing_dual_org_life_are_recorded(city, login):
    data = record_post(city.branch_a, [city.member_a, secretary_member(city)])
    data.update(
        {
            "guest_name": ["刘局长", ""],
            "guest_role": ["observer", "guest"],
            "leader": [city.member_a2.pk],
        }
    )
    response = login("committee_a").post(reverse("orglife:activity_new"), data)
    assert response.status_code == 302
    activity = Activity.objects.get()
    guest = activity.attendances.get(member__isnull=True)
    leader = activity.attendances.get(member=city.member_a2)
    assert (guest.guest_name, guest.role) == ("刘局长", Attendance.Role.OBSERVER)
    assert (leader.role, leader.status) == (
        Attendance.Role.DUAL_ORG_LIFE,
        Attendance.Status.PRESENT,
    )


def test_branch_secretary_can_edit_a_record_holding_a_leader_from_outside_their_scope(city, login):
    data = record_post(
        city.branch_a, [city.member_a, secretary_member(city)], leader=[city.member_a2.pk]
    )
    login("committee_a").post(reverse("orglife:activity_new"), data)
    activity = Activity.objects.get()
    client = login("secretary_a")
    page = html(client.get(reverse("orglife:activity_edit", args=[activity.pk])))
    assert f'name="leader" value="{city.member_a2.pk}"' in page
    data["minutes"] = "补充会议记录"
    assert (
        client.post(reverse("orglife:activity_edit", args=[activity.pk]), data).status_code == 302
    )
    assert activity.attendances.get(member=city.member_a2).role == Attendance.Role.DUAL_ORG_LIFE


def test_a_leader_outside_the_secretarys_scope_cannot_be_slipped_in(city, login):
    data = record_post(city.branch_a, [city.member_a], leader=[city.member_b.pk])
    response = login("secretary_a").post(reverse("orglife:activity_new"), data)
    assert response.status_code == 400 and "不在您的管理范围内" in html(response)
    assert not Activity.objects.exists()


def test_leader_search_finds_only_members_the_user_may_see(city, login):
    url = reverse("orglife:member_search")
    assert city.member_a2.name in html(login("committee_a").get(url, {"leader_q": "王"}))
    assert city.member_a2.name not in html(login("secretary_a").get(url, {"leader_q": "王"}))


def test_back_filling_a_closed_month_needs_a_reason_that_reaches_the_audit_log(city, login):
    day = months_ago(3)
    data = record_post(
        city.branch_a, [city.member_a], held_on=f"{day:%Y-%m-%d}", start_time="09:00"
    )
    client = login("secretary_a")
    response = client.post(reverse("orglife:activity_new"), data)
    assert response.status_code == 400
    assert "补录已结账期间的活动须填写补录原因" in html(response)
    data["correction_reason"] = "纸质记录补录"
    assert client.post(reverse("orglife:activity_new"), data).status_code == 302
    activity = Activity.objects.get()
    entry = AuditLog.objects.get(action=AuditLog.Action.CREATE, object_type="orglife.activity")
    assert entry.object_id == str(activity.pk) and "纸质记录补录" in entry.detail


@pytest.mark.parametrize("persona", ["publicity_a", "member_a", "nobody"])
def test_roles_that_cannot_write_are_refused_the_new_activity_page(city, login, persona):
    client = login(persona)
    assert client.get(reverse("orglife:activity_new")).status_code == 403
    assert (
        client.post(reverse("orglife:activity_new"), record_post(city.branch_a, [])).status_code
        == 403
    )
    assert not Activity.objects.exists()


def test_secretary_of_another_branch_cannot_record_for_branch_a(city, login):
    response = login("secretary_b").post(
        reverse("orglife:activity_new"), record_post(city.branch_a, [city.member_a])
    )
    assert response.status_code == 404
    assert not Activity.objects.exists()


def test_recording_fifty_attendees_takes_a_bounded_number_of_queries(
    city, login, django_assert_max_num_queries
):
    client = login("secretary_a")
    few = list(services.roster(city.branch_a))
    with CaptureQueriesContext(connection) as small:
        assert (
            client.post(
                reverse("orglife:activity_new"), record_post(city.branch_a, few)
            ).status_code
            == 302
        )
    many = few + [MemberFactory(branch=city.branch_a) for _ in range(50 - len(few))]
    data = record_post(city.branch_a, many, topic="五十人大会")
    data[f"st-{many[3].pk}"] = "absent"
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.post(reverse("orglife:activity_new"), data).status_code == 302
    assert Activity.objects.get(topic="五十人大会").attendances.count() == 50
    assert len(small.captured_queries) <= 40


# --- detail ------------------------------------------------------------------------------------------


def test_detail_shows_attendance_counts_rate_and_an_absolute_qr_signin_link(city, login):
    activity = hold(city.branch_a, present=[secretary_member(city)], absent=[city.member_a])
    page = html(login("secretary_a").get(reverse("orglife:activity_detail", args=[activity.pk])))
    assert "出席 1" in page and "缺席 1" in page and "出席率 <strong>50%</strong>" in page
    assert f"http://testserver/orglife/signin/{activity.signin_token}/" in page
    assert "<svg" in page and 'hx-trigger="every 5s"' in page


def test_meeting_without_quorum_says_prominently_why_it_does_not_count(city, login):
    committee = [MemberFactory(branch=city.branch_a) for _ in range(4)]
    kinds = [
        PositionKind.ORGANIZATION_MEMBER,
        PositionKind.DISCIPLINE_MEMBER,
        PositionKind.PUBLICITY_MEMBER,
        PositionKind.COMMITTEE_MEMBER,
    ]
    Position.objects.filter(organization=city.branch_a).delete()
    for member, kind in zip(committee, kinds, strict=True):
        Position.objects.create(
            organization=city.branch_a, member=member, kind=kind, started_on=date(2020, 1, 1)
        )
    activity = hold(
        city.branch_a, "branch_committee_meeting", present=committee[:2], absent=committee[2:]
    )
    page = html(login("secretary_a").get(reverse("orglife:activity_detail", args=[activity.pk])))
    assert "本次活动不计入达标" in page and activity.invalid_reason in page


def test_member_sees_own_branch_activity_read_only_without_qr_code(city, login):
    activity = hold(city.branch_a, present=[city.member_a])
    page = html(login("member_a").get(reverse("orglife:activity_detail", args=[activity.pk])))
    assert activity.topic in page
    assert activity.signin_token not in page
    assert reverse("orglife:activity_edit", args=[activity.pk]) not in page


@pytest.mark.parametrize(
    ("persona", "branch"), [("secretary_b", "branch_a"), ("member_a", "branch_b")]
)
def test_activity_of_another_branch_is_404_for_outsiders(city, login, persona, branch):
    activity = hold(getattr(city, branch))
    response = login(persona).get(reverse("orglife:activity_detail", args=[activity.pk]))
    assert response.status_code == 404
    assert AuditLog.objects.filter(
        action=AuditLog.Action.ACCESS_DENIED, object_id=str(activity.pk)
    ).exists()


def test_secretary_of_another_branch_can_neither_edit_nor_correct_nor_cancel(city, login):
    activity = hold(city.branch_a, present=[city.member_a])
    client = login("secretary_b")
    assert client.get(reverse("orglife:activity_edit", args=[activity.pk])).status_code == 404
    assert client.post(reverse("orglife:activity_edit", args=[activity.pk]), {}).status_code == 404
    url = reverse("orglife:attendance_correct", args=[activity.pk, city.member_a.pk])
    assert client.post(url, {"status": "absent"}).status_code == 404
    assert (
        client.post(
            reverse("orglife:activity_cancel", args=[activity.pk]), {"reason": "x"}
        ).status_code
        == 404
    )
    activity.refresh_from_db()
    assert activity.status == Activity.Status.COMPLETED
    assert activity.attendances.get(member=city.member_a).status == "present"


def test_read_only_role_sees_the_activity_but_gets_403_on_changes(city, login):
    activity = hold(city.branch_a, present=[city.member_a])
    client = login("publicity_a")
    assert client.get(reverse("orglife:activity_detail", args=[activity.pk])).status_code == 200
    assert client.get(reverse("orglife:activity_edit", args=[activity.pk])).status_code == 403
    url = reverse("orglife:attendance_correct", args=[activity.pk, city.member_a.pk])
    assert client.post(url, {"status": "absent"}).status_code == 403


def test_secretary_corrects_one_members_attendance_inline(city, login):
    activity = hold(city.branch_a, present=[city.member_a, secretary_member(city)])
    client = login("secretary_a")
    url = reverse("orglife:attendance_correct", args=[activity.pk, city.member_a.pk])
    response = client.post(url, {"status": "leave"}, HTTP_HX_REQUEST="true")
    assert "请假须填写请假事由" in html(response)
    response = client.post(url, {"status": "leave", "leave_reason": "病假"}, HTTP_HX_REQUEST="true")
    assert "已更正" in html(response) and "请假事由：病假" in html(response)
    row = activity.attendances.get(member=city.member_a)
    assert (row.status, row.leave_reason, row.corrected_by) == (
        "leave",
        "病假",
        city.users["secretary_a"],
    )


def test_correcting_attendance_in_a_closed_month_needs_a_reason(city, login):
    activity = hold(city.branch_a, day=months_ago(3), present=[city.member_a])
    client = login("secretary_a")
    url = reverse("orglife:attendance_correct", args=[activity.pk, city.member_a.pk])
    assert 'name="correction_reason"' in html(client.get(url, HTTP_HX_REQUEST="true"))
    response = client.post(url, {"status": "absent"}, HTTP_HX_REQUEST="true")
    assert "须填写更正原因" in html(response)
    assert activity.attendances.get(member=city.member_a).status == "present"
    client.post(
        url, {"status": "absent", "correction_reason": "核对签到表"}, HTTP_HX_REQUEST="true"
    )
    assert activity.attendances.get(member=city.member_a).status == "absent"


def test_correction_form_of_an_open_month_asks_no_reason(city, login):
    activity = hold(city.branch_a, present=[city.member_a])
    url = reverse("orglife:attendance_correct", args=[activity.pk, city.member_a.pk])
    form = html(login("secretary_a").get(url, HTTP_HX_REQUEST="true"))
    assert 'name="status"' in form and 'name="correction_reason"' not in form


def test_cancelling_needs_a_reason_and_shows_it(city, login):
    activity = hold(city.branch_a, present=[city.member_a])
    client = login("secretary_a")
    url = reverse("orglife:activity_cancel", args=[activity.pk])
    client.post(url, {"reason": ""})
    activity.refresh_from_db()
    assert activity.status == Activity.Status.COMPLETED
    response = client.post(url, {"reason": "录入重复"}, follow=True)
    activity.refresh_from_db()
    assert activity.status == Activity.Status.CANCELLED
    assert "取消原因：录入重复" in html(response)


def test_live_signin_partial_polls_only_while_the_window_is_open(city, login):
    open_now = hold(city.branch_a, present=[city.member_a])
    closed = hold(city.branch_a, day=months_ago(1), present=[city.member_a])
    client = login("secretary_a")
    assert 'hx-trigger="every 5s"' in html(
        client.get(reverse("orglife:activity_live", args=[open_now.pk]))
    )
    assert "hx-trigger" not in html(client.get(reverse("orglife:activity_live", args=[closed.pk])))


# --- edit ----------------------------------------------------------------------------------------------


def test_secretary_completes_a_planned_activity_keeping_qr_signins(city, login):
    planned = services.activity_schedule(
        organization=city.branch_a,
        kind="theme_day",
        starts_at=earlier_today(),
        topic="计划的主题党日",
    )
    services.signin(token=planned.signin_token, user=city.users["member_a"])
    client = login("secretary_a")
    page = html(client.get(reverse("orglife:activity_edit", args=[planned.pk])))
    # Whoever did not scan starts as absent once someone has signed in.
    sec = secretary_member(city)
    assert f'id="st-{sec.pk}-a" value="absent" checked' in page
    assert f'id="st-{city.member_a.pk}-p" value="present" checked' in page
    data = record_post(city.branch_a, [city.member_a], topic="计划的主题党日", minutes="学习了党章")
    data[f"st-{sec.pk}"] = "absent"
    start = timezone.localtime(planned.starts_at)
    data.update(held_on=f"{start:%Y-%m-%d}", start_time=f"{start:%H:%M}")
    assert client.post(reverse("orglife:activity_edit", args=[planned.pk]), data).status_code == 302
    planned.refresh_from_db()
    assert planned.status == Activity.Status.COMPLETED and planned.minutes == "学习了党章"
    assert planned.attendances.get(member=city.member_a).signed_in_at is not None


def test_correcting_a_closed_record_needs_a_reason_logged_with_the_attendance_change(city, login):
    activity = hold(
        city.branch_a, day=months_ago(3), present=[city.member_a, secretary_member(city)]
    )
    client = login("secretary_a")
    page = html(client.get(reverse("orglife:activity_edit", args=[activity.pk])))
    assert 'id="reason-group"' in page and 'data-always="1"' in page
    data = record_post(
        city.branch_a,
        [city.member_a, secretary_member(city)],
        topic=activity.topic,
        held_on=f"{activity.held_on:%Y-%m-%d}",
        start_time="09:00",
    )
    data[f"st-{city.member_a.pk}"] = "absent"
    response = client.post(reverse("orglife:activity_edit", args=[activity.pk]), data)
    assert response.status_code == 400 and "须填写更正原因" in html(response)
    data["correction_reason"] = "张伟实际未到会"
    assert (
        client.post(reverse("orglife:activity_edit", args=[activity.pk]), data).status_code == 302
    )
    entry = AuditLog.objects.filter(
        object_type="orglife.activity", object_id=str(activity.pk), action=AuditLog.Action.UPDATE
    ).latest("id")
    assert "张伟实际未到会" in entry.detail
    assert entry.changes["attendance"][f"member:{city.member_a.pk}"] == ["present", "absent"]


def test_a_cancelled_activity_cannot_be_edited(city, login):
    activity = hold(city.branch_a, present=[city.member_a])
    services.activity_cancel(activity=activity, reason="重复")
    response = login("secretary_a").get(reverse("orglife:activity_edit", args=[activity.pk]))
    assert response.status_code == 302


# --- calendar --------------------------------------------------------------------------------------------


def test_calendar_shows_the_months_visible_activities_by_day(city, login):
    mine = hold(city.branch_a, topic="预算处主题党日")
    hold(city.branch_b, topic="教育局主题党日")
    page = html(login("secretary_a").get(reverse("orglife:calendar")))
    assert "预算处主题党日" in page and "教育局主题党日" not in page
    assert reverse("orglife:activity_detail", args=[mine.pk]) in page


def test_calendar_switches_month_and_filters_by_kind_and_organization(city, login):
    hold(city.branch_a, "theme_day", day=months_ago(2), topic="两个月前的主题党日")
    hold(city.branch_a2, "party_lesson", day=months_ago(2), topic="国库处党课")
    client = login("committee_a")
    month = f"{months_ago(2):%Y-%m}"
    page = html(client.get(reverse("orglife:calendar"), {"month": month}))
    assert "两个月前的主题党日" in page and "国库处党课" in page
    page = html(client.get(reverse("orglife:calendar"), {"month": month, "kind": "party_lesson"}))
    assert "两个月前的主题党日" not in page and "国库处党课" in page
    page = html(client.get(reverse("orglife:calendar"), {"month": month, "org": city.branch_a.pk}))
    assert "两个月前的主题党日" in page and "国库处党课" not in page


def test_calendar_filter_on_an_invisible_organization_is_404(city, login):
    response = login("secretary_a").get(reverse("orglife:calendar"), {"org": city.branch_b.pk})
    assert response.status_code == 404


def test_member_calendar_shows_their_branch(city, login):
    hold(city.branch_a, topic="预算处主题党日")
    assert "预算处主题党日" in html(login("member_a").get(reverse("orglife:calendar")))


def test_calendar_query_count_does_not_grow_with_activities(
    city, login, django_assert_max_num_queries
):
    client = login("committee_a")
    client.get(reverse("orglife:calendar"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("orglife:calendar"))
    for i in range(15):
        hold(city.branch_a if i % 2 else city.branch_a2, topic=f"活动{i}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = html(client.get(reverse("orglife:calendar")))
    assert "活动14" in page


# --- my attendance ------------------------------------------------------------------------------------------


def test_member_sees_their_attendance_this_year_with_rate(city, login):
    hold(city.branch_a, present=[city.member_a], topic="第一次")
    hold(city.branch_a, absent=[city.member_a], topic="第二次")
    page = html(login("member_a").get(reverse("orglife:mine")))
    assert "第一次" in page and "第二次" in page
    assert "data-rate>50%" in page


def test_member_can_look_at_an_earlier_year(city, login):
    last_year = date(today().year - 1, 6, 10)
    hold(city.branch_a, day=last_year, present=[city.member_a], topic="去年的活动")
    client = login("member_a")
    assert "去年的活动" not in html(client.get(reverse("orglife:mine")))
    assert "去年的活动" in html(client.get(reverse("orglife:mine"), {"year": last_year.year}))


def test_user_without_member_record_gets_a_friendly_message(city, login):
    response = login("nobody").get(reverse("orglife:mine"))
    assert response.status_code == 200 and "尚未关联党员档案" in html(response)
