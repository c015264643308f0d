"""A branch secretary records a theme day on a 375 px phone; a member signs in through the QR link on theirs.

Drives Debian's chromium through Playwright; skips (saying so) where the machine has no chromium.
"""

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from dangjian.testing import PASSWORD
from e2e.conftest import PHONE, needs_chromium
from orglife.models import Activity, Attendance

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def log_in(page, username: str) -> None:
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1


def test_secretary_records_a_theme_day_and_a_member_signs_in_by_qr_link(phone, live_server, city):
    secretary = phone()
    secretary.goto(f"{live_server.url}/accounts/login/?next=/orglife/")
    log_in(secretary, "secretary_a")
    secretary.wait_for_url("**/orglife/")
    assert fits_the_screen(secretary)

    # One tap from this month's theme-day requirement to a form with the kind already chosen.
    secretary.locator('[data-rule="R-LIFE-5"]').get_by_role("link", name="登记已开展").click()
    secretary.wait_for_url("**/orglife/activities/new/**")
    assert secretary.locator("#id_kind").input_value() == "theme_day"
    assert fits_the_screen(secretary)

    start = timezone.localtime() - timedelta(minutes=5)
    secretary.fill("#id_held_on", f"{start:%Y-%m-%d}")
    secretary.fill("#id_start_time", f"{start:%H:%M}")
    secretary.fill("#id_topic", "主题党日：重温入党誓词")
    secretary.fill("#id_place", "三楼党员活动室")
    # 张伟 has not arrived yet: mark him absent; the secretary stays present by default.
    secretary.click(f'label[for="st-{city.member_a.pk}-a"]')
    secretary.get_by_role("button", name="保存").click()
    secretary.wait_for_url("**/orglife/activities/*/")
    activity = Activity.objects.get(topic="主题党日：重温入党誓词")
    assert activity.status == Activity.Status.COMPLETED
    assert activity.attendances.get(member=city.member_a).status == Attendance.Status.ABSENT
    assert secretary.locator("svg.segno").is_visible()
    assert fits_the_screen(secretary)
    link = secretary.locator("[data-signin-link]").get_attribute("href")
    assert link.startswith(live_server.url) and activity.signin_token in link

    # The member opens the QR link on their own phone, logs in, and comes straight back to sign in.
    member = phone()
    member.goto(link)
    member.wait_for_url("**/accounts/login/**")
    log_in(member, "member_a")
    member.wait_for_url(link)
    assert member.get_by_text("主题党日：重温入党誓词").is_visible()
    member.get_by_role("button", name="签到").click()
    member.get_by_text("签到成功").wait_for()
    assert fits_the_screen(member)
    row = activity.attendances.get(member=city.member_a)
    assert row.status == Attendance.Status.PRESENT and row.signed_in_at is not None

    # The secretary's page shows the sign-in live (HTMX poll every 5 s) without reloading.
    secretary.locator("[data-signed-count]").filter(has_text="1").wait_for(timeout=8000)
    secretary.screenshot(
        path=os.environ.get("E2E_SCREENSHOT", "/tmp/dangjian-orglife-phone.png"), full_page=True
    )
