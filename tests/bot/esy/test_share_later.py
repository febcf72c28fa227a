"""Through the real Application (#12): a circle kept to oneself can be shown to one's workers later, from the start
of the circle (`/circle`), as the intro promises; a button left from before (the circle shared already, consent (c)
withdrawn and the circles with it) answers clearly and shares nothing. The start of the circle says less each time:
the whole intro the first time, a short one with the last circle's date for someone coming back, one line back at
the start after looking at their progress, with the same buttons."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.i18n import Catalogs
from bot.keys import user_key
from flows.core.messages import Msg
from flows.esy.instrument import Instrument
from tests.bot.esy.test_progress_telegram import open_circle, stored
from tests.bot.fakeapi import Call
from tests.bot.harness import Bot, TgUser, joined
from tests.bot.identity.test_identity import CLIENT, WORKER, deliver, sent_texts, t
from tests.bot.identity.test_rights import item_label, linked_client
from tests.bot.identity.test_worker import finish_circle
from tests.conftest import Clock


def later(catalogs: Catalogs, language: str, at: datetime) -> str:
    """The start's button for the circle of ``at``."""
    return catalogs.text(language, Msg("esy.share_later", {"date": at}))


async def kept_circle(bot: Bot, catalogs: Catalogs, instrument: Instrument) -> TgUser:
    """A linked client (in English) who filled the circle and kept it to themselves."""
    client = await linked_client(bot, catalogs)
    await finish_circle(client, catalogs, instrument)
    await client.tap(t(catalogs, "en", "esy.share_no"))
    return client


async def shared_ids(bot: Bot) -> list[int]:
    key = user_key(bot.services.secret, "tg", CLIENT)
    async with bot.services.store.transaction() as work:
        client = await work.clients.by_user(key)
        assert client is not None and client.id is not None
        return [row.assessment_id for row in await work.shares.for_client(client.id)]


async def test_a_kept_circle_is_shared_later_from_the_start_and_the_worker_is_told(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    client = await kept_circle(bot, catalogs, instrument)
    await deliver(bot)
    notice = catalogs.text("fi", Msg("notify.circle_shared", {"client": "Kettu"}))
    assert notice not in await sent_texts(bot, WORKER) and await shared_ids(bot) == []
    await client.send("/circle")
    start = client.last_question()
    assert later(catalogs, "en", clock.now) in client.labels(start)
    calls = await client.tap(later(catalogs, "en", clock.now))
    assert t(catalogs, "en", "esy.shared") in joined(calls)
    assert len(await shared_ids(bot)) == 1
    await deliver(bot)
    assert notice in await sent_texts(bot, WORKER)  # told as at the end of the circle
    # Shared now: the button is gone, and one from before answers that the question has passed.
    assert later(catalogs, "en", clock.now) not in client.labels()
    assert t(catalogs, "en", "esy.begin") in client.labels()
    calls = await client.tap(later(catalogs, "en", clock.now), question=start)
    assert t(catalogs, "en", "error.stale") in joined(calls)
    assert t(catalogs, "en", "esy.shared") not in joined(calls)
    assert len(await shared_ids(bot)) == 1
    await deliver(bot)
    assert (await sent_texts(bot, WORKER)).count(notice) == 1
    async with bot.services.store.transaction() as work:
        assert [row.action for row in await work.audit.recent(50)].count("assessment.shared") == 1


async def test_a_button_from_before_consent_was_withdrawn_shares_nothing(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    client = await kept_circle(bot, catalogs, instrument)
    await client.send("/circle")
    start = client.last_question()
    # The client withdraws storing things (c): their circles are deleted, and nothing may be shared.
    await client.send("/consent")
    await client.tap(item_label(catalogs, "consent.withdraw_item", "Saving things"))
    await client.tap(t(catalogs, "en", "consent.confirm_yes"))
    calls = await client.tap(later(catalogs, "en", clock.now), question=start)
    assert t(catalogs, "en", "error.stale") in joined(calls)
    assert t(catalogs, "en", "esy.shared") not in joined(calls)
    assert await shared_ids(bot) == []
    await client.send("/circle")
    assert later(catalogs, "en", clock.now) not in client.labels()
    assert t(catalogs, "en", "esy.begin") in client.labels()


async def test_a_circle_deleted_meanwhile_takes_the_button_away(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    """The start of the circle is read again before a tap: the button goes with the circle it named."""
    client = await kept_circle(bot, catalogs, instrument)
    await client.send("/circle")
    start = client.last_question()
    key = user_key(bot.services.secret, "tg", CLIENT)
    async with bot.services.store.transaction() as work:  # the circle is deleted elsewhere (retention, say)
        await work.assessments.delete_for_user(key)
    calls = await client.tap(later(catalogs, "en", clock.now), question=start)
    assert t(catalogs, "en", "error.stale") in joined(calls)
    assert later(catalogs, "en", clock.now) not in client.labels()
    assert t(catalogs, "en", "esy.begin") in client.labels()
    assert await shared_ids(bot) == []


async def test_only_the_latest_unshared_circle_of_a_client_is_offered(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    await linked_client(bot, catalogs)
    client = bot.user(CLIENT, "en", "Kettu")
    key = user_key(bot.services.secret, "tg", CLIENT)
    await stored(bot, key, instrument, 40, clock, first=2.0)
    await stored(bot, key, instrument, 5, clock, first=3.0)
    await client.send("/circle")
    labels = client.labels()
    assert later(catalogs, "en", clock.now - timedelta(days=5)) in labels
    assert later(catalogs, "en", clock.now - timedelta(days=40)) not in labels


async def test_an_anonymous_person_is_never_offered_sharing(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    user = bot.user(language="en")
    await user.send("/start")
    await stored(bot, user_key(bot.services.secret, "tg", user.id), instrument, 10, clock, first=2.0)
    await open_circle(user, catalogs, "en")
    assert later(catalogs, "en", clock.now - timedelta(days=10)) not in user.labels()
    assert t(catalogs, "en", "esy.begin") in user.labels()


def intro_text(calls: list[Call]) -> str:
    [question] = [c for c in calls if c.method == "sendMessage" and c.params.get("reply_markup")]
    return str(question.params["text"])


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
async def test_the_start_says_less_to_someone_coming_back(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument, language: str,
) -> None:
    user = bot.user(language=language)
    await open_circle(user, catalogs, language)
    minutes = round(sum(len(area.statements) for area in instrument.areas) * 12 / 60)
    first = str(user.last_question().params["text"])
    assert first == catalogs.text(language, Msg("esy.intro", {"areas": len(instrument.areas), "minutes": minutes}))
    key = user_key(bot.services.secret, "tg", user.id)
    for days in (90, 20):
        await stored(bot, key, instrument, days, clock, first=2.0)
    calls = await user.send("/circle")
    again = catalogs.text(language, Msg("esy.intro_again", {"date": clock.now - timedelta(days=20),
                                                           "minutes": minutes}))
    assert intro_text(calls) == again
    buttons = user.labels()
    assert t(catalogs, language, "esy.begin") in buttons and t(catalogs, language, "esy.progress.open") in buttons
    # Back at the start after looking at the progress: one line, the same buttons.
    calls = await user.tap(t(catalogs, language, "esy.progress.open"))
    assert any(c.method == "sendPhoto" for c in calls)
    words = intro_text(calls)  # the progress in words, then the start's one line with the buttons
    assert words.endswith("\n\n" + t(catalogs, language, "esy.intro_back")) and again not in words
    assert set(buttons) <= set(user.labels())  # the engine adds a Back (to the progress' step) beside them
    # Coming to the start again, it says again when the last circle was.
    calls = await user.send("/circle")
    assert intro_text(calls) == again and set(buttons) <= set(user.labels())
