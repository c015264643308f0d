"""On a 375 px phone: 工委 runs the flags and confirms one; the secretary reports progress in place (HTMX).

Drives Debian's chromium through Playwright; skips (saying so) where the machine has no chromium.
"""

import os

import pytest

from dangjian.testing import PASSWORD
from e2e.conftest import PHONE, needs_chromium, phone  # noqa: F401  (fixture)
from weak_orgs import services
from weak_orgs.models import WeakOrgCase

# serialized_rollback: the flush after this test must leave the seeded rules for later tests.
pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
SHOTS = os.environ.get("WEAK_ORGS_SHOTS")  # a folder to keep screenshots in, when asked


def log_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/?next=/weak-orgs/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/weak-orgs/")


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_work_committee_confirms_and_the_secretary_reports_on_phones(phone, live_server, city):  # noqa: F811
    admin = phone()
    log_in(admin, live_server.url, "city_admin")
    admin.get_by_role("button", name="立即研判").click()
    admin.wait_for_selector("text=已完成研判")
    assert admin.locator("text=数据来源待接入（党费模块）").first.is_visible()
    shot(admin, "index")
    assert fits_the_screen(admin)
    row = admin.locator("tr", has_text="预算处党支部")
    row.get_by_role("button", name="确认整顿").click()
    admin.wait_for_url("**/cases/*/plan/")
    admin.fill("#id_plan", "补齐组织生活，规范支委会")
    admin.fill("#id_exit_criteria", "每月召开支委会\n组织生活完成率达到90%")
    admin.fill("#id_leader_name", "市财政局党组成员 王某")
    admin.get_by_role("button", name="保存").click()
    admin.wait_for_url("**/cases/*/")
    assert fits_the_screen(admin)
    case = WeakOrgCase.objects.get(organization=city.branch_a)
    assert case.status == WeakOrgCase.Status.RECTIFYING

    secretary = phone()
    log_in(secretary, live_server.url, "secretary_a")
    secretary.get_by_role("link", name="预算处党支部").click()
    secretary.wait_for_url("**/cases/*/")
    secretary.fill("#id_body", "已召开专题支委会，制定整改清单")
    secretary.get_by_role("button", name="填报进展").click()
    secretary.wait_for_selector("#progress >> text=已召开专题支委会，制定整改清单")
    secretary.fill(f"#note-{case.exit_criteria.first().pk}", "9月起每月召开")
    secretary.get_by_role("button", name="标记达到").first.click()
    secretary.wait_for_selector("#exit-criteria >> text=9月起每月召开")
    assert fits_the_screen(secretary)
    shot(secretary, "case")
    assert case.notes.count() == 1
    assert services.lift_blockers(case)[0]  # one criterion still open
