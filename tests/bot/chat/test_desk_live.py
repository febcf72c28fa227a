"""The desk in the browser (``/desk/ws``) on the same chats as the Telegram desk: the real PTB Application on the
fake Bot API for Telegram people and workers, the web chat's socket for web young people, and the desk's socket
with an injected session check (bot.web.desk_auth's interface). One queue, crisis first, live without reload,
races between workers and desks answered clearly, transfer, close with a rating, on and off duty, refusals."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import anyio
import pytest
from starlette.applications import Starlette
from starlette.requests import HTTPConnection
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from bot.bootstrap import Services
from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.keys import user_key
from bot.web import desk_live
from bot.web.app import web_routes
from bot.web.desk_auth import COOKIE
from bot.web.desk_live import PATH, desk_live_routes
from bot.web.desk_protocol import Action, parse_action, parse_csrf
from flows.core.codes import code_hash, link_payload
from flows.core.messages import Msg, Period
from storage.ports import StaffRow, UserRow
from tests.bot.chat.test_shift_chat import SERVICE, W1, W2, Y1, Y2, add_workers, flush, open_chat, texts_to
from tests.bot.harness import Bot, TgUser, bot_settings, catalog_pattern, said, start_bot
from tests.bot.test_desk_web import FOREIGN, OWN, WEB_URL, desk_app
from tests.bot.test_web import ORIGIN, opened
from tests.bot.test_web_push import into_chat
from tests.conftest import TWO_SERVICES, Clock

DESK_ORIGIN = "https://kaari.example.fi"
Socket = Any  # starlette.testclient.WebSocketTestSession
LAST: dict[int, dict[str, Any]] = {}  # the latest state each desk socket was sent (states come only on a change)


class Sessions:
    """A stand-in for bot.web.desk_auth.desk_staff: a session cookie names a staff id and its CSRF token."""

    def __init__(self) -> None:
        self.by_cookie: dict[str, tuple[int, str]] = {}

    async def __call__(self, services: Services, conn: HTTPConnection, csrf: str | None,
                       touch: bool = True) -> int | None:
        found = self.by_cookie.get(conn.cookies.get("kaari_desk", ""))
        if found is None or (csrf is not None and csrf != found[1]):
            return None
        return found[0]


@contextmanager
def desk_and_telegram(tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
                      idle: float = 600.0) -> Iterator[tuple[TestClient, Bot, Sessions]]:
    """The bot on the fake Bot API, the web chat and the desk's socket on one set of services, in one loop."""
    settings = bot_settings(tmp_path / "k.sqlite3", chat_services=TWO_SERVICES, web_origins=(ORIGIN,))
    app, sessions = Starlette(), Sessions()
    with TestClient(app) as client:
        bot = run(client, partial(start_bot, settings, clock, catalogs, drawer))
        app.router.routes.extend(web_routes(bot.services))
        app.router.routes.extend(desk_live_routes(bot.services, sessions, (DESK_ORIGIN,), poll=0.05,
                                                   idle=idle))
        try:
            yield client, bot, sessions
        finally:
            run(client, bot.stop)


def run(client: TestClient, call: Any, *args: Any) -> Any:
    """A coroutine function run in the app's event loop (where the services live)."""
    assert client.portal is not None
    return client.portal.call(call, *args)


def receive(socket: Socket, seconds: float = 10.0) -> dict[str, Any]:
    """The desk's next message, failing the test (not hanging it) when none comes in time."""
    async def within() -> Any:
        with anyio.fail_after(seconds):
            return await socket._send_rx.receive()

    message = socket.portal.call(within)
    if message["type"] == "websocket.close":
        raise WebSocketDisconnect(message.get("code", 1000))
    answer: dict[str, Any] = json.loads(message["text"])
    if answer["type"] == "state":
        LAST[id(socket)] = answer
    return answer


def until(socket: Socket, wanted: Any, seconds: float = 10.0) -> dict[str, Any]:
    """Read the desk's messages until one is ``wanted``; that one."""
    for _ in range(200):
        message = receive(socket, seconds)
        if wanted(message):
            return message
    raise AssertionError("never came")


def told(socket: Socket, text: str) -> bool:
    """Whether the desk shows this notice (waiting for it past others, such as a new chat in the queue)."""
    return bool(until(socket, lambda message: message == {"type": "notice", "text": text}))


def state(socket: Socket, wanted: Any = lambda state: True) -> dict[str, Any]:
    """The desk state that is ``wanted``: the one shown now, if it is (it may have come before a notice that was
    waited for), else the next one that is."""
    shown = LAST.get(id(socket))
    if shown is not None and wanted(shown):
        return shown
    return until(socket, lambda message: message["type"] == "state" and wanted(message))


def cookie(staff_id: int) -> str:
    return f"session-of-{staff_id}-xyzzy"


def token(staff_id: int) -> str:
    return f"csrf-of-{staff_id}-plugh"


@contextmanager
def desk(client: TestClient, sessions: Sessions, staff_id: int, origin: str = DESK_ORIGIN,
         csrf: str | None = None) -> Iterator[Socket]:
    """A worker's desk page: its session cookie, the CSRF token first, then the page's words (hello)."""
    sessions.by_cookie[cookie(staff_id)] = (staff_id, token(staff_id))
    headers = {"origin": origin, "cookie": f"kaari_desk={cookie(staff_id)}"}
    with client.websocket_connect(PATH, headers=headers) as socket:
        LAST.pop(id(socket), None)
        socket.send_json({"csrf": csrf or token(staff_id)})
        yield socket


async def staff_of(bot: Bot, telegram_id: int) -> int:
    """The staff id of the worker with this Telegram account."""
    async with bot.services.store.transaction() as work:
        staff = await work.staff.by_user(user_key(bot.services.secret, "tg", telegram_id))
    assert staff is not None and staff.id is not None
    return staff.id


async def shift_with_two(bot: Bot, clock: Clock) -> tuple[TgUser, TgUser, int, int]:
    """Aino and Bea on duty (the rota's Friday slot has begun), with their staff ids."""
    aino, bea = await add_workers(bot, clock)
    await flush(bot)
    return aino, bea, await staff_of(bot, W1), await staff_of(bot, W2)


async def young_writes(bot: Bot, young: TgUser, catalogs: Catalogs, text: str) -> None:
    """A Telegram young person opens the chat and writes: they wait in the queue."""
    await open_chat(young, catalogs)
    await young.send(text)


def chat_of(message: dict[str, Any], number: int) -> dict[str, Any] | None:
    return next((chat for chat in message["chats"] if chat["chat"] == number), None)


def said_in(message: dict[str, Any], number: int, words: str) -> bool:
    chat = chat_of(message, number)
    return chat is not None and any(words == line["text"] for line in chat["messages"])


def test_the_protocol_reads_actions_and_names_what_is_wrong() -> None:
    assert parse_csrf('{"csrf": "abc"}') == "abc" and parse_csrf('{"token": "abc"}') is None
    assert parse_action('{"action": "take"}') == Action("take")
    assert parse_action('{"action": "take", "chat": 4}') == Action("take", 4)
    assert parse_action('{"action": "say", "chat": 4, "text": "  Hei  "}') == Action("say", 4, text="Hei")
    assert parse_action('{"action": "transfer", "chat": 4, "to": 2}') == Action("transfer", 4, value="2")
    assert parse_action('{"action": "off", "confirm": true}') == Action("off", confirm=True)
    assert parse_action('{"action": "say", "chat": 4, "text": "   "}') == "deskweb.empty"
    assert parse_action(json.dumps({"action": "say", "chat": 4, "text": "x" * 4001})) == "web.too_long"
    for wrong in ('{"action": "close", "chat": true}', '{"action": "take", "chat": "4"}', "[]", "{nope",
                  '{"action": "explode"}', '{"action": "transfer", "chat": 4}'):
        assert parse_action(wrong) == "web.bad_message", wrong


def test_a_telegram_young_person_on_the_browser_desk_live_and_the_reply_reaches_telegram(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with desk_and_telegram(tmp_path, clock, catalogs, drawer) as (client, bot, sessions):
        aino, _, aino_id, _ = run(client, shift_with_two, bot, clock)
        y1 = bot.user(Y1, "fi", "A")
        with desk(client, sessions, aino_id) as page:
            hello = receive(page)
            assert hello["type"] == "hello" and hello["texts"]["send"] == catalogs.text("fi", Msg("deskweb.send"))
            assert {reply["id"] for reply in hello["quick"]} == {reply.id for reply in bot.services.chat.replies}
            assert state(page)["queue"] == []
            run(client, young_writes, bot, y1, catalogs, "Hei, kysyisin asumistuesta")
            queued = state(page, lambda s: s["queue"])["queue"]  # no reload: the queue grew by itself
            number = queued[0]["chat"]
            assert queued[0]["label"] == catalogs.text("fi", Msg("chat.label", {"number": number}))
            page.send_json({"action": "take", "chat": number})
            taken = state(page, lambda s: s["chats"])
            assert said_in(taken, number, "Hei, kysyisin asumistuesta") and taken["queue"] == []
            run(client, flush, bot)
            assert catalogs.text("fi", Msg("chat.taken", {"who": Msg("chat.worker_named", {
                "name": "Aino", "title": "sosiaaliohjaaja"})})) in texts_to(bot, Y1)

            mark = len(bot.api.calls)
            run(client, y1.send, "Onko tämä salainen?")
            run(client, flush, bot)
            assert said_in(state(page, lambda s: said_in(s, number, "Onko tämä salainen?")), number,
                           "Onko tämä salainen?")
            assert "Onko tämä salainen?" not in texts_to(bot, W1, mark), "once, on the desk: not on Telegram too"
            page.send_json({"action": "say", "chat": number, "text": "On. Kerro lisää."})
            # The action is done in the server's loop: the desk shows it once committed, and only then is there
            # anything for the outbox to send (flushing earlier raced the commit on PostgreSQL).
            assert said_in(state(page, lambda s: said_in(s, number, "On. Kerro lisää.")), number, "On. Kerro lisää.")
            run(client, flush, bot)
            assert "On. Kerro lisää." in texts_to(bot, Y1, mark), "the browser's reply reaches Telegram"

        mark = len(bot.api.calls)  # the desk is closed: Telegram gets the worker's notices again
        run(client, y1.send, "Kiitos")
        run(client, flush, bot)
        assert "Kiitos" in texts_to(bot, W1, mark)
        assert run(client, aino.send, "/desk"), "and the Telegram desk shows the same chat"
        assert catalogs.text("fi", Msg("chat.label", {"number": number})) in aino.labels()


def test_a_web_young_person_in_the_same_queue_and_both_ways(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with desk_and_telegram(tmp_path, clock, catalogs, drawer) as (client, bot, sessions):
        _, _, aino_id, _ = run(client, shift_with_two, bot, clock)
        y1 = bot.user(Y1, "fi", "A")
        run(client, young_writes, bot, y1, catalogs, "Telegramista")
        with opened(client) as young, desk(client, sessions, aino_id) as page:
            into_chat(young, catalogs, "Verkosta hei")
            queue = state(page, lambda s: len(s["queue"]) == 2)["queue"]
            assert [item["chat"] for item in queue] == sorted(item["chat"] for item in queue), "who waited longest"
            web_chat = queue[1]["chat"]
            page.send_json({"action": "take", "chat": web_chat})
            assert said_in(state(page, lambda s: s["chats"]), web_chat, "Verkosta hei")
            run(client, flush, bot)
            assert catalogs.text("fi", Msg("chat.taken", {"who": Msg("chat.worker_named", {
                "name": "Aino", "title": "sosiaaliohjaaja"})})) in receive(young)["text"]
            page.send_json({"action": "say", "chat": web_chat, "text": "Moi! Miten voin auttaa?"})
            state(page, lambda s: said_in(s, web_chat, "Moi! Miten voin auttaa?"))
            run(client, flush, bot)
            assert "Moi! Miten voin auttaa?" in receive(young)["text"]
            young.send_json({"text": "Tarvitsen apua"})
            run(client, flush, bot)
            assert said_in(state(page, lambda s: said_in(s, web_chat, "Tarvitsen apua")), web_chat, "Tarvitsen apua")


def test_crisis_first_and_marked_in_words(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with desk_and_telegram(tmp_path, clock, catalogs, drawer) as (client, bot, sessions):
        _, _, aino_id, _ = run(client, shift_with_two, bot, clock)
        run(client, young_writes, bot, bot.user(Y1, "fi", "A"), catalogs, "Moi")
        run(client, young_writes, bot, bot.user(Y2, "fi", "B"), catalogs, "Haluan kuolla")
        with desk(client, sessions, aino_id) as page:
            assert receive(page)["texts"]["crisis"] == catalogs.text("fi", Msg("deskweb.crisis"))
            first, second = state(page, lambda s: len(s["queue"]) == 2)["queue"]
            assert first["crisis"] and not second["crisis"] and first["chat"] > second["chat"], "crisis jumps"
            assert first["label"] == catalogs.text("fi", Msg("chat.label_crisis", {"number": first["chat"]}))
            page.send_json({"action": "take"})  # the next one: the crisis chat
            taken = state(page, lambda s: s["chats"])
            assert [chat["chat"] for chat in taken["chats"]] == [first["chat"]] and taken["chats"][0]["crisis"]
            assert said_in(taken, first["chat"], "Haluan kuolla")


def test_two_workers_race_for_one_chat_and_the_telegram_desk_too(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with desk_and_telegram(tmp_path, clock, catalogs, drawer) as (client, bot, sessions):
        _, bea, aino_id, bea_id = run(client, shift_with_two, bot, clock)
        run(client, young_writes, bot, bot.user(Y1, "fi", "A"), catalogs, "Moi")
        with desk(client, sessions, aino_id) as aino_page, desk(client, sessions, bea_id) as bea_page:
            number = state(aino_page, lambda s: s["queue"])["queue"][0]["chat"]
            state(bea_page, lambda s: s["queue"])
            aino_page.send_json({"action": "take", "chat": number})
            bea_page.send_json({"action": "take", "chat": number})
            # Either may win: on PostgreSQL the two transactions really run at once, so Aino's, sent first, can
            # commit second. Each page is shown one outcome: the chat on its desk, or the refusal.
            outcomes = [until(page, lambda m: m["type"] == "error" or (
                m["type"] == "state" and chat_of(m, number) is not None)) for page in (aino_page, bea_page)]
            assert sorted(outcome["type"] for outcome in outcomes) == ["error", "state"], "one has it, once"
            refused, loser = (outcomes[0], aino_page) if outcomes[0]["type"] == "error" else (outcomes[1], bea_page)
            assert refused == {"type": "error", "error": "deskweb.not_waiting", "text": catalogs.text(
                "fi", Msg("deskweb.not_waiting", {"chat": Msg("chat.label", {"number": number})}))}
            assert state(loser, lambda s: not s["queue"])["chats"] == [], "the other sees it gone, live"

            run(client, young_writes, bot, bot.user(Y2, "fi", "B"), catalogs, "Hei")
            second = state(aino_page, lambda s: s["queue"])["queue"][0]["chat"]
            run(client, bea.send, "/desk")  # Bea takes it on the Telegram desk first
            run(client, bea.tap, catalogs.text("fi", Msg("desk.take", {"waiting": 1})))
            state(aino_page, lambda s: not s["queue"])  # Aino's browser catches up by itself
            aino_page.send_json({"action": "take", "chat": second})
            assert until(aino_page, lambda m: m["type"] == "error")["error"] == "deskweb.not_waiting"
            aino_page.send_json({"action": "take"})
            assert until(aino_page, lambda m: m["type"] == "error")["error"] == "desk.queue_empty"


def test_transfer_to_another_worker_and_close_with_a_rating(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with desk_and_telegram(tmp_path, clock, catalogs, drawer) as (client, bot, sessions):
        _, _, aino_id, bea_id = run(client, shift_with_two, bot, clock)
        y1 = bot.user(Y1, "fi", "A")
        run(client, young_writes, bot, y1, catalogs, "Moi")
        with desk(client, sessions, aino_id) as aino_page, desk(client, sessions, bea_id) as bea_page:
            number = state(aino_page, lambda s: s["queue"])["queue"][0]["chat"]
            aino_page.send_json({"action": "take", "chat": number})
            chat = chat_of(state(aino_page, lambda s: s["chats"]), number)
            assert chat is not None and chat["targets"] == [{"id": bea_id, "name": "Bea Berg"}]
            aino_page.send_json({"action": "transfer", "chat": number, "to": bea_id})
            assert told(aino_page, catalogs.text("fi", Msg(
                "desk.transferred", {"chat": Msg("chat.label", {"number": number}), "to": "Bea Berg"})))
            assert said_in(state(bea_page, lambda s: s["chats"]), number, "Moi"), "now on Bea's desk, live"
            run(client, flush, bot)
            assert catalogs.text("fi", Msg("chat.transferred", {"who": Msg("chat.worker_named", {
                "name": "Bea", "title": "sosiaalityöntekijä"})})) in texts_to(bot, Y1)

            aino_page.send_json({"action": "close", "chat": number})  # stale: not Aino's any more
            assert until(aino_page, lambda m: m["type"] == "error") == {
                "type": "error", "error": "desk.chat_gone", "text": catalogs.text("fi", Msg(
                    "desk.chat_gone", {"chat": Msg("chat.label", {"number": number})}))}
            bea_page.send_json({"action": "close", "chat": number})
            assert told(bea_page, catalogs.text("fi", Msg(
                "desk.closed", {"chat": Msg("chat.label", {"number": number})})))
            assert state(bea_page, lambda s: not s["chats"])["chats"] == []
            run(client, flush, bot)
            assert catalogs.text("fi", Msg("chat.closed_by_worker")) in texts_to(bot, Y1)
            assert catalogs.text("fi", Msg("chat.rate_5")) in y1.labels(), "the young person is asked to rate"
            bea_page.send_json({"action": "say", "chat": number, "text": "Vielä yksi asia"})
            assert until(bea_page, lambda m: m["type"] == "error")["error"] == "desk.chat_gone"


def test_a_chat_the_young_person_closed_and_quick_replies(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with desk_and_telegram(tmp_path, clock, catalogs, drawer) as (client, bot, sessions):
        _, _, aino_id, _ = run(client, shift_with_two, bot, clock)
        y1 = bot.user(Y1, "sv", "A")
        run(client, young_writes, bot, y1, catalogs, "Hej")
        reply = bot.services.chat.replies[0]
        with desk(client, sessions, aino_id) as page:
            number = state(page, lambda s: s["queue"])["queue"][0]["chat"]
            page.send_json({"action": "take", "chat": number})
            state(page, lambda s: s["chats"])
            page.send_json({"action": "quick", "chat": number, "reply": reply.id})
            assert told(page, catalogs.text("fi", Msg(
                "desk.quick_sent", {"title": reply.title})))
            page.send_json({"action": "quick", "chat": number, "reply": "no-such-reply"})
            assert until(page, lambda m: m["type"] == "error")["error"] == "deskweb.unknown_reply"
            run(client, flush, bot)
            assert reply.text.sv in texts_to(bot, Y1), "in the young person's own language"
            run(client, y1.tap, catalogs.text("sv", Msg("chat.end")))
            run(client, flush, bot)
            assert told(page, catalogs.text("fi", Msg("chat.closed_by_young", {  # on the desk, not on Telegram
                "chat": Msg("chat.label", {"number": number})})))
            assert state(page, lambda s: not s["chats"])["chats"] == []
            page.send_json({"action": "say", "chat": number, "text": "Hej?"})
            assert until(page, lambda m: m["type"] == "error")["error"] == "desk.chat_gone"


def test_off_duty_with_the_same_warning_and_on_again(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with desk_and_telegram(tmp_path, clock, catalogs, drawer) as (client, bot, sessions):
        _, bea, aino_id, _ = run(client, shift_with_two, bot, clock)
        run(client, bea.send, "/desk")
        run(client, bea.tap, catalogs.text("fi", Msg("desk.go_off")))  # nobody waits: Bea goes off at once
        y1 = bot.user(Y1, "fi", "A")
        run(client, young_writes, bot, y1, catalogs, "Moi")
        with desk(client, sessions, aino_id) as page:
            assert state(page, lambda s: s["queue"])["off"] == catalogs.text("fi", Msg("desk.go_off"))
            page.send_json({"action": "off"})
            assert until(page, lambda m: m["type"] != "state") == {
                "type": "confirm", "action": "off", "text": catalogs.text("fi", Msg("desk.confirm_off", {
                    "waiting": 1}))}
            mark = len(bot.api.calls)
            page.send_json({"action": "off", "confirm": True})
            assert told(page, catalogs.text("fi", Msg("desk.now_off")))
            off = state(page, lambda s: not s["on_duty"])
            assert off["queue"] == [] and off["join"][0]["service"] == SERVICE.id and off["off"] is None
            run(client, flush, bot)
            assert texts_to(bot, Y1, mark), "the one left waiting is told at once, as from the Telegram desk"
            page.send_json({"action": "on", "service": SERVICE.id})
            assert told(page, catalogs.text("fi", Msg("desk.now_on", {
                "service": SERVICE.name, "until": Period(clock.now, clock.now + timedelta(hours=2))})))
            assert state(page, lambda s: s["on_duty"])["queue"]


def test_off_duty_with_no_running_shift_shows_my_next_shifts_and_how_to_answer_now_as_telegram(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with desk_and_telegram(tmp_path, clock, catalogs, drawer) as (client, bot, sessions):
        aino, _, aino_id, _ = run(client, shift_with_two, bot, clock)
        clock.advance(hours=2, minutes=1)  # the Friday shift is over; the next ones are on the rota
        run(client, flush, bot)
        run(client, young_writes, bot, bot.user(Y1, "fi", "A"), catalogs, "Soittaisitteko ensi viikolla?")
        mark = len(bot.api.calls)
        run(client, aino.send, "/desk")
        on_telegram = texts_to(bot, W1, mark)
        with desk(client, sessions, aino_id) as page:
            status = state(page)["status"]
        assert said(catalogs, "desk.off_duty", status, ("fi",)) and not said(catalogs, "desk.no_shifts", status)
        tuesday = clock.now.replace(hour=10, minute=0) + timedelta(days=4)  # 12:00 in Helsinki (UTC+2)
        assert catalogs.text("fi", Msg("desk.next_line", {"when": Period(tuesday, tuesday + timedelta(hours=2)),
                                                          "service": SERVICE.name})) in status
        assert catalogs.text("fi", Msg("desk.left_waiting", {"count": 1})) in status
        assert catalogs.text("fi", Msg("desk.answer_now_ask")) in status
        assert status in on_telegram, "the same words as the Telegram desk"


async def new_client(bot: Bot, aino_id: int, code: str) -> tuple[str, list[tuple[int, bool]], str, list[str]]:
    """The client Aino made: nickname, pairs (staff id, responsible), the invitation's kind, what was audited."""
    async with bot.services.store.transaction() as work:
        (client,) = await work.clients.for_staff(aino_id)
        assert client.id is not None
        pairs = sorted((pair.staff_id, pair.responsible) for pair in await work.clients.pairs(client.id))
        invitation = await work.invitations.by_hash(code_hash(bot.services.secret, code))
        assert invitation is not None and invitation.client_id == client.id and invitation.created_by == aino_id
        audited = [row.action for row in await work.audit.recent(10) if row.actor == f"staff:{aino_id}"]
    return client.nickname, pairs, invitation.kind, audited


def test_the_offer_to_work_under_their_own_name_and_the_invitation_from_the_browser_desk(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    """As on the Telegram desk: the young person is told how it would go, the worker makes the new client (a
    nickname, a pair worker) and gets the one-time code and link, shown beside the chat to give there."""
    with desk_and_telegram(tmp_path, clock, catalogs, drawer) as (client, bot, sessions):
        _, _, aino_id, bea_id = run(client, shift_with_two, bot, clock)
        run(client, young_writes, bot, bot.user(Y1, "fi", "A"), catalogs, "Voisinko saada apua omiin asioihin?")
        with desk(client, sessions, aino_id) as page:
            hello = receive(page)
            assert hello["pairs"] == [{"id": bea_id, "name": "Bea Berg"}]
            assert hello["texts"]["offer"] == catalogs.text("fi", Msg("desk.offer"))
            number = state(page, lambda s: s["queue"])["queue"][0]["chat"]
            page.send_json({"action": "take", "chat": number})
            state(page, lambda s: s["chats"])
            mark = len(bot.api.calls)
            page.send_json({"action": "offer", "chat": number})
            assert told(page, catalogs.text("fi", Msg("desk.offer_sent")))
            run(client, flush, bot)
            assert said(catalogs, "chat.offer_identified", texts_to(bot, Y1, mark), ("fi",))
            page.send_json({"action": "invite", "chat": number, "nickname": "  ", "pair": None})
            assert until(page, lambda m: m["type"] == "error")["error"] == "deskweb.nickname_needed"
            page.send_json({"action": "invite", "chat": number, "nickname": "Sanni", "pair": aino_id})
            assert until(page, lambda m: m["type"] == "error")["error"] == "web.bad_message", "not my own pair"
            page.send_json({"action": "invite", "chat": number, "nickname": "Sanni", "pair": bea_id})
            invitation = until(page, lambda m: m["type"] == "invitation")
        assert invitation["chat"] == number
        found = catalog_pattern(catalogs, "staff.invitation", "fi").fullmatch(invitation["text"])
        assert found is not None
        code = found.group(1)
        assert found.group(2) == f"/start {link_payload(code)}"
        nickname, pairs, kind, audited = run(client, new_client, bot, aino_id, code)
        assert (nickname, pairs, kind) == ("Sanni", sorted([(aino_id, True), (bea_id, False)]), "client")
        assert {"client.created", "invitation.created"} <= set(audited)
        assert code not in texts_to(bot, Y1), "the code is the worker's to give"


@pytest.mark.parametrize("how", ["origin", "csrf", "cookie"])
def test_a_desk_from_elsewhere_without_the_token_or_a_session_is_refused(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, how: str,
) -> None:
    with desk_and_telegram(tmp_path, clock, catalogs, drawer) as (client, bot, sessions):
        _, _, aino_id, _ = run(client, shift_with_two, bot, clock)
        with pytest.raises(WebSocketDisconnect) as refused:
            if how == "cookie":
                with client.websocket_connect(PATH, headers={"origin": DESK_ORIGIN}) as socket:
                    socket.send_json({"csrf": token(aino_id)})
                    receive(socket)
            else:
                with desk(client, sessions, aino_id, ORIGIN if how == "origin" else DESK_ORIGIN,
                          "wrong" if how == "csrf" else None) as socket:
                    receive(socket)
        assert refused.value.code == 1008


def test_someone_who_is_not_a_worker_is_refused_and_it_is_in_the_audit_log(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    async def coordinator_only(bot: Bot) -> int:
        key = user_key(bot.services.secret, "tg", 99)
        async with bot.services.store.transaction() as work:
            await work.users.save(UserRow(key, "fi", clock.now, clock.now))
            return await work.staff.add(StaffRow("Kaisa Koordinaattori", "", "Oulunkaari", True, False, clock.now, key))

    async def denials(bot: Bot) -> list[tuple[str, str]]:
        async with bot.services.store.transaction() as work:
            return [(row.actor, row.action) for row in await work.audit.recent(10) if row.action.startswith("denied")]

    with desk_and_telegram(tmp_path, clock, catalogs, drawer) as (client, bot, sessions):
        kaisa = run(client, coordinator_only, bot)
        with pytest.raises(WebSocketDisconnect) as refused, desk(client, sessions, kaisa) as socket:
            receive(socket)
        assert refused.value.code == 1008
        assert run(client, denials, bot) == [(f"staff:{kaisa}", "denied.desk")]


def test_the_page_script_uses_only_words_the_hello_sends() -> None:
    """desk.js holds no visible text of its own: every word it shows is one of the hello's texts (or the state's)."""
    script = (Path(desk_live.__file__).parent / "static" / "desk" / "desk.js").read_text(encoding="utf-8")
    used = set(re.findall(r"texts\.(\w+)", script))
    assert used and used <= set(desk_live.TEXTS), sorted(used - set(desk_live.TEXTS))
    assert "innerHTML" not in script, "a young person's words never become markup"


async def removed(bot: Bot, staff_id: int) -> None:
    async with bot.services.store.transaction() as work:
        staff = await work.staff.get(staff_id)
        assert staff is not None
        staff.active = False
        await work.staff.save(staff)


def test_a_logged_out_or_idle_session_ends_the_live_desk(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    ended = {"type": "error", "error": "deskweb.session_ended",
             "text": catalogs.text("fi", Msg("deskweb.session_ended"))}
    with desk_and_telegram(tmp_path, clock, catalogs, drawer, idle=1.0) as (client, bot, sessions):
        _, _, aino_id, _ = run(client, shift_with_two, bot, clock)
        with desk(client, sessions, aino_id) as page:
            state(page)
            del sessions.by_cookie[cookie(aino_id)]  # logged out in another tab: the live desk ends by itself
            assert until(page, lambda m: m["type"] == "error") == ended
            with pytest.raises(WebSocketDisconnect) as closed:
                receive(page)
            assert closed.value.code == 1008
        with desk(client, sessions, aino_id) as page:  # nothing done for the idle time: no longer live
            assert until(page, lambda m: m["type"] == "error", seconds=3) == ended
        with desk(client, sessions, aino_id) as page:
            state(page)
            run(client, removed, bot, aino_id)  # no longer a worker: the same
            assert until(page, lambda m: m["type"] == "error") == ended


def test_a_worker_at_the_page_stays_logged_in_and_an_unattended_desk_still_ends(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    """The page's "present" (the worker's input at the visible page) counts as the worker's doing; it does
    nothing else, and without it the idle time ends the desk as before."""
    assert parse_action('{"action": "present"}') == Action("present")
    with desk_and_telegram(tmp_path, clock, catalogs, drawer, idle=1.0) as (client, bot, sessions):
        _, _, aino_id, _ = run(client, shift_with_two, bot, clock)
        with desk(client, sessions, aino_id) as page:
            state(page)
            for _ in range(8):  # 2.4 s watching a quiet queue, idle time 1 s
                page.send_json({"action": "present"})
                time.sleep(0.3)
            page.send_json({"action": "take"})
            assert until(page, lambda m: m["type"] == "error")["error"] == "desk.queue_empty", "still live"
            assert until(page, lambda m: m["type"] == "error", seconds=3)["error"] == "deskweb.session_ended"


def test_the_logs_carry_no_words_cookie_or_origin(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with desk_and_telegram(tmp_path, clock, catalogs, drawer) as (client, bot, sessions):
        _, _, aino_id, _ = run(client, shift_with_two, bot, clock)
        run(client, young_writes, bot, bot.user(Y1, "fi", "A"), catalogs, "Salaisuus yksi")
        with desk(client, sessions, aino_id) as page:
            number = state(page, lambda s: s["queue"])["queue"][0]["chat"]
            page.send_json({"action": "take", "chat": number})
            page.send_json({"action": "say", "chat": number, "text": "Salaisuus kaksi"})
            state(page, lambda s: said_in(s, number, "Salaisuus kaksi"))
            run(client, flush, bot)
        assert "desk.action" in caplog.text
        for secret in ("Salaisuus", cookie(aino_id), token(aino_id), DESK_ORIGIN, "kaari.example"):
            assert secret not in caplog.text, secret


def test_the_real_session_opens_the_live_desk_from_kaaris_own_origin_only(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    """With bot.web.desk_auth's login (no stand-in): the page's CSRF token and cookie open the desk; a wrong
    token or another origin does not; logging out ends it."""
    with desk_app(tmp_path, clock, catalogs, drawer) as site:
        site.client.app.router.routes.extend(desk_live_routes(site.services))  # type: ignore[attr-defined]
        csrf = site.login("worker")
        # The test client opens sockets on ws://testserver, where a Secure cookie is not sent: given as the
        # browser sends it to wss://kaari.example.fi.
        cookie = {"cookie": f"{COOKIE}={site.client.cookies.get(COOKIE)}"}
        for origin, token in ((FOREIGN["origin"], csrf), (WEB_URL, "wrong")):
            with pytest.raises(WebSocketDisconnect) as refused, site.client.websocket_connect(
                    PATH, headers={"origin": origin, **cookie}) as socket:
                socket.send_json({"csrf": token})
                receive(socket)
            assert refused.value.code == 1008
        with site.client.websocket_connect(PATH, headers={**OWN, **cookie}) as socket:
            socket.send_json({"csrf": csrf})
            assert receive(socket)["texts"]["queue"] == catalogs.text("fi", Msg("deskweb.queue"))
            assert said(catalogs, "desk.off_duty", state(socket)["status"], ("fi",))
            assert site.client.post("/desk/logout", data={"csrf": csrf}, headers=OWN).status_code == 200
            assert until(socket, lambda m: m["type"] == "error")["error"] == "deskweb.session_ended"
        assert PATH in {getattr(route, "path", "") for route in web_routes(site.services)}, "served with the desk"
        site.services.settings = replace(site.services.settings, web_url="")
        assert desk_live_routes(site.services) == [], "not without KAARI_WEB_URL, as the desk's pages"


def test_a_desk_that_ended_unattended_has_ended_the_session_too(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    """The live desk's own reads (every poll) do not count as the worker's doing: when an unattended tab ends
    ("ask for a new login link"), reloading the page a while later must not open the desk again."""
    with desk_app(tmp_path, clock, catalogs, drawer) as site:
        site.client.app.router.routes.extend(  # type: ignore[attr-defined]
            desk_live_routes(site.services, poll=0.05, idle=1.0))
        csrf = site.login("worker")  # her last doing: the session's idle time counts from here
        cookie = {"cookie": f"{COOKIE}={site.client.cookies.get(COOKIE)}"}
        with site.client.websocket_connect(PATH, headers={**OWN, **cookie}) as socket:
            socket.send_json({"csrf": csrf})
            receive(socket)
            state(socket)
            site.clock.advance(minutes=20)  # the tab stays open, nobody touches it; it keeps reading the desk
            assert until(socket, lambda m: m["type"] == "error", seconds=5)["error"] == "deskweb.session_ended"
        site.clock.advance(minutes=15)  # 35 minutes after her last doing (the idle time is 30)
        assert site.client.get("/desk").status_code == 401


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_desk_speaks_the_workers_language(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, language: str,
) -> None:
    async def speaks(bot: Bot) -> None:
        async with bot.services.store.transaction() as work:
            user = await work.users.get(user_key(bot.services.secret, "tg", W1))
            assert user is not None
            user.language = language
            await work.users.save(user)

    with desk_and_telegram(tmp_path, clock, catalogs, drawer) as (client, bot, sessions):
        _, _, aino_id, _ = run(client, shift_with_two, bot, clock)
        run(client, speaks, bot)
        run(client, young_writes, bot, bot.user(Y1, "fi", "A"), catalogs, "Moi")
        with desk(client, sessions, aino_id) as page:
            hello = receive(page)
            assert hello["language"] == language
            assert hello["texts"] == {name: catalogs.text(language, Msg(key)) for name, key in desk_live.TEXTS.items()}
            shown = state(page, lambda s: s["queue"])
            assert shown["take"] == catalogs.text(language, Msg("desk.take", {"waiting": 1}))
            assert shown["queue"][0]["service"] == SERVICE.name.get(language)
