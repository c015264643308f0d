"""On a 375 px phone: the inspector finds the organization by pinyin initials and records a finding;
the branch asks for an extension and the inspector approves it, each without a page reload.

Drives Debian's chromium through Playwright (the e2e fixtures); skipped where chromium is missing.
"""

import pytest

from e2e.conftest import needs_chromium, phone  # noqa: F401  (the fixture)
from e2e.test_orglife_phone import fits_the_screen, log_in
from supervision.models import DeadlineExtension, Finding
from supervision.tests.conftest import days_from_today

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_inspector_picks_by_initials_records_and_approves_an_extension(phone, live_server, city):  # noqa: F811
    inspector = phone()
    inspector.goto(f"{live_server.url}/accounts/login/?next=/supervision/findings/new/")
    log_in(inspector, "committee_a")
    inspector.wait_for_url("**/supervision/findings/new/")
    assert fits_the_screen(inspector)

    inspector.locator("#org-q").press_sequentially("ysc", delay=50)
    choice = inspector.locator("#org-results [data-org-pk]").first
    choice.wait_for()
    assert inspector.locator("#org-results [data-org-pk]").count() == 1
    assert fits_the_screen(inspector)
    choice.click()
    assert inspector.locator("[data-chosen-name]").inner_text() == "预算处党支部"
    assert inspector.locator("#org-q").is_hidden()
    inspector.select_option("#id_category", index=1)
    inspector.fill("#id_description", "预算处支部6月未开展主题党日")
    inspector.get_by_role("button", name="登记并交办").click()
    inspector.wait_for_url("**/supervision/findings/*/")
    finding = Finding.objects.get()
    assert finding.organization == city.branch_a

    secretary = phone()
    secretary.goto(f"{live_server.url}/accounts/login/?next=/supervision/findings/{finding.pk}/")
    log_in(secretary, "secretary_a")
    secretary.wait_for_url(f"**/supervision/findings/{finding.pk}/")
    secretary.locator("summary", has_text="申请延期").click()
    secretary.fill("#ext-deadline", days_from_today(60).isoformat())
    secretary.fill("textarea[name=reason]", "场地改造需等待资金下达")
    secretary.evaluate("window.__same_page = true")
    secretary.get_by_role("button", name="提交延期申请").click()
    secretary.locator("#finding-panel .alert-success").wait_for()
    assert secretary.evaluate("window.__same_page === true")  # swapped, not reloaded
    assert DeadlineExtension.objects.get().status == "requested"
    assert fits_the_screen(secretary)

    inspector.goto(f"{live_server.url}/supervision/findings/{finding.pk}/")
    inspector.evaluate("window.__same_page = true")
    inspector.get_by_role("button", name="审批").click()
    inspector.locator("#finding-panel .alert-success").wait_for()
    assert inspector.evaluate("window.__same_page === true")
    assert "已批准延期" in inspector.locator("#finding-panel").inner_text()
    finding.refresh_from_db()
    assert finding.deadline == days_from_today(60)
