"""A started Kaari on the fake Bot API, stopped after the test; every fake Bot API checked at the end.

Every bot test runs twice, as [sqlite] and [postgresql]: ``backend`` points tests.bot.harness.bot_settings (the
one place the bot tests get their settings, so their store) at the test's PostgreSQL database in the second run.
A test marked ``sqlite_only("why")`` runs once, on SQLite (``postgresql_only("why")``: on PostgreSQL); the reason is
required.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from tests.bot import fakeapi, harness
from tests.bot.harness import Bot, bot_settings, start_bot
from tests.conftest import Clock

BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run each test on both backends, or on SQLite alone when it says why (``sqlite_only``)."""
    if "backend" not in metafunc.fixturenames:
        return
    chosen: tuple[str, ...] = BACKENDS
    for index, name in enumerate(BACKENDS):
        marker = metafunc.definition.get_closest_marker(f"{name}_only")
        if marker is not None:
            assert marker.args and str(marker.args[0]).strip(), f"{metafunc.definition.nodeid}: {name}_only: why?"
            chosen = BACKENDS[index:index + 1]
    metafunc.parametrize("backend", chosen, indirect=True)


@pytest.fixture(autouse=True)
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The test's backend: for [postgresql], bot_settings() names an emptied PostgreSQL database."""
    name = str(request.param)
    if name == "postgresql":
        monkeypatch.setattr(harness, "DATABASE_URL", request.getfixturevalue("postgresql_url"))
    return name


@pytest.fixture(autouse=True)
def strict_fake_api() -> Iterator[None]:
    """Fail the test if any fake Bot API it created was called as Telegram would refuse (the bot itself
    only logs such an error, so without this a refused message would pass unseen)."""
    fakeapi.LIVE.clear()
    yield
    apis, fakeapi.LIVE[:] = list(fakeapi.LIVE), []
    for api in apis:
        api.check()


@pytest.fixture
def chat_services() -> Path | None:
    """The chat services file of the `bot` fixture: the shipped default; a module about several services
    overrides this fixture with tests.conftest.TWO_SERVICES."""
    return None


@pytest.fixture
async def bot(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, chat_services: Path | None,
) -> AsyncIterator[Bot]:
    """The bot with default test settings and an SQLite file in the test's folder."""
    started = await start_bot(bot_settings(tmp_path / "k.sqlite3", chat_services=chat_services), clock, catalogs,
                              drawer)
    yield started
    await started.stop()
