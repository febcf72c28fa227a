"""#12's "Done when" for stored things, through the real Application on the fake Bot API: a linked client with
one of every thing #12 added is told all of it by /mydata (text and JSON), and /forget leaves no row with their
key or client id in any table of the SQLite file, only the de-identified effect record they agreed to;
withdrawing storage (c) deletes what (c) covers, says so, and keeps the group membership (c) does not cover;
an anonymous person with goals, a group and a reminder is deleted whole by the retention sweep.

Made through the flows: the link and consents, the circle (which schedules the re-assessment offer), sharing
it, the group (the worker creates it, the client joins with its code). Seeded through the store, as their
flows are long and have their own tests: an earlier circle (so there is a change to keep), the worker's reading
and both sides' comments, the goal with its history, a service linked to it with a follow-up, the group's
round and answer, the meeting preparation's goal note, and a meeting with a promise for the goal."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.keys import user_key
from bot.ticker import purge_idle
from flows.core.messages import Lines, Msg
from flows.esy.followup import REASSESS
from flows.esy.instrument import Instrument
from flows.identity.screens import about
from storage.ports import (
    AnswerRow,
    AssessmentRow,
    GoalRevisionRow,
    GoalRow,
    GoalServiceRow,
    MeetingRow,
    ParticipantRow,
    PreparationRow,
    PromiseRow,
    ReadingCommentRow,
    ReadingRow,
    RoundRow,
    ServiceFollowUpRow,
)
from tests.bot.esy.test_groups import create_group, join, staff_worker
from tests.bot.esy.test_reassess import finish_circle_calls
from tests.bot.harness import Bot, TgUser, bot_settings, joined, said, sent_files, start_bot
from tests.bot.identity.test_identity import CLIENT, WORKER, deliver, t
from tests.bot.identity.test_rights import item_label, linked_client
from tests.bot.rows import dead_rows, rows_mentioning, rows_with_client, table
from tests.conftest import Clock

GOAL, PROMISE, NOTE = "Hae kolmeen kesätyöhön", "Soitan Ohjaamoon", "Kerron hakemuksista"
CLIENT_LINE, WORKER_LINE = "Nukun nykyään paremmin", "Puhutaan tästä"


@dataclass(frozen=True)
class Everything:
    """The client with one of every #12 thing: their key, client id, the goal's and the group's ids."""

    client: TgUser
    key: str
    client_id: int
    goal_id: int
    group_id: int


async def seed_the_rest(bot: Bot, clock: Clock, key: str, instrument: Instrument) -> tuple[int, int, int, int]:
    """What the flows did not make: returns the client id, the goal's, the group's and the staff member's."""
    area = instrument.areas[0].id
    async with bot.services.store.transaction() as work:
        client_row = await work.clients.by_user(key)
        staff = await work.staff.by_user(user_key(bot.services.secret, "tg", WORKER))
        assert client_row is not None and client_row.id is not None and staff is not None and staff.id is not None
        client_id, staff_id = client_row.id, staff.id
        circle = (await work.assessments.for_user(key))[-1]
        assert circle.id is not None
        # An earlier circle: with it an area was scored twice, so a record of change can be kept.
        await work.assessments.add(AssessmentRow(key, instrument.id, instrument.version, clock.now - timedelta(
            days=100), {}, {area: 1.0}, {}))
        reading = await work.readings.add(ReadingRow(client_id, staff_id, instrument.id, instrument.version,
                                                     clock.now, {}, {area: 2.0}, False))
        for side, text in (("client", CLIENT_LINE), ("worker", WORKER_LINE)):
            await work.readings.comment(ReadingCommentRow(reading, circle.id, area, side, text, clock.now))
        goal = await work.goals.add(GoalRow(key, area, GOAL, clock.now, clock.now, helper="Ohjaamo",
                                            client_id=client_id))
        await work.goals.add_revision(GoalRevisionRow(goal, 1, "young", "goal", GOAL, clock.now))
        link = await work.goal_services.link(GoalServiceRow(goal, "ohjaamo", clock.now))
        await work.goal_services.add_followup(ServiceFollowUpRow(link, "yes", "somewhat", "young", clock.now))
        (member,) = await work.groups.memberships(key)
        opened = await work.groups.add_round(RoundRow(member.group_id, staff_id, clock.now))
        await work.groups.answer(AnswerRow(opened, key, circle.id, clock.now))
        await work.preparations.save(PreparationRow(client_id, {"goal_notes": [{"goal": goal, "text": NOTE}]}, 1,
                                                    clock.now, f"client:{client_id}"))
        meeting = await work.meetings.add(MeetingRow(client_id, staff_id, clock.now, clock.now + timedelta(days=7),
                                                     "office", "Ohjaamo"))
        person = await work.meetings.add_participant(ParticipantRow(meeting, "Kettu", "client", user_key=key))
        await work.meetings.add_promise(PromiseRow(meeting, person, PROMISE, date(2027, 1, 15), clock.now,
                                                   goal_id=goal))
    return client_id, goal, member.group_id, staff_id


async def everything(bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument) -> Everything:
    """A linked client (every consent given, the effect note too) with one of every thing #12 stores."""
    client = await linked_client(bot, catalogs)
    key = user_key(bot.services.secret, "tg", CLIENT)
    code = await create_group(bot.user(WORKER, "fi"), catalogs)
    await finish_circle_calls(client, catalogs, instrument)
    await client.tap(t(catalogs, "en", "esy.share_yes"))
    await join(client, catalogs, code, "invite.group_offer")
    client_id, goal, group, _ = await seed_the_rest(bot, clock, key, instrument)
    return Everything(client, key, client_id, goal, group)


async def open_the_clients_goals(bot: Bot, catalogs: Catalogs) -> None:
    """The worker opens the client's goals from the card: their saved screen now holds the goal's words."""
    worker = bot.user(WORKER, "fi")
    await worker.send("/clients")
    await worker.tap(catalogs.text("fi", Msg("clients.item_linked", {"nickname": "Kettu"})))
    await worker.tap(t(catalogs, "fi", "clients.open_goals"))


def saved_screens(db_path: Path) -> str:
    """Everyone's saved conversations, their data as the words it holds (the column is JSON with escapes)."""
    return "\n".join(json.dumps(json.loads(row["data"]), ensure_ascii=False) for row in table(db_path, "conversations"))


def mydata(calls: list[Any]) -> tuple[str, dict[str, Any]]:
    files = sent_files(calls)
    return files["txt"].decode(), json.loads(files["json"])


def assert_mydata_names_everything(catalogs: Catalogs, readable: str, data: dict[str, Any]) -> None:
    """Each #12 thing in the JSON by value and in the text by its catalog line."""
    (goal,) = data["goals"]
    assert goal["goal"] == GOAL and goal["seen_by_workers"] and goal["history"][0]["value"] == GOAL
    (service,) = goal["services"]
    assert service["service"] == "ohjaamo" and service["followups"][0]["helped"] == "somewhat"
    assert len(data["reassessment_offered_at"]) == 1
    (reading,) = data["client"]["esy_readings"]
    assert {line["text"] for line in reading["comments"]} == {CLIENT_LINE, WORKER_LINE}
    (group,) = data["esy_groups"]
    assert len(group["answers"]) == 1
    assert data["client"]["meeting_preparation"]["goal_notes"][0]["text"] == NOTE
    assert data["client"]["meetings"][0]["promises"][0]["for_goal"]
    for key in ("mydata.goal", "mydata.goal_history_line", "mydata.goal_service", "mydata.goal_service_helped",
                "mydata.reassess", "mydata.readings", "mydata.reading", "mydata.reading_comment", "mydata.groups",
                "mydata.group_line", "mydata.group_answer", "mydata.preparation_goal", "mydata.promise_goal"):
        assert said(catalogs, key, readable, ("en",)), key
    for words in (GOAL, CLIENT_LINE, WORKER_LINE, NOTE, PROMISE):
        assert words in readable, words


async def test_mydata_names_every_new_thing_and_forget_leaves_only_the_anonymous_effect_record(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, instrument: Instrument,
) -> None:
    db_path = tmp_path / "k.sqlite3"
    bot = await start_bot(bot_settings(db_path), clock, catalogs, drawer)
    try:
        made = await everything(bot, clock, catalogs, instrument)
        assert_mydata_names_everything(catalogs, *mydata(await made.client.send("/mydata")))
        assert table(db_path, "effect_records") == []
        await open_the_clients_goals(bot, catalogs)  # the worker is looking at them when the client leaves
        assert GOAL in saved_screens(db_path)
        held = {name for name, _ in rows_mentioning(db_path, made.key)} | {name for name, _ in rows_with_client(
            db_path, made.client_id)}
        await made.client.send("/forget")
        calls = await made.client.tap(t(catalogs, "en", "forget.yes"))
        assert joined(calls) == t(catalogs, "en", "forget.done")
        assert rows_mentioning(db_path, made.key) == []
        assert rows_with_client(db_path, made.client_id) == []
        assert dead_rows(db_path, held) == {}, "on PostgreSQL, every table that held them was vacuumed"
        saved = saved_screens(db_path)
        assert GOAL not in saved and "Kettu" not in saved, "nothing of theirs in the worker's saved screen"
        for emptied in ("goals", "goal_revisions", "goal_services", "goal_service_followups", "readings",
                        "reading_comments", "group_members", "group_answers", "preparations", "promises"):
            assert table(db_path, emptied) == [], emptied
        # The worker's group stays (it is theirs), without the member; the agreed record of change stays,
        # with neither the key nor the client id, and no column that could hold them.
        assert [row["id"] for row in table(db_path, "groups")] == [made.group_id]
        (record,) = table(db_path, "effect_records")
        assert not {"user_key", "client_id", "key"} & set(record)
        assert made.key not in json.dumps(record)
        assert json.loads(record["services"]) == {instrument.areas[0].id: ["ohjaamo"]}
    finally:
        await bot.stop()


async def test_withdrawing_storage_deletes_what_it_covers_says_so_and_keeps_the_group(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, instrument: Instrument,
) -> None:
    db_path = tmp_path / "k.sqlite3"
    bot = await start_bot(bot_settings(db_path), clock, catalogs, drawer)
    try:
        made = await everything(bot, clock, catalogs, instrument)
        await made.client.send("/consent")
        calls = await made.client.tap(item_label(catalogs, "consent.withdraw_item", "Saving things"))
        # The question names what #12 added to what goes, and what stays (a static text: checked by its words).
        asked = joined(calls)
        assert said(catalogs, "consent.confirm_storage", asked, ("en",))
        for words in ("readings", "goals with the services", "reminder to fill in the circle", "stay in your groups"):
            assert words in asked, words
        calls = await made.client.tap(t(catalogs, "en", "consent.confirm_yes"))
        deleted = (Msg("consent.deleted_circles", {"count": 2}), Msg("consent.deleted_readings", {"count": 1}),
                   Msg("consent.deleted_reassess"), Msg("consent.deleted_goals", {"count": 1}),
                   Msg("consent.deleted_meetings", {"count": 1}), Msg("consent.deleted_promises", {"count": 1}),
                   Msg("consent.deleted_preparation"))
        assert catalogs.text("en", Msg("consent.storage_deleted", {"lines": Lines(deleted)})) in joined(calls)
        for emptied in ("assessments", "shares", "readings", "reading_comments", "goals", "goal_revisions",
                        "goal_services", "goal_service_followups", "preparations", "meetings", "promises",
                        "group_answers"):
            assert table(db_path, emptied) == [], emptied
        assert [row["status"] for row in table(db_path, "outbox") if row["kind"] == REASSESS] == ["dropped"]
        # (c) is about what is kept for the work: being in a group is the person's own, and stays (its answers
        # were their circles, and went with them); the work goes on, and the agreed record of change was kept.
        assert [(row["group_id"], row["user_key"]) for row in table(db_path, "group_members")] == [
            (made.group_id, made.key)]
        assert rows_with_client(db_path, made.client_id) != []
        assert len(table(db_path, "effect_records")) == 1
        readable, data = mydata(await made.client.send("/mydata"))
        assert "goals" not in data or data["goals"] == []
        assert [group["answers"] for group in data["esy_groups"]] == [[]]
        assert said(catalogs, "mydata.group_line", readable, ("en",))
    finally:
        await bot.stop()


async def anonymous_with_everything(bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument) -> str:
    """An anonymous person who filled the circle, asked to be reminded, joined a group (answering its round)
    and wrote a goal; returns their key."""
    code = await create_group(await staff_worker(bot, catalogs), catalogs)
    person = bot.user(language="en")
    await person.send("/start")
    await person.tap("English")
    await finish_circle_calls(person, catalogs, instrument)
    await person.tap(t(catalogs, "en", "esy.remind_yes"))
    await join(person, catalogs, code, "invite.group_offer_anonymous")
    key = user_key(bot.services.secret, "tg", person.id)
    area = instrument.areas[0].id
    async with bot.services.store.transaction() as work:
        (circle,) = await work.assessments.for_user(key)
        (member,) = await work.groups.memberships(key)
        group = await work.groups.get(member.group_id)
        assert circle.id is not None and group is not None
        opened = await work.groups.add_round(RoundRow(member.group_id, group.created_by, clock.now))
        await work.groups.answer(AnswerRow(opened, key, circle.id, clock.now))
        goal = await work.goals.add(GoalRow(key, area, GOAL, clock.now, clock.now))
        await work.goals.add_revision(GoalRevisionRow(goal, 1, "young", "goal", GOAL, clock.now))
    return key


async def test_the_retention_sweep_deletes_an_anonymous_person_with_goals_a_group_and_a_reminder_whole(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, instrument: Instrument,
) -> None:
    db_path = tmp_path / "k.sqlite3"
    bot = await start_bot(bot_settings(db_path), clock, catalogs, drawer)
    try:
        key = await anonymous_with_everything(bot, clock, catalogs, instrument)
        held = {name for name, _ in rows_mentioning(db_path, key)}
        assert {"goals", "group_members", "group_answers", "contacts", "outbox", "assessments"} <= held, held
        assert table(db_path, "goal_revisions")
        clock.advance(days=bot.services.settings.reassess_days)
        assert await deliver(bot) == 1  # the reminder is sent; the person does not come back
        clock.advance(days=bot.services.settings.anonymous_retention_days + 1 - bot.services.settings.reassess_days)
        assert await purge_idle(bot.services) == 1
        assert rows_mentioning(db_path, key) == []
        assert dead_rows(db_path, held) == {}, "on PostgreSQL, every table that held them was vacuumed"
        for emptied in ("goals", "goal_revisions", "group_members", "group_answers", "assessments"):
            assert table(db_path, emptied) == [], emptied
        assert len(table(db_path, "groups")) == 1 and table(db_path, "effect_records") == []
    finally:
        await bot.stop()


async def test_when_the_work_ends_what_was_kept_for_it_goes_and_the_rest_after_the_retention_period(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, instrument: Instrument,
) -> None:
    db_path = tmp_path / "k.sqlite3"
    bot = await start_bot(bot_settings(db_path), clock, catalogs, drawer)
    try:
        made = await everything(bot, clock, catalogs, instrument)
        await made.client.send("/consent")
        calls = await made.client.tap(item_label(catalogs, "consent.withdraw_item", "Working together"))
        assert said(catalogs, "consent.confirm_work", joined(calls), ("en",))
        assert "goals" in joined(calls) and "readings" in joined(calls)  # what #12 added goes too, and says so
        calls = await made.client.tap(t(catalogs, "en", "consent.confirm_yes"))
        assert t(catalogs, "en", "consent.work_ended") in joined(calls)
        await deliver(bot)  # the workers are told
        for emptied in ("assessments", "readings", "reading_comments", "goals", "goal_revisions", "goal_services",
                        "goal_service_followups", "preparations", "group_answers"):
            assert table(db_path, emptied) == [], emptied
        assert [row for row in table(db_path, "outbox") if row["recipient"] == made.key and (
            row["kind"] == REASSESS or row["status"] == "pending")] == []
        # The meeting record stays with the client's record for the stated period; its promise is for no goal now.
        assert [row["goal_id"] for row in table(db_path, "promises")] == [None]
        assert len(table(db_path, "effect_records")) == 1
        # The person is anonymous again: their own group membership is theirs, as their user row is (and the
        # receipt of the answer just sent, emptied, until the weekly sweep).
        assert {name for name, _ in rows_mentioning(db_path, made.key)} == {"users", "conversations",
                                                                           "group_members", "outbox"}
        clock.advance(days=bot.services.settings.client_retention_days + 1)
        await bot.user(WORKER, "fi").send("/clients")  # the worker's list still names the ended client
        assert "Kettu" in saved_screens(db_path)
        await purge_idle(bot.services)
        assert rows_with_client(db_path, made.client_id) == []
        assert "Kettu" not in saved_screens(db_path), "the worker's saved list went with the client"
        assert table(db_path, "promises") == [] and table(db_path, "meetings") == []
    finally:
        await bot.stop()


def test_a_screen_is_about_a_client_by_their_id_never_by_a_yes_or_no() -> None:
    """The young person's own goals keep ``client: True`` (they are a client); True == 1 must not match client 1."""
    assert about({"client_id": 1}, 1) and about({"client": 1}, 1)
    assert not about({"client": True}, 1) and not about({"client_id": 2}, 1) and not about({}, 1)
