"""Phones for browser tests: Debian's chromium driven by Playwright, skipped (saying so) where it is missing."""

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PHONE = {"width": 375, "height": 740}
# The machine's network is closed: keep chromium from calling home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Browser tests are transactional (the live server has its own connection). Every one of them is marked
# django_db(transaction=True, serialized_rollback=True): the flush after each would otherwise drop the
# rows that migrations seed (organizational-life rules, finding categories, weak-organization criteria)
# for the tests after it.
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="本机未安装 chromium（apt-get install chromium），跳过浏览器测试"
)


@pytest.fixture
def phone():
    """new_page() -> a fresh phone (its own cookies), so two people can be logged in side by side."""
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls stay synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        contexts = []

        def new_page():
            context = browser.new_context(
                viewport=PHONE, is_mobile=True, has_touch=True, locale="zh-CN"
            )
            contexts.append(context)
            return context.new_page()

        yield new_page
        for context in contexts:
            context.close()
        browser.close()


@pytest.fixture
def page(phone):
    return phone()
