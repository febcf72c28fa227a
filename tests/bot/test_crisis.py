"""Crisis words in any state of any flow get signposting at once, in the person's language, and the flow
goes on as it would have; logs name no words."""

from __future__ import annotations

import logging

import pytest

from bot.i18n import Catalogs
from flows.instrument import Instrument
from flows.messages import Msg
from tests.bot.harness import Bot, joined
from tests.conftest import Clock


@pytest.mark.parametrize(("language", "words"), [
    ("fi", "en halua   ELÄÄ enää"), ("sv", "Jag vill dö"), ("en", "I want to kill myself"),
])
async def test_crisis_words_get_signposting_everywhere(
    bot: Bot, language: str, words: str, catalogs: Catalogs, instrument: Instrument,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    user = bot.user(language=language)
    signpost = catalogs.text(language, Msg("crisis.signpost", {"contacts": ""})).split("\n")[0]
    await user.send("/start")
    calls = await user.send(words)  # where a language button is expected
    assert signpost in joined(calls) and "112" in joined(calls)
    assert catalogs.text(language, Msg("error.use_buttons")) in joined(calls), "the flow still answers"
    await user.tap(catalogs.text(language, Msg("menu.esy")))
    await user.tap(catalogs.text(language, Msg("esy.begin")))
    for _ in instrument.areas[0].statements:
        await user.tap(instrument.scale[0].label.get(language))
    calls = await user.send(words)  # as the wish for the first area: signposted and kept as the wish
    assert signpost in joined(calls)
    assert str(instrument.areas[1].statements[0].text.get(language)) in joined(calls)
    assert words not in caplog.text and "engine.crisis" in caplog.text


async def test_everyday_words_do_not_alarm(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    user = bot.user(language="fi")
    await user.send("/start")
    for text in ("ei hätää", "moi", "kiitos, menee ihan ok"):
        calls = await user.send(text)
        assert "112" not in joined(calls)
