"""Importing organizations and units from Excel, and the import pages."""

from datetime import date
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from core.importing import EXPLANATION_TITLE
from core.models import AuditLog
from members.models import Member
from members.tests.test_import import row as member_row
from members.tests.test_import import xlsx as members_xlsx
from orgs import import_views
from orgs.importers import ORGANIZATION_SHEET, UNIT_SHEET, import_organizations, import_units
from orgs.models import Organization, OrganizationEvent, Term, Unit

COMMITTEE_A = "中共测试市财政局机关委员会"


def xlsx(sheet, rows, name="导入.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    data = workbook.active
    data.title = sheet.title
    data.append(sheet.headers)
    for values in rows:
        data.append([values.get(h) for h in sheet.headers])
    buffer = BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def org_row(name, parent=COMMITTEE_A, kind="党支部", **values):
    return {"组织名称": name, "组织类型": kind, "上级组织": parent, **values}


def unit_row(name, org=COMMITTEE_A, staff=50, full=1, part=2, **values):
    return {
        "单位名称": name,
        "单位类别": "事业单位",
        "所属党组织": org,
        "在编人数": staff,
        "专职党务干部数": full,
        "兼职党务干部数": part,
        **values,
    }


def messages(result) -> list[tuple]:
    return [(e.row, e.column, e.message) for e in result.errors]


# --- organizations -------------------------------------------------------------------------------------------

ORG_ROWS = [
    org_row(
        "综合处党支部",
        所在单位="市财政局",
        成立日期="2019-03-01",
        本届开始日期="2024-01-10",
        届满日期="2027-01-09",
    ),
    org_row("综合处第一党小组", parent="综合处党支部", kind="党小组"),
    org_row(
        "预算处党支部", 本届开始日期="2025-06-01", 届满日期="2028-05-31"
    ),  # existing: gets a new term
]


def test_organizations_are_created_in_the_tree_with_history_terms_and_audit(city):
    result = import_organizations(
        xlsx(ORGANIZATION_SHEET, ORG_ROWS), actor=city.users["committee_a"], dry_run=False
    )
    assert messages(result) == []
    assert (result.created, result.updated, result.unchanged) == (2, 1, 0)
    branch = Organization.objects.get(name="综合处党支部")
    group = Organization.objects.get(name="综合处第一党小组")
    assert branch.parent == city.committee_a and branch.unit == city.unit_a
    assert (
        branch.path.startswith(city.committee_a.path) and branch.depth == city.committee_a.depth + 1
    )
    assert (
        group.parent == branch
        and group.path.startswith(branch.path)
        and group.depth == branch.depth + 1
    )
    assert OrganizationEvent.objects.get(organization=branch).kind == OrganizationEvent.Kind.CREATED
    assert Term.objects.filter(organization=branch, expires_on=date(2027, 1, 9)).exists()
    assert Term.objects.filter(organization=city.branch_a).count() == 2
    assert (
        AuditLog.objects.filter(
            action=AuditLog.Action.CREATE, object_type="orgs.organization"
        ).count()
        == 2
    )
    assert (
        AuditLog.objects.filter(action=AuditLog.Action.CREATE, object_type="orgs.term").count() == 2
    )
    assert AuditLog.objects.get(action=AuditLog.Action.IMPORT).changes["created"] == 2


def test_reimporting_organizations_changes_nothing(city):
    actor = city.users["committee_a"]
    import_organizations(xlsx(ORGANIZATION_SHEET, ORG_ROWS), actor=actor, dry_run=False)
    counts = (Organization.objects.count(), Term.objects.count(), AuditLog.objects.count())
    again = import_organizations(xlsx(ORGANIZATION_SHEET, ORG_ROWS), actor=actor, dry_run=False)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert (
        Organization.objects.count(),
        Term.objects.count(),
        AuditLog.objects.count() - 1,
    ) == counts


def test_a_changed_organization_row_updates_it(city):
    result = import_organizations(
        xlsx(ORGANIZATION_SHEET, [org_row("预算处党支部", 成立日期="2001-01-01")]),
        actor=city.users["committee_a"],
        dry_run=False,
    )
    assert (result.created, result.updated) == (0, 1)
    city.branch_a.refresh_from_db()
    assert city.branch_a.established_on == date(2001, 1, 1)
    entry = AuditLog.objects.get(action=AuditLog.Action.UPDATE, object_id=str(city.branch_a.pk))
    assert entry.changes == {"established_on": [None, "2001-01-01"]}


def test_organization_dry_run_writes_nothing(city):
    before = (Organization.objects.count(), Term.objects.count(), AuditLog.objects.count())
    result = import_organizations(
        xlsx(ORGANIZATION_SHEET, ORG_ROWS), actor=city.users["committee_a"], dry_run=True
    )
    assert result.ok and result.created == 2
    assert (Organization.objects.count(), Term.objects.count(), AuditLog.objects.count()) == before


def test_organization_rows_with_errors_write_nothing_and_list_every_error(city):
    before = Organization.objects.count()
    result = import_organizations(
        xlsx(
            ORGANIZATION_SHEET,
            [
                org_row("综合处党支部"),
                org_row("综合处党支部"),
                org_row("新党支部", parent="中共测试市教育局党组"),
                org_row("小组下的支部", parent="预算处党支部"),
                org_row("任期不全党支部", 本届开始日期="2024-01-01"),
                org_row("类型错误", kind="党委"),
            ],
        ),
        actor=city.users["committee_a"],
        dry_run=False,
    )
    assert messages(result) == [
        (3, "组织名称", "与第2行重复（同一上级组织下的同名组织）"),
        (4, "上级组织", "未找到党组织“中共测试市教育局党组”，或该组织不在您的管理范围内"),
        (5, "组织类型", "党支部下只能设党小组"),
        (6, "届满日期", "本届开始日期与届满日期须同时填写"),
        (
            7,
            "组织类型",
            "“党委”不是可选值，应为：市委/区县委、机关工委、部门党组（党委）、机关党委、党总支、党支部、联合党支部、党小组",
        ),
    ]
    assert Organization.objects.count() == before


def test_import_does_not_turn_a_branch_into_another_kind(city):
    result = import_organizations(
        xlsx(ORGANIZATION_SHEET, [org_row("预算处党支部", kind="党总支")]),
        actor=city.users["committee_a"],
        dry_run=False,
    )
    assert messages(result) == [
        (2, "组织类型", "党支部与其他类型组织之间的调整涉及党员编入，请在组织详情页办理")
    ]
    city.branch_a.refresh_from_db()
    assert city.branch_a.kind == "branch"


def test_parent_form_resolves_names_that_repeat_across_departments(city):
    actor = city.users["city_admin"]
    rows = [org_row("办公室党支部", parent="中共测试市教育局党组"), org_row("办公室党支部")]
    assert (
        import_organizations(xlsx(ORGANIZATION_SHEET, rows), actor=actor, dry_run=False).created
        == 2
    )
    result = import_organizations(
        xlsx(ORGANIZATION_SHEET, [org_row("第一党小组", parent="办公室党支部", kind="党小组")]),
        actor=actor,
        dry_run=False,
    )
    assert messages(result) == [(2, "上级组织", "组织名称不唯一，请使用'上级组织/组织名称'的写法")]
    path_form = org_row("第一党小组", parent="中共测试市教育局党组/办公室党支部", kind="党小组")
    assert (
        import_organizations(
            xlsx(ORGANIZATION_SHEET, [path_form]), actor=actor, dry_run=False
        ).created
        == 1
    )
    assert Organization.objects.get(name="第一党小组").parent.parent == city.dept_b


# --- units ---------------------------------------------------------------------------------------------------


def test_units_are_created_updated_and_reimport_changes_nothing(city):
    actor = city.users["committee_a"]
    rows = [
        unit_row("市财政局信息中心"),
        unit_row("市财政局", staff=120, full=3, part=4, 单位类别="党政机关"),
    ]
    result = import_units(xlsx(UNIT_SHEET, rows), actor=actor, dry_run=False)
    assert messages(result) == [] and (result.created, result.updated) == (1, 1)
    center = Unit.objects.get(name="市财政局信息中心")
    assert (center.kind, center.organization, center.total_staff) == (
        "institution",
        city.committee_a,
        50,
    )
    city.unit_a.refresh_from_db()
    assert (city.unit_a.total_staff, city.unit_a.full_time_party_workers) == (120, 3)
    again = import_units(xlsx(UNIT_SHEET, rows), actor=actor, dry_run=False)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    blanks = unit_row("市财政局", staff=120, full=None, part=None, 单位类别=None)
    kept = import_units(xlsx(UNIT_SHEET, [blanks]), actor=actor, dry_run=False)
    assert (kept.updated, kept.unchanged) == (0, 1)  # blank cells keep the stored numbers


def test_unit_rows_are_checked_and_units_of_other_departments_are_refused(city):
    before = list(Unit.objects.values_list("name", "total_staff"))
    result = import_units(
        xlsx(
            UNIT_SHEET,
            [
                unit_row("新单位", staff=2, full=2, part=1),
                unit_row("市教育局"),
                unit_row("负数单位", staff="-3"),
            ],
        ),
        actor=city.users["committee_a"],
        dry_run=False,
    )
    assert messages(result) == [
        (2, "兼职党务干部数", "专职与兼职党务干部数之和（3）超过在编人数（2）"),
        (3, "单位名称", "该单位已登记在其他党组织名下，您无权修改"),
        (4, "在编人数", "“-3”应为不小于0的整数"),
    ]
    assert list(Unit.objects.values_list("name", "total_staff")) == before


# --- pages ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["member_a", "publicity_a", "nobody", "system_admin"])
def test_personas_without_write_capability_get_403_everywhere(login, persona):
    client = login(persona)
    assert client.get(reverse("orgs:import")).status_code == 403
    assert client.get(reverse("orgs:import_template", args=["members"])).status_code == 403
    upload = members_xlsx([member_row(1)])
    assert (
        client.post(reverse("orgs:import_upload", args=["members"]), {"file": upload}).status_code
        == 403
    )


def test_anonymous_users_are_sent_to_login(city):
    client = Client()
    for url in (reverse("orgs:import"), reverse("orgs:import_template", args=["units"])):
        assert client.get(url).url.startswith(reverse("accounts:login"))


def test_import_page_offers_each_kind_with_template_and_dry_run(login):
    response = login("secretary_a").get(reverse("orgs:import"))
    assert response.status_code == 200
    for kind in ("organizations", "units", "members"):
        assert reverse("orgs:import_template", args=[kind]) in response.text
        assert reverse("orgs:import_upload", args=[kind]) in response.text
    assert "仅校验（试运行）" in response.text


@pytest.mark.parametrize(
    ("kind", "title"),
    [("organizations", "党组织"), ("units", "机关单位"), ("members", "党员花名册")],
)
def test_template_download_has_an_explanation_sheet(login, kind, title):
    response = login("secretary_a").get(reverse("orgs:import_template", args=[kind]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(BytesIO(response.content))
    assert workbook.sheetnames == [title, EXPLANATION_TITLE]
    explained = [
        r[0] for r in workbook[EXPLANATION_TITLE].iter_rows(min_row=2, values_only=True) if r[1]
    ]
    assert explained == [c.value for c in workbook[title][1]]


def test_unknown_kind_is_404(login):
    assert (
        login("secretary_a").get(reverse("orgs:import_template", args=["dues"])).status_code == 404
    )


def test_upload_is_post_only_and_needs_a_csrf_token(city):
    client = Client(enforce_csrf_checks=True)
    client.force_login(city.users["secretary_a"])
    url = reverse("orgs:import_upload", args=["members"])
    assert client.get(url).status_code == 405
    assert client.post(url, {"file": members_xlsx([member_row(1)])}).status_code == 403
    assert not Member.objects.by_id_number(member_row(1)["身份证号"]).exists()


def test_htmx_upload_returns_the_result_partial_with_counts(login):
    client = login("secretary_a")
    url = reverse("orgs:import_upload", args=["members"])
    response = client.post(
        url,
        {"file": members_xlsx([member_row(1), member_row(2)]), "dry_run": "on"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "<html" not in response.text
    assert "试运行" in response.text and "校验通过，未写入任何数据" in response.text
    assert 'data-count="created">2<' in response.text
    assert not Member.objects.by_id_number(member_row(1)["身份证号"]).exists()
    response = client.post(
        url, {"file": members_xlsx([member_row(1), member_row(2)])}, HTTP_HX_REQUEST="true"
    )
    assert (
        "导入成功" in response.text
        and Member.objects.by_id_number(member_row(1)["身份证号"]).exists()
    )


def test_plain_upload_shows_every_error_in_a_table_on_the_full_page(login):
    rows = [member_row(1, 性别="X"), member_row(2, 所在党支部="教育局机关党支部")]
    response = login("secretary_a").post(
        reverse("orgs:import_upload", args=["members"]), {"file": members_xlsx(rows)}
    )
    assert response.status_code == 200 and "<html" in response.text
    assert "发现 2 处错误，未写入任何数据" in response.text
    assert (
        '<th scope="col">行</th><th scope="col">列</th><th scope="col">原因</th>' in response.text
    )
    assert "未找到党组织“教育局机关党支部”，或该组织不在您的管理范围内" in response.text


def test_missing_file_is_reported(login):
    response = login("secretary_a").post(
        reverse("orgs:import_upload", args=["units"]), {}, HTTP_HX_REQUEST="true"
    )
    assert "请选择要导入的 .xlsx 文件" in response.text


def test_upload_over_20_mb_is_refused_and_changes_nothing(login):
    before = Member.objects.count()
    big = SimpleUploadedFile("大文件.xlsx", b"\0" * (21 * 1024 * 1024))
    response = login("secretary_a").post(
        reverse("orgs:import_upload", args=["members"]), {"file": big}, HTTP_HX_REQUEST="true"
    )
    assert "超过20.0 MB的上限" in response.text
    assert Member.objects.count() == before


class Unreadable:
    def read(self, *args):
        raise AssertionError("the request body must not be read")

    readline = read


def test_oversized_request_is_refused_from_its_length_without_reading_the_body(city):
    request = RequestFactory().generic(
        "POST",
        reverse("orgs:import_upload", args=["members"]),
        content_type="multipart/form-data; boundary=x",
        HTTP_HX_REQUEST="true",
    )
    request.META["CONTENT_LENGTH"] = str(25 * 1024 * 1024)
    request.META["wsgi.input"] = Unreadable()
    request._stream = Unreadable()
    request.user = city.users["secretary_a"]
    request.htmx = True
    response = import_views.import_upload(request, "members")
    assert "超过20.0 MB的上限，请拆分后分批导入" in response.content.decode()
