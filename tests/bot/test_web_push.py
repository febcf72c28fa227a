"""Pushes reach web people: a young person in the web chat and a worker on Telegram share a shift chat. The
worker's words, the chat being taken and closed arrive on the socket; with the socket closed they wait
(pending, never dropped, across a restart too) and go out, in order, when the browser comes back; two tabs
both get them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.keys import channel_of, user_key
from bot.render import Outgoing, TextOut
from bot.ticker import purge_idle
from bot.web.app import web_routes
from flows.core.messages import Msg, dump_msg
from storage.ports import OutboxRow, UserRow
from tests.bot.chat.test_shift_chat import SERVICE, W1, add_workers, flush, texts_to
from tests.bot.harness import Bot, TgUser, bot_settings, start_bot
from tests.bot.identity.test_identity import deliver
from tests.bot.test_web import ORIGIN, TOKEN, choose, opened
from tests.conftest import TWO_SERVICES, Clock

Socket = Any  # starlette.testclient.WebSocketTestSession


@contextmanager
def web_and_telegram(tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
                     **changes: Any) -> Iterator[tuple[TestClient, Bot]]:
    """The bot on the fake Bot API and the web chat's socket on one set of services, in the client's loop."""
    settings = bot_settings(tmp_path / "k.sqlite3", chat_services=TWO_SERVICES, web_origins=(ORIGIN,), **changes)
    app = Starlette()
    with TestClient(app) as client:
        assert client.portal is not None
        bot = client.portal.call(partial(start_bot, settings, clock, catalogs, drawer))
        app.router.routes.extend(web_routes(bot.services))
        try:
            yield client, bot
        finally:
            client.portal.call(bot.stop)


def run(client: TestClient, call: Any, *args: Any) -> Any:
    """A coroutine function run in the app's event loop (where the services live)."""
    assert client.portal is not None
    return client.portal.call(call, *args)


def into_chat(socket: Socket, catalogs: Catalogs, first_words: str) -> dict[str, Any]:
    """The web person opens the shift chat and writes; the answer (their place in the queue)."""
    socket.send_json({"command": "chat"})
    choose(socket, socket.receive_json(), SERVICE.name.fi)
    socket.send_json({"text": first_words})
    answer: dict[str, Any] = socket.receive_json()
    return answer


async def statuses(bot: Bot, key: str) -> list[str]:
    """The person's outbox rows' statuses, oldest first."""
    async with bot.services.store.transaction() as work:
        return [row.status for row in await work.outbox.for_recipient(key)]


def all_out(client: TestClient, bot: Bot, key: str) -> bool:
    """Whether every row for ``key`` went out (checked before reading the socket, which would wait forever)."""
    return set(run(client, statuses, bot, key)) == {"sent"}


async def clear_wake(bot: Bot) -> None:
    bot.services.wake.clear()


def woken(bot: Bot) -> bool:
    """Whether the ticker was woken within a second (the socket's own task sets it)."""
    deadline = time.monotonic() + 1.0
    while not bot.services.wake.is_set() and time.monotonic() < deadline:
        time.sleep(0.01)
    return bot.services.wake.is_set()


async def on_duty(bot: Bot, clock: Clock) -> TgUser:
    """Aino (with Bea) on the rota of the Friday slot the test clock is in."""
    aino, _ = await add_workers(bot, clock)
    return aino


async def takes_the_chat(bot: Bot, aino: TgUser, catalogs: Catalogs) -> None:
    """The shift starts and Aino takes the one waiting chat."""
    await flush(bot)
    await aino.send("/desk")
    await aino.tap(catalogs.text("fi", Msg("desk.take", {"waiting": 1})))


def test_a_telegram_worker_and_a_web_young_person_chat_and_pushes_wait_for_a_closed_socket(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with web_and_telegram(tmp_path, clock, catalogs, drawer) as (client, bot):
        key = user_key(bot.services.secret, "web", TOKEN)
        with opened(client) as socket:
            aino = run(client, on_duty, bot, clock)
            waiting = into_chat(socket, catalogs, "Hei, kysyisin asumistuesta")
            assert catalogs.text("fi", Msg("chat.waiting", {"place": 1})) in waiting["text"]
            run(client, takes_the_chat, bot, aino, catalogs)
            run(client, flush, bot)
            assert all_out(client, bot, key)
            taken = socket.receive_json()
            assert catalogs.text("fi", Msg("chat.taken", {"who": Msg("chat.worker_named", {
                "name": "Aino", "title": "sosiaaliohjaaja"})})) in taken["text"]
            assert catalogs.text("fi", Msg("chat.end")) in str(taken["buttons"]), "the chat with its button"
            run(client, aino.send, "Hei! Olen tässä. Miten voin auttaa?")
            run(client, flush, bot)
            assert all_out(client, bot, key)
            assert "Aino (sosiaaliohjaaja):\nHei! Olen tässä." in socket.receive_json()["text"]
            mark = len(bot.api.calls)
            socket.send_json({"text": "kiitos kun vastasit"})
            # The socket's message is handled in the app's loop, not by send_json: wait for it (PostgreSQL took
            # longer than SQLite, and the flush ran before it), as many rounds as it takes.
            for _ in range(500):
                run(client, flush, bot)
                if "kiitos kun vastasit" in texts_to(bot, W1, mark):
                    break
                time.sleep(0.01)
            assert "kiitos kun vastasit" in texts_to(bot, W1, mark), "and the other way, to Telegram"

        # The browser is closed: the worker's words and the close wait for it, pending.
        run(client, aino.send, "Oletko vielä siellä?")
        run(client, aino.tap, catalogs.text("fi", Msg("desk.close")))
        run(client, aino.tap, catalogs.text("fi", Msg("desk.close_yes")))
        run(client, flush, bot)
        run(client, flush, bot)
        waiting_rows = run(client, statuses, bot, key)
        assert waiting_rows.count("pending") == 2 and "dropped" not in waiting_rows and "failed" not in waiting_rows

        run(client, clear_wake, bot)
        with opened(client) as socket:  # the browser comes back: the ticker is woken, the rows go out in order
            assert woken(bot)
            run(client, flush, bot)
            assert all_out(client, bot, key), "nothing dropped, nothing left"
            assert "Oletko vielä siellä?" in socket.receive_json()["text"]
            closed = socket.receive_json()
            assert catalogs.text("fi", Msg("chat.closed_by_worker")) in closed["text"]
            assert catalogs.text("fi", Msg("chat.rate_5")) in str(closed["buttons"])


def test_two_tabs_both_get_a_push(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with web_and_telegram(tmp_path, clock, catalogs, drawer) as (client, bot), opened(client) as first:
        aino = run(client, on_duty, bot, clock)
        into_chat(first, catalogs, "Moi")
        with opened(client) as second:
            run(client, takes_the_chat, bot, aino, catalogs)
            run(client, aino.send, "Hei molemmille")
            run(client, flush, bot)
            assert all_out(client, bot, user_key(bot.services.secret, "web", TOKEN))
            for tab in (first, second):
                tab.receive_json()  # the chat taken
                assert "Hei molemmille" in tab.receive_json()["text"]



def test_a_push_waits_for_a_web_person_across_a_restart(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with web_and_telegram(tmp_path, clock, catalogs, drawer) as (client, bot):
        key = user_key(bot.services.secret, "web", TOKEN)
        aino = run(client, on_duty, bot, clock)
        with opened(client) as socket:
            into_chat(socket, catalogs, "Moi")
            run(client, takes_the_chat, bot, aino, catalogs)
            run(client, flush, bot)
            assert all_out(client, bot, key)
            socket.receive_json()  # the chat taken
        run(client, aino.send, "Vastaan kun palaat")
        run(client, flush, bot)
        assert run(client, statuses, bot, key)[-1] == "pending"
    with web_and_telegram(tmp_path, clock, catalogs, drawer) as (client, bot), opened(client) as socket:
        assert woken(bot)
        run(client, flush, bot)
        assert all_out(client, bot, key)
        assert "Vastaan kun palaat" in socket.receive_json()["text"]


def test_a_key_says_its_channel() -> None:
    assert channel_of(user_key("secret", "web", TOKEN)) == "web"
    assert channel_of(user_key("secret", "tg", 42)) == "tg"


class GoneMidRound:
    """A web route whose person is present when the round claims, and has gone when the push is sent."""

    channel = "web"

    def __init__(self, key: str) -> None:
        self.key = key
        self.tries = 0
        self.delivered: list[str] = []
        self.back = False  # once True, the push reaches them

    def present(self) -> set[str]:
        return {self.key}

    async def push(self, recipient: str, outgoing: list[Outgoing]) -> bool:
        self.tries += 1
        if self.back:
            self.delivered += [out.text for out in outgoing if isinstance(out, TextOut)]
        return self.back


async def test_a_person_gone_between_claim_and_push_keeps_their_rows_pending_in_order(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    key = user_key(bot.services.secret, "web", TOKEN)
    route = GoneMidRound(key)
    bot.services.push_route = route
    async with bot.services.store.transaction() as work:
        await work.users.save(UserRow(key, "fi", clock.now, clock.now))
        for note in ("error.too_fast", "error.internal"):
            await work.outbox.add(OutboxRow(key, "notify", dump_msg(Msg(note)), clock.now))
    assert await deliver(bot) == 0 and route.tries == 1, "the first row found nobody: the second was not tried"
    assert await statuses(bot, key) == ["pending", "pending"]
    route.back = True
    assert await deliver(bot) == 2
    assert route.delivered == [catalogs.text("fi", Msg(note)) for note in ("error.too_fast", "error.internal")]
    assert await statuses(bot, key) == ["sent", "sent"]


async def test_a_web_persons_waiting_rows_do_not_outlive_them(bot: Bot, clock: Clock) -> None:
    key = user_key(bot.services.secret, "web", TOKEN)
    route = GoneMidRound(key)
    bot.services.push_route = route
    async with bot.services.store.transaction() as work:
        await work.users.save(UserRow(key, "fi", clock.now, clock.now))
        await work.outbox.add(OutboxRow(key, "notify", dump_msg(Msg("error.too_fast")), clock.now))
    await deliver(bot)
    assert await statuses(bot, key) == ["pending"]
    clock.advance(days=bot.services.settings.anonymous_retention_days + 1)
    assert await purge_idle(bot.services) == 1
    assert await statuses(bot, key) == [], "deleted with the person"
