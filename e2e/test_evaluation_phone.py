"""五星示范 on a 375 px phone: the branch self-assesses with evidence, is refused a gap, submits; the
party committee returns it with a reason, and the branch secretary sees why.

Drives Debian's chromium through Playwright; skips (saying so) where the machine has no chromium.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from e2e.conftest import needs_chromium
from e2e.test_orglife_phone import fits_the_screen, log_in
from evaluation import cycle_services, services
from evaluation.models import OrgRating

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

REASON = "服务中心指标佐证不足，请补充全年业务工作台账后重新提交。"


def open_this_years_cycle(city):
    """The default five-star scheme published and the year's rating opened by the 工委."""
    admin = city.users["city_admin"]
    today = timezone.localdate()
    scheme = services.scheme_publish(services.scheme_create_default(today.year, admin), admin)
    return cycle_services.cycle_open(
        organization=city.work_committee,
        scheme=scheme,
        self_assessment_due=today + timedelta(days=30),
        review_due=today + timedelta(days=45),
        approval_due=today + timedelta(days=55),
        actor=admin,
    )


def test_branch_self_assesses_is_refused_a_gap_submits_and_is_returned_with_a_reason(
    phone, live_server, city
):
    cycle = open_this_years_cycle(city)
    rating = OrgRating.objects.get(cycle=cycle, organization=city.branch_a)
    scores = list(
        rating.scores.select_related("indicator__star").order_by("indicator__star__order")
    )
    assert [s.indicator.method for s in scores] == ["manual"] * 5
    *scored, last = scores

    secretary = phone()
    secretary.on("dialog", lambda dialog: dialog.accept())  # "确定提交审核？"
    secretary.goto(f"{live_server.url}/accounts/login/?next=/evaluation/queue/")
    log_in(secretary, "secretary_a")
    secretary.wait_for_url("**/evaluation/queue/")
    assert fits_the_screen(secretary)

    # The queue lists the branch's own self-assessment; one tap opens the form.
    own = secretary.locator('section[aria-labelledby="q-self"] a', has_text="预算处党支部")
    assert own.locator(".badge").inner_text() == "待自评"
    own.click()
    secretary.wait_for_url(f"**/evaluation/ratings/{rating.pk}/self-assess/")
    assert fits_the_screen(secretary)

    for n, score in enumerate(scored):
        secretary.fill(f"#points_{score.indicator_id}", str(90 - n))
        secretary.fill(f"#evidence_{score.indicator_id}", f"第{n + 1}项：会议记录及台账")
    secretary.fill(f"#evidence_{last.indicator_id}", "作风纪律：全年无违纪")
    secretary.fill("#id_summary", "全年党建工作对照五星标准逐项落实。")
    secretary.get_by_role("button", name="保存并提交审核").click()

    # The gap is named in Chinese; nothing is submitted and what was typed stays on the form.
    alert = secretary.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text() == f"以下指标尚未自评打分：{last.indicator.name}"
    assert last.indicator.name == "作风纪律工作落实情况"
    assert secretary.input_value(f"#points_{scored[0].indicator_id}") == "90"
    assert fits_the_screen(secretary)
    rating.refresh_from_db()
    assert rating.status == OrgRating.Status.PENDING

    secretary.fill(f"#points_{last.indicator_id}", "80")
    secretary.get_by_role("button", name="保存并提交审核").click()
    secretary.wait_for_url(f"**/evaluation/ratings/{rating.pk}/")
    assert secretary.get_by_text("自评已提交上级党组织审核。").is_visible()
    assert secretary.locator("h1 + .badge").inner_text() == "已自评待审核"
    assert secretary.get_by_text("佐证：第1项：会议记录及台账").is_visible()
    assert fits_the_screen(secretary)

    rating.refresh_from_db()
    assert rating.status == OrgRating.Status.SELF_ASSESSED
    assert rating.self_assessed_by == city.users["secretary_a"]
    assert rating.summary == "全年党建工作对照五星标准逐项落实。"
    stored = {s.indicator_id: s for s in rating.scores.all()}
    assert [stored[s.indicator_id].self_points for s in scored] == [
        Decimal(90),
        Decimal(89),
        Decimal(88),
        Decimal(87),
    ]
    assert stored[last.indicator_id].self_points == Decimal(80)
    assert stored[scored[2].indicator_id].evidence == "第3项：会议记录及台账"
    assert stored[last.indicator_id].evidence == "作风纪律：全年无违纪"
    assert rating.self_stars == 5  # every star's single indicator is above the 60-point line

    # The party committee secretary follows the notification and returns it with a reason.
    committee = phone()
    committee.goto(f"{live_server.url}/accounts/login/?next=/notifications/")
    log_in(committee, "committee_a")
    committee.wait_for_url("**/notifications/")
    committee.get_by_role(
        "link", name=f"预算处党支部已提交{cycle.year}年度评星自评，请审核"
    ).click()
    committee.wait_for_url(f"**/evaluation/ratings/{rating.pk}/")
    assert fits_the_screen(committee)
    committee.get_by_role("button", name="退回修改").click()
    committee.fill("#id_reason", REASON)
    committee.get_by_role("button", name="退回", exact=True).click()
    committee.get_by_text("已退回修改，并通知该党组织。").wait_for()
    assert committee.get_by_text(f"退回修改：{REASON}").is_visible()
    assert fits_the_screen(committee)

    rating.refresh_from_db()
    assert rating.status == OrgRating.Status.RETURNED
    assert rating.return_reason == REASON
    assert rating.events.filter(action="returned", actor=city.users["committee_a"]).exists()

    # The branch secretary sees the reason in the queue and on the form, scores kept for editing.
    secretary.goto(f"{live_server.url}/evaluation/queue/")
    own = secretary.locator('section[aria-labelledby="q-self"] a', has_text="预算处党支部")
    assert own.locator(".badge").inner_text() == "退回修改"
    assert f"退回原因：{REASON}" in own.inner_text()
    assert fits_the_screen(secretary)
    own.click()
    secretary.wait_for_url(f"**/evaluation/ratings/{rating.pk}/self-assess/")
    assert secretary.locator(".alert-warning").inner_text() == f"退回修改：{REASON}"
    assert secretary.input_value(f"#points_{last.indicator_id}") == "80"
    assert secretary.get_by_role("button", name="保存并提交审核").is_enabled()
    assert fits_the_screen(secretary)
