"""ESY's follow-up through the real Application on a controlled clock: a linked client with consent (d) who
finishes a circle is offered the next one once, about three months later, outside quiet hours, with ESY's
Begin button; a newer circle replaces the offer; withdrawing storage (c), /forget and ending the work delete
it; without consent (d), or for an anonymous person, nothing is sent."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.keys import user_key
from bot.settings import load_settings
from bot.ticker import purge_idle
from flows.core.dates import HELSINKI
from flows.core.messages import Lines, Msg
from flows.esy.followup import REASSESS
from flows.esy.instrument import Instrument
from storage.ports import OutboxRow
from tests.bot.fakeapi import Call
from tests.bot.harness import Bot, TgUser, bot_settings, joined, said, sent_files, start_bot
from tests.bot.identity.test_identity import CLIENT, deliver, t
from tests.bot.identity.test_rights import item_label, linked_client
from tests.bot.identity.test_worker import finish_circle
from tests.conftest import Clock


async def offers(bot: Bot, key: str) -> list[OutboxRow]:
    async with bot.services.store.transaction() as work:
        return [row for row in await work.outbox.for_recipient(key) if row.kind == REASSESS]


def offered(bot: Bot, catalogs: Catalogs, mark: int) -> list[Call]:
    """The re-assessment notices the client received since ``mark``."""
    return [c for c in bot.api.calls[mark:] if c.params.get("chat_id") == CLIENT and said(catalogs, "esy.reassess", c)]


async def finished_client(bot: Bot, catalogs: Catalogs, instrument: Instrument) -> tuple[TgUser, str]:
    client = await linked_client(bot, catalogs)
    await finish_circle(client, catalogs, instrument)
    await client.tap(t(catalogs, "en", "esy.share_no"))
    return client, user_key(bot.services.secret, "tg", CLIENT)


async def test_the_offer_arrives_once_after_the_interval_and_opens_esy(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    client = await linked_client(bot, catalogs)
    key = user_key(bot.services.secret, "tg", CLIENT)
    finished_at = clock.now
    await client.tap(t(catalogs, "en", "menu.esy"))
    await client.tap(t(catalogs, "en", "esy.begin"))
    for area in instrument.areas:
        for _ in area.statements:
            await client.tap(instrument.scale[3].label.get("en"))
        calls = await client.tap(t(catalogs, "en", "esy.skip_wish"))
    due = finished_at + timedelta(days=90)
    assert catalogs.text("en", Msg("esy.reassess_planned", {"date": due})) in joined(calls), "told when"
    await client.tap(t(catalogs, "en", "esy.share_no"))
    [row] = await offers(bot, key)
    assert row.due_at == due and row.status == "pending"

    mark = len(bot.api.calls)
    clock.now = due - timedelta(minutes=1)
    await deliver(bot)
    assert offered(bot, catalogs, mark) == [], "not before it is due"
    clock.now = due
    await deliver(bot)
    [notice] = offered(bot, catalogs, mark)
    assert catalogs.text("en", Msg("esy.reassess", {"date": finished_at})) in str(notice.params["text"])
    assert t(catalogs, "en", "esy.begin") in client.labels(), "it opens ESY with its Begin button"
    clock.advance(days=1)
    await deliver(bot)
    assert len(offered(bot, catalogs, mark)) == 1, "sent exactly once"
    assert [row.status for row in await offers(bot, key)] == ["sent"]
    calls = await client.tap(t(catalogs, "en", "esy.begin"))
    assert instrument.areas[0].statements[0].text.get("en") in joined(calls)


async def test_an_offer_due_in_quiet_hours_waits_for_the_morning(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    clock.now = clock.now.replace(hour=20, minute=30)  # 22:30 in Helsinki
    _, key = await finished_client(bot, catalogs, instrument)
    [row] = await offers(bot, key)
    local = row.due_at.astimezone(HELSINKI)
    assert (local.date() - clock.now.date(), local.hour, local.minute) == (timedelta(days=91), 8, 0)
    mark = len(bot.api.calls)
    clock.now += timedelta(days=90)  # 22:30 three months later: quiet
    await deliver(bot)
    assert offered(bot, catalogs, mark) == []
    clock.now = row.due_at
    await deliver(bot)
    assert len(offered(bot, catalogs, mark)) == 1


async def test_a_newer_circle_replaces_the_pending_offer(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    client, key = await finished_client(bot, catalogs, instrument)
    clock.advance(days=30)
    await finish_circle(client, catalogs, instrument)
    await client.tap(t(catalogs, "en", "esy.share_no"))
    rows = await offers(bot, key)
    assert [(row.status, row.due_at) for row in rows if row.status == "pending"] == [
        ("pending", clock.now + timedelta(days=90))], "exactly one pending, from the newer circle"
    mark = len(bot.api.calls)
    clock.now += timedelta(days=60)  # the first offer's time: it was replaced
    await deliver(bot)
    assert offered(bot, catalogs, mark) == []
    clock.now += timedelta(days=30)
    await deliver(bot)
    assert len(offered(bot, catalogs, mark)) == 1


async def test_without_reminders_consent_nothing_is_offered(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    client, key = await finished_client(bot, catalogs, instrument)
    await client.send("/consent")
    await client.tap(item_label(catalogs, "consent.withdraw_item", "Reminders"))
    await client.tap(t(catalogs, "en", "consent.close"))
    assert [row for row in await offers(bot, key) if row.status == "pending"] == [], "cancelled at once"
    files = sent_files(await client.send("/mydata"))
    assert json.loads(files["json"])["reassessment_offered_at"] == []
    mark = len(bot.api.calls)
    clock.advance(days=90)
    await deliver(bot)
    assert offered(bot, catalogs, mark) == [], "consent (d) is checked again when it is due"
    calls = await finish_circle_calls(client, catalogs, instrument)
    assert not said(catalogs, "esy.reassess_planned", joined(calls))
    assert [row for row in await offers(bot, key) if row.status == "pending"] == []


async def finish_circle_calls(client: TgUser, catalogs: Catalogs, instrument: Instrument) -> list[Call]:
    await client.tap(t(catalogs, "en", "menu.esy"))
    await client.tap(t(catalogs, "en", "esy.begin"))
    calls: list[Call] = []
    for area in instrument.areas:
        for _ in area.statements:
            await client.tap(instrument.scale[3].label.get("en"))
        calls = await client.tap(t(catalogs, "en", "esy.skip_wish"))
    return calls


async def test_withdrawing_storage_deletes_the_offer_and_says_so(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    client, key = await finished_client(bot, catalogs, instrument)
    await client.send("/consent")
    await client.tap(item_label(catalogs, "consent.withdraw_item", "Saving things"))
    calls = await client.tap(t(catalogs, "en", "consent.confirm_yes"))
    assert catalogs.text("en", Msg("consent.storage_deleted", {"lines": Lines((
        Msg("consent.deleted_circles", {"count": 1}), Msg("consent.deleted_reassess")))})) in joined(calls)
    assert [row for row in await offers(bot, key) if row.status == "pending"] == []
    mark = len(bot.api.calls)
    clock.advance(days=91)
    await deliver(bot)
    assert offered(bot, catalogs, mark) == []


async def test_ending_the_work_deletes_the_offer(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    client, key = await finished_client(bot, catalogs, instrument)
    assert len(await offers(bot, key)) == 1
    await client.send("/consent")
    await client.tap(item_label(catalogs, "consent.withdraw_item", "Working together"))
    await client.tap(t(catalogs, "en", "consent.confirm_yes"))
    assert await offers(bot, key) == []


async def test_forget_deletes_the_offer(bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument) -> None:
    client, key = await finished_client(bot, catalogs, instrument)
    assert len(await offers(bot, key)) == 1
    await client.send("/forget")
    await client.tap(t(catalogs, "en", "forget.yes"))
    assert await offers(bot, key) == []
    mark = len(bot.api.calls)
    clock.advance(days=91)
    await deliver(bot)
    assert offered(bot, catalogs, mark) == []


async def test_the_offer_is_in_mydata(bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument) -> None:
    client, _ = await finished_client(bot, catalogs, instrument)
    due = clock.now + timedelta(days=90)
    files = sent_files(await client.send("/mydata"))
    assert json.loads(files["json"])["reassessment_offered_at"] == [due.isoformat()]
    assert catalogs.text("en", Msg("mydata.reassess", {"date": due})) in files["txt"].decode()


async def anonymous_circle(bot: Bot, catalogs: Catalogs, instrument: Instrument) -> tuple[TgUser, str, list[Call]]:
    """An anonymous person fills the circle; the last calls end with the reminder question."""
    user = bot.user(language="en")
    await user.send("/start")
    await user.tap("English")
    calls = await finish_circle_calls(user, catalogs, instrument)
    return user, user_key(bot.services.secret, "tg", user.id), calls


async def contact_of(bot: Bot, key: str) -> str | None:
    async with bot.services.store.transaction() as work:
        contact = await work.contacts.get(key)
    return None if contact is None else contact.sealed_chat


async def test_an_anonymous_no_keeps_nothing(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    user, key, calls = await anonymous_circle(bot, catalogs, instrument)
    due = clock.now + timedelta(days=90)
    assert catalogs.text("en", Msg("esy.remind_ask", {"date": due})) in joined(calls), "says what it would keep"
    assert user.labels()[0] == t(catalogs, "en", "esy.remind_no"), "no is the first choice"
    await user.tap(t(catalogs, "en", "esy.remind_no"))
    assert await offers(bot, key) == [] and await contact_of(bot, key) is None
    assert not said(catalogs, "esy.reassess_planned", joined(calls))


async def test_an_anonymous_yes_keeps_the_sealed_address_until_the_reminder_is_sent(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    user, key, _ = await anonymous_circle(bot, catalogs, instrument)
    calls = await user.tap(t(catalogs, "en", "esy.remind_yes"))
    due = clock.now + timedelta(days=90)
    assert catalogs.text("en", Msg("esy.remind_set", {"date": due})) in joined(calls)
    sealed = await contact_of(bot, key)
    assert sealed is not None and str(user.id) not in sealed, "kept sealed"
    assert [(row.due_at, row.status) for row in await offers(bot, key)] == [(due, "pending")]
    files = sent_files(await user.send("/mydata"))
    assert json.loads(files["json"])["reassessment_offered_at"] == [due.isoformat()]
    clock.now = due - timedelta(hours=1)
    await purge_idle(bot.services)  # the hourly sweep leaves the address a reminder needs
    assert await contact_of(bot, key) is not None
    mark = len(bot.api.calls)
    clock.now = due
    await deliver(bot)
    notices = [c for c in bot.api.calls[mark:] if said(catalogs, "esy.reassess", c)]
    assert len(notices) == 1 and t(catalogs, "en", "esy.begin") in user.labels()
    assert await contact_of(bot, key) is None, "the address goes right after the reminder is sent"
    clock.advance(days=1)
    await deliver(bot)
    assert len([c for c in bot.api.calls[mark:] if said(catalogs, "esy.reassess", c)]) == 1


async def test_an_anonymous_person_can_cancel_their_reminder(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    user, key, _ = await anonymous_circle(bot, catalogs, instrument)
    await user.tap(t(catalogs, "en", "esy.remind_yes"))
    await user.tap(t(catalogs, "en", "menu.esy"))
    calls = await user.tap(t(catalogs, "en", "esy.remind_cancel"))
    assert t(catalogs, "en", "esy.remind_cancelled") in joined(calls)
    assert t(catalogs, "en", "esy.remind_cancel") not in user.labels()
    assert [row.status for row in await offers(bot, key)] == ["dropped"]
    await purge_idle(bot.services)
    assert await contact_of(bot, key) is None, "the sweep releases the address nothing needs"
    mark = len(bot.api.calls)
    clock.advance(days=91)
    await deliver(bot)
    assert not [c for c in bot.api.calls[mark:] if said(catalogs, "esy.reassess", c)]


async def test_forget_deletes_an_anonymous_reminder(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    user, key, _ = await anonymous_circle(bot, catalogs, instrument)
    await user.tap(t(catalogs, "en", "esy.remind_yes"))
    await user.send("/forget")
    await user.tap(t(catalogs, "en", "forget.yes"))
    assert await offers(bot, key) == [] and await contact_of(bot, key) is None


async def test_retention_waits_for_an_anonymous_reminder(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, instrument: Instrument,
) -> None:
    settings = bot_settings(tmp_path / "k.sqlite3", reassess_days=130)  # longer than the 120 days kept
    bot = await start_bot(settings, clock, catalogs, drawer)
    try:
        user, _, _ = await anonymous_circle(bot, catalogs, instrument)
        await user.tap(t(catalogs, "en", "esy.remind_yes"))
        clock.advance(days=125)
        assert await purge_idle(bot.services) == 0, "not deleted while their reminder waits"
        clock.advance(days=5)
        mark = len(bot.api.calls)
        await deliver(bot)
        assert [c for c in bot.api.calls[mark:] if said(catalogs, "esy.reassess", c)]
        clock.advance(days=121)
        assert await purge_idle(bot.services) == 1, "then the usual retention applies"
    finally:
        await bot.stop()


def test_the_interval_is_read_from_kaari_reassess_days() -> None:
    assert load_settings({}).reassess_days == 90
    assert load_settings({"KAARI_REASSESS_DAYS": "60"}).reassess_days == 60


async def test_the_interval_setting_reaches_the_flow(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, instrument: Instrument,
) -> None:
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3", reassess_days=14), clock, catalogs, drawer)
    try:
        _, key = await finished_client(bot, catalogs, instrument)
        assert [row.due_at for row in await offers(bot, key)] == [clock.now + timedelta(days=14)]
    finally:
        await bot.stop()
