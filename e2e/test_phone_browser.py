"""A member of staff on a phone: log in, open the organization tree and a member record.

Drives Debian's chromium through Playwright; skips (saying so) where the machine has no chromium.
"""

import os
import shutil

import pytest

from dangjian.testing import PASSWORD

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PHONE = {"width": 375, "height": 740}

pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None, reason="本机未安装 chromium（apt-get install chromium），跳过浏览器测试"
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def page():
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls stay synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        context = browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN"
        )
        yield context.new_page()
        context.close()
        browser.close()


def test_secretary_logs_in_on_a_phone_and_opens_tree_and_member(page, live_server, city):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "secretary_a")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    # The menu lives in an offcanvas on a phone: open it and go to the tree.
    page.click("[aria-controls=sidebar]")
    page.get_by_role("link", name="组织架构").click()
    page.wait_for_url("**/orgs/")
    assert page.get_by_text(city.branch_a.name).first.is_visible()
    assert page.get_by_text(city.branch_b.name).count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1

    page.goto(f"{live_server.url}/members/")
    page.get_by_role("link", name=city.member_a.name).first.click()
    page.wait_for_url(f"**/members/{city.member_a.pk}/")
    body = page.content()
    assert city.member_a.id_number not in body
    assert city.member_a.id_number[-4:] in body
    page.screenshot(
        path=os.environ.get("E2E_SCREENSHOT", "/tmp/dangjian-member-phone.png"), full_page=True
    )
