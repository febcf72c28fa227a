"""One desk for both channels, in Chromium: a worker logged in with the link Kaari sent to Telegram sees the
queue (a crisis message first, marked in words), chats both ways with a young person on the widget, closes the
chat (the young person rates it), and answers a young person on Telegram from the same desk. axe-core checks
the desk with a queue and with a chat in hand; screenshots at desktop size."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from bot.i18n import Catalogs
from flows.core.messages import Msg
from tests.e2e.conftest import Site, axe_violations, screenshot
from tests.e2e.people import WAIT, aino_on_the_rota, log_in, login_link
from tests.e2e.widget import sent_to, wait_for_message, widget, write, young_on_the_page

if TYPE_CHECKING:
    from playwright.async_api import Browser, Locator

pytestmark = pytest.mark.asyncio(loop_scope="session")

Y1 = 700000001  # a young person on Telegram


async def reply(lane: Locator, text: str) -> None:
    """The worker writes in a chat's lane on the desk and sends."""
    await lane.locator("textarea").fill(text)
    await lane.locator("form button[type=submit]").click()


async def test_the_desk_takes_a_web_chat_crisis_first_and_closes_it_with_a_rating(
    site: Site, browser: Browser, axe_source: str, catalogs: Catalogs,
) -> None:
    aino = await aino_on_the_rota(site)
    site.clock.advance(hours=1)  # 12.00: the shift, Aino on duty
    desk = await log_in(site, browser, await login_link(aino))
    young = await young_on_the_page(site, browser)
    await write(young, "Hei, voiko kysyä vuokrarästeistä?")
    await wait_for_message(young, catalogs, "chat.waiting")

    # A second young person writes crisis words: signposting at once, and they go first in the queue.
    other = await young_on_the_page(site, browser)
    await write(other, "en jaksa enää, haluun kuolla")
    await wait_for_message(other, catalogs, "crisis.signpost")
    queue = desk.locator(".desk-queue-list li")
    await desk.locator(".desk-queue-list li.crisis").wait_for(timeout=WAIT)
    assert await queue.count() == 2 and "crisis" in (await queue.first.get_attribute("class") or "")
    await screenshot(desk, "desk-queue-desktop")
    assert await axe_violations(desk, axe_source) == []

    # Aino picks the first young person's chat (second in the queue), and they write both ways.
    await queue.nth(1).locator("button").click()
    lane = desk.locator(".desk-lanes > *").first
    await lane.wait_for(timeout=WAIT)
    await reply(lane, "Hei! Kerro lisää, niin mietitään yhdessä.")
    await widget(young).locator("#kaari-messages", has_text="niin mietitään yhdessä").wait_for(timeout=WAIT)
    await write(young, "Vuokra on kaksi kuukautta myöhässä.")
    await lane.locator("text=Vuokra on kaksi kuukautta myöhässä.").wait_for(timeout=WAIT)
    await screenshot(desk, "desk-chat-desktop")
    assert await axe_violations(desk, axe_source) == []

    # Aino closes the chat; the young person is told, asked for a rating (kept) and offered a word more.
    await lane.locator("[data-key^='close-']").click()
    await desk.locator("[data-key='confirm-yes']").click()
    rate = widget(young).get_by_test_id("kaari-choice").filter(has_text=catalogs.text("fi", Msg("chat.rate_5")))
    await rate.wait_for(timeout=WAIT)
    await screenshot(young, "widget-rating-phone")
    await rate.click()
    await wait_for_message(young, catalogs, "chat.comment")
    async with site.bot.services.store.transaction() as work:
        chats = await work.chats.opened_between(site.clock() - timedelta(hours=2), site.clock() + timedelta(hours=1))
    assert sorted((chat.status, chat.rating) for chat in chats) == [("closed", 5), ("queued", None)]
    assert site.foreign_requests() == []


async def test_the_same_desk_answers_a_young_person_on_telegram(
    site: Site, browser: Browser, axe_source: str,
) -> None:
    aino = await aino_on_the_rota(site)
    site.clock.advance(hours=1)
    desk = await log_in(site, browser, await login_link(aino))
    await desk.locator("#desk-queue-title").wait_for(timeout=WAIT)
    telegram = site.bot.user(Y1, "fi", "Nuori")
    await telegram.send("/chat")
    await telegram.send("Moi, saako täältä apua opiskelupaikan hakuun?")
    entry = desk.locator(".desk-queue-list li")
    await entry.first.wait_for(timeout=WAIT)
    await entry.first.locator("button").click()
    lane = desk.locator(".desk-lanes > *").first
    await lane.locator("text=opiskelupaikan hakuun").wait_for(timeout=WAIT)
    await reply(lane, "Moi! Saa, kerro mitä olet miettinyt.")
    await sent_to(site, Y1, "Moi! Saa, kerro mitä olet miettinyt.")
    await telegram.send("Haluaisin lähihoitajaksi.")
    await lane.locator("text=Haluaisin lähihoitajaksi.").wait_for(timeout=WAIT)
    await screenshot(desk, "desk-telegram-chat-desktop")
    assert await axe_violations(desk, axe_source) == []


async def test_a_reply_written_after_the_session_ended_is_kept_and_the_worker_told(
    site: Site, browser: Browser, catalogs: Catalogs,
) -> None:
    """The desk's socket is gone (the session ended, or the connection dropped): Send must not empty the box as if
    the words went, nor say nothing."""
    aino = await aino_on_the_rota(site)
    site.clock.advance(hours=1)
    desk = await log_in(site, browser, await login_link(aino))
    telegram = site.bot.user(Y1, "fi", "Nuori")
    await telegram.send("/chat")
    await telegram.send("Onko siellä ketään?")
    entry = desk.locator(".desk-queue-list li")
    await entry.first.wait_for(timeout=WAIT)
    await entry.first.locator("button").click()
    lane = desk.locator(".desk-lanes > *").first
    await lane.locator("text=Onko siellä ketään?").wait_for(timeout=WAIT)
    ended = catalogs.text("fi", Msg("deskweb.session_ended"))
    site.clock.advance(minutes=site.bot.services.settings.desk_idle_minutes + 1)  # she was away from the desk
    await desk.locator(".desk-notice", has_text=ended).first.wait_for(timeout=WAIT)
    await desk.evaluate("() => document.querySelectorAll('.desk-notice').forEach(n => n.remove())")
    await reply(lane, "Täällä ollaan, kerro vaan.")
    await desk.locator(".desk-notice", has_text=ended).first.wait_for(timeout=WAIT)
    assert await lane.locator("textarea").input_value() == "Täällä ollaan, kerro vaan."
