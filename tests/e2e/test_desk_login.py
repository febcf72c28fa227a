"""The worker's way into the desk in a real browser: the link Kaari sent to Telegram, a POST from its page, a
Strict session cookie that the redirect to /desk carries; the same link a second time opens nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from bot.i18n import Catalogs
from flows.core.messages import Msg
from tests.bot.harness import said
from tests.e2e.conftest import Site, axe_violations, screenshot
from tests.e2e.people import aino_on_the_rota, log_in, login_link

if TYPE_CHECKING:
    from playwright.async_api import Browser

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_the_link_from_telegram_logs_the_worker_in_once(
    site: Site, browser: Browser, axe_source: str, catalogs: Catalogs,
) -> None:
    aino = await aino_on_the_rota(site)
    link = await login_link(aino)
    desk = await log_in(site, browser, link)
    assert await desk.locator("h1").inner_text() == catalogs.text("fi", Msg("web.desk.title"))
    cookies = await desk.context.cookies()
    assert [(c["name"], c["httpOnly"], c["secure"], c["sameSite"]) for c in cookies] == [
        ("kaari_desk", True, True, "Strict")]
    await screenshot(desk, "desk-logged-in-desktop")
    assert await axe_violations(desk, axe_source) == []
    # The same link again, in another browser: spent, it opens nothing.
    again = await site.page(browser)
    await again.goto(link)
    assert said(catalogs, "web.desk.link_bad", await again.locator("body").inner_text(), ("fi",))
    assert site.foreign_requests() == []
