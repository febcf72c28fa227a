"""/hours through the real Application: the next openings of every chat service, in each language."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from tests.bot.harness import bot_settings, joined, start_bot
from tests.conftest import Clock

EXPECTED = {
    "fi": ["pe 27.11. klo 12–14", "ti 1.12. klo 12–14", "su 29.11. klo 22–1", "auki nyt"],
    "sv": ["fre 27.11. kl. 12–14", "tis 1.12. kl. 12–14", "sön 29.11. kl. 22–1", "öppen nu"],
    "en": ["Fri 27 Nov, 12:00–14:00", "Tue 1 Dec, 12:00–14:00", "Sun 29 Nov, 22:00–01:00", "open now"],
}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
async def test_hours_in_every_language(
    language: str, tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    clock.now = datetime(2026, 11, 25, 13, 30, tzinfo=UTC)  # Wednesday 15:30 in Helsinki: housing is open
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3"), clock, catalogs, drawer)
    try:
        user = bot.user(language=language)
        await user.send("/start")
        calls = await user.send("/hours")
        text = joined(calls)
        for expected in EXPECTED[language]:
            assert expected in text, (expected, text)
        assert "112" in text
        assert user.labels(), "the question the person was at is shown again"
    finally:
        await bot.stop()
