"""The widget on the sample page at phone size, in Chromium: closed before the shift (the next opening, where to
turn now); once the shift starts, open by itself on a desktop and a tap away on a phone; a young person chats with
a worker who answers in Telegram; crisis words get signposting at once. axe-core checks the frame closed and open;
screenshots at each step."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from bot.i18n import Catalogs
from flows.core.messages import Msg
from tests.bot.harness import catalog_pattern, said
from tests.e2e.conftest import DESKTOP, PHONE, Site, axe_violations, screenshot
from tests.e2e.people import W1, WAIT, aino_on_the_rota
from tests.e2e.widget import (
    frame_of,
    sent_to,
    settled,
    shown,
    wait_for_message,
    widget,
    write,
    young_on_the_page,
)

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def closed_then_open(site: Site, browser: Browser, axe_source: str, catalogs: Catalogs) -> Page:
    """11.00: the launcher names the next opening, the closed view where to turn; 12.00: the chat opens."""
    young = await site.page(browser, PHONE)
    await young.goto(site.url)
    launcher = widget(young).get_by_test_id("kaari-launcher")
    await launcher.filter(has_text=shown(catalogs, "web.launcher_closed")).wait_for(timeout=WAIT)
    await screenshot(young, "widget-launcher-closed-phone")
    await launcher.click()
    closed = widget(young).get_by_test_id("kaari-closed-view")
    await closed.wait_for(timeout=WAIT)
    assert said(catalogs, "chat.closed", await closed.locator("#kaari-notice").inner_text(), ("fi",))
    await settled(young)
    await screenshot(young, "widget-closed-phone")
    assert await axe_violations(frame_of(young), axe_source) == []
    # The shift starts with Aino on duty. Back on the page a while later (the widget's status may be kept half a
    # minute), the launcher says so and the chat opens with a tap.
    site.clock.advance(hours=1)
    young = await young_on_the_page(site, browser)
    await settled(young)
    await screenshot(young, "widget-open-phone")
    assert await axe_violations(frame_of(young), axe_source) == []
    return young


async def test_closed_then_open_and_a_chat_with_a_worker_in_telegram(
    site: Site, browser: Browser, axe_source: str, catalogs: Catalogs,
) -> None:
    aino = await aino_on_the_rota(site)
    young = await closed_then_open(site, browser, axe_source, catalogs)
    await write(young, "Hei, voiko kysyä vuokrarästeistä?")
    await wait_for_message(young, catalogs, "chat.waiting")
    await aino.send("/desk")
    await aino.tap(catalogs.text("fi", Msg("desk.take", {"waiting": 1})))
    await wait_for_message(young, catalogs, "chat.taken")
    await sent_to(site, W1, "Hei, voiko kysyä vuokrarästeistä?")
    await aino.send("Hei! Kerro lisää, niin mietitään yhdessä.")
    await widget(young).locator("#kaari-messages", has_text="niin mietitään yhdessä").wait_for(timeout=WAIT)
    await write(young, "Vuokra on kaksi kuukautta myöhässä.")
    await sent_to(site, W1, "Vuokra on kaksi kuukautta myöhässä.")
    await screenshot(young, "widget-chat-phone")
    assert site.foreign_requests() == []
    assert not [line for line in site.console if "Content Security Policy" in line]


async def test_crisis_words_get_signposting_at_once(
    site: Site, browser: Browser, axe_source: str, catalogs: Catalogs,
) -> None:
    await aino_on_the_rota(site)
    site.clock.advance(hours=1)
    young = await young_on_the_page(site, browser)
    await write(young, "en jaksa enää, haluun kuolla")
    await wait_for_message(young, catalogs, "crisis.signpost")
    await screenshot(young, "widget-crisis-phone")
    assert await axe_violations(frame_of(young), axe_source) == []


async def test_the_panel_opens_by_itself_on_a_desktop_and_not_over_a_phones_page(
    site: Site, browser: Browser, catalogs: Catalogs,
) -> None:
    await aino_on_the_rota(site)
    site.clock.advance(hours=1)
    desktop = await site.page(browser, DESKTOP)
    await desktop.goto(site.url)
    await widget(desktop).get_by_test_id("kaari-intro").wait_for(timeout=WAIT)
    phone = await site.page(browser, PHONE)
    await phone.goto(site.url)
    launcher = widget(phone).get_by_test_id("kaari-launcher")
    await launcher.filter(has_text=shown(catalogs, "web.launcher_open")).wait_for(timeout=WAIT)
    assert await widget(phone).get_by_test_id("kaari-panel").is_hidden()
    frame = phone.locator("iframe[data-kaari-widget]")
    box = await frame.bounding_box()
    assert box is not None and box["height"] < PHONE["height"] / 4  # the page stays readable
    await screenshot(phone, "widget-launcher-open-phone")


async def test_switching_language_mid_chat_keeps_the_panel_open_and_finds_the_chat(
    site: Site, browser: Browser, catalogs: Catalogs,
) -> None:
    # Out of hours, on a phone: a message left, then Svenska. Before, the panel closed and the chat was gone from view.
    young = await site.page(browser, PHONE)
    await young.goto(site.url)
    await widget(young).get_by_test_id("kaari-launcher").filter(
        has_text=shown(catalogs, "web.launcher_closed")).wait_for(timeout=WAIT)
    await widget(young).get_by_test_id("kaari-launcher").click()
    await widget(young).get_by_test_id("kaari-leave-message").click()
    await write(young, "Moi 👋🏽 voiko kysyä asunnosta? 🏠")
    await wait_for_message(young, catalogs, "chat.left")
    await widget(young).get_by_test_id("kaari-language-sv").click()
    resumed = widget(young).locator("#kaari-messages .kaari-theirs",
                                    has_text=catalog_pattern(catalogs, "flow.resume", "sv"))
    await resumed.wait_for(timeout=WAIT)
    assert await widget(young).get_by_test_id("kaari-panel").is_visible()
    chosen = frame_of(young)
    assert await chosen.evaluate("() => document.documentElement.lang") == "sv"
    assert await chosen.evaluate("() => document.activeElement.id") == "kaari-input"
    await settled(young)
    await screenshot(young, "widget-switched-to-sv-phone")


async def test_a_reload_mid_chat_on_a_phone_finds_the_chat_open(
    site: Site, browser: Browser, catalogs: Catalogs,
) -> None:
    await aino_on_the_rota(site)
    site.clock.advance(hours=1)
    young = await young_on_the_page(site, browser)
    await write(young, "Moi, mulla ois kysyttävää 🙂")
    await wait_for_message(young, catalogs, "chat.waiting")
    await young.reload()
    await wait_for_message(young, catalogs, "flow.resume")
    assert await widget(young).get_by_test_id("kaari-panel").is_visible()
    # Minimised, it stays so after the next reload: the launcher is the person's choice.
    await widget(young).get_by_test_id("kaari-minimise").click()
    await young.reload()
    await widget(young).get_by_test_id("kaari-launcher").filter(
        has_text=shown(catalogs, "web.launcher_open")).wait_for(timeout=WAIT)
    assert await widget(young).get_by_test_id("kaari-panel").is_hidden()


async def test_a_text_over_the_chats_limit_stays_in_the_box_with_a_word_why(
    site: Site, browser: Browser, catalogs: Catalogs,
) -> None:
    # Pasted, a long text was cut at the box's maxlength without a word; now it stays whole, and the person is told.
    await aino_on_the_rota(site)
    site.clock.advance(hours=1)
    young = await young_on_the_page(site, browser)
    long = "Tää on pitkä juttu 💬 " * 250  # 5 250 characters
    await write(young, long)
    state = widget(young).get_by_test_id("kaari-connection")
    await state.filter(has_text=shown(catalogs, "web.too_long")).wait_for(timeout=WAIT)
    assert await widget(young).get_by_test_id("kaari-input").input_value() == long
    assert await widget(young).locator("#kaari-messages .kaari-mine").count() == 0
    await write(young, long[:3000])
    await wait_for_message(young, catalogs, "chat.waiting")
    assert await state.inner_text() == ""
