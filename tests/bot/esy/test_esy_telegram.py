"""The ESY self-assessment end to end through the real PTB Application and the fake Bot API."""

from __future__ import annotations

import struct

import pytest

from bot.i18n import Catalogs
from bot.keys import user_key
from flows.core.messages import Msg
from flows.esy.instrument import Instrument
from tests.bot.fakeapi import Call
from tests.bot.harness import Bot, TgUser, joined, said
from tests.conftest import Clock

LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG header; fails unless it is a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def answer_all(user: TgUser, instrument: Instrument, language: str, catalogs: Catalogs,
                     rating: list[int]) -> list[Call]:
    """Rate every statement of area i with rating[i]; write a wish for the first area, skip the rest."""
    calls: list[Call] = []
    for index, area in enumerate(instrument.areas):
        for _ in area.statements:
            label = instrument.scale[rating[index] - instrument.scale_min].label.get(language)
            calls = await user.tap(label)
        if index == 0:
            calls = await user.send("Haluan nukkua enemmän 😴")
        else:
            calls = await user.tap(catalogs.text(language, Msg("esy.skip_wish")))
    return calls


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
async def test_full_assessment_ends_in_circle_and_summary(
    bot: Bot, language: str, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    user = bot.user(language=language)
    first = await user.send("/start")
    # Greeting in the Telegram language, then the choice of language.
    assert catalogs.text(language, Msg("welcome.first")) in joined(first)
    assert user.labels() == ["Suomi", "Svenska", "English"]
    await open_esy_after_start(user, catalogs, language)
    progress = joined([user.last_question()])
    assert f"1/{len(instrument.areas)}" in progress
    assert instrument.areas[0].statements[0].text.get(language) in progress
    ratings = [(i % 5) + 1 for i in range(len(instrument.areas))]
    last = await answer_all(user, instrument, language, catalogs, ratings)
    photos = [c for c in last if c.method == "sendPhoto"]
    assert len(photos) == 1
    width, height = png_size(photos[0].files["photo"])
    assert width >= 600 and height >= 600
    summary = joined(last)
    # Strengths first: an area with 5 points is named before an area with 1 point.
    best = instrument.areas[ratings.index(5)].name.get(language)
    worst = instrument.areas[ratings.index(1)].name.get(language)
    assert best in summary and worst in summary
    assert summary.index(best) < summary.index(worst)
    assert "Haluan nukkua enemmän 😴" in summary
    # An anonymous person is asked whether to be reminded, "no" first; then back in the main menu, with buttons.
    assert user.labels() == [catalogs.text(language, Msg("esy.remind_no")),
                             catalogs.text(language, Msg("esy.remind_yes"))]
    await user.tap(catalogs.text(language, Msg("esy.remind_no")))
    assert catalogs.text(language, Msg("menu.esy")) in user.labels()
    async with bot.services.store.transaction() as work:
        rows = await work.assessments.for_user(user_key(bot.services.secret, "tg", user.id))
    assert len(rows) == 1
    assert rows[0].instrument_version == instrument.version


async def open_esy_after_start(user: TgUser, catalogs: Catalogs, language: str) -> None:
    await user.tap(LANGUAGE_NAMES[language])
    await user.tap(catalogs.text(language, Msg("menu.esy")))
    await user.tap(catalogs.text(language, Msg("esy.begin")))


async def test_second_assessment_overlays_and_says_what_moved(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    user = bot.user(language="en")
    await user.send("/start")
    await open_esy_after_start(user, catalogs, "en")
    first = await answer_all(user, instrument, "en", catalogs, [2] * len(instrument.areas))
    hint = catalogs.text("en", Msg("esy.progress.hint", {"count": 2, "button": Msg("esy.progress.open")}))
    assert "📈" not in joined(first)  # one circle: no progress to point to yet
    await user.tap(catalogs.text("en", Msg("esy.remind_no")))
    clock.advance(days=90)
    await user.tap(catalogs.text("en", Msg("menu.esy")))
    await user.tap(catalogs.text("en", Msg("esy.begin")))
    last = await answer_all(user, instrument, "en", catalogs, [4] + [2] * (len(instrument.areas) - 1))
    summary = joined(last)
    assert "20 Nov 2026" in summary  # the date of the earlier circle
    assert "+2.0" in summary and instrument.areas[0].name.get("en") in summary
    assert hint in summary  # with two: where to see each area over all of them
    photo = next(c for c in last if c.method == "sendPhoto")
    png_size(photo.files["photo"])


async def test_a_written_wish_is_acknowledged_and_going_back_shows_the_earlier_answer(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    user = bot.user(language="en")
    await user.send("/start")
    await open_esy_after_start(user, catalogs, "en")
    back = catalogs.text("en", Msg("control.back"))
    mostly = instrument.scale[3].label.get("en")
    await user.tap(mostly)
    calls = await user.tap(back)
    assert said(catalogs, "esy.earlier_rating", joined(calls), ("en",)) and mostly in joined(calls)
    for _ in instrument.areas[0].statements:
        await user.tap(mostly)
    calls = await user.send("Sleep more")
    assert said(catalogs, "esy.wish_saved", joined(calls), ("en",))
    assert f"2/{len(instrument.areas)}" in joined(calls)  # and the walk goes on
    calls = await user.tap(back)
    assert said(catalogs, "esy.earlier_wish", joined(calls), ("en",)) and "Sleep more" in joined(calls)
    calls = await user.tap(catalogs.text("en", Msg("esy.keep_wish")))
    assert f"2/{len(instrument.areas)}" in joined(calls)
    last = await answer_rest(user, instrument, catalogs)
    assert "Sleep more" in joined(last)  # the kept wish is in the summary


async def answer_rest(user: TgUser, instrument: Instrument, catalogs: Catalogs) -> list[Call]:
    """Rate the remaining areas (from the second) 'mostly true' and skip their wishes."""
    calls: list[Call] = []
    for area in instrument.areas[1:]:
        for _ in area.statements:
            calls = await user.tap(instrument.scale[3].label.get("en"))
        calls = await user.tap(catalogs.text("en", Msg("esy.skip_wish")))
    return calls
