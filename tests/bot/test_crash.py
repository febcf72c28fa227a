"""Kill -9 the real bot (`kaari run`, a subprocess on an HTTP fake Bot API) while people walk ESY: nothing is lost.

Five people tap through /start, the language, the menu and the first ESY statements at once while the bot is
SIGKILLed at six moments the fake observes, two of each kind, and restarted on the same database:
- "fetched": a tap's update was fetched and its handler began (it answers the callback query first), nothing
  of it committed yet: Telegram must send it again (the offset was not confirmed) and it is applied then;
- "committed": the answer is committed with its reply in the outbox, and the reply's send reached the fake but
  never Telegram (the fake drops it): the restart must deliver it, with no duplicate;
- "in_flight": Telegram delivered the reply but the bot died before hearing so: the restart sends it again,
  the one duplicate the issue allows.
At the end every answer is in the person's stored conversation exactly once, every answer was followed by the
next question, and duplicates appear only in chats where a send was in flight at a kill.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import sqlite3
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from bot.i18n import Catalogs
from bot.keys import user_key
from flows.core.messages import Msg
from flows.esy.instrument import Instrument
from tests.bot.fakeapi import Call
from tests.bot.httpfake import HttpFakeBotAPI

PEOPLE = 5
AREAS = 2  # areas each person goes through: their statements and the change wish (typed, then the next area)
SECRET = "crash-test-secret-" + "x" * 32
LIMIT = 45.0  # seconds for the whole walk; it takes a few
REPO = Path(__file__).resolve().parents[2]

# SQLite only: it kills `kaari run` on its SQLite file and reads that file with sqlite3 after each kill (the
# several-instance chaos test, with PostgreSQL, is its own).
pytestmark = pytest.mark.sqlite_only("kills kaari run on its SQLite file and reads the file with sqlite3")


def token(generation: int, tag: str = "") -> str:
    return f"123456:CRASH-TEST-{tag}{generation}"


@dataclass
class Kill:
    point: str  # "fetched", "committed" or "in_flight" (see the module's docstring)
    at: int  # the Nth tap ("fetched") or question sent ("committed", "in_flight") the fake saw, over the run
    chat: int = 0  # the chat whose update or reply the kill hit


PLAN = [Kill("fetched", 4), Kill("committed", 9), Kill("in_flight", 15),
        Kill("fetched", 25), Kill("committed", 33), Kill("in_flight", 42)]


class BotProcess:
    """`kaari run` as a subprocess; its output goes to a log file shown when the test fails. Each start has
    its own token (``generation``), so that the fake tells which process made a call: one just killed can still
    have a request on its way."""

    def __init__(self, env: dict[str, str], log: Path, tag: str = "") -> None:
        self.env = env
        self.log = log
        self.tag = tag  # in its tokens: which of several processes (tests/bot/test_chaos.py) made a call
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self) -> None:
        self.starts += 1
        env = {**self.env, "KAARI_TELEGRAM_TOKEN": token(self.starts, self.tag)}
        with self.log.open("ab") as out:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main(['run']))",
                env=env, cwd=REPO, stdout=out, stderr=out, stdin=asyncio.subprocess.DEVNULL)

    async def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed or finished."""
        assert self.process is not None and self.process.returncode is None, self.tail()
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> int | None:
        """SIGTERM and wait (a bounded shutdown); SIGKILL if it does not end. Returns the exit code."""
        if self.process is None or self.process.returncode is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), 10)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""


class Killer:
    """Watches the fake's calls and kills (then restarts) the bot at the planned moments."""

    def __init__(self, bot: BotProcess, plan: list[Kill]) -> None:
        self.bot = bot
        self.plan = list(plan)
        self.done: list[Kill] = []
        self.seen: Counter[str] = Counter()
        self._after: dict[int, Kill] = {}  # id(params) of a call to kill after the fake answered it

    async def _kill(self, kill: Kill, chat: object) -> None:
        kill.chat = int(chat) if isinstance(chat, int) else 0
        self.plan.remove(kill)
        self.done.append(kill)
        await self.bot.kill()
        await self.bot.start()

    def _due(self, point: str, counted: str) -> Kill | None:
        kill = self.plan[0] if self.plan else None
        return kill if kill is not None and kill.point == point and self.seen[counted] >= kill.at else None

    async def before(self, method: str, params: dict[str, Any]) -> int | None:
        if method == "answerCallbackQuery":
            self.seen["tap"] += 1
            kill = self._due("fetched", "tap")
            if kill is not None:
                await self._kill(kill, None)
                return 502
        elif method == "sendMessage" and params.get("reply_markup"):
            self.seen["question"] += 1
            kill = self._due("committed", "question")
            if kill is not None:
                await self._kill(kill, params.get("chat_id"))
                return 502  # never reached the person
            kill = self._due("in_flight", "question")
            if kill is not None:
                self._after[id(params)] = kill
        return None

    async def after(self, method: str, params: dict[str, Any], call: Call | None) -> None:
        kill = self._after.pop(id(params), None)
        if kill is not None:
            assert call is not None and not call.fault, "the in-flight send was not delivered"
            await self._kill(kill, params.get("chat_id"))


@dataclass
class Person:
    id: int
    actions: list[tuple[str, str]]  # ("send", text) or ("tap", button label), in order
    given: int = 0  # actions given so far
    questions: list[Call] = field(default_factory=list)  # distinct questions received, in order
    # (previous, again): a message received again (same text and buttons) and its previous copy
    duplicates: list[tuple[Call, Call]] = field(default_factory=list)

    def read(self, calls: list[Call]) -> None:
        """Distinct questions (messages with buttons) in this chat, and messages received again."""
        seen: dict[str, Call] = {}
        self.questions, self.duplicates = [], []
        for call in calls:
            if call.method != "sendMessage" or call.params.get("chat_id") != self.id:
                continue
            key = json.dumps([call.params.get("text"), call.params.get("reply_markup")], sort_keys=True)
            if key in seen:
                self.duplicates.append((seen[key], call))
                seen[key] = call
                continue
            if call.params.get("reply_markup"):
                self.questions.append(call)
            seen[key] = call

    @property
    def finished(self) -> bool:
        return self.given == len(self.actions) and len(self.questions) >= len(self.actions)


_update_ids = itertools.count(1)


def user_json(person: Person) -> dict[str, Any]:
    return {"id": person.id, "is_bot": False, "first_name": "Nuori", "language_code": "fi"}


def next_update(person: Person) -> dict[str, Any]:
    """The update for the person's next action, on the latest question they received."""
    kind, value = person.actions[person.given]
    update_id = next(_update_ids)
    if kind == "send":
        message = {"message_id": update_id, "date": int(time.time()), "text": value,
                   "chat": {"id": person.id, "type": "private", "first_name": "Nuori"}, "from": user_json(person)}
        if value.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(value)}]
        return {"update_id": update_id, "message": message}
    question = person.questions[-1]
    buttons = [b for row in question.params["reply_markup"]["inline_keyboard"] for b in row]
    data = next((b["callback_data"] for b in buttons if b["text"] == value), None)
    # The walk expects each answer to lead to the next question; another one means an answer was applied twice
    # (or lost) and the bot asks something else.
    assert data is not None, f"{person.id}: no button {value!r} on the bot's latest question {question.params}"
    return {"update_id": update_id, "callback_query": {
        "id": f"q{update_id}", "from": user_json(person), "chat_instance": "ci", "data": data,
        "message": dict(question.result)}}


def ratings(index: int, instrument: Instrument) -> dict[str, int]:
    """The value person ``index`` gives each statement of the first areas: differing per person and statement,
    so that an answer applied to the wrong statement (or twice, shifting the rest) shows."""
    scale = [point.value for point in instrument.scale]
    statements = [s for area in instrument.areas[:AREAS] for s in area.statements]
    return {s.id: scale[(index + step) % len(scale)] for step, s in enumerate(statements)}


def wish(index: int) -> str:
    return f"Haluan nukkua enemmän, kerta {index} 😴"


def walk(index: int, catalogs: Catalogs, instrument: Instrument) -> list[tuple[str, str]]:
    """/start, the language, the menu, ESY; then each statement of the first areas, and a wish after the first
    (the walk ends at the second area's wish question)."""
    labels = {point.value: point.label.get("fi") for point in instrument.scale}
    values = ratings(index, instrument)
    actions = [("send", "/start"), ("tap", "Suomi"), ("tap", catalogs.text("fi", Msg("menu.esy"))),
               ("tap", catalogs.text("fi", Msg("esy.begin")))]
    for number, area in enumerate(instrument.areas[:AREAS]):
        actions += [("tap", labels[values[s.id]]) for s in area.statements]
        if number < AREAS - 1:
            actions.append(("send", wish(index)))
    return actions


async def drive(fake: HttpFakeBotAPI, people: list[Person], bot: BotProcess) -> None:
    """Act for each person as soon as the bot answered their previous action, until everyone is through."""
    deadline = time.monotonic() + LIMIT
    while True:
        fake.changed.clear()
        for person in people:
            person.read(fake.api.calls)
            if person.given < len(person.actions) and len(person.questions) >= person.given:
                fake.api.push_update(next_update(person))
                person.given += 1
        if all(person.finished for person in people) and not fake.api.pending_updates:
            return
        left = deadline - time.monotonic()
        stuck = [(p.id, p.given, len(p.questions)) for p in people if not p.finished]
        assert left > 0, f"left in silence (id, answers, questions): {stuck}\n{bot.tail()}"
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(fake.changed.wait(), min(left, 1.0))


def stored(db: Path, person: Person) -> tuple[str, dict[str, Any]]:
    """The flow and data of the person's conversation, read from the bot's SQLite file."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as connection:
        row = connection.execute("SELECT flow, data FROM conversations WHERE key = ?",
                                 (user_key(SECRET, "tg", person.id),)).fetchone()
    assert row is not None, f"no conversation stored for {person.id}"
    return str(row[0]), json.loads(row[1])


async def test_sigkill_between_fetch_commit_and_send_loses_nothing(
    tmp_path: Path, catalogs: Catalogs, instrument: Instrument,
) -> None:
    fake = HttpFakeBotAPI()
    await fake.start()
    db = tmp_path / "kaari.sqlite3"
    env = {**os.environ, "KAARI_SECRET": SECRET,
           "KAARI_DATA_KEY": Fernet.generate_key().decode(), "KAARI_DB_PATH": str(db),
           "KAARI_TELEGRAM_API_URL": fake.url, "KAARI_TELEGRAM_FILE_URL": fake.file_url,
           "KAARI_RATE_PER_SECOND": "0", "KAARI_CHAT_INTERVAL": "0", "KAARI_FLOOD_BURST": "0",
           "KAARI_MODE": "polling", "KAARI_LOG_LEVEL": "INFO",
           # One instance, restarted under its name: it takes back its predecessor's sends and polling lease
           # at once (without a name, after bot.instance.LIVE_STALE and bot.lease.TTL).
           "KAARI_INSTANCE_NAME": "crash"}
    bot = BotProcess(env, tmp_path / "bot.log")
    killer = Killer(bot, PLAN)
    fake.before, fake.after = killer.before, killer.after
    people = [Person(8100 + index, walk(index, catalogs, instrument)) for index in range(PEOPLE)]
    try:
        await bot.start()
        await drive(fake, people, bot)
        assert await bot.stop() == 0, bot.tail()
    finally:
        await bot.stop()
        await fake.stop()
    assert not killer.plan, f"kills not reached: {killer.plan}"
    for index, person in enumerate(people):
        person.read(fake.api.calls)
        # Each answer was followed by exactly one new question: nobody left in silence, nothing answered twice.
        assert len(person.questions) == len(person.actions), (person.id, len(person.questions))
        flow, data = stored(db, person)
        # Every answer is stored exactly once, on its own statement: a lost one would leave a gap, one applied
        # twice would have moved the walk on past the next statement (and shifted the values after it).
        assert (flow, data["area"]) == ("esy", AREAS - 1), (person.id, flow, data)
        assert data["ratings"] == ratings(index, instrument), person.id
        assert data["wishes"] == {instrument.areas[0].id: wish(index)}, person.id
    # A message comes again only when its send was in flight at a kill: Telegram had it, the bot died before
    # hearing so, and the next process sent the reply again (which can be in flight at the next kill in turn).
    # So each copy comes from a later process than the copy before it (every process but the last was killed),
    # and each kill can leave only the replies then in flight (a reply is up to two messages) to send again.
    generation = {token(n): n for n in range(1, bot.starts + 1)}
    for person in people:
        for previous, again in person.duplicates:
            made = generation[fake.token_of[id(previous)]], generation[fake.token_of[id(again)]]
            assert made[0] < made[1], f"{person.id} got a message twice from one process {made}: {again.params}"
    duplicates = {person.id: len(person.duplicates) for person in people if person.duplicates}
    assert sum(duplicates.values()) <= 2 * PEOPLE * len(killer.done), duplicates
    print(f"\ncrash test: {bot.starts} starts, kills (point, at, chat) "
          f"{[(k.point, k.at, k.chat) for k in killer.done]}, {sum(len(p.actions) for p in people)} answers all "
          f"stored once, messages received again per chat {duplicates}")
