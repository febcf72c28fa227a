"""`kaari web`: the web channel on this computer for a first look, without a Telegram token and without network.

One process serves, on 127.0.0.1 only, a sample municipality page with the widget's one ``<script>`` line, the
web's routes (widget, chat socket, desk) and /healthz, with the ticker running so that pushes reach the browser.
A demo worker is on the rota of an extra opening of the first chat service that runs from this hour on, so the
chat is open now (``--closed``: today is closed, and the widget shows the next opening instead); the command
prints a one-time login link to their desk, made as /web makes one.
"""

from __future__ import annotations

import asyncio
import dataclasses
import html
import logging
import signal
from datetime import datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import TextIO

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route
from telegram.error import Forbidden

from bot.admin import add_coordinator
from bot.bootstrap import Services
from bot.i18n import console_link
from bot.render import Outgoing
from bot.serve import stop_ticker, web_app
from bot.settings import Settings
from bot.ticker import Sent, run_ticker
from bot.webhook import WebServer, build_web_app
from flows.chat.desk_link import login_url, new_login
from flows.chat.schedule import Slot, slot_key
from flows.core.dates import HELSINKI
from storage.ports import ClosingRow, RotaRow

log = logging.getLogger(__name__)

HOST = "127.0.0.1"  # a demo is for this computer only
DEMO_WORKER = "demo-worker"  # the console user the demo worker is (`kaari chat --user demo-worker` reaches them)
OPEN_HOURS = 12
LINK_MINUTES = 60  # the demo's desk link: a newcomer may read the sample page first
# The sample page stands for an organisation's own page: nothing on it comes from anywhere but this server.
PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
               "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def demo_settings(settings: Settings, folder: Path, port: int) -> Settings:
    """The demo's settings: the database in ``folder``, no Telegram, the web on 127.0.0.1:``port`` for pages
    from this server itself (as 127.0.0.1 and as localhost), and the desk at the same address."""
    base = f"http://{HOST}:{port}"
    return dataclasses.replace(settings, db_path=folder / "kaari.sqlite3", database_url="", telegram_token="",
                               mode="polling",
                               listen=HOST, port=port, web_origins=(base, f"http://localhost:{port}"),
                               web_url=base, desk_link_minutes=LINK_MINUTES)


async def set_up(services: Services, closed: bool) -> int:
    """The demo worker (a coordinator who also answers chats, so the desk shows the rota and statistics too),
    on the rota of an opening that starts this hour; with ``closed`` today is closed instead. Returns their
    staff id. Run again on the same data, it adds nothing twice."""
    staff_id = await add_coordinator(services, telegram_id=None, console_user=DEMO_WORKER, name="Aino Demo",
                                     title="", organisation="Esimerkkilän kaupunki", also_worker=True)
    service = services.chat.services[0]
    now = services.engine.clock().astimezone(HELSINKI)
    today = now.date()
    async with services.store.transaction() as work:
        if any(row.day == today for row in await work.schedules.closings(service.id)):
            return staff_id
        if closed:
            await work.schedules.add_closing(ClosingRow(service.id, today, closed=True))
            return staff_id
        slot = opening_from(now)
        await work.schedules.add_closing(ClosingRow(service.id, today, closed=False, start=slot.start, end=slot.end))
        await work.schedules.add_rota(RotaRow(service.id, slot_key(slot, day=today), staff_id))
    return staff_id


def opening_from(now: datetime) -> Slot:
    """A slot from the start of ``now``'s hour, OPEN_HOURS long (past midnight if need be), in Helsinki time."""
    start = time(now.hour, 0)
    end = (datetime.combine(now.date(), start) + timedelta(hours=OPEN_HOURS)).time()
    return Slot(start, end)


def sample_page(service: str) -> str:
    """The sample municipality page, in Finnish (it stands for the organisation's own page, which Kaari does
    not write: only the widget on it speaks fi/sv/en), with the widget's one line for ``service``."""
    page = resources.files("bot.web").joinpath("demo/index.html").read_text(encoding="utf-8")
    return page.replace("{service}", html.escape(service, quote=True))


def sample_routes(service: str) -> list[BaseRoute]:
    """``/`` (the sample page) and ``/demo.css``: the demo's only routes beyond the web's."""
    page = sample_page(service)
    style = resources.files("bot.web").joinpath("demo/demo.css").read_text(encoding="utf-8")
    headers = {"Content-Security-Policy": PAGE_POLICY, "X-Content-Type-Options": "nosniff",
               "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}

    async def index(request: Request) -> Response:
        return HTMLResponse(page, headers=headers)

    async def css(request: Request) -> Response:
        return Response(style, media_type="text/css", headers=headers)

    return [Route("/", index, methods=["GET"]), Route("/demo.css", css, methods=["GET"])]


def demo_app(services: Services) -> Starlette:
    """The sample page beside the web app `kaari run` would serve with these settings."""
    service = services.chat.services[0].id
    return build_web_app([*sample_routes(service), *web_app(services).routes])


async def desk_link(services: Services, staff_id: int) -> str:
    """A one-time login link to ``staff_id``'s desk (the same kind /web sends a worker in Telegram)."""
    settings = services.settings
    async with services.store.transaction() as work:
        token = await new_login(work, staff_id, services.engine.clock(), settings.desk_link_minutes, "admin")
    return login_url(settings.web_url, token)


async def no_telegram(chat_id: int, outgoing: list[Outgoing]) -> Sent:
    """The ticker's Telegram push in the demo: there is no Telegram, so nobody there can be reached."""
    raise Forbidden("kaari web has no Telegram")


async def run_demo(services: Services, staff_id: int, out: TextIO, stopping: asyncio.Event) -> None:
    """Serve the demo until ``stopping`` is set; prints the page's address and the desk's link first."""
    settings = services.settings
    server = WebServer(demo_app(services), settings.listen, settings.port)
    await server.start()
    ticker = asyncio.create_task(run_ticker(services, no_telegram, console_link))
    try:
        print(f"Kaari's web demo: open http://{HOST}:{settings.port}/ (Ctrl-C stops it)", file=out, flush=True)
        print(f"The demo worker's desk (another browser or a private window; the link works once, for "
              f"{settings.desk_link_minutes} minutes): {await desk_link(services, staff_id)}", file=out, flush=True)
        await stopping.wait()
    finally:
        await server.stop(1.0)
        await stop_ticker(ticker)


async def demo(services: Services, closed: bool, out: TextIO) -> None:
    """Set the demo up and serve it until SIGINT or SIGTERM; the services are closed at the end."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    try:
        staff_id = await set_up(services, closed)
        await run_demo(services, staff_id, out, stopping)
    finally:
        await services.close()
    print("Stopped.", file=out, flush=True)
