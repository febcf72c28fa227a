"""Conversation speed with Telegram's limits on (issue #9 §6): how soon a person walking ESY sees the next
question, and whether the bot-wide cap still holds with many people at once.

Kaari is wired as in production (``bootstrap``, ``build_application`` with the limiter its settings make) on
the fake Bot API, with the default limits: 30 requests/s bot-wide, per chat a burst of ``chat_burst`` then one
message a second, and the flood gate on. "Before" is the same with ``chat_burst=1``: today's one message a
second from the previous send.

- **One person walking ESY:** ``/start``, pick a language, open the circle, begin, then rate statements
  (skipping each wish), pausing ``think`` seconds after each question arrives (reading it). For each update:
  from just before ``process_update`` to when the fake Bot API received the next question (``Call.at``).
- **Many people at once:** ``people`` people each send ``updates`` updates at once (their own reply waits
  for the previous), with the bot-wide cap at its default; the most Bot API requests in any 1 s sliding
  window (answerCallbackQuery, never paced, aside).
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.reminders import most_within
from bench.run import TOKEN, App, RecordingAPI, kaari_script
from bench.stats import ms, percentile
from bot.bootstrap import bootstrap
from bot.drawing import Drawer
from bot.i18n import Catalogs
from bot.settings import Settings
from bot.telegram_app import build_application
from bot.updates import parse_update
from storage.sqlite import SqliteStore

UNCOUNTED = frozenset({"answerCallbackQuery", "getMe", "getUpdates", "setMyCommands"})


@dataclass(frozen=True)
class Walk:
    burst: int
    think: float
    latencies: list[float]
    sends_per_update: float


async def kaari(db_path: Path, drawer: Drawer, catalogs: Catalogs, burst: int = Settings.chat_burst,
                ) -> tuple[App, RecordingAPI, SqliteStore]:
    """Kaari with the default limits (and ``burst``) on the throughput section's fake Bot API."""
    settings = Settings(telegram_token=TOKEN, db_path=db_path, secret="bench-secret", chat_burst=burst)
    store = SqliteStore(db_path)
    services = await bootstrap(settings, store=store, drawer=drawer, catalogs=catalogs)
    api = RecordingAPI()
    application = build_application(services, request=api)
    await application.initialize()
    return application, api, store


async def walk(burst: int, think: float, taps: int, drawer: Drawer, catalogs: Catalogs) -> Walk:
    """One person walks ESY with the default limits and ``chat_burst=burst``."""
    with tempfile.TemporaryDirectory(prefix="kaari-pace-") as tmp:
        application, api, store = await kaari(Path(tmp) / "walk.sqlite3", drawer, catalogs, burst)
        script = kaari_script(api)
        uid, latencies, sends = 4_000_001, list[float](), 0
        try:
            for step in range(taps):
                update = parse_update(script(uid, step), application.bot)
                mark = len(api.calls)
                started = time.monotonic()  # as Call.at
                await application.process_update(update)
                new = api.calls[mark:]
                questions = [c.at for c in new if c.method == "sendMessage" and c.params.get("reply_markup")]
                latencies.append(questions[-1] - started if questions else float("nan"))
                sends += sum(c.method.startswith("send") for c in new)
                await asyncio.sleep(think)
        finally:
            await application.shutdown()
            await store.close()
    return Walk(burst, think, latencies, sends / taps)


async def crowd(people: int, updates: int, drawer: Drawer, catalogs: Catalogs) -> tuple[int, int, float, float]:
    """(requests, most in any 1 s, seconds, cap) for ``people`` at once with the default limits."""
    with tempfile.TemporaryDirectory(prefix="kaari-crowd-") as tmp:
        settings = Settings()
        application, api, store = await kaari(Path(tmp) / "crowd.sqlite3", drawer, catalogs)
        script = kaari_script(api)
        rng = random.Random(7)

        async def person(uid: int) -> None:
            await asyncio.sleep(rng.uniform(0, 0.5))
            for step in range(updates):
                await application.process_update(
                    parse_update(script(uid, step), application.bot))

        mark, started = len(api.calls), time.monotonic()
        try:
            await asyncio.gather(*(person(5_000_000 + n) for n in range(people)))
        finally:
            seconds = time.monotonic() - started
            await application.shutdown()
            await store.close()
        times = sorted(c.at for c in api.calls[mark:] if c.method not in UNCOUNTED)
    return len(times), most_within(times, 1.0), seconds, settings.rate_per_second


async def pacing(taps: int, think: float, people: int, updates: int, drawer: Drawer,
                 catalogs: Catalogs) -> list[str]:
    """The section's report."""
    walks = [await walk(burst, reading, taps, drawer, catalogs)
             for reading in (think, think / 2) for burst in (1, Settings.chat_burst)]
    lines = [f"### One person walking ESY with the default limits ({taps} updates)", "",
             "| Reading each question, s | Per-chat burst | Next question after, p50 ms | p99 ms | max ms "
             "| Under 300 ms | New messages per update |", "|---:|---|---:|---:|---:|---:|---:|"]
    for one in walks:
        label = "1 (before: 1 message/s from the previous send)" if one.burst == 1 else f"{one.burst} (now)"
        lines.append(f"| {one.think:.2f} | {label} | {ms(percentile(one.latencies, 50))} | "
                     f"{ms(percentile(one.latencies, 99))} | "
                     f"{ms(max(one.latencies))} | {sum(x < 0.3 for x in one.latencies)} / {len(one.latencies)} "
                     f"| {one.sends_per_update:.1f} |")
    requests, most, seconds, cap = await crowd(people, updates, drawer, catalogs)
    lines += ["", f"### {people} people at once, {updates} updates each, default limits", "",
              "| Requests | Seconds | Requests/s | Most in any 1 s | Cap /s |", "|---:|---:|---:|---:|---:|",
              f"| {requests} | {seconds:.1f} | {requests / seconds:.1f} | {most} | {cap:.0f} |"]
    return lines
