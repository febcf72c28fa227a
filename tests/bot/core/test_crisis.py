"""Crisis words in any state of any flow get the help that fits them at once, through the real Application,
in the person's language, 112 first; at a question whose answer is kept the question is asked again and
nothing is saved; a photo caption and the console get the same; logs name no words."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from bot.bootstrap import bootstrap
from bot.console import Console
from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from flows.core.messages import Msg
from flows.esy.instrument import Instrument
from tests.bot.harness import Bot, bot_settings, joined
from tests.conftest import Clock


def opening(catalogs: Catalogs, language: str) -> str:
    """The human first sentence(s) of the crisis reply, before the numbers."""
    return catalogs.text(language, Msg("crisis.signpost", {"contacts": ""})).split("\n")[0]


@pytest.mark.parametrize(("language", "words", "number"), [
    ("fi", "haluun kuolla", "09 2525 0111"), ("fi", "isä lyö mua", "080 005 005"),
    ("fi", "otin överit", "0800 147 111"), ("fi", "viiltelin taas", "116 117"),
    ("sv", "Jag vill dö", "09 2525 0112"), ("sv", "pappa slår mig", "080 005 005"),
    ("en", "my dad hits me", "080 005 005"), ("en", "kms", "112"),
])
async def test_crisis_words_anywhere_get_the_help_that_fits_112_first(
    bot: Bot, language: str, words: str, number: str, catalogs: Catalogs, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    user = bot.user(language=language)
    await user.send("/start")
    calls = await user.send(words)  # where a language button is expected
    text = joined(calls)
    assert text.startswith(opening(catalogs, language)) and number in text
    assert text.index("112") < text.index(number) or number == "112"
    assert catalogs.text(language, Msg("error.use_buttons")) in text, "the flow still answers"
    assert words not in caplog.text and "engine.crisis" in caplog.text


async def test_crisis_words_as_the_esy_wish_get_help_and_the_question_again(
    bot: Bot, catalogs: Catalogs, instrument: Instrument,
) -> None:
    user = bot.user(language="fi")
    await user.send("/start")
    await user.tap("Suomi")
    await user.tap(catalogs.text("fi", Msg("menu.esy")))
    await user.tap(catalogs.text("fi", Msg("esy.begin")))
    for _ in instrument.areas[0].statements:
        await user.tap(instrument.scale[0].label.get("fi"))
    wish = user.last_question()
    calls = await user.send("en haluu elää enää")
    assert joined(calls).startswith(opening(catalogs, "fi")) and "09 2525 0111" in joined(calls)
    assert catalogs.text("fi", Msg("crisis.not_saved")) in joined(calls)
    assert str(instrument.areas[1].statements[0].text.get("fi")) not in joined(calls), "the walk does not go on"
    assert str(calls[-1].params["text"]).endswith(str(wish.params["text"])), "the same question again"
    calls = await user.send("enemmän kavereita")
    assert str(instrument.areas[1].statements[0].text.get("fi")) in joined(calls)


async def test_crisis_words_in_a_photo_caption_get_help(bot: Bot, catalogs: Catalogs) -> None:
    user = bot.user(language="en")
    await user.send("/start")
    calls = await user.send_photo(caption="took too many pills")
    assert joined(calls).startswith(opening(catalogs, "en")) and "0800 147 111" in joined(calls)


async def test_everyday_words_do_not_alarm(bot: Bot) -> None:
    user = bot.user(language="fi")
    await user.send("/start")
    for text in ("ei hätää", "moi", "tapan aikaa", "kuolen nauruun", "lyön vetoa"):
        calls = await user.send(text)
        assert "112" not in joined(calls)


async def test_the_console_gives_the_same_help(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    services = await bootstrap(bot_settings(tmp_path / "k.sqlite3"), drawer=drawer, clock=clock, catalogs=catalogs)
    try:
        out = io.StringIO()
        await Console(services, out, tmp_path, "nuori").run(io.StringIO("jag skär mig\n"), "sv")
        assert opening(catalogs, "sv") in out.getvalue() and "116 117" in out.getvalue()
        assert out.getvalue().index("112") < out.getvalue().index("116 117")
    finally:
        await services.store.close()
