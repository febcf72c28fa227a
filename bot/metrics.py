"""Prometheus metrics of one Kaari process, served at ``GET /metrics`` when KAARI_METRICS is on (bot.webhook).

Counted where it happens: updates by channel and outcome, the reply's two waits (an update's arrival to its reply
committed, then to its messages sent), messages sent and sends that failed. Read from the database when scraped:
the outbox's backlog and each chat service's queue, at most once every REFRESH_EVERY seconds however often
Prometheus (or several of them) asks, so a scrape costs the database two small queries at most.

Labels are fixed words (a channel, an outcome, a failure's kind) or a chat service's id from the organisation's
services file: never a person's key, a chat id or anything a person wrote (tests/bot/test_metrics.py checks).
Each process exports its own numbers, with its own process metrics (CPU, memory, open files): with several
instances, Prometheus scrapes each and sums by job.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from datetime import datetime

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    gc_collector,
    generate_latest,
    platform_collector,
    process_collector,
)

from storage.ports import Store

log = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST
REFRESH_EVERY = 5.0  # seconds between two reads of the database's gauges
# What became of an update: answered, already answered before (a repeat after a crash), refused as too fast
# (the person is told), or failed (the person is told so; Telegram sends it again).
HANDLED, DUPLICATE, FLOODED, FAILED = "handled", "duplicate", "flooded", "failed"
# Why a send failed: the person blocked the bot, Telegram was briefly unavailable (a time-out, 5xx, 429: retried),
# Telegram refused the message outright, or the ticker gave up after its retries.
BLOCKED, TRANSIENT, REFUSED, GAVE_UP = "blocked", "transient", "refused", "gave_up"
# From a few milliseconds (a text reply on SQLite) to the tens of seconds a paced or retried send can take.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


# When the update in hand reached Kaari (time.perf_counter()): set by the webhook's route and the poller, each
# update in its own task, before PTB's concurrency limit and dispatch; the handler reads it (`arrival`).
ARRIVED: ContextVar[float | None] = ContextVar("kaari_arrived", default=None)


def arrived() -> None:
    """Mark now as the arrival of the update this task handles."""
    ARRIVED.set(time.perf_counter())


def arrival() -> float:
    """When the update in hand arrived (now, if nothing marked it: a test, the console)."""
    return ARRIVED.get() or time.perf_counter()


class Metrics:
    """One process's metrics in a registry of its own (not the library's global one: tests build many)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.registry = registry = CollectorRegistry()
        process_collector.ProcessCollector(registry=registry)
        platform_collector.PlatformCollector(registry=registry)
        gc_collector.GCCollector(registry=registry)
        self.updates = Counter("kaari_updates", "Updates (a person's input) by channel and outcome.",
                               ["channel", "outcome"], registry=registry)
        self.reply_commit = Histogram(
            "kaari_reply_commit_seconds", "From an update's arrival to its input and reply committed.",
            ["channel"], buckets=LATENCY_BUCKETS, registry=registry)
        self.reply_send = Histogram(
            "kaari_reply_send_seconds", "From an update's reply committed to its messages sent.",
            ["channel"], buckets=LATENCY_BUCKETS, registry=registry)
        self.sends = Counter("kaari_sends", "Messages sent (Bot API calls, web chat messages); rate() of it is "
                             "sends per second.", ["channel"], registry=registry)
        self.send_failures = Counter("kaari_send_failures", "Sends that failed, by kind.", ["kind"],
                                     registry=registry)
        self.contention = Counter(
            "kaari_contention", "Transactions that lost to a concurrent one (PostgreSQL) by call site: run again "
            "(retried) or given up after their tries (gave_up; an update then fails).", ["what", "outcome"],
            registry=registry)
        self.outbox_due = Gauge("kaari_outbox_due", "Outbox rows due and not yet sent (read from the database).",
                                registry=registry)
        self.chat_queue = Gauge("kaari_chat_queue", "Young people waiting in a chat service's queue (read from the "
                                "database).", ["service"], registry=registry)
        self._clock = clock
        self._read_at: float | None = None
        self._reading = asyncio.Lock()

    def update(self, channel: str, outcome: str) -> None:
        """Count one update and what became of it."""
        self.updates.labels(channel, outcome).inc()

    def sent(self, channel: str, count: int = 1) -> None:
        """Count messages sent."""
        self.sends.labels(channel).inc(count)

    def failed(self, kind: str) -> None:
        """Count a send that failed."""
        self.send_failures.labels(kind).inc()

    def contended(self, what: str, gave_up: bool) -> None:
        """Count a transaction that lost to a concurrent one (flows.core.contention's watcher)."""
        self.contention.labels(what, "gave_up" if gave_up else "retried").inc()

    async def refresh(self, store: Store, services: Iterable[str], now: datetime) -> None:
        """Read the database's gauges, unless they were read less than REFRESH_EVERY seconds ago. A database that
        fails leaves the last values (and /readyz says what is wrong)."""
        async with self._reading:
            if self._read_at is not None and self._clock() - self._read_at < REFRESH_EVERY:
                return
            self._read_at = self._clock()
            try:
                async with store.transaction() as work:
                    due = await work.outbox.due_count(now)
                    queues = {service: len(await work.chats.queued(service)) for service in services}
            except Exception as error:
                log.warning("metrics.read_failed error=%s", type(error).__name__)
                return
        self.outbox_due.set(due)
        for service, length in queues.items():
            self.chat_queue.labels(service).set(length)

    def exposition(self) -> bytes:
        """Every metric in Prometheus's text format."""
        return generate_latest(self.registry)
