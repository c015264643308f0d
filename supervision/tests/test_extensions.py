"""Deadline extensions: the responsible organization asks, whoever may sign off decides.

Approval moves the deadline and lifts an escalation only when the new date still lies ahead;
escalation always counts from the current deadline.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import AuditLog
from supervision import selectors, services
from supervision.models import DeadlineExtension, Finding, FindingEvent
from supervision.tests.conftest import days_from_today

pytestmark = pytest.mark.django_db
Status = DeadlineExtension.Status


def ask(city, finding, days=30, persona="secretary_a", reason="需等待上级批复场地改造资金"):
    return services.extension_request(
        finding=finding, actor=city.users[persona], deadline=days_from_today(days), reason=reason
    )


def decide(city, extension, approve=True, persona="committee_a", note=""):
    return services.extension_decide(
        extension=extension, actor=city.users[persona], approve=approve, note=note
    )


def overdue_finding(record, days_late=10):
    """A finding found 20 days ago whose deadline passed days_late days ago."""
    return record(
        found_at=timezone.now() - timedelta(days=20), deadline=days_from_today(-days_late)
    )


def audit_details(finding):
    return list(
        AuditLog.objects.filter(object_type="supervision.finding", object_id=str(finding.pk))
        .order_by("id")
        .values_list("detail", flat=True)
    )


def test_branch_requests_and_inspector_approves_so_the_deadline_moves(city, record):
    finding = record(deadline=days_from_today(10))
    extension = ask(city, finding, days=40)
    assert extension.status == Status.REQUESTED
    assert extension.previous_deadline == days_from_today(10)
    requested = finding.events.get(kind=FindingEvent.Kind.EXTENSION_REQUESTED)
    assert "延至" in requested.text and "场地改造资金" in requested.text
    assert requested.from_state == requested.to_state == "open"
    assert AuditLog.objects.filter(
        object_type="supervision.deadlineextension", object_id=str(extension.pk), action="create"
    ).exists()

    decide(city, extension)
    finding.refresh_from_db()
    extension.refresh_from_db()
    assert finding.deadline == days_from_today(40)
    assert (extension.status, extension.decided_by) == (Status.APPROVED, city.users["committee_a"])
    approved = finding.events.get(kind=FindingEvent.Kind.EXTENSION_APPROVED)
    assert approved.actor_name == "committee_a"
    log = AuditLog.objects.filter(
        object_type="supervision.finding", object_id=str(finding.pk), detail__startswith="批准延期"
    ).get()
    assert log.changes["deadline"] == [str(days_from_today(10)), str(days_from_today(40))]


def test_rejection_needs_a_reason_and_keeps_the_deadline(city, record):
    finding = record(deadline=days_from_today(10))
    extension = ask(city, finding)
    with pytest.raises(ValidationError):
        decide(city, extension, approve=False)
    decide(city, extension, approve=False, note="理由不充分，按原期限整改")
    finding.refresh_from_db()
    extension.refresh_from_db()
    assert finding.deadline == days_from_today(10)
    assert extension.status == Status.REJECTED
    rejected = finding.events.get(kind=FindingEvent.Kind.EXTENSION_REJECTED)
    assert "理由不充分" in rejected.text
    assert any("不予延期" in d for d in audit_details(finding))
    with pytest.raises(ValidationError):  # decided once only
        decide(city, extension)
    ask(city, finding, days=20)  # a new request may follow a rejection


def test_only_the_responsible_organization_asks_and_only_a_superior_decides(city, record):
    finding = record(deadline=days_from_today(10))
    for persona in ("secretary_b", "publicity_a", "member_a"):
        with pytest.raises(PermissionDenied):
            ask(city, finding, persona=persona)
    extension = ask(city, finding)
    for persona in ("secretary_a", "secretary_b", "publicity_a"):
        with pytest.raises(PermissionDenied):
            decide(city, extension, persona=persona)
    assert DeadlineExtension.objects.get().status == Status.REQUESTED


def test_whoever_asked_cannot_approve_their_own_request(city, record):
    finding = record(deadline=days_from_today(10))
    extension = ask(city, finding, persona="committee_a")  # writes over branch A as well
    assert "decide_extension" not in services.allowed_actions(city.users["committee_a"], finding)
    with pytest.raises(PermissionDenied):
        decide(city, extension, persona="committee_a")
    decide(city, extension, persona="city_admin")
    assert Finding.objects.get().deadline == days_from_today(30)


def test_request_must_move_the_deadline_later_with_a_reason_one_at_a_time(city, record):
    finding = record(deadline=days_from_today(10))
    with pytest.raises(ValidationError, match="晚于"):
        ask(city, finding, days=10)
    with pytest.raises(ValidationError):
        ask(city, finding, reason="  ")
    ask(city, finding)
    with pytest.raises(ValidationError, match="待审批"):
        ask(city, finding, days=50)
    assert "extension" not in services.allowed_actions(city.users["secretary_a"], finding)


def test_finished_findings_cannot_be_extended(city, record):
    finding = record(deadline=days_from_today(10))
    services.finding_close(finding=finding, actor=city.users["city_admin"], reason="机构撤并")
    with pytest.raises(ValidationError):
        ask(city, finding)


def test_approval_to_a_future_date_lifts_the_escalation_and_it_restarts_from_the_new_deadline(
    city, record
):
    finding = overdue_finding(record, days_late=10)
    services.escalate_overdue(days_from_today(0))
    finding.refresh_from_db()
    assert finding.escalation_level == 1 and finding.escalated_to == city.committee_a
    decide(city, ask(city, finding, days=20))
    finding.refresh_from_db()
    assert (finding.escalation_level, finding.escalated_to, finding.escalated_at) == (0, None, None)
    assert "解除升级督办" in finding.events.get(kind="extension_approved").text
    assert list(selectors.escalated_to_me(city.users["committee_a"])) == []
    assert services.escalate_overdue(days_from_today(5)) == []  # old deadline no longer counts
    assert services.escalate_overdue(days_from_today(20)) == []  # due on the new deadline
    assert services.escalate_overdue(days_from_today(21)) == [finding]
    finding.refresh_from_db()
    assert finding.escalation_level == 1
    assert "逾期1天" in finding.events.filter(kind="escalated").last().text


def test_late_approval_of_a_past_date_keeps_the_escalation(city, record, monkeypatch, settings):
    settings.SUPERVISION_ESCALATION_STEP_DAYS = 10
    today = days_from_today(0)
    finding = record(deadline=today + timedelta(days=2))
    extension = ask(city, finding, days=5)
    later = today + timedelta(days=20)
    services.escalate_overdue(later)  # 18 days late on the old deadline: level 2
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: later)
    decide(city, extension)  # approved only after the requested date passed
    finding.refresh_from_db()
    assert finding.deadline == today + timedelta(days=5)
    assert (finding.escalation_level, finding.escalated_to) == (2, city.dept_a)
    assert "解除" not in finding.events.get(kind="extension_approved").text
    # From the current deadline (day 5), level 3 is due on day 26, not day 23 as before.
    assert services.escalate_overdue(today + timedelta(days=24)) == []
    assert services.escalate_overdue(today + timedelta(days=26)) == [finding]


def test_an_extension_approved_while_escalation_runs_wins_the_claim(city, record, monkeypatch):
    finding = overdue_finding(record, days_late=3)
    real_chain = services.escalation_chain

    def approved_meanwhile(path, orgs_by_path):
        # Runs after the overdue findings were read, before the claim.
        Finding.objects.filter(pk=finding.pk).update(deadline=days_from_today(30))
        return real_chain(path, orgs_by_path)

    monkeypatch.setattr(services, "escalation_chain", approved_meanwhile)
    assert services.escalate_overdue(days_from_today(0)) == []
    assert Finding.objects.get(pk=finding.pk).escalation_level == 0
    assert not FindingEvent.objects.filter(kind="escalated").exists()


# --- pages and API -------------------------------------------------------------------------------


def test_pages_request_and_approve_with_htmx_updating_the_panel_only(city, login, record):
    finding = record(deadline=days_from_today(10))
    secretary = login("secretary_a")
    detail = reverse("supervision:finding_detail", args=[finding.pk])
    assert "申请延期" in secretary.get(detail).content.decode()
    response = secretary.post(
        reverse("supervision:finding_extension", args=[finding.pk]),
        {"deadline": days_from_today(25).isoformat(), "reason": "专项资金未到位"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert 'id="finding-panel"' in body and "已提交延期申请" in body and "待审批" in body
    extension = DeadlineExtension.objects.get()

    committee = login("committee_a")
    assert "专项资金未到位" in committee.get(reverse("supervision:index")).content.decode()
    assert (
        reverse("supervision:extension_decide", args=[extension.pk])
        in committee.get(detail).content.decode()
    )
    response = committee.post(
        reverse("supervision:extension_decide", args=[extension.pk]),
        {"approve": "1", "note": ""},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert "已批准延期" in body and days_from_today(25).isoformat() in body
    assert Finding.objects.get().deadline == days_from_today(25)


def test_page_errors_come_back_in_the_panel_and_plain_posts_redirect(city, login, record):
    finding = record(deadline=days_from_today(10))
    url = reverse("supervision:finding_extension", args=[finding.pk])
    client = login("secretary_a")
    response = client.post(
        url,
        {"deadline": days_from_today(5).isoformat(), "reason": "来不及"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200 and "晚于现整改期限" in body
    assert "来不及" in body  # the reason typed is kept
    response = client.post(url, {"deadline": days_from_today(15).isoformat(), "reason": "来不及"})
    assert response.status_code == 302 and response.url.endswith(f"/{finding.pk}/")
    assert DeadlineExtension.objects.count() == 1


def test_other_branch_gets_404_and_read_only_users_403_on_extension_pages(city, login, record):
    finding = record(deadline=days_from_today(10))
    extension = ask(city, finding)
    data = {"deadline": days_from_today(60).isoformat(), "reason": "x"}
    other = login("secretary_b")
    assert (
        other.post(reverse("supervision:finding_extension", args=[finding.pk]), data).status_code
        == 404
    )
    decide_url = reverse("supervision:extension_decide", args=[extension.pk])
    assert other.post(decide_url, {"approve": "1"}).status_code == 404
    reader = login("publicity_a")
    assert reader.post(decide_url, {"approve": "1"}).status_code == 403
    assert login("secretary_a").post(decide_url, {"approve": "1"}).status_code == 403
    assert DeadlineExtension.objects.get().status == Status.REQUESTED


def test_api_request_and_decide_with_scope(city, record):
    finding = record(deadline=days_from_today(10))

    def api(persona):
        client = APIClient()
        client.force_authenticate(city.users[persona])
        return client

    base = "/api/v1/supervision"
    data = {"deadline": days_from_today(30).isoformat(), "reason": "等待审计结论"}
    assert (
        api("secretary_b").post(f"{base}/findings/{finding.pk}/extension/", data).status_code == 404
    )
    assert (
        api("publicity_a").post(f"{base}/findings/{finding.pk}/extension/", data).status_code == 403
    )
    response = api("secretary_a").post(f"{base}/findings/{finding.pk}/extension/", data)
    assert response.status_code == 200, response.data
    assert response.data["extensions"][0]["status"] == "requested"
    pk = response.data["extensions"][0]["id"]
    assert api("secretary_b").get(f"{base}/extensions/{pk}/").status_code == 404
    assert (
        api("secretary_b").post(f"{base}/extensions/{pk}/decide/", {"approve": True}).status_code
        == 404
    )
    response = api("committee_a").post(f"{base}/extensions/{pk}/decide/", {"approve": False})
    assert response.status_code == 400 and "理由" in str(response.data)
    response = api("committee_a").post(f"{base}/extensions/{pk}/decide/", {"approve": True})
    assert response.status_code == 200 and response.data["status"] == "approved"
    assert (
        api("secretary_a").get(f"{base}/findings/{finding.pk}/").data["deadline"]
        == data["deadline"]
    )


# --- notifications -------------------------------------------------------------------------------


def inbox(city, persona):
    from notifications.models import Notification

    return list(Notification.objects.filter(recipient=city.users[persona]).order_by("id"))


def test_a_request_notifies_whoever_may_decide_it_and_nobody_else(city, record):
    finding = record(deadline=days_from_today(10))
    ask(city, finding, days=40)
    for persona in ("committee_a", "city_admin"):
        (note,) = inbox(city, persona)
        assert note.title == f"延期申请待审批：{city.branch_a.name}"
        assert days_from_today(40).strftime("%Y-%m-%d") in note.body
        assert note.url == reverse("supervision:finding_detail", args=[finding.pk])
        assert services.can_supervise(city.users[persona], finding.organization)
    # The requester, the branch's own readers and another branch hear nothing.
    for persona in ("secretary_a", "member_a", "publicity_a", "secretary_b"):
        assert inbox(city, persona) == []


def test_every_notified_user_may_actually_decide(city, record):
    from notifications.models import Notification

    finding = record(deadline=days_from_today(10))
    ask(city, finding, days=40)
    notified = Notification.objects.filter(category="supervision").select_related("recipient")
    assert notified.exists()
    for note in notified:
        assert services.can_supervise(note.recipient, finding.organization)
        assert note.recipient != city.users["secretary_a"]


def test_the_decision_notifies_the_requester(city, record):
    finding = record(deadline=days_from_today(10))
    decide(city, ask(city, finding, days=40), approve=True, note="同意")
    (note,) = inbox(city, "secretary_a")
    assert note.title == f"延期申请已批准：{city.branch_a.name}"
    assert days_from_today(40).strftime("%Y-%m-%d") in note.body and "同意" in note.body


def test_a_rejection_tells_the_requester_why(city, record):
    finding = record(deadline=days_from_today(10))
    decide(city, ask(city, finding, days=40), approve=False, note="理由不充分")
    (note,) = inbox(city, "secretary_a")
    assert note.title.startswith("延期申请不予延期")
    assert "理由不充分" in note.body
    assert days_from_today(10).strftime("%Y-%m-%d") in note.body


def test_a_refused_decision_notifies_nobody(city, record):
    finding = record(deadline=days_from_today(10))
    extension = ask(city, finding, days=40)
    with pytest.raises(PermissionDenied):
        decide(city, extension, persona="secretary_b")
    assert inbox(city, "secretary_a") == []
