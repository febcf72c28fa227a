"""/hours through the real Application: the next openings of every chat service, in each language."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.i18n import Catalogs
from bot.keys import user_key
from storage.ports import RotaRow, StaffRow, UserRow
from tests.bot.harness import Bot, joined
from tests.conftest import TWO_SERVICES, Clock


@pytest.fixture
def chat_services() -> Path:
    """This module's tests go by two chat services (a choice in /chat, a Tuesday slot): the test data file."""
    return TWO_SERVICES

EXPECTED = {
    "fi": ["pe 27.11. klo 12.00–14.00", "ti 1.12. klo 12.00–14.00", "su 29.11. klo 22.00–ma 30.11. klo 1.00",
           "auki nyt"],
    "sv": ["fre 27.11. kl. 12.00–14.00", "tis 1.12. kl. 12.00–14.00", "sön 29.11. kl. 22.00–mån 30.11. kl. 1.00",
           "öppen nu"],
    "en": ["Fri 27 Nov, 12:00–14:00", "Tue 1 Dec, 12:00–14:00", "Sun 29 Nov, 22:00 – Mon 30 Nov, 01:00",
           "open now"],
}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
async def test_hours_in_every_language(
    bot: Bot, language: str, clock: Clock, catalogs: Catalogs,
) -> None:
    clock.now = datetime(2026, 11, 25, 13, 30, tzinfo=UTC)  # Wednesday 15:30 in Helsinki: housing is open
    async with bot.services.store.transaction() as work:  # ...with a housing counsellor on the rota
        key = user_key(bot.services.secret, "tg", 555000111)
        await work.users.save(UserRow(key, "fi", clock.now, clock.now))
        staff_id = await work.staff.add(StaffRow("Hanna", "asumisneuvoja", "Oulunkaari", False, True, clock.now, key))
        await work.schedules.add_rota(RotaRow("housing", "wed 15:00", staff_id))
    user = bot.user(language=language)
    await user.send("/start")
    calls = await user.send("/hours")
    text = joined(calls)
    for expected in EXPECTED[language]:
        assert expected in text, (expected, text)
    assert "112" in text
    assert user.labels(), "the question the person was at is shown again"
