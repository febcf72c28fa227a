"""No IP address, Origin, token or message text from a web chat in the logs or the database: a whole chat over
real WebSockets on uvicorn (open, messages both ways, crisis words, the worker closes it, the rating), every
logger at DEBUG through Kaari's scrubbing filter, then the whole database read byte by byte."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import websockets
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect

from bot import logs
from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.ticker import purge_idle
from bot.web.app import web_routes
from bot.web.socket import PATH
from bot.webhook import WebServer
from flows.core.messages import Msg
from tests.bot.chat.test_shift_chat import SERVICE, add_workers, flush
from tests.bot.harness import Bot, bot_settings, start_bot
from tests.bot.rows import rows_mentioning, traces
from tests.bot.test_web import ORIGIN, TOKEN
from tests.conftest import TWO_SERVICES, Clock

WORDS = ("Moikka, mietin asumisasioita", "Haluun kuolla, en jaksa enää", "Kiitos paljon avusta")
REPLY = "Hei! Kuulostaa raskaalta, olen tässä."
SECRETS = ("127.0.0.1", "kunta.example", TOKEN, *WORDS, REPLY)


@asynccontextmanager
async def served(bot: Bot) -> AsyncIterator[int]:
    """The web chat on uvicorn on a free local port, configured as `kaari run` configures it."""
    server = WebServer(Starlette(routes=web_routes(bot.services)), "127.0.0.1", 0)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi", "websockets"):
        logging.getLogger(name).setLevel(logging.DEBUG)  # louder than production: what would they say?
    await server.start()
    try:
        yield server.server.servers[0].sockets[0].getsockname()[1]
    finally:
        await server.stop(1.0)


async def message(socket: ClientConnection) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(await asyncio.wait_for(socket.recv(), 10))
    return answer


async def press(socket: ClientConnection, shown: dict[str, Any], label: str) -> dict[str, Any]:
    value = next(b["value"] for row in shown["buttons"] for b in row if b["label"] == label)
    await socket.send(json.dumps({"choice": value}))
    return await message(socket)


async def a_whole_chat(bot: Bot, clock: Clock, catalogs: Catalogs, port: int) -> None:
    """A web young person and a Telegram worker: open, write, crisis words, a reply, closed, rated."""
    aino, _ = await add_workers(bot, clock)
    async with connect(f"ws://127.0.0.1:{port}{PATH}", origin=websockets.Origin(ORIGIN)) as socket:
        await socket.send(json.dumps({"token": TOKEN, "language": "fi"}))
        await socket.send(json.dumps({"command": "chat"}))
        await press(socket, await message(socket), SERVICE.name.fi)
        await socket.send(json.dumps({"text": WORDS[0]}))
        assert catalogs.text("fi", Msg("chat.waiting", {"place": 1})) in (await message(socket))["text"]
        await flush(bot)
        await aino.send("/desk")
        await aino.tap(catalogs.text("fi", Msg("desk.take", {"waiting": 1})))
        await flush(bot)
        await message(socket)  # taken
        await socket.send(json.dumps({"text": WORDS[1]}))
        assert "09 2525 0111" in (await message(socket))["text"], "signposting"
        await aino.send(REPLY)
        await flush(bot)
        assert REPLY in (await message(socket))["text"]
        await socket.send(json.dumps({"text": WORDS[2]}))
        await flush(bot)
        await aino.tap(catalogs.text("fi", Msg("desk.close")))
        await aino.tap(catalogs.text("fi", Msg("desk.close_yes")))
        await flush(bot)
        closed = await message(socket)
        assert catalogs.text("fi", Msg("chat.closed_by_worker")) in closed["text"]
        thanks = await press(socket, closed, catalogs.text("fi", Msg("chat.rate_5")))
        assert thanks["type"] == "text"


async def test_a_whole_web_chat_leaves_no_address_origin_token_or_text_in_the_logs_or_the_database(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    scrub = logs.install([caplog.handler])  # as `kaari run` installs it on its handlers
    db = tmp_path / "k.sqlite3"
    bot = await start_bot(bot_settings(db, chat_services=TWO_SERVICES, web_origins=(ORIGIN,)), clock, catalogs,
                          drawer)
    try:
        async with served(bot) as port:
            await a_whole_chat(bot, clock, catalogs, port)
        lines = [f"{record.name} {record.getMessage()} {record.exc_text or ''}" for record in caplog.records]
        assert any("web.open" in line for line in lines) and any("uvicorn" in line for line in lines)
        for secret in SECRETS:
            assert not [line for line in lines if secret in line], secret
        for never in ("127.0.0.1", "kunta.example", TOKEN):
            assert traces(db, never, set()) == [], never
        written = {name for text in (*WORDS, REPLY) for name, _ in rows_mentioning(db, text)}
        clock.advance(days=bot.services.settings.chat_retention_days + 1)
        await purge_idle(bot.services)
        for text in (*WORDS, REPLY):
            assert traces(db, text, written) == [], "after the chat's retention, no text either"
    finally:
        # pytest keeps one caplog handler for the session: the filter (and what it has seen) goes with the test.
        caplog.handler.removeFilter(scrub)
        await bot.stop()
