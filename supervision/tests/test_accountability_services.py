"""Accountability cases, 容错免责 and 通报曝光 published to a chosen audience."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from supervision import services
from supervision.models import AccountabilityCase, ExposureNotice, FaultToleranceExemption

pytestmark = pytest.mark.django_db
CASE = {
    "kind": AccountabilityCase.Kind.ADMONISHMENT,
    "decision": "对支部书记进行诫勉谈话",
    "decided_on": date(2026, 5, 1),
    "authority": "市直机关工委",
}


def test_exemption_request_then_approval_is_on_the_findings_history(city, record):
    finding = record()
    exemption = services.exemption_request(
        finding=finding,
        actor=city.users["secretary_a"],
        person_name="赵强",
        grounds="因疫情防控要求无法集中开会，已线上补学",
    )
    with pytest.raises(ValidationError):  # one open request at a time
        services.exemption_request(finding=finding, actor=city.users["secretary_a"], grounds="再次")
    with pytest.raises(PermissionDenied):
        services.exemption_decide(
            exemption=exemption, actor=city.users["committee_a"], approve=True
        )
    services.exemption_decide(
        exemption=exemption, actor=city.users["city_admin"], approve=True, note="符合容错情形"
    )
    exemption.refresh_from_db()
    assert exemption.status == FaultToleranceExemption.Status.APPROVED
    texts = list(finding.events.filter(kind="exemption").values_list("text", flat=True))
    assert texts[0].startswith("申请容错免责") and texts[1] == "批准容错免责：符合容错情形"
    with pytest.raises(ValidationError):  # exempted person is not held accountable for it
        services.case_create(
            actor=city.users["city_admin"],
            organization=city.branch_a,
            data={**CASE, "person_name": "赵强"},
            findings=[finding],
        )


def test_rejected_exemption_needs_a_reason_and_allows_accountability(city, record):
    finding = record()
    exemption = services.exemption_request(
        finding=finding, actor=city.users["secretary_a"], grounds="工作太忙"
    )
    with pytest.raises(ValidationError):
        services.exemption_decide(
            exemption=exemption, actor=city.users["city_admin"], approve=False
        )
    services.exemption_decide(
        exemption=exemption, actor=city.users["city_admin"], approve=False, note="不属于容错情形"
    )
    case = services.case_create(
        actor=city.users["city_admin"],
        organization=city.branch_a,
        data={**CASE, "person_name": "赵强"},
        findings=[finding],
    )
    assert list(case.findings.all()) == [finding]


def test_cases_are_decided_from_above_only(city, record):
    finding = record()
    with pytest.raises(PermissionDenied):
        services.case_create(
            actor=city.users["secretary_a"],
            organization=city.branch_a,
            data=CASE,
            findings=[finding],
        )
    with pytest.raises(ValidationError):  # a finding of another organization
        services.case_create(
            actor=city.users["city_admin"],
            organization=city.branch_b,
            data=CASE,
            findings=[finding],
        )
    case = services.case_create(
        actor=city.users["committee_a"],
        organization=city.branch_a,
        data=CASE,
        member=city.member_a,
    )
    assert case.person_name == city.member_a.name
    with pytest.raises(ValidationError):  # member of another branch
        services.case_create(
            actor=city.users["city_admin"],
            organization=city.branch_a,
            data=CASE,
            member=city.member_b,
        )


def test_notice_is_seen_by_its_audience_only_once_published(city, record):
    finding = record()
    admin = city.users["city_admin"]
    notice = services.notice_create(
        actor=admin,
        issuer=city.work_committee,
        data={"title": "关于三会一课不落实典型问题的通报", "body": "现将有关情况通报如下。"},
        audience=[city.dept_a],
        findings=[finding],
    )
    visible = ExposureNotice.objects.visible_to
    assert not visible(city.users["secretary_a"]).exists()
    assert visible(admin).exists()
    services.notice_publish(notice=notice, actor=admin)
    assert list(visible(city.users["secretary_a"])) == [notice]
    assert list(visible(city.users["member_a"])) == [notice]  # a member of branch A
    assert not visible(city.users["secretary_b"]).exists()  # outside the audience
    with pytest.raises(ValidationError):
        services.notice_publish(notice=notice, actor=admin)


def test_notice_audience_must_be_under_the_issuer(city):
    with pytest.raises(ValidationError):
        services.notice_create(
            actor=city.users["committee_a"],
            issuer=city.committee_a,
            data={"title": "通报", "body": "正文"},
            audience=[city.branch_b],
        )
    with pytest.raises(PermissionDenied):
        services.notice_create(
            actor=city.users["secretary_b"],
            issuer=city.work_committee,
            data={"title": "通报", "body": "正文"},
            audience=[city.branch_b],
        )
