"""Word drafts: the 督查情况通报 from the overview, and a published 通报曝光. Staff edit them in Word."""

from io import BytesIO
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _font(run, size: int, bold: bool = False, face: str = "仿宋") -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = face
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), face)


def _title(document, text: str):
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(paragraph.add_run(text), 20, bold=True, face="方正小标宋简体")


def _para(document, text: str, bold: bool = False, indent: bool = True):
    paragraph = document.add_paragraph()
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt(32)
    _font(paragraph.add_run(text), 16, bold=bold, face="黑体" if bold else "仿宋")
    return paragraph


def _bytes(document) -> bytes:
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_response(filename: str, content: bytes) -> HttpResponse:
    response = HttpResponse(content, content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _rate(row) -> str:
    return f"，完成率{row['rate']:.1%}" if row.get("rate") is not None else ""


def overview_draft(ov, *, scope_name: str, period: str, cases=()) -> bytes:
    """A 通报 draft: totals, categories, areas, overdue findings, repeat offenders, typical cases."""
    document = Document()
    _title(document, f"关于{period}督查发现问题整改情况的通报")
    _para(document, "各党组（党委）、机关党委、直属党组织：", indent=False)
    rate = f"{ov.closure_rate:.1%}" if ov.closure_rate is not None else "—"
    _para(
        document,
        f"{period}，{scope_name}共发现督查问题{ov.total}个，已销号或关闭{ov.finished}个，"
        f"整改完成率{rate}；尚在整改{ov.unfinished}个，其中逾期未完成{ov.overdue_count}个、"
        f"已升级督办{ov.escalated_count}个。现将有关情况通报如下。",
    )
    _para(document, "一、问题类别分布", bold=True)
    for row in ov.by_category[:10]:
        _para(document, f"{row['name']}：{row['total']}个，已完成{row['finished']}个{_rate(row)}。")
    _para(document, "二、各单位问题情况", bold=True)
    for row in ov.by_area[:20]:
        late = f"，逾期{row['overdue']}个" if row.get("overdue") else ""
        _para(
            document,
            f"{row['name']}：{row['total']}个，已完成{row['finished']}个{_rate(row)}{late}。",
        )
    _para(document, "三、逾期未整改问题", bold=True)
    if not ov.overdue:
        _para(document, "无。")
    for finding in ov.overdue[:20]:
        _para(
            document,
            f"{finding.organization.name}：{finding.description[:80]}"
            f"（{finding.category.name}，整改期限{finding.deadline:%Y年%m月%d日}）。",
        )
    _para(document, "四、屡查屡犯问题", bold=True)
    if not ov.repeat_offenders:
        _para(document, "无。")
    for row in ov.repeat_offenders[:10]:
        _para(document, f"{row['organization'].name}：{row['categories']}。")
    if cases:
        _para(document, "五、典型问题问责情况", bold=True)
        for case in cases:
            _para(
                document,
                f"{case.organization.name}{case.person_name and '，' + case.person_name}："
                f"{case.decision}（{case.authority}，{case.decided_on:%Y年%m月%d日}，"
                f"{case.get_kind_display()}）。",
            )
    _para(document, "各单位要以钉钉子精神抓好问题整改，逾期问题于15日内整改到位并报送整改情况。")
    closing = document.add_paragraph()
    closing.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _font(closing.add_run(f"{timezone.localdate():%Y年%m月%d日}"), 16)
    return _bytes(document)


def notice_docx(notice) -> bytes:
    document = Document()
    _title(document, notice.title)
    for line in notice.body.splitlines():
        if line.strip():
            _para(document, line.strip())
    for case in notice.cases.select_related("organization"):
        _para(
            document,
            f"{case.organization.name}{case.person_name and '，' + case.person_name}：{case.decision}"
            f"（{case.get_kind_display()}，{case.authority}）。",
        )
    closing = document.add_paragraph()
    closing.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _font(closing.add_run(notice.issuer.name), 16)
    return _bytes(document)
