"""A started Kaari on the fake Bot API, stopped after the test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from tests.bot.harness import Bot, bot_settings, start_bot
from tests.conftest import Clock


@pytest.fixture
async def bot(tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer) -> AsyncIterator[Bot]:
    """The bot with default test settings and an SQLite file in the test's folder."""
    started = await start_bot(bot_settings(tmp_path / "k.sqlite3"), clock, catalogs, drawer)
    yield started
    await started.stop()
