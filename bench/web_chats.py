"""Concurrent web chats (issue #13): how many young people in the web chat one Kaari process holds, each in a
shift chat with a worker answering, with the reply latency's p99 under 300 ms.

Kaari is wired as `kaari run` serves it: ``start_bot`` (``bootstrap`` with a SQLite store in a temporary
directory, the PTB Application on the tests' fake Bot API), the ticker running (``run_ticker``: it relays each
message, both ways, as in production), and the web chat's routes on uvicorn (``WebServer``, the same Config
as production) on a free localhost port. The young people are real WebSocket clients (the ``websockets``
package) in a second process, so that their framing and JSON do not share Kaari's event loop. The workers are
Telegram workers on the fake Bot API (10 of them, each answering several chats by swipe-replying to the relayed
message, as a Telegram worker does): when a young person's message reaches a worker's Telegram chat, that
worker answers at once, through the real Application.

Each young person opens the chat from the browser (``/chat``, writes a first message, waits in the queue); the
workers take every chat from their desk; then every young person writes ``messages`` times, pausing ``think``
seconds (randomly 0.5-1.5 times) before each message. Measured per message: **reply latency** = the browser
sends -> the worker's answer arrives on the same socket (two relays through the outbox and the ticker, two
engine updates); and its first half, the browser sends -> the worker's Telegram receives it.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import random
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from starlette.applications import Starlette

from bench.stats import ms, percentile
from bot.drawing import Drawer
from bot.i18n import Catalogs
from bot.keys import user_key
from bot.ratelimit import ChatPacedRateLimiter
from bot.telegram_app import pusher
from bot.ticker import run_ticker
from bot.web.app import web_routes
from bot.web.socket import PATH
from bot.webhook import WebServer
from storage.ports import RotaRow, StaffRow, UserRow
from storage.sqlite import SqliteStore
from tests.bot.fakeapi import FakeBotAPI
from tests.bot.harness import Bot, TgUser, bot_settings, start_bot

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # a Friday, 12:00 in Helsinki: the social-work chat is open
ORIGIN = "https://kunta.example"
WORKERS = 10
FIRST_WORKER = 555_100_000
TARGET = 0.300  # seconds: the p99 the issue asks for
TOKEN = re.compile(r"\b([yw])(\d{4})-(\d{3})\b")  # y0007-003: young person 7's 4th message; w: the answer
TIMEOUT = 60.0  # seconds a young person waits for one answer before the run is called failed


def token(side: str, person: int, number: int) -> str:
    return f"{side}{person:04d}-{number:03d}"


def fixed_clock() -> datetime:
    return NOW


# --- the workers' side (Kaari's process) ---------------------------------------------------------------------
class AnsweringAPI(FakeBotAPI):
    """The fake Bot API, on which a worker answers each young person's message as soon as it arrives."""

    def __init__(self) -> None:
        super().__init__()
        self.workers: dict[int, TgUser] = {}
        self.seen: dict[str, float] = {}  # token -> time.monotonic() when the worker's Telegram received it
        self.answering: set[asyncio.Task[Any]] = set()
        self.failures: list[str] = []

    def api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        result = super().api_sendMessage(params)
        worker = self.workers.get(int(params["chat_id"]))
        found = TOKEN.search(str(params.get("text") or ""))
        if worker is not None and found and found.group(1) == "y":
            said = found.group(0)
            self.seen[said] = time.monotonic()
            call = self.calls[-1]
            task = asyncio.get_running_loop().create_task(worker.send("w" + said[1:], reply_to=call))
            self.answering.add(task)
            task.add_done_callback(self._done)
        return result

    def _done(self, task: asyncio.Task[Any]) -> None:
        self.answering.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.failures.append(type(task.exception()).__name__)


async def add_workers(bot: Bot, api: AnsweringAPI) -> list[TgUser]:
    """Workers on the Friday slot, seeded as the tests do; each has opened the bot once."""
    service = bot.services.chat.services[0]
    workers = []
    async with bot.services.store.transaction() as work:
        for number in range(WORKERS):
            telegram_id = FIRST_WORKER + number
            key = user_key(bot.services.secret, "tg", telegram_id)
            await work.users.save(UserRow(key, "fi", NOW, NOW))
            staff_id = await work.staff.add(StaffRow(f"Työntekijä {number}", "ohjaaja", "Oulunkaari", False, True,
                                                     NOW, key))
            await work.schedules.add_rota(RotaRow(service.id, "fri 12:00", staff_id))
            workers.append(TgUser(bot, telegram_id, "fi", f"W{number}"))
    for worker in workers:
        await worker.send("/start")
        api.workers[worker.id] = worker
    return workers


async def take_all(bot: Bot, workers: list[TgUser], count: int) -> None:
    """The workers take the waiting chats from their desks in turn, until none waits, then each opens one of
    theirs: from a chat, a swipe-reply answers whichever of their chats the replied-to message was about."""
    for worker in workers:
        await worker.send("/desk")
    for number in range(count):
        worker = workers[number % len(workers)]
        await worker.tap("take")
        await worker.tap("desk")
    taken = 0
    for worker in workers:
        async with bot.services.store.transaction() as work:
            staff = await work.staff.by_user(user_key(bot.services.secret, "tg", worker.id))
            assert staff is not None
            theirs = await work.chats.open_for_staff(staff.id or 0)
        taken += len(theirs)
        if theirs:
            await worker.tap(f"chat:{theirs[0].id}")
    if taken != count:
        raise RuntimeError(f"only {taken} of {count} chats were taken; the setup went wrong")


@asynccontextmanager
async def kaari(db_path: Path, drawer: Drawer,
                catalogs: Catalogs) -> AsyncIterator[tuple[Bot, AnsweringAPI, list[TgUser], int]]:
    """Kaari with its workers on the rota (before the ticker starts the shift), its ticker and the web chat on
    uvicorn; yields the bot, its fake API, the workers and the port."""
    api = AnsweringAPI()
    store = SqliteStore(db_path)
    settings = bot_settings(db_path, web_origins=(ORIGIN,), web_max_sockets=100_000)
    limiter = ChatPacedRateLimiter(overall_per_second=0, chat_interval=0)  # Telegram's limits are not measured
    bot = await start_bot(settings, fixed_clock, catalogs, drawer, store=store, api=api, rate_limiter=limiter)
    workers = await add_workers(bot, api)
    push, link = pusher(bot.application)
    ticker = asyncio.create_task(run_ticker(bot.services, push, link))
    server = WebServer(Starlette(routes=web_routes(bot.services)), "127.0.0.1", 0)
    try:
        await server.start()
        yield bot, api, workers, server.server.servers[0].sockets[0].getsockname()[1]
    finally:
        await server.stop(1.0)
        ticker.cancel()
        await asyncio.gather(ticker, *api.answering, return_exceptions=True)
        await bot.stop()


# --- the young people's side (a second process) -------------------------------------------------------------
class Browser:
    """One young person's tab: a socket and what arrived on it."""

    def __init__(self, index: int, socket: Any) -> None:
        self.index = index
        self.socket = socket
        self.arrived: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

    async def read(self) -> None:
        async for raw in self.socket:
            await self.arrived.put(json.loads(raw))

    async def send(self, message: dict[str, Any]) -> None:
        await self.socket.send(json.dumps(message))

    async def next(self) -> dict[str, Any]:
        async with asyncio.timeout(TIMEOUT):
            return await self.arrived.get()

    async def open_chat(self) -> None:
        """/chat (a service chosen if there are several), then the first message; waits in the queue."""
        await self.send({"token": f"bench-young-person-{self.index:06d}", "language": "fi"})
        await self.send({"command": "chat"})
        shown = await self.next()
        if not shown.get("free_text"):  # several services: the first is chosen (one opens at once)
            await self.send({"choice": shown["buttons"][0][0]["value"]})
            await self.next()
        await self.send({"text": "Hei, onko joku paikalla?"})
        await self.next()

    async def talk(self, messages: int, think: float, rng: random.Random) -> list[tuple[str, float, float]]:
        """(token, sent at, reply latency) for each message: sent, then waiting for the worker's answer."""
        while not self.arrived.empty():
            self.arrived.get_nowait()  # the chat taken, and anything before
        timed = []
        for number in range(messages):
            await asyncio.sleep(think * rng.uniform(0.5, 1.5))
            said, answer = token("y", self.index, number), token("w", self.index, number)
            sent = time.monotonic()
            await self.send({"text": said})
            while answer not in str((await self.next()).get("text")):
                pass
            timed.append((said, sent, time.monotonic() - sent))
        return timed


async def browsers(port: int, count: int, messages: int, think: float, control: Connection) -> None:
    from websockets import Origin
    from websockets.asyncio.client import connect

    url = f"ws://127.0.0.1:{port}{PATH}"
    sockets = [await connect(url, origin=Origin(ORIGIN), max_size=None, open_timeout=TIMEOUT)
               for _ in range(count)]
    tabs = [Browser(index, socket) for index, socket in enumerate(sockets)]
    readers = [asyncio.create_task(tab.read()) for tab in tabs]
    await asyncio.gather(*(tab.open_chat() for tab in tabs))
    control.send("queued")
    await asyncio.get_running_loop().run_in_executor(None, control.recv)  # every chat taken
    started = time.monotonic()
    results = await asyncio.gather(*(tab.talk(messages, think, random.Random(tab.index)) for tab in tabs))
    seconds = time.monotonic() - started
    for socket in sockets:
        await socket.close()
    await asyncio.gather(*readers, return_exceptions=True)
    control.send((seconds, [row for rows in results for row in rows]))


def browsers_process(port: int, count: int, messages: int, think: float, control: Connection) -> None:
    """The young people's process: every browser at once."""
    asyncio.run(browsers(port, count, messages, think, control))


# --- a run ---------------------------------------------------------------------------------------------------
@dataclass
class Run:
    chats: int
    messages: int
    seconds: float
    latencies: list[float]  # reply latency: browser sends -> the worker's answer on the socket
    there: list[float]  # browser sends -> the worker's Telegram receives it
    cpu_seconds: float
    load: float  # the machine's 1-minute load average at the end (other processes share the 2 cores)

    def p(self, q: float, values: list[float] | None = None) -> float:
        return percentile(self.latencies if values is None else values, q)


async def one_run(chats: int, messages: int, think: float, db_path: Path, drawer: Drawer,
                  catalogs: Catalogs) -> Run:
    async with kaari(db_path, drawer, catalogs) as (bot, api, workers, port):
        ours, theirs = multiprocessing.get_context("spawn").Pipe()
        young = multiprocessing.get_context("spawn").Process(
            target=browsers_process, args=(port, chats, messages, think, theirs), daemon=True)
        young.start()
        theirs.close()  # only the child's end stays open: if the child dies, ``recv`` ends instead of waiting
        loop = asyncio.get_running_loop()
        try:
            if await loop.run_in_executor(None, ours.recv) != "queued":
                raise RuntimeError("the young people could not open their chats")
            await take_all(bot, workers, chats)
            cpu = time.process_time()
            ours.send("go")
            seconds, rows = await loop.run_in_executor(None, ours.recv)
            cpu = time.process_time() - cpu
        finally:
            await loop.run_in_executor(None, young.join, 10)
            if young.is_alive():
                young.kill()
        if api.failures:
            raise RuntimeError(f"a worker's answer failed: {api.failures[:3]}")
        there = [api.seen[said] - sent for said, sent, _ in rows if said in api.seen]
        return Run(chats, messages, seconds, [latency for _, _, latency in rows], there, cpu, os.getloadavg()[0])


async def web_chats(counts: tuple[int, ...], messages: int, think: float, directory: Path, drawer: Drawer,
                    catalogs: Catalogs) -> list[str]:
    """Runs with more and more chats at once, until the p99 is over the target (and one more count after)."""
    runs: list[Run] = []
    for count in counts:
        runs.append(await one_run(count, messages, think, directory / f"web-{count}.sqlite3", drawer, catalogs))
        if runs[-1].p(99) > TARGET * 2:
            break  # well past the target: more would only say the same, slower
    return report(runs, think)


def report(runs: list[Run], think: float) -> list[str]:
    lines = [f"### Concurrent web chats (WebSockets on uvicorn, {WORKERS} Telegram workers answering at once; "
             f"a message every {think:.1f} s per chat, randomly 0.5-1.5 times that)", "",
             "| Chats | Messages | Round trips/s | Reply p50 ms | p99 ms | max ms | To the worker p50 ms | p99 ms "
             "| Kaari CPU % | Load average | p99 < 300 ms |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|"]
    for run in runs:
        lines.append(
            f"| {run.chats} | {len(run.latencies)} | {len(run.latencies) / run.seconds:.0f} | {ms(run.p(50))} | "
            f"{ms(run.p(99))} | {ms(max(run.latencies))} | {ms(run.p(50, run.there))} | "
            f"{ms(run.p(99, run.there))} | {100 * run.cpu_seconds / run.seconds:.0f} | {run.load:.1f} | "
            f"{'yes' if run.p(99) < TARGET else 'no'} |")
    held = [run.chats for run in runs if run.p(99) < TARGET]
    lines += ["", f"Most chats at once with the reply p99 under {TARGET * 1000:.0f} ms: "
              f"{max(held) if held else 'none of those tried'}."]
    return lines
