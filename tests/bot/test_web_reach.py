"""Web people get what Telegram people get: an anonymous person is offered the reminder to fill the circle again
and an ESY group's round notices, told that these wait in the chat (no address is kept: the web chat writes
to a person's key, and a push waits for their socket); and the anonymous retention deletes them as it does a
Telegram person, a reminder that fell due unseen included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.keys import user_key
from bot.ticker import purge_idle
from flows.core.messages import Msg
from flows.esy import followup
from flows.esy.group_rounds import PUSH
from flows.esy.instrument import Instrument
from tests.bot.chat.test_shift_chat import flush
from tests.bot.esy.test_groups import card, create_group, staff_worker
from tests.bot.harness import Bot, said
from tests.bot.rows import rows_mentioning
from tests.bot.test_web import TOKEN, choose, opened
from tests.bot.test_web_push import run, statuses, web_and_telegram, woken
from tests.conftest import Clock

Socket = Any  # starlette.testclient.WebSocketTestSession


def question(socket: Socket) -> dict[str, Any]:
    """The messages of one reply up to its question (the last message, with buttons)."""
    while not (message := socket.receive_json()).get("buttons"):
        pass
    return message  # type: ignore[no-any-return]


def tap(socket: Socket, message: dict[str, Any], label: str) -> dict[str, Any]:
    """Press ``label`` on ``message``; the next question."""
    value = next(b["value"] for row in message["buttons"] for b in row if b["label"] == label)
    socket.send_json({"choice": value})
    return question(socket)


def fill_the_circle(socket: Socket, catalogs: Catalogs, instrument: Instrument) -> dict[str, Any]:
    """From the menu through every statement, skipping the wishes; the question after the circle."""
    socket.send_json({"start": None})
    asked = tap(socket, question(socket), catalogs.text("en", Msg("menu.esy")))
    asked = tap(socket, asked, catalogs.text("en", Msg("esy.begin")))
    for area in instrument.areas:
        for _ in area.statements:
            asked = tap(socket, asked, instrument.scale[3].label.get("en"))
        asked = tap(socket, asked, catalogs.text("en", Msg("esy.skip_wish")))
    return asked


async def contact_kept(bot: Bot, key: str) -> bool:
    async with bot.services.store.transaction() as work:
        return await work.contacts.get(key) is not None


async def offers(bot: Bot, key: str) -> list[str]:
    async with bot.services.store.transaction() as work:
        return [row.status for row in await work.outbox.for_recipient(key) if row.kind == followup.REASSESS]


def asked_for_a_reminder(client: Any, bot: Bot, catalogs: Catalogs, instrument: Instrument) -> str:
    """A web person fills the circle, is asked (the web's wording) and says yes; their key."""
    with opened(client, language="en") as socket:
        asked = fill_the_circle(socket, catalogs, instrument)
        assert said(catalogs, "esy.remind_ask_web", asked["text"], ("en",)), asked["text"]
        assert not said(catalogs, "esy.remind_ask", asked["text"], ("en",))
        value = next(b["value"] for row in asked["buttons"] for b in row
                     if b["label"] == catalogs.text("en", Msg("esy.remind_yes")))
        socket.send_json({"choice": value})
        assert said(catalogs, "esy.remind_set", socket.receive_json()["text"], ("en",))
    return user_key(bot.services.secret, "web", TOKEN)


def test_a_web_person_is_offered_the_reminder_and_it_waits_for_their_next_visit(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, instrument: Instrument,
) -> None:
    with web_and_telegram(tmp_path, clock, catalogs, drawer) as (client, bot):
        key = asked_for_a_reminder(client, bot, catalogs, instrument)
        assert run(client, offers, bot, key) == ["pending"]
        assert not run(client, contact_kept, bot, key), "no address is kept for a web person"
        clock.advance(days=bot.services.settings.reassess_days + 1)
        run(client, flush, bot)
        assert run(client, offers, bot, key) == ["pending"], "due, and waiting for the browser"
        with opened(client, language="en") as socket:
            assert woken(bot)
            run(client, flush, bot)
            assert run(client, offers, bot, key) == ["sent"]
            offer = question(socket)
            assert said(catalogs, "esy.reassess", offer["text"], ("en",))
            assert catalogs.text("en", Msg("esy.begin")) in str(offer["buttons"]), "the circle opens from it"


def test_a_web_person_joins_a_group_and_hears_of_its_round(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with web_and_telegram(tmp_path, clock, catalogs, drawer) as (client, bot):
        worker = run(client, staff_worker, bot, catalogs)
        code = run(client, create_group, worker, catalogs)
        key = user_key(bot.services.secret, "web", TOKEN)
        with opened(client, language="en") as socket:
            socket.send_json({"start": code.replace("-", "")})
            offer = question(socket)
            assert said(catalogs, "invite.group_offer_anonymous_web", offer["text"], ("en",)), offer["text"]
            joined = choose(socket, offer, catalogs.text("en", Msg("invite.group_join")))
            assert said(catalogs, "invite.group_joined", joined["text"], ("en",))
            assert not run(client, contact_kept, bot, key)
            run(client, card, worker, catalogs)
            run(client, worker.tap, catalogs.text("fi", Msg("groups.open_round")))
            run(client, worker.tap, catalogs.text("fi", Msg("groups.round_whole_button")))
            run(client, flush, bot)
            assert run(client, statuses, bot, key)[-1] == "sent"
            assert said(catalogs, "groups.round_notice", question(socket)["text"], ("en",))
        assert run(client, rows_of_kind, bot, key, PUSH) == ["sent"]


async def rows_of_kind(bot: Bot, key: str, kind: str) -> list[str]:
    async with bot.services.store.transaction() as work:
        return [row.status for row in await work.outbox.for_recipient(key) if row.kind == kind]


def test_the_anonymous_retention_deletes_a_web_person_whose_reminder_fell_due_unseen(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, instrument: Instrument,
) -> None:
    with web_and_telegram(tmp_path, clock, catalogs, drawer, reassess_days=200) as (client, bot):
        settings = bot.services.settings
        key = asked_for_a_reminder(client, bot, catalogs, instrument)
        assert rows_mentioning(settings.db_path, key)
        clock.advance(days=settings.anonymous_retention_days + 1)
        assert run(client, purge_idle, bot.services) == 0, "kept while the reminder they asked for is not due"
        clock.advance(days=settings.reassess_days - settings.anonymous_retention_days)
        run(client, flush, bot)  # due: Telegram would send it now; the browser never comes back
        assert run(client, offers, bot, key) == ["pending"]
        assert run(client, purge_idle, bot.services) == 1, "deleted when a Telegram person would be"
        assert rows_mentioning(settings.db_path, key) == []
