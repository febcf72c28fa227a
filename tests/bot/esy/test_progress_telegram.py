"""ESY progress through the real PTB Application on the fake Bot API: the young person sees each area over
their circles (a picture and words) from the start of the circle, or a kind word with only one; their worker sees
only the circles the client shared, and a card from before the client withdrew storing (c) refuses clearly. In a
terminal (`kaari chat`) the picture is saved as a file beside the words."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from bot.bootstrap import bootstrap
from bot.console import CHANNEL, Console
from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.keys import user_key
from flows.core.messages import Msg
from flows.esy.instrument import Instrument
from storage.ports import AssessmentRow, GoalRow, ShareRow
from tests.bot.esy.test_esy_telegram import LANGUAGE_NAMES, answer_all, png_size
from tests.bot.harness import Bot, TgUser, bot_settings, joined
from tests.bot.identity.test_identity import CLIENT, WORKER, deliver, t
from tests.bot.identity.test_rights import item_label, linked_client
from tests.conftest import Clock


async def stored(bot: Bot, key: str, instrument: Instrument, at_days: int, clock: Clock, first: float,
                 skip: int | None = None) -> int:
    """A circle ``at_days`` before now: the first area has ``first`` points, the others 3 (area ``skip`` none)."""
    scores: dict[str, float | None] = {
        area.id: None if index == skip else first if index == 0 else 3.0 for index, area in enumerate(instrument.areas)}
    async with bot.services.store.transaction() as work:
        return await work.assessments.add(AssessmentRow(
            key, instrument.id, instrument.version, clock.now - timedelta(days=at_days), {}, scores, {}))


async def open_circle(user: TgUser, catalogs: Catalogs, language: str) -> None:
    """From the start (choosing the language the first time) to the start of the circle."""
    await user.send("/start")
    if LANGUAGE_NAMES[language] in user.labels():
        await user.tap(LANGUAGE_NAMES[language])
    await user.tap(t(catalogs, language, "menu.esy"))


async def test_the_young_person_sees_each_area_over_three_circles(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    user = bot.user(language="fi")
    await user.send("/start")
    key = user_key(bot.services.secret, "tg", user.id)
    await stored(bot, key, instrument, 180, clock, first=1.0)
    await stored(bot, key, instrument, 90, clock, first=2.0, skip=3)  # an area skipped in the middle one
    # The third circle through the flow itself: all "mostly true" (4), the latest in the series.
    await open_circle(user, catalogs, "fi")
    await user.tap(t(catalogs, "fi", "esy.begin"))
    last = await answer_all(user, instrument, "fi", catalogs, [4] * len(instrument.areas))
    # Where the summary compares with the circle before, it says where to see every area over all three.
    assert catalogs.text("fi", Msg("esy.progress.hint", {"count": 3, "button": Msg("esy.progress.open")})) in \
        joined(last)
    await user.tap(t(catalogs, "fi", "esy.remind_no"))

    async with bot.services.store.transaction() as work:  # a goal of their own, under its area
        await work.goals.add(GoalRow(key, instrument.areas[0].id, "Nukkumaan ennen puoltayötä", clock.now, clock.now))
    await user.send("/circle")
    assert t(catalogs, "fi", "esy.progress.open") in user.labels()
    calls = await user.tap(t(catalogs, "fi", "esy.progress.open"))
    [photo] = [c for c in calls if c.method == "sendPhoto"]
    width, height = png_size(photo.files["photo"])
    assert width == 792 and 600 <= height <= 2000
    first = clock.now - timedelta(days=180)
    assert photo.params["caption"] == catalogs.text("fi", Msg("esy.progress.caption", {
        "count": 3, "dates": Msg("esy.progress.dates", {"first": first, "latest": clock.now})}))
    words = joined(calls)
    first_area, skipped = instrument.areas[0].name.get("fi"), instrument.areas[3].name.get("fi")
    goal = catalogs.text("fi", Msg("esy.progress.goal", {"title": "Nukkumaan ennen puoltayötä",
                                                         "status": Msg("goals.status_going")}))
    assert f"{first_area}: 1,0 → 2,0 → 4,0 (nousua 3,0)\n{goal}" in words  # decimal comma, first to latest
    assert f"{skipped}: 3,0 → – → 4,0 (nousua 1,0)" in words  # the skipped one a gap, not a zero
    assert catalogs.text("fi", Msg("esy.progress.gaps", {"gap": "–"})) in words
    assert words.index(first_area) > words.index(catalogs.text("fi", Msg("esy.progress.text", {
        "count": 3, "dates": Msg("esy.progress.dates", {"first": first, "latest": clock.now}), "min": 1, "max": 5,
        "lines": "", "gaps": ""})).strip())
    assert t(catalogs, "fi", "esy.begin") in user.labels()  # back at the start of the circle


async def test_with_one_circle_a_kind_word_and_with_none_no_button(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    user = bot.user(language="sv")
    await open_circle(user, catalogs, "sv")
    assert t(catalogs, "sv", "esy.progress.open") not in user.labels()  # nothing to look back on yet
    await stored(bot, user_key(bot.services.secret, "tg", user.id), instrument, 30, clock, first=2.0)
    await user.send("/circle")
    calls = await user.tap(t(catalogs, "sv", "esy.progress.open"))
    assert not [c for c in calls if c.method == "sendPhoto"]
    assert catalogs.text("sv", Msg("esy.progress.too_few", {"date": clock.now - timedelta(days=30)})) in joined(calls)


async def open_card(bot: Bot, catalogs: Catalogs) -> TgUser:
    """The responsible worker (in Finnish) at Kettu's card."""
    worker = bot.user(WORKER, "fi")
    await worker.send("/start")
    await worker.tap(t(catalogs, "fi", "menu.clients"))
    await worker.tap(catalogs.text("fi", Msg("clients.item_linked", {"nickname": "Kettu"})))
    return worker


async def test_the_worker_sees_only_the_shared_circles(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    await linked_client(bot, catalogs)
    key = user_key(bot.services.secret, "tg", CLIENT)
    shared = [await stored(bot, key, instrument, days, clock, first=first) for days, first in ((120, 1.0), (10, 2.5))]
    await stored(bot, key, instrument, 60, clock, first=5.0)  # kept, never shared: the worker must not see it
    async with bot.services.store.transaction() as work:
        client = await work.clients.by_user(key)
        assert client is not None and client.id is not None
        for assessment in shared:
            await work.shares.add(ShareRow(assessment, client.id, clock.now))
        # A goal written as a client (on the card too), and one from before, the person's own: not the worker's.
        area = instrument.areas[0].id
        await work.goals.add(GoalRow(key, area, "Kesätyö", clock.now, clock.now, client_id=client.id))
        await work.goals.add(GoalRow(key, area, "Oma salaisuus", clock.now, clock.now))
    worker = await open_card(bot, catalogs)
    calls = await worker.tap(t(catalogs, "fi", "clients.show_progress"))
    [photo] = [c for c in calls if c.method == "sendPhoto"]
    png_size(photo.files["photo"])
    words = joined(calls)
    assert f"{instrument.areas[0].name.get('fi')}: 1,0 → 2,5 (nousua 1,5)" in words
    assert "5,0" not in words and "Oma salaisuus" not in words
    status = Msg("goals.state", {"status": Msg("goals.status_going"), "agreement": Msg("goals.draft")})
    assert catalogs.text("fi", Msg("esy.progress.goal", {"title": "Kesätyö", "status": status})) in words
    assert catalogs.text("fi", Msg("esy.progress.caption", {
        "count": 2, "dates": Msg("esy.progress.dates", {
            "first": clock.now - timedelta(days=120), "latest": clock.now - timedelta(days=10)})})) == \
        photo.params["caption"]
    assert catalogs.text("fi", Msg("esy.progress.title_client", {"nickname": "Kettu"})) not in words  # in the PNG
    async with bot.services.store.transaction() as work:
        assert "client.circles.view" in [row.action for row in await work.audit.recent(20)]


async def test_an_old_card_after_the_client_withdrew_storing_answers_clearly(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    client = await linked_client(bot, catalogs)
    key = user_key(bot.services.secret, "tg", CLIENT)
    circles = [await stored(bot, key, instrument, days, clock, 2.0) for days in (100, 5)]
    async with bot.services.store.transaction() as work:
        row = await work.clients.by_user(key)
        assert row is not None and row.id is not None
        for assessment in circles:
            await work.shares.add(ShareRow(assessment, row.id, clock.now))
    worker = await open_card(bot, catalogs)
    card = worker.last_question()
    assert t(catalogs, "fi", "clients.show_progress") in worker.labels(card)
    # The client withdraws storing things (c): their circles, and so what they shared, are deleted.
    await client.send("/consent")
    await client.tap(item_label(catalogs, "consent.withdraw_item", "Saving things"))
    await client.tap(t(catalogs, "en", "consent.confirm_yes"))
    await deliver(bot)
    calls = await worker.tap(t(catalogs, "fi", "clients.show_progress"), question=card)
    assert t(catalogs, "fi", "error.stale") in joined(calls)
    assert not [c for c in calls if c.method == "sendPhoto"]
    assert t(catalogs, "fi", "clients.show_progress") not in worker.labels()  # the card now offers no progress


def pictures(folder: Path, kind: str) -> list[Path]:
    """The PNGs of ``kind`` the terminal saved in ``folder``."""
    found = list(folder.glob(f"kaari-{kind}-*.png"))
    assert all(path.read_bytes()[:4] == b"\x89PNG" for path in found)
    return found


async def test_in_a_terminal_the_picture_is_saved_beside_the_words(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, instrument: Instrument,
) -> None:
    services = await bootstrap(bot_settings(tmp_path / "k.sqlite3"), drawer=drawer, clock=clock, catalogs=catalogs)
    try:
        await Console(services, io.StringIO(), tmp_path).run(io.StringIO(""), "en")  # the person exists now
        key = user_key(services.secret, CHANNEL, "local")
        async with services.store.transaction() as work:
            for days, first in ((90, 2.0), (0, 3.5)):
                await work.assessments.add(AssessmentRow(key, instrument.id, instrument.version,
                                                         clock.now - timedelta(days=days), {}, {
                                                             area.id: first for area in instrument.areas}, {}))
        out = io.StringIO()
        await Console(services, out, tmp_path).run(io.StringIO("/circle\n2\n"), "en")
    finally:
        await services.store.close()
    [saved] = pictures(tmp_path, "progress")
    assert not pictures(tmp_path, "circle")
    shown = out.getvalue()
    assert f"{instrument.areas[0].name.get('en')}: 2.0 → 3.5 (up 1.5)" in shown
    assert catalogs.text("en", Msg("console.picture_saved", {"name": saved.name})) in shown
