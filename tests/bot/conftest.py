"""A started Kaari on the fake Bot API, stopped after the test; every fake Bot API checked at the end."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from tests.bot import fakeapi
from tests.bot.harness import Bot, bot_settings, start_bot
from tests.conftest import Clock


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
