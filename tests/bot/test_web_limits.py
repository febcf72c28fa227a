"""The web chat's socket made ready for the public: an idle socket is closed (not while its chat is live), the
server pings and caps frames, and there are limits on sockets per process and per person and on what one
connection may send."""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import Any

import pytest
import websockets
from starlette.applications import Starlette
from starlette.websockets import WebSocketDisconnect
from websockets.asyncio.client import connect

from bot.bootstrap import bootstrap
from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.settings import SettingsError, load_settings
from bot.web import socket as socket_module
from bot.web.app import web_routes
from bot.web.protocol import MAX_BYTES, MAX_MESSAGE, PING_EVERY, PING_TIMEOUT
from bot.web.socket import MAX_TABS, NORMAL, PATH, POLICY_VIOLATION, TRY_AGAIN_LATER
from bot.webhook import WebServer
from flows.core.messages import Msg
from tests.bot.chat.test_shift_chat import flush
from tests.bot.harness import bot_settings
from tests.bot.test_web import ORIGIN, OTHER, TOKEN, opened, web
from tests.bot.test_web_push import into_chat, on_duty, run, takes_the_chat, web_and_telegram
from tests.conftest import Clock

IDLE_MINUTES = 0.3 / 60  # 0.3 s: long enough for a reply to come back first on a busy machine


def closed_with(socket: Any, catalogs: Catalogs, language: str, reason: str, code: int) -> None:
    """The socket says why Kaari closes it, in the person's language, then closes with ``code``."""
    assert socket.receive_json() == {"type": "closed", "reason": reason,
                                     "text": catalogs.text(language, Msg(reason))}
    with pytest.raises(WebSocketDisconnect) as closed:
        socket.receive_json()
    assert closed.value.code == code


def test_the_idle_time_and_the_socket_limit_are_settings() -> None:
    settings = load_settings({"KAARI_WEB_IDLE_MINUTES": "45", "KAARI_WEB_MAX_SOCKETS": "200"})
    assert (settings.web_idle_minutes, settings.web_max_sockets) == (45.0, 200)
    assert (load_settings({}).web_idle_minutes, load_settings({}).web_max_sockets) == (30.0, 1000)
    for wrong in ("0", "-5", "half an hour"):
        with pytest.raises(SettingsError, match="KAARI_WEB_IDLE_MINUTES"):
            load_settings({"KAARI_WEB_IDLE_MINUTES": wrong})
    with pytest.raises(SettingsError, match="KAARI_WEB_MAX_SOCKETS"):
        load_settings({"KAARI_WEB_MAX_SOCKETS": "many"})


def test_a_socket_silent_for_the_idle_time_is_closed_normally_saying_why(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with web(tmp_path, clock, catalogs, drawer, web_idle_minutes=IDLE_MINUTES) as (client, _), \
            opened(client, language="sv") as socket:
        socket.send_json({"start": None})
        assert socket.receive_json()["type"] == "text"
        started = time.monotonic()
        closed_with(socket, catalogs, "sv", "web.idle_closed", NORMAL)
        assert time.monotonic() - started >= IDLE_MINUTES * 60 * 0.9
    with web(tmp_path, clock, catalogs, drawer, web_idle_minutes=IDLE_MINUTES) as (client, _), \
            client.websocket_connect(PATH, headers={"origin": ORIGIN}) as silent:
        closed_with(silent, catalogs, "fi", "web.idle_closed", NORMAL)  # no token ever: the default language


def test_a_young_person_waiting_in_the_queue_or_in_a_chat_is_never_cut_for_being_quiet(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with web_and_telegram(tmp_path, clock, catalogs, drawer, web_idle_minutes=IDLE_MINUTES) as (client, bot), \
            opened(client) as socket:
        aino = run(client, on_duty, bot, clock)
        into_chat(socket, catalogs, "Hei, odotan vuoroa")
        time.sleep(IDLE_MINUTES * 60 * 4)  # four idle times in the queue, saying nothing
        run(client, takes_the_chat, bot, aino, catalogs)
        run(client, flush, bot)
        assert socket.receive_json()["type"] == "text", "the chat taken, on the same socket"
        time.sleep(IDLE_MINUTES * 60 * 3)  # the worker thinks a long time
        run(client, aino.send, "Anteeksi kun kesti")
        run(client, flush, bot)
        assert "Anteeksi kun kesti" in socket.receive_json()["text"]
        socket.send_json({"text": "ei haittaa"})
        run(client, flush, bot)
        run(client, aino.tap, catalogs.text("fi", Msg("desk.close")))
        run(client, aino.tap, catalogs.text("fi", Msg("desk.close_yes")))
        run(client, flush, bot)
        assert catalogs.text("fi", Msg("chat.closed_by_worker")) in socket.receive_json()["text"]
        closed_with(socket, catalogs, "fi", "web.idle_closed", NORMAL)  # the chat is over: idle closes again


def test_one_more_socket_than_the_process_holds_is_told_the_chat_is_full(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with web(tmp_path, clock, catalogs, drawer, web_max_sockets=2) as (client, _):
        with opened(client) as first, opened(client, OTHER) as second:
            for socket in (first, second):
                socket.send_json({"start": None})
                assert socket.receive_json()["type"] == "text"
            with client.websocket_connect(PATH, headers={"origin": ORIGIN}) as third:
                closed_with(third, catalogs, "fi", "web.busy", TRY_AGAIN_LATER)
        with opened(client) as again:  # the others closed: room again
            again.send_json({"start": None})
            assert again.receive_json()["type"] == "text"


def test_a_person_holds_at_most_max_tabs_sockets(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with web(tmp_path, clock, catalogs, drawer) as (client, _), contextlib.ExitStack() as tabs:
        for _ in range(MAX_TABS):
            tab = tabs.enter_context(opened(client, language="en"))
            tab.send_json({"start": None})
            assert tab.receive_json()["type"] == "text"
        with opened(client, language="en") as one_too_many:
            closed_with(one_too_many, catalogs, "en", "web.too_many_tabs", POLICY_VIOLATION)
        with opened(client, OTHER) as someone_else:
            someone_else.send_json({"start": None})
            assert someone_else.receive_json()["type"] == "text"


def test_a_connection_sending_unreadable_messages_without_end_is_held_back_and_told(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with web(tmp_path, clock, catalogs, drawer, flood_burst=2, flood_per_second=0.001) as (client, _):
        with client.websocket_connect(PATH, headers={"origin": ORIGIN}) as socket:
            for _ in range(4):  # a connection's allowance is twice a person's
                socket.send_text("{not a token")
                assert socket.receive_json()["error"] == "web.bad_message"
            socket.send_text("{not a token")
            assert socket.receive_json() == {"type": "text", "text": catalogs.text("fi", Msg("error.too_fast")),
                                             "buttons": [], "free_text": False, "chat": False}
        with opened(client) as fresh:  # a new connection (and the person's own gate) starts afresh
            for _ in range(2):
                fresh.send_text("[]")
                assert fresh.receive_json()["error"] == "web.bad_message"
            fresh.send_json({"text": "haluun kuolla"})  # crisis words always pass both gates
            assert "09 2525 0111" in fresh.receive_json()["text"]


async def test_the_server_pings_and_cuts_a_frame_over_the_protocols_limit(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    services = await bootstrap(bot_settings(tmp_path / "k.sqlite3", web_origins=(ORIGIN,)), drawer=drawer,
                               clock=clock, catalogs=catalogs)
    server = WebServer(Starlette(routes=web_routes(services)), "127.0.0.1", 0)
    config = server.server.config
    assert (config.ws_ping_interval, config.ws_ping_timeout) == (PING_EVERY, PING_TIMEOUT) and PING_EVERY < 60
    assert config.ws_max_size == MAX_BYTES >= 4 * MAX_MESSAGE
    await server.start()
    try:
        port = server.server.servers[0].sockets[0].getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}{PATH}", origin=websockets.Origin(ORIGIN)) as socket:
            await socket.send(json.dumps({"token": TOKEN}))
            await socket.send(json.dumps({"text": "ä" * MAX_MESSAGE}, ensure_ascii=False))  # under the bytes
            assert json.loads(await socket.recv())["error"] == "web.too_long"
            await socket.send("x" * (MAX_BYTES + 1))
            with pytest.raises(websockets.ConnectionClosed) as cut:
                await socket.recv()
            assert cut.value.rcvd is not None and cut.value.rcvd.code == 1009  # message too big
    finally:
        await server.stop(1.0)
        await services.store.close()  # the drawing pool belongs to the test session


def test_a_socket_that_never_sends_its_token_is_closed_soon_not_after_the_idle_time(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A script holding sockets open without a word (Origin faked) would otherwise keep each for the whole idle
    # time and fill KAARI_WEB_MAX_SOCKETS; a page sends its token at once. Garbage instead of a token does not
    # buy more time either.
    monkeypatch.setattr(socket_module, "HELLO_SECONDS", 0.5)
    # An idle time of 12 s: before the deadline existed, the silent socket was closed only then (the test fails).
    with web(tmp_path, clock, catalogs, drawer, web_idle_minutes=0.2) as (client, _):
        with client.websocket_connect(PATH, headers={"origin": ORIGIN}) as silent:
            started = time.monotonic()
            closed_with(silent, catalogs, "fi", "web.idle_closed", NORMAL)
            assert time.monotonic() - started < 5
        with client.websocket_connect(PATH, headers={"origin": ORIGIN}) as chatty:
            started = time.monotonic()
            for _ in range(3):
                chatty.send_text("not a token")
                assert chatty.receive_json()["error"] == "web.bad_message"
                time.sleep(0.2)
            closed_with(chatty, catalogs, "fi", "web.idle_closed", NORMAL)
            assert time.monotonic() - started < 5
        with client.websocket_connect(PATH, headers={"origin": ORIGIN}) as page:
            page.send_json({"token": "t" * 32})  # a page says its token at once and then may stay quiet
            time.sleep(1.0)
            page.send_json({"start": None})
            assert page.receive_json()["type"] == "text"
