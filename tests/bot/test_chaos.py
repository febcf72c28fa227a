"""Chaos (#14): `kaari run` processes in webhook mode on one database, behind a "proxy" that is this test.

The test plays Telegram and the reverse proxy: each person's next update is posted to a random instance, people
in parallel, and posted again (to a random instance) until one answers 200, as Telegram retries. The HTTP fake
Bot API receives the sends. Several people walk /start, the language, the menu and ESY's first areas at once
while an instance is SIGKILLed mid-run (at a question the fake is receiving: a send may be in flight) and
restarted under its name. At the end every answer is stored exactly once on its own statement, each answer was
followed by the next question (the walk asserts it as it goes: order kept), and a message came twice only in a
chat where a killed process may have had its send in flight.

Built on the crash test's machinery (tests/bot/test_crash.py: the processes, the walk, the checks). On SQLite
it runs one instance (one process has the file); on PostgreSQL (the session's throwaway server) three.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from cryptography.fernet import Fernet

from bot.i18n import Catalogs
from bot.keys import user_key
from bot.webhook import SECRET_HEADER
from flows.core.messages import LANGUAGES, Msg
from flows.esy.instrument import Instrument
from tests.bot.httpfake import HttpFakeBotAPI
from tests.bot.test_crash import (
    AREAS,
    SECRET,
    BotProcess,
    Person,
    next_update,
    ratings,
    stored,
    token,
    walk,
    wish,
)
from tests.ports import free_port

PEOPLE = 6
LIMIT = 50.0  # seconds for the whole walk
KILLS_AT = (12, 30)  # the Nth question the fake receives, over the run: an instance is killed then
HOOK_SECRET = "chaos-webhook-secret"
Stored = Callable[[Person], tuple[str, dict[str, Any]]]


@dataclass
class Instance:
    """One `kaari run` behind the proxy: its process and its port."""

    process: BotProcess
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Chaos:
    """The instances, the kills made, and which process tokens were killed."""

    instances: list[Instance]
    rng: random.Random
    kills: list[tuple[str, int]] = field(default_factory=list)  # (instance tag, question count)
    killed: set[str] = field(default_factory=set)  # tokens of processes killed
    questions: int = 0

    async def before(self, method: str, params: dict[str, Any]) -> int | None:
        """At the planned questions, SIGKILL a random instance (its send may be this one) and restart it."""
        if method == "sendMessage" and params.get("reply_markup"):
            self.questions += 1
            if self.questions in KILLS_AT:
                victim = self.rng.choice(self.instances)
                self.killed.add(token(victim.process.starts, victim.process.tag))
                self.kills.append((victim.process.tag, self.questions))
                await victim.process.kill()
                await victim.process.start()
        return None


async def post_until_taken(client: httpx.AsyncClient, chaos: Chaos, update: dict[str, Any]) -> None:
    """Telegram's delivery: post to a random instance until one answers 200 (a refused connection, a 5xx, a
    process killed mid-request: again, a little later)."""
    body = json.dumps(update).encode()
    for attempt in range(400):
        instance = chaos.rng.choice(chaos.instances)
        with contextlib.suppress(httpx.HTTPError):
            answer = await client.post(f"{instance.url}/telegram", content=body, timeout=15.0, headers={
                SECRET_HEADER: HOOK_SECRET, "Content-Type": "application/json"})
            if answer.status_code == 200:
                return
            assert answer.status_code >= 500, f"{answer.status_code} for an update: not a retry"
        await asyncio.sleep(min(0.05 * (attempt + 1), 0.5))
    raise AssertionError(f"update {update['update_id']} was never taken")


async def ready(instance: Instance, client: httpx.AsyncClient, limit: float = 30.0) -> None:
    """Wait until the instance answers HTTP (its /healthz, whatever it says)."""
    deadline = time.monotonic() + limit
    while True:
        with contextlib.suppress(httpx.HTTPError):
            await client.get(f"{instance.url}/healthz", timeout=2.0)
            return
        assert time.monotonic() < deadline, instance.process.tail()
        await asyncio.sleep(0.1)


async def drive(fake: HttpFakeBotAPI, people: list[Person], chaos: Chaos, client: httpx.AsyncClient) -> None:
    """Post each person's next update as soon as the bot answered their previous one, until all are through."""
    deadline = time.monotonic() + LIMIT
    posting: set[asyncio.Task[None]] = set()
    while True:
        fake.changed.clear()
        for person in people:
            person.read(fake.api.calls)
            if person.given < len(person.actions) and len(person.questions) >= person.given:
                task = asyncio.create_task(post_until_taken(client, chaos, next_update(person)))
                posting.add(task)
                task.add_done_callback(posting.discard)
                person.given += 1
        for task in [task for task in posting if task.done()]:
            task.result()  # an update never taken fails the test here
        if all(person.finished for person in people) and not posting:
            return
        left = deadline - time.monotonic()
        stuck = [(p.id, p.given, len(p.questions)) for p in people if not p.finished]
        tails = "\n".join(instance.process.tail()[-1500:] for instance in chaos.instances)
        assert left > 0, f"left in silence (id, answers, questions): {stuck}\n{tails}"
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(fake.changed.wait(), min(left, 0.5))


def instance_env(fake: HttpFakeBotAPI, database: dict[str, str], log_level: str) -> dict[str, str]:
    """The environment of `kaari run` instances behind the proxy: webhook mode on ``database`` (its KAARI_*
    settings), Telegram the HTTP fake, every limit off (the chaos test and bench/instances.py)."""
    return {**os.environ, **database, "KAARI_SECRET": SECRET, "KAARI_DATA_KEY": Fernet.generate_key().decode(),
            "KAARI_TELEGRAM_API_URL": fake.url, "KAARI_TELEGRAM_FILE_URL": fake.file_url,
            "KAARI_RATE_PER_SECOND": "0", "KAARI_CHAT_INTERVAL": "0", "KAARI_FLOOD_BURST": "0",
            "KAARI_MODE": "webhook", "KAARI_WEBHOOK_URL": "https://kaari.example.fi/telegram",
            "KAARI_WEBHOOK_SECRET": HOOK_SECRET, "KAARI_LISTEN": "127.0.0.1", "KAARI_LOG_LEVEL": log_level}


async def run_chaos(tmp_path: Path, catalogs: Catalogs, instrument: Instrument, database: dict[str, str],
                    count: int, stored_of: Stored) -> None:
    """``count`` instances on the ``database`` (its KAARI_* settings) through the walk, with the kills."""
    fake = HttpFakeBotAPI()
    await fake.start()
    env = instance_env(fake, database, "INFO")
    instances = []
    for number in range(1, count + 1):
        port = free_port()
        process = BotProcess({**env, "KAARI_PORT": str(port), "KAARI_INSTANCE_NAME": f"kaari-{number}"},
                             tmp_path / f"kaari-{number}.log", tag=f"I{number}-")
        instances.append(Instance(process, port))
    chaos = Chaos(instances, random.Random(14))
    fake.before = chaos.before
    people = [Person(8200 + index, walk(index, catalogs, instrument)) for index in range(PEOPLE)]
    async with httpx.AsyncClient() as client:
        try:
            for instance in instances:
                await instance.process.start()
            for instance in instances:
                await ready(instance, client)
            await drive(fake, people, chaos, client)
            for instance in instances:  # one restarted at the last kill may still be starting: SIGTERM ends
                await ready(instance, client)  # a process without its handlers yet, not a clean stop
            for instance in instances:
                assert await instance.process.stop() == 0, instance.process.tail()
        finally:
            for instance in instances:
                await instance.process.stop()
            await fake.stop()
    assert len(chaos.kills) == len(KILLS_AT), f"kills not reached: {chaos.kills}"
    check(people, fake, chaos, catalogs, instrument, stored_of)


def check(people: list[Person], fake: HttpFakeBotAPI, chaos: Chaos, catalogs: Catalogs, instrument: Instrument,
          stored_of: Stored) -> None:
    """Nothing lost, nothing applied twice, order kept; a message twice only after a killed process's send."""
    for index, person in enumerate(people):
        person.read(fake.api.calls)
        assert len(person.questions) == len(person.actions), (person.id, len(person.questions))
        flow, data = stored_of(person)
        assert (flow, data["area"]) == ("esy", AREAS - 1), (person.id, flow, data)
        assert data["ratings"] == ratings(index, instrument), person.id
        assert data["wishes"] == {instrument.areas[0].id: wish(index)}, person.id
    # An update that lost to concurrent ones too often (PostgreSQL: Contention, retried a few times) is answered
    # with an apology and a 500, and Telegram sends it again: the apology may come more than once. Counted,
    # not taken for a doubled input.
    apologies = {catalogs.text(language, Msg("error.internal")) for language in LANGUAGES}
    sorry = sum(1 for call in fake.api.calls if call.method == "sendMessage" and call.params.get("text") in apologies)
    for person in people:
        person.duplicates = [pair for pair in person.duplicates if pair[1].params.get("text") not in apologies]
        for previous, again in person.duplicates:
            made = fake.token_of[id(previous)]
            assert made in chaos.killed, (f"{person.id} got a message twice, the first from a live process {made} "
                                          f"then {fake.token_of[id(again)]} (kills {chaos.kills}): "
                                          f"{str(previous.params.get('text'))[:40]!r}")
    duplicates = {person.id: len(person.duplicates) for person in people if person.duplicates}
    assert sum(duplicates.values()) <= 2 * PEOPLE * len(chaos.kills), duplicates
    print(f"\nchaos test: {len(chaos.instances)} instances, kills (instance, at question) {chaos.kills}, "
          f"{sum(len(p.actions) for p in people)} answers all stored once, messages again per chat {duplicates}, "
          f"apologies (an update given up on Contention, sent again by Telegram) {sorry}")


@pytest.mark.sqlite_only("names its backend itself: the chaos test on PostgreSQL is the next one")
async def test_instances_in_webhook_mode_killed_mid_run_lose_nothing_on_sqlite(
    tmp_path: Path, catalogs: Catalogs, instrument: Instrument,
) -> None:
    """SQLite: one process has the file, so one instance, killed twice (Telegram's retries find it again)."""
    db = tmp_path / "kaari.sqlite3"
    await run_chaos(tmp_path, catalogs, instrument, {"KAARI_DB_PATH": str(db)}, 1,
                    lambda person: stored(db, person))


def stored_on(url: str) -> Stored:
    """The flow and data of a person's conversation, read from PostgreSQL."""

    def read(person: Person) -> tuple[str, dict[str, Any]]:
        with psycopg.connect(url) as connection:
            row = connection.execute("SELECT flow, data FROM conversations WHERE key = %s",
                                     (user_key(SECRET, "tg", person.id),)).fetchone()
        assert row is not None, f"no conversation stored for {person.id}"
        return str(row[0]), json.loads(row[1])

    return read


@pytest.mark.postgresql_only("names its backend itself: it asks for postgresql_url")
async def test_three_instances_in_webhook_mode_one_killed_mid_run_lose_nothing_on_postgresql(
    tmp_path: Path, catalogs: Catalogs, instrument: Instrument, postgresql_url: str,
) -> None:
    """PostgreSQL: three instances behind the proxy, one killed twice (a random one each time) and restarted."""
    await run_chaos(tmp_path, catalogs, instrument, {"KAARI_DATABASE_URL": postgresql_url}, 3,
                    stored_on(postgresql_url))
