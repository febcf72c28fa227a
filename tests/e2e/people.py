"""The people of the end-to-end tests: a worker on the rota who logs into the desk from Telegram's link."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.keys import user_key
from storage.ports import RotaRow, StaffRow, UserRow
from tests.bot.harness import TgUser, joined
from tests.e2e.conftest import DESKTOP, Site

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

W1 = 555000111  # Aino's Telegram id
SERVICE = "social-work"  # the shipped chat service: Fridays 12–14 in Helsinki
WAIT = 10_000  # ms: what a person would wait, at most, for something to show


async def aino_on_the_rota(site: Site) -> TgUser:
    """Aino, a worker on the Friday slot's rota, who has opened Kaari in Telegram once."""
    services, now = site.bot.services, site.clock()
    key = user_key(services.secret, "tg", W1)
    async with services.store.transaction() as work:
        await work.users.save(UserRow(key, "fi", now, now))
        staff_id = await work.staff.add(StaffRow("Aino Virtanen", "sosiaaliohjaaja", "Esimerkkilä", False, True, now,
                                                 key))
        await work.schedules.add_rota(RotaRow(SERVICE, "fri 12:00", staff_id))
    aino = site.bot.user(W1, "fi", "Aino")
    await aino.send("/start")
    return aino


async def login_link(aino: TgUser) -> str:
    """Aino asks Kaari for the desk's one-time link in Telegram (/web); the link it sent her."""
    sent = joined(await aino.send("/web"))
    found = re.search(r"http://127\.0\.0\.1:\d+/desk/login\?t=[\w-]+", sent)
    assert found is not None, sent
    return found.group(0)


async def log_in(site: Site, browser: Browser, link: str) -> Page:
    """Open the link in a browser of her own and press the login page's one button (the POST that spends it)."""
    desk = await site.page(browser, DESKTOP)
    await desk.goto(link)
    await desk.locator("form[action='/desk/login'] button[type=submit]").click()
    await desk.wait_for_url(re.compile(r"/desk$"))
    return desk
