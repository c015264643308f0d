"""The cycle in the browser: round set-up, 述职 with Word export, anonymous ballots, results, Excel."""

from io import BytesIO

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from secretary_review import services
from secretary_review.models import Ballot, Report, Round

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00"
    b"IEND\xaeB`\x82"
)


def url(name, *args):
    return reverse(f"secretary_review:{name}", args=args)


def xlsx_text(response) -> str:
    book = load_workbook(BytesIO(response.content), read_only=True)
    return "\n".join(
        str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row
    )


@pytest.mark.django_db
def test_city_admin_creates_a_round_from_the_form_with_default_grades(review, login):
    admin = login("city_admin")
    page = admin.get(url("round_create"))
    assert page.status_code == 200 and "好 100" in page.content.decode()
    response = admin.post(
        url("round_create"),
        {
            "area": review.city.dept_a.pk,
            "year": 2026,
            "name": "",
            "template_title": "{year}年度述职",
            "template_body": "{report}",
            "grades_text": "好 100\n较好 85\n一般 70\n差 50",
            "bands_text": "优秀 90\n合格 60\n不合格 0",
            "weight_superior": 50,
            "weight_member": 25,
            "weight_peer": 25,
            "weight_rating": 70,
            "weight_responsibility": 10,
            "weight_orglife": 10,
            "weight_stars": 10,
        },
    )
    round_ = Round.objects.get(area=review.city.dept_a, year=2026)
    assert response.status_code == 302 and response.url == url("round_detail", round_.pk)
    assert round_.grades_are_default and round_.weight_superior == 50
    assert [b["label"] for b in round_.bands] == ["优秀", "合格", "不合格"]
    assert "中共测试市财政局党组" in round_.name
    bad = admin.post(url("round_edit", round_.pk), {"grades_text": "好"})
    assert bad.status_code == 200 and "第1行" in bad.content.decode()


@pytest.mark.django_db
def test_the_whole_cycle_in_the_browser(review, login):
    city = review.city
    admin, secretary, voter = login("city_admin"), login("secretary_a"), login("member_a")
    round_ = review.round
    assert admin.post(url("round_action", round_.pk, "open_reporting")).status_code == 302
    report = review.report(city.branch_a)
    mine = secretary.get(url("mine")).content.decode()
    assert "预算处党支部" in mine and "填写述职报告" in mine
    secretary.post(url("report_edit", report.pk), {"text": "全年落实“三会一课”。", "submit": "1"})
    report.refresh_from_db()
    assert report.is_submitted and report.text == "全年落实“三会一课”。"
    document = secretary.get(url("report_docx", report.pk))
    assert document["Content-Disposition"].startswith("attachment;")
    text = "\n".join(p.text for p in Document(BytesIO(document.content)).paragraphs)
    assert "2025年度预算处党支部书记抓机关党建工作述职报告" in text
    assert "述职人：赵强" in text and "全年落实“三会一课”。" in text and "支部书记" in text

    assert admin.post(url("round_action", round_.pk, "open_rating")).status_code == 302
    page = voter.get(url("ballots")).content.decode()
    assert "赵强 · 预算处党支部" in page and f'name="grade-{report.pk}"' in page
    voter.post(url("ballots"), {f"grade-{report.pk}": "fairly_good"})
    after = voter.get(url("ballots")).content.decode()
    assert "已测评" in after and f'name="grade-{report.pk}"' not in after and "checked" not in after
    assert Ballot.objects.filter(report=report, grade="fairly_good").count() == 1
    progress = admin.get(url("round_detail", round_.pk)).content.decode()
    assert "1/3" in progress  # participation only: 张伟 of 钱进, 周敏 and 张伟 has voted

    results = secretary.get(url("round_results", round_.pk)).content.decode()
    assert "测评尚未结束" in results and "85" not in results
    assert admin.get(url("round_export", round_.pk)).status_code == 403
    assert "考核得分" not in secretary.get(url("report_detail", report.pk)).content.decode()

    assert admin.post(url("round_action", round_.pk, "close")).status_code == 302
    results = admin.get(url("round_results", round_.pk)).content.decode()
    assert "考核结果与排名" in results and "85.00" in results and "支部书记（3 人）" in results
    own = secretary.get(url("report_detail", report.pk)).content.decode()
    assert "考核得分" in own and "85.00" in own and "不显示等次分布" in own
    exported = admin.get(url("round_export", round_.pk))
    assert "赵强" in xlsx_text(exported) and "85" in xlsx_text(exported)
    assert "85.00" in secretary.get(url("mine")).content.decode()


@pytest.mark.django_db
def test_attachments_go_with_the_report_and_stay_in_scope(review, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    services.round_open_reporting(round_=review.round, actor=review.city.users["city_admin"])
    report = review.report(review.city.branch_a)
    from django.core.files.uploadedfile import SimpleUploadedFile

    secretary = login("secretary_a")
    secretary.post(
        url("report_file_upload", report.pk),
        {"attachments": SimpleUploadedFile("合影.png", PNG, content_type="image/png")},
    )
    attachment = report.attachments.get()
    assert attachment.name == "合影.png"
    fake = SimpleUploadedFile("病毒.png", b"MZ\x90\x00", content_type="image/png")
    secretary.post(url("report_file_upload", report.pk), {"attachments": fake})
    assert report.attachments.count() == 1
    assert login("committee_a").get(url("report_file_download", attachment.pk)).status_code == 200
    assert login("secretary_b").get(url("report_file_download", attachment.pk)).status_code == 404
    refused = login("publicity_a").post(
        url("report_file_upload", report.pk),
        {"attachments": SimpleUploadedFile("x.png", PNG, content_type="image/png")},
    )
    assert refused.status_code == 403


@pytest.mark.django_db
def test_secretary_of_another_branch_is_refused_everything_of_branch_a(rating, login):
    city = rating.city
    other = login("secretary_b")
    report = rating.report(city.branch_a)
    dept_round = services.round_create(actor=city.users["city_admin"], area=city.dept_a, year=2024)
    for path in (
        url("report_detail", report.pk),
        url("report_docx", report.pk),
        url("round_detail", dept_round.pk),
        url("round_results", dept_round.pk),
        url("round_export", dept_round.pk),
        f"/api/v1/secretary-review/reports/{report.pk}/",
        f"/api/v1/secretary-review/rounds/{dept_round.pk}/",
        f"/api/v1/secretary-review/rounds/{dept_round.pk}/results/",
    ):
        assert other.get(path).status_code == 404, path
    assert other.post(url("report_edit", report.pk), {"text": "x"}).status_code == 404
    patch = other.patch(
        f"/api/v1/secretary-review/reports/{report.pk}/",
        {"text": "x"},
        content_type="application/json",
    )
    assert patch.status_code == 404
    services.round_close(round_=rating.round, actor=city.users["city_admin"])
    for path in (
        url("index"),
        url("round_detail", rating.round.pk),
        url("round_results", rating.round.pk),
        url("round_export", rating.round.pk),
        "/api/v1/secretary-review/reports/",
        f"/api/v1/secretary-review/rounds/{rating.round.pk}/results/",
    ):
        response = other.get(path)
        assert response.status_code == 200, path
        body = xlsx_text(response) if path.endswith("export/") else response.content.decode()
        for secret in ("预算处党支部", "赵强", "中共测试市财政局党组"):
            assert secret not in body, f"{path} shows {secret}"


@pytest.mark.django_db
def test_read_only_and_other_people_cannot_change_a_report_or_run_a_round(review, login):
    city = review.city
    services.round_open_reporting(round_=review.round, actor=city.users["city_admin"])
    report = review.report(city.branch_a)
    for persona in ("publicity_a", "committee_a"):
        client = login(persona)
        assert client.get(url("report_detail", report.pk)).status_code == 200
        assert client.post(url("report_edit", report.pk), {"text": "改写"}).status_code == 403
        patch = client.patch(
            f"/api/v1/secretary-review/reports/{report.pk}/",
            {"text": "改写"},
            content_type="application/json",
        )
        assert patch.status_code == 403
    report.refresh_from_db()
    assert report.text == ""
    secretary = login("secretary_a")
    assert secretary.post(url("round_action", review.round.pk, "open_rating")).status_code == 403
    assert secretary.get(url("round_create")).status_code == 403
    review.round.refresh_from_db()
    assert review.round.status == Round.Status.REPORTING


@pytest.mark.django_db
def test_users_without_any_role_see_an_empty_index(review, login):
    page = login("nobody").get(url("index"))
    assert page.status_code == 200 and review.round.name not in page.content.decode()
    assert login("nobody").get(url("round_detail", review.round.pk)).status_code == 404


@pytest.mark.django_db
def test_ballot_page_queries_stay_constant_with_more_reports(
    rating, login, django_assert_max_num_queries
):
    city = rating.city
    client = login("committee_a")  # 钱进 rates branch A, branch A2 and the department
    client.get(url("ballots"))
    with django_assert_max_num_queries(12):
        page = client.get(url("ballots"))
    assert (
        page.content.decode().count('type="radio"')
        == 4 * Report.objects.filter(assignments__rater__name="钱进").count()
    )
    assert city  # the page above is the rater's own


@pytest.mark.django_db
def test_the_secretary_page_lists_positions_responsibility_lists_and_reports(
    review, login, monkeypatch
):
    from types import SimpleNamespace

    from secretary_review import objective

    lists = [SimpleNamespace(pk=7, item_count=10, confirmed_count=4)]
    monkeypatch.setattr(objective, "responsibility_lists", lambda member, year: lists)
    services.round_open_reporting(round_=review.round, actor=review.city.users["city_admin"])
    page = login("secretary_a").get(url("mine")).content.decode()
    assert "预算处党支部" in page and "书记" in page
    assert "已确认 4/10 项" in page and reverse("responsibility:list_detail", args=[7]) in page
    assert review.round.name in page and "填写述职报告" in page
    nobody = login("member_a").get(url("mine")).content.decode()
    assert "您目前没有担任党组织书记" in nobody and "暂无述职报告" in nobody
