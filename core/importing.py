"""Excel (.xlsx) import machinery shared by every importer.

Opens a workbook safely (size limit, corrupt or foreign files, wrong template, empty sheet), reads each row
into typed values while collecting every error as (row, column, reason), and runs the importer's writes in
one transaction that is rolled back on any error and on a dry run. Importers supply a Sheet (the columns,
also used to build the downloadable template) and a function that validates all rows and then writes.
"""

import os
import re
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation

from core import audit

EXPLANATION_TITLE = "填写说明"
MAX_DATA_ROWS = 100_000  # guards against zip bombs: 20 MB of xlsx can expand to millions of rows
HEADER_SEARCH_ROWS = 10  # people often put a title row ("XX党支部党员花名册") above the headers
TEMPLATE_ROWS = 5000  # rows that get the drop-downs and text format in a downloaded template
OLE2_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls
DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
SQLITE_UPDATE_FROM = sqlite3.sqlite_version_info >= (3, 33)  # UPDATE ... FROM arrived in 3.33
DATE_FORMATS_HINT = "如 2020-07-01、2020/7/1、2020年7月1日 或 2020.07.01"


class ImportRefused(Exception):
    """The file as a whole cannot be imported; the message tells the user why."""


@dataclass(frozen=True)
class RowError:
    row: int | None  # the Excel row number; None when the error concerns the whole file
    column: str
    message: str


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run


@dataclass(frozen=True)
class Column:
    header: str
    help: str
    required: bool = False
    example: str = ""
    choices: tuple[str, ...] = ()  # offered as a drop-down in the template
    text: bool = False  # formatted as text in the template so Excel keeps long digit strings


@dataclass(frozen=True)
class Sheet:
    kind: str
    title: str  # the data sheet's title, also the template's file name
    columns: tuple[Column, ...]
    notes: tuple[str, ...] = ()

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


class ChoiceMap(dict):
    """Accepted cell text -> stored value; `labels` are the official ones named in error messages."""

    labels: tuple[str, ...] = ()


def choice_map(choices, aliases: dict | None = None) -> ChoiceMap:
    """Chinese label (or stored code, or a common alias) -> stored value of a TextChoices."""
    mapping = ChoiceMap({value: value for value in choices.values})
    mapping.update({str(label): value for value, label in choices.choices})
    mapping.update(aliases or {})
    mapping.labels = tuple(str(label) for label in choices.labels)
    return mapping


def keep_blank(fields: dict, existing, keys) -> dict:
    """For a record already on file, a blank optional cell keeps the stored value: imports never erase."""
    return {**fields, **{k: getattr(existing, k) for k in keys if fields.get(k) in (None, "")}}


def _clean_header(value) -> str:
    text = re.sub(r"\s+", "", str(value or ""))
    return text.removesuffix("（必填）").removesuffix("(必填)").strip("*＊")


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class Row:
    """One data row: typed accessors that record an error and return None instead of raising."""

    def __init__(self, number: int, values: dict, errors: list[RowError]):
        self.number, self.values, self._errors, self.error_count = number, values, errors, 0

    @property
    def failed(self) -> bool:
        return self.error_count > 0

    def error(self, column: str, message: str) -> None:
        self.error_count += 1
        self._errors.append(RowError(self.number, column, message))

    def raw(self, column: str):
        return self.values.get(column)

    def _missing(self, column: str, required: bool) -> bool:
        if _is_blank(self.raw(column)):
            if required:
                self.error(column, "必填项未填写")
            return True
        return False

    def text(self, column: str, *, required=False, max_length: int | None = None) -> str:
        if self._missing(column, required):
            return ""
        value = self.raw(column)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, datetime | date):
            value = f"{value:%Y-%m-%d}"
        value = str(value).strip()
        if max_length and len(value) > max_length:
            self.error(column, f"不能超过{max_length}个字（现为{len(value)}个字）")
        return value

    def date(self, column: str, *, required=False) -> date | None:
        if self._missing(column, required):
            return None
        value = self.raw(column)
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if (
            isinstance(value, int | float) and 1 <= value < 2958466
        ):  # an Excel serial without date format
            return from_excel(value).date()
        match = DATE_TEXT.match(str(value).strip())
        if match:
            try:
                return date(*(int(part) for part in match.groups()))
            except ValueError:
                pass
        self.error(column, f"“{value}”不是有效日期，{DATE_FORMATS_HINT}")
        return None

    def choice(self, column: str, mapping: dict[str, str], *, required=False, default="") -> str:
        if self._missing(column, required):
            return default
        value = re.sub(r"\s+", "", str(self.raw(column)))
        if value not in mapping:
            labels = "、".join(getattr(mapping, "labels", ()) or mapping)
            self.error(column, f"“{value}”不是可选值，应为：{labels}")
            return default
        return mapping[value]

    def integer(self, column: str, *, required=False, default: int | None = 0) -> int | None:
        """A non-negative whole number."""
        if self._missing(column, required):
            return default
        value = self.raw(column)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            self.error(column, f"“{value}”应为不小于0的整数")
            return None
        return value


def file_size(file) -> int | None:
    """Size in bytes without reading the content (uploads know it; paths and streams are asked)."""
    if isinstance(file, str | os.PathLike):
        return os.path.getsize(file)
    if getattr(file, "size", None) is not None:
        return file.size
    try:
        position = file.tell()
        size = file.seek(0, os.SEEK_END)
        file.seek(position)
        return size
    except (AttributeError, OSError):
        return None


def check_size(size: int | None) -> None:
    limit = settings.IMPORT_MAX_BYTES
    if size is not None and size > limit:
        raise ImportRefused(
            f"文件大小为{_megabytes(size)}，超过{_megabytes(limit)}的上限，请拆分后分批导入"
        )


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.1f} KB"


def read_rows(file, sheet: Sheet, errors: list[RowError]) -> list[Row]:
    """Data rows of an .xlsx file (path or file object) matching the sheet's template; ImportRefused if not."""
    size = file_size(file)
    check_size(size)
    if size == 0:
        raise ImportRefused("文件是空的（0字节），请选择填好的模板文件")
    handle = open(file, "rb") if isinstance(file, str | os.PathLike) else file  # noqa: SIM115
    try:
        return _read_workbook(handle, sheet, errors)
    finally:
        if handle is not file:
            handle.close()


def _read_workbook(handle, sheet: Sheet, errors: list[RowError]) -> list[Row]:
    handle.seek(0)
    magic = handle.read(4)
    handle.seek(0)
    if magic == OLE2_MAGIC:
        raise ImportRefused("这是旧版 .xls 格式的文件，请在 Excel 中“另存为” .xlsx 格式后再导入")
    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except Exception:  # zipfile, XML and openpyxl errors alike mean "not a usable xlsx"
        raise ImportRefused(
            "文件无法打开：不是有效的 .xlsx 文件，或文件已损坏。请用下载的模板填写并保存为 .xlsx 格式"
        )
    try:
        worksheet = _data_sheet(workbook, sheet)
        return _sheet_rows(worksheet.iter_rows(values_only=True), sheet, errors)
    except ImportRefused:
        raise
    except Exception:
        raise ImportRefused(
            "文件内容已损坏，无法读取。请在 Excel 中打开后重新保存为 .xlsx 格式再导入"
        )
    finally:
        workbook.close()


def _data_sheet(workbook, sheet: Sheet):
    if sheet.title in workbook.sheetnames:
        return workbook[sheet.title]
    candidates = [name for name in workbook.sheetnames if name != EXPLANATION_TITLE]
    if not candidates:
        raise ImportRefused("文件中没有可导入的工作表")
    return workbook[candidates[0]]


def _sheet_rows(rows: Iterable[tuple], sheet: Sheet, errors: list[RowError]) -> list[Row]:
    expected = sheet.headers
    header_index, first_seen, line, duplicated = None, None, 0, []
    for line, values in enumerate(rows, start=1):
        cleaned = [_clean_header(v) for v in values]
        if first_seen is None and any(cleaned):
            first_seen = [c for c in cleaned if c]
        if sum(h in cleaned for h in expected) * 2 >= len(expected):
            header_index = {h: cleaned.index(h) for h in expected if h in cleaned}
            duplicated = [h for h in expected if cleaned.count(h) > 1]
            break
        if line >= HEADER_SEARCH_ROWS:
            break
    if first_seen is None:
        raise ImportRefused("文件是空的：工作表中没有任何内容，请在模板的第一个工作表中填写数据")
    if header_index is None or len(header_index) < len(expected):
        missing = [h for h in expected if header_index is None or h not in header_index]
        raise ImportRefused(
            f"表头与“{sheet.title}”模板不符，缺少列：{'、'.join(missing)}。"
            f"模板的列为：{'、'.join(expected)}；文件中的列为：{'、'.join(first_seen)}。请下载对应模板填写"
        )
    if duplicated:
        raise ImportRefused(f"表头中有重复的列：{'、'.join(duplicated)}，每列只能出现一次")
    out: list[Row] = []
    for number, values in enumerate(rows, start=line + 1):
        picked = {h: (values[i] if i < len(values) else None) for h, i in header_index.items()}
        if all(_is_blank(v) for v in picked.values()):
            continue
        if len(out) >= MAX_DATA_ROWS:
            raise ImportRefused(f"数据超过{MAX_DATA_ROWS}行，请拆分后分批导入")
        out.append(
            Row(
                number,
                {h: v.strip() if isinstance(v, str) else v for h, v in picked.items()},
                errors,
            )
        )
    if not out:
        raise ImportRefused("文件中只有表头，没有数据行")
    return out


def bulk_update_rows(model, objs: list, names: list[str], batch_size: int = 1000) -> None:
    """Write the named fields of many rows with one UPDATE ... FROM (VALUES ...) per batch.

    Django's bulk_update builds a CASE WHEN per row and column, several times slower for the tens of thousands
    of rows an import may change. Values go through each field's get_db_prep_save (encrypted fields encrypt).
    """
    if not objs:
        return
    if not (
        connection.vendor == "postgresql" or (connection.vendor == "sqlite" and SQLITE_UPDATE_FROM)
    ):
        model.objects.bulk_update(objs, names, batch_size=100)
        return
    meta, quote = model._meta, connection.ops.quote_name
    fields = [meta.pk] + [meta.get_field(name) for name in names]
    if connection.vendor == "postgresql":  # VALUES rows arrive untyped: cast to the column types
        placeholder = ", ".join(f"CAST(%s AS {f.db_type(connection)})" for f in fields)
    else:
        placeholder = ", ".join("%s" for _ in fields)
        batch_size = min(batch_size, connection.features.max_query_params // len(fields))
    table, columns = quote(meta.db_table), [quote(f.column) for f in fields]
    assignments = ", ".join(f"{c} = v.{c}" for c in columns[1:])
    with connection.cursor() as cursor:
        for start in range(0, len(objs), batch_size):
            chunk = objs[start : start + batch_size]
            params = [
                f.get_db_prep_save(getattr(o, f.attname), connection) for o in chunk for f in fields
            ]
            cursor.execute(
                f"WITH v({', '.join(columns)}) AS (VALUES {', '.join([f'({placeholder})'] * len(chunk))}) "
                f"UPDATE {table} SET {assignments} FROM v WHERE {table}.{columns[0]} = v.{columns[0]}",
                params,
            )


def run_import(
    file,
    sheet: Sheet,
    *,
    actor,
    dry_run: bool,
    process: Callable[[list[Row], ImportResult], None],
    object_type: str,
) -> ImportResult:
    """Read, validate and write in one transaction; roll back on any error and on a dry run.

    process(rows, result) validates every row (appending RowErrors), and only if none were found writes
    and sets the counts. An IMPORT audit entry summarising the file is written with the data.
    """
    result = ImportResult(dry_run=dry_run)
    try:
        rows = read_rows(file, sheet, result.errors)
    except ImportRefused as refusal:
        result.errors.append(RowError(None, "文件", str(refusal)))
        return result
    result.rows = len(rows)
    try:
        with transaction.atomic():
            process(rows, result)
            if result.errors or dry_run:
                transaction.set_rollback(True)
            else:
                _record_summary(file, sheet, result, actor, object_type)
    except (DatabaseError, ValidationError) as exc:  # e.g. a concurrent import took the same key
        result.errors.append(
            RowError(None, "文件", f"保存时发生冲突，已全部撤销，请稍后重试（{exc}）")
        )
    if result.errors:
        result.created = result.updated = result.unchanged = 0
        result.errors.sort(
            key=lambda e: e.row or 0
        )  # stable: a row's errors keep their column order
    return result


def _record_summary(file, sheet: Sheet, result: ImportResult, actor, object_type: str) -> None:
    raw = getattr(file, "name", None) or (file if isinstance(file, str | os.PathLike) else "")
    name = os.path.basename(str(raw))[:120]
    audit.record(
        audit.Action.IMPORT,
        actor=actor,
        object_type=object_type,
        object_repr=f"{sheet.title}导入：{name}",
        changes={
            "file": name,
            "rows": result.rows,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        },
        detail=f"导入{sheet.title}《{name}》：共{result.rows}行，新增{result.created}，修改{result.updated}，"
        f"未变{result.unchanged}",
    )


def template_workbook(sheet: Sheet) -> bytes:
    """The downloadable template: an empty data sheet plus a sheet explaining each column in Chinese."""
    workbook = Workbook()
    data = workbook.active
    data.title = sheet.title
    data.append(sheet.headers)
    for index, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(index)
        cell = data.cell(row=1, column=index)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="C8161D" if column.required else "8C8C8C")
        data.column_dimensions[letter].width = max(
            12, len(column.header) * 2 + 4, 22 if column.text else 0
        )
        if column.text:
            data.column_dimensions[letter].number_format = "@"
        if column.choices:
            check = DataValidation(
                type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True
            )
            check.error, check.errorTitle = "请从下拉列表中选择", column.header
            data.add_data_validation(check)
            check.add(f"{letter}2:{letter}{TEMPLATE_ROWS}")
    data.freeze_panes = "A2"
    info = workbook.create_sheet(EXPLANATION_TITLE)
    info.append(["列名", "是否必填", "填写说明", "示例"])
    for column in sheet.columns:
        info.append(
            [column.header, "必填" if column.required else "选填", column.help, column.example]
        )
    info.append([])
    for note in sheet.notes:
        info.append(["说明", "", note, ""])
    for letter, width in zip("ABCD", (16, 10, 70, 24), strict=True):
        info.column_dimensions[letter].width = width
    for cell in info[1]:
        cell.font = Font(bold=True)
    for row in info.iter_rows(min_row=2):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
