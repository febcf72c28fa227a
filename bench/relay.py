"""The anonymous chat's relay through the outbox: how fast ``deliver_due`` empties it, and whether the per-chat
pacing keeps each Telegram chat's messages apart, in order, once each.

Chats are opened through the real flows on the real PTB Application (young person: /chat, tap the service,
write; worker: /desk, take), then each young person and their worker write to each other. What they wrote
waits in the outbox until ``deliver_due`` is called, as the ticker does, until the outbox is empty: first with
no pacing (throughput), then, after another exchange, with the per-chat interval set small (pacing).
"""

from __future__ import annotations

import itertools
import re
import sqlite3
import time
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.stats import ms, percentile
from bot.bootstrap import Services
from bot.drawing import Drawer
from bot.i18n import Catalogs, LinkFormat
from bot.keys import user_key
from bot.ratelimit import ChatPacedRateLimiter
from bot.telegram_app import pusher
from bot.ticker import Push, deliver_due, tick_shifts
from storage.ports import RotaRow, StaffRow, UserRow
from storage.sqlite import SqliteStore
from tests.bot.fakeapi import Call, FakeBotAPI
from tests.bot.harness import Bot, TgUser, bot_settings, start_bot

# A Friday, 12:00 in Helsinki: the default services file's social-work chat is open (Fridays 12-14).
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
WORKERS = ((555000111, "Aino Virtanen", "sosiaaliohjaaja"), (555000222, "Bea Berg", "sosiaalityöntekijä"))
FIRST_YOUNG = 800_000_000
PACED_INTERVAL = 0.05  # seconds between one chat's messages in the paced run; Telegram's is about 1 s
TOKEN = re.compile(r"\b([yw])(\d{3})-(\d{3})\b")  # y007-003: young person 7's 4th message; w: their worker's


def fixed_clock() -> datetime:
    return NOW


def token(side: str, chat: int, number: int) -> str:
    return f"{side}{chat:03d}-{number:03d}"


class RelayAPI(FakeBotAPI):
    """The tests' fake Bot API, finding a chat's latest question without rescanning every call each tap."""

    def __init__(self) -> None:
        super().__init__()
        self._scanned = 0
        self._latest: dict[int, Call] = {}

    def latest_question(self, chat_id: int) -> Call:
        for call in self.calls[self._scanned:]:
            if call.method == "sendMessage" and call.params.get("reply_markup"):
                self._latest[int(call.params["chat_id"])] = call
        self._scanned = len(self.calls)
        return self._latest[chat_id]


class Person(TgUser):
    """A harness user whose last question comes from RelayAPI (same answer as TgUser's, found faster)."""

    def last_question(self) -> Call:
        assert isinstance(self.api, RelayAPI)
        return self.api.latest_question(self.id)


@dataclass(frozen=True)
class OpenChat:
    index: int  # which young person (tokens use it)
    chat_id: int  # the chat's number in Kaari (the worker's "Chat 7" button)
    young: Person
    worker: Person


@dataclass
class Drain:
    """One run of deliver_due until the outbox was empty, and what reached the fake Bot API meanwhile."""

    rows: int
    deliver_calls: int
    seconds: float
    cpu_seconds: float
    sends: list[Call]
    latencies: list[float]  # from the start of the drain until the fake API received each message
    expected: set[str]  # the tokens written since the previous drain

    @property
    def per_second(self) -> float:
        return self.rows / self.seconds

    def by_chat(self) -> dict[int, list[float]]:
        """When each Telegram chat received its messages, in order."""
        times: dict[int, list[float]] = {}
        for call in self.sends:
            times.setdefault(int(call.params["chat_id"]), []).append(call.at)
        return times

    def checks(self) -> tuple[int, int, int]:
        """Order violations (a message arriving after a later one from the same sender into the same chat),
        duplicates and missing messages, from the tokens in the texts that arrived."""
        streams: dict[tuple[int, str, str], list[int]] = {}
        seen: Counter[str] = Counter()
        for call in self.sends:
            text = str(call.params.get("text") or call.params.get("caption") or "")
            for side, chat, number in TOKEN.findall(text):
                seen[f"{side}{chat}-{number}"] += 1
                streams.setdefault((int(call.params["chat_id"]), side, chat), []).append(int(number))
        violations = sum(b < a for numbers in streams.values() for a, b in itertools.pairwise(numbers))
        duplicates = sum(count - 1 for count in seen.values())
        return violations, duplicates, len(self.expected - set(seen))


@dataclass
class Pacing:
    interval: float
    chats: int  # Telegram chats that received messages
    busiest: int  # messages to the busiest one
    min_gap: float  # smallest gap between consecutive messages in any one chat
    gaps: int  # gaps between consecutive messages in one chat, all chats
    short_gaps: int  # of them, shorter than the interval
    max_per_interval: int  # most messages one chat received within any window of one interval

    @property
    def minimum_seconds(self) -> float:
        return self.busiest * self.interval


def pacing(drain: Drain, interval: float) -> Pacing:
    times = drain.by_chat()
    gaps = [b - a for chat in times.values() for a, b in itertools.pairwise(chat)]
    most = 0
    for chat in times.values():
        start = 0
        for end, at in enumerate(chat):
            while at - chat[start] >= interval:
                start += 1
            most = max(most, end - start + 1)
    return Pacing(interval, len(times), max(map(len, times.values())), min(gaps, default=float("nan")),
                  len(gaps), sum(gap < interval for gap in gaps), most)


# --- the chats --------------------------------------------------------------------------------------------
async def add_workers(bot: Bot) -> list[tuple[Person, int]]:
    """Workers on the Friday slot, seeded in the store as the tests do; each has opened the bot once."""
    workers = []
    service = bot.services.chat.services[0]  # the organisation's chat as the bot was wired with it
    async with bot.services.store.transaction() as work:
        for telegram_id, name, title in WORKERS:
            key = user_key(bot.services.secret, "tg", telegram_id)
            await work.users.save(UserRow(key, "fi", NOW, NOW))
            staff_id = await work.staff.add(StaffRow(name, title, "Oulunkaari", False, True, NOW, key))
            await work.schedules.add_rota(RotaRow(service.id, "fri 12:00", staff_id))
            workers.append((Person(bot, telegram_id, "fi", name.split()[0]), staff_id))
    for worker, _ in workers:
        await worker.send("/start")
    return workers


async def open_chats(bot: Bot, count: int) -> list[OpenChat]:
    """``count`` young people open the chat and write; the workers take the chats in turn from their desk."""
    workers = await add_workers(bot)
    young = [Person(bot, FIRST_YOUNG + index, "fi", f"Y{index}") for index in range(count)]
    services = bot.services.chat.services
    for person in young:
        await person.send("/chat")
        if len(services) > 1:  # with one service, /chat opens it at once
            await person.tap(services[0].name.get(person.language))
        await person.send("Hei, onko joku paikalla?")
    for worker, _ in workers:
        await worker.send("/desk")
    for number in range(count):
        worker, _ = workers[number % len(workers)]
        await worker.tap("take")
        await worker.tap("desk")  # back to the desk, to take the next one
    by_key = {user_key(bot.services.secret, "tg", person.id): index for index, person in enumerate(young)}
    chats: list[OpenChat] = []
    async with bot.services.store.transaction() as work:
        for worker, staff_id in workers:
            for row in await work.chats.open_for_staff(staff_id):
                assert row.id is not None and row.user_key is not None
                index = by_key[row.user_key]
                chats.append(OpenChat(index, row.id, young[index], worker))
    if len(chats) != count:
        raise RuntimeError(f"only {len(chats)} of {count} chats were taken; the setup went wrong")
    return sorted(chats, key=lambda chat: chat.index)


UPDATE_KINDS = ("young writes", "worker opens the chat", "worker writes", "worker back to the desk")


@dataclass
class Exchange:
    """How long each kind of update took while the young people and workers wrote."""

    took: dict[str, list[float]] = field(default_factory=lambda: {kind: [] for kind in UPDATE_KINDS})
    seconds: float = 0.0

    @property
    def updates(self) -> int:
        return sum(map(len, self.took.values()))

    async def timed(self, kind: str, update: Awaitable[list[Call]]) -> None:
        started = time.perf_counter()
        await update
        self.took[kind].append(time.perf_counter() - started)


async def exchange(chats: list[OpenChat], numbers: range, done: Exchange) -> set[str]:
    """Chat after chat, the worker opens it from the desk, then the young person and the worker write in turn,
    then the worker goes back to the desk. Returns the tokens written."""
    written: set[str] = set()
    started = time.perf_counter()
    for chat in chats:
        young, worker = chat.young, chat.worker
        await done.timed(UPDATE_KINDS[1], worker.tap(f"chat:{chat.chat_id}"))
        for number in numbers:
            await done.timed(UPDATE_KINDS[0], young.send(token("y", chat.index, number)))
            await done.timed(UPDATE_KINDS[2], worker.send(token("w", chat.index, number)))
            written |= {token("y", chat.index, number), token("w", chat.index, number)}
        await done.timed(UPDATE_KINDS[3], worker.tap("desk"))
    done.seconds += time.perf_counter() - started
    return written


async def drain(services: Services, api: FakeBotAPI, push: Push, link: LinkFormat, expected: set[str]) -> Drain:
    """Call deliver_due (up to 200 rows a call) until it finds nothing to send."""
    mark, rows, calls = len(api.calls), 0, 0
    cpu, started = time.process_time(), time.monotonic()  # Call.at is time.monotonic()
    while True:
        sent = await deliver_due(services, push, link)
        calls += 1
        if not sent:
            break
        rows += sent
    seconds, cpu = time.monotonic() - started, time.process_time() - cpu
    sends = [call for call in api.calls[mark:] if call.method.startswith("send")]
    return Drain(rows, calls, seconds, cpu, sends, [call.at - started for call in sends], expected)


def outbox_left(db_path: Path) -> int:
    """Outbox rows not sent: pending, sending, dropped or failed (read beside the bot's own connection)."""
    with sqlite3.connect(db_path) as connection:
        (left,) = connection.execute("SELECT COUNT(*) FROM outbox WHERE status != 'sent'").fetchone()
    return int(left)


# --- the section --------------------------------------------------------------------------------------------
async def relay(chats: int, messages: int, db_path: Path, drawer: Drawer, catalogs: Catalogs) -> list[str]:
    limiter = ChatPacedRateLimiter(overall_per_second=0, chat_interval=0)
    store = SqliteStore(db_path)
    try:
        bot = await start_bot(bot_settings(db_path), fixed_clock, catalogs, drawer, store=store, api=RelayAPI(),
                              rate_limiter=limiter)
    except BaseException:
        await store.close()
        raise
    try:
        push, link = pusher(bot.application)
        started = time.perf_counter()
        opened = await open_chats(bot, chats)
        setup_seconds = time.perf_counter() - started
        await tick_shifts(bot.services)  # one ticker round: the shift starts, the queue's notices go out
        await drain(bot.services, bot.api, push, link, set())
        runs: list[Drain] = []
        done = Exchange()
        for interval, numbers in ((0.0, range(messages)), (PACED_INTERVAL, range(messages, 2 * messages))):
            written = await exchange(opened, numbers, done)
            limiter.interval = interval
            runs.append(await drain(bot.services, bot.api, push, link, written))
            limiter.interval = 0.0
        left = outbox_left(db_path)
    finally:
        await bot.stop()
    return report(chats, messages, setup_seconds, done, runs, left)


def report(chats: int, messages: int, setup_seconds: float, done: Exchange, runs: list[Drain],
           left: int) -> list[str]:
    free, paced = runs
    lines = [
        f"### Chat relay through the outbox ({chats} chats open at once, {len(WORKERS)} workers, "
        f"{messages} messages each way per chat)", "",
        f"Opening the chats through the real flows: {setup_seconds:.1f} s. Writing the messages (twice): "
        f"{done.updates} updates, {done.updates / done.seconds:.0f}/s; p50 per update: "
        + ", ".join(f"{kind} {ms(percentile(took, 50))} ms" for kind, took in done.took.items())
        + f". Outbox rows not sent at the end: {left}.", "",
        "| Pacing per chat | Rows | `deliver_due` calls | Seconds | Rows/s | Sent after, p50 ms | p99 ms | max ms "
        "| CPU % | Order violations | Duplicates | Missing |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, run in (("none", free), (f"{PACED_INTERVAL * 1000:.0f} ms", paced)):
        violations, duplicates, missing = run.checks()
        lines.append(
            f"| {name} | {run.rows} | {run.deliver_calls} | {run.seconds:.2f} | {run.per_second:.0f} | "
            f"{ms(percentile(run.latencies, 50))} | {ms(percentile(run.latencies, 99))} | "
            f"{ms(max(run.latencies))} | {100 * run.cpu_seconds / run.seconds:.0f} | {violations} | "
            f"{duplicates} | {missing} |")
    check = pacing(paced, PACED_INTERVAL)
    scale = 1.0 / PACED_INTERVAL
    lines += [
        "", f"### Per-chat pacing ({PACED_INTERVAL * 1000:.0f} ms interval, bot-wide limit off)", "",
        "| Telegram chats | Busiest chat, messages | Busiest x interval s | Measured s | Measured / "
        "(busiest x interval) | Smallest gap ms | Smallest gap / interval | Gaps under the interval "
        "| Most messages in one interval |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {check.chats} | {check.busiest} | {check.minimum_seconds:.2f} | {paced.seconds:.2f} | "
        f"{paced.seconds / check.minimum_seconds:.2f} | {ms(check.min_gap)} | "
        f"{check.min_gap / PACED_INTERVAL:.2f} | {check.short_gaps} of {check.gaps} | {check.max_per_interval} |",
        "", f"At Telegram's 1 s per chat the waits scale by {scale:.0f} and Kaari's own work does not: the busiest "
        f"chat's {check.busiest} messages take about {check.busiest:.0f} s; the "
        f"{paced.seconds - check.minimum_seconds:+.2f} s here beyond busiest x interval is Kaari's own work "
        "between rounds (the first message needs no wait, so it can be slightly negative).",
    ]
    return lines

