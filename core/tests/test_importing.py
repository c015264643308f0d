"""The shared Excel import machinery: refusals with clear messages, row parsing, all-or-nothing writes."""

import zipfile
from datetime import date, datetime
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from core import audit
from core.importing import (
    EXPLANATION_TITLE,
    Column,
    ImportResult,
    Row,
    Sheet,
    bulk_update_rows,
    choice_map,
    read_rows,
    run_import,
    template_workbook,
)
from core.models import AuditLog
from members.models import Member
from orgs.models import Unit

SHEET = Sheet(
    kind="units",
    title="测试表",
    columns=(
        Column("名称", "单位名称", required=True, example="市财政局"),
        Column("人数", "不小于0的整数"),
        Column("编号", "长数字，按文本保存", text=True),
        Column("类别", "党政机关或其他", choices=("党政机关", "其他")),
    ),
    notes=("任一行有错误则不写入任何数据。",),
)


def xlsx(rows, headers=None, title="测试表", name="测试.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    if headers is not False:
        sheet.append(headers or SHEET.headers)
    for values in rows:
        sheet.append(values)
    buffer = BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def refusal(file) -> str:
    result = run_import(
        file,
        SHEET,
        actor=None,
        dry_run=False,
        process=lambda rows, result: None,
        object_type="orgs.unit",
    )
    assert len(result.errors) == 1
    assert result.errors[0].row is None
    return result.errors[0].message


def create_units(rows: list[Row], result: ImportResult) -> None:
    """A tiny importer: every row becomes a unit; a row named 坏 is invalid."""
    for row in rows:
        name = row.text("名称", required=True)
        if name == "坏":
            row.error("名称", "名称不可用")
    if not result.errors:
        units = Unit.objects.bulk_create([Unit(name=row.text("名称")) for row in rows])
        audit.record_many(audit.Action.CREATE, [(u, {"name": [None, u.name]}) for u in units], None)
        result.created = len(units)


def test_template_has_the_headers_and_a_sheet_explaining_each_column():
    workbook = load_workbook(BytesIO(template_workbook(SHEET)))
    assert workbook.sheetnames == ["测试表", EXPLANATION_TITLE]
    assert [c.value for c in workbook["测试表"][1]] == ["名称", "人数", "编号", "类别"]
    explained = list(workbook[EXPLANATION_TITLE].iter_rows(values_only=True))
    assert explained[0] == ("列名", "是否必填", "填写说明", "示例")
    assert explained[1] == ("名称", "必填", "单位名称", "市财政局")
    assert explained[3][:2] == ("编号", "选填")
    assert ("说明", None, "任一行有错误则不写入任何数据。", None) in explained
    assert (
        workbook["测试表"].column_dimensions["C"].number_format == "@"
    )  # Excel keeps long digit strings
    assert workbook["测试表"].data_validations.dataValidation[0].formula1 == '"党政机关,其他"'


def test_a_filled_in_template_reads_back_its_rows():
    workbook = load_workbook(BytesIO(template_workbook(SHEET)))
    workbook["测试表"].append(["市财政局", 12, "000123", "其他"])
    buffer = BytesIO()
    workbook.save(buffer)
    rows = read_rows(BytesIO(buffer.getvalue()), SHEET, [])
    assert [(r.number, r.text("名称"), r.integer("人数"), r.text("编号")) for r in rows] == [
        (2, "市财政局", 12, "000123")
    ]


def test_corrupt_file_is_refused_with_a_clear_message():
    assert "不是有效的 .xlsx 文件" in refusal(
        SimpleUploadedFile("a.xlsx", b"PK\x03\x04 this is not a zip")
    )


def test_zip_that_is_not_a_workbook_is_refused():
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert "不是有效的 .xlsx 文件" in refusal(SimpleUploadedFile("a.xlsx", buffer.getvalue()))


def test_legacy_xls_file_is_told_to_save_as_xlsx():
    assert "另存为" in refusal(SimpleUploadedFile("a.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 600))


def test_empty_file_and_empty_sheet_and_header_only_are_refused():
    assert "文件是空的（0字节）" in refusal(SimpleUploadedFile("a.xlsx", b""))
    assert "工作表中没有任何内容" in refusal(xlsx([], headers=False))
    assert "只有表头，没有数据行" in refusal(xlsx([]))


def test_wrong_template_lists_expected_and_found_headers():
    message = refusal(xlsx([["张三", "男"]], headers=["姓名", "性别"]))
    assert "缺少列：名称、人数、编号、类别" in message
    assert "模板的列为：名称、人数、编号、类别；文件中的列为：姓名、性别" in message


def test_file_over_the_size_limit_is_refused_before_opening(settings, monkeypatch):
    settings.IMPORT_MAX_BYTES = 1024
    monkeypatch.setattr(
        "core.importing.load_workbook", lambda *a, **k: pytest.fail("must not open the file")
    )
    message = refusal(SimpleUploadedFile("big.xlsx", b"x" * 2048))
    assert message == "文件大小为2.0 KB，超过1.0 KB的上限，请拆分后分批导入"


def test_title_row_above_the_headers_and_extra_columns_are_tolerated():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["某某党支部 单位花名册"])
    sheet.append(["序号", "名称*", "人数", "编号", "类别", "备注"])
    sheet.append([1, "市财政局", 3, "7", "其他", "无"])
    sheet.append([None, None, None, None, None, None])  # blank rows are skipped
    buffer = BytesIO()
    workbook.save(buffer)
    rows = read_rows(BytesIO(buffer.getvalue()), SHEET, [])
    assert [(r.number, r.text("名称")) for r in rows] == [(3, "市财政局")]


@pytest.mark.parametrize(
    "value",
    [
        date(2020, 7, 1),
        datetime(2020, 7, 1, 0, 0),
        "2020-07-01",
        "2020/7/1",
        "2020年7月1日",
        "2020.07.01",
        " 2020 年 7 月 1 日 ",
        44013,
    ],
)
def test_dates_are_read_from_excel_dates_and_common_text(value):
    assert Row(2, {"日期": value}, []).date("日期") == date(2020, 7, 1)


def test_bad_values_are_collected_with_row_column_and_reason():
    errors = []
    row = Row(7, {"日期": "2020-02-30", "人数": -1, "类别": "机关", "名称": ""}, errors)
    assert row.date("日期") is None
    assert row.integer("人数") is None
    assert row.choice("类别", choice_map(Unit.Kind)) == ""
    assert row.text("名称", required=True) == ""
    assert [(e.row, e.column) for e in errors] == [
        (7, "日期"),
        (7, "人数"),
        (7, "类别"),
        (7, "名称"),
    ]
    assert errors[1].message == "“-1”应为不小于0的整数"
    assert errors[2].message.startswith("“机关”不是可选值，应为：党政机关、人大、政协机关")
    assert errors[3].message == "必填项未填写"


def test_a_valid_file_is_written_with_an_import_summary_in_the_audit_log(db):
    result = run_import(
        xlsx([["甲单位"], ["乙单位"]]),
        SHEET,
        actor=None,
        dry_run=False,
        process=create_units,
        object_type="orgs.unit",
    )
    assert result.ok and result.created == 2 and result.rows == 2
    assert set(Unit.objects.values_list("name", flat=True)) == {"甲单位", "乙单位"}
    summary = AuditLog.objects.get(action=AuditLog.Action.IMPORT)
    assert summary.changes == {
        "file": "测试.xlsx",
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }
    assert AuditLog.objects.filter(action=AuditLog.Action.CREATE).count() == 2


def test_dry_run_and_any_row_error_roll_everything_back(db):
    dry = run_import(
        xlsx([["甲单位"]]), SHEET, actor=None, dry_run=True, process=create_units, object_type="x"
    )
    assert dry.ok and dry.dry_run and dry.created == 1
    failed = run_import(
        xlsx([["甲单位"], ["坏"]]),
        SHEET,
        actor=None,
        dry_run=False,
        process=create_units,
        object_type="x",
    )
    assert [(e.row, e.column, e.message) for e in failed.errors] == [(3, "名称", "名称不可用")]
    assert failed.created == 0
    assert not Unit.objects.exists() and not AuditLog.objects.exists()


def test_a_database_conflict_while_writing_rolls_back_and_is_reported(db):
    Unit.objects.create(name="乙单位")

    def unchecked(rows, result):
        Unit.objects.bulk_create([Unit(name=row.text("名称")) for row in rows])

    result = run_import(
        xlsx([["甲单位"], ["乙单位"]]),
        SHEET,
        actor=None,
        dry_run=False,
        process=unchecked,
        object_type="x",
    )
    assert "保存时发生冲突，已全部撤销" in result.errors[0].message
    assert list(Unit.objects.values_list("name", flat=True)) == ["乙单位"]


def test_bulk_update_rows_writes_each_rows_own_values_including_encrypted_and_null(city):
    a, b = city.member_a, city.member_b
    a.phone, a.confirmed_on, a.unit_id = "13911112222", None, None
    b.phone, b.confirmed_on, b.unit_id = "13933334444", date(2012, 1, 1), city.unit_a.pk
    bulk_update_rows(Member, [a, b], ["phone_enc", "phone_digest", "confirmed_on", "unit_id"])
    a, b = Member.objects.get(pk=a.pk), Member.objects.get(pk=b.pk)
    assert (a.phone, a.confirmed_on, a.unit_id) == ("13911112222", None, None)
    assert (b.phone, b.confirmed_on, b.unit) == ("13933334444", date(2012, 1, 1), city.unit_a)
    assert Member.objects.by_phone("13933334444").get() == b
    assert Member.objects.get(pk=city.member_a2.pk).confirmed_on == date(
        2011, 7, 1
    )  # other rows untouched
