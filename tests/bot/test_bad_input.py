"""Bad input at every step of the ESY, through the real Application: a clear localized answer, nothing lost."""

from __future__ import annotations

import pytest

from bot.i18n import Catalogs
from flows.core.messages import Msg
from flows.esy.instrument import Instrument
from tests.bot.fakeapi import Call
from tests.bot.harness import Bot, TgUser, joined
from tests.conftest import Clock

NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}


def prompt_of(call: Call) -> str:
    """The question's own text (after any notices joined in front of it)."""
    return str(call.params["text"]).split("\n\n")[-1]


async def assert_answered_and_intact(user: TgUser, calls: list[Call], expected: str, question: Call) -> None:
    assert expected in joined(calls), f"expected {expected!r} in {joined(calls)!r}"
    again = user.last_question()
    assert again is not question, "the current question must be shown again"
    assert prompt_of(again) == prompt_of(question)
    assert user.labels(again) == user.labels(question)


async def throw_bad_input(user: TgUser, catalogs: Catalogs, language: str, previous: Call | None) -> None:
    """Everything a person might send that is not an answer; each gets a clear reply, the flow stays."""
    question = user.last_question()
    free_text = catalogs.text(language, Msg("esy.skip_wish")) in user.labels(question)

    def t(key: str, **params: object) -> str:
        return catalogs.text(language, Msg(key, params))  # type: ignore[arg-type]

    if not free_text:
        for text in ("maybe", "😀😀😀", "x" * 5000):
            calls = await user.send(text)
            await assert_answered_and_intact(user, calls, t("error.use_buttons"), question)
            question = user.last_question()
    else:
        calls = await user.send("x" * 5000)
        await assert_answered_and_intact(user, calls, t("error.too_long", max=1000, length=5000), question)
        question = user.last_question()
    calls = await user.send("/start")
    if previous is None:
        # Nothing answered yet: /start has nothing to continue and starts again, from the menu.
        assert t("flow.resume") not in joined(calls) and t("welcome.back") in joined(calls)
        assert prompt_of(user.last_question()) == t("menu.prompt")
        await user.tap(t("menu.esy"))
    else:
        await assert_answered_and_intact(user, calls, t("flow.resume"), question)
    question = user.last_question()
    calls = await user.send("/whatisthis")
    await assert_answered_and_intact(user, calls, t("error.unknown_command"), question)
    question = user.last_question()
    calls = await user.send_sticker()
    await assert_answered_and_intact(user, calls, t("error.unsupported"), question)
    question = user.last_question()
    if previous is not None:
        stale = user.buttons(previous)[0]["callback_data"]
        calls = await user.tap_data(stale, previous)
        await assert_answered_and_intact(user, calls, t("error.stale"), question)


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
async def test_bad_input_at_every_step(
    bot: Bot, language: str, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    user = bot.user(language=language)
    await user.send("/start")
    await user.tap(NAMES[language])
    await user.tap(catalogs.text(language, Msg("menu.esy")))
    previous: Call | None = None
    await throw_bad_input(user, catalogs, language, previous)
    previous = user.last_question()
    await user.tap(catalogs.text(language, Msg("esy.begin")))
    for index, area in enumerate(instrument.areas):
        for _ in area.statements:
            await throw_bad_input(user, catalogs, language, previous)
            previous = user.last_question()
            await user.tap(instrument.scale[2].label.get(language))
        await throw_bad_input(user, catalogs, language, previous)
        previous = user.last_question()
        if index == 0:
            await user.send("🙂🙂")  # emoji only is a fine wish
        else:
            await user.tap(catalogs.text(language, Msg("esy.skip_wish")))
    assert any(c.method == "sendPhoto" for c in bot.api.calls), "the assessment still completes"
    assert "🙂🙂" in joined(bot.api.calls[-3:])


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
async def test_a_bad_answer_to_the_first_language_question_asks_it_again(
    bot: Bot, language: str, catalogs: Catalogs,
) -> None:
    """The first question is the language: text, a number or a sticker asks it again, never skips to the menu."""
    user = bot.user(language=language)
    await user.send("/start")
    asked = user.last_question()
    for bad in ("xyz", "99"):
        calls = await user.send(bad)
        await assert_answered_and_intact(user, calls, catalogs.text(language, Msg("error.use_buttons")), asked)
    calls = await user.send_sticker()
    await assert_answered_and_intact(user, calls, catalogs.text(language, Msg("error.unsupported")), asked)
    await user.tap("Svenska")
    assert prompt_of(user.last_question()) == catalogs.text("sv", Msg("menu.prompt"))
    calls = await user.send("xyz")
    assert catalogs.text("sv", Msg("error.use_buttons")) in joined(calls)
    assert prompt_of(user.last_question()) == catalogs.text("sv", Msg("menu.prompt")), "answered: not asked again"
