"""Member services: validation messages, membership history and the audit log."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from core.models import AuditLog
from dangjian.testing import make_id_number
from members import services
from members.models import Member, MembershipPeriod


def new_member(city, **overrides) -> Member:
    fields = {
        "name": "陈静",
        "gender": Member.Gender.FEMALE,
        "id_number": make_id_number(date(1990, 3, 8), 42),
        "phone": "13900002222",
        "joined_on": date(2015, 7, 1),
        "confirmed_on": date(2016, 7, 1),
        "branch": city.branch_a,
        "unit": city.unit_a,
    }
    fields.update(overrides)
    return services.member_create(**fields)


def errors_of(call) -> dict:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def test_name_initials_for_pinyin_search():
    assert services.name_initials("张三丰") == "zsf"
    assert services.name_initials("欧阳娜娜") == "oynn"


def test_create_derives_birth_date_and_opens_the_membership_history(city):
    member = new_member(city)
    assert member.birth_date == date(1990, 3, 8) and member.name_initials == "cj"
    period = MembershipPeriod.objects.get(member=member)
    assert (period.organization, period.started_on, period.ended_on) == (
        city.branch_a,
        date(2015, 7, 1),
        None,
    )
    entry = AuditLog.objects.get(
        action=AuditLog.Action.CREATE, object_id=str(member.pk), object_type="members.member"
    )
    # The log never holds the full ID or phone number.
    assert member.id_number not in str(entry.changes) and "13900002222" not in str(entry.changes)


def test_create_stores_id_and_phone_encrypted_with_digests(city):
    member = new_member(city)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number_enc, phone_enc FROM members_member WHERE id = %s", [member.pk]
        )
        raw = cursor.fetchone()
    assert (
        raw[0].startswith("sm4g1:")
        and member.id_number not in str(raw)
        and "13900002222" not in str(raw)
    )
    assert Member.objects.by_id_number(member.id_number.lower()).get() == member


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"id_number": "33060219900308004"}, "id_number", "身份证号应为18位"),
        ({"phone": "12345"}, "phone", "手机号应为以1开头的11位数字"),
        ({"joined_on": date(2005, 7, 1), "confirmed_on": None}, "joined_on", "入党时须年满18周岁"),
        ({"confirmed_on": date(2015, 1, 1)}, "confirmed_on", "转正日期须晚于入党日期"),
        (
            {"membership_kind": Member.MembershipKind.PROBATIONARY},
            "confirmed_on",
            "预备党员不应有转正日期",
        ),
        ({"birth_date": date(1990, 3, 9)}, "birth_date", "出生日期与身份证号不一致"),
    ],
)
def test_create_names_the_field_and_the_reason(city, overrides, field, message):
    errors = errors_of(lambda: new_member(city, **overrides))
    assert any(message in text for text in errors[field])
    assert not Member.objects.filter(name="陈静").exists()


def test_member_must_sit_in_a_branch(city):
    errors = errors_of(lambda: new_member(city, branch=city.committee_a))
    assert errors["branch"] == ["党员须编入党支部或联合党支部"]


def test_an_id_number_is_registered_only_once(city):
    errors = errors_of(lambda: new_member(city, id_number=city.member_b.id_number))
    assert errors["id_number"] == ["该身份证号已存在于另一名党员的档案中"]


def test_update_records_changes_masked_in_the_audit_log(city):
    member = city.member_a
    services.member_update(member=member, post="副处长", phone="13700003333")
    entry = AuditLog.objects.filter(action=AuditLog.Action.UPDATE, object_id=str(member.pk)).latest(
        "id"
    )
    assert entry.changes["post"] == ["", "副处长"]
    assert "13700003333" not in str(entry.changes)
    assert Member.objects.get(pk=member.pk).phone == "13700003333"


def test_update_with_a_new_branch_goes_through_the_transfer_history(city):
    member = services.member_update(member=city.member_a, branch=city.branch_a2)
    assert member.branch == city.branch_a2
    open_periods = MembershipPeriod.objects.filter(member=member, ended_on__isnull=True)
    assert [p.organization for p in open_periods] == [city.branch_a2]


def test_internal_transfer_closes_the_old_period(city):
    services.member_transfer_internal(
        member=city.member_a, to_branch=city.branch_b, on=date(2024, 5, 1), reason="调动"
    )
    periods = list(MembershipPeriod.objects.filter(member=city.member_a).order_by("started_on"))
    assert periods[0].ended_on == date(2024, 5, 1)
    assert (periods[1].organization, periods[1].reason) == (city.branch_b, "调动")


def test_transfer_to_a_non_branch_is_refused(city):
    errors = errors_of(
        lambda: services.member_transfer_internal(
            member=city.member_a, to_branch=city.committee_a, on=date(2024, 5, 1), reason="x"
        )
    )
    assert "branch" in errors


def test_transfer_to_the_current_branch_is_refused(city):
    errors = errors_of(
        lambda: services.member_transfer_internal(
            member=city.member_a, to_branch=city.branch_a, on=date(2024, 5, 1), reason="x"
        )
    )
    assert errors["branch"] == ["该党员已在此党支部"]
    assert MembershipPeriod.objects.filter(member=city.member_a).count() == 1


def test_transfer_before_the_current_period_began_is_refused(city):
    errors = errors_of(
        lambda: services.member_transfer_internal(
            member=city.member_a, to_branch=city.branch_a2, on=date(2009, 1, 1), reason="x"
        )
    )
    assert "转接日期不能早于" in errors["on"][0]


def test_only_members_in_good_standing_are_transferred(city):
    services.member_set_status(
        member=city.member_a, status=Member.Status.DECEASED, on=date(2024, 1, 1), reason="去世"
    )
    errors = errors_of(
        lambda: services.member_transfer_internal(
            member=city.member_a, to_branch=city.branch_a2, on=date(2024, 5, 1), reason="x"
        )
    )
    assert "status" in errors


def test_status_change_ends_the_membership_period_and_keeps_the_record(city):
    services.member_set_status(
        member=city.member_a,
        status=Member.Status.REMOVED,
        on=date(2024, 3, 1),
        reason="支部大会决定除名",
    )
    member = Member.objects.get(pk=city.member_a.pk)
    assert member.status == Member.Status.REMOVED
    period = MembershipPeriod.objects.get(member=member)
    assert (period.ended_on, period.reason) == (date(2024, 3, 1), "支部大会决定除名")
    assert AuditLog.objects.filter(object_id=str(member.pk), detail="支部大会决定除名").exists()


def test_unknown_status_is_refused(city):
    errors = errors_of(
        lambda: services.member_set_status(
            member=city.member_a, status="gone", on=date.today(), reason=""
        )
    )
    assert errors["status"] == ["未知的党籍状态"]
