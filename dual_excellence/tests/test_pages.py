"""双优 pages: overview, set-up, nominating from the browser, review, honour roll, export."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.models import AuditLog
from dual_excellence import services
from dual_excellence.models import Nomination, Round
from publicity import selectors as publicity_selectors

pytestmark = pytest.mark.django_db
S = Nomination.Status
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def url(name, *args):
    return reverse(f"dual_excellence:{name}", args=args)


@pytest.fixture
def nomination_a(city, round_, party_work):
    return services.nominate(
        round_=round_,
        category=party_work,
        actor=city.users["secretary_a"],
        reason="预算执行率连续三年第一。",
        nominee_member=city.member_a,
    )


def test_admin_creates_a_default_round_and_opens_it_from_the_browser(city, login):
    client = login("city_admin")
    page = client.get(url("index"))
    assert "按默认类别新建" in page.content.decode()
    response = client.post(
        url("round_create"), {"year": 2026, "organization": city.work_committee.pk}
    )
    round_ = Round.objects.get()
    assert response.url == url("round_detail", round_.pk)
    detail = client.get(response.url).content.decode()
    assert "党建工作优" in detail and "服务发展优" in detail and "默认内容，可调整" in detail
    assert "中共测试市财政局党组" in detail  # an area of the quota matrix
    client.post(
        url("round_edit", round_.pk),
        {
            "name": round_.name,
            "nomination_deadline": (timezone.localdate() + timedelta(days=5)).isoformat(),
            "notice_days": 5,
            "description": "",
        },
    )
    client.post(
        url("category_edit", round_.pk, round_.categories.first().pk),
        {
            "order": 1,
            "name": "党建工作优秀",
            "description": "",
            "honours": "both",
            "weight": 70,
            "org_quota": 1,
            "member_quota": 3,
        },
    )
    cat = round_.categories.first()
    client.post(url("quotas_save", round_.pk), {f"q-{cat.pk}-{city.dept_a.pk}-org": "4"})
    client.post(url("round_step", round_.pk, "open"))
    round_.refresh_from_db()
    assert round_.status == Round.Status.NOMINATING and round_.notice_days == 5
    assert round_.categories.first().name == "党建工作优秀"
    assert services.quota_for(cat, city.dept_a) == (4, 3)


def test_non_admin_cannot_change_a_round(city, login, round_):
    client = login("committee_a")
    assert client.get(url("round_edit", round_.pk)).status_code == 403
    assert client.post(url("round_step", round_.pk, "close")).status_code == 403
    assert client.get(url("review_list", round_.pk)).status_code == 403
    round_.refresh_from_db()
    assert round_.status == Round.Status.NOMINATING


def test_secretary_nominates_a_member_from_the_phone_form_with_evidence(
    city, login, round_, party_work
):
    client = login("secretary_a")
    form = client.get(url("nominate", round_.pk)).content.decode()
    assert "预算处党支部" in form and "国库处党支部" not in form
    options = client.get(url("nominee_options"), {"organization": city.branch_a.pk})
    assert "张伟" in options.content.decode()
    response = client.post(
        url("nominate", round_.pk),
        {
            "category": party_work.pk,
            "kind": "member",
            "organization": city.branch_a.pk,
            "member": city.member_a.pk,
            "reason": "扎根基层，服务群众。",
            "evidence": "先进事迹材料",
            "evidence_file": SimpleUploadedFile("事迹.pdf", PDF, "application/pdf"),
        },
    )
    nomination = Nomination.objects.get()
    assert response.url == url("nomination_detail", nomination.pk)
    assert nomination.nominee_member == city.member_a and nomination.evidence_name == "事迹.pdf"
    detail = client.get(response.url).content.decode()
    assert "扎根基层" in detail and "事迹.pdf" in detail
    assert city.member_a.id_number not in detail and "13800001111" not in detail
    assert client.get(url("evidence_download", nomination.pk)).status_code == 200


def test_full_quota_is_shown_on_the_form_in_chinese(city, login, round_, party_work):
    client = login("committee_a")
    data = {"category": party_work.pk, "kind": "organization", "reason": "好"}
    client.post(url("nominate", round_.pk), {**data, "organization": city.branch_a.pk})
    page = client.post(url("nominate", round_.pk), {**data, "organization": city.branch_a2.pk})
    assert page.status_code == 200
    assert "名额为1个，已推荐1个，名额已满" in page.content.decode()
    assert Nomination.objects.count() == 1


def test_a_renamed_executable_is_refused_as_evidence(city, login, round_, party_work):
    client = login("secretary_a")
    page = client.post(
        url("nominate", round_.pk),
        {
            "category": party_work.pk,
            "kind": "organization",
            "organization": city.branch_a.pk,
            "reason": "好",
            "evidence_file": SimpleUploadedFile("事迹.pdf", b"MZ\x90\x00", "application/pdf"),
        },
    )
    assert "内容与扩展名" in page.content.decode()
    assert not Nomination.objects.exists()


def test_other_branch_cannot_nominate_outside_its_scope_by_forged_post(
    city, login, round_, party_work
):
    client = login("secretary_b")
    form = client.get(url("nominate", round_.pk)).content.decode()
    assert "预算处党支部" not in form
    assert (
        client.get(url("nominee_options"), {"organization": city.branch_a.pk})
        .content.decode()
        .count("<option")
        == 1
    )
    page = client.post(
        url("nominate", round_.pk),
        {
            "category": party_work.pk,
            "kind": "member",
            "organization": city.branch_b.pk,
            "member": city.member_a.pk,
            "reason": "x",
        },
    )
    assert "请选择本人所辖组织的党员" in page.content.decode()
    assert not Nomination.objects.exists()


def test_secretary_of_branch_b_gets_404_for_branch_a_nomination_everywhere(
    city, login, nomination_a
):
    client = login("secretary_b")
    for name in ("nomination_detail", "evidence_download"):
        assert client.get(url(name, nomination_a.pk)).status_code == 404
    assert client.post(url("nomination_withdraw", nomination_a.pk)).status_code == 404
    api = client.get(f"/api/v1/dual-excellence/nominations/{nomination_a.pk}/")
    assert api.status_code == 404
    listing = client.get("/api/v1/dual-excellence/nominations/").json()
    assert listing["count"] == 0
    index = client.get(url("index")).content.decode()
    assert "张伟" not in index
    export = client.get(url("export", nomination_a.round_id))
    book = load_workbook(BytesIO(export.content), read_only=True)
    cells = [v for sheet in book for row in sheet.iter_rows(values_only=True) for v in row]
    assert "张伟" not in cells
    assert AuditLog.objects.filter(action="access_denied", actor_name="secretary_b").exists()


def test_read_only_member_of_branch_a_sees_but_cannot_withdraw(city, login, nomination_a):
    client = login("publicity_a")
    assert client.get(url("nomination_detail", nomination_a.pk)).status_code == 200
    assert client.post(url("nomination_withdraw", nomination_a.pk)).status_code == 403
    assert client.get(url("nominate", nomination_a.round_id)).status_code == 403
    nomination_a.refresh_from_db()
    assert nomination_a.status == S.SUBMITTED


def test_index_shows_quota_use_and_nominations_by_status(city, login, nomination_a):
    page = login("secretary_a").get(url("index")).content.decode()
    assert "张伟" in page and "已推荐" in page
    quota = page.split("片区名额使用")[1].split("推荐情况")[0].replace(" ", "")
    assert "中共测试市财政局党组" in quota and "中共测试市教育局党组" not in quota
    assert "1/2" in quota  # one of two member places used in 党建工作优


def review_and_award(city, round_, nomination):
    admin = city.users["city_admin"]
    services.nominations_close(round_=round_, actor=admin)
    services.nomination_review(nomination=nomination, actor=admin, accepted=True)
    services.notice_publish(
        round_=round_, actor=admin, today=timezone.localdate() - timedelta(days=30)
    )
    services.round_award(round_=round_, actor=admin)


def test_admin_reviews_from_the_review_list(city, login, round_, nomination_a):
    services.nominations_close(round_=round_, actor=city.users["city_admin"])
    client = login("city_admin")
    page = client.get(url("review_list", round_.pk)).content.decode()
    assert "张伟" in page
    client.post(url("nomination_review", nomination_a.pk), {"decision": "reject", "note": ""})
    nomination_a.refresh_from_db()
    assert nomination_a.status == S.SUBMITTED  # a rejection needs reasons
    client.post(url("nomination_review", nomination_a.pk), {"decision": "accept", "note": "同意"})
    nomination_a.refresh_from_db()
    assert (
        nomination_a.status == S.ACCEPTED and nomination_a.reviewed_by == city.users["city_admin"]
    )
    client.post(url("round_step", round_.pk, "notice"))
    assert publicity_selectors.notice_for(nomination_a) is not None


def test_honour_roll_is_public_in_the_city_without_id_or_phone(city, login, round_, nomination_a):
    review_and_award(city, round_, nomination_a)
    for persona in ("member_a", "secretary_b", "city_admin"):
        page = login(persona).get(url("honour_roll")).content.decode()
        assert "张伟" in page and "预算处党支部" in page and "党建工作优" in page
        assert city.member_a.id_number not in page and "13800001111" not in page
    # A plain member lands on the roll from the menu entry.
    assert login("member_a").get(url("index")).url == url("honour_roll")
    assert "张伟" not in login("nobody").get(url("honour_roll")).content.decode()


def test_export_lists_nominations_and_awardees(city, login, round_, nomination_a):
    review_and_award(city, round_, nomination_a)
    response = login("city_admin").get(url("export", round_.pk))
    book = load_workbook(BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["推荐情况", "表彰名单"]
    rows = list(book["表彰名单"].iter_rows(values_only=True))
    assert rows[1][:4] == ("党建工作优", "中共测试市财政局党组", "党员", "张伟")
