"""/api/v1/ activities, attendance, sign-in, rules, compliance and my attendance, through the personas."""

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from core.models import AuditLog
from dangjian.testing import MemberFactory, make_org
from orglife import services
from orglife.compliance import compliance, subtree_compliance
from orglife.models import Activity, Attendance, LifeRule
from orglife.periods import period_of
from orgs.models import OrgKind, Position, PositionKind

ACTIVITIES = "/api/v1/activities/"
SIGNIN = "/api/v1/signin/"
RULES = "/api/v1/rules/"
COMPLIANCE = "/api/v1/compliance/"
LAST_YEAR = timezone.localdate().year - 1


def at(day: date, hour=15):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def hold(org, kind="theme_day", day=None, present=(), absent=(), **fields):
    """An activity recorded as held (an old one needs the correction reason of a closed period)."""
    attendance = [{"member_id": m.pk, "status": "present"} for m in present]
    attendance += [{"member_id": m.pk, "status": "absent"} for m in absent]
    starts_at = at(day) if day else timezone.now() - timedelta(minutes=5)
    return services.activity_record(
        organization=org,
        kind=kind,
        starts_at=starts_at,
        topic=fields.pop("topic", "学习党章"),
        attendance=attendance,
        correction_reason="补录测试数据",
        **fields,
    )


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def patch(client, url, data):
    return client.patch(url, data, content_type="application/json")


def denials(persona: str, object_type="orglife.activity") -> set[str]:
    entries = AuditLog.objects.filter(
        action="access_denied", actor_name=persona, object_type=object_type
    )
    return set(entries.values_list("object_id", flat=True))


@pytest.fixture
def meeting_a(city):
    return hold(city.branch_a, present=[city.member_a])


# --- who sees which activities ----------------------------------------------------------------


def test_secretary_of_branch_b_lists_none_of_branch_a_activities(city, login, meeting_a):
    own = hold(city.branch_b)
    assert ids(login("secretary_b").get(ACTIVITIES)) == {own.pk}


def test_secretary_of_branch_b_gets_404_on_every_door_of_a_branch_a_activity(
    city, login, meeting_a
):
    client = login("secretary_b")
    url = f"{ACTIVITIES}{meeting_a.pk}/"
    assert client.get(url).status_code == 404
    assert patch(client, url, {"topic": "改掉"}).status_code == 404
    assert post(client, f"{url}cancel/", {"reason": "不想开"}).status_code == 404
    assert client.get(f"{url}attendance/").status_code == 404
    assert denials("secretary_b") == {str(meeting_a.pk)}
    meeting_a.refresh_from_db()
    assert meeting_a.topic == "学习党章" and meeting_a.status == "completed"


def test_secretary_of_branch_b_cannot_sign_in_to_a_branch_a_activity(city, login, meeting_a):
    response = post(login("secretary_b"), SIGNIN, {"token": meeting_a.signin_token})
    assert response.status_code == 400
    assert "不是预算处党支部的党员" in response.json()["detail"]
    assert denials("secretary_b") == {str(meeting_a.pk)}
    assert meeting_a.attendances.count() == 1  # member_a alone, as recorded


def test_member_sees_their_branch_activities_and_not_the_neighbouring_branch(
    city, login, meeting_a
):
    hold(city.branch_a2)
    assert ids(login("member_a").get(ACTIVITIES)) == {meeting_a.pk}


def test_member_sees_the_attendance_summary_but_not_the_signin_code(city, login, meeting_a):
    body = login("member_a").get(f"{ACTIVITIES}{meeting_a.pk}/").json()
    assert body["attendance_summary"]["present"] == 1
    assert body["attendance_summary"]["rate"] == 1.0
    assert body["can_edit"] is False and body["signin_token"] is None


def test_secretary_sees_the_signin_code_of_their_own_activity(city, login, meeting_a):
    body = login("secretary_a").get(f"{ACTIVITIES}{meeting_a.pk}/").json()
    assert body["can_edit"] is True and body["signin_token"] == meeting_a.signin_token


def test_committee_secretary_lists_activities_of_both_branches_below(city, login, meeting_a):
    other = hold(city.branch_a2)
    hold(city.branch_b)
    assert ids(login("committee_a").get(ACTIVITIES)) == {meeting_a.pk, other.pk}


# --- sign-in ----------------------------------------------------------------------------------


def test_member_signs_in_within_the_window_once(city, login, meeting_a):
    activity = hold(city.branch_a, topic="主题党日")
    client = login("member_a")
    first = post(client, SIGNIN, {"token": activity.signin_token})
    assert first.status_code == 200, first.content
    assert first.json()["activity"] == activity.pk and first.json()["status"] == "present"
    row = Attendance.objects.get(activity=activity, member=city.member_a)
    assert row.status == "present" and row.signed_in_at is not None
    second = post(client, SIGNIN, {"token": activity.signin_token})
    assert second.status_code == 400 and "无需重复签到" in second.json()["detail"]


def test_signin_before_the_window_opens_is_refused(city, login):
    planned = services.activity_schedule(
        organization=city.branch_a,
        kind="theme_day",
        starts_at=timezone.now() + timedelta(days=2),
        topic="下周主题党日",
    )
    response = post(login("member_a"), SIGNIN, {"token": planned.signin_token})
    assert response.status_code == 400 and "签到尚未开始" in response.json()["detail"]
    assert not Attendance.objects.filter(activity=planned).exists()


def test_signin_after_the_window_closed_is_refused(city, login):
    old = hold(city.branch_a, day=timezone.localdate() - timedelta(days=3))
    response = post(login("member_a"), SIGNIN, {"token": old.signin_token})
    assert response.status_code == 400 and "签到已截止" in response.json()["detail"]


def test_an_unknown_signin_code_is_refused(city, login):
    response = post(login("member_a"), SIGNIN, {"token": "nonsense"})
    assert response.status_code == 400 and "签到码无效" in response.json()["detail"]


# --- writes -----------------------------------------------------------------------------------


def record_payload(city, **extra) -> dict:
    secretary = city.users["secretary_a"].member
    return {
        "organization": city.branch_a.pk,
        "kind": "branch_general_meeting",
        "starts_at": (timezone.now() - timedelta(hours=2)).isoformat(),
        "topic": "学习贯彻全会精神",
        "place": "三楼会议室",
        "host": secretary.pk,
        "attendance": [
            {"member": secretary.pk, "status": "present"},
            {"member": city.member_a.pk, "status": "leave", "leave_reason": "出差"},
        ],
        "guests": [{"name": "钱局长", "role": "observer"}],
        **extra,
    }


def test_secretary_records_a_held_meeting_with_attendance_and_guests(city, login):
    response = post(login("secretary_a"), ACTIVITIES, record_payload(city))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "completed" and body["counts"] is True
    assert body["attendance_summary"] == {
        "present": 1,
        "leave": 1,
        "absent": 0,
        "guests": 1,
        "signed_in": 0,
        "rate": 0.5,
    }
    activity = Activity.objects.get(pk=body["id"])
    assert activity.attendances.get(member=city.member_a).leave_reason == "出差"
    assert AuditLog.objects.filter(
        action="create", object_type="orglife.activity", object_id=str(activity.pk)
    ).exists()


def test_a_planned_activity_is_scheduled_without_attendance(city, login):
    starts = timezone.now() + timedelta(days=5)
    data = {
        "organization": city.branch_a.pk,
        "status": "planned",
        "kind": "party_lesson",
        "starts_at": starts.isoformat(),
        "topic": "书记讲党课",
    }
    response = post(login("secretary_a"), ACTIVITIES, data)
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "planned"
    with_attendance = post(
        login("secretary_a"),
        ACTIVITIES,
        data | {"attendance": [{"member": city.member_a.pk}]},
    )
    assert with_attendance.status_code == 400 and "attendance" in with_attendance.json()


def test_recording_a_future_activity_as_held_names_the_start_time(city, login):
    future = (timezone.now() + timedelta(days=3)).isoformat()
    response = post(login("secretary_a"), ACTIVITIES, record_payload(city, starts_at=future))
    assert response.status_code == 400 and "请先“计划”" in response.json()["starts_at"][0]


def test_activity_under_another_branch_is_refused_by_field(city, login):
    response = post(
        login("secretary_a"), ACTIVITIES, record_payload(city, organization=city.branch_b.pk)
    )
    assert response.status_code == 400 and "organization" in response.json()
    assert not Activity.objects.filter(organization=city.branch_b).exists()


def test_attendee_from_outside_the_organization_is_refused_by_field(city, login):
    stranger = MemberFactory(branch=city.branch_a2, unit=city.unit_a)
    data = record_payload(city, attendance=[{"member": stranger.pk, "status": "present"}])
    response = post(login("committee_a"), ACTIVITIES, data)
    assert response.status_code == 400
    assert "不是本组织党员" in response.json()["attendance"][0]


def test_publicity_member_may_read_but_every_write_is_403(city, login, meeting_a):
    client = login("publicity_a")
    url = f"{ACTIVITIES}{meeting_a.pk}/"
    assert client.get(url).status_code == 200
    assert post(client, ACTIVITIES, record_payload(city)).status_code == 403
    assert patch(client, url, {"topic": "改掉"}).status_code == 403
    assert post(client, f"{url}cancel/", {"reason": "重复"}).status_code == 403
    correction = {"member": city.member_a.pk, "status": "absent"}
    assert post(client, f"{url}attendance/", correction).status_code == 403
    assert denials("publicity_a") == {str(meeting_a.pk)}


def test_correcting_a_record_of_a_closed_period_needs_a_reason_that_is_audited(city, login):
    old = hold(city.branch_a, day=date(LAST_YEAR, 3, 10))
    client, url = login("secretary_a"), f"{ACTIVITIES}{old.pk}/"
    refused = patch(client, url, {"topic": "更正主题"})
    assert refused.status_code == 400 and "correction_reason" in refused.json()
    response = patch(client, url, {"topic": "更正主题", "correction_reason": "主题录错"})
    assert response.status_code == 200, response.content
    assert response.json()["topic"] == "更正主题"
    entry = AuditLog.objects.filter(action="update", object_id=str(old.pk)).latest("id")
    assert "主题录错" in entry.detail


def test_a_planned_activity_is_completed_only_when_asked_to(city, login):
    planned = services.activity_schedule(
        organization=city.branch_a,
        kind="theme_day",
        starts_at=timezone.now() - timedelta(hours=1),
        topic="主题党日",
    )
    client, url = login("secretary_a"), f"{ACTIVITIES}{planned.pk}/"
    refused = patch(client, url, {"place": "活动室"})
    assert refused.status_code == 400 and "status" in refused.json()
    attendance = [{"member": city.member_a.pk, "status": "present"}]
    done = patch(client, url, {"status": "completed", "attendance": attendance})
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "completed"
    assert done.json()["attendance_summary"]["present"] == 1


def test_cancel_keeps_the_record_and_there_is_no_delete(city, login, meeting_a):
    client, url = login("secretary_a"), f"{ACTIVITIES}{meeting_a.pk}/"
    assert client.delete(url).status_code == 405
    assert post(client, f"{url}cancel/", {}).status_code == 400
    response = post(client, f"{url}cancel/", {"reason": "录入重复"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert post(client, f"{url}cancel/", {"reason": "再取消"}).status_code == 400
    assert patch(client, url, {"topic": "复活"}).status_code == 400
    assert Activity.objects.filter(pk=meeting_a.pk, status="cancelled").exists()


# --- attendance -------------------------------------------------------------------------------


def test_secretary_corrects_one_members_attendance(city, login, meeting_a):
    client, url = login("secretary_a"), f"{ACTIVITIES}{meeting_a.pk}/attendance/"
    no_reason = post(client, url, {"member": city.member_a.pk, "status": "leave"})
    assert no_reason.status_code == 400 and "leave_reason" in no_reason.json()
    response = patch(
        client, url, {"member": city.member_a.pk, "status": "leave", "leave_reason": "病假"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "leave"
    listed = client.get(url).json()
    assert [(r["member"], r["status"], r["leave_reason"]) for r in listed] == [
        (city.member_a.pk, "leave", "病假")
    ]


def test_attendance_of_a_member_of_another_branch_cannot_be_added(city, login, meeting_a):
    url = f"{ACTIVITIES}{meeting_a.pk}/attendance/"
    response = post(login("city_admin"), url, {"member": city.member_b.pk, "status": "present"})
    assert response.status_code == 400 and "member" in response.json()
    assert not Attendance.objects.filter(activity=meeting_a, member=city.member_b).exists()


def test_a_committee_meeting_without_quorum_says_why_it_does_not_count(city, login):
    committee = [MemberFactory(branch=city.branch_a, unit=city.unit_a) for _ in range(3)]
    Position.objects.filter(organization=city.branch_a).delete()
    for member, kind in zip(
        committee,
        [PositionKind.SECRETARY, PositionKind.ORGANIZATION_MEMBER, PositionKind.COMMITTEE_MEMBER],
        strict=True,
    ):
        Position.objects.create(
            organization=city.branch_a, member=member, kind=kind, started_on=date(2025, 1, 1)
        )
    meeting = hold(
        city.branch_a, "branch_committee_meeting", present=committee[:1], absent=committee[1:]
    )
    body = login("secretary_a").get(f"{ACTIVITIES}{meeting.pk}/").json()
    assert body["counts"] is False and "R-LIFE-2" in body["invalid_reason"]


# --- filters and query counts -----------------------------------------------------------------


def test_activities_filter_by_subtree_kind_status_and_period(city, login):
    lesson = hold(city.branch_a, "party_lesson", day=date(LAST_YEAR, 5, 6))
    theme = hold(city.branch_a2, "theme_day", day=date(LAST_YEAR, 8, 6))
    now = hold(city.branch_a, "theme_day")
    client = login("city_admin")
    assert ids(client.get(ACTIVITIES, {"under": city.committee_a.pk})) == {
        lesson.pk,
        theme.pk,
        now.pk,
    }
    assert ids(client.get(ACTIVITIES, {"kind": "theme_day"})) == {theme.pk, now.pk}
    assert ids(client.get(ACTIVITIES, {"period": f"{LAST_YEAR}-Q2"})) == {lesson.pk}
    assert ids(client.get(ACTIVITIES, {"period": f"{LAST_YEAR}-08"})) == {theme.pk}
    after = {"date_from": f"{LAST_YEAR}-06-01", "date_to": f"{LAST_YEAR}-12-31"}
    assert ids(client.get(ACTIVITIES, after)) == {theme.pk}
    services.activity_cancel(activity=now, reason="重复")
    assert ids(client.get(ACTIVITIES, {"status": "cancelled"})) == {now.pk}


def test_bad_filters_are_400_naming_the_parameter(city, login):
    client = login("secretary_b")
    assert "under" in client.get(ACTIVITIES, {"under": city.branch_a.pk}).json()
    assert "period" in client.get(ACTIVITIES, {"period": "2026-13"}).json()


@pytest.mark.parametrize("persona", ["city_admin", "member_a"])
def test_activity_list_query_count_does_not_grow_with_activities(
    city, login, persona, django_assert_max_num_queries
):
    for month in range(1, 13):
        hold(city.branch_a, day=date(LAST_YEAR, month, 3), present=[city.member_a])
    client = login(persona)
    with django_assert_max_num_queries(12):
        response = client.get(ACTIVITIES)
    assert len(response.json()["results"]) == 12


# --- rules ------------------------------------------------------------------------------------


def test_party_readers_list_rules_in_force_on_a_day_and_members_may_not(city, login):
    LifeRule.objects.filter(code="R-LIFE-5").update(effective_to=date(2025, 12, 31))
    client = login("secretary_a")
    codes = {r["code"] for r in client.get(RULES, {"in_force_on": "2026-06-01"}).json()["results"]}
    assert "R-LIFE-1" in codes and "R-LIFE-5" not in codes
    one = client.get(RULES, {"code": "r-life-2"}).json()["results"]
    assert [(r["code"], r["quorum_ratio"]) for r in one] == [("R-LIFE-2", "0.500")]
    assert login("member_a").get(RULES).status_code == 403


def test_only_city_admins_may_add_or_retire_rules(city, login):
    rule = LifeRule.objects.get(code="R-LIFE-1")
    client = login("secretary_a")
    assert post(client, RULES, {"code": "R-X", "name": "试行"}).status_code == 403
    retire = post(client, f"{RULES}{rule.pk}/retire/", {"effective_to": "2026-12-31"})
    assert retire.status_code == 403
    assert LifeRule.objects.get(pk=rule.pk).effective_to is None
    assert client.patch(f"{RULES}{rule.pk}/", {}).status_code == 405


NEW_RULE = {
    "code": "R-LOCAL-9",
    "name": "每季度至少开展1次谈心谈话",
    "layer": "local",
    "org_kinds": ["branch"],
    "activity_kind": "heart_to_heart_talk",
    "period": "quarter",
    "min_count": 1,
    "effective_from": f"{LAST_YEAR + 2}-01-01",
    "source": "L: 本市新规（测试）",
}


def test_city_admin_adds_a_rule_and_retires_it_by_ending_its_period(city, login):
    client = login("city_admin")
    response = post(client, RULES, NEW_RULE)
    assert response.status_code == 201, response.content
    rule = LifeRule.objects.get(pk=response.json()["id"])
    assert (rule.code, rule.period, rule.org_kinds) == ("R-LOCAL-9", "quarter", ["branch"])
    end = f"{LAST_YEAR + 2}-12-31"
    retired = post(client, f"{RULES}{rule.pk}/retire/", {"effective_to": end})
    assert retired.status_code == 200, retired.content
    assert retired.json()["effective_to"] == end
    assert LifeRule.objects.get(pk=rule.pk).name == NEW_RULE["name"]  # history untouched
    logged = AuditLog.objects.filter(object_type="orglife.liferule", object_id=str(rule.pk))
    assert {"create", "update"} <= set(logged.values_list("action", flat=True))


def test_bad_rule_input_is_400_naming_the_field(city, login):
    client = login("city_admin")
    assert "org_kinds" in post(client, RULES, NEW_RULE | {"org_kinds": []}).json()
    rule = LifeRule.objects.get(code="R-LIFE-1")
    before_start = {"effective_to": "2000-01-01"}
    response = post(client, f"{RULES}{rule.pk}/retire/", before_start)
    assert response.status_code == 400 and "effective_to" in response.json()


# --- compliance -------------------------------------------------------------------------------


def expected(item) -> list:
    return [
        (r.rule.code, r.status, [(c.period.key, c.status, c.done, c.required) for c in r.checks])
        for r in item.results
    ]


def returned(body) -> list:
    return [
        (
            r["code"],
            r["status"],
            [(c["period"], c["status"], c["done"], c["required"]) for c in r["checks"]],
        )
        for r in body["results"]
    ]


def test_compliance_of_one_branch_equals_the_compliance_function(city, login):
    for month in (1, 2, 4):
        hold(city.branch_a, "theme_day", day=date(LAST_YEAR, month, 8))
    hold(city.branch_a, "branch_general_meeting", day=date(LAST_YEAR, 3, 31))
    response = login("secretary_a").get(
        COMPLIANCE, {"organization": city.branch_a.pk, "period": str(LAST_YEAR)}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    (item,) = compliance([city.branch_a], period_of("year", date(LAST_YEAR, 1, 1)))
    assert returned(body) == expected(item)
    assert (body["met"], body["missed"], body["rate"]) == (item.met, item.missed, item.rate)
    assert body["period"]["key"] == str(LAST_YEAR)
    theme = next(r for r in body["results"] if r["code"] == "R-LIFE-5")
    assert theme["met"] == 3 and theme["missed"] == 9


def test_compliance_for_a_quarter_and_a_month(city, login):
    hold(city.branch_a, "branch_general_meeting", day=date(LAST_YEAR, 3, 31))
    client = login("secretary_a")
    q1 = client.get(COMPLIANCE, {"organization": city.branch_a.pk, "period": f"{LAST_YEAR}-Q1"})
    meeting = next(r for r in q1.json()["results"] if r["code"] == "R-LIFE-1")
    assert meeting["status"] == "met"
    q2 = client.get(COMPLIANCE, {"organization": city.branch_a.pk, "period": f"{LAST_YEAR}-Q2"})
    assert next(r for r in q2.json()["results"] if r["code"] == "R-LIFE-1")["status"] == "missed"


def test_subtree_rollup_equals_the_sum_of_its_organizations(city, login):
    hold(city.branch_a, "theme_day", day=date(LAST_YEAR, 1, 5))
    hold(city.branch_a2, "branch_general_meeting", day=date(LAST_YEAR, 2, 5))
    params = {"organization": city.committee_a.pk, "period": str(LAST_YEAR), "subtree": 1}
    body = login("committee_a").get(COMPLIANCE, params).json()
    rows = body["results"]
    assert {r["organization"]["id"] for r in rows} == {
        city.committee_a.pk,
        city.branch_a.pk,
        city.branch_a2.pk,
    }
    rollup = body["rollup"]
    for key in ("met", "missed", "pending"):
        assert rollup[key] == sum(r[key] for r in rows)
    assert rollup["organizations"] == body["count"] == 3
    total, _ = subtree_compliance(city.committee_a, period_of("year", date(LAST_YEAR, 1, 1)))
    assert (rollup["met"], rollup["missed"], rollup["rate"]) == (
        total.met,
        total.missed,
        total.rate,
    )
    one_by_one = {r["organization"]["id"]: (r["met"], r["missed"], r["rate"]) for r in rows}
    (branch,) = compliance([city.branch_a], period_of("year", date(LAST_YEAR, 1, 1)))
    assert one_by_one[city.branch_a.pk] == (branch.met, branch.missed, branch.rate)


def test_compliance_of_an_organization_outside_scope_is_404_and_audited(city, login):
    client = login("secretary_b")
    response = client.get(COMPLIANCE, {"organization": city.branch_a.pk, "subtree": 1})
    assert response.status_code == 404
    assert denials("secretary_b", "orgs.organization") == {str(city.branch_a.pk)}


def test_compliance_needs_an_organization_and_a_well_formed_period(city, login):
    client = login("secretary_a")
    assert "organization" in client.get(COMPLIANCE).json()
    bad = client.get(COMPLIANCE, {"organization": city.branch_a.pk, "period": "2026-Q5"})
    assert bad.status_code == 400 and "period" in bad.json()


def test_compliance_subtree_query_count_does_not_grow_with_organizations(
    city, login, django_assert_max_num_queries
):
    for i in range(12):
        branch = make_org(f"新增支部{i}", OrgKind.BRANCH, city.committee_a)
        hold(branch, "theme_day", day=date(LAST_YEAR, i + 1, 9))
    client = login("city_admin")
    params = {"organization": city.work_committee.pk, "period": str(LAST_YEAR), "subtree": 1}
    with django_assert_max_num_queries(14):
        response = client.get(COMPLIANCE, params)
    assert response.json()["rollup"]["organizations"] == 19


# --- my attendance ----------------------------------------------------------------------------


def test_member_reads_their_own_attendance_for_a_year(city, login):
    hold(city.branch_a, day=date(LAST_YEAR, 4, 2), present=[city.member_a])
    hold(city.branch_a, day=date(LAST_YEAR, 5, 2), absent=[city.member_a])
    body = login("member_a").get("/api/v1/me/attendance/", {"year": LAST_YEAR}).json()
    assert body == {
        "year": LAST_YEAR,
        "present": 1,
        "leave": 0,
        "absent": 1,
        "total": 2,
        "rate": 0.5,
    }


def test_my_attendance_without_a_member_record_is_404(city, login):
    assert login("city_admin").get("/api/v1/me/attendance/").status_code == 404
