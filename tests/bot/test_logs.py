"""Library log lines lose what people wrote: an update python-telegram-bot cannot parse is not logged, and
a tight loop of the same failure gives one line a minute, not a megabyte a second."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from telegram.error import TelegramError

from bot import logs
from bot.cli import _setup_logging
from tests.bot.harness import Bot, bot_settings

NAME, TEXT, USER_ID = "Salainen Nimi", "tämä on yksityinen viesti", 777123456


def unparsable(update_id: int) -> dict[str, object]:
    # A message whose chat is not an object: python-telegram-bot cannot build an Update from it.
    return {"update_id": update_id, "message": {
        "message_id": 1, "date": 0, "text": TEXT, "chat": "not-a-chat",
        "from": {"id": USER_ID, "is_bot": False, "first_name": NAME}}}


@pytest.fixture
def scrubbed(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    scrub = logs.install([caplog.handler])
    yield caplog
    caplog.handler.removeFilter(scrub)


async def test_an_unparsable_update_leaves_no_name_text_or_id_in_the_log(
    bot: Bot, scrubbed: pytest.LogCaptureFixture,
) -> None:
    for update_id in range(1, 51):  # a tight loop of the same failure
        bot.api.push_update(unparsable(update_id))
        with pytest.raises((TelegramError, TypeError, AttributeError, ValueError)):
            await bot.application.bot.get_updates(offset=update_id, timeout=0)
    lines = [r for r in scrubbed.records if r.name.startswith("telegram")]
    assert len(lines) == 1 and lines[0].levelno == logging.CRITICAL, [r.getMessage() for r in lines]
    assert lines[0].exc_info is None and lines[0].args is None
    logged = scrubbed.text + "".join(r.getMessage() for r in scrubbed.records)
    for secret in (NAME, TEXT, str(USER_ID), "not-a-chat"):
        assert secret not in logged


def test_repeats_are_counted_when_the_window_has_passed() -> None:
    now = [0.0]
    scrub = logs.ScrubFilter(clock=lambda: now[0], window=60.0)
    record = logging.LogRecord("telegram.ext.Updater", logging.ERROR, __file__, 1, "Failed: %r", ({"t": TEXT},),
                               None)
    assert scrub.filter(record) and record.getMessage() == "Failed: <redacted>"
    again = [logging.LogRecord("telegram.ext.Updater", logging.ERROR, __file__, 1, "Failed: %r", (TEXT,), None)
             for _ in range(3)]
    assert not scrub.filter(again[0]) and not scrub.filter(again[1])
    now[0] = 61.0
    assert scrub.filter(again[2]) and again[2].getMessage() == "Failed: <redacted> (2 similar lines left out)"
    own = logging.LogRecord("flows.core.engine", logging.WARNING, __file__, 1, "engine.crisis user=%s", ("abc",), None)
    assert scrub.filter(own) and own.getMessage() == "engine.crisis user=abc", "Kaari's own lines are kept"


def test_the_command_line_installs_the_filter(monkeypatch: pytest.MonkeyPatch) -> None:
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [])
    _setup_logging(bot_settings(__import__("pathlib").Path("k.sqlite3")), quiet=False)
    try:
        assert len(root.handlers) == 1
        assert any(isinstance(f, logs.ScrubFilter) for f in root.handlers[0].filters)
    finally:
        root.handlers[0].close()
