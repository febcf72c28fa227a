"""End-to-end in headless Chromium: the real web app served by uvicorn on a free port, on an SQLite store with
the tests' clock, beside the real PTB Application on the fake Bot API, so one desk answers both channels.

The browser is Debian's chromium (/usr/bin/chromium), driven by Playwright without any download of its own; the
accessibility checker is axe-core from npm (`npm ci`), injected into the pages. Without them these tests skip and
say why; with CI=true (as .ci/run runs) a missing one fails the run. One browser for the session, a context per
person; screenshots go to a temporary folder named at the end of the run.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio

from bot.demo import demo_app
from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.serve import stop_ticker
from bot.telegram_app import pusher
from bot.ticker import run_ticker
from bot.webhook import WebServer
from tests.bot import fakeapi
from tests.bot.harness import Bot, bot_settings, start_bot
from tests.conftest import Clock
from tests.ports import free_port

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page, ViewportSize

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
# Chromium as root in a container, and nothing that phones home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
SHOTS = Path(tempfile.gettempdir()) / "kaari-e2e-screenshots"


def missing() -> str | None:
    """What the browser tests need and this machine lacks, said so that one knows what to install."""
    if not CHROMIUM.exists():
        return f"no {CHROMIUM}: `apt-get install chromium` (.ci/run does)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright is not installed: `pip install -e '.[test]' -c constraints.txt`"
    if not AXE.exists():
        return f"axe-core is not installed ({AXE.relative_to(REPO)}): run `npm ci` in the repository"
    return None


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    """One headless Chromium for the whole session (contexts are cheap, browsers are not)."""
    reason = missing()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and the browser tests cannot run: {reason}")
        pytest.skip(reason)
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


@dataclass
class Site:
    """Kaari serving the sample page and the web on 127.0.0.1, with Telegram on the fake Bot API."""

    url: str
    bot: Bot
    clock: Clock
    contexts: list[BrowserContext] = field(default_factory=list)
    # Every request a page of this site made, and every message its console showed (CSP violations say so).
    requests: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    async def page(self, browser: Browser, size: ViewportSize = PHONE, language: str = "fi") -> Page:
        """A new person: their own browser context (storage, cookies) at ``size``, in ``language``."""
        context = await browser.new_context(viewport=size, locale=language)
        self.contexts.append(context)
        page = await context.new_page()
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", lambda message: self.console.append(f"{message.type}: {message.text}"))
        return page

    def foreign_requests(self) -> list[str]:
        """Requests to anywhere but this server (there must be none)."""
        return [url for url in self.requests if not url.startswith((self.url, "data:", "blob:"))]


@pytest.fixture
def e2e_clock() -> Clock:
    """Friday 20.11.2026 at 11.00 in Helsinki: an hour before the shipped chat's Friday 12–14 shift."""
    return Clock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))


@pytest_asyncio.fixture(loop_scope="session")
async def site(tmp_path: Path, e2e_clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer) -> AsyncIterator[Site]:
    """The site for one test, its ticker running (pushes reach browsers and Telegram alike)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = bot_settings(tmp_path / "k.sqlite3", web_origins=(url,), listen="127.0.0.1", port=port, web_url=url)
    bot = await start_bot(settings, e2e_clock, catalogs, drawer)
    server = WebServer(demo_app(bot.services), "127.0.0.1", port)
    await server.start()
    push, link = pusher(bot.application)
    ticker = asyncio.create_task(run_ticker(bot.services, push, link, every=0.2))
    site = Site(url + "/", bot, e2e_clock)
    try:
        yield site
    finally:
        for context in site.contexts:
            await context.close()
        await server.stop(1.0)
        await stop_ticker(ticker)
        await bot.stop()
        apis, fakeapi.LIVE[:] = list(fakeapi.LIVE), []
        for api in apis:
            api.check()


async def axe_violations(target: Any, axe_source: str) -> list[str]:
    """axe-core's serious and critical violations in a page or frame (``target``), one line each.

    Injected with evaluate (the DevTools protocol), which the page's Content-Security-Policy does not block."""
    await target.evaluate(axe_source)
    found = await target.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => `${v.impact} ${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)")
    return [str(line) for line in found]


async def screenshot(page: Page, name: str) -> Path:
    """Save what the page shows under SHOTS (listed at the end of the run) and return where."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=False)
    return path


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say where the screenshots are, so that someone looks at them."""
    if SHOTS.exists() and any(SHOTS.iterdir()):
        terminalreporter.write_line(f"e2e screenshots: {SHOTS}")
