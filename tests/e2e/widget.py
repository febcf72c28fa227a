"""The young person's side of the end-to-end tests: the widget's frame on the sample page, seen as a person would."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING

from bot.i18n import Catalogs
from tests.bot.harness import catalog_pattern, texts
from tests.e2e.conftest import PHONE, Site
from tests.e2e.people import WAIT

if TYPE_CHECKING:
    from playwright.async_api import Browser, Frame, FrameLocator, Page


def widget(page: Page) -> FrameLocator:
    return page.frame_locator("iframe[data-kaari-widget]")


def frame_of(page: Page) -> Frame:
    """The widget's frame (axe-core runs inside it)."""
    return next(frame for frame in page.frames if "/web/frame" in frame.url)


def shown(catalogs: Catalogs, key: str) -> re.Pattern[str]:
    """What a Finnish catalog text looks like on the page, whatever fills its placeholders."""
    return catalog_pattern(catalogs, key, "fi")


async def settled(page: Page) -> None:
    """Until the widget's panel has finished sliding in (a screenshot mid-way shows it half transparent)."""
    frame = frame_of(page)  # polled by evaluate: the frame's CSP refuses wait_for_function's eval
    for _ in range(100):
        if await frame.evaluate("() => document.getAnimations().every(a => a.playState !== 'running')"):
            return
        await asyncio.sleep(0.05)


async def write(page: Page, text: str) -> None:
    """The young person types into the widget and presses Enter."""
    box = widget(page).get_by_test_id("kaari-input")
    await box.fill(text)
    await box.press("Enter")


async def wait_for_message(page: Page, catalogs: Catalogs, key: str) -> None:
    """Until the widget shows the catalog text ``key`` in a message from Kaari."""
    messages = widget(page).locator("#kaari-messages .kaari-theirs", has_text=shown(catalogs, key))
    await messages.last.wait_for(timeout=WAIT)


async def young_on_the_page(site: Site, browser: Browser) -> Page:
    """A young person (a browser of their own, phone size) on the sample page while the chat is open: the launcher
    says so (at phone size the panel does not open over the page by itself) and they open the chat."""
    page = await site.page(browser, PHONE)
    await page.goto(site.url)
    launcher = widget(page).get_by_test_id("kaari-launcher")
    await launcher.filter(has_text=shown(site.bot.services.catalogs, "web.launcher_open")).wait_for(timeout=WAIT)
    assert await widget(page).get_by_test_id("kaari-panel").is_hidden()
    await launcher.click()
    await widget(page).get_by_test_id("kaari-intro").wait_for(timeout=WAIT)
    return page


async def sent_to(site: Site, chat_id: int, words: str) -> None:
    """Until the fake Bot API has a message to ``chat_id`` with ``words`` (the ticker sends chat messages)."""
    for _ in range(200):
        if any(words in text for text in texts(site.bot.api.sent(chat_id))):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"nothing with {words!r} was sent to {chat_id}: {texts(site.bot.api.sent(chat_id))}")
