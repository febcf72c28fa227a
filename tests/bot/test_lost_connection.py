"""The database server goes away mid-update (restarted, the session ended): the update is not confirmed and is
done when Telegram sends it again; the person sees no error, the log one line with no traceback and no secret."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
import pytest

from bot.polling import Watermark
from bot.serve import stop_ticker
from bot.telegram_app import FAILED, UNCONFIRMED, pusher
from bot.ticker import run_ticker
from storage.ports import SERIALIZABLE, ConnectionLost, Isolation, UnitOfWork
from tests.bot import harness
from tests.bot.harness import Bot

pytestmark = pytest.mark.postgresql_only("an SQLite file has no server to lose")


def end_every_other_session(url: str) -> int:
    """pg_terminate_backend for every session of the database but this one: as a server restart does."""
    with psycopg.connect(url, autocommit=True) as conn:
        ended = conn.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                             "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchone()
    return int(ended[0]) if ended else 0


async def test_an_update_whose_connection_is_lost_is_not_confirmed_and_is_done_when_sent_again(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    assert harness.DATABASE_URL
    young = bot.user(515151, "en")
    await young.send("/start")
    store, real = bot.services.store, bot.services.store.transaction
    cut: list[int] = []

    @asynccontextmanager
    async def cut_once(person: str | None = None, *, isolation: Isolation = SERIALIZABLE) -> AsyncIterator[UnitOfWork]:
        async with real(person, isolation=isolation) as work:
            if not cut:  # the transaction has begun (and taken the person's lock): now the server goes
                cut.append(end_every_other_session(harness.DATABASE_URL or ""))
            yield work

    monkeypatch.setattr(store, "transaction", cut_once)
    update = young.message_update("hello")
    bot.expect_errors = True
    with caplog.at_level(logging.INFO):
        calls = await young.process(update)
    assert cut and cut[0] >= 1
    assert [call for call in calls if call.method == "sendMessage"] == [], "no apology: it will simply be done"
    assert [type(error) for error in bot.errors] == [ConnectionLost]
    assert update["update_id"] in bot.application.bot_data[UNCONFIRMED]
    assert update["update_id"] in bot.application.bot_data[FAILED], "the webhook answers 500"
    lines = [(record.levelno, record.getMessage()) for record in caplog.records
             if record.name.startswith(("bot.", "storage."))]
    assert (logging.WARNING, f"telegram.not_confirmed update={update['update_id']} error=ConnectionLost") in lines
    assert not [record for record in caplog.records if record.exc_info], "no traceback"
    assert not [line for _, line in lines if "hello" in line or "postgresql://" in line or "test-secret" in line]
    # Telegram sends it again: the pool lends a live connection, and it is done once.
    bot.errors.clear()
    bot.expect_errors = False
    again = await young.process(update)
    assert len([call for call in again if call.method == "sendMessage"]) >= 1


def test_an_update_given_back_holds_the_offset_and_is_taken_again() -> None:
    mark = Watermark()
    assert mark.start(1) and mark.start(2)
    mark.give_back(1)
    mark.finish(2)
    assert mark.offset <= 1, "not confirmed: Telegram sends it again"
    assert mark.start(1) and not mark.start(2)
    mark.finish(1)
    assert mark.offset == 3


async def test_the_ticker_says_in_one_line_a_round_that_the_database_is_away(
    bot: Bot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    """While the server restarts, every ticker round fails: a warning each, no traceback filling the log."""

    @asynccontextmanager
    async def away(person: str | None = None, *, isolation: Isolation = SERIALIZABLE) -> AsyncIterator[UnitOfWork]:
        raise ConnectionLost("lost the database")
        yield  # pragma: no cover (a generator, as the real one)

    three_rounds = asyncio.Event()

    class Rounds(logging.Handler):
        """Sets three_rounds at the ticker's third failed round."""

        seen = 0

        def emit(self, record: logging.LogRecord) -> None:
            self.seen += 1
            if self.seen >= 3:
                three_rounds.set()

    monkeypatch.setattr(bot.services.store, "transaction", away)
    push, link = pusher(bot.application)
    rounds = Rounds()
    logging.getLogger("bot.ticker").addHandler(rounds)
    with caplog.at_level(logging.INFO):
        ticker = asyncio.create_task(run_ticker(bot.services, push, link, every=0.01))
        try:
            async with asyncio.timeout(10):
                await three_rounds.wait()
        finally:
            await stop_ticker(ticker)
            logging.getLogger("bot.ticker").removeHandler(rounds)
    assert "ticker.database_unavailable error=ConnectionLost" in caplog.messages
    assert not [record for record in caplog.records if record.exc_info], "no traceback"
    assert "ticker.failed" not in caplog.text
