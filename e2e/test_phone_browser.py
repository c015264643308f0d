"""A member of staff on a phone: log in, open the organization tree and a member record.

Drives Debian's chromium through Playwright; skips (saying so) where the machine has no chromium.
"""

import os

import pytest

from dangjian.testing import PASSWORD
from e2e.conftest import PHONE, needs_chromium

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


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
