"""Shared fixtures: a fixed clock, strict catalogs, the default instrument, stores, one drawing pool."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs, LinkFormat, console_link, placeholders
from flows.core.messages import Filled, LocalText, Msg
from flows.esy.instrument import Instrument, load_instrument
from storage.memory import MemoryStore
from storage.postgres import PostgresStore
from storage.sqlite import SqliteStore
from tests.pg import PgServer, start_server
from tests.stuck import Watch

# Two chat services (the second with a slot across midnight), a Tuesday slot, closed days and an extra slot: for
# tests of several services, the rota and /hours. The shipped default has the seeds' one Friday chat only.
TWO_SERVICES = Path(__file__).parent / "data" / "chat_services_two.toml"


class Clock:
    """A controlled clock: tests move time by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class StrictCatalogs(Catalogs):
    """Catalogs that fail the test on a missing id or a placeholder the message does not fill."""

    def text(self, language: str, message: Msg | LocalText | Filled, link: LinkFormat = console_link) -> str:
        if isinstance(message, Filled):
            wanted = placeholders(message.text.get(language))
            assert wanted <= set(message.params), f"{language} data-file text wants {sorted(wanted)}"
        if isinstance(message, Msg):
            assert self.has(language, message.key), f"catalog {language} has no id {message.key!r}"
            wanted = placeholders(self.messages[language][message.key])
            assert wanted == set(message.params), (
                f"{language} {message.key}: catalog wants {sorted(wanted)}, got {sorted(message.params)}")
        return super().text(language, message, link)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 20, 10, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    return StrictCatalogs()


@pytest.fixture(scope="session")
def instrument() -> Instrument:
    return load_instrument()


@pytest.fixture(scope="session")
def drawer() -> Iterator[ProcessDrawer]:
    pool = ProcessDrawer(1)
    yield pool
    pool.shutdown()


@pytest.fixture
def memory_store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = SqliteStore(tmp_path / "kaari.sqlite3")
    await store.migrate()
    yield store
    await store.close()


PG_SERVERS: list[PgServer] = []  # this process's server, once started (for tests.stuck's report)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's throwaway PostgreSQL server (tests/pg.py), started on first use."""
    server = start_server()
    PG_SERVERS.append(server)
    yield server
    PG_SERVERS.remove(server)
    server.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A test still running 20 s before pytest-timeout fails it says what it is waiting for (tests/stuck.py)."""
    limit = float(item.config.getoption("timeout", None) or 0)
    if limit <= 0:
        return (yield)
    with Watch(item.nodeid, max(limit - 20, limit * 0.9),
               lambda: PG_SERVERS[0].url("postgres") if PG_SERVERS else None):
        return (yield)


@pytest.fixture
def postgresql_url(pg_server: PgServer) -> Iterator[str]:
    """A migrated database with every table empty, for one test; a session the test left open fails it."""
    yield pg_server.emptied()
    left = pg_server.leftovers()
    assert not left, "the test left database sessions open (ended now): " + "; ".join(left)


@pytest.fixture
async def postgresql_store(postgresql_url: str) -> AsyncIterator[PostgresStore]:
    store = PostgresStore(postgresql_url)
    await store.migrate()  # already migrated (a copy of the template): checks that a second run does nothing
    yield store
    await store.close()


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest) -> object:
    """Each backend in turn, for tests beyond the contract (the Telegram tests on PostgreSQL, next)."""
    return request.getfixturevalue(f"{request.param}_store")


# Hit and false-alarm rates of the crisis corpus, per language, shown at the end of every run.
CRISIS_RATES: dict[str, str] = {}


@pytest.fixture(scope="session")
def crisis_rates() -> dict[str, str]:
    return CRISIS_RATES


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a pytest-xdist worker: hand the rates this worker measured to the controller, which prints them."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["crisis_rates"] = dict(CRISIS_RATES)


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook, called in the controller only
def pytest_testnodedown(node: Any, error: object) -> None:
    """In the controller: the rates a finished worker measured."""
    CRISIS_RATES.update(getattr(node, "workeroutput", {}).get("crisis_rates", {}))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the crisis corpus's rates, so a drop is seen even while the suite is green."""
    if CRISIS_RATES:
        terminalreporter.section("crisis corpus")
        for language, line in sorted(CRISIS_RATES.items()):
            terminalreporter.write_line(f"{language}: {line}")
