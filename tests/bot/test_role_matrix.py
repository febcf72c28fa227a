"""Who may do what, through the real Application: every command and every menu action for every role.

A table, so that a broken guard in any flow's ``allowed`` (or the engine's check of it) fails here: the
person either gets the flow, or "not available" (``error.not_available``) with a ``denied.<flow>`` audit line.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from bot.bootstrap import COMMAND_FLOWS, all_flows
from bot.commands import COMMAND_TEXTS, HELP_TEXTS
from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.keys import user_key
from flows.core.messages import Msg
from flows.esy.instrument import Instrument
from flows.identity.consent_texts import load_consent_texts, title_of
from storage.ports import ClientRow, ConsentRow, MeetingRow, PairRow, ParticipantRow, StaffRow, UserRow
from tests.bot.harness import Bot, TgUser, bot_settings, joined, start_bot
from tests.conftest import Clock

ROLES = ("anonymous", "client", "client_work_only", "ended_client", "participant", "responsible", "pair",
         "unrelated", "coordinator", "removed")
TG = {role: 555000100 + number for number, role in enumerate(ROLES)}
STAFF = ROLES[5:]  # in this order: ids are stable
CLIENTS = {"client", "client_work_only"}
WORKERS = {"responsible", "pair", "unrelated"}
EVERYONE = set(ROLES)

# Who may open each flow (by flow name); everyone else is told it is not available.
MAY_OPEN: dict[str, set[str]] = {
    "esy": EVERYONE, "invitation": EVERYONE, "consent": EVERYONE, "mydata": EVERYONE, "forget": EVERYONE,
    "hours": EVERYONE, "places": EVERYONE, "my_groups": EVERYONE,
    # ESY groups (#12 §5): workers and coordinators run them; a young person only joins one and leaves it.
    "groups": WORKERS | {"coordinator"},
    "message_workers": CLIENTS, "feedback": CLIENTS,
    "promises": CLIENTS | {"participant"},
    "prepare": CLIENTS | WORKERS,
    "clients": WORKERS, "new_client": WORKERS, "desk": WORKERS, "desk_link": WORKERS,
    "new_worker": {"coordinator"}, "workers": {"coordinator"}, "audit": {"coordinator"},
    "rota": {"coordinator"}, "stats": {"coordinator"}, "effect": {"coordinator"},
    # The chat is for young people: any staff account (a removed worker's too) answers it, never queues.
    "chat": EVERYONE - WORKERS - {"coordinator", "removed"},
    # Goals are the young person's own (#12 §2); a worker sees a client's on the client card.
    "goals": EVERYONE - WORKERS - {"coordinator", "removed"},
}
# Typed by a worker, /prepare has no client to prepare with (a worker opens it from a client card): the flow
# itself says "not available", without a denial.
IN_FLOW_REFUSED = {("prepare", role) for role in WORKERS}
# Refusals in a flow's own words, where "not available" would leave them lost: a worker is told where their
# clients' promises are.
OWN_REFUSAL = {("promises", role): "promises.for_workers" for role in WORKERS}
# The commands the engine answers itself, for everyone.
ENGINE_COMMANDS = {"start", "help", "language", "cancel"}
# The main menu entries (flow -> label id); the preparation shows to clients only (workers open it from a card).
MENU = {
    "esy": "menu.esy", "goals": "menu.goals", "chat": "menu.chat", "desk": "menu.desk", "prepare": "menu.prepare",
    "promises": "menu.promises", "message_workers": "menu.message_workers", "clients": "menu.clients",
    "groups": "menu.groups",
    "new_client": "menu.new_client", "new_worker": "menu.new_worker", "workers": "menu.workers",
    "rota": "menu.rota", "stats": "menu.stats", "effect": "menu.effect", "audit": "menu.audit",
    "invitation": "menu.code",
}
MENU_SHOWN = {flow: (CLIENTS if flow == "prepare" else who) for flow, who in MAY_OPEN.items() if flow in MENU}


@dataclass
class World:
    bot: Bot
    keys: dict[str, str]
    client_id: int


async def seed(bot: Bot, clock: Clock) -> World:
    """Every role, straight into the store: staff, two linked clients (one with consent (a) only), a client
    whose work ended, and someone who joined the client's network meeting."""
    now = clock.now
    keys = {role: user_key(bot.services.secret, "tg", TG[role]) for role in ROLES}
    async with bot.services.store.transaction() as work:
        for role in ROLES[1:]:
            await work.users.save(UserRow(keys[role], "en", now, now))
        staff = {role: await work.staff.add(StaffRow(
            role.title(), "ohjaaja", "Oulunkaari", role == "coordinator", role != "coordinator", now,
            keys[role], active=role != "removed")) for role in STAFF}
        clients = {}
        for role, consents in (("client", ("work", "exchange", "storage", "reminders")),
                               ("client_work_only", ("work",)), ("ended_client", ("work", "exchange"))):
            clients[role] = await work.clients.add(ClientRow(
                role, staff["responsible"], now - timedelta(days=30), keys[role], now - timedelta(days=29),
                now - timedelta(days=1) if role == "ended_client" else None))
            for item in load_consent_texts():  # the texts in force: nobody is asked again here
                await work.consents.add(ConsentRow(clients[role], item.id, item.version,
                                                   "yes" if item.id in consents else "no",
                                                   now - timedelta(days=29), "tg"))
            await work.clients.set_pair(PairRow(clients[role], staff["responsible"], True))
            await work.clients.set_pair(PairRow(clients[role], staff["pair"], False))
        meeting = await work.meetings.add(MeetingRow(clients["client"], staff["responsible"], now,
                                                     now + timedelta(days=7), "office", "Kaarikatu 1"))
        await work.meetings.add_participant(ParticipantRow(meeting, "Mummo", "other", "isoäiti", "en",
                                                           user_key=keys["participant"]))
    return World(bot, keys, clients["client"])


@pytest.fixture
async def running(tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer) -> AsyncIterator[World]:
    """The bot on the fake Bot API with every role in its store."""
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3"), clock, catalogs, drawer)
    try:
        yield await seed(bot, clock)
    finally:
        await bot.stop()


async def denied(world: World, role: str, flow: str) -> bool:
    async with world.bot.services.store.transaction() as work:
        rows = await work.audit.recent(1000)
    return any(row.action == f"denied.{flow}" for row in rows)


async def forget_conversation(world: World, role: str) -> None:
    async with world.bot.services.store.transaction() as work:
        await work.conversations.delete(world.keys[role])


def check_denied(catalogs: Catalogs, text: str, role: str, what: str, refused: bool, own: str | None = None) -> None:
    """Refused with "not available" (or the flow's ``own`` refusal), or not refused at all."""
    not_available = catalogs.text("en", Msg("error.not_available"))
    if own is not None and refused:
        assert own in text and not_available not in text, f"{role} {what}: expected the flow's own refusal"
        return
    assert (not_available in text) is refused, (
        f"{role} {what}: expected {'not available' if refused else 'the flow'}, got {text!r}")


def test_the_table_covers_every_command_and_every_flow(instrument: Instrument) -> None:
    """A command or flow added later must get a row here, or this fails."""
    assert set(COMMAND_TEXTS) <= set(COMMAND_FLOWS) | ENGINE_COMMANDS
    assert set(COMMAND_FLOWS.values()) == set(MAY_OPEN)
    # A meeting, a client's goals (for their worker) and a worker's ESY reading open from a card only; the
    # comparison from the reading or the ESY intro (tests/bot/esy/test_reading.py checks who may).
    assert set(all_flows(instrument)) - {"menu", "meeting", "client_goals", "esy_reading", "esy_compare"} == set(
        MAY_OPEN)


@pytest.mark.parametrize("role", ROLES)
async def test_every_command_for_every_role(running: World, catalogs: Catalogs, role: str) -> None:
    user = running.bot.user(TG[role], "en", role.title())
    for command in sorted(ENGINE_COMMANDS - {"cancel"}):
        check_denied(catalogs, joined(await user.send(f"/{command}")), role, f"/{command}", refused=False)
    for command, flow in sorted(COMMAND_FLOWS.items()):
        await forget_conversation(running, role)  # each command from the menu, not from the last one's flow
        calls = await user.send(f"/{command}")
        refused = role not in MAY_OPEN[flow]
        own = OWN_REFUSAL.get((flow, role))
        check_denied(catalogs, joined(calls), role, f"/{command}", refused or (flow, role) in IN_FLOW_REFUSED,
                     catalogs.text("en", Msg(own, {"button": Msg("clients.meeting")})) if own else None)
        assert await denied(running, role, flow) is refused, f"{role} /{command}: audit line"
        assert calls, f"{role} /{command}: silence"


def menu_step(user: TgUser, catalogs: Catalogs) -> tuple[int, list[str]]:
    """The step of the main menu shown last and the values it offers."""
    question = user.last_question()
    assert question.params["text"].endswith(catalogs.text("en", Msg("menu.prompt")))
    data = [b["callback_data"] for b in user.buttons(question)]
    return int(data[0].split("|", 1)[0]), [d.split("|", 1)[1] for d in data]


async def conversation_flow(world: World, role: str) -> str | None:
    async with world.bot.services.store.transaction() as work:
        row = await work.conversations.get(world.keys[role])
    return row.flow if row else None


@pytest.mark.parametrize("role", ROLES)
async def test_the_menu_offers_what_the_role_may_open_and_nothing_else_can_be_tapped(
    running: World, catalogs: Catalogs, role: str,
) -> None:
    user = running.bot.user(TG[role], "en", role.title())
    await user.send("/start")
    if role == "anonymous":  # a first-timer picks the language first
        await user.tap("English")
    step, offered = menu_step(user, catalogs)
    assert {flow for flow in offered if flow in MENU} == {f for f, who in MENU_SHOWN.items() if role in who}
    labels = set(user.labels())
    assert labels >= {catalogs.text("en", Msg(MENU[flow])) for flow in offered if flow in MENU}
    for flow in sorted(MENU):
        await forget_conversation(running, role)
        await user.send("/start")
        step, _ = menu_step(user, catalogs)
        calls = await user.tap_data(f"{step}|{flow}", user.last_question())
        if flow in offered:  # a real tap opens the flow
            check_denied(catalogs, joined(calls), role, f"menu {flow}", refused=(flow, role) in IN_FLOW_REFUSED)
            assert not await denied(running, role, flow)
        else:  # a forged button for an entry this role is not offered is an old question, nothing opens
            assert catalogs.text("en", Msg("error.stale")) in joined(calls), f"{role} forged menu {flow}"
            assert await conversation_flow(running, role) == "menu"


@pytest.mark.parametrize(("role", "stored"), [("client", True), ("client_work_only", False)])
async def test_the_preparation_needs_consent_c(running: World, catalogs: Catalogs, role: str, stored: bool) -> None:
    """Consent (c), storing: without it the preparation tells the client how to give it and stores nothing."""
    user = running.bot.user(TG[role], "en", role.title())
    calls = await user.send("/prepare")
    why = Msg("prep.needs_storage", {"title": title_of(load_consent_texts(), "storage")})
    assert (catalogs.text("en", why) in joined(calls)) is not stored, joined(calls)
    async with running.bot.services.store.transaction() as work:
        client = await work.clients.by_user(running.keys[role])
        assert client is not None and client.id is not None
        assert await work.preparations.get(client.id) is None  # opening stores nothing yet


@pytest.mark.parametrize("role", ROLES)
async def test_help_lists_the_commands_this_role_can_use(running: World, catalogs: Catalogs, role: str) -> None:
    """/help lists a command exactly when the role may use it: the same checks as opening its flow."""
    assert set(HELP_TEXTS) == set(COMMAND_FLOWS) | ENGINE_COMMANDS, "every command is explained in /help"
    user = running.bot.user(TG[role], "en", role.title())
    text = joined(await user.send("/help"))
    for command, about in HELP_TEXTS.items():
        flow = COMMAND_FLOWS.get(command)
        usable = flow is None or (role in MAY_OPEN[flow] and (flow, role) not in IN_FLOW_REFUSED)
        line = catalogs.text("en", Msg("help.command", {"command": f"/{command}", "what": Msg(about)}))
        assert (line in text) is usable, f"{role}: /{command} {'missing from' if usable else 'offered in'} /help"
