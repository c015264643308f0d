"""Every transition of a finding: who may take it, what it leaves behind, and what is refused."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import ProtectedError

from core.models import AuditLog
from supervision import services
from supervision.models import Evidence, Finding, FindingEvent, FindingState
from supervision.tests.conftest import days_from_today, photo

S = FindingState
pytestmark = pytest.mark.django_db


def rectify_to_submitted(finding, city, files=None):
    secretary = city.users["secretary_a"]
    services.finding_submit_plan(finding=finding, actor=secretary, plan="下周召开支部党员大会补课")
    services.finding_report_progress(
        finding=finding, actor=secretary, text="已于6月20日召开", files=[photo("会议.png")]
    )
    services.finding_submit_for_verification(
        finding=finding, actor=secretary, text="已整改到位", files=files or []
    )
    finding.refresh_from_db()
    return finding


def test_recording_a_finding_with_photos_assigns_it_open_with_location_and_event(city, record):
    taken = days_from_today(0)
    finding = record(
        photos=[
            services.Photo(photo("一.png"), latitude=30.0, longitude=120.58),
            photo("二.png"),
            photo("三.png"),
        ]
    )
    assert finding.state == S.OPEN
    assert finding.inspector == city.users["city_admin"]
    assert finding.evidence.count() == 3
    first = finding.evidence.get(name="一.png")
    assert float(first.latitude) == 30.0 and first.file.read().startswith(b"\x89PNG")
    event = finding.events.get()
    assert (event.kind, event.from_state, event.to_state) == ("recorded", "", S.OPEN)
    assert f"整改期限 {finding.deadline:%Y-%m-%d}" == event.text
    assert finding.deadline > taken


def test_branch_secretary_cannot_record_a_finding_against_own_branch(city, record):
    with pytest.raises(PermissionDenied):
        record(actor=city.users["secretary_a"])
    with pytest.raises(PermissionDenied):
        record(actor=city.users["secretary_b"])
    assert not Finding.objects.exists()


def test_party_committee_secretary_records_findings_on_its_branches(city, record):
    finding = record(actor=city.users["committee_a"])
    assert finding.organization == city.branch_a


def test_a_disguised_file_refuses_the_whole_finding(city, record):
    fake = SimpleUploadedFile("photo.jpg", b"#!/bin/sh\nrm -rf /\n", content_type="image/jpeg")
    with pytest.raises(ValidationError):
        record(photos=[photo(), fake])
    assert not Finding.objects.exists() and not Evidence.objects.exists()


def test_deadline_before_the_finding_is_refused(city, record):
    with pytest.raises(ValidationError):
        record(deadline=days_from_today(-1))


def test_retired_category_cannot_be_used_for_new_findings(city, record, category):
    services.category_retire(actor=city.users["city_admin"], category=category)
    with pytest.raises(ValidationError):
        record()


def test_full_path_open_plan_progress_submit_sign_off(city, record):
    finding = rectify_to_submitted(record(), city)
    assert finding.state == S.SUBMITTED
    services.finding_sign_off(finding=finding, actor=city.users["committee_a"], text="核查属实")
    finding.refresh_from_db()
    assert finding.state == S.SIGNED_OFF and finding.closed_at is not None
    kinds = list(finding.events.values_list("kind", "from_state", "to_state"))
    assert kinds == [
        ("recorded", "", S.OPEN),
        ("plan", S.OPEN, S.PLAN_SUBMITTED),
        ("progress", S.PLAN_SUBMITTED, S.IN_PROGRESS),
        ("submitted", S.IN_PROGRESS, S.SUBMITTED),
        ("signed_off", S.SUBMITTED, S.SIGNED_OFF),
    ]
    assert finding.plan == "下周召开支部党员大会补课"


def test_progress_before_a_plan_is_refused(city, record):
    finding = record()
    with pytest.raises(ValidationError):
        services.finding_report_progress(finding=finding, actor=city.users["secretary_a"], text="x")


def test_submission_without_rectification_evidence_is_refused(city, record):
    finding = record()
    secretary = city.users["secretary_a"]
    services.finding_submit_plan(finding=finding, actor=secretary, plan="方案")
    services.finding_report_progress(finding=finding, actor=secretary, text="进展")
    with pytest.raises(ValidationError) as error:
        services.finding_submit_for_verification(finding=finding, actor=secretary, text="好了")
    assert "佐证" in str(error.value)


def test_read_only_and_other_branch_users_cannot_rectify(city, record):
    finding = record()
    for persona in ("publicity_a", "secretary_b", "member_a"):
        with pytest.raises(PermissionDenied):
            services.finding_submit_plan(finding=finding, actor=city.users[persona], plan="方案")


def test_the_responsible_branch_cannot_sign_off_its_own_rectification(city, record):
    finding = rectify_to_submitted(record(), city)
    with pytest.raises(PermissionDenied):
        services.finding_sign_off(finding=finding, actor=city.users["secretary_a"])
    with pytest.raises(PermissionDenied):
        services.finding_sign_off(finding=finding, actor=city.users["secretary_b"])


def test_whoever_submitted_cannot_sign_off_even_from_above(city, record):
    finding = record()
    committee = city.users["committee_a"]
    services.finding_submit_plan(finding=finding, actor=committee, plan="方案")
    services.finding_report_progress(finding=finding, actor=committee, text="进展")
    services.finding_submit_for_verification(
        finding=finding, actor=committee, text="完成", files=[photo()]
    )
    with pytest.raises(PermissionDenied):
        services.finding_sign_off(finding=finding, actor=committee)
    services.finding_sign_off(finding=finding, actor=city.users["city_admin"])


def test_return_with_reasons_then_rectify_again_and_sign_off(city, record):
    finding = rectify_to_submitted(record(), city)
    with pytest.raises(ValidationError):
        services.finding_return(finding=finding, actor=city.users["city_admin"], reason=" ")
    services.finding_return(
        finding=finding, actor=city.users["city_admin"], reason="会议记录缺少签到表"
    )
    finding.refresh_from_db()
    assert finding.state == S.RETURNED
    returned = finding.events.get(kind="returned")
    assert returned.text == "会议记录缺少签到表" and returned.actor == city.users["city_admin"]
    with pytest.raises(ValidationError):  # a returned finding is not verified again as it was
        services.finding_sign_off(finding=finding, actor=city.users["city_admin"])
    secretary = city.users["secretary_a"]
    services.finding_report_progress(finding=finding, actor=secretary, text="补充签到表")
    finding.refresh_from_db()
    assert finding.state == S.IN_PROGRESS
    services.finding_submit_for_verification(
        finding=finding, actor=secretary, text="已补充", files=[photo("签到表.png")]
    )
    services.finding_sign_off(finding=finding, actor=city.users["city_admin"])
    finding.refresh_from_db()
    assert finding.state == S.SIGNED_OFF


def test_reopen_a_signed_off_finding_keeps_its_history_and_needs_a_new_deadline(city, record):
    finding = rectify_to_submitted(record(), city)
    services.finding_sign_off(finding=finding, actor=city.users["city_admin"])
    admin = city.users["city_admin"]
    with pytest.raises(ValidationError):
        services.finding_reopen(
            finding=finding, actor=admin, reason="回头看发现反弹", deadline=days_from_today(0)
        )
    with pytest.raises(PermissionDenied):
        services.finding_reopen(
            finding=finding,
            actor=city.users["secretary_a"],
            reason="x",
            deadline=days_from_today(10),
        )
    services.finding_reopen(
        finding=finding, actor=admin, reason="回头看发现反弹", deadline=days_from_today(20)
    )
    finding.refresh_from_db()
    assert finding.state == S.REOPENED
    assert finding.reopen_count == 1 and finding.deadline == days_from_today(20)
    assert finding.closed_at is None
    assert finding.events.count() == 6  # nothing of the first round was dropped
    assert finding.events.filter(kind="signed_off").exists()
    services.finding_submit_plan(finding=finding, actor=city.users["secretary_a"], plan="再整改")
    finding.refresh_from_db()
    assert finding.state == S.PLAN_SUBMITTED


def test_only_signed_off_findings_can_be_reopened(city, record):
    finding = record()
    with pytest.raises(ValidationError):
        services.finding_reopen(
            finding=finding, actor=city.users["city_admin"], reason="x", deadline=days_from_today(5)
        )


def test_work_committee_closes_with_a_reason_and_nobody_else_may(city, record):
    finding = record()
    with pytest.raises(PermissionDenied):
        services.finding_close(finding=finding, actor=city.users["committee_a"], reason="不再整改")
    with pytest.raises(ValidationError):
        services.finding_close(finding=finding, actor=city.users["city_admin"], reason="")
    services.finding_close(
        finding=finding, actor=city.users["city_admin"], reason="该支部已撤并，问题随之消除"
    )
    finding.refresh_from_db()
    assert finding.state == S.CLOSED and finding.close_reason.startswith("该支部已撤并")
    with pytest.raises(ValidationError):
        services.finding_submit_plan(finding=finding, actor=city.users["secretary_a"], plan="x")


def test_findings_cannot_be_deleted(city, record):
    finding = record()
    with pytest.raises(ProtectedError):  # events and evidence hold it
        finding.delete()
    assert Finding.objects.filter(pk=finding.pk).exists()


def test_audit_log_tells_the_whole_story_of_a_finding(city, record):
    finding = rectify_to_submitted(record(), city)
    services.finding_return(finding=finding, actor=city.users["city_admin"], reason="材料不全")
    services.finding_report_progress(finding=finding, actor=city.users["secretary_a"], text="补全")
    entries = AuditLog.objects.filter(
        object_type="supervision.finding", object_id=str(finding.pk)
    ).order_by("id")
    story = [(e.action, e.actor_name, e.detail.split("：")[0]) for e in entries]
    assert story == [
        ("create", "city_admin", ""),
        ("update", "secretary_a", "报送整改方案"),
        ("update", "secretary_a", "报告整改进展"),
        ("update", "secretary_a", "提请验收"),
        ("update", "city_admin", "退回重改"),
        ("update", "secretary_a", "报告整改进展"),
    ]
    returned = entries[4]
    assert returned.changes["state"] == [S.SUBMITTED, S.RETURNED]
    assert "材料不全" in returned.detail
    files = AuditLog.objects.filter(object_type="supervision.evidence", action="create")
    assert files.count() == finding.evidence.count() == 2


def test_allowed_actions_follow_role_and_state(city, record):
    finding = record()
    assert services.allowed_actions(city.users["secretary_a"], finding) == {
        "plan",
        "exemption",
        "extension",
    }
    assert services.allowed_actions(city.users["publicity_a"], finding) == set()
    assert services.allowed_actions(city.users["secretary_b"], finding) == set()
    assert "close" in services.allowed_actions(city.users["city_admin"], finding)
    finding = rectify_to_submitted(finding, city)
    assert {"sign_off", "return"} <= services.allowed_actions(city.users["committee_a"], finding)
    assert "sign_off" not in services.allowed_actions(city.users["secretary_a"], finding)


def test_events_are_written_for_each_transition_with_actor_names(city, record):
    finding = rectify_to_submitted(record(), city)
    names = set(FindingEvent.objects.filter(finding=finding).values_list("actor_name", flat=True))
    assert names == {"city_admin", "赵强"}


def test_inspection_findings_must_be_inside_its_scope_and_by_its_team(city, record):
    admin = city.users["city_admin"]
    inspection = services.inspection_create(
        actor=admin,
        organizer=city.work_committee,
        organizations=[city.committee_a],
        team=[city.users["committee_a"]],
        data={
            "kind": "unannounced_visit",
            "title": "作风建设明察暗访",
            "starts_on": days_from_today(-1),
            "ends_on": days_from_today(3),
        },
    )
    finding = record(inspection=inspection, actor=city.users["committee_a"])
    assert finding.inspection == inspection
    with pytest.raises(ValidationError):
        record(inspection=inspection, organization=city.branch_b)
    assert inspection.findings.count() == 1
