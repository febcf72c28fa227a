"""The consent texts say what really happens, and it happens (#10): withdrawing storage deletes the circles, the
meeting preparation, the meetings with their notes and promises and the closing evaluation, and says what went;
withdrawing (or ending) the work cancels coming meetings and tells those invited; a changed text is asked again
and the earlier answer stays in the history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.keys import user_key
from bot.ticker import purge_idle
from flows.core.messages import Lines, Msg
from flows.esy.instrument import Instrument
from flows.identity.consent_texts import load_consent_texts
from storage.ports import (
    ChatRow,
    EvaluationRow,
    MeetingRow,
    ParticipantRow,
    PreparationRow,
    PromiseRow,
    UserRow,
)
from tests.bot.harness import Bot, bot_settings, joined, start_bot, texts
from tests.bot.identity.test_identity import CLIENT, CONSENT_ITEMS, STRANGER, WORKER, invite_client, open_menu, t
from tests.bot.identity.test_rights import add_circle, item_label, linked_client
from tests.bot.identity.test_worker import finish_circle
from tests.conftest import Clock

AUNT = "aunt-who-joined-by-link"


@dataclass
class Work:
    client_id: int
    held: int
    planned: int


async def seed_work(bot: Bot, clock: Clock) -> Work:
    """What a client's work leaves in Kaari: a circle, a meeting preparation, a held meeting with two promises,
    a coming meeting the client's aunt joined by link, and a closing evaluation."""
    key = user_key(bot.services.secret, "tg", CLIENT)
    await add_circle(bot, key, clock)
    now = clock.now
    async with bot.services.store.transaction() as work:
        client = await work.clients.by_user(key)
        worker = await work.staff.by_user(user_key(bot.services.secret, "tg", WORKER))
        assert client is not None and client.id is not None and worker is not None and worker.id is not None
        await work.users.save(UserRow(AUNT, "fi", now, now))
        await work.preparations.save(PreparationRow(client.id, {"topics": ["vuokra"]}, 1, now, "client:1"))
        held = await work.meetings.add(MeetingRow(client.id, worker.id, now - timedelta(days=20),
                                                  now - timedelta(days=14), "office", "Kaarikatu 1", "held"))
        person = await work.meetings.add_participant(ParticipantRow(held, "Kettu", "client", user_key=key))
        for text in ("Haen kouluun", "Soitan Kelaan"):
            await work.meetings.add_promise(PromiseRow(held, person, text, date(2026, 12, 1), now))
        planned = await work.meetings.add(MeetingRow(client.id, worker.id, now, now + timedelta(days=7),
                                                     "office", "Kaarikatu 1"))
        await work.meetings.add_participant(ParticipantRow(planned, "Kettu", "client", user_key=key))
        await work.meetings.add_participant(ParticipantRow(planned, "Aino", "worker", staff_id=worker.id,
                                                           user_key=worker.user_key))
        await work.meetings.add_participant(ParticipantRow(planned, "Täti", "other", "täti", user_key=AUNT))
        await work.evaluations.save(EvaluationRow(client.id, {"went_well": "yhdessä"}, {"comment": "ok"}, now))
    return Work(client.id, held, planned)


async def told_of_cancellation(bot: Bot, recipient: str) -> list[str]:
    async with bot.services.store.transaction() as work:
        return [row.message["key"] for row in await work.outbox.for_recipient(recipient)
                if row.message.get("key") == "meeting.cancelled_ended"]


async def test_withdrawing_storage_deletes_everything_kept_for_the_work_and_says_what(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    client = await linked_client(bot, catalogs)
    seeded = await seed_work(bot, clock)
    await client.send("/consent")
    calls = await client.tap(item_label(catalogs, "consent.withdraw_item", "Saving things"))
    assert t(catalogs, "en", "consent.confirm_storage") in joined(calls)
    calls = await client.tap(t(catalogs, "en", "consent.confirm_yes"))
    deleted = Lines((Msg("consent.deleted_circles", {"count": 1}), Msg("consent.deleted_meetings", {"count": 2}),
                     Msg("consent.deleted_promises", {"count": 2}), Msg("consent.deleted_preparation"),
                     Msg("consent.deleted_evaluation")))
    assert catalogs.text("en", Msg("consent.storage_deleted", {"lines": deleted})) in joined(calls), joined(calls)
    key = user_key(bot.services.secret, "tg", CLIENT)
    async with bot.services.store.transaction() as work:
        assert await work.assessments.for_user(key) == []
        assert await work.preparations.get(seeded.client_id) is None
        assert await work.meetings.for_client(seeded.client_id) == []
        assert await work.meetings.promises(seeded.held) == []
        assert await work.evaluations.get(seeded.client_id) is None
        assert await work.clients.by_user(key) is not None, "the work itself goes on"
    # The coming meeting is off: the aunt and the worker hear of it, the client (who did it) does not.
    assert await told_of_cancellation(bot, AUNT) == ["meeting.cancelled_ended"]
    assert await told_of_cancellation(bot, user_key(bot.services.secret, "tg", WORKER)) == [
        "meeting.cancelled_ended"]
    assert await told_of_cancellation(bot, key) == []
    # Nothing left to delete the second time: said so, not "0 circles".
    await client.tap(item_label(catalogs, "consent.give_item", "Saving things"))
    await client.tap(item_label(catalogs, "consent.withdraw_item", "Saving things"))
    calls = await client.tap(t(catalogs, "en", "consent.confirm_yes"))
    assert catalogs.text("en", Msg("consent.storage_deleted", {"lines": Msg("consent.deleted_nothing")})) in joined(
        calls)


async def test_withdrawing_the_work_cancels_coming_meetings_and_tells_those_invited(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    client = await linked_client(bot, catalogs)
    seeded = await seed_work(bot, clock)
    await client.send("/consent")
    calls = await client.tap(item_label(catalogs, "consent.withdraw_item", "Working together"))
    assert t(catalogs, "en", "consent.confirm_work") in joined(calls)
    await client.tap(t(catalogs, "en", "consent.confirm_yes"))
    async with bot.services.store.transaction() as work:
        statuses = {row.id: row.status for row in await work.meetings.for_client(seeded.client_id)}
        assert await work.preparations.get(seeded.client_id) is None
    assert statuses == {seeded.held: "held", seeded.planned: "cancelled"}
    assert await told_of_cancellation(bot, AUNT) == ["meeting.cancelled_ended"]


def first_versions(folder: Path) -> Path:
    """Kaari's consent file as it was before any text changed: every item at version 1."""
    source = (Path(__file__).resolve().parents[3] / "flows" / "identity" / "consent.toml").read_text(encoding="utf-8")
    path = folder / "consent-v1.toml"
    path.write_text("\n".join("version = 1" if line.startswith("version = ") else line
                              for line in source.splitlines()), encoding="utf-8")
    return path


async def test_a_changed_consent_text_is_asked_again_and_the_old_answer_stays_in_the_history(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    # Before the upgrade: the same items at version 1.
    current = load_consent_texts()
    old_file = first_versions(tmp_path)
    db_path = tmp_path / "k.sqlite3"
    bot = await start_bot(bot_settings(db_path, consent_texts=old_file), clock, catalogs, drawer)
    try:
        await linked_client(bot, catalogs)
    finally:
        await bot.stop()
    changed = [item for item in current if item.version > 1]
    assert {item.id for item in changed} >= {"work", "exchange", "storage"}
    # After the upgrade: at their next visit the client is asked about each changed text, one at a time.
    clock.advance(days=1)
    bot = await start_bot(bot_settings(db_path), clock, catalogs, drawer)
    try:
        client = bot.user(CLIENT, "en", "Kettu")
        calls = await client.send("/start")
        for number, item in enumerate(changed):
            assert catalogs.text("en", Msg("consent.changed", {"title": item.title, "text": "X"})).split(
                "\n")[0] in joined(calls), joined(calls)
            assert item.text.en.split("{")[0] in joined(calls)
            calls = await client.tap(t(catalogs, "en", "consent.yes"))
            if number == len(changed) - 1:
                assert t(catalogs, "en", "menu.prompt") in joined(calls)
        async with bot.services.store.transaction() as work:
            linked = await work.clients.by_user(user_key(bot.services.secret, "tg", CLIENT))
            assert linked is not None
            history = [(row.item, row.version, row.answer) for row in await work.consents.for_client(linked.id or 0)]
        assert history[:len(current)] == [(item.id, 1, "yes") for item in current], "the earlier answers are kept"
        assert history[len(current):] == [(item.id, item.version, "yes") for item in changed]
        calls = await client.send("/start")
        assert not any(item.title.en in joined(calls) for item in changed), "asked once"
    finally:
        await bot.stop()


async def test_the_circle_summary_says_truly_whether_the_circle_was_kept(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    # A client who allowed the work only: their circle is not stored, and the summary does not say it is.
    _, payload = await invite_client(bot, catalogs)
    client = bot.user(CLIENT, "en", "Kettu")
    await client.send(f"/start {payload}")
    await client.tap(t(catalogs, "en", "invite.go_on"))
    await client.tap(t(catalogs, "en", "consent.yes"))
    for _ in range(CONSENT_ITEMS - 1):
        await client.tap(t(catalogs, "en", "consent.no"))
    before = len(bot.api.calls)
    await finish_circle(client, catalogs, instrument)
    summary = "\n".join(texts(bot.api.calls[before:]))
    assert t(catalogs, "en", "esy.summary.not_kept") in summary
    assert t(catalogs, "en", "esy.summary.private") not in summary
    async with bot.services.store.transaction() as work:
        assert await work.assessments.for_user(user_key(bot.services.secret, "tg", CLIENT)) == []
    # Someone anonymous is told how long theirs is kept without a visit.
    stranger = bot.user(STRANGER, "en")
    await open_menu(stranger, catalogs)
    before = len(bot.api.calls)
    await finish_circle(stranger, catalogs, instrument)
    days = bot.services.settings.anonymous_retention_days
    assert catalogs.text("en", Msg("esy.summary.kept_anonymous", {"days": days})) in "\n".join(
        texts(bot.api.calls[before:]))


async def test_a_left_message_still_expires_after_the_waiting_period_though_people_are_kept_longer(
    bot: Bot, clock: Clock,
) -> None:
    settings = bot.services.settings
    assert settings.chat_waiting_days < settings.anonymous_retention_days
    async with bot.services.store.transaction() as work:
        await work.users.save(UserRow("young", "fi", clock.now, clock.now))
        chat_id = await work.chats.add(ChatRow(bot.services.chat.services[0].id, clock.now, "young", left=True))
    clock.advance(days=settings.chat_waiting_days - 1)
    await purge_idle(bot.services)
    async with bot.services.store.transaction() as work:
        assert (await work.chats.get(chat_id) or ChatRow("", clock.now, None)).status == "queued"
    clock.advance(days=2)
    await purge_idle(bot.services)
    async with bot.services.store.transaction() as work:
        chat = await work.chats.get(chat_id)
        assert chat is not None and chat.status == "closed" and chat.closed_by == "expired"
        assert await work.users.get("young") is not None, "the person is kept for the anonymous period"
