"""Rotating KAARI_DATA_KEY: old keys still open, `kaari admin rotate-key` re-seals, a person's next message
refreshes an address no key opens, and an undeliverable push is logged with a count."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.keys import user_key
from bot.settings import SettingsError, resolve_data_key
from flows.core.messages import Msg, dump_msg
from storage.ports import OutboxRow
from tests.bot.harness import Bot, bot_settings, start_bot
from tests.bot.identity.test_identity import WORKER, deliver, invite_client, sent_texts
from tests.bot.test_cli import STRONG_SECRET, kaari_process
from tests.conftest import Clock

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
JOINED = Msg("notify.client_joined", {"client": "Kettu"})


async def started(tmp_path: Path, key: str, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer) -> Bot:
    return await start_bot(bot_settings(tmp_path / "k.sqlite3", data_key=key, secret=STRONG_SECRET),
                           clock, catalogs, drawer)


async def push_to_worker(bot: Bot, clock: Clock, catalogs: Catalogs) -> bool:
    """Queue one notice for the worker and run the ticker; whether it reached the worker's chat."""
    before = len(bot.api.sent(WORKER))
    async with bot.services.store.transaction() as work:
        await work.outbox.add(OutboxRow(user_key(bot.services.secret, "tg", WORKER), "notify", dump_msg(JOINED),
                                        clock.now))
    await deliver(bot)
    sent = bot.api.sent(WORKER)[before:]
    return any(catalogs.text("fi", JOINED) in str(call.params.get("text", "")) for call in sent)


async def set_up_worker(tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer) -> None:
    bot = await started(tmp_path, OLD, clock, catalogs, drawer)
    try:
        await invite_client(bot, catalogs)
        assert await push_to_worker(bot, clock, catalogs)
    finally:
        await bot.stop()


async def test_old_keys_open_and_rotate_key_reseals(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    await set_up_worker(tmp_path, clock, catalogs, drawer)
    bot = await started(tmp_path, f"{NEW},{OLD}", clock, catalogs, drawer)
    try:
        assert await push_to_worker(bot, clock, catalogs), "an address sealed with the old key still opens"
    finally:
        await bot.stop()
    result = kaari_process(["admin", "rotate-key"], str(tmp_path / "k.sqlite3"), tmp_path,
                           KAARI_DATA_KEY=f"{NEW},{OLD}")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Re-sealed 2 chat ids with the first KAARI_DATA_KEY key.\n"  # worker and client
    bot = await started(tmp_path, NEW, clock, catalogs, drawer)
    try:
        assert await push_to_worker(bot, clock, catalogs), "after rotate-key the new key alone opens it"
    finally:
        await bot.stop()


async def test_an_unopenable_address_is_logged_and_refreshed_by_the_next_message(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, caplog: pytest.LogCaptureFixture,
) -> None:
    await set_up_worker(tmp_path, clock, catalogs, drawer)
    bot = await started(tmp_path, NEW, clock, catalogs, drawer)  # the old key was dropped too early
    try:
        with caplog.at_level(logging.WARNING, logger="bot.ticker"):
            assert not await push_to_worker(bot, clock, catalogs)
        logged = [r.getMessage() for r in caplog.records if "ticker.unopened" in r.getMessage()]
        assert len(logged) == 1 and re.fullmatch(r"ticker\.unopened outbox=\d+ kind=notify count=1", logged[0])
        await bot.user(WORKER, "fi", "Aino").send("/start")
        assert await push_to_worker(bot, clock, catalogs), "the worker's message refreshed the address"
        assert "Kettu" in await sent_texts(bot, WORKER)
    finally:
        await bot.stop()


def test_every_data_key_is_checked_by_position_never_shown(tmp_path: Path) -> None:
    settings = bot_settings(tmp_path / "k.sqlite3", data_key=f"{NEW},not-a-key-at-all")
    with pytest.raises(SettingsError) as raised:
        resolve_data_key(settings)
    assert str(raised.value).startswith("KAARI_DATA_KEY key 2 of 2 is not a valid key")
    assert NEW not in str(raised.value) and "not-a-key-at-all" not in str(raised.value)
