"""Places that can help after a finished ESY and with /places, through the real PTB Application on the fake Bot
API and in `kaari chat`; the services file is chosen with KAARI_SERVICES and validated when Kaari starts."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.bootstrap import bootstrap
from bot.console import Console
from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.settings import load_settings
from flows.core.messages import Msg
from flows.esy.instrument import Instrument
from flows.esy.scoring import area_scores
from flows.esy.services import ServicesFileError, area_message, load_services, places_message
from tests.bot.esy.test_esy_telegram import LANGUAGE_NAMES, answer_all, open_esy_after_start
from tests.bot.harness import Bot, bot_settings, catalog_pattern, joined, start_bot, texts
from tests.bot.test_console import script
from tests.conftest import Clock

ONE_SERVICE = """
[[services]]
id = "nuoka"
name = { fi = "Nuorten talo", sv = "Ungdomens hus", en = "Youth house" }
helps = { fi = "Apua kaikkeen", sv = "Hjälp med allt", en = "Help with anything" }
areas = ["rhythm"]
phone = "040 000 0000"
checked_on = 2026-12-01
"""


def ratings_by_area(instrument: Instrument, rating: list[int]) -> dict[str, int | None]:
    """The statement ratings `answer_all` gives: every statement of area i rated rating[i]."""
    return {s.id: rating[i] for i, area in enumerate(instrument.areas) for s in area.statements}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
async def test_a_finished_assessment_shows_places_that_can_help_after_the_summary(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, instrument: Instrument,
    language: str,
) -> None:
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3"), clock, catalogs, drawer)
    try:
        user = bot.user(language=language)
        await user.send("/start")
        await open_esy_after_start(user, catalogs, language)
        rating = [(i % 5) + 1 for i in range(len(instrument.areas))]
        sent = texts(await answer_all(user, instrument, language, catalogs, rating))
    finally:
        await bot.stop()
    scores = area_scores(instrument, ratings_by_area(instrument, rating))
    expected = places_message(load_services(instrument), instrument, scores,
                              {instrument.areas[0].id: "Haluan nukkua enemmän 😴"}, language)
    assert expected is not None
    shown = catalogs.text(language, expected)
    everything = "\n".join(sent)
    summary = catalog_pattern(catalogs, "esy.summary", language).search(everything)
    assert summary and shown in everything, "the places are shown, in the person's language"
    assert everything.index(shown) > summary.start(), "after the summary"
    # The areas with one point are named, with a service of the default file for them.
    assert instrument.areas[0].name.get(language) in shown
    assert catalog_pattern(catalogs, "esy.places.unchecked", language).search(shown)


async def test_kaari_services_file_replaces_the_default(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, instrument: Instrument,
) -> None:
    path = tmp_path / "services.toml"
    path.write_text(ONE_SERVICE, encoding="utf-8")
    settings = load_settings({"KAARI_SERVICES": str(path)})
    assert settings.esy_services == path
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3", esy_services=path), clock, catalogs, drawer)
    try:
        user = bot.user(language="sv")
        await user.send("/start")
        await open_esy_after_start(user, catalogs, "sv")
        sent = "\n".join(texts(await answer_all(user, instrument, "sv", catalogs,
                                                [(i % 5) + 1 for i in range(len(instrument.areas))])))
    finally:
        await bot.stop()
    assert "Ungdomens hus: Hjälp med allt" in sent and "040 000 0000" in sent
    assert "ohjaamot.fi" not in sent, "the default file is not used beside the organisation's"
    assert catalog_pattern(catalogs, "esy.places.checked", "sv").search(sent)


async def test_a_broken_services_file_stops_the_start_naming_file_and_place(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    path = tmp_path / "services.toml"
    path.write_text(ONE_SERVICE.replace('["rhythm"]', '["sleeping"]'), encoding="utf-8")
    with pytest.raises(ServicesFileError, match=rf"^{path}: services\[0\]\.areas: no such ESY area: 'sleeping'"):
        await bootstrap(bot_settings(tmp_path / "k.sqlite3", esy_services=path), drawer=drawer, clock=clock,
                        catalogs=catalogs)


async def test_in_a_terminal_the_places_follow_the_summary(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, instrument: Instrument,
) -> None:
    services = await bootstrap(bot_settings(tmp_path / "k.sqlite3"), drawer=drawer, clock=clock, catalogs=catalogs)
    out = io.StringIO()
    try:
        await Console(services, out, tmp_path).run(io.StringIO(script(instrument)), "en")
    finally:
        await services.store.close()
    text = out.getvalue()
    summary = catalog_pattern(catalogs, "esy.summary", "en").search(text)
    places = catalog_pattern(catalogs, "esy.places", "en").search(text)
    assert summary and places and places.start() > summary.start()
    assert "ohjaamot.fi" in places.group(0), "work and studies had the fewest points: Ohjaamo is offered"


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
async def test_places_command_lists_every_service_for_the_chosen_area(
    bot: Bot, language: str, catalogs: Catalogs, instrument: Instrument,
) -> None:
    user = bot.user(language=language)
    await user.send("/start")
    await user.tap(LANGUAGE_NAMES[language])
    asked = await user.send("/places")
    assert catalog_pattern(catalogs, "places.choose", language).search(joined(asked))
    assert user.labels()[:len(instrument.areas)] == [area.name.get(language) for area in instrument.areas]
    money = next(area for area in instrument.areas if area.id == "money")
    shown = joined(await user.tap(money.name.get(language)))
    expected = catalogs.text(language, area_message(load_services(instrument), instrument, "money", language))
    assert expected in shown
    assert "kela.fi" in expected, "Kela helps with money in every language"
    assert catalogs.text(language, Msg("menu.esy")) in user.labels(), "then back to the menu"


async def test_places_for_an_area_without_services_says_so_in_words(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, instrument: Instrument,
) -> None:
    path = tmp_path / "services.toml"
    path.write_text(ONE_SERVICE, encoding="utf-8")
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3", esy_services=path), clock, catalogs, drawer)
    try:
        user = bot.user(language="fi")
        await user.send("/start")
        await user.send("/places")
        money = next(area for area in instrument.areas if area.id == "money")
        shown = joined(await user.tap(money.name.fi))
        await user.send("/places")
        rhythm = joined(await user.tap(instrument.areas[0].name.fi))
    finally:
        await bot.stop()
    assert catalogs.text("fi", Msg("places.none", {"area": money.name})) in shown
    assert "Nuorten talo: Apua kaikkeen" in rhythm and "040 000 0000" in rhythm
