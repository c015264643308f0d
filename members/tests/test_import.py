"""Importing the 党员花名册 from Excel: all rows valid or nothing written."""

import json
from datetime import date, datetime, timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from core.models import AuditLog
from dangjian.testing import make_id_number, make_org
from members.importers import EXISTS_ELSEWHERE, MEMBER_SHEET, import_members
from members.models import Member, MembershipPeriod
from orgs.importers import AMBIGUOUS
from orgs.models import OrgKind


def id_for(n: int) -> str:
    """Distinct valid ID numbers that never collide with the persona city's."""
    return make_id_number(date(1980, 1, 1) + timedelta(days=n), 50)


def row(n: int = 1, **values) -> dict:
    base = {
        "姓名": f"陈明{n}",
        "性别": "男",
        "民族": "汉族",
        "身份证号": id_for(n),
        "出生日期": None,
        "手机号": f"139{n:08d}",
        "学历": "大学本科",
        "工作单位": "市财政局",
        "职务": "科员",
        "入党日期": "2010-07-01",
        "转正日期": "2011-07-01",
        "党员类型": "正式党员",
        "党员类别": "在职",
        "所在党支部": "预算处党支部",
    }
    return {**base, **values}


def xlsx(rows, name="花名册.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = MEMBER_SHEET.title
    sheet.append(MEMBER_SHEET.headers)
    for values in rows:
        sheet.append([values.get(h) for h in MEMBER_SHEET.headers])
    buffer = BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def run(city, persona, rows, dry_run=False):
    return import_members(xlsx(rows), actor=city.users[persona], dry_run=dry_run)


def messages(result) -> list[tuple]:
    return [(e.row, e.column, e.message) for e in result.errors]


def test_valid_file_creates_members_with_membership_history(city):
    result = run(
        city, "secretary_a", [row(1), row(2, 性别="女", 党员类型="预备党员", 转正日期=None)]
    )
    assert messages(result) == []
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    member = Member.objects.by_id_number(id_for(2)).get()
    assert (member.name, member.gender, member.membership_kind) == (
        "陈明2",
        "female",
        "probationary",
    )
    assert member.branch == city.branch_a and member.unit == city.unit_a
    assert member.birth_date == date(1980, 1, 3)  # derived from the ID number
    assert member.id_number == id_for(2) and member.phone == "13900000002"
    assert member.name_initials == "cm"
    period = MembershipPeriod.objects.get(member=member)
    assert (period.organization, period.started_on, period.reason) == (
        city.branch_a,
        date(2010, 7, 1),
        "导入",
    )


def test_import_audit_entries_mask_id_numbers(city):
    run(city, "secretary_a", [row(1), row(2)])
    entries = AuditLog.objects.filter(action=AuditLog.Action.CREATE, object_type="members.member")
    assert entries.count() == 2
    everything = json.dumps(
        list(AuditLog.objects.values_list("changes", flat=True)), ensure_ascii=False
    )
    assert id_for(1) not in everything and id_for(2) not in everything
    assert entries.filter(
        changes__id_number__1=id_for(1)[:6] + "********" + id_for(1)[-4:]
    ).exists()
    summary = AuditLog.objects.get(action=AuditLog.Action.IMPORT)
    assert summary.actor == city.users["secretary_a"]
    assert summary.changes["created"] == 2 and "花名册.xlsx" in summary.detail


def test_reimporting_the_same_file_changes_nothing(city):
    rows = [row(1), row(2), row(3, 党员类别="离退休", 学历="本科")]
    run(city, "secretary_a", rows)
    members, audits = (
        Member.objects.count(),
        AuditLog.objects.exclude(action=AuditLog.Action.IMPORT).count(),
    )
    result = run(city, "secretary_a", rows)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
    assert Member.objects.count() == members
    assert AuditLog.objects.exclude(action=AuditLog.Action.IMPORT).count() == audits


def test_a_changed_row_updates_the_member_and_audits_the_change_masked(city):
    run(city, "secretary_a", [row(1)])
    result = run(city, "secretary_a", [row(1, 手机号="13712345678", 职务="副处长")])
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    member = Member.objects.by_id_number(id_for(1)).get()
    assert member.phone == "13712345678" and member.post == "副处长"
    change = AuditLog.objects.get(action=AuditLog.Action.UPDATE, object_id=str(member.pk)).changes
    assert change == {"phone": ["139****0001", "137****5678"], "post": ["科员", "副处长"]}


def test_blank_optional_cells_keep_what_is_stored(city):
    run(city, "secretary_a", [row(1, 民族="回族", 党员类别="离退休")])
    blanks = dict.fromkeys(["民族", "手机号", "学历", "工作单位", "职务", "转正日期", "党员类别"])
    result = run(city, "secretary_a", [row(1, **blanks)])
    assert (result.updated, result.unchanged) == (0, 1)
    member = Member.objects.by_id_number(id_for(1)).get()
    assert (member.ethnicity, member.phone, member.unit, member.category) == (
        "回族",
        "13900000001",
        city.unit_a,
        "retired",
    )
    assert member.confirmed_on == date(2011, 7, 1)
    result = run(city, "secretary_a", [row(1, 党员类型="预备党员", 转正日期=None)])
    assert messages(result) == [(2, "转正日期", "预备党员不应有转正日期")]


def test_a_new_branch_in_the_file_moves_the_member_with_history(city):
    result = run(
        city,
        "committee_a",
        [
            row(
                1,
                姓名="张伟",
                身份证号=city.member_a.id_number,
                所在党支部="国库处党支部",
                手机号="13800001111",
                入党日期=date(2010, 7, 1),
            )
        ],
    )
    assert messages(result) == [] and result.updated == 1
    city.member_a.refresh_from_db()
    assert city.member_a.branch == city.branch_a2
    periods = list(MembershipPeriod.objects.filter(member=city.member_a).order_by("id"))
    assert periods[0].ended_on == date.today() and periods[0].organization == city.branch_a
    assert (periods[-1].organization, periods[-1].ended_on) == (city.branch_a2, None)


def test_dry_run_reports_counts_and_writes_nothing(city):
    before = (Member.objects.count(), MembershipPeriod.objects.count(), AuditLog.objects.count())
    result = run(city, "secretary_a", [row(1), row(2)], dry_run=True)
    assert result.ok and result.dry_run and result.created == 2
    assert (
        Member.objects.count(),
        MembershipPeriod.objects.count(),
        AuditLog.objects.count(),
    ) == before


def test_duplicate_id_numbers_are_reported_on_each_duplicate_naming_the_first_row(city):
    before = Member.objects.count()
    result = run(
        city,
        "secretary_a",
        [row(1), row(2), row(3, 身份证号=id_for(1)), row(4, 身份证号=id_for(1))],
    )
    assert messages(result) == [
        (4, "身份证号", "与第2行的身份证号重复"),
        (5, "身份证号", "与第2行的身份证号重复"),
    ]
    assert Member.objects.count() == before


def test_invalid_id_checksum_is_reported_and_nothing_is_written(city):
    bad = id_for(2)[:17] + ("0" if id_for(2)[17] != "0" else "1")
    before = Member.objects.count()
    result = run(city, "secretary_a", [row(1), row(2, 身份证号=bad)])
    assert messages(result) == [(3, "身份证号", "身份证号校验位不正确（GB 11643）")]
    assert Member.objects.count() == before and result.created == 0


def test_unknown_branch_and_unit_name_the_cell(city):
    result = run(city, "secretary_a", [row(1, 所在党支部="不存在党支部", 工作单位="不存在单位")])
    assert messages(result) == [
        (2, "工作单位", "未找到机关单位“不存在单位”，请先登记该单位"),
        (2, "所在党支部", "未找到党组织“不存在党支部”，或该组织不在您的管理范围内"),
    ]


def test_secretary_b_cannot_import_into_a_branch_of_another_department(city):
    before = Member.objects.count()
    result = run(city, "secretary_b", [row(1, 所在党支部="预算处党支部", 工作单位="市教育局")])
    assert messages(result) == [
        (2, "所在党支部", "未找到党组织“预算处党支部”，或该组织不在您的管理范围内")
    ]
    assert Member.objects.count() == before


def test_member_registered_elsewhere_is_refused_without_saying_where(city):
    before = city.member_a.branch_id
    result = run(
        city,
        "secretary_b",
        [row(1, 身份证号=city.member_a.id_number, 所在党支部="教育局机关党支部")],
    )
    assert messages(result) == [(2, "身份证号", EXISTS_ELSEWHERE)]
    city.member_a.refresh_from_db()
    assert city.member_a.branch_id == before


def test_mixed_valid_and_invalid_rows_write_nothing_and_list_every_error(city):
    before = (Member.objects.count(), AuditLog.objects.count())
    result = run(
        city,
        "secretary_a",
        [
            row(1),
            row(2, 性别="未知", 入党日期="2010-13-01"),
            row(3),
            row(4, 手机号="12345", 党员类型="预备党员"),
        ],
    )
    assert messages(result) == [
        (3, "性别", "“未知”不是可选值，应为：男、女"),
        (
            3,
            "入党日期",
            "“2010-13-01”不是有效日期，如 2020-07-01、2020/7/1、2020年7月1日 或 2020.07.01",
        ),
        (5, "手机号", "手机号应为以1开头的11位数字"),
        (5, "转正日期", "预备党员不应有转正日期"),
    ]
    assert (result.created, result.updated) == (0, 0)
    assert (Member.objects.count(), AuditLog.objects.count()) == before


@pytest.mark.parametrize(
    "value", ["2010-07-01", "2010/7/1", "2010年7月1日", "2010.07.01", datetime(2010, 7, 1)]
)
def test_dates_in_common_formats_are_accepted(city, value):
    result = run(city, "secretary_a", [row(1, 入党日期=value)])
    assert result.ok
    assert Member.objects.by_id_number(id_for(1)).get().joined_on == date(2010, 7, 1)


def test_birth_date_must_match_the_id_number_and_joining_needs_age_18(city):
    result = run(
        city, "secretary_a", [row(1, 出生日期="1980-01-03", 入党日期="1997-01-01", 转正日期=None)]
    )
    assert messages(result) == [
        (2, "出生日期", "出生日期与身份证号不一致"),
        (2, "入党日期", "入党时须年满18周岁"),
    ]


def test_id_number_stored_as_an_excel_number_is_refused(city):
    result = run(city, "secretary_a", [row(1, 身份证号=float(id_for(1)[:17] + "0"))])
    assert result.errors[0].column == "身份证号" and "文本格式" in result.errors[0].message


def test_members_must_go_into_an_active_branch(city):
    result = run(city, "committee_a", [row(1, 所在党支部="中共测试市财政局机关委员会")])
    assert messages(result) == [
        (2, "所在党支部", "“中共测试市财政局机关委员会”不是党支部或联合党支部，党员须编入党支部")
    ]


def test_ambiguous_branch_names_ask_for_the_parent_form(city):
    make_org("预算处党支部", OrgKind.BRANCH, city.dept_b)
    assert messages(run(city, "city_admin", [row(1)])) == [(2, "所在党支部", AMBIGUOUS)]
    result = run(city, "city_admin", [row(1, 所在党支部="中共测试市财政局机关委员会/预算处党支部")])
    assert result.ok and Member.objects.by_id_number(id_for(1)).get().branch == city.branch_a


def test_import_accepts_a_path(city, tmp_path):
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(xlsx([row(1)]).read())
    result = import_members(str(path), actor=city.users["secretary_a"], dry_run=False)
    assert result.ok and result.created == 1
    assert "花名册.xlsx" in AuditLog.objects.get(action=AuditLog.Action.IMPORT).detail


def test_large_import_runs_in_a_bounded_number_of_queries(city, django_assert_max_num_queries):
    rows = [row(n, 所在党支部="预算处党支部" if n % 2 else "国库处党支部") for n in range(1, 2001)]
    upload = xlsx(rows)
    with django_assert_max_num_queries(150):  # about one query per 15 rows on SQLite, none per row
        result = import_members(upload, actor=city.users["committee_a"], dry_run=False)
    assert result.created == 2000
    upload.seek(0)
    with django_assert_max_num_queries(20):  # nothing to write: lookups only
        again = import_members(upload, actor=city.users["committee_a"], dry_run=False)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2000)
