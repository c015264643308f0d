"""Excel import pages: templates to download, uploads validated in full before anything is written."""

from dataclasses import dataclass
from urllib.parse import quote

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from core import roles
from core.access import require_capability
from core.excel import XLSX_CONTENT_TYPE
from core.importing import (
    ImportRefused,
    ImportResult,
    RowError,
    Sheet,
    check_size,
    template_workbook,
)

MULTIPART_OVERHEAD = 64 * 1024  # form fields and boundaries around the file in the request body


@dataclass(frozen=True)
class ImportKind:
    key: str
    label: str
    sheet: Sheet
    run: object  # callable(file, *, actor, dry_run) -> ImportResult
    hint: str


def import_kinds() -> dict[str, ImportKind]:
    # members sit above orgs, so their importer is imported when a request needs it
    from members.importers import MEMBER_SHEET, import_members
    from orgs.importers import ORGANIZATION_SHEET, UNIT_SHEET, import_organizations, import_units

    kinds = (
        ImportKind(
            "organizations",
            "党组织",
            ORGANIZATION_SHEET,
            import_organizations,
            "按“上级组织 + 组织名称”识别，已有的组织更新，新的组织新建；上级组织可以是表中前面行新建的组织。",
        ),
        ImportKind(
            "units",
            "机关单位",
            UNIT_SHEET,
            import_units,
            "按单位名称识别，已有的单位更新在编人数和党务干部数。",
        ),
        ImportKind(
            "members",
            "党员花名册",
            MEMBER_SHEET,
            import_members,
            "按身份证号识别，已有的党员更新档案，所在党支部不同的按组织关系调整处理。",
        ),
    )
    return {kind.key: kind for kind in kinds}


def _kind(key: str) -> ImportKind:
    kind = import_kinds().get(key)
    if kind is None:
        raise Http404("没有这种导入类型。")
    return kind


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Excel 文件（.xlsx）", error_messages={"required": "请选择要导入的 .xlsx 文件"}
    )
    dry_run = forms.BooleanField(label="仅校验（试运行）", required=False)


@login_required
@require_GET
def import_page(request):
    require_capability(request, roles.WRITE)
    return render(
        request, "orgs/import.html", {"kinds": import_kinds().values(), "form": ImportForm()}
    )


@login_required
@require_GET
def template_download(request, kind):
    require_capability(request, roles.WRITE)
    sheet = _kind(kind).sheet
    response = HttpResponse(template_workbook(sheet), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(sheet.title + '导入模板.xlsx')}"
    )
    return response


@csrf_exempt  # the CSRF check reads the whole body: refuse an oversized upload first, then check (below)
@login_required
@require_POST
def import_upload(request, kind):
    require_capability(request, roles.WRITE)
    import_kind = _kind(kind)
    try:
        check_size(int(request.META.get("CONTENT_LENGTH") or 0) - MULTIPART_OVERHEAD)
    except (ImportRefused, ValueError) as refusal:
        result = ImportResult(errors=[RowError(None, "文件", str(refusal) or "请求格式不正确")])
        return _result(request, import_kind, result, None)
    return _checked_upload(request, import_kind)


@csrf_protect
def _checked_upload(request, import_kind: ImportKind):
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = [
            RowError(None, "文件", message)
            for messages in form.errors.values()
            for message in messages
        ]
        return _result(request, import_kind, ImportResult(errors=errors), None)
    upload = form.cleaned_data["file"]
    result = import_kind.run(upload, actor=request.user, dry_run=form.cleaned_data["dry_run"])
    return _result(request, import_kind, result, upload.name)


def _result(request, import_kind: ImportKind, result: ImportResult, filename: str | None):
    context = {"kind": import_kind, "result": result, "filename": filename}
    if request.htmx:
        return render(request, "orgs/_import_result.html", context)
    return render(
        request,
        "orgs/import.html",
        {**context, "kinds": import_kinds().values(), "form": ImportForm()},
    )
