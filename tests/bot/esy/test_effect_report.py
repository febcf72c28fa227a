"""The effect report (#12 §6) through the real Application: a coordinator chooses a period and gets a chart and
a CSV in their language; fewer than five people show nothing; others are refused; and a client who agreed to
consent "effect" leaves a de-identified record when their data is deleted, and only then."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.admin import add_coordinator
from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.keys import user_key
from flows.core.messages import Msg
from flows.esy.instrument import Instrument
from storage.ports import (
    AssessmentRow,
    EffectRecordRow,
    GoalRow,
    GroupRow,
    MemberRow,
    StaffRow,
    UnitOfWork,
    UserRow,
)
from tests.bot import rows
from tests.bot.fakeapi import Call
from tests.bot.harness import Bot, BrokenDrawer, TgUser, bot_settings, joined, said, start_bot
from tests.bot.identity.test_identity import CLIENT, COORDINATOR, WORKER, invite_client, open_menu, t
from tests.bot.identity.test_rights import linked_client
from tests.conftest import Clock

AREAS = ("rhythm", "health", "home")


async def add_people(bot: Bot, clock: Clock, count: int, change: float = 0.5, prefix: str = "anon") -> None:
    """``count`` anonymous people with two circles in the last months: every area up by ``change`` (home down)."""
    async with bot.services.store.transaction() as work:
        for number in range(count):
            key = f"{prefix}-{number}"
            await work.users.save(UserRow(key, "fi", clock.now, clock.now))
            for days_ago, step in ((80, 0.0), (10, change)):
                scores: dict[str, float | None] = {area: 2.0 + step for area in AREAS}
                scores["home"] = 3.0 - step
                await work.assessments.add(AssessmentRow(key, "kaari-esy-default", 1,
                                                         clock.now - timedelta(days=days_ago), {}, scores,
                                                         {"home": "a wish in my own words"}))


async def coordinator_of(bot: Bot, catalogs: Catalogs, language: str) -> TgUser:
    await add_coordinator(bot.services, telegram_id=COORDINATOR, console_user=None, name="Kaisa",
                          title="koordinaattori", organisation="Oulunkaari", also_worker=False)
    coordinator = bot.user(COORDINATOR, language, "Kaisa")
    await open_menu(coordinator, catalogs)
    async with bot.services.store.transaction() as work:  # the language they chose
        key = user_key(bot.services.secret, "tg", COORDINATOR)
        await work.users.save(UserRow(key, language, clock_now(bot), clock_now(bot)))
    await open_menu(coordinator, catalogs)
    return coordinator


def clock_now(bot: Bot) -> datetime:
    return bot.services.engine.clock()


def rows_of(calls: list[Call]) -> list[list[str]]:
    [document] = [c for c in calls if c.method == "sendDocument"]
    assert document.file_names["document"] == "kaari-effect-2026-06-2026-11.csv"
    return list(csv.reader(io.StringIO(document.files["document"].decode())))


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
async def test_a_coordinator_gets_the_chart_and_the_csv_in_their_language(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument, language: str,
) -> None:
    await add_people(bot, clock, 6)
    coordinator = await coordinator_of(bot, catalogs, language)
    await coordinator.tap(t(catalogs, language, "menu.effect"))
    calls = await coordinator.tap(catalogs.text(language, _msg("effect.last_months", months=6)))
    assert said(catalogs, "effect.summary", joined(calls), (language,))
    assert said(catalogs, "effect.covers_records", joined(calls), (language,))
    photos = [c for c in calls if c.method == "sendPhoto"]
    assert len(photos) == 1 and photos[0].files["photo"].startswith(b"\x89PNG")
    assert photos[0].params["caption"] == t(catalogs, language, "effect.caption")
    header, *rows = rows_of(calls)
    assert header[:2] == [t(catalogs, language, "effect.csv.area"), t(catalogs, language, "effect.csv.breakdown")]
    names = {area.id: area.name.get(language) for area in instrument.areas}
    everyone = t(catalogs, language, "effect.dimension.all")
    by_area = {row[0]: row for row in rows}
    assert [row[0] for row in rows] == [area.name.get(language) for area in instrument.areas]
    assert by_area[names["health"]] == [names["health"], everyone, "", "6", "0.5", "100", ""]
    assert by_area[names["home"]] == [names["home"], everyone, "", "6", "-0.5", "0", ""]  # the point, as /stats
    assert by_area[names["money"]][3:] == ["", "", "", t(catalogs, language, "effect.chart.small")]  # not filled


async def test_the_services_chosen_as_a_goals_helper_are_the_reports_service_rows(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    """Five chose Ohjaamo (by its Finnish name) and five Kela (by its Swedish one, FPA) as who helps; a helper in
    someone's own words is no service. The Swedish coordinator reads the services' Swedish names."""
    await add_people(bot, clock, 10)
    async with bot.services.store.transaction() as work:
        for number in range(10):
            helper = "Ohjaamo" if number < 5 else "FPA"
            for words in (helper, "my big sister"):
                await work.goals.add(GoalRow(f"anon-{number}", "home", "a goal in my words", clock.now, clock.now,
                                             helper=words))
        await in_group(work, clock, [f"anon-{number}" for number in range(0, 10, 2)], "Tiistairyhmä")
    coordinator = await coordinator_of(bot, catalogs, "sv")
    await coordinator.send("/effect")
    calls = await coordinator.tap(catalogs.text("sv", _msg("effect.last_months", months=6)))
    _, *rows = rows_of(calls)
    home = instrument.areas[2].name.get("sv")
    service, group = t(catalogs, "sv", "effect.dimension.service"), t(catalogs, "sv", "effect.dimension.group")
    assert [row[2:5] for row in rows if row[0] == home and row[1] == service] == [
        ["FPA", "5", "-0.5"], ["Ohjaamo / Navigatorn", "5", "-0.5"]]
    assert [row[2:5] for row in rows if row[0] == home and row[1] == group] == [["Tiistairyhmä", "5", "-0.5"]]
    assert not any("sister" in cell for row in rows for cell in row)


async def in_group(work: UnitOfWork, clock: Clock, keys: list[str], name: str) -> None:
    """The people of ``keys`` as members of an ESY group called ``name`` (run by a worker of its own)."""
    worker = await work.staff.add(StaffRow("Aino", "", "Demo", False, True, clock.now))
    group = await work.groups.add(GroupRow(name, clock.now.date(), clock.now.date() + timedelta(days=90), worker,
                                           clock.now, f"hash-{name}", "salt"))
    for key in keys:
        await work.groups.join(MemberRow(group, key, clock.now))


async def test_fewer_than_five_people_show_nothing_but_fewer_than_five(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    await add_people(bot, clock, 4)
    coordinator = await coordinator_of(bot, catalogs, "en")
    await coordinator.send("/effect")
    calls = await coordinator.tap(catalogs.text("en", _msg("effect.last_months", months=6)))
    assert any(c.method == "sendPhoto" for c in calls)
    _, *rows = rows_of(calls)
    assert rows and all(row[3:] == ["", "", "", t(catalogs, "en", "effect.chart.small")] for row in rows)


async def test_a_typed_period_and_a_period_that_cannot_be_read(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    await add_people(bot, clock, 5)
    coordinator = await coordinator_of(bot, catalogs, "fi")
    await coordinator.send("/effect")
    calls = await coordinator.send("viime keväänä")
    assert t(catalogs, "fi", "effect.bad_period") in joined(calls)
    assert t(catalogs, "fi", "effect.choose_period") in joined(calls), "asked again"
    calls = await coordinator.send("6.2026–11.2026")
    _, *rows = rows_of(calls)
    assert rows[1][3:5] == ["5", "0.5"]
    calls = await coordinator.send("/effect")
    calls = await coordinator.send("10.2026-11.2026")  # the first circles (1.9., 80 days ago) fall before it
    assert said(catalogs, "effect.chart.title", joined(calls)) is False  # the title is in the picture only
    [document] = [c for c in calls if c.method == "sendDocument"]
    assert document.file_names["document"] == "kaari-effect-2026-10-2026-11.csv"
    _, *rows = list(csv.reader(io.StringIO(document.files["document"].decode())))
    assert rows[1][3] == ""


async def test_when_the_chart_cannot_be_drawn_the_csv_still_comes_and_says_so(
    tmp_path: Path, clock: Clock, catalogs: Catalogs,
) -> None:
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3"), clock, catalogs, BrokenDrawer())
    try:
        await add_people(bot, clock, 5)
        coordinator = await coordinator_of(bot, catalogs, "sv")
        await coordinator.send("/effect")
        calls = await coordinator.tap(catalogs.text("sv", _msg("effect.last_months", months=6)))
        assert t(catalogs, "sv", "effect.chart_failed") in joined(calls)
        assert not any(c.method == "sendPhoto" for c in calls)
        _, *rows = rows_of(calls)
        assert rows[0][3] == "5"
    finally:
        await bot.stop()


@pytest.mark.parametrize("who", ["worker", "young person"])
async def test_workers_and_young_people_are_refused(bot: Bot, clock: Clock, catalogs: Catalogs, who: str) -> None:
    await add_people(bot, clock, 6)
    if who == "worker":
        await invite_client(bot, catalogs)
        person = bot.user(WORKER, "fi")
    else:
        person = bot.user(CLIENT, "fi")
        await open_menu(person, catalogs)
    calls = await person.send("/effect")
    assert t(catalogs, "fi", "error.not_available") in joined(calls)
    assert not any(c.method in ("sendPhoto", "sendDocument") for c in calls)


def _msg(key: str, **params: int) -> Msg:
    return Msg(key, params)


# --- the de-identified record kept after deletion --------------------------------------------------------------


async def client_with_two_circles(bot: Bot, catalogs: Catalogs, clock: Clock) -> tuple[TgUser, str]:
    """A linked client who said yes to every consent item (effect too), with two stored circles."""
    client = await linked_client(bot, catalogs)
    key = user_key(bot.services.secret, "tg", CLIENT)
    async with bot.services.store.transaction() as work:
        await work.goals.add(GoalRow(key, "rhythm", "sleep before midnight", clock.now, clock.now, helper="Kela"))
        await in_group(work, clock, [key], "Woimala")
        for days_ago, score in ((70, 1.5), (5, 3.0)):
            await work.assessments.add(AssessmentRow(key, "kaari-esy-default", 1, clock.now - timedelta(days=days_ago),
                                                     {"rhythm.sleep": 2}, {"rhythm": score, "health": None},
                                                     {"rhythm": "sleep more, my own words"}))
    return client, key


async def records(bot: Bot) -> list[EffectRecordRow]:
    async with bot.services.store.transaction() as work:
        return list(await work.effect_records.within("2000-01", "2100-12"))


async def test_forget_keeps_a_record_without_key_or_words_when_the_client_agreed(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    db_path = tmp_path / "k.sqlite3"
    bot = await start_bot(bot_settings(db_path), clock, catalogs, drawer)
    try:
        client, key = await client_with_two_circles(bot, catalogs, clock)
        calls = await client.send("/forget")
        assert t(catalogs, "en", "forget.effect_kept") in joined(calls), "told before, while it can be taken back"
        await client.tap(t(catalogs, "en", "forget.yes"))
        [record] = await records(bot)
        assert (record.first_month, record.latest_month) == ("2026-09", "2026-11")
        assert record.first_scores == {"rhythm": 1.5}  # an area never scored is not kept
        assert record.latest_scores == {"rhythm": 3.0}
        assert (record.services, record.groups) == ({"rhythm": ["kela"]}, ["Woimala"])
        async with bot.services.store.transaction() as work:
            assert await work.assessments.for_user(key) == []
        stored = rows.table(db_path, "effect_records")
        assert len(stored) == 1
        for value in stored[0].values():
            assert key not in str(value) and "own words" not in str(value) and "Kettu" not in str(value)
        assert [stored[0]["first_month"], stored[0]["latest_month"]] == ["2026-09", "2026-11"], (
            "months only, no day or time")
        # The coordinator's report counts it among the kept records.
        coordinator = await coordinator_of(bot, catalogs, "en")
        await coordinator.send("/effect")
        calls = await coordinator.tap(catalogs.text("en", _msg("effect.last_months", months=6)))
        kept = Msg("effect.covers_records", {"held": 0, "kept": Msg("effect.fewer")})  # one: "fewer than 5"
        assert catalogs.text("en", kept) in joined(calls)
    finally:
        await bot.stop()


async def test_withdrawing_effect_first_means_no_record(bot: Bot, clock: Clock, catalogs: Catalogs) -> None:
    client, _ = await client_with_two_circles(bot, catalogs, clock)
    await client.send("/consent")
    await client.tap(_item(catalogs, "consent.withdraw_item", "An anonymous note in the statistics"))
    await client.tap(t(catalogs, "en", "consent.close"))
    calls = await client.send("/forget")
    assert t(catalogs, "en", "forget.effect_kept") not in joined(calls)
    await client.tap(t(catalogs, "en", "forget.yes"))
    assert await records(bot) == []


async def test_withdrawing_storage_or_ending_the_work_keeps_a_record_too(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    client, key = await client_with_two_circles(bot, catalogs, clock)
    await client.send("/consent")
    await client.tap(_item(catalogs, "consent.withdraw_item", "Saving things"))
    await client.tap(t(catalogs, "en", "consent.confirm_yes"))
    assert len(await records(bot)) == 1
    async with bot.services.store.transaction() as work:  # stored again after storage was given back
        for days_ago in (40, 3):
            await work.assessments.add(AssessmentRow(key, "kaari-esy-default", 1, clock.now - timedelta(days=days_ago),
                                                     {}, {"rhythm": 2.0}, {}))
    await client.tap(_item(catalogs, "consent.withdraw_item", "Working together"))
    await client.tap(t(catalogs, "en", "consent.confirm_yes"))
    assert len(await records(bot)) == 2


async def test_one_circle_or_an_anonymous_person_leaves_no_record(bot: Bot, clock: Clock, catalogs: Catalogs) -> None:
    await add_people(bot, clock, 1, prefix="gone")
    stranger = bot.user(CLIENT + 1, "en")
    await open_menu(stranger, catalogs)
    await stranger.send("/forget")
    await stranger.tap(t(catalogs, "en", "forget.yes"))
    client = await linked_client(bot, catalogs)
    key = user_key(bot.services.secret, "tg", CLIENT)
    async with bot.services.store.transaction() as work:
        await work.assessments.add(AssessmentRow(key, "kaari-esy-default", 1, clock.now, {}, {"rhythm": 2.0}, {}))
    await client.send("/forget")
    await client.tap(t(catalogs, "en", "forget.yes"))
    assert await records(bot) == []


def _item(catalogs: Catalogs, key: str, title: str) -> str:
    return catalogs.text("en", Msg(key, {"title": title}))


# --- the consent item, asked like the others ---------------------------------------------------------------------


def consent_without_effect(folder: Path) -> Path:
    """Kaari's consent file as it was before the item "effect" was added."""
    shipped = (Path(__file__).resolve().parents[3] / "flows" / "identity" / "consent.toml").read_text("utf-8")
    older = folder / "consent-before.toml"
    older.write_text(shipped[:shipped.index('[[items]]\nid = "effect"')], encoding="utf-8")
    return older


async def test_a_client_who_joined_before_the_item_existed_is_asked_once(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    older = consent_without_effect(tmp_path)
    db_path = tmp_path / "k.sqlite3"
    bot = await start_bot(bot_settings(db_path, consent_texts=older), clock, catalogs, drawer)
    try:
        _, payload = await invite_client(bot, catalogs)
        client = bot.user(CLIENT, "en", "Kettu")
        await client.send(f"/start {payload}")
        await client.tap(t(catalogs, "en", "invite.go_on"))
        for _ in range(4):
            await client.tap(t(catalogs, "en", "consent.yes"))
    finally:
        await bot.stop()
    bot = await start_bot(bot_settings(db_path), clock, catalogs, drawer)
    try:
        client = bot.user(CLIENT, "en", "Kettu")
        calls = await client.send("hello")
        title = "An anonymous note in the statistics"
        assert said(catalogs, "consent.new_item", joined(calls)) and title in joined(calls)
        calls = await client.tap(t(catalogs, "en", "consent.no"))
        assert t(catalogs, "en", "menu.prompt") in joined(calls)
        calls = await client.send("/start")
        assert not said(catalogs, "consent.new_item", joined(calls)), "asked once"
        async with bot.services.store.transaction() as work:
            row = await work.clients.by_user(user_key(bot.services.secret, "tg", CLIENT))
            assert row is not None
            last = (await work.consents.for_client(row.id or 0))[-1]
        assert (last.item, last.version, last.answer) == ("effect", 1, "no")
    finally:
        await bot.stop()


async def test_the_months_are_helsinkis(bot: Bot, clock: Clock, catalogs: Catalogs) -> None:
    """At 23.30 UTC on the last day of November it is already December in Helsinki."""
    clock.now = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    coordinator = await coordinator_of(bot, catalogs, "en")
    await coordinator.send("/effect")
    calls = await coordinator.tap(catalogs.text("en", _msg("effect.last_months", months=6)))
    [document] = [c for c in calls if c.method == "sendDocument"]
    assert document.file_names["document"] == "kaari-effect-2026-07-2026-12.csv"
