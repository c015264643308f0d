"""The 述职 report as a Word document, filled from the round's template text."""

import re
from io import BytesIO

from django.utils import timezone
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PLACEHOLDER = re.compile(r"\{(year|name|organization|level|report|date)\}")
PLACEHOLDERS = (
    "{year} 年度、{name} 姓名、{organization} 党组织、{level} 层级、{report} 述职内容、{date} 日期"
)


def fill(template: str, values: dict) -> str:
    """Replace the known placeholders; any other braces are left as typed."""
    return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), template)


def values_of(report) -> dict:
    return {
        "year": report.round.year,
        "name": report.secretary.name,
        "organization": report.organization.name,
        "level": report.get_level_display(),
        "report": report.text,
        "date": f"{timezone.localdate():%Y年%m月%d日}",
    }


def _font(run, size: int, bold: bool = False) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = "宋体"
    run._element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")


def report_docx(report) -> bytes:
    values = values_of(report)
    document = Document()
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(fill(report.round.template_title, values)), 18, bold=True)
    for line in fill(report.round.template_body, values).splitlines():
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.first_line_indent = Pt(24) if line.strip() else None
        _font(paragraph.add_run(line.strip()), 12)
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
