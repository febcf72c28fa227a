"""`GET /metrics` (KAARI_METRICS): off by default, behind its bearer token, and its numbers move with real updates
through the PTB Application; no label ever carries a person's key, chat id or words."""

from __future__ import annotations

import time
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.keys import user_key
from bot.metrics import ARRIVED, REFRESH_EVERY, Metrics
from bot.serve import serves_http, web_app
from bot.settings import SettingsError, load_settings
from bot.webhook import SECRET_HEADER
from storage.ports import SERIALIZABLE, ChatRow, Isolation, OutboxRow, UnitOfWork, UserRow
from tests.bot.harness import Bot, bot_settings, start_bot
from tests.conftest import Clock

TOKEN = "scrape-token-0123456789abcdef"
WORDS = "Minulla on paha olo tänään 🙁"


class Ticks:
    """The metrics' monotonic clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition by name and labels."""
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
async def metered(tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer) -> Bot:
    settings = bot_settings(tmp_path / "k.sqlite3", mode="webhook", metrics=True, metrics_token=TOKEN,
                            webhook_secret="webhook-secret")
    return await start_bot(settings, clock, catalogs, drawer)


async def scrape(client: httpx.AsyncClient) -> str:
    answer = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    return answer.text


def test_metrics_are_off_by_default_and_on_with_a_setting() -> None:
    assert (load_settings({}).metrics, load_settings({}).metrics_token) == (False, "")
    on = load_settings({"KAARI_METRICS": "on", "KAARI_METRICS_TOKEN": f" {TOKEN} "})
    assert (on.metrics, on.metrics_token) == (True, TOKEN)
    with pytest.raises(SettingsError, match="KAARI_METRICS"):
        load_settings({"KAARI_METRICS": "maybe"})


async def test_metrics_are_served_only_when_on_and_only_with_the_token(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, metered: Bot,
) -> None:
    off = await start_bot(bot_settings(tmp_path / "off.sqlite3"), clock, catalogs, drawer)
    try:
        assert not serves_http(off.services)  # polling without the web or the metrics: no port at all
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web_app(off.services)),
                                     base_url="http://kaari") as client:
            assert (await client.get("/metrics")).status_code == 404
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web_app(metered.services)),
                                     base_url="http://kaari") as client:
            for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": TOKEN},
                            {"Authorization": f"Basic {TOKEN}"}):
                refused = await client.get("/metrics", headers=headers)
                assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
                assert "kaari_" not in refused.text
            assert "process_cpu_seconds_total" in await scrape(client)  # this process's own
    finally:
        await off.stop()
        await metered.stop()


async def test_a_real_update_moves_the_numbers_and_no_label_names_a_person(metered: Bot, clock: Clock) -> None:
    services = metered.services
    services.metrics = Metrics(clock=(ticks := Ticks()))
    young = metered.user(user_id=987654321, language="fi")
    app = web_app(services, metered.application)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kaari") as client:
            before = await scrape(client)
            assert value(before, "kaari_updates_total", channel="tg", outcome="handled") == 0
            assert value(before, "kaari_outbox_due") == 0
            await young.send("/start")
            await young.send(WORDS)
            async with services.store.transaction() as work:  # a backlog and a queue, as the database has them
                await work.users.save(UserRow("someone", "fi", clock(), clock()))
                await work.outbox.add(OutboxRow("someone", "notify", {"key": "notify.x"}, clock()))
                await work.outbox.add(OutboxRow("someone", "notify", {"key": "notify.y"}, clock() + timedelta(days=1)))
                service = services.chat.services[0].id
                await work.chats.add(ChatRow(service, clock(), "someone"))
            cached = await scrape(client)
            assert value(cached, "kaari_updates_total", channel="tg", outcome="handled") == 2  # counted as it happens
            assert value(cached, "kaari_outbox_due") == 0  # read from the database at most every few seconds
            ticks.now += REFRESH_EVERY
            after = await scrape(client)
    finally:
        await metered.stop()
    assert value(after, "kaari_updates_total", channel="tg", outcome="handled") == 2
    assert value(after, "kaari_reply_commit_seconds_count", channel="tg") == 2
    assert value(after, "kaari_reply_send_seconds_count", channel="tg") == 2
    assert value(after, "kaari_sends_total", channel="tg") == len(metered.api.sent(young.id)) >= 2
    assert value(after, "kaari_outbox_due") == 1  # the one due, not tomorrow's
    assert value(after, "kaari_chat_queue", service=service) == 1
    # Labels are fixed words or a service's id: never the person's Telegram id, their key, or what they wrote.
    key = user_key(services.secret, "tg", young.id)
    labels = {(name, label) for (_, pairs) in samples(after) for name, label in pairs}
    assert {name for name, _ in labels} <= {"channel", "outcome", "kind", "service", "le", "generation",
                                             "implementation", "major", "minor", "patchlevel", "version"}
    for _, label in labels:
        assert str(young.id) not in label and key[:8] not in label and "someone" not in label
        assert not set(WORDS.split()) & set(label.split()), label
    assert {label for name, label in labels if name == "channel"} == {"tg"}
    assert {label for name, label in labels if name == "outcome"} == {"handled"}


async def test_the_database_is_read_at_most_every_few_seconds_however_often_it_is_scraped(
    metered: Bot, clock: Clock,
) -> None:
    ticks, store = Ticks(), metered.services.store
    metrics = Metrics(clock=ticks)
    reads = 0
    transaction = store.transaction

    def counted(person: str | None = None, *,
                isolation: Isolation = SERIALIZABLE) -> AbstractAsyncContextManager[UnitOfWork]:
        nonlocal reads
        reads += 1
        return transaction(person, isolation=isolation)

    store.transaction = counted  # type: ignore[method-assign]
    try:
        for _ in range(5):
            await metrics.refresh(store, ["chat"], clock())
        assert reads == 1
        ticks.now += REFRESH_EVERY - 0.1
        await metrics.refresh(store, ["chat"], clock())
        assert reads == 1
        ticks.now += 0.1
        await metrics.refresh(store, ["chat"], clock())
        assert reads == 2
    finally:
        store.transaction = transaction  # type: ignore[method-assign]
        await metered.stop()


async def test_the_reply_latency_counts_from_the_updates_arrival_not_from_its_handler(metered: Bot) -> None:
    """The webhook's route and the poller mark the arrival in the update's task, before PTB's concurrency limit
    and dispatch: a wait there is the person's wait too."""
    young = metered.user(user_id=555, language="en")
    app = web_app(metered.services, metered.application)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kaari") as client:
            posted = await client.post("/telegram", json=young.message_update("/start"),
                                       headers={SECRET_HEADER: "webhook-secret"})
            assert posted.status_code == 200
            webhook = await scrape(client)
            assert value(webhook, "kaari_reply_commit_seconds_count", channel="tg") == 1
            ARRIVED.set(time.perf_counter() - 100)  # as if it had waited 100 s before its handler began
            await young.send("/help")
            waited = await scrape(client)
    finally:
        await metered.stop()
    assert value(waited, "kaari_reply_commit_seconds_count", channel="tg") == 2
    assert value(waited, "kaari_reply_commit_seconds_sum", channel="tg") >= 100
    assert value(waited, "kaari_reply_commit_seconds_bucket", channel="tg", le="60.0") == 1


def test_contention_is_counted_by_call_site_and_outcome() -> None:
    metrics = Metrics()
    metrics.contended("handle", False)
    metrics.contended("handle", False)
    metrics.contended("claim", True)
    text = metrics.exposition().decode()
    assert 'kaari_contention_total{outcome="retried",what="handle"} 2.0' in text
    assert 'kaari_contention_total{outcome="gave_up",what="claim"} 1.0' in text
