"""Kaari's throughput and latency, in-process on the fake Bot API: ``python -m bench.run [--quick]``.

1. Updates/s and p50/p99 reply latency through the full stack (SQLite store, engine, render, PTB) for
   1, 50 and 200 simulated users, against a bare PTB echo bot on the same fake Bot API.
2. Circle drawing time, in-process and through the process pool, and the latency of other people's small
   updates while circles are drawn in the pool or in a thread (why the pool exists).
3. The anonymous chat's relay through the outbox: rows/s of ``deliver_due`` with many chats open, and with
   per-chat pacing on, the gaps, order and duplicates in each Telegram chat (bench/relay.py).
4. Meeting reminders due at once: ``deliver_all``'s send rate against the bot-wide cap, the most sends in
   any 1 s window, and duplicates, missing and unsent rows (bench/reminders.py).
5. Concurrent web chats: young people on real WebSockets (uvicorn on localhost), Telegram workers answering;
   the reply latency's p50/p99 for more and more chats at once (bench/web_chats.py).

Not a test: it asserts nothing about speed, it prints a Markdown report. docs/benchmarks.md explains it.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import matplotlib
import telegram
from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bench.relay import relay
from bench.reminders import FULL_CASES, QUICK_CASES, Case, reminders
from bench.stats import ms, percentile
from bench.web_chats import web_chats
from bot.bootstrap import bootstrap
from bot.circle import CirclePicture, draw_circle
from bot.drawing import Drawer, ProcessDrawer
from bot.effect_chart import EffectChart, draw_effect_chart
from bot.i18n import Catalogs
from bot.pdf import PdfLayout, build_pdf
from bot.progress_chart import ProgressPicture, draw_progress
from bot.render import circle_picture
from bot.settings import Settings
from bot.telegram_app import build_application
from bot.updates import parse_update
from flows.core.messages import N_, Msg
from flows.core.results import LANGUAGE_PREFIX, Circle, Series
from flows.esy.instrument import load_instrument
from storage.sqlite import SqliteStore
from tests.bot.fakeapi import BOT_USER, FakeBotAPI

App = Application[Any, Any, Any, Any, Any, Any]
UpdateJson = dict[str, Any]
Parse = Callable[[UpdateJson, telegram.Bot], Update]
NextUpdate = Callable[[int, int], UpdateJson]  # (user id, step) -> the update that user sends next

TOKEN = "123456:BENCH-TOKEN"
LANGUAGES = ("fi", "sv", "en")
RATINGS = frozenset({"1", "2", "3", "4", "5"})
DRAW_LOOPS = 2  # people whose circles are being drawn at any moment of the interference run
_ids = itertools.count(1)


@dataclass(frozen=True)
class Plan:
    per_user: int  # updates each simulated user sends
    user_counts: tuple[int, ...]
    draws: int  # timed draws per drawing measurement
    busy_users: int  # users sending small updates while circles are drawn
    busy_per_user: int
    relay_chats: int  # anonymous chats open at once in the relay section
    relay_messages: int  # messages each way per chat (twice: unpaced, then paced)
    reminder_cases: tuple[Case, ...]  # (recipients, reminders each, bot-wide cap) of the reminders section
    walk_taps: int = 34  # updates of one person walking ESY with the default limits (pacing section)
    reading: float = 1.0  # seconds they read each question before tapping
    crowd: tuple[int, int] = (200, 2)  # people at once, and updates each, under the bot-wide cap
    think: float = 0.1  # seconds each of them pauses between updates, so the bot is not saturated
    web_counts: tuple[int, ...] = (25, 50, 75, 100, 150, 200)  # web chats at once, one run each (web section)
    web_messages: int = 6  # messages each young person writes (each answered by their worker)
    web_think: float = 10.0  # seconds a young person pauses before each message (0.5-1.5 times at random)


FULL = Plan(per_user=30, user_counts=(1, 50, 200), draws=20, busy_users=20, busy_per_user=30,
            relay_chats=50, relay_messages=10, reminder_cases=FULL_CASES)
QUICK = Plan(per_user=10, user_counts=(1, 50, 200), draws=5, busy_users=20, busy_per_user=10,
             relay_chats=10, relay_messages=3, reminder_cases=QUICK_CASES, walk_taps=12, web_counts=(25, 50),
             web_messages=3, web_think=3.0)
SECTIONS = ("throughput", "drawing", "relay", "reminders", "pacing", "web")


# --- instruments ------------------------------------------------------------------------------------
class RecordingAPI(FakeBotAPI):
    """The tests' fake Bot API, also remembering each chat's latest question so a user can answer it."""

    def __init__(self) -> None:
        super().__init__()
        self.questions: dict[int, dict[str, Any]] = {}

    def api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        message = super().api_sendMessage(params)
        if message.get("reply_markup"):
            self.questions[message["chat"]["id"]] = message
        return message


class TimedLock(asyncio.Lock):
    """The store's transaction lock, adding up how long it is held: how busy the single connection is."""

    def __init__(self) -> None:
        super().__init__()
        self.held = 0.0
        self._since = 0.0

    async def acquire(self) -> Literal[True]:
        await super().acquire()
        self._since = time.perf_counter()
        return True

    def release(self) -> None:
        self.held += time.perf_counter() - self._since
        super().release()


class ThreadDrawer:
    """Drawing in a thread of this process: what the process pool replaces."""

    async def draw(self, picture: CirclePicture) -> bytes:
        return await asyncio.to_thread(draw_circle, picture)

    async def progress(self, picture: ProgressPicture) -> bytes:
        return await asyncio.to_thread(draw_progress, picture)

    async def pdf(self, layout: PdfLayout) -> bytes:
        return await asyncio.to_thread(build_pdf, layout)

    async def chart(self, chart: EffectChart) -> bytes:
        return await asyncio.to_thread(draw_effect_chart, chart)

    async def close(self) -> None:
        """Nothing to release."""


@dataclass
class Load:
    updates: int
    seconds: float
    latencies: list[float]
    cpu_seconds: float
    api_calls: int
    store_held: float | None = None
    draws: int = 0

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds

    def p(self, q: float) -> float:
        return percentile(self.latencies, q)


# --- simulated people ---------------------------------------------------------------------------------
def user_json(uid: int) -> dict[str, Any]:
    return {"id": uid, "is_bot": False, "first_name": "Nuori", "language_code": LANGUAGES[uid % 3]}


def message_update(uid: int, text: str) -> UpdateJson:
    message = {
        "message_id": next(_ids), "date": int(time.time()),
        "chat": {"id": uid, "type": "private", "first_name": "Nuori"}, "from": user_json(uid), "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": next(_ids), "message": message}


def callback_update(uid: int, data: str, question: dict[str, Any]) -> UpdateJson:
    return {"update_id": next(_ids), "callback_query": {
        "id": str(next(_ids)), "from": user_json(uid), "chat_instance": "ci", "data": data,
        "message": question,
    }}


def kaari_script(api: RecordingAPI, seed: int = 1) -> NextUpdate:
    """/start, pick a language, open the circle, begin, then rate statements (skipping each wish)."""
    rng = random.Random(seed)

    def next_update(uid: int, step: int) -> UpdateJson:
        question = api.questions.get(uid)
        if step == 0 or question is None:
            return message_update(uid, "/start")
        data = [b["callback_data"] for row in question["reply_markup"]["inline_keyboard"] for b in row]
        by_value = {d.split("|", 1)[1]: d for d in data}
        ratings = [d for value, d in by_value.items() if value in RATINGS]
        if ratings:
            return callback_update(uid, rng.choice(ratings), question)
        for wanted in ("skip", LANGUAGE_PREFIX + LANGUAGES[uid % 3], "esy", "begin"):
            if wanted in by_value:
                return callback_update(uid, by_value[wanted], question)
        raise RuntimeError(f"the bench script does not know what to tap among {sorted(by_value)}")

    return next_update


def echo_script() -> NextUpdate:
    """The same shape of traffic for the bare bot: /start, then button taps on a bot message."""

    def next_update(uid: int, step: int) -> UpdateJson:
        if step == 0:
            return message_update(uid, "/start")
        question = {"message_id": 1, "date": int(time.time()), "from": BOT_USER, "text": "?",
                    "chat": {"id": uid, "type": "private", "first_name": "Nuori"}}
        return callback_update(uid, f"{step}|{random.choice(sorted(RATINGS))}", question)

    return next_update


async def drive(application: App, api: FakeBotAPI, users: int, per_user: int, script: NextUpdate,
                first_uid: int, think: float = 0.0, parse: Parse = Update.de_json) -> Load:
    """Each user sends ``per_user`` updates one after another, pausing ``think`` s (from a random start)
    between them; all users at once. Without a pause the bot is saturated (a closed loop). Each update is read
    with ``parse``, as the bot reads them: PTB's own for the bare bot, Kaari's (`bot.updates`) for Kaari."""
    latencies: list[float] = []
    rng = random.Random(first_uid)

    async def person(uid: int, offset: float) -> None:
        await asyncio.sleep(offset)
        for step in range(per_user):
            update = parse(script(uid, step), application.bot)
            started = time.perf_counter()
            await application.process_update(update)
            latencies.append(time.perf_counter() - started)
            if think:
                await asyncio.sleep(think)

    calls_before, cpu_before, started = len(api.calls), time.process_time(), time.perf_counter()
    await asyncio.gather(*(person(first_uid + i, rng.uniform(0, think)) for i in range(users)))
    seconds = time.perf_counter() - started
    return Load(users * per_user, seconds, latencies, time.process_time() - cpu_before,
                len(api.calls) - calls_before)


# --- the bots -------------------------------------------------------------------------------------------
class KaariUnderTest:
    """Kaari wired as in production (bootstrap, build_application) but on a fake Bot API and a temp DB."""

    def __init__(self, db_path: Path, drawer: Drawer, catalogs: Catalogs) -> None:
        self.settings = Settings(telegram_token=TOKEN, db_path=db_path, secret="bench-secret",
                                 rate_per_second=0.0, chat_interval=0.0, flood_burst=0)
        self.drawer, self.catalogs = drawer, catalogs
        self.api = RecordingAPI()
        self.errors = 0

    async def __aenter__(self) -> KaariUnderTest:
        self.store = SqliteStore(self.settings.db_path)
        try:
            self.services = await bootstrap(self.settings, store=self.store, drawer=self.drawer,
                                            catalogs=self.catalogs)
            self.lock = TimedLock()
            self.store._lock = self.lock
            self.application = build_application(self.services, request=self.api)
            self.application.add_error_handler(self.count_error)
            await self.application.initialize()
        except BaseException:
            await self.store.close()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.application.shutdown()
        await self.store.close()  # the drawer is shared; main() closes it

    async def count_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.errors += 1

    async def load(self, users: int, per_user: int, think: float = 0.0) -> Load:
        script = kaari_script(self.api)
        await drive(self.application, self.api, 1, 4, script, first_uid=9_000_000, parse=parse_update)  # warm-up
        self.lock.held = 0.0
        result = await drive(self.application, self.api, users, per_user, script, 1_000_000, think, parse_update)
        result.store_held = self.lock.held
        if self.errors:
            raise RuntimeError(f"{self.errors} updates failed in Kaari; the numbers would be meaningless")
        return result


async def bare_load(users: int, per_user: int) -> Load:
    """A bare PTB bot: one handler per update type, each replying with one send_message."""
    api = FakeBotAPI()
    application = (ApplicationBuilder().token(TOKEN).request(api).get_updates_request(api)
                   .concurrent_updates(True).build())

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, "echo")

    application.add_handler(MessageHandler(filters.ALL, echo))
    application.add_handler(CallbackQueryHandler(echo))
    await application.initialize()
    try:
        await drive(application, api, 1, 4, echo_script(), first_uid=9_000_000)  # warm-up
        return await drive(application, api, users, per_user, echo_script(), first_uid=1_000_000)
    finally:
        await application.shutdown()


# --- drawing ----------------------------------------------------------------------------------------------
def sample_picture(catalogs: Catalogs) -> CirclePicture:
    """A second assessment's circle (now and before), in Finnish: the larger of the two real cases."""
    instrument = load_instrument()
    now, before = datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 8, 20, tzinfo=UTC)
    count = len(instrument.areas)
    circle = Circle(
        title=Msg(N_("esy.circle.title"), {"date": now}),
        areas=tuple(area.name for area in instrument.areas),
        scale_min=instrument.scale_min, scale_max=instrument.scale_max,
        scale_labels=tuple(point.label for point in instrument.scale),
        series=(
            Series(Msg(N_("esy.circle.now")), tuple(1.0 + (i * 7 % 5) for i in range(count)), now),
            Series(Msg(N_("esy.circle.before"), {"date": before}), tuple(2.5 for _ in range(count)), before),
        ),
        when=now,
    )
    return circle_picture(circle, "fi", catalogs)


async def time_draws(draw: Callable[[], Any], count: int) -> list[float]:
    """Sequential draws after one warm-up draw; ``draw`` returns bytes or an awaitable of bytes."""
    samples: list[float] = []
    for index in range(count + 1):
        started = time.perf_counter()
        result = draw()
        if asyncio.iscoroutine(result):
            await result
        if index:
            samples.append(time.perf_counter() - started)
    return samples


async def load_while_drawing(db_path: Path, drawing: Drawer | None, idle: Drawer, catalogs: Catalogs,
                             picture: CirclePicture, plan: Plan) -> Load:
    """Small updates from ``busy_users`` people while ``drawing`` draws DRAW_LOOPS circles back to back."""
    stop = asyncio.Event()

    async def keep_drawing(active: Drawer) -> int:
        drawn = 0
        while not stop.is_set():
            await active.draw(picture)
            drawn += 1
        return drawn

    async with KaariUnderTest(db_path, drawing or idle, catalogs) as kaari:
        loops = [asyncio.create_task(keep_drawing(drawing)) for _ in range(DRAW_LOOPS)] if drawing else []
        await asyncio.sleep(0.05 if drawing else 0)  # let the first circles start
        try:
            result = await kaari.load(plan.busy_users, plan.busy_per_user, plan.think)
        finally:
            stop.set()
            drawn = sum(await asyncio.gather(*loops))
    result.draws = drawn
    return result


# --- report -------------------------------------------------------------------------------------------------
def machine() -> str:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (f"{cores} cores ({platform.processor() or platform.machine()}), "
            f"Python {platform.python_version()}, python-telegram-bot {telegram.__version__}, "
            f"SQLite {sqlite3.sqlite_version}, "
            f"matplotlib {matplotlib.__version__}, {platform.system()} {platform.release()}")


async def throughput(plan: Plan, directory: Path, drawer: Drawer, catalogs: Catalogs) -> list[str]:
    kaari: dict[int, Load] = {}
    bare: dict[int, Load] = {}
    for users in plan.user_counts:
        async with KaariUnderTest(directory / f"load-{users}.sqlite3", drawer, catalogs) as bot:
            kaari[users] = await bot.load(users, plan.per_user)
        bare[users] = await bare_load(users, plan.per_user)
    lines = [
        f"### Throughput and reply latency ({plan.per_user} updates per user)", "",
        "| Bot | Users | Updates | Updates/s | p50 ms | p99 ms | API calls/update | CPU % "
        "| Store lock held % |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, loads in (("Kaari", kaari), ("bare PTB echo", bare)):
        for users, load in loads.items():
            held = "-" if load.store_held is None else f"{100 * load.store_held / load.seconds:.0f}"
            lines.append(
                f"| {name} | {users} | {load.updates} | {load.per_second:.0f} | {ms(load.p(50))} | "
                f"{ms(load.p(99))} | {load.api_calls / load.updates:.1f} | "
                f"{100 * load.cpu_seconds / load.seconds:.0f} | {held} |")
    lines += ["", "### Kaari / bare", "",
              "| Users | Throughput, Kaari / bare | p50 latency, Kaari / bare | p99 latency, Kaari / bare |",
              "|---:|---:|---:|---:|"]
    for users in plan.user_counts:
        k, b = kaari[users], bare[users]
        lines.append(f"| {users} | {k.per_second / b.per_second:.2f} | {k.p(50) / b.p(50):.1f} | "
                     f"{k.p(99) / b.p(99):.1f} |")
    return lines


async def drawing(plan: Plan, directory: Path, drawer: Drawer, catalogs: Catalogs) -> list[str]:
    picture = sample_picture(catalogs)
    direct = await time_draws(lambda: draw_circle(picture), plan.draws)
    pooled = await time_draws(lambda: drawer.draw(picture), plan.draws)
    lines = [f"### Drawing the circle ({plan.draws} draws, one after another)", "",
             "| How | p50 ms | p99 ms |", "|---|---:|---:|",
             f"| `draw_circle` in-process | {ms(percentile(direct, 50))} | {ms(percentile(direct, 99))} |",
             f"| `ProcessDrawer.draw` (1 worker, with pickling) | {ms(percentile(pooled, 50))} | "
             f"{ms(percentile(pooled, 99))} |"]
    busy: dict[str, Load] = {}
    for label, active in (("no drawing", None), ("process pool (1 worker)", drawer),
                          ("thread (`asyncio.to_thread`)", ThreadDrawer())):
        db = directory / f"busy-{len(busy)}.sqlite3"
        busy[label] = await load_while_drawing(db, active, drawer, catalogs, picture, plan)
    quiet = busy["no drawing"]
    lines += ["", f"### Small updates while circles are drawn ({plan.busy_users} users x "
              f"{plan.busy_per_user} updates, {plan.think * 1000:.0f} ms pause between a user's updates; "
              f"{DRAW_LOOPS} circles drawn back to back meanwhile)", "",
              "| Drawing | Circles drawn | Updates/s | p50 ms | p99 ms | p99 / no drawing |",
              "|---|---:|---:|---:|---:|---:|"]
    for label, load in busy.items():
        lines.append(f"| {label} | {load.draws} | {load.per_second:.0f} | {ms(load.p(50))} | "
                     f"{ms(load.p(99))} | {load.p(99) / quiet.p(99):.1f} |")
    return lines


async def run(plan: Plan, sections: tuple[str, ...] = SECTIONS) -> str:
    catalogs = Catalogs()
    drawer = ProcessDrawer(1)
    try:
        with tempfile.TemporaryDirectory(prefix="kaari-bench-") as tmp:
            lines = [f"Machine: {machine()}"]
            if "throughput" in sections:
                lines += [""] + await throughput(plan, Path(tmp), drawer, catalogs)
            if "drawing" in sections:
                lines += [""] + await drawing(plan, Path(tmp), drawer, catalogs)
            if "relay" in sections:
                lines += [""] + await relay(plan.relay_chats, plan.relay_messages, Path(tmp) / "relay.sqlite3",
                                            drawer, catalogs)
            if "reminders" in sections:
                lines += [""] + await reminders(plan.reminder_cases, Path(tmp), drawer, catalogs)
            if "pacing" in sections:
                from bench.pacing import pacing  # it builds on this module's fake and script

                lines += [""] + await pacing(plan.walk_taps, plan.reading, *plan.crowd, drawer, catalogs)
            if "web" in sections:
                lines += [""] + await web_chats(plan.web_counts, plan.web_messages, plan.web_think, Path(tmp),
                                                drawer, catalogs)
    finally:
        await drawer.close()
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer updates, draws, chats and reminders (about 80 s)")
    parser.add_argument("--only", choices=SECTIONS, action="append",
                        help="run only this section (may be given more than once)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    report = asyncio.run(run(QUICK if args.quick else FULL, tuple(args.only or SECTIONS)))
    print(report)
    print(f"\n_{'Quick' if args.quick else 'Full'} run, {time.perf_counter() - started:.0f} s in all._")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
