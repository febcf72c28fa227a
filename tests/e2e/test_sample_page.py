"""The sample municipality page of `kaari web` in a real browser: at phone and desktop size, nothing loaded
from elsewhere, its Content-Security-Policy kept, and no serious accessibility violation."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from bot.demo import PAGE_POLICY
from tests.e2e.conftest import DESKTOP, PHONE, Site, axe_violations, screenshot

if TYPE_CHECKING:
    from playwright.async_api import Browser

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_the_sample_page_loads_nothing_from_elsewhere_and_passes_axe(
    site: Site, browser: Browser, axe_source: str,
) -> None:
    for name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page = await site.page(browser, size)
        response = await page.goto(site.url)
        assert response is not None and response.headers["content-security-policy"] == PAGE_POLICY
        assert await page.locator("h1").inner_text() == "Nuorten sosiaalityö"
        # Readable at phone width: nothing wider than the screen.
        assert await page.evaluate("document.documentElement.scrollWidth") <= size["width"]
        await screenshot(page, f"sample-page-{name}")
        assert await axe_violations(page, axe_source) == []
    assert site.foreign_requests() == []
    assert site.console == []  # no CSP violation, no missing file (the widget's own included)
