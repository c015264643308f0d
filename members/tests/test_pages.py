"""Member pages through the personas: who sees which members, masked how, and who may change them."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from core.masking import mask_id_number, mask_phone
from core.models import AuditLog
from dangjian.testing import MemberFactory, make_id_number
from members.exports import MEMBER_EXPORT_HEADERS
from members.models import Member, MembershipPeriod


def html(response) -> str:
    return response.content.decode()


def names_in(response) -> set[str]:
    """Names of the members a list page shows (its desktop table links to each detail page)."""
    members = Member.objects.all()
    return {
        m.name
        for m in members
        if f'href="{reverse("members:detail", args=[m.pk])}">{m.name}<' in html(response)
    }


def sheet_rows(response) -> list[tuple]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(BytesIO(response.content), read_only=True)
    return list(workbook.worksheets[0].iter_rows(values_only=True))


ALL_NAMES = {"张伟", "王芳", "李娜", "赵强"}


# --- who sees what ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["members:list", "members:export", "members:me", "members:create"])
def test_anonymous_visitor_is_sent_to_the_login_page(client, city, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_anonymous_visitor_cannot_open_a_member_record(client, city):
    for url in (
        reverse("members:detail", args=[city.member_a.pk]),
        reverse("members:edit", args=[city.member_a.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_city_admin_sees_every_member_with_full_id_numbers(city, login):
    response = login("city_admin").get(reverse("members:list"))
    assert response.status_code == 200
    assert names_in(response) == ALL_NAMES
    assert city.member_a.id_number in html(response)
    assert city.member_b.id_number in html(response)
    assert "13800001111" in html(response)


def test_secretary_sees_only_own_branch_with_masked_id_and_phone(city, login):
    response = login("secretary_a").get(reverse("members:list"))
    assert names_in(response) == {"张伟", "赵强"}
    assert city.member_a.id_number not in html(response)
    assert mask_id_number(city.member_a.id_number) in html(response)
    assert "13800001111" not in html(response)
    assert mask_phone("13800001111") in html(response)


def test_secretary_of_another_department_sees_none_of_branch_a(city, login):
    response = login("secretary_b").get(reverse("members:list"))
    assert names_in(response) == {"李娜"}


def test_committee_secretary_sees_both_branches_of_the_department(city, login):
    response = login("committee_a").get(reverse("members:list"))
    assert names_in(response) == {"张伟", "赵强", "王芳"}


def test_ordinary_member_list_shows_only_themself(city, login):
    response = login("member_a").get(reverse("members:list"))
    assert names_in(response) == {"张伟"}


def test_user_without_roles_sees_an_empty_list(city, login):
    response = login("nobody").get(reverse("members:list"))
    assert response.status_code == 200
    assert names_in(response) == set()
    assert "没有符合条件的党员" in html(response)


# --- search, filters, HTMX, paging ------------------------------------------------------------


def test_search_by_pinyin_initials_finds_zhang_wei(city, login):
    response = login("city_admin").get(reverse("members:list"), {"q": "zw"})
    assert names_in(response) == {"张伟"}


def test_search_by_unit_name(city, login):
    response = login("city_admin").get(reverse("members:list"), {"q": "教育局"})
    assert names_in(response) == {"李娜"}


def test_search_never_reaches_outside_the_scope(city, login):
    response = login("secretary_a").get(reverse("members:list"), {"q": "李娜"})
    assert names_in(response) == set()


def test_filter_by_organization_subtree_and_gender(city, login):
    client = login("city_admin")
    assert names_in(client.get(reverse("members:list"), {"organization": city.committee_a.pk})) == {
        "张伟",
        "赵强",
        "王芳",
    }
    assert names_in(
        client.get(
            reverse("members:list"), {"organization": city.committee_a.pk, "gender": "female"}
        )
    ) == {"王芳"}


def test_filter_by_an_organization_outside_the_scope_is_refused_by_name(city, login):
    response = login("secretary_a").get(reverse("members:list"), {"organization": city.branch_b.pk})
    assert "所在组织（含下级）：" in html(response)
    assert "李娜" not in html(response)


def test_htmx_filter_request_gets_only_the_results_partial(city, login):
    response = login("city_admin").get(
        reverse("members:list"),
        {"q": "zw", "unit": "", "gender": ""},
        headers={"HX-Request": "true"},
    )
    assert "<html" not in html(response)
    assert names_in(response) == {"张伟"}
    assert "HX-Request" in response["Vary"]
    # The export link in the swapped part and the address bar carry the filter, without empty fields.
    assert f'{reverse("members:export")}?q=zw"' in html(response)
    assert response["HX-Push-Url"] == f"{reverse('members:list')}?q=zw"


def test_htmx_history_restore_gets_the_whole_page(city, login):
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    response = login("city_admin").get(reverse("members:list"), {"q": "zw"}, headers=headers)
    assert "<html" in html(response) and names_in(response) == {"张伟"}


def test_list_paginates_by_25(city, login):
    for _ in range(30):
        MemberFactory(branch=city.branch_a, unit=city.unit_a)
    client = login("secretary_a")
    first = client.get(reverse("members:list"))
    assert "共 32 名党员" in html(first) and "第 1/2 页" in html(first)
    assert len(names_in(first)) == 25
    assert len(names_in(client.get(reverse("members:list"), {"page": 2}))) == 7


def _queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params).status_code == 200
    return len(captured)


@pytest.mark.parametrize("persona", ["city_admin", "secretary_a"])
def test_list_query_count_does_not_grow_with_members(
    city, login, django_assert_max_num_queries, persona
):
    client = login(persona)
    url = reverse("members:list")
    before = _queries(client, url)
    for _ in range(30):
        MemberFactory(branch=city.branch_a, unit=city.unit_a)
    with django_assert_max_num_queries(13):  # +1: the unread badge
        client.get(url)
    assert _queries(client, url) == before
    assert _queries(client, url, q="党员") == _queries(client, url, q="zw")


# --- ID-number lookup ---------------------------------------------------------------------------


def test_anonymous_lookup_is_sent_to_login(client, city):
    response = client.post(reverse("members:lookup"), {"id_number": city.member_a.id_number})
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_lookup_by_id_number_is_post_only(city, login):
    response = login("secretary_a").get(
        reverse("members:lookup"), {"id_number": city.member_a.id_number}
    )
    assert response.status_code == 405


def test_lookup_finds_a_visible_member_and_keeps_the_number_out_of_the_url(city, login):
    response = login("secretary_a").post(
        reverse("members:lookup"), {"id_number": city.member_a.id_number.lower()}
    )
    assert response.status_code == 302
    assert response.url == reverse("members:detail", args=[city.member_a.pk])
    assert city.member_a.id_number not in response.url


def test_lookup_outside_the_scope_answers_like_an_unknown_number(city, login):
    client = login("secretary_a")
    outside = client.post(reverse("members:lookup"), {"id_number": city.member_b.id_number})
    unknown = client.post(
        reverse("members:lookup"), {"id_number": make_id_number(date(1970, 1, 1), 99)}
    )
    for response in (outside, unknown):
        assert response.status_code == 200
        assert "未找到" in html(response)
        assert "李娜" not in html(response)


# --- export -------------------------------------------------------------------------------------


def test_city_admin_export_has_the_import_template_columns_and_full_numbers(city, login):
    rows = sheet_rows(login("city_admin").get(reverse("members:export")))
    assert rows[0] == MEMBER_EXPORT_HEADERS
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == ALL_NAMES
    zhang = by_name["张伟"]
    assert zhang[1] == "男" and zhang[3] == city.member_a.id_number and zhang[5] == "13800001111"
    assert zhang[7] == "市财政局" and zhang[11] == "正式党员" and zhang[13] == "预算处党支部"
    assert zhang[9].date() == city.member_a.joined_on


def test_secretary_export_is_own_branch_masked_and_audited(city, login):
    response = login("secretary_a").get(reverse("members:export"))
    rows = sheet_rows(response)
    assert {row[0] for row in rows[1:]} == {"张伟", "赵强"}
    cells = [str(cell) for row in rows for cell in row]
    assert city.member_a.id_number not in cells and "13800001111" not in cells
    assert mask_id_number(city.member_a.id_number) in cells
    entry = AuditLog.objects.get(action=AuditLog.Action.EXPORT, actor_name="secretary_a")
    assert "2 条" in entry.detail


def test_export_follows_the_list_filters_across_all_pages(city, login):
    for _ in range(30):
        MemberFactory(branch=city.branch_a, unit=city.unit_a)
    client = login("city_admin")
    assert (
        len(sheet_rows(client.get(reverse("members:export"), {"organization": city.branch_a.pk})))
        == 1 + 32
    )
    filtered = sheet_rows(client.get(reverse("members:export"), {"q": "zw"}))
    assert [row[0] for row in filtered[1:]] == ["张伟"]
    assert "q=zw" in AuditLog.objects.filter(action=AuditLog.Action.EXPORT).first().detail


def test_secretary_b_export_has_no_branch_a_members(city, login):
    rows = sheet_rows(login("secretary_b").get(reverse("members:export")))
    assert [row[0] for row in rows[1:]] == ["李娜"]


@pytest.mark.parametrize("persona", ["member_a", "nobody", "system_admin"])
def test_users_without_party_reading_rights_cannot_export(city, login, persona):
    assert login(persona).get(reverse("members:export")).status_code == 403


# --- detail -------------------------------------------------------------------------------------


def test_secretary_opens_own_member_with_masked_numbers_and_history(city, login):
    response = login("secretary_a").get(reverse("members:detail", args=[city.member_a.pk]))
    assert response.status_code == 200
    page = html(response)
    assert city.member_a.id_number not in page and mask_id_number(city.member_a.id_number) in page
    assert "预算处党支部" in page and "政治生日" in page and "7月1日" in page
    assert reverse("members:edit", args=[city.member_a.pk]) in page


def test_detail_shows_positions_and_linked_account(city, login):
    secretary = city.users["secretary_a"].member
    page = html(login("city_admin").get(reverse("members:detail", args=[secretary.pk])))
    assert "书记" in page and "secretary_a" in page
    assert secretary.id_number in page


def test_secretary_gets_404_for_another_branch_and_it_is_audited(city, login):
    response = login("secretary_a").get(reverse("members:detail", args=[city.member_b.pk]))
    assert response.status_code == 404
    assert AuditLog.objects.filter(
        action=AuditLog.Action.ACCESS_DENIED,
        actor_name="secretary_a",
        object_id=str(city.member_b.pk),
    ).exists()


def test_read_only_role_sees_the_record_without_edit_buttons(city, login):
    page = html(login("publicity_a").get(reverse("members:detail", args=[city.member_a.pk])))
    assert "张伟" in page and reverse("members:edit", args=[city.member_a.pk]) not in page


def test_detail_query_count_does_not_grow_with_history(city, login, django_assert_max_num_queries):
    client = login("city_admin")
    url = reverse("members:detail", args=[city.member_a.pk])
    before = _queries(client, url)
    for year in range(2012, 2042):
        MembershipPeriod.objects.create(
            member=city.member_a,
            organization=city.branch_a,
            started_on=date(year, 1, 1),
            ended_on=date(year, 12, 31),
        )
        MemberFactory(branch=city.branch_a)
    with django_assert_max_num_queries(14):
        client.get(url)
    assert _queries(client, url) == before


# --- own record ---------------------------------------------------------------------------------


def test_member_sees_own_record_in_full(city, login):
    page = html(login("member_a").get(reverse("members:me")))
    assert city.member_a.id_number in page and "13800001111" in page and "预算处党支部" in page


def test_secretary_own_record_lists_the_secretary_position(city, login):
    page = html(login("secretary_a").get(reverse("members:me")))
    assert "赵强" in page and "书记" in page


def test_user_without_member_record_gets_a_friendly_message(city, login):
    response = login("nobody").get(reverse("members:me"))
    assert response.status_code == 200 and "尚未关联党员档案" in html(response)


# --- create and edit ----------------------------------------------------------------------------


def member_form(city, **overrides) -> dict:
    data = {
        "name": "陈静",
        "gender": "female",
        "ethnicity": "汉族",
        "id_number": make_id_number(date(1990, 3, 8), 42),
        "phone": "13900002222",
        "education": "postgraduate",
        "unit": city.unit_a.pk,
        "post": "科员",
        "joined_on": "2015-07-01",
        "confirmed_on": "2016-07-01",
        "membership_kind": "full",
        "category": "employed",
        "branch": city.branch_a.pk,
    }
    data.update(overrides)
    return data


def test_secretary_creates_a_member_in_own_branch(city, login):
    response = login("secretary_a").post(reverse("members:create"), member_form(city))
    member = Member.objects.get(name="陈静")
    assert response.status_code == 302 and response.url == reverse(
        "members:detail", args=[member.pk]
    )
    assert member.birth_date == date(1990, 3, 8) and member.name_initials == "cj"
    assert member.membership_periods.get().organization == city.branch_a
    assert AuditLog.objects.filter(
        action=AuditLog.Action.CREATE, object_type="members.member", object_id=str(member.pk)
    ).exists()


def test_create_form_names_the_field_and_reason_in_chinese(city, login):
    client = login("secretary_a")
    valid = member_form(city)["id_number"]
    wrong_check_char = valid[:17] + ("1" if valid[17] == "0" else "0")
    page = html(
        client.post(reverse("members:create"), member_form(city, id_number=wrong_check_char))
    )
    assert "身份证号：身份证号校验位不正确" in page
    page = html(
        client.post(reverse("members:create"), member_form(city, id_number=city.member_b.id_number))
    )
    assert "身份证号：该身份证号已存在于另一名党员的档案中" in page
    page = html(
        client.post(
            reverse("members:create"),
            member_form(city, joined_on="2016-07-01", confirmed_on="2016-01-01"),
        )
    )
    assert "转正日期：转正日期须晚于入党日期" in page
    page = html(client.post(reverse("members:create"), member_form(city, name="")))
    assert "姓名：" in page
    assert not Member.objects.filter(name="陈静").exists()


def test_create_refuses_a_branch_the_user_cannot_write(city, login):
    page = html(
        login("secretary_a").post(
            reverse("members:create"), member_form(city, branch=city.branch_b.pk)
        )
    )
    assert "所在党支部：" in page
    assert not Member.objects.filter(name="陈静").exists()


def test_edit_shows_masked_numbers_and_blank_keeps_them(city, login):
    client = login("secretary_a")
    url = reverse("members:edit", args=[city.member_a.pk])
    form_page = html(client.get(url))
    assert (
        city.member_a.id_number not in form_page
        and mask_id_number(city.member_a.id_number) in form_page
    )
    data = member_form(
        city,
        name="张伟",
        id_number="",
        phone="",
        gender="male",
        post="处长",
        joined_on="2010-07-01",
        confirmed_on="2011-07-01",
        unit=city.unit_a.pk,
        education="bachelor",
    )
    response = client.post(url, data)
    assert response.status_code == 302
    member = Member.objects.get(pk=city.member_a.pk)
    assert member.post == "处长"
    assert member.id_number == city.member_a.id_number and member.phone == "13800001111"


def test_edit_can_replace_the_phone_number(city, login):
    client = login("secretary_a")
    data = member_form(
        city,
        name="张伟",
        id_number="",
        phone="13700003333",
        gender="male",
        joined_on="2010-07-01",
        confirmed_on="2011-07-01",
    )
    assert client.post(reverse("members:edit", args=[city.member_a.pk]), data).status_code == 302
    assert Member.objects.get(pk=city.member_a.pk).phone == "13700003333"


def test_secretary_of_another_branch_gets_404_on_edit(city, login):
    assert (
        login("secretary_b").get(reverse("members:edit", args=[city.member_a.pk])).status_code
        == 404
    )


@pytest.mark.parametrize("name", ["members:edit", "members:transfer", "members:status"])
def test_read_only_role_gets_403_on_changes(city, login, name):
    client = login("publicity_a")
    assert client.get(reverse(name, args=[city.member_a.pk])).status_code == 403
    assert client.post(reverse(name, args=[city.member_a.pk]), {}).status_code == 403


def test_read_only_role_gets_403_on_create(city, login):
    assert login("publicity_a").get(reverse("members:create")).status_code == 403
    assert login("member_a").get(reverse("members:create")).status_code == 403


# --- transfer and status ------------------------------------------------------------------------


def test_committee_secretary_transfers_a_member_between_its_branches(city, login):
    on = date.today() - timedelta(days=1)
    response = login("committee_a").post(
        reverse("members:transfer", args=[city.member_a.pk]),
        {
            "to_branch": city.branch_a2.pk,
            "on": on.isoformat(),
            "reason": "工作调动",
        },
    )
    assert response.status_code == 302
    member = Member.objects.get(pk=city.member_a.pk)
    assert member.branch == city.branch_a2
    periods = list(member.membership_periods.order_by("started_on"))
    assert periods[0].ended_on == on and periods[-1].organization == city.branch_a2


def test_transfer_targets_are_only_writable_branches(city, login):
    client = login("secretary_a")
    page = html(client.get(reverse("members:transfer", args=[city.member_a.pk])))
    assert "教育局机关党支部" not in page and "国库处党支部" not in page
    response = client.post(
        reverse("members:transfer", args=[city.member_a.pk]),
        {
            "to_branch": city.branch_b.pk,
            "on": date.today().isoformat(),
            "reason": "调动",
        },
    )
    assert response.status_code == 200 and "转入党支部：" in html(response)
    assert Member.objects.get(pk=city.member_a.pk).branch == city.branch_a


def test_secretary_records_a_death_with_date_and_reason(city, login):
    on = date.today()
    response = login("secretary_a").post(
        reverse("members:status", args=[city.member_a.pk]),
        {
            "status": "deceased",
            "on": on.isoformat(),
            "reason": "因病去世",
        },
    )
    assert response.status_code == 302
    member = Member.objects.get(pk=city.member_a.pk)
    assert member.status == Member.Status.DECEASED
    assert member.membership_periods.filter(ended_on__isnull=True).count() == 0
    assert AuditLog.objects.filter(
        action=AuditLog.Action.UPDATE, object_id=str(member.pk), detail="因病去世"
    ).exists()


def test_status_change_needs_a_reason(city, login):
    response = login("secretary_a").post(
        reverse("members:status", args=[city.member_a.pk]),
        {
            "status": "removed",
            "on": date.today().isoformat(),
            "reason": "",
        },
    )
    assert "原因及依据：" in html(response)
    assert Member.objects.get(pk=city.member_a.pk).status == Member.Status.ACTIVE


def test_secretary_b_cannot_change_status_of_branch_a_member(city, login):
    response = login("secretary_b").post(
        reverse("members:status", args=[city.member_a.pk]),
        {
            "status": "removed",
            "on": date.today().isoformat(),
            "reason": "x",
        },
    )
    assert response.status_code == 404
