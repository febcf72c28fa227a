"""One contract for every storage backend: the memory fake, SQLite and PostgreSQL must behave the same.

Each contract test runs once per backend through the parametrized ``store`` fixture (PostgreSQL on the throwaway
server of tests/pg.py); the SQLite-only tests at the bottom cover migrations, PRAGMAs, statement splitting and
restarts, and tests/storage/test_postgres.py what only PostgreSQL has.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import closing
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any, cast

import psycopg
import pytest

from flows.core.contention import retrying
from storage.codec import dump_time
from storage.memory import REFERENCES as MEMORY_REFERENCES
from storage.memory import TABLES as MEMORY_TABLES
from storage.memory import MemoryStore, _Db
from storage.ports import (
    AnswerRow,
    AssessmentRow,
    AuditRow,
    ChatMessageRow,
    ChatRow,
    ClientRow,
    ClosingRow,
    Conflict,
    ConsentRow,
    ContactRow,
    ConversationRow,
    DeskLoginRow,
    DeskSessionRow,
    DutyRow,
    EffectRecordRow,
    EvaluationRow,
    GroupRow,
    InvitationRow,
    MeetingRow,
    MemberRow,
    OutboxRow,
    PairRow,
    ParticipantRow,
    PreparationRow,
    PromiseRow,
    ReadingCommentRow,
    ReadingRow,
    RotaRow,
    RoundRow,
    ShareRow,
    ShiftRow,
    StaffRow,
    Store,
    UnitOfWork,
    UnknownRow,
    UnknownUser,
    UserRow,
    WeeklyRow,
)
from storage.postgres import PostgresStore
from storage.sqlite import SqliteStore, migration_files, split_statements

T0 = datetime(2026, 11, 20, 10, 0, 0, 123456, tzinfo=UTC)
HELSINKI_WINTER = timezone(timedelta(hours=2))


class Boom(Exception):
    """Raised inside a transaction to force a rollback."""


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return cast(str, request.param)


@pytest.fixture
def store(backend: str, request: pytest.FixtureRequest) -> Store:
    return cast(Store, request.getfixturevalue(f"{backend}_store"))


def user(key: str = "u1", language: str = "fi", at: datetime = T0) -> UserRow:
    return UserRow(key=key, language=language, created_at=at, last_seen_at=at)


def conversation(key: str = "u1", data: dict[str, Any] | None = None, step: int = 0) -> ConversationRow:
    return ConversationRow(
        key=key, flow="esy", state="asking", flow_version=1, step=step,
        data={} if data is None else data, updated_at=T0,
    )


def assessment(
    user_key: str = "u1", instrument_id: str = "esy", completed_at: datetime = T0, tag: str = "",
) -> AssessmentRow:
    return AssessmentRow(
        user_key=user_key, instrument_id=instrument_id, instrument_version=2, completed_at=completed_at,
        ratings={"sleep": 3, "school": None}, area_scores={"health": 2.75, "learning": None},
        wishes={"text": tag},
    )


async def seed_users(store: Store, *keys: str) -> None:
    async with store.transaction() as work:
        for key in keys:
            await work.users.save(user(key))


# --- users ---------------------------------------------------------------------------------------


async def test_unknown_user_is_none(store: Store) -> None:
    async with store.transaction() as work:
        assert await work.users.get("nobody") is None


async def test_user_round_trips_all_fields_with_aware_utc_times(store: Store) -> None:
    local = datetime(2026, 11, 20, 12, 30, 5, 999, tzinfo=HELSINKI_WINTER)
    saved = UserRow(key="u1", language="sv", created_at=T0, last_seen_at=local)
    async with store.transaction() as work:
        await work.users.save(saved)
    async with store.transaction() as work:
        loaded = await work.users.get("u1")
    assert loaded is not None
    assert loaded == saved
    assert loaded is not saved
    for moment in (loaded.created_at, loaded.last_seen_at):
        assert moment.utcoffset() == timedelta(0)
    assert loaded.last_seen_at == datetime(2026, 11, 20, 10, 30, 5, 999, tzinfo=UTC)


async def test_saving_a_user_again_updates_language_and_last_seen(store: Store) -> None:
    await seed_users(store, "u1", "u2")
    later = T0 + timedelta(days=3, seconds=7)
    async with store.transaction() as work:
        await work.users.save(UserRow(key="u1", language="en", created_at=T0, last_seen_at=later))
    async with store.transaction() as work:
        assert await work.users.get("u1") == UserRow("u1", "en", T0, later)
        assert await work.users.get("u2") == user("u2")


async def test_saving_a_user_again_keeps_created_at(
    store: Store,
) -> None:
    await seed_users(store, "u1")
    later = T0 + timedelta(days=1)
    async with store.transaction() as work:
        await work.users.save(UserRow(key="u1", language="en", created_at=later, last_seen_at=later))
    async with store.transaction() as work:
        loaded = await work.users.get("u1")
    assert loaded is not None
    assert loaded.created_at == T0


# --- conversations -------------------------------------------------------------------------------


NESTED: dict[str, Any] = {
    "answers": [1, 2, None, {"deep": ["å", "ä", "ö"]}],
    "note": "Mä oon ihan ok 🙂👍🏽 — kiitti",
    "emoji_key_🌈": True,
    "score": 2.5,
    "empty": {},
}


async def test_conversation_round_trips_nested_unicode_data(store: Store) -> None:
    await seed_users(store, "u1")
    saved = conversation(data=NESTED, step=4)
    async with store.transaction() as work:
        await work.conversations.save(saved)
    async with store.transaction() as work:
        loaded = await work.conversations.get("u1")
        assert await work.conversations.get("u2") is None
    assert loaded is not None
    assert loaded == saved
    assert loaded.data is not NESTED


async def test_tuples_in_data_come_back_as_lists(store: Store) -> None:
    await seed_users(store, "u1")
    async with store.transaction() as work:
        await work.conversations.save(conversation(data={"pair": (1, "two")}))
    async with store.transaction() as work:
        loaded = await work.conversations.get("u1")
    assert loaded is not None
    assert loaded.data == {"pair": [1, "two"]}


async def test_conversation_update_replaces_every_field(store: Store) -> None:
    await seed_users(store, "u1")
    async with store.transaction() as work:
        await work.conversations.save(conversation(data={"a": 1, "b": [1]}))
    updated = ConversationRow(
        key="u1", flow="menu", state="idle", flow_version=3, step=9, data={"b": [2, 3]},
        updated_at=T0 + timedelta(minutes=5),
    )
    async with store.transaction() as work:
        await work.conversations.save(updated)
    async with store.transaction() as work:
        assert await work.conversations.get("u1") == updated


async def test_conversation_delete_and_delete_missing(store: Store) -> None:
    await seed_users(store, "u1", "u2")
    async with store.transaction() as work:
        await work.conversations.save(conversation("u1"))
        await work.conversations.save(conversation("u2"))
    async with store.transaction() as work:
        await work.conversations.delete("u1")
        await work.conversations.delete("u1")
        await work.conversations.delete("never-existed")
    async with store.transaction() as work:
        assert await work.conversations.get("u1") is None
        assert await work.conversations.get("u2") == conversation("u2")
        assert await work.users.get("u1") == user("u1")


async def test_conversation_for_unknown_user_is_refused(store: Store) -> None:
    with pytest.raises(UnknownUser):
        async with store.transaction() as work:
            await work.conversations.save(conversation("ghost"))
    async with store.transaction() as work:
        assert await work.conversations.get("ghost") is None
        assert await work.users.get("ghost") is None


async def test_assessment_for_unknown_user_is_refused(store: Store) -> None:
    with pytest.raises(UnknownUser):
        async with store.transaction() as work:
            await work.assessments.add(assessment("ghost"))
    async with store.transaction() as work:
        assert await work.assessments.for_user("ghost") == []


# --- what may not be stored ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [{"tags": {"a", "b"}}, {"when": T0}, {"score": float("nan")}, {"nested": [{"x": float("inf")}]}],
    ids=["set", "datetime", "nan", "inf"],
)
async def test_non_json_data_is_refused(store: Store, bad: dict[str, Any]) -> None:
    await seed_users(store, "u1")
    with pytest.raises((TypeError, ValueError)):
        async with store.transaction() as work:
            await work.conversations.save(conversation(data=bad))
    async with store.transaction() as work:
        assert await work.conversations.get("u1") is None


async def test_nan_area_score_is_refused(store: Store) -> None:
    await seed_users(store, "u1")
    row = replace(assessment(), area_scores={"health": float("nan")})
    with pytest.raises(ValueError):
        async with store.transaction() as work:
            await work.assessments.add(row)
    async with store.transaction() as work:
        assert await work.assessments.for_user("u1") == []


async def test_naive_datetimes_are_refused(store: Store) -> None:
    naive = datetime(2026, 11, 20, 10, 0)
    with pytest.raises(ValueError, match="naive"):
        async with store.transaction() as work:
            await work.users.save(UserRow("u1", "fi", naive, naive))
    await seed_users(store, "u1")
    with pytest.raises(ValueError, match="naive"):
        async with store.transaction() as work:
            await work.conversations.save(replace(conversation(), updated_at=naive))
    with pytest.raises(ValueError, match="naive"):
        async with store.transaction() as work:
            await work.assessments.add(assessment(completed_at=naive))
    async with store.transaction() as work:
        assert await work.conversations.get("u1") is None
        assert await work.assessments.for_user("u1") == []


# --- assessments ---------------------------------------------------------------------------------


async def test_add_returns_increasing_ids_and_rows_round_trip(store: Store) -> None:
    await seed_users(store, "u1")
    rows = [assessment(completed_at=T0 + timedelta(hours=i), tag=str(i)) for i in range(3)]
    async with store.transaction() as work:
        ids = [await work.assessments.add(row) for row in rows]
    assert ids == sorted(set(ids))
    assert all(row.id is None for row in rows), "add must not mutate its argument"
    async with store.transaction() as work:
        loaded = await work.assessments.for_user("u1")
    assert loaded == [replace(row, id=new_id) for row, new_id in zip(rows, ids, strict=True)]
    assert loaded[0].ratings == {"sleep": 3, "school": None}
    assert loaded[0].area_scores == {"health": 2.75, "learning": None}


async def test_ids_keep_increasing_across_transactions(store: Store) -> None:
    await seed_users(store, "u1")
    async with store.transaction() as work:
        first = await work.assessments.add(assessment())
    async with store.transaction() as work:
        second = await work.assessments.add(assessment())
    assert second > first


async def test_latest_is_newest_by_completed_at_for_that_instrument(store: Store) -> None:
    await seed_users(store, "u1", "u2")
    newest = assessment(completed_at=T0, tag="newest")
    # One hour older in UTC, though its local wall-clock text sorts after T0's.
    older = assessment(completed_at=datetime(2026, 11, 20, 11, 0, tzinfo=HELSINKI_WINTER), tag="older")
    async with store.transaction() as work:
        await work.assessments.add(newest)
        await work.assessments.add(older)
        await work.assessments.add(assessment(instrument_id="other", completed_at=T0 + timedelta(days=1)))
        await work.assessments.add(assessment("u2", completed_at=T0 + timedelta(days=2), tag="u2"))
    async with store.transaction() as work:
        latest = await work.assessments.latest("u1", "esy")
        assert await work.assessments.latest("u1", "missing") is None
        assert await work.assessments.latest("nobody", "esy") is None
    assert latest is not None
    assert latest.wishes == {"text": "newest"}
    assert latest.user_key == "u1"
    assert latest.id is not None


async def test_latest_breaks_ties_by_newest_id(store: Store) -> None:
    await seed_users(store, "u1")
    async with store.transaction() as work:
        await work.assessments.add(assessment(tag="first"))
        second_id = await work.assessments.add(assessment(tag="second"))
    async with store.transaction() as work:
        latest = await work.assessments.latest("u1", "esy")
    assert latest is not None
    assert (latest.id, latest.wishes) == (second_id, {"text": "second"})


async def test_for_user_is_oldest_first_and_only_that_user(store: Store) -> None:
    await seed_users(store, "u1", "u2")
    async with store.transaction() as work:
        await work.assessments.add(assessment(completed_at=T0 + timedelta(days=2), tag="c"))
        await work.assessments.add(assessment("u2", completed_at=T0, tag="other"))
        await work.assessments.add(assessment(completed_at=T0, tag="a"))
        await work.assessments.add(assessment(instrument_id="x", completed_at=T0 + timedelta(days=1),
                                              tag="b"))
    async with store.transaction() as work:
        mine = await work.assessments.for_user("u1")
        assert await work.assessments.for_user("nobody") == []
    assert [row.wishes["text"] for row in mine] == ["a", "b", "c"]
    assert {row.user_key for row in mine} == {"u1"}


async def test_completed_between_is_everyones_in_the_half_open_period_by_person_then_time(store: Store) -> None:
    await seed_users(store, "u1", "u2")
    start, end = T0, T0 + timedelta(days=10)
    async with store.transaction() as work:
        await work.assessments.add(assessment("u2", completed_at=start + timedelta(days=1), tag="u2"))
        await work.assessments.add(assessment(completed_at=start + timedelta(days=3), tag="later"))
        await work.assessments.add(assessment(completed_at=start, tag="at start"))
        await work.assessments.add(assessment(completed_at=start - timedelta(microseconds=1), tag="before"))
        await work.assessments.add(assessment(completed_at=end, tag="at end"))
    async with store.transaction() as work:
        found = await work.assessments.completed_between(start, end)
        assert await work.assessments.completed_between(end, end + timedelta(days=1)) != []
        with pytest.raises(ValueError):
            await work.assessments.completed_between(start.replace(tzinfo=None), end)
    assert [(row.user_key, row.wishes["text"]) for row in found] == [("u1", "at start"), ("u1", "later"),
                                                                   ("u2", "u2")]


# --- transactions --------------------------------------------------------------------------------


async def test_exception_rolls_back_everything_and_propagates(store: Store) -> None:
    with pytest.raises(Boom):
        async with store.transaction() as work:
            await work.users.save(user("u1"))
            await work.conversations.save(conversation("u1"))
            assert await work.conversations.get("u1") == conversation("u1"), "own writes are visible"
            raise Boom
    async with store.transaction() as work:
        assert await work.users.get("u1") is None
        assert await work.conversations.get("u1") is None


async def test_rollback_restores_earlier_committed_values(store: Store) -> None:
    await seed_users(store, "u1")
    async with store.transaction() as work:
        await work.conversations.save(conversation(data={"v": 1}))
    with pytest.raises(Boom):
        async with store.transaction() as work:
            await work.users.save(user("u1", language="en", at=T0 + timedelta(days=1)))
            await work.conversations.save(conversation(data={"v": 2}))
            await work.assessments.add(assessment())
            raise Boom
    async with store.transaction() as work:
        assert await work.users.get("u1") == user("u1")
        assert await work.conversations.get("u1") == conversation(data={"v": 1})
        assert await work.assessments.for_user("u1") == []


async def test_a_deferred_write_runs_first_in_the_next_transaction(store: Store) -> None:
    """``defer``: no transaction of its own; the next one, whoever opens it, runs it before its own work."""
    await seed_users(store, "u1")
    seen: list[str | None] = []

    async def english(work: UnitOfWork) -> None:
        await work.users.save(user("u1", language="en"))

    store.defer(english)
    async with store.transaction() as work:
        found = await work.users.get("u1")
        seen.append(found.language if found else None)
    assert seen == ["en"]
    async with store.transaction() as work:
        assert await work.users.get("u1") == user("u1", language="en")  # committed, and run only once


async def test_a_deferred_write_rolled_back_with_its_transaction_runs_in_the_one_after(store: Store) -> None:
    await seed_users(store, "u1")
    runs: list[int] = []

    async def english(work: UnitOfWork) -> None:
        runs.append(1)
        await work.users.save(user("u1", language="en"))

    store.defer(english)
    with pytest.raises(Boom):
        async with store.transaction():
            raise Boom
    async with store.transaction() as work:
        assert await work.users.get("u1") == user("u1", language="en")
    assert len(runs) == 2


async def test_flush_runs_what_is_deferred_and_nothing_else(store: Store) -> None:
    await seed_users(store, "u1")
    await store.flush()  # nothing waiting: nothing happens

    async def english(work: UnitOfWork) -> None:
        await work.users.save(user("u1", language="en"))

    store.defer(english)
    await store.flush()
    async with store.transaction() as work:
        assert await work.users.get("u1") == user("u1", language="en")


async def test_closing_the_store_runs_what_is_deferred(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "k.sqlite3")
    await store.migrate()
    await seed_users(store, "u1")

    async def english(work: UnitOfWork) -> None:
        await work.users.save(user("u1", language="en"))

    store.defer(english)
    await store.close()
    again = SqliteStore(tmp_path / "k.sqlite3")
    try:
        async with again.transaction() as work:
            assert await work.users.get("u1") == user("u1", language="en")
    finally:
        await again.close()


async def test_later_transaction_sees_committed_data(store: Store) -> None:
    async with store.transaction() as work:
        await work.users.save(user("u1"))
        await work.conversations.save(conversation("u1", data={"seen": True}))
        new_id = await work.assessments.add(assessment())
    async with store.transaction() as work:
        assert await work.users.get("u1") == user("u1")
        assert await work.conversations.get("u1") == conversation("u1", data={"seen": True})
        assert [row.id for row in await work.assessments.for_user("u1")] == [new_id]


async def test_concurrent_transactions_both_commit(store: Store) -> None:
    await seed_users(store, "shared")
    async with store.transaction() as work:
        await work.conversations.save(conversation("shared", data={"count": 0, "by": []}))

    async def bump(name: str) -> None:
        async with store.transaction() as work:
            await work.users.save(user(name))
            await work.conversations.save(conversation(name, data={"owner": name}))
            row = await work.conversations.get("shared")
            assert row is not None
            await asyncio.sleep(0)  # a yield point, not a wait: lets the other task run if it can
            row.data = {"count": row.data["count"] + 1, "by": [*row.data["by"], name]}
            await work.conversations.save(row)

    # On PostgreSQL both may run at once and one may lose (Contention): run again, as the engine does.
    await asyncio.gather(retrying(lambda: bump("a"), what="bump"), retrying(lambda: bump("b"), what="bump"))
    async with store.transaction() as work:
        shared = await work.conversations.get("shared")
        for name in ("a", "b"):
            assert await work.users.get(name) == user(name)
            assert await work.conversations.get(name) == conversation(name, data={"owner": name})
    assert shared is not None
    assert shared.data["count"] == 2, "an update was lost"
    assert sorted(shared.data["by"]) == ["a", "b"]


# --- identity, roles and consent (#3): rows and seeds ----------------------------------------------


def staff_row(name: str = "Aino", user_key: str | None = None, at: datetime = T0) -> StaffRow:
    return StaffRow(
        name=name, title="ohjaaja", organisation="Org A", is_coordinator=False, is_worker=True, created_at=at,
        user_key=user_key,
    )


def client_row(nickname: str = "Kettu", created_by: int = 1, user_key: str | None = None) -> ClientRow:
    return ClientRow(nickname=nickname, created_by=created_by, created_at=T0, user_key=user_key)


def invitation_row(
    code_hash: str = "h1", client_id: int | None = None, staff_id: int | None = None,
    created_by: int | None = None, at: datetime = T0,
) -> InvitationRow:
    return InvitationRow(
        code_hash=code_hash, kind="client" if client_id is not None else "staff", created_by=created_by,
        created_at=at, expires_at=at + timedelta(days=7), staff_id=staff_id, client_id=client_id,
    )


def consent_row(client_id: int, at: datetime = T0, item: str = "work", answer: str = "yes") -> ConsentRow:
    return ConsentRow(client_id=client_id, item=item, version=1, answer=answer, at=at, channel="telegram")


def audit_row(action: str, at: datetime = T0, subject: str = "client:1") -> AuditRow:
    return AuditRow(at=at, actor="staff:1", action=action, subject=subject)


def outbox_row(recipient: str = "u1", due_at: datetime = T0, kind: str = "reminder", **fields: Any) -> OutboxRow:
    return OutboxRow(recipient=recipient, kind=kind, message={"key": "esy.reminder", "params": {"n": "🙂"}},
                     due_at=due_at, **fields)


async def seed_staff(store: Store, *names: str) -> list[int]:
    async with store.transaction() as work:
        return [await work.staff.add(staff_row(name)) for name in names]


async def seed_client(store: Store, nickname: str = "Kettu", *staff_ids: int) -> int:
    """A client created by the first staff id (a new staff member when none is given), paired with them all."""
    if not staff_ids:
        staff_ids = tuple(await seed_staff(store, "Creator"))
    async with store.transaction() as work:
        client_id = await work.clients.add(client_row(nickname, created_by=staff_ids[0]))
        for staff_id in staff_ids:
            await work.clients.set_pair(PairRow(client_id, staff_id, responsible=staff_id == staff_ids[0]))
    return client_id


# --- users: delete and idle ------------------------------------------------------------------------


async def test_deleting_a_user_removes_or_unlinks_every_row_about_them(store: Store) -> None:
    await seed_users(store, "u1", "u2")
    async with store.transaction() as work:
        worker = await work.staff.add(staff_row("Aino", user_key="u1"))
        other_worker = await work.staff.add(staff_row("Bea", user_key="u2"))
        client = await work.clients.add(client_row("Kettu", created_by=worker, user_key="u1"))
        other_client = await work.clients.add(client_row("Susi", created_by=worker, user_key="u2"))
        await work.clients.set_pair(PairRow(client, worker, responsible=True))
        await work.consents.add(consent_row(client))
        await work.invitations.add(invitation_row("h-client", client_id=client, created_by=worker))
        await work.invitations.add(invitation_row("h-staff", staff_id=worker))
        mine = await work.assessments.add(assessment("u1"))
        theirs = await work.assessments.add(assessment("u2"))
        await work.shares.add(ShareRow(mine, client, T0))
        await work.shares.add(ShareRow(theirs, client, T0))
        await work.shares.add(ShareRow(theirs, other_client, T0))
        for key in ("u1", "u2"):
            await work.conversations.save(conversation(key))
            await work.contacts.save(ContactRow(key, f"sealed-{key}", T0))
            await work.outbox.add(outbox_row(key))
    async with store.transaction() as work:
        await work.users.delete("u1")
        await work.users.delete("u1")
        await work.users.delete("never-existed")
    async with store.transaction() as work:
        assert await work.users.get("u1") is None
        assert await work.conversations.get("u1") is None
        assert await work.assessments.for_user("u1") == []
        assert await work.assessments.get(mine) is None
        assert await work.contacts.get("u1") is None
        assert await work.outbox.for_recipient("u1") == []
        assert await work.staff.by_user("u1") is None
        assert await work.clients.by_user("u1") is None
        # staff and clients stay, unlinked; the client's work records stay with them
        assert await work.staff.get(worker) == replace(staff_row("Aino"), id=worker)
        assert await work.clients.get(client) == replace(client_row("Kettu", created_by=worker), id=client)
        assert await work.clients.pairs(client) == [PairRow(client, worker, True)]
        assert len(await work.consents.for_client(client)) == 1
        assert [row.code_hash for row in await work.invitations.for_client(client)] == ["h-client"]
        assert await work.invitations.by_hash("h-staff") is not None
        assert await work.shares.for_client(client) == [ShareRow(theirs, client, T0)]
        # the other person is untouched
        assert await work.users.get("u2") == user("u2")
        assert await work.conversations.get("u2") == conversation("u2")
        assert [row.id for row in await work.assessments.for_user("u2")] == [theirs]
        assert await work.contacts.get("u2") == ContactRow("u2", "sealed-u2", T0)
        assert len(await work.outbox.for_recipient("u2")) == 1
        assert (await work.staff.by_user("u2") or staff_row()).id == other_worker
        assert (await work.clients.by_user("u2") or client_row()).id == other_client
        assert await work.shares.for_client(other_client) == [ShareRow(theirs, other_client, T0)]
    await seed_users(store, "u1")  # the key comes back clean, and may be linked again
    async with store.transaction() as work:
        assert await work.conversations.get("u1") is None
        assert await work.assessments.for_user("u1") == []
        assert await work.outbox.for_recipient("u1") == []
        await work.staff.add(staff_row("New", user_key="u1"))
        await work.clients.save(replace(client_row("Kettu", created_by=worker, user_key="u1"), id=client))


async def test_deleting_a_user_is_rolled_back_with_its_transaction(store: Store) -> None:
    await seed_users(store, "u1")
    async with store.transaction() as work:
        worker = await work.staff.add(staff_row(user_key="u1"))
        await work.contacts.save(ContactRow("u1", "sealed", T0))
        await work.outbox.add(outbox_row())
    with pytest.raises(Boom):
        async with store.transaction() as work:
            await work.users.delete("u1")
            raise Boom
    async with store.transaction() as work:
        assert await work.users.get("u1") == user("u1")
        assert (await work.staff.get(worker) or staff_row()).user_key == "u1"
        assert await work.contacts.get("u1") is not None
        assert len(await work.outbox.for_recipient("u1")) == 1


async def test_idle_since_is_strictly_before_and_oldest_first(store: Store) -> None:
    seen = {
        "just-before": T0 - timedelta(days=30, microseconds=1),
        "recent": T0,
        "older": datetime(2026, 9, 1, 12, 0, tzinfo=HELSINKI_WINTER),
        "exactly": T0 - timedelta(days=30),
        "oldest": T0 - timedelta(days=90),
    }
    async with store.transaction() as work:
        for key, at in seen.items():
            await work.users.save(UserRow(key, "fi", created_at=at, last_seen_at=at))
    async with store.transaction() as work:
        assert await work.users.idle_since(T0 - timedelta(days=30)) == ["oldest", "older", "just-before"]
        assert await work.users.idle_since(T0 - timedelta(days=365)) == []


async def test_get_assessment_by_id(store: Store) -> None:
    await seed_users(store, "u1")
    async with store.transaction() as work:
        first = await work.assessments.add(assessment(tag="first"))
        second = await work.assessments.add(assessment(tag="second"))
    async with store.transaction() as work:
        assert await work.assessments.get(second) == replace(assessment(tag="second"), id=second)
        assert await work.assessments.get(first) == replace(assessment(tag="first"), id=first)
        assert await work.assessments.get(second + 1000) is None


async def test_deleting_a_persons_assessments_takes_their_shares_and_nobody_elses(store: Store) -> None:
    await seed_users(store, "u1", "u2")
    [worker] = await seed_staff(store, "Aino")
    client = await seed_client(store, "Kettu", worker)
    async with store.transaction() as work:
        mine = await work.assessments.add(assessment(tag="mine"))
        await work.assessments.add(assessment(tag="also mine"))
        theirs = await work.assessments.add(replace(assessment(tag="theirs"), user_key="u2"))
        await work.shares.add(ShareRow(mine, client, T0))
    async with store.transaction() as work:
        assert await work.assessments.delete_for_user("u1") == 2
        assert await work.assessments.delete_for_user("u1") == 0
    async with store.transaction() as work:
        assert await work.assessments.for_user("u1") == []
        assert [row.id for row in await work.assessments.for_user("u2")] == [theirs]
        assert await work.shares.for_client(client) == []


# --- staff -----------------------------------------------------------------------------------------


async def test_staff_round_trip_and_are_listed_in_id_order(store: Store) -> None:
    await seed_users(store, "u1")
    coordinator = StaffRow(
        name="Öljy Åström", title="koordinaattori", organisation="Org B", is_coordinator=True, is_worker=False,
        created_at=T0, user_key="u1", active=False,
    )
    async with store.transaction() as work:
        ids = [await work.staff.add(row) for row in (staff_row("Zoe"), coordinator, staff_row("Aino"))]
        assert await work.staff.add(staff_row("Nobody")) > 0
    assert ids == sorted(set(ids))
    assert coordinator.id is None, "add must not mutate its argument"
    async with store.transaction() as work:
        assert await work.staff.get(ids[1]) == replace(coordinator, id=ids[1])
        assert await work.staff.by_user("u1") == replace(coordinator, id=ids[1])
        assert await work.staff.by_user("u2") is None
        assert await work.staff.get(9999) is None
        assert [row.name for row in await work.staff.all()] == ["Zoe", "Öljy Åström", "Aino", "Nobody"]
        loaded = await work.staff.get(ids[0])
        assert loaded is not None
        flags = (loaded.is_coordinator, loaded.is_worker, loaded.active)
        assert all(type(flag) is bool for flag in flags), "booleans come back as bool, not 0/1"


async def test_saving_staff_updates_everything_but_created_at(store: Store) -> None:
    await seed_users(store, "u1")
    [first, second] = await seed_staff(store, "Aino", "Bea")
    changed = StaffRow(
        name="Aino K", title="vastaava", organisation="Org B", is_coordinator=True, is_worker=False,
        created_at=T0 + timedelta(days=5), user_key="u1", active=False, id=first,
    )
    async with store.transaction() as work:
        await work.staff.save(changed)
    async with store.transaction() as work:
        assert await work.staff.get(first) == replace(changed, created_at=T0)
        assert await work.staff.get(second) == replace(staff_row("Bea"), id=second)
        assert await work.staff.by_user("u1") == replace(changed, created_at=T0)
    async with store.transaction() as work:
        await work.staff.save(replace(changed, user_key=None, active=True, created_at=T0))
    async with store.transaction() as work:
        assert await work.staff.get(first) == replace(changed, user_key=None, active=True, created_at=T0)


async def test_an_expert_by_experience_and_an_empty_title_round_trip(store: Store) -> None:
    """#10: a worker can be an expert by experience; "" is "no title of their own" (the role's name is shown)."""
    [first] = await seed_staff(store, "Janne")
    async with store.transaction() as work:
        expert = replace(staff_row("Eeva"), title="", expert=True)
        expert_id = await work.staff.add(expert)
        loaded = await work.staff.get(expert_id)
        assert loaded == replace(expert, id=expert_id) and type(loaded.expert) is bool
        assert (await work.staff.get(first) or expert).expert is False, "not an expert unless marked"
        await work.staff.save(replace(staff_row("Janne"), id=first, expert=True))
    async with store.transaction() as work:
        assert [row.expert for row in await work.staff.all()] == [True, True]
        await work.staff.save(replace(staff_row("Janne"), id=first, expert=False))
    async with store.transaction() as work:
        assert [row.expert for row in await work.staff.all()] == [False, True]


async def test_saving_missing_staff_is_refused(store: Store) -> None:
    with pytest.raises(UnknownRow):
        async with store.transaction() as work:
            await work.staff.save(replace(staff_row(), id=41))
    with pytest.raises(ValueError):
        async with store.transaction() as work:
            await work.staff.save(staff_row())
    async with store.transaction() as work:
        assert await work.staff.all() == []


async def test_one_user_is_at_most_one_staff_member(store: Store) -> None:
    await seed_users(store, "u1", "u2")
    async with store.transaction() as work:
        first = await work.staff.add(staff_row("Aino", user_key="u1"))
        second = await work.staff.add(staff_row("Bea", user_key="u2"))
        await work.staff.add(staff_row("Unlinked 1"))
        await work.staff.add(staff_row("Unlinked 2"))  # NULLs are not duplicates
    with pytest.raises(Conflict):
        async with store.transaction() as work:
            await work.staff.add(staff_row("Copy", user_key="u1"))
    with pytest.raises(Conflict):
        async with store.transaction() as work:
            await work.staff.save(replace(staff_row("Bea", user_key="u1"), id=second))
    async with store.transaction() as work:
        await work.staff.save(replace(staff_row("Aino again", user_key="u1"), id=first))  # its own key is fine
        assert [row.name for row in await work.staff.all()] == ["Aino again", "Bea", "Unlinked 1", "Unlinked 2"]
        assert (await work.staff.by_user("u2") or staff_row()).id == second


async def test_staff_for_an_unknown_user_is_refused(store: Store) -> None:
    [staff_id] = await seed_staff(store, "Aino")
    with pytest.raises(UnknownUser):
        async with store.transaction() as work:
            await work.staff.add(staff_row(user_key="ghost"))
    with pytest.raises(UnknownUser):
        async with store.transaction() as work:
            await work.staff.save(replace(staff_row(user_key="ghost"), id=staff_id))
    async with store.transaction() as work:
        assert await work.staff.all() == [replace(staff_row(), id=staff_id)]


# --- clients ---------------------------------------------------------------------------------------


async def test_clients_round_trip_and_save_links_them(store: Store) -> None:
    await seed_users(store, "u1", "u2")
    [worker, other] = await seed_staff(store, "Aino", "Bea")
    ended = replace(client_row("Susi", created_by=other), ended_at=datetime(2026, 12, 1, tzinfo=HELSINKI_WINTER))
    async with store.transaction() as work:
        client = await work.clients.add(client_row("Kettu 🦊", created_by=worker))
        ended_id = await work.clients.add(ended)
    assert ended.id is None, "add must not mutate its argument"
    async with store.transaction() as work:
        assert await work.clients.get(client) == replace(client_row("Kettu 🦊", created_by=worker), id=client)
        assert await work.clients.get(ended_id) == replace(ended, id=ended_id)
        assert await work.clients.get(9999) is None
        assert await work.clients.by_user("u1") is None
    linked = ClientRow(
        nickname="Kettu", created_by=other, created_at=T0 + timedelta(days=9), user_key="u1",
        linked_at=T0 + timedelta(hours=2), id=client,
    )
    async with store.transaction() as work:
        await work.clients.save(linked)
    async with store.transaction() as work:
        assert await work.clients.get(client) == replace(linked, created_at=T0)
        assert await work.clients.by_user("u1") == replace(linked, created_at=T0)
        assert await work.clients.get(ended_id) == replace(ended, id=ended_id)


async def test_client_references_are_checked(store: Store) -> None:
    await seed_users(store, "u1", "u2")
    [worker] = await seed_staff(store, "Aino")
    with pytest.raises(UnknownRow):
        async with store.transaction() as work:
            await work.clients.add(client_row(created_by=worker + 100))
    with pytest.raises(UnknownUser):
        async with store.transaction() as work:
            await work.clients.add(client_row(created_by=worker, user_key="ghost"))
    with pytest.raises(UnknownUser):  # user references are reported first, in both backends
        async with store.transaction() as work:
            await work.clients.add(client_row(created_by=worker + 100, user_key="ghost"))
    async with store.transaction() as work:
        first = await work.clients.add(client_row("A", created_by=worker, user_key="u1"))
        second = await work.clients.add(client_row("B", created_by=worker))
    with pytest.raises(Conflict):
        async with store.transaction() as work:
            await work.clients.add(client_row("C", created_by=worker, user_key="u1"))
    with pytest.raises(Conflict):
        async with store.transaction() as work:
            await work.clients.save(replace(client_row("B", created_by=worker, user_key="u1"), id=second))
    with pytest.raises(UnknownRow):
        async with store.transaction() as work:
            await work.clients.save(replace(client_row("B", created_by=worker + 100), id=second))
    with pytest.raises(UnknownRow):
        async with store.transaction() as work:
            await work.clients.save(replace(client_row("Ghost", created_by=worker), id=second + 100))
    async with store.transaction() as work:
        assert await work.clients.by_user("u1") == replace(client_row("A", created_by=worker, user_key="u1"),
                                                            id=first)
        assert await work.clients.get(second) == replace(client_row("B", created_by=worker), id=second)


async def test_deleting_a_client_removes_everything_about_them_and_nothing_else(store: Store) -> None:
    await seed_users(store, "u1", "u2")
    [worker, partner] = await seed_staff(store, "Aino", "Bea")
    gone = await seed_client(store, "Kettu", worker, partner)
    kept = await seed_client(store, "Susi", worker, partner)
    async with store.transaction() as work:
        await work.clients.save(replace(client_row("Kettu", created_by=worker, user_key="u1"), id=gone))
        assessment_id = await work.assessments.add(assessment("u1"))
        for client_id in (gone, kept):
            await work.consents.add(consent_row(client_id))
            await work.invitations.add(invitation_row(f"h{client_id}", client_id=client_id, created_by=worker))
            await work.shares.add(ShareRow(assessment_id, client_id, T0))
        await work.invitations.add(invitation_row("h-staff", staff_id=partner, created_by=worker))
        await work.audit.add(audit_row("client.card.view", subject=f"client:{gone}"))
    async with store.transaction() as work:
        await work.clients.delete(gone)
        await work.clients.delete(gone)
        await work.clients.delete(9999)
    async with store.transaction() as work:
        assert await work.clients.get(gone) is None
        assert await work.clients.by_user("u1") is None
        assert await work.clients.pairs(gone) == []
        assert await work.consents.for_client(gone) == []
        assert await work.invitations.for_client(gone) == []
        assert await work.invitations.by_hash(f"h{gone}") is None
        assert await work.shares.for_client(gone) == []
        assert [row.id for row in await work.clients.for_staff(worker)] == [kept]
        assert await work.clients.pairs(kept) == [PairRow(kept, worker, True), PairRow(kept, partner, False)]
        assert len(await work.consents.for_client(kept)) == 1
        assert len(await work.invitations.for_client(kept)) == 1
        assert await work.shares.for_client(kept) == [ShareRow(assessment_id, kept, T0)]
        assert await work.invitations.by_hash("h-staff") is not None
        assert await work.assessments.get(assessment_id) is not None
        assert await work.users.get("u1") == user("u1")
        assert [row.id for row in await work.staff.all()] == [worker, partner]
        assert len(await work.audit.about(f"client:{gone}")) == 1, "the audit log outlives the client"


async def test_ids_are_never_reused_after_a_delete(store: Store) -> None:
    [worker] = await seed_staff(store, "Aino")
    first = await seed_client(store, "Kettu", worker)
    async with store.transaction() as work:
        await work.clients.delete(first)
    second = await seed_client(store, "Susi", worker)
    assert second > first, "a reused client id would hand the old client's audit trail to a new one"
    await seed_users(store, "u1")
    async with store.transaction() as work:
        old_assessment = await work.assessments.add(assessment())
        old_message = await work.outbox.add(outbox_row())
        await work.users.delete("u1")
    await seed_users(store, "u1")
    async with store.transaction() as work:
        assert await work.assessments.add(assessment()) > old_assessment
        assert await work.outbox.add(outbox_row()) > old_message


async def test_for_staff_lists_only_paired_clients_by_nickname_then_id(store: Store) -> None:
    [aino, bea, cai] = await seed_staff(store, "Aino", "Bea", "Cai")
    zeta = await seed_client(store, "Zeta", aino)
    first_kettu = await seed_client(store, "Kettu", bea, aino)
    alma = await seed_client(store, "Alma", aino, bea)
    second_kettu = await seed_client(store, "Kettu", aino)
    only_bea = await seed_client(store, "Bertta", bea)
    async with store.transaction() as work:
        mine = await work.clients.for_staff(aino)
        assert [row.id for row in mine] == [alma, first_kettu, second_kettu, zeta]
        assert mine[0] == replace(client_row("Alma", created_by=aino), id=alma)
        assert [row.id for row in await work.clients.for_staff(bea)] == [alma, only_bea, first_kettu]
        assert await work.clients.for_staff(cai) == []
        assert await work.clients.for_staff(9999) == []


async def test_set_pair_inserts_then_updates_responsible(store: Store) -> None:
    [aino, bea] = await seed_staff(store, "Aino", "Bea")
    client = await seed_client(store, "Kettu", bea)
    other = await seed_client(store, "Susi", aino)
    async with store.transaction() as work:
        await work.clients.set_pair(PairRow(client, aino, responsible=False))
    async with store.transaction() as work:
        assert await work.clients.pairs(client) == [PairRow(client, aino, False), PairRow(client, bea, True)]
        assert all(type(pair.responsible) is bool for pair in await work.clients.pairs(client))
        await work.clients.set_pair(PairRow(client, aino, responsible=True))
        await work.clients.set_pair(PairRow(client, bea, responsible=False))
    async with store.transaction() as work:
        assert await work.clients.pairs(client) == [PairRow(client, aino, True), PairRow(client, bea, False)]
        assert await work.clients.pairs(other) == [PairRow(other, aino, True)]
        assert await work.clients.pairs(9999) == []
    for bad in (PairRow(client, 9999, True), PairRow(9999, aino, True)):
        with pytest.raises(UnknownRow):
            async with store.transaction() as work:
                await work.clients.set_pair(bad)
    async with store.transaction() as work:
        assert len(await work.clients.pairs(client)) == 2


# --- invitations -----------------------------------------------------------------------------------


async def test_invitations_round_trip_and_are_marked_used_or_revoked(store: Store) -> None:
    [worker] = await seed_staff(store, "Aino")
    client = await seed_client(store, "Kettu", worker)
    for_client = invitation_row("hash-c", client_id=client, created_by=worker)
    for_staff = invitation_row("hash-s", staff_id=worker)
    async with store.transaction() as work:
        client_invitation = await work.invitations.add(for_client)
        staff_invitation = await work.invitations.add(for_staff)
    assert for_client.id is None, "add must not mutate its argument"
    async with store.transaction() as work:
        assert await work.invitations.by_hash("hash-c") == replace(for_client, id=client_invitation)
        assert await work.invitations.by_hash("hash-s") == replace(for_staff, id=staff_invitation)
        assert await work.invitations.by_hash("HASH-C") is None
        used = replace(for_client, id=client_invitation, used_at=T0 + timedelta(hours=1))
        revoked = replace(for_staff, id=staff_invitation, revoked_at=T0 + timedelta(minutes=3))
        await work.invitations.save(used)
        await work.invitations.save(revoked)
    async with store.transaction() as work:
        assert await work.invitations.by_hash("hash-c") == used
        assert await work.invitations.by_hash("hash-s") == revoked
        assert await work.invitations.get(staff_invitation) == revoked
        assert await work.invitations.get(client_invitation + staff_invitation + 100) is None
    with pytest.raises(UnknownRow):
        async with store.transaction() as work:
            await work.invitations.save(replace(used, id=client_invitation + 100))


async def test_for_client_lists_that_clients_invitations_oldest_first(store: Store) -> None:
    [worker] = await seed_staff(store, "Aino")
    client = await seed_client(store, "Kettu", worker)
    other = await seed_client(store, "Susi", worker)
    async with store.transaction() as work:
        await work.invitations.add(invitation_row("late", client_id=client, at=T0 + timedelta(days=2)))
        await work.invitations.add(invitation_row("other", client_id=other, at=T0))
        await work.invitations.add(invitation_row("early", client_id=client, at=T0 - timedelta(days=1)))
        await work.invitations.add(invitation_row("staff", staff_id=worker, at=T0))
        await work.invitations.add(invitation_row("late-too", client_id=client, at=T0 + timedelta(days=2)))
    async with store.transaction() as work:
        assert [row.code_hash for row in await work.invitations.for_client(client)] == ["early", "late", "late-too"]
        assert [row.code_hash for row in await work.invitations.for_client(other)] == ["other"]
        assert await work.invitations.for_client(9999) == []
        assert [row.code_hash for row in await work.invitations.for_staff(worker)] == ["staff"]
        assert await work.invitations.for_staff(9999) == []


async def test_invitation_rules_are_enforced(store: Store) -> None:
    [worker] = await seed_staff(store, "Aino")
    client = await seed_client(store, "Kettu", worker)
    async with store.transaction() as work:
        first = await work.invitations.add(invitation_row("taken", client_id=client))
        second = await work.invitations.add(invitation_row("free", client_id=client))
    with pytest.raises(Conflict):
        async with store.transaction() as work:
            await work.invitations.add(invitation_row("taken", staff_id=worker))
    with pytest.raises(Conflict):
        async with store.transaction() as work:
            await work.invitations.save(replace(invitation_row("taken", client_id=client), id=second))
    with pytest.raises(ValueError):
        async with store.transaction() as work:
            await work.invitations.add(replace(invitation_row("odd", client_id=client), kind="admin"))
    bad_references = [
        invitation_row("no-client", client_id=client + 100),
        invitation_row("no-staff", staff_id=worker + 100),
        invitation_row("no-creator", client_id=client, created_by=worker + 100),
    ]
    for bad in bad_references:
        with pytest.raises(UnknownRow):
            async with store.transaction() as work:
                await work.invitations.add(bad)
    async with store.transaction() as work:
        assert [row.id for row in await work.invitations.for_client(client)] == [first, second]
        for code_hash in ("odd", "no-client", "no-staff", "no-creator"):
            assert await work.invitations.by_hash(code_hash) is None


# --- consents and audit ----------------------------------------------------------------------------


async def test_consents_are_listed_per_client_oldest_first(store: Store) -> None:
    client = await seed_client(store, "Kettu")
    other = await seed_client(store, "Susi")
    rows = [
        consent_row(client, T0 + timedelta(days=3), "work", "withdrawn"),
        consent_row(other, T0, "storage", "yes"),
        consent_row(client, T0, "work", "yes"),
        consent_row(client, T0 + timedelta(seconds=1), "reminders", "no"),
        consent_row(client, T0, "exchange", "yes"),
    ]
    async with store.transaction() as work:
        ids = [await work.consents.add(row) for row in rows]
    assert ids == sorted(set(ids))
    assert rows[0].id is None, "add must not mutate its argument"
    async with store.transaction() as work:
        mine = await work.consents.for_client(client)
        assert await work.consents.for_client(other) == [replace(rows[1], id=ids[1])]
        assert await work.consents.for_client(9999) == []
    assert mine == [replace(rows[i], id=ids[i]) for i in (2, 4, 3, 0)]


async def test_consent_rules_are_enforced(store: Store) -> None:
    client = await seed_client(store, "Kettu")
    with pytest.raises(ValueError):
        async with store.transaction() as work:
            await work.consents.add(consent_row(client, answer="maybe"))
    with pytest.raises(UnknownRow):
        async with store.transaction() as work:
            await work.consents.add(consent_row(client + 100))
    async with store.transaction() as work:
        assert await work.consents.for_client(client) == []


async def test_audit_recent_is_newest_first_and_about_is_oldest_first(store: Store) -> None:
    rows = [
        audit_row("b", T0 + timedelta(minutes=1)),
        audit_row("other", T0 + timedelta(minutes=5), subject="client:2"),
        audit_row("a", T0),
        audit_row("c", T0 + timedelta(minutes=1)),
        audit_row("denied.worker_menu", T0 + timedelta(minutes=2), subject=""),
    ]
    async with store.transaction() as work:
        ids = [await work.audit.add(row) for row in rows]
    assert ids == sorted(set(ids))
    async with store.transaction() as work:
        recent = await work.audit.recent(3)
        assert [row.action for row in await work.audit.recent(100)] == ["other", "denied.worker_menu", "c", "b", "a"]
        assert await work.audit.recent(0) == []
        about = await work.audit.about("client:1")
        assert [row.action for row in await work.audit.about("")] == ["denied.worker_menu"]
        assert await work.audit.about("client:3") == []
    assert recent == [replace(rows[i], id=ids[i]) for i in (1, 4, 3)]
    assert about == [replace(rows[i], id=ids[i]) for i in (2, 0, 3)]


async def test_negative_limits_are_refused(store: Store) -> None:
    """SQLite reads LIMIT -1 as no limit and a list slice [:-1] drops the last row: refuse both."""
    with pytest.raises(ValueError):
        async with store.transaction() as work:
            await work.audit.recent(-1)
    with pytest.raises(ValueError):
        async with store.transaction() as work:
            await work.outbox.claim_due(T0, -1)


# --- code attempts ---------------------------------------------------------------------------------


async def test_code_attempts_count_only_that_chat_from_since_on(store: Store) -> None:
    async with store.transaction() as work:
        for minutes in (0, 5, 10, 15):
            await work.code_attempts.add("chat-a", T0 + timedelta(minutes=minutes))
        await work.code_attempts.add("chat-a", T0 + timedelta(minutes=10))
        await work.code_attempts.add("chat-b", T0 + timedelta(minutes=12))
    since = T0 + timedelta(minutes=10)
    async with store.transaction() as work:
        assert await work.code_attempts.count_since("chat-a", since) == 3
        assert await work.code_attempts.count_since("chat-a", since.astimezone(HELSINKI_WINTER)) == 3
        assert await work.code_attempts.count_since("chat-a", since + timedelta(microseconds=1)) == 1
        assert await work.code_attempts.count_since("chat-a", T0 - timedelta(days=1)) == 5
        assert await work.code_attempts.count_since("chat-b", since) == 1
        assert await work.code_attempts.count_since("chat-c", T0) == 0
        assert await work.code_attempts.count_all_since(since) == 4
        assert await work.code_attempts.count_all_since(since + timedelta(microseconds=1)) == 2
        assert await work.code_attempts.count_all_since(T0 - timedelta(days=1)) == 6


# --- shares ----------------------------------------------------------------------------------------


async def test_sharing_twice_keeps_one_row_with_the_first_time(store: Store) -> None:
    await seed_users(store, "u1")
    client = await seed_client(store, "Kettu")
    other = await seed_client(store, "Susi")
    async with store.transaction() as work:
        later = await work.assessments.add(assessment(tag="later"))
        earlier = await work.assessments.add(assessment(tag="earlier"))
        await work.shares.add(ShareRow(later, client, T0 + timedelta(hours=1)))
        await work.shares.add(ShareRow(earlier, client, T0))
    async with store.transaction() as work:
        await work.shares.add(ShareRow(later, client, T0 + timedelta(days=3)))
        await work.shares.add(ShareRow(later, other, T0 + timedelta(days=3)))
    async with store.transaction() as work:
        assert await work.shares.for_client(client) == [
            ShareRow(earlier, client, T0), ShareRow(later, client, T0 + timedelta(hours=1)),
        ]
        assert await work.shares.for_client(other) == [ShareRow(later, other, T0 + timedelta(days=3))]
        assert await work.shares.for_client(9999) == []


async def test_shares_of_missing_rows_are_refused(store: Store) -> None:
    await seed_users(store, "u1")
    client = await seed_client(store, "Kettu")
    async with store.transaction() as work:
        assessment_id = await work.assessments.add(assessment())
    for bad in (ShareRow(assessment_id + 100, client, T0), ShareRow(assessment_id, client + 100, T0)):
        with pytest.raises(UnknownRow):
            async with store.transaction() as work:
                await work.shares.add(bad)
    async with store.transaction() as work:
        assert await work.shares.for_client(client) == []


# --- contacts --------------------------------------------------------------------------------------


async def test_contacts_upsert_and_delete(store: Store) -> None:
    await seed_users(store, "u1", "u2")
    async with store.transaction() as work:
        assert await work.contacts.get("u1") is None
        await work.contacts.save(ContactRow("u1", "sealed-1", T0))
        await work.contacts.save(ContactRow("u2", "sealed-2", T0))
    later = ContactRow("u1", "sealed-1b", T0 + timedelta(days=1))
    async with store.transaction() as work:
        await work.contacts.save(later)
    async with store.transaction() as work:
        assert await work.contacts.get("u1") == later
        await work.contacts.delete("u1")
        await work.contacts.delete("u1")
        await work.contacts.delete("nobody")
    async with store.transaction() as work:
        assert await work.contacts.get("u1") is None
        assert await work.contacts.get("u2") == ContactRow("u2", "sealed-2", T0)
        assert await work.users.get("u1") == user("u1")
    with pytest.raises(UnknownUser):
        async with store.transaction() as work:
            await work.contacts.save(ContactRow("ghost", "sealed", T0))


# --- outbox ----------------------------------------------------------------------------------------


async def test_outbox_rows_round_trip_and_are_checked(store: Store) -> None:
    await seed_users(store, "u1")
    row = outbox_row(due_at=T0.astimezone(HELSINKI_WINTER))
    async with store.transaction() as work:
        outbox_id = await work.outbox.add(row)
    assert row.id is None, "add must not mutate its argument"
    async with store.transaction() as work:
        assert await work.outbox.for_recipient("u1") == [replace(row, id=outbox_id)]
    with pytest.raises(UnknownUser):
        async with store.transaction() as work:
            await work.outbox.add(outbox_row("ghost"))
    with pytest.raises(ValueError):
        async with store.transaction() as work:
            await work.outbox.add(outbox_row(status="lost"))
    with pytest.raises(TypeError):
        async with store.transaction() as work:
            await work.outbox.add(replace(outbox_row(), message={"bad": {1, 2}}))
    async with store.transaction() as work:
        assert len(await work.outbox.for_recipient("u1")) == 1


async def test_claim_due_leaves_an_away_channels_rows_pending_unless_the_person_is_present(store: Store) -> None:
    await seed_users(store, "web-a", "web-b", "tg-c")
    async with store.transaction() as work:
        for recipient in ("web-a", "web-b", "tg-c", "web-a"):
            await work.outbox.add(outbox_row(recipient, due_at=T0 - timedelta(hours=1)))
    async with store.transaction() as work:
        claimed = await work.outbox.claim_due(T0, limit=1, away="web-", present={"web-b"})
        assert [row.recipient for row in claimed] == ["web-b"], "an absent person's older rows take no place"
        rest = await work.outbox.claim_due(T0, limit=5, away="web-", present=())
        assert [row.recipient for row in rest] == ["tg-c"]
        waiting = await work.outbox.for_recipient("web-a")
        assert [(row.status, row.attempts) for row in waiting] == [("pending", 0), ("pending", 0)]
        assert [row.recipient for row in await work.outbox.claim_due(T0, limit=5)] == ["web-a", "web-a"]


async def test_claim_due_takes_pending_due_rows_oldest_first_exactly_once(store: Store) -> None:
    await seed_users(store, "u1", "u2", "u3")
    now = T0.replace(microsecond=0)
    cases: list[tuple[str, str, timedelta, dict[str, Any]]] = [
        ("future", "u1", timedelta(microseconds=1), {}),
        ("second", "u2", -timedelta(minutes=5), {}),
        ("sent", "u1", -timedelta(hours=2), {"status": "sent", "done_at": now}),
        ("now", "u1", timedelta(0), {}),
        ("first", "u1", -timedelta(hours=1), {"attempts": 2}),
        # In flight to someone else (a recipient with a row in flight gets nothing more: see
        # test_instances_contract.py).
        ("sending", "u3", -timedelta(hours=3), {"status": "sending", "claimed_at": now}),
        ("also-first", "u2", -timedelta(hours=1), {}),
    ]
    async with store.transaction() as work:
        ids = {
            name: await work.outbox.add(outbox_row(recipient, due_at=now + offset, kind=name, **fields))
            for name, recipient, offset, fields in cases
        }
    async with store.transaction() as work:
        claimed = await work.outbox.claim_due(now, limit=3)
    assert [row.kind for row in claimed] == ["first", "also-first", "second"]
    assert [row.attempts for row in claimed] == [3, 1, 1]
    assert all(row.status == "sending" and row.claimed_at == now for row in claimed)
    assert claimed[0] == replace(outbox_row(due_at=now - timedelta(hours=1), kind="first"), id=ids["first"],
                                 status="sending", attempts=3, claimed_at=now)
    async with store.transaction() as work:
        stored = {row.kind: row for key in ("u1", "u2", "u3") for row in await work.outbox.for_recipient(key)}
        await sent(work, claimed)
        assert [row.kind for row in await work.outbox.claim_due(now, limit=3)] == ["now"]
        assert await work.outbox.claim_due(now, limit=3) == []
        assert await work.outbox.for_recipient("u1") == sorted(
            await work.outbox.for_recipient("u1"), key=lambda row: row.due_at)
        await sent(work, [row for row in await work.outbox.for_recipient("u1") if row.kind == "now"])
    assert stored["first"] == claimed[0], "the claim is stored"
    assert (stored["future"].status, stored["future"].attempts, stored["future"].claimed_at) == ("pending", 0, None)
    assert stored["sent"].status == "sent"
    assert stored["sending"].claimed_at == now and stored["sending"].attempts == 0
    async with store.transaction() as work:
        later = await work.outbox.claim_due(now + timedelta(seconds=1), limit=10)
        assert await work.outbox.claim_due(now + timedelta(days=1), limit=10) == []
    assert [row.kind for row in later] == ["future"]


async def sent(work: UnitOfWork, rows: list[OutboxRow]) -> None:
    """Finish claimed rows, as the ticker does after sending them (a recipient's next rows wait until then)."""
    for row in rows:
        assert row.id is not None
        await work.outbox.finish(row.id, "sent", T0)


async def test_claim_due_takes_at_most_so_many_rows_of_one_recipient(store: Store) -> None:
    await seed_users(store, "u1", "u2")
    async with store.transaction() as work:
        for n in range(5):
            await work.outbox.add(OutboxRow("u1", f"a{n}", {}, T0))
        await work.outbox.add(OutboxRow("u2", "b0", {}, T0 + timedelta(seconds=1)))
    async with store.transaction() as work:
        first = await work.outbox.claim_due(T0 + timedelta(minutes=1), limit=10, per_recipient=2)
        await sent(work, first)
        second = await work.outbox.claim_due(T0 + timedelta(minutes=1), limit=10, per_recipient=2)
        await sent(work, second)
        third = await work.outbox.claim_due(T0 + timedelta(minutes=1), limit=1, per_recipient=2)
    assert [row.kind for row in first] == ["a0", "b0", "a1"], "every recipient's first row before anyone's second"
    assert [row.kind for row in second] == ["a2", "a3"]
    assert [row.kind for row in third] == ["a4"]
    with pytest.raises(ValueError):
        async with store.transaction() as work:
            await work.outbox.claim_due(T0, limit=1, per_recipient=-1)


async def test_claim_due_lets_lanes_take_turns_and_a_crisis_lane_go_first(store: Store) -> None:
    """A worker gets 5 rows from one chat, then 1 from another and 1 from a crisis chat: the crisis row first,
    then the chats take turns, each in its own order; the lane and priority are stored."""
    await seed_users(store, "w", "u2")
    async with store.transaction() as work:
        for n in range(5):
            await work.outbox.add(OutboxRow("w", f"a{n}", {}, T0, lane="chat:1"))
        await work.outbox.add(OutboxRow("w", "b0", {}, T0 + timedelta(seconds=1), lane="chat:2"))
        await work.outbox.add(OutboxRow("w", "c0", {}, T0 + timedelta(seconds=2), lane="chat:3", priority=1))
        await work.outbox.add(OutboxRow("u2", "other", {}, T0 + timedelta(seconds=3)))
    now = T0 + timedelta(minutes=1)
    async with store.transaction() as work:
        first = await work.outbox.claim_due(now, limit=10, per_recipient=4)
        await sent(work, first)
        rest = await work.outbox.claim_due(now, limit=10, per_recipient=4)
    assert [row.kind for row in first] == ["c0", "other", "a0", "b0", "a1"]
    assert (first[0].lane, first[0].priority, first[2].lane, first[2].priority) == ("chat:3", 1, "chat:1", 0)
    assert [row.kind for row in rest] == ["a2", "a3", "a4"]


async def test_a_row_waiting_for_its_retry_holds_back_its_recipient_only(store: Store) -> None:
    await seed_users(store, "u1", "u2")
    async with store.transaction() as work:
        failed = await work.outbox.add(OutboxRow("u1", "first", {}, T0))
        await work.outbox.add(OutboxRow("u1", "second", {}, T0 + timedelta(seconds=1)))
        await work.outbox.add(OutboxRow("u2", "other", {}, T0 + timedelta(seconds=1)))
    async with store.transaction() as work:
        assert [row.kind for row in await work.outbox.claim_due(T0, limit=10)] == ["first"]
        await work.outbox.retry(failed, T0 + timedelta(seconds=4), 1)
        await work.outbox.retry(9999, T0, 1)  # gone meanwhile: nothing to put back
    async with store.transaction() as work:
        held = await work.outbox.claim_due(T0 + timedelta(seconds=3), limit=10)
        again = await work.outbox.claim_due(T0 + timedelta(seconds=4), limit=10)
        [stored] = [row for row in await work.outbox.for_recipient("u1") if row.id == failed]
    assert [row.kind for row in held] == ["other"], "the second row does not overtake the first"
    assert [(row.kind, row.attempts) for row in again] == [("first", 2), ("second", 1)]
    assert (stored.due_at, stored.status) == (T0 + timedelta(seconds=4), "sending")
    async with store.transaction() as work:
        await work.outbox.finish(failed, "sent", T0)
        await work.outbox.retry(failed, T0, 1)  # only a claimed row goes back
        assert [row.status for row in await work.outbox.for_recipient("u1") if row.id == failed] == ["sent"]


async def test_claim_due_with_zero_limit_claims_nothing(store: Store) -> None:
    await seed_users(store, "u1")
    async with store.transaction() as work:
        await work.outbox.add(outbox_row())
        assert await work.outbox.claim_due(T0, limit=0) == []
        assert [row.status for row in await work.outbox.for_recipient("u1")] == ["pending"]


async def test_a_failed_transaction_releases_its_claims(store: Store) -> None:
    await seed_users(store, "u1")
    async with store.transaction() as work:
        await work.outbox.add(outbox_row())
    with pytest.raises(Boom):
        async with store.transaction() as work:
            assert len(await work.outbox.claim_due(T0, limit=5)) == 1
            raise Boom
    async with store.transaction() as work:
        assert [row.attempts for row in await work.outbox.claim_due(T0, limit=5)] == [1]


async def test_concurrent_claims_never_share_a_row(store: Store) -> None:
    people = [f"u{n}" for n in range(10)]  # one row each: a recipient with a row in flight gets no more
    await seed_users(store, *people)
    async with store.transaction() as work:
        added = [await work.outbox.add(outbox_row(person, due_at=T0 - timedelta(minutes=minutes)))
                 for minutes, person in enumerate(people)]

    async def claim() -> list[int]:
        async with store.transaction() as work:
            rows = await work.outbox.claim_due(T0, limit=4)
            await asyncio.sleep(0)
            return [row.id for row in rows if row.id is not None]

    # On PostgreSQL the claims run side by side and all but one may lose (Contention): run again, as the ticker.
    # There a claimer skips the recipients another one holds, so how the ten rows split ([2, 4, 4], [3, 3, 4])
    # depends on timing; that each is claimed exactly once, and no claim takes more than its limit, does not.
    batches = await asyncio.gather(*(retrying(claim, what="claim") for _ in range(3)))
    ids = [outbox_id for batch in batches for outbox_id in batch]
    assert all(len(batch) <= 4 for batch in batches)
    assert sorted(ids) == sorted(added)


async def test_finish_sets_status_and_done_at(store: Store) -> None:
    await seed_users(store, "u1")
    async with store.transaction() as work:
        first = await work.outbox.add(outbox_row(kind="a"))
        second = await work.outbox.add(outbox_row(kind="b"))
        await work.outbox.claim_due(T0, limit=10)
    done = T0 + timedelta(seconds=2)
    async with store.transaction() as work:
        await work.outbox.finish(first, "sent", done)
        await work.outbox.finish(second, "dropped", done.astimezone(HELSINKI_WINTER))
        await work.outbox.finish(9999, "sent", done)  # gone meanwhile: nothing to mark
    async with store.transaction() as work:
        rows = await work.outbox.for_recipient("u1")
        assert await work.outbox.reclaim(done + timedelta(days=1)) == 0
        assert await work.outbox.claim_due(done + timedelta(days=1), limit=10) == []
    assert [(row.id, row.status, row.done_at, row.claimed_at, row.attempts) for row in rows] == [
        (first, "sent", done, T0, 1), (second, "dropped", done, T0, 1),
    ]
    assert [row.message for row in rows] == [{}, {}], "what was sent is not kept"
    with pytest.raises(ValueError):
        async with store.transaction() as work:
            await work.outbox.finish(first, "lost", done)
    async with store.transaction() as work:
        assert [row.status for row in await work.outbox.for_recipient("u1")] == ["sent", "dropped"]


async def test_reclaim_returns_only_stale_claims_to_pending(store: Store) -> None:
    await seed_users(store, "u1", "u2")
    async with store.transaction() as work:
        stale = await work.outbox.add(outbox_row(kind="stale", due_at=T0 - timedelta(hours=2)))
        fresh = await work.outbox.add(outbox_row("u2", kind="fresh", due_at=T0 - timedelta(hours=1)))
        await work.outbox.add(outbox_row(kind="pending", due_at=T0 + timedelta(days=1)))
        await work.outbox.add(outbox_row(kind="sent", status="sent", claimed_at=T0 - timedelta(days=1)))
    async with store.transaction() as work:
        await work.outbox.claim_due(T0 - timedelta(minutes=90), limit=10)
        await work.outbox.claim_due(T0, limit=10)
    cutoff = T0
    async with store.transaction() as work:
        assert await work.outbox.reclaim(cutoff) == 1  # claimed exactly at the cutoff is not stale yet
        assert await work.outbox.reclaim(cutoff) == 0
        reclaimed = next(row for row in await work.outbox.for_recipient("u1") if row.id == stale)
        again = await work.outbox.claim_due(T0 + timedelta(minutes=1), limit=10)
    assert [(row.id, row.attempts) for row in again] == [(stale, 2)]
    assert (reclaimed.status, reclaimed.claimed_at, reclaimed.attempts) == ("pending", T0 - timedelta(minutes=90), 1)
    async with store.transaction() as work:
        assert await work.outbox.reclaim(T0 + timedelta(minutes=1, microseconds=1)) == 2
        statuses = {row.kind: (row.status, row.id) for key in ("u1", "u2")
                    for row in await work.outbox.for_recipient(key)}
    assert statuses == {
        "stale": ("pending", stale), "fresh": ("pending", fresh),
        "pending": ("pending", statuses["pending"][1]), "sent": ("sent", statuses["sent"][1]),
    }


async def test_outbox_for_recipient_and_delete_for_recipient(store: Store) -> None:
    await seed_users(store, "u1", "u2")
    async with store.transaction() as work:
        late = await work.outbox.add(outbox_row("u1", T0 + timedelta(days=1), kind="late"))
        mine = await work.outbox.add(outbox_row("u1", T0, kind="mine"))
        theirs = await work.outbox.add(outbox_row("u2", T0, kind="theirs"))
        same_time = await work.outbox.add(outbox_row("u1", T0, kind="same-time"))
    async with store.transaction() as work:
        assert [row.id for row in await work.outbox.for_recipient("u1")] == [mine, same_time, late]
        await work.outbox.delete_for_recipient("u1")
        await work.outbox.delete_for_recipient("nobody")
    async with store.transaction() as work:
        assert await work.outbox.for_recipient("u1") == []
        assert [row.id for row in await work.outbox.for_recipient("u2")] == [theirs]
        assert await work.users.get("u1") == user("u1")


async def test_naive_times_are_refused_by_the_new_repositories(store: Store) -> None:
    naive = datetime(2026, 11, 20, 10, 0)
    await seed_users(store, "u1")
    client = await seed_client(store, "Kettu")
    attempts: list[Callable[[UnitOfWork], Awaitable[object]]] = [
        lambda work: work.staff.add(staff_row(at=naive)),
        lambda work: work.invitations.add(replace(invitation_row(client_id=client), expires_at=naive)),
        lambda work: work.consents.add(consent_row(client, at=naive)),
        lambda work: work.audit.add(audit_row("x", at=naive)),
        lambda work: work.code_attempts.add("chat", naive),
        lambda work: work.code_attempts.count_since("chat", naive),
        lambda work: work.contacts.save(ContactRow("u1", "sealed", naive)),
        lambda work: work.outbox.add(outbox_row(due_at=naive)),
        lambda work: work.outbox.claim_due(naive, 10),
        lambda work: work.outbox.finish(1, "sent", naive),
        lambda work: work.outbox.reclaim(naive),
        lambda work: work.users.idle_since(naive),
    ]
    for attempt in attempts:
        with pytest.raises(ValueError, match="naive"):
            async with store.transaction() as work:
                await attempt(work)


# --- SQLite only ---------------------------------------------------------------------------------


async def test_sqlite_migrate_is_idempotent(sqlite_store: SqliteStore) -> None:
    await seed_users(sqlite_store, "u1")
    await sqlite_store.migrate()
    await sqlite_store.migrate()
    async with sqlite_store.transaction() as work:
        assert await work.users.get("u1") == user("u1")
    with closing(sqlite3.connect(sqlite_store.path)) as db:
        applied = db.execute("SELECT number, name FROM schema_migrations ORDER BY number").fetchall()
    assert applied == [(number, name) for number, name, _ in migration_files()]
    assert applied, "no migrations were found"


async def test_sqlite_uses_wal_and_foreign_keys(sqlite_store: SqliteStore) -> None:
    with closing(sqlite3.connect(sqlite_store.path)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    connection = sqlite_store._db
    assert connection is not None
    async with connection.execute("PRAGMA foreign_keys") as cursor:
        assert tuple(await cursor.fetchone() or ()) == (1,)


async def test_sqlite_data_survives_a_restart(sqlite_store: SqliteStore) -> None:
    async with sqlite_store.transaction() as work:
        await work.users.save(user("u1"))
        await work.conversations.save(conversation("u1", data=NESTED))
        new_id = await work.assessments.add(assessment())
    await sqlite_store.close()
    reopened = SqliteStore(sqlite_store.path)
    try:
        await reopened.migrate()
        async with reopened.transaction() as work:
            assert await work.users.get("u1") == user("u1")
            assert await work.conversations.get("u1") == conversation("u1", data=NESTED)
            assert await work.assessments.latest("u1", "esy") == replace(assessment(), id=new_id)
    finally:
        await reopened.close()


def test_split_statements_skips_comments_containing_semicolons() -> None:
    sql = (
        "-- header; with a semicolon\n"
        "CREATE TABLE t (\n"
        "    a INTEGER, -- trailing; comment\n"
        "    b TEXT\n"
        ");\n"
        "\n"
        "  -- indented; comment\n"
        "CREATE INDEX t_a ON t (a);\n"
    )
    statements = split_statements(sql)
    assert len(statements) == 2
    assert statements[0].startswith("CREATE TABLE t (") and statements[0].endswith(");")
    assert statements[1] == "CREATE INDEX t_a ON t (a);"
    with closing(sqlite3.connect(":memory:")) as db:
        for statement in statements:
            db.execute(statement)


def test_split_statements_refuses_unterminated_statement() -> None:
    with pytest.raises(ValueError, match="unterminated"):
        split_statements("CREATE TABLE ok (a);\nCREATE TABLE broken (a)\n")


def test_split_statements_of_shipped_migrations_execute() -> None:
    with closing(sqlite3.connect(":memory:")) as db:
        for _, _, sql in migration_files():
            for statement in split_statements(sql):
                db.execute(statement)


def test_split_statements_splits_two_statements_on_one_line() -> None:
    assert split_statements("CREATE TABLE a (x); CREATE TABLE b (y);\n") == [
        "CREATE TABLE a (x);", "CREATE TABLE b (y);",
    ]


# --- retention ---------------------------------------------------------------------------------------


async def test_old_code_attempts_and_finished_outbox_rows_are_purged(store: Store) -> None:
    await seed_users(store, "u1")
    async with store.transaction() as work:
        await work.code_attempts.add("chat", T0)
        await work.code_attempts.add("chat", T0 + timedelta(days=2))
        sent = await work.outbox.add(outbox_row(kind="sent"))
        await work.outbox.add(outbox_row(kind="still pending"))
        await work.outbox.claim_due(T0, limit=1)
        await work.outbox.finish(sent, "sent", T0)
    later = T0 + timedelta(days=1)
    async with store.transaction() as work:
        assert await work.code_attempts.purge(later) == 1
        assert await work.code_attempts.count_since("chat", T0 - timedelta(days=1)) == 1
        assert await work.outbox.purge_done(later) == 1
        assert await work.outbox.purge_done(later) == 0
        assert [row.kind for row in await work.outbox.for_recipient("u1")] == ["still pending"]


async def test_clients_whose_work_ended_are_found_for_deletion(store: Store) -> None:
    [worker] = await seed_staff(store, "Aino")
    ended_early = await seed_client(store, "Aamu", worker)
    ended_late = await seed_client(store, "Ilta", worker)
    await seed_client(store, "Jatkuu", worker)
    async with store.transaction() as work:
        for client_id, days in ((ended_early, 1), (ended_late, 5)):
            row = await work.clients.get(client_id)
            assert row is not None
            row.ended_at = T0 + timedelta(days=days)
            await work.clients.save(row)
    async with store.transaction() as work:
        assert await work.clients.ended_before(T0 + timedelta(days=10)) == [ended_early, ended_late]
        assert await work.clients.ended_before(T0 + timedelta(days=3)) == [ended_early]
        assert await work.clients.ended_before(T0) == []


async def test_audit_rows_are_relabelled_and_purged_and_attempts_deleted_per_person(store: Store) -> None:
    async with store.transaction() as work:
        await work.audit.add(AuditRow(T0, "user:tg-abc", "privacy.mydata", ""))
        await work.audit.add(AuditRow(T0 + timedelta(days=2), "user:tg-abc", "denied.clients", ""))
        await work.audit.add(AuditRow(T0 + timedelta(days=2), "staff:1", "client.card.view", "client:1"))
        await work.code_attempts.add("tg-abc", T0)
        await work.code_attempts.add("tg-other", T0)
    async with store.transaction() as work:
        assert await work.audit.relabel("user:tg-abc", "user:forgotten") == 2
        await work.code_attempts.delete_for("tg-abc")
        assert await work.code_attempts.count_since("tg-abc", T0 - timedelta(days=1)) == 0
        assert await work.code_attempts.count_since("tg-other", T0 - timedelta(days=1)) == 1
        assert await work.audit.purge(T0 + timedelta(days=1)) == 1
    async with store.transaction() as work:
        rows = await work.audit.recent(10)
    assert sorted((row.actor, row.action) for row in rows) == [
        ("staff:1", "client.card.view"), ("user:forgotten", "denied.clients")]


# --- the anonymous chat on shifts (#4) ---------------------------------------------------------------


def chat_row(user_key: str | None = "u1", opened_at: datetime = T0, service: str = "sekasin", **fields: Any) -> ChatRow:
    return ChatRow(service=service, opened_at=opened_at, user_key=user_key, **fields)


def message_row(chat_id: int, at: datetime = T0, body: str = "moi", **fields: Any) -> ChatMessageRow:
    return ChatMessageRow(chat_id=chat_id, at=at, sender=fields.pop("sender", "young"),
                          kind=fields.pop("kind", "text"), body=body, **fields)


def shift_row(service: str = "sekasin", starts_at: datetime = T0, hours: int = 2, **fields: Any) -> ShiftRow:
    return ShiftRow(service=service, starts_at=starts_at, ends_at=starts_at + timedelta(hours=hours), **fields)


async def seed_shift(store: Store, service: str = "sekasin", starts_at: datetime = T0) -> int:
    async with store.transaction() as work:
        shift = await work.shifts.get_or_add(shift_row(service, starts_at))
    assert shift.id is not None
    return shift.id


async def seed_chats(store: Store, *rows: ChatRow) -> list[int]:
    async with store.transaction() as work:
        return [await work.chats.add(row) for row in rows]


async def delete_row(store: Store, table: str, row_id: int) -> None:
    """Delete a row the port has no delete for (a worker, a shift, a chat), to check the schema's ON DELETE."""
    if isinstance(store, SqliteStore):
        async with store.transaction():
            assert store._db is not None
            await store._db.execute(f"DELETE FROM {table} WHERE id = ?", (row_id,))
    elif isinstance(store, PostgresStore):
        async with await psycopg.AsyncConnection.connect(store.url, autocommit=True) as conn:
            await conn.execute(f"DELETE FROM {table} WHERE id = %s".encode(), (row_id,))
    else:
        assert isinstance(store, MemoryStore)
        async with store.transaction():
            pass  # wait for no other transaction, as SQLite would
        _Db(store.tables).delete(table, str(row_id))


async def test_contact_keys_are_every_key_with_a_contact_sorted(store: Store) -> None:
    await seed_users(store, "u2", "u1", "ü3", "u4")
    async with store.transaction() as work:
        assert await work.contacts.keys() == []
        for key in ("ü3", "u2", "u1"):
            await work.contacts.save(ContactRow(key, f"sealed-{key}", T0))
        await work.contacts.save(ContactRow("u2", "sealed-again", T0))
        assert await work.contacts.keys() == ["u1", "u2", "ü3"]
        await work.contacts.delete("u2")
    async with store.transaction() as work:
        await work.users.delete("u1")
    async with store.transaction() as work:
        assert await work.contacts.keys() == ["ü3"]


async def test_chats_round_trip_every_field_and_save_rewrites_them(store: Store) -> None:
    await seed_users(store, "u1", "u2")
    [aino, bea] = await seed_staff(store, "Aino", "Bea")
    shift = await seed_shift(store)
    later = await seed_shift(store, starts_at=T0 + timedelta(days=1))
    fresh = chat_row(opened_at=T0.astimezone(HELSINKI_WINTER))
    async with store.transaction() as work:
        chat_id = await work.chats.add(fresh)
        anonymous = await work.chats.add(chat_row(None, service="other"))
    assert fresh.id is None, "add must not mutate its argument"
    assert anonymous > chat_id
    async with store.transaction() as work:
        assert await work.chats.get(chat_id) == replace(fresh, id=chat_id)
        assert await work.chats.get(anonymous) == replace(chat_row(None, service="other"), id=anonymous)
        assert await work.chats.get(anonymous + 100) is None
    changed = ChatRow(
        service="toinen", opened_at=T0 + timedelta(minutes=1), user_key="u2", status="closed", crisis=True, left=True,
        staff_id=bea, shift_id=later, taken_at=T0 + timedelta(minutes=2), closed_at=T0 + timedelta(minutes=30),
        closed_by="shift_end", rating=5, comment="Kiitos 🙏 " + "ä" * 2000, id=chat_id,
    )
    async with store.transaction() as work:
        await work.chats.save(changed)
    async with store.transaction() as work:
        loaded = await work.chats.get(chat_id)
        assert loaded == changed
        assert loaded is not None and type(loaded.crisis) is bool and type(loaded.left) is bool
        await work.chats.save(replace(changed, user_key=None, staff_id=aino, shift_id=shift, rating=None,
                                      comment=None, closed_by=None, crisis=False, left=False))
    async with store.transaction() as work:
        assert await work.chats.get(chat_id) == replace(changed, user_key=None, staff_id=aino, shift_id=shift,
                                                        rating=None, comment=None, closed_by=None, crisis=False,
                                                        left=False)
        assert await work.chats.get(anonymous) == replace(chat_row(None, service="other"), id=anonymous)


async def test_chat_references_and_rules_are_enforced(store: Store) -> None:
    await seed_users(store, "u1")
    [worker] = await seed_staff(store, "Aino")
    shift = await seed_shift(store)
    [chat_id] = await seed_chats(store, chat_row())
    refused: list[tuple[type[Exception], Callable[[UnitOfWork], Awaitable[object]]]] = [
        (UnknownUser, lambda work: work.chats.add(chat_row("ghost"))),
        (UnknownUser, lambda work: work.chats.add(chat_row("ghost", staff_id=worker + 100))),
        (UnknownRow, lambda work: work.chats.add(chat_row(staff_id=worker + 100))),
        (UnknownRow, lambda work: work.chats.add(chat_row(shift_id=shift + 100))),
        (ValueError, lambda work: work.chats.add(chat_row(status="waiting"))),
        (ValueError, lambda work: work.chats.add(chat_row(rating=0))),
        (ValueError, lambda work: work.chats.add(chat_row(rating=6))),
        (UnknownUser, lambda work: work.chats.save(chat_row("ghost", id=chat_id))),
        (UnknownRow, lambda work: work.chats.save(chat_row(staff_id=worker + 100, id=chat_id))),
        (UnknownRow, lambda work: work.chats.save(chat_row(id=chat_id + 100))),
        (ValueError, lambda work: work.chats.save(chat_row())),
        (ValueError, lambda work: work.chats.save(chat_row(status="gone", id=chat_id))),
        (UnknownRow, lambda work: work.chats.add_message(message_row(chat_id + 100))),
        (UnknownRow, lambda work: work.chats.add_message(message_row(chat_id, staff_id=worker + 100))),
        (ValueError, lambda work: work.chats.add_message(message_row(chat_id, sender="bot"))),
    ]
    for error, attempt in refused:
        with pytest.raises(error):
            async with store.transaction() as work:
                await attempt(work)
    async with store.transaction() as work:
        assert await work.chats.get(chat_id) == replace(chat_row(), id=chat_id)
        assert await work.chats.opened_between(T0 - timedelta(days=1), T0 + timedelta(days=1)) == [
            replace(chat_row(), id=chat_id)]
        assert await work.chats.messages(chat_id) == []
        await work.chats.add_message(message_row(chat_id, sender="staff", kind="sticker", staff_id=worker))
        await work.chats.save(chat_row(status="open", staff_id=worker, shift_id=shift, rating=1, id=chat_id))


async def test_queued_is_crisis_first_then_oldest_of_that_service(store: Store) -> None:
    await seed_users(store, "u1")
    rows = {
        "newer": chat_row(opened_at=T0 + timedelta(minutes=5)),
        "crisis-late": chat_row(opened_at=T0 + timedelta(minutes=9), crisis=True),
        "oldest": chat_row(opened_at=T0 - timedelta(minutes=5), left=True),
        # One hour earlier in UTC, though its local wall-clock text sorts after T0's.
        "crisis-early": chat_row(None, opened_at=datetime(2026, 11, 20, 11, 0, tzinfo=HELSINKI_WINTER), crisis=True),
        "same-time": chat_row(opened_at=T0 + timedelta(minutes=5)),
        "open": chat_row(opened_at=T0 - timedelta(days=1), status="open"),
        "closed": chat_row(None, opened_at=T0 - timedelta(days=1), status="closed", crisis=True),
        "other-service": chat_row(opened_at=T0 - timedelta(days=1), service="other"),
    }
    ids = dict(zip(rows, await seed_chats(store, *rows.values()), strict=True))
    async with store.transaction() as work:
        queue = await work.chats.queued("sekasin")
        assert [row.id for row in await work.chats.queued("other")] == [ids["other-service"]]
        assert await work.chats.queued("nobody") == []
    assert [row.id for row in queue] == [ids[name] for name in (
        "crisis-early", "crisis-late", "oldest", "newer", "same-time")]
    assert queue[2] == replace(rows["oldest"], id=ids["oldest"])


async def test_open_for_staff_lists_that_workers_open_chats_oldest_first(store: Store) -> None:
    await seed_users(store, "u1")
    [aino, bea] = await seed_staff(store, "Aino", "Bea")
    rows = {
        "late": chat_row(opened_at=T0 + timedelta(hours=1), status="open", staff_id=aino),
        "early": chat_row(opened_at=T0, status="open", staff_id=aino, crisis=True),
        "same-time": chat_row(opened_at=T0, status="open", staff_id=aino, service="other"),
        "queued": chat_row(opened_at=T0 - timedelta(hours=1), status="queued", staff_id=aino),
        "closed": chat_row(None, opened_at=T0 - timedelta(hours=1), status="closed", staff_id=aino),
        "hers": chat_row(opened_at=T0 - timedelta(hours=1), status="open", staff_id=bea),
    }
    ids = dict(zip(rows, await seed_chats(store, *rows.values()), strict=True))
    async with store.transaction() as work:
        assert [row.id for row in await work.chats.open_for_staff(aino)] == [ids["early"], ids["same-time"],
                                                                           ids["late"]]
        assert await work.chats.open_for_staff(bea) == [replace(rows["hers"], id=ids["hers"])]
        assert await work.chats.open_for_staff(bea + 100) == []


async def test_active_for_user_is_their_newest_queued_or_open_chat(store: Store) -> None:
    await seed_users(store, "u1", "u2")
    async with store.transaction() as work:
        assert await work.chats.active_for_user("u1") is None
    [closed] = await seed_chats(store, chat_row(opened_at=T0 + timedelta(days=1), status="closed"))
    async with store.transaction() as work:
        assert await work.chats.active_for_user("u1") is None, "a closed chat is not active"
    [older, newer, _, theirs] = await seed_chats(
        store, chat_row(opened_at=T0 - timedelta(hours=1), status="open"), chat_row(opened_at=T0),
        chat_row(opened_at=T0 - timedelta(hours=2)), chat_row("u2", opened_at=T0 + timedelta(hours=1)))
    async with store.transaction() as work:
        assert await work.chats.active_for_user("u1") == replace(chat_row(opened_at=T0), id=newer)
        assert (await work.chats.active_for_user("u2") or chat_row()).id == theirs
        await work.chats.save(chat_row(opened_at=T0, status="closed", id=newer))
        assert (await work.chats.active_for_user("u1") or chat_row()).id == older
        [same_time] = [await work.chats.add(chat_row(opened_at=T0 - timedelta(hours=1)))]
        assert (await work.chats.active_for_user("u1") or chat_row()).id == same_time, "ties go to the newest id"
        assert await work.chats.active_for_user("nobody") is None
    assert closed < older


async def test_opened_between_is_half_open_and_by_opened_at(store: Store) -> None:
    await seed_users(store, "u1")
    since, until = T0, T0 + timedelta(days=7)
    rows = {
        "last-moment": chat_row(opened_at=until - timedelta(microseconds=1), status="closed"),
        "at-until": chat_row(opened_at=until),
        "at-since": chat_row(None, opened_at=since, service="other", left=True),
        "just-before": chat_row(opened_at=since - timedelta(microseconds=1)),
        "middle": chat_row(opened_at=(since + timedelta(days=1)).astimezone(HELSINKI_WINTER), status="open"),
    }
    ids = dict(zip(rows, await seed_chats(store, *rows.values()), strict=True))
    async with store.transaction() as work:
        found = await work.chats.opened_between(since.astimezone(HELSINKI_WINTER), until)
        assert await work.chats.opened_between(until, since) == []
    assert [row.id for row in found] == [ids[name] for name in ("at-since", "middle", "last-moment")]
    assert found[1] == replace(rows["middle"], id=ids["middle"])


async def test_messages_round_trip_oldest_first_per_chat(store: Store) -> None:
    await seed_users(store, "u1")
    [worker] = await seed_staff(store, "Aino")
    [chat_id, other] = await seed_chats(store, chat_row(), chat_row())
    rows = [
        message_row(chat_id, T0 + timedelta(minutes=2), "Mä en jaksa 😔 " + "x" * 5000),
        message_row(chat_id, T0, "moi"),
        message_row(chat_id, T0 + timedelta(minutes=2), "AgADBAAD-file-ref", kind="photo"),
        message_row(other, T0 - timedelta(minutes=1), "toinen"),
        message_row(chat_id, (T0 + timedelta(minutes=1)).astimezone(HELSINKI_WINTER), "Hei, täällä Aino",
                    sender="staff", staff_id=worker),
    ]
    async with store.transaction() as work:
        ids = [await work.chats.add_message(row) for row in rows]
    assert ids == sorted(set(ids))
    assert rows[0].id is None, "add must not mutate its argument"
    async with store.transaction() as work:
        assert await work.chats.messages(chat_id) == [replace(rows[i], id=ids[i]) for i in (1, 4, 0, 2)]
        assert await work.chats.messages(other) == [replace(rows[3], id=ids[3])]
        assert await work.chats.messages(other + 100) == []


async def test_forget_closed_deletes_the_texts_of_chats_closed_before_and_keeps_the_rest(store: Store) -> None:
    await seed_users(store, "u1")
    before = T0 + timedelta(days=30)
    closed: dict[str, Any] = {"status": "closed", "rating": 4}
    rows = {
        "texts-and-comment": chat_row(None, closed_at=T0, comment="hyvä", **closed),
        "comment-only": chat_row(None, closed_at=before - timedelta(microseconds=1), comment="ok", **closed),
        "texts-only": chat_row(None, closed_at=T0.astimezone(HELSINKI_WINTER), **closed),
        "nothing-left": chat_row(None, closed_at=T0, **closed),
        "closed-at-cutoff": chat_row(None, closed_at=before, comment="kept", **closed),
        "closed-later": chat_row(None, closed_at=before + timedelta(days=1), comment="kept", **closed),
        "still-open": chat_row(status="open", closed_at=T0, comment="kept"),
        "queued": chat_row(comment="kept"),
    }
    ids = dict(zip(rows, await seed_chats(store, *rows.values()), strict=True))
    async with store.transaction() as work:
        for name in ("texts-and-comment", "texts-only", "closed-at-cutoff", "closed-later", "still-open", "queued"):
            for minutes in range(3):
                await work.chats.add_message(message_row(ids[name], T0 + timedelta(minutes=minutes), name))
    async with store.transaction() as work:
        assert await work.chats.forget_closed(before) == 3
        assert await work.chats.forget_closed(before) == 0, "nothing left to forget"
    async with store.transaction() as work:
        for name, row in rows.items():
            loaded = await work.chats.get(ids[name])
            texts = await work.chats.messages(ids[name])
            if name in ("texts-and-comment", "comment-only", "texts-only", "nothing-left"):
                assert loaded == replace(row, id=ids[name], comment=None), name
                assert texts == [], name
            else:
                assert loaded == replace(row, id=ids[name]), name
                assert [text.body for text in texts] == [name] * 3, name


async def test_chats_are_found_by_their_forget_tag_until_their_texts_go(store: Store) -> None:
    await seed_users(store, "u1")
    [mine, other, old_empty] = await seed_chats(
        store, chat_row(None, status="closed", closed_at=T0 + timedelta(days=5), forget_tag="tag-a"),
        chat_row(None, status="closed", closed_at=T0, forget_tag="tag-b"),
        chat_row(None, status="closed", closed_at=T0, forget_tag="tag-a"))
    async with store.transaction() as work:
        await work.chats.add_message(message_row(mine, body="first"))
        await work.chats.add_message(message_row(other, body="theirs"))
        assert await work.chats.tagged("tag-a") == [mine, old_empty]
        assert await work.chats.tagged("tag-c") == []
    async with store.transaction() as work:
        await work.chats.forget(mine)
        assert await work.chats.tagged("tag-a") == [old_empty], "the tag goes with the texts"
        assert await work.chats.forget_closed(T0 + timedelta(days=1)) == 1
        assert await work.chats.tagged("tag-a") == [] and await work.chats.tagged("tag-b") == [], (
            "also of a chat that had no texts")
        assert (await work.chats.get(mine)) == replace(
            chat_row(None, status="closed", closed_at=T0 + timedelta(days=5)), id=mine)


async def test_forget_deletes_one_chats_texts_now_whatever_its_status(store: Store) -> None:
    await seed_users(store, "u1", "u2")
    [worker] = await seed_staff(store, "Aino")
    mine = chat_row(status="open", staff_id=worker, comment="pois", rating=2)
    [chat_id, theirs, closed_recently] = await seed_chats(
        store, mine, chat_row("u2", comment="kept"), chat_row(None, status="closed", closed_at=T0, comment="kept"))
    async with store.transaction() as work:
        for target in (chat_id, theirs, closed_recently):
            await work.chats.add_message(message_row(target, body="first"))
            await work.chats.add_message(message_row(target, body="reply", sender="staff", staff_id=worker))
    with pytest.raises(Boom):
        async with store.transaction() as work:
            await work.chats.forget(chat_id)
            assert await work.chats.messages(chat_id) == []
            raise Boom
    async with store.transaction() as work:
        assert len(await work.chats.messages(chat_id)) == 2, "rolled back"
        await work.chats.forget(chat_id)
        await work.chats.forget(chat_id)
        await work.chats.forget(closed_recently + 100)
    async with store.transaction() as work:
        assert await work.chats.messages(chat_id) == []
        assert await work.chats.get(chat_id) == replace(mine, comment=None, id=chat_id), "counts and times stay"
        for kept in (theirs, closed_recently):
            assert [row.body for row in await work.chats.messages(kept)] == ["first", "reply"]
            assert (await work.chats.get(kept) or chat_row()).comment == "kept"
        assert await work.chats.forget_closed(T0 + timedelta(days=1)) == 1, "only the other closed chat is left"


async def test_sent_messages_find_their_chat_per_person_until_the_texts_are_forgotten(store: Store) -> None:
    await seed_users(store, "w1", "w2", "u1")
    closed: dict[str, Any] = {"status": "closed", "rating": 4}
    [one, two, old, recent] = await seed_chats(
        store, chat_row("u1", status="open"), chat_row(None, status="open"), chat_row(None, closed_at=T0, **closed),
        chat_row(None, closed_at=T0 + timedelta(days=40), **closed))
    async with store.transaction() as work:
        await work.chats.remember_sent("w1", one, [11, 12])
        await work.chats.remember_sent("w1", two, [13])
        await work.chats.remember_sent("w2", two, [11])
        await work.chats.remember_sent("w1", old, [5])
        await work.chats.remember_sent("w1", recent, [6])
        await work.chats.remember_sent("w1", two, [])
    with pytest.raises(Boom):
        async with store.transaction() as work:
            await work.chats.remember_sent("w1", two, [99])
            raise Boom
    async with store.transaction() as work:
        assert [await work.chats.sent_about("w1", m) for m in (11, 12, 13, 5, 6, 99, 14)] == [
            one, one, two, old, recent, None, None]
        assert await work.chats.sent_about("w2", 11) == two, "message ids count per person"
        assert await work.chats.sent_about("u1", 11) is None
        await work.chats.remember_sent("w1", two, [12])  # the same id again: the latest send wins
        assert await work.chats.sent_about("w1", 12) == two
        with pytest.raises(UnknownUser):
            await work.chats.remember_sent("nobody", one, [1])
    async with store.transaction() as work:
        await work.chats.forget(two)
        assert await work.chats.forget_closed(T0 + timedelta(days=30)) == 0, "no texts, but the ids go too"
    async with store.transaction() as work:
        assert [await work.chats.sent_about("w1", m) for m in (11, 12, 13, 5, 6)] == [one, None, None, None, recent]
        assert await work.chats.sent_about("w2", 11) is None
        await work.users.delete("w1")
    async with store.transaction() as work:
        assert await work.chats.sent_about("w1", 11) is None, "deleted with the person"


async def test_deleting_a_user_unlinks_their_chats_and_nothing_else(store: Store) -> None:
    await seed_users(store, "u1", "u2")
    [worker] = await seed_staff(store, "Aino")
    [mine, theirs] = await seed_chats(store, chat_row("u1", status="open", staff_id=worker), chat_row("u2"))
    async with store.transaction() as work:
        await work.chats.add_message(message_row(mine))
    async with store.transaction() as work:
        await work.users.delete("u1")
    async with store.transaction() as work:
        assert await work.chats.get(mine) == replace(chat_row(None, status="open", staff_id=worker), id=mine)
        assert [row.body for row in await work.chats.messages(mine)] == ["moi"], "texts go by the retention time"
        assert await work.chats.active_for_user("u1") is None
        assert await work.chats.get(theirs) == replace(chat_row("u2"), id=theirs)
        assert (await work.chats.active_for_user("u2") or chat_row()).id == theirs


async def test_removing_a_worker_shift_or_chat_follows_the_schema(store: Store) -> None:
    """The port deletes none of these yet; both backends still keep the same ON DELETE rules."""
    await seed_users(store, "u1")
    [gone, stays] = await seed_staff(store, "Aino", "Bea")
    shift = await seed_shift(store)
    other_shift = await seed_shift(store, starts_at=T0 + timedelta(days=1))
    async with store.transaction() as work:
        chat_id = await work.chats.add(chat_row(status="open", staff_id=gone, shift_id=shift))
        other_chat = await work.chats.add(chat_row(status="open", staff_id=stays, shift_id=other_shift))
        by_worker = await work.chats.add_message(message_row(chat_id, sender="staff", staff_id=gone))
        await work.chats.add_message(message_row(other_chat))
        for staff_id in (gone, stays):
            await work.shifts.set_duty(DutyRow(shift, staff_id, True, T0))
            await work.shifts.set_duty(DutyRow(other_shift, staff_id, True, T0))
            await work.schedules.add_rota(RotaRow("sekasin", "fri 12:00", staff_id))
    await delete_row(store, "staff", gone)
    async with store.transaction() as work:
        assert await work.chats.get(chat_id) == replace(chat_row(status="open", shift_id=shift), id=chat_id)
        assert await work.chats.messages(chat_id) == [
            replace(message_row(chat_id, sender="staff"), id=by_worker)]
        assert [row.staff_id for row in await work.shifts.duty(shift)] == [stays]
        assert await work.schedules.rota("sekasin") == [RotaRow("sekasin", "fri 12:00", stays)]
    await delete_row(store, "shifts", shift)
    async with store.transaction() as work:
        assert await work.chats.get(chat_id) == replace(chat_row(status="open"), id=chat_id)
        assert await work.shifts.duty(shift) == []
        assert [row.staff_id for row in await work.shifts.duty(other_shift)] == [stays]
    await delete_row(store, "chats", chat_id)
    async with store.transaction() as work:
        assert await work.chats.get(chat_id) is None
        assert await work.chats.messages(chat_id) == []
        assert len(await work.chats.messages(other_chat)) == 1
        assert (await work.chats.get(other_chat) or chat_row()).shift_id == other_shift


async def test_chat_and_shift_writes_are_rolled_back_together(store: Store) -> None:
    await seed_users(store, "u1")
    [worker] = await seed_staff(store, "Aino")
    shift = await seed_shift(store)
    [chat_id] = await seed_chats(store, chat_row(comment="before"))
    with pytest.raises(Boom):
        async with store.transaction() as work:
            await work.chats.add(chat_row(opened_at=T0 + timedelta(hours=1)))
            await work.chats.add_message(message_row(chat_id))
            await work.chats.save(chat_row(status="open", staff_id=worker, shift_id=shift, id=chat_id))
            await work.shifts.get_or_add(shift_row(starts_at=T0 + timedelta(days=1)))
            await work.shifts.save(replace(shift_row(), started=True, ended=True, id=shift))
            await work.shifts.set_duty(DutyRow(shift, worker, True, T0))
            await work.schedules.add_rota(RotaRow("sekasin", "fri 12:00", worker))
            await work.schedules.add_closing(ClosingRow("sekasin", date(2026, 12, 24), True))
            await work.contacts.save(ContactRow("u1", "sealed", T0))
            assert await work.chats.forget_closed(T0 + timedelta(days=1)) == 0
            assert len(await work.chats.queued("sekasin")) == 1, "own writes are visible"
            raise Boom
    async with store.transaction() as work:
        assert await work.chats.opened_between(T0 - timedelta(days=1), T0 + timedelta(days=1)) == [
            replace(chat_row(comment="before"), id=chat_id)]
        assert await work.chats.messages(chat_id) == []
        assert await work.shifts.unfinished() == [replace(shift_row(), id=shift)]
        assert await work.shifts.duty(shift) == []
        assert await work.schedules.rota("sekasin") == []
        assert await work.schedules.closings("sekasin") == []
        assert await work.contacts.keys() == []


async def test_get_or_add_keeps_one_shift_per_service_and_start(store: Store) -> None:
    first = shift_row()
    async with store.transaction() as work:
        added = await work.shifts.get_or_add(first)
        again = await work.shifts.get_or_add(
            shift_row(starts_at=T0.astimezone(HELSINKI_WINTER), hours=5, started=True, ended=True))
        other_service = await work.shifts.get_or_add(shift_row("other"))
        later = await work.shifts.get_or_add(shift_row(starts_at=T0 + timedelta(microseconds=1)))
    assert first.id is None, "get_or_add must not mutate its argument"
    assert added == replace(first, id=added.id) and added.id is not None
    assert again == added, "the stored shift, not the one asked for"
    assert len({added.id, other_service.id, later.id}) == 3
    async with store.transaction() as work:
        assert await work.shifts.get_or_add(shift_row(hours=1)) == added
        assert await work.shifts.get(added.id) == added
        assert await work.shifts.get(other_service.id or 0) == replace(shift_row("other"), id=other_service.id)
        assert await work.shifts.get(added.id + 100) is None
        assert len(await work.shifts.unfinished()) == 3


async def test_saving_a_shift_rewrites_it_and_keeps_the_rules(store: Store) -> None:
    shift = await seed_shift(store)
    other = await seed_shift(store, starts_at=T0 + timedelta(days=1))
    changed = ShiftRow("sekasin", T0 - timedelta(minutes=30), T0 + timedelta(hours=3), started=True, ended=True,
                       id=shift)
    async with store.transaction() as work:
        await work.shifts.save(changed)
    async with store.transaction() as work:
        loaded = await work.shifts.get(shift)
        assert loaded == changed
        assert loaded is not None and type(loaded.started) is bool and type(loaded.ended) is bool
        assert await work.shifts.get_or_add(shift_row(starts_at=changed.starts_at)) == changed
    with pytest.raises(Conflict):
        async with store.transaction() as work:
            await work.shifts.save(replace(changed, starts_at=T0 + timedelta(days=1)))
    with pytest.raises(UnknownRow):
        async with store.transaction() as work:
            await work.shifts.save(replace(changed, id=other + 100))
    with pytest.raises(ValueError):
        async with store.transaction() as work:
            await work.shifts.save(shift_row())
    async with store.transaction() as work:
        assert await work.shifts.get(shift) == changed
        assert await work.shifts.get(other) == replace(shift_row(starts_at=T0 + timedelta(days=1)), id=other)


async def test_unfinished_and_started_between_are_by_starts_at(store: Store) -> None:
    rows = {
        "tomorrow": shift_row(starts_at=T0 + timedelta(days=1)),
        "ended": shift_row(starts_at=T0 - timedelta(days=1), started=True, ended=True),
        # One hour earlier in UTC, though its local wall-clock text sorts after T0's.
        "earlier": shift_row("other", starts_at=datetime(2026, 11, 20, 11, 0, tzinfo=HELSINKI_WINTER)),
        "now": shift_row(starts_at=T0, started=True),
        "same-time": shift_row("other", starts_at=T0),
    }
    async with store.transaction() as work:
        ids = {name: (await work.shifts.get_or_add(row)).id for name, row in rows.items()}
    async with store.transaction() as work:
        unfinished = await work.shifts.unfinished()
        between = await work.shifts.started_between(T0 - timedelta(days=1), T0 + timedelta(days=1))
        assert await work.shifts.started_between(T0, T0) == []
    assert [row.id for row in unfinished] == [ids[name] for name in ("earlier", "now", "same-time", "tomorrow")]
    assert unfinished[1] == replace(rows["now"], id=ids["now"])
    assert [row.id for row in between] == [ids[name] for name in ("ended", "earlier", "now", "same-time")]


async def test_duty_is_upserted_and_listed_by_staff_id(store: Store) -> None:
    [aino, bea, cai] = await seed_staff(store, "Aino", "Bea", "Cai")
    shift = await seed_shift(store)
    other = await seed_shift(store, starts_at=T0 + timedelta(days=1))
    async with store.transaction() as work:
        assert await work.shifts.duty(shift) == []
        await work.shifts.set_duty(DutyRow(shift, cai, True, T0))
        await work.shifts.set_duty(DutyRow(shift, aino, True, T0.astimezone(HELSINKI_WINTER)))
        await work.shifts.set_duty(DutyRow(other, bea, True, T0))
    off = DutyRow(shift, cai, False, T0 + timedelta(minutes=10))
    async with store.transaction() as work:
        await work.shifts.set_duty(off)
        await work.shifts.set_duty(DutyRow(shift, bea, False, T0))
    async with store.transaction() as work:
        duty = await work.shifts.duty(shift)
        assert await work.shifts.duty(other) == [DutyRow(other, bea, True, T0)]
        assert await work.shifts.duty(other + 100) == []
    assert duty == [DutyRow(shift, aino, True, T0), DutyRow(shift, bea, False, T0), off]
    assert all(type(row.on) is bool for row in duty)
    for bad in (DutyRow(shift + 100, aino, True, T0), DutyRow(shift, cai + 100, True, T0)):
        with pytest.raises(UnknownRow):
            async with store.transaction() as work:
                await work.shifts.set_duty(bad)
    async with store.transaction() as work:
        assert await work.shifts.duty(shift) == duty


async def test_rota_add_is_idempotent_and_listed_by_slot_then_staff(store: Store) -> None:
    [aino, bea] = await seed_staff(store, "Aino", "Bea")
    rows = [
        RotaRow("sekasin", "fri 12:00", bea),
        RotaRow("sekasin", "2026-12-30 10:00", aino),
        RotaRow("sekasin", "fri 12:00", aino),
        RotaRow("sekasin", "mon 18:00", aino),
        RotaRow("other", "fri 12:00", aino),
    ]
    async with store.transaction() as work:
        for row in rows:
            await work.schedules.add_rota(row)
    async with store.transaction() as work:
        await work.schedules.add_rota(RotaRow("sekasin", "fri 12:00", bea))
        assert await work.schedules.rota("sekasin") == [rows[i] for i in (1, 2, 0, 3)]
        assert await work.schedules.rota("other") == [rows[4]]
        assert await work.schedules.rota("nobody") == []
        await work.schedules.remove_rota(RotaRow("sekasin", "fri 12:00", aino))
        await work.schedules.remove_rota(RotaRow("sekasin", "fri 12:00", aino))
        await work.schedules.remove_rota(RotaRow("sekasin", "sun 12:00", bea))
    with pytest.raises(UnknownRow):
        async with store.transaction() as work:
            await work.schedules.add_rota(RotaRow("sekasin", "fri 12:00", bea + 100))
    async with store.transaction() as work:
        assert await work.schedules.rota("sekasin") == [rows[i] for i in (1, 0, 3)]
        assert await work.schedules.rota("other") == [rows[4]]


async def test_closings_round_trip_by_day_then_start_closed_days_first(store: Store) -> None:
    christmas = date(2026, 12, 24)
    rows = [
        ClosingRow("sekasin", christmas, False, time(18, 0), time(20, 30)),
        ClosingRow("sekasin", date(2026, 12, 31), False, time(22, 0), time(1, 0)),
        ClosingRow("sekasin", christmas, False, time(9, 5), time(11, 0)),
        ClosingRow("sekasin", christmas, True),
        ClosingRow("other", date(2026, 12, 1), True),
        ClosingRow("sekasin", date(2026, 12, 6), True),
        ClosingRow("sekasin", christmas, False, time(0, 0), time(2, 0)),
    ]
    async with store.transaction() as work:
        ids = [await work.schedules.add_closing(row) for row in rows]
    assert ids == sorted(set(ids))
    assert rows[0].id is None, "add must not mutate its argument"
    async with store.transaction() as work:
        loaded = await work.schedules.closings("sekasin")
        assert await work.schedules.closings("other") == [replace(rows[4], id=ids[4])]
        assert await work.schedules.closings("nobody") == []
    assert loaded == [replace(rows[i], id=ids[i]) for i in (5, 3, 6, 2, 0, 1)]
    assert type(loaded[0].day) is date and type(loaded[0].closed) is bool
    async with store.transaction() as work:
        await work.schedules.remove_closing(ids[3])
        await work.schedules.remove_closing(ids[3])
        await work.schedules.remove_closing(ids[-1] + 100)
        closed_again = await work.schedules.add_closing(rows[3])
    assert closed_again > ids[-1]
    async with store.transaction() as work:
        # A closed day comes before a slot at midnight of that day, though it was added later.
        assert [row.id for row in await work.schedules.closings("sekasin")] == [
            ids[5], closed_again, ids[6], ids[2], ids[0], ids[1]]


@pytest.mark.parametrize("bad", [
    ClosingRow("sekasin", datetime(2026, 12, 24, tzinfo=UTC), True),
    ClosingRow("sekasin", date(2026, 12, 24), False, time(18, 0, 30), time(20, 0)),
    ClosingRow("sekasin", date(2026, 12, 24), False, time(18, 0), time(20, 0, 0, 1)),
    ClosingRow("sekasin", date(2026, 12, 24), False, time(18, 0, tzinfo=UTC), time(20, 0)),
], ids=["datetime-day", "seconds", "microseconds", "zone"])
async def test_closings_that_would_lose_information_are_refused(store: Store, bad: ClosingRow) -> None:
    with pytest.raises(ValueError):
        async with store.transaction() as work:
            await work.schedules.add_closing(bad)
    async with store.transaction() as work:
        assert await work.schedules.closings("sekasin") == []


async def test_a_preparation_is_one_draft_per_client_replaced_and_deleted_with_the_client(store: Store) -> None:
    [worker] = await seed_staff(store, "Aino")
    client_id = await seed_client(store, "Kettu", worker)
    draft = PreparationRow(client_id, {"works": "äiti auttaa 🙂", "people": [{"name": "Mummo"}]}, 1, T0,
                           f"client:{client_id}")
    async with store.transaction() as work:
        assert await work.preparations.get(client_id) is None
        await work.preparations.save(draft)
    async with store.transaction() as work:
        assert await work.preparations.get(client_id) == draft
        await work.preparations.save(replace(draft, data={"works": "koira"}, updated_at=T0 + timedelta(hours=1),
                                             updated_by=f"staff:{worker}"))
    async with store.transaction() as work:
        loaded = await work.preparations.get(client_id)
        assert loaded is not None and loaded.data == {"works": "koira"} and loaded.updated_by == f"staff:{worker}"
        await work.clients.delete(client_id)
    async with store.transaction() as work:
        assert await work.preparations.get(client_id) is None, "it goes with the client"
    with pytest.raises(UnknownRow):
        async with store.transaction() as work:
            await work.preparations.save(replace(draft, client_id=client_id + 100))
    async with store.transaction() as work:
        other = await seed_client_in(work, worker)
        await work.preparations.save(replace(draft, client_id=other))
        await work.preparations.delete(other)
        await work.preparations.delete(other)
        assert await work.preparations.get(other) is None


async def test_an_evaluation_is_one_per_client_replaced_and_deleted_with_the_client(store: Store) -> None:
    [worker] = await seed_staff(store, "Aino")
    client_id = await seed_client(store, "Kettu", worker)
    row = EvaluationRow(client_id, {"succeeded": "Asunto säilyi 🏠"}, {}, T0)
    async with store.transaction() as work:
        assert await work.evaluations.get(client_id) is None
        await work.evaluations.save(row)
        await work.evaluations.save(replace(row, feedback={"listened": 1}, updated_at=T0 + timedelta(days=1)))
    async with store.transaction() as work:
        assert await work.evaluations.get(client_id) == replace(row, feedback={"listened": 1},
                                                                 updated_at=T0 + timedelta(days=1))
        await work.clients.delete(client_id)
    async with store.transaction() as work:
        assert await work.evaluations.get(client_id) is None
    with pytest.raises(UnknownRow):
        async with store.transaction() as work:
            await work.evaluations.save(row)


async def test_a_clients_meetings_and_evaluation_can_be_deleted_without_the_client(store: Store) -> None:
    worker, client_id, meeting_id = await seed_meeting(store)
    async with store.transaction() as work:
        other = await work.meetings.add(meeting_row(client_id, worker, follows=meeting_id))
        person = await work.meetings.add_participant(participant_row(other, "Sanna"))
        await work.meetings.add_promise(promise_row(other, person))
        await work.evaluations.save(EvaluationRow(client_id, {"learned": "x"}, {}, T0))
    async with store.transaction() as work:
        assert await work.meetings.delete_for_client(client_id) == 2
        assert await work.meetings.delete_for_client(client_id) == 0
        await work.evaluations.delete(client_id)
        await work.evaluations.delete(client_id)
    async with store.transaction() as work:
        assert await work.meetings.for_client(client_id) == []
        assert await work.meetings.participants(other) == [] and await work.meetings.promises(other) == []
        assert await work.evaluations.get(client_id) is None
        assert await work.clients.get(client_id) is not None


async def seed_client_in(work: UnitOfWork, worker: int) -> int:
    return await work.clients.add(client_row("Orava", worker))


async def test_weekly_slot_changes_round_trip_monday_first(store: Store) -> None:
    rows = [
        WeeklyRow("sekasin", "sun", time(22, 0), time(1, 0)),
        WeeklyRow("sekasin", "mon", time(12, 0), time(14, 0), removed=True),
        WeeklyRow("other", "tue", time(9, 0), time(10, 0)),
        WeeklyRow("sekasin", "thu", time(18, 0), time(20, 0)),
        WeeklyRow("sekasin", "mon", time(8, 30), time(9, 0)),
    ]
    async with store.transaction() as work:
        ids = [await work.schedules.add_weekly(row) for row in rows]
    assert rows[0].id is None, "add must not mutate its argument"
    async with store.transaction() as work:
        loaded = await work.schedules.weekly("sekasin")
        assert await work.schedules.weekly("other") == [replace(rows[2], id=ids[2])]
    assert loaded == [replace(rows[i], id=ids[i]) for i in (4, 1, 3, 0)]
    assert type(loaded[1].removed) is bool
    async with store.transaction() as work:
        await work.schedules.remove_weekly(ids[1])
        await work.schedules.remove_weekly(ids[1])
        assert [row.id for row in await work.schedules.weekly("sekasin")] == [ids[4], ids[3], ids[0]]


@pytest.mark.parametrize("bad", [
    WeeklyRow("sekasin", "monday", time(12, 0), time(14, 0)),
    WeeklyRow("sekasin", "mon", time(12, 0, 30), time(14, 0)),
], ids=["day-name", "seconds"])
async def test_weekly_slots_that_would_lose_information_are_refused(store: Store, bad: WeeklyRow) -> None:
    with pytest.raises((ValueError, sqlite3.IntegrityError)):
        async with store.transaction() as work:
            await work.schedules.add_weekly(bad)
    async with store.transaction() as work:
        assert await work.schedules.weekly("sekasin") == []


async def test_naive_times_are_refused_by_the_chat_repositories(store: Store) -> None:
    naive = datetime(2026, 11, 20, 10, 0)
    await seed_users(store, "u1")
    [worker] = await seed_staff(store, "Aino")
    shift = await seed_shift(store)
    [chat_id] = await seed_chats(store, chat_row())
    attempts: list[Callable[[UnitOfWork], Awaitable[object]]] = [
        lambda work: work.chats.add(chat_row(opened_at=naive)),
        lambda work: work.chats.save(chat_row(taken_at=naive, id=chat_id)),
        lambda work: work.chats.opened_between(naive, T0),
        lambda work: work.chats.opened_between(T0, naive),
        lambda work: work.chats.add_message(message_row(chat_id, at=naive)),
        lambda work: work.chats.forget_closed(naive),
        lambda work: work.shifts.get_or_add(shift_row(starts_at=naive)),
        lambda work: work.shifts.get_or_add(replace(shift_row(starts_at=T0 + timedelta(days=1)), ends_at=naive)),
        lambda work: work.shifts.save(replace(shift_row(), ends_at=naive, id=shift)),
        lambda work: work.shifts.started_between(naive, T0),
        lambda work: work.shifts.set_duty(DutyRow(shift, worker, True, naive)),
    ]
    for attempt in attempts:
        with pytest.raises(ValueError, match="naive"):
            async with store.transaction() as work:
                await attempt(work)


# --- network meetings (#5): meetings, participants, promises -------------------------------------------

FRIDAY = date(2026, 12, 4)


def meeting_row(client_id: int, created_by: int, starts_at: datetime = T0 + timedelta(days=7),
                **fields: Any) -> MeetingRow:
    return MeetingRow(client_id=client_id, created_by=created_by, created_at=fields.pop("created_at", T0),
                      starts_at=starts_at, place_kind=fields.pop("place_kind", "office"),
                      place=fields.pop("place", "Kirkkokatu 1"), **fields)


def participant_row(meeting_id: int, name: str = "Mummo", role: str = "other", **fields: Any) -> ParticipantRow:
    return ParticipantRow(meeting_id=meeting_id, name=name, role=role, **fields)


def promise_row(meeting_id: int, participant_id: int, due: date = FRIDAY, text: str = "Soitan koululle 📞",
                **fields: Any) -> PromiseRow:
    return PromiseRow(meeting_id=meeting_id, participant_id=participant_id, text=text, due=due,
                      created_at=fields.pop("created_at", T0), **fields)


async def seed_meeting(store: Store) -> tuple[int, int, int]:
    """A worker, a client of theirs and a meeting of that client: (worker, client, meeting)."""
    [worker] = await seed_staff(store, "Aino")
    client_id = await seed_client(store, "Kettu", worker)
    async with store.transaction() as work:
        meeting_id = await work.meetings.add(meeting_row(client_id, worker))
    return worker, client_id, meeting_id


async def test_meetings_round_trip_every_field_and_save_keeps_created_at(store: Store) -> None:
    [aino, bea] = await seed_staff(store, "Aino", "Bea")
    client_id = await seed_client(store, "Kettu", aino, bea)
    other_client = await seed_client(store, "Susi", aino)
    fresh = meeting_row(client_id, aino, starts_at=T0.astimezone(HELSINKI_WINTER))
    async with store.transaction() as work:
        first = await work.meetings.add(fresh)
        second = await work.meetings.add(meeting_row(client_id, bea, place_kind="online", place="https://meet/x"))
    assert fresh.id is None, "add must not mutate its argument"
    assert second > first
    async with store.transaction() as work:
        loaded = await work.meetings.get(first)
        assert await work.meetings.get(second + 100) is None
    assert loaded == replace(fresh, id=first)
    assert loaded is not None and loaded.starts_at.utcoffset() == timedelta(0)
    assert loaded.status == "planned" and loaded.follows is None and loaded.ended_on is None
    changed = MeetingRow(
        client_id=other_client, created_by=bea, created_at=T0 + timedelta(days=30), starts_at=T0 + timedelta(hours=3),
        place_kind="hybrid", place="Koulu, luokka 3 + https://meet/y 🙂", status="held", follows=second,
        next_at=T0 + timedelta(days=21), ended_on=date(2027, 1, 31), id=first,
    )
    async with store.transaction() as work:
        await work.meetings.save(changed)
    async with store.transaction() as work:
        loaded = await work.meetings.get(first)
    assert loaded == replace(changed, created_at=T0), "created_at is set once, by add"
    assert loaded is not None and type(loaded.ended_on) is date, "a day comes back as a date, not a datetime"
    assert loaded.next_at is not None and loaded.next_at.utcoffset() == timedelta(0)
    async with store.transaction() as work:
        await work.meetings.save(replace(changed, status="cancelled", follows=None, next_at=None, ended_on=None))
    async with store.transaction() as work:
        assert await work.meetings.get(first) == replace(changed, created_at=T0, status="cancelled", follows=None,
                                                         next_at=None, ended_on=None)
        assert await work.meetings.get(second) == replace(
            meeting_row(client_id, bea, place_kind="online", place="https://meet/x"), id=second)


async def test_for_client_is_that_clients_meetings_by_starts_at_then_id(store: Store) -> None:
    [worker] = await seed_staff(store, "Aino")
    client_id = await seed_client(store, "Kettu", worker)
    other = await seed_client(store, "Susi", worker)
    rows = {
        "later": meeting_row(client_id, worker, starts_at=T0 + timedelta(days=14)),
        "tie-first": meeting_row(client_id, worker, starts_at=T0 + timedelta(days=7)),
        # One hour earlier in UTC, though its local wall-clock text sorts after T0's.
        "earlier": meeting_row(client_id, worker, starts_at=datetime(2026, 11, 20, 11, 0, tzinfo=HELSINKI_WINTER)),
        "tie-second": meeting_row(client_id, worker, starts_at=T0 + timedelta(days=7)),
        "other client": meeting_row(other, worker, starts_at=T0),
    }
    async with store.transaction() as work:
        ids = {name: await work.meetings.add(row) for name, row in rows.items()}
    async with store.transaction() as work:
        mine = await work.meetings.for_client(client_id)
        assert [row.id for row in await work.meetings.for_client(other)] == [ids["other client"]]
        assert await work.meetings.for_client(other + 100) == []
    assert mine == [replace(rows[name], id=ids[name]) for name in ("earlier", "tie-first", "tie-second", "later")]


async def test_a_participant_is_found_by_their_join_code_once_and_by_their_key(store: Store) -> None:
    await seed_users(store, "u1")
    _, _, meeting_id = await seed_meeting(store)
    async with store.transaction() as work:
        first = await work.meetings.add_participant(participant_row(
            meeting_id, "Sanna", join_hash="h1", join_expires_at=T0 + timedelta(days=7)))
        second = await work.meetings.add_participant(participant_row(meeting_id, "Pekka"))
        third = await work.meetings.add_participant(participant_row(meeting_id, "Liisa"))
    with pytest.raises(Conflict):
        async with store.transaction() as work:
            await work.meetings.add_participant(participant_row(meeting_id, "Copy", join_hash="h1"))
    async with store.transaction() as work:
        found = await work.meetings.participant_by_join("h1")
        assert found is not None and found.id == first and found.join_expires_at == T0 + timedelta(days=7)
        assert await work.meetings.participant_by_join("h2") is None
        assert (await work.meetings.participant(second)) is not None
        assert await work.meetings.participant(third + 100) is None
        found.user_key, found.join_hash, found.join_expires_at = "u1", None, None
        await work.meetings.save_participant(found)
        other = await work.meetings.participant(third)
        assert other is not None
        other.user_key = "u1"
        await work.meetings.save_participant(other)
    async with store.transaction() as work:
        assert await work.meetings.participant_by_join("h1") is None, "a used code is gone"
        assert [row.id for row in await work.meetings.participations("u1")] == [first, third]
        assert await work.meetings.participations("nobody") == []


async def test_participants_round_trip_by_id_and_save_rewrites_them(store: Store) -> None:
    await seed_users(store, "u1", "u2")
    worker, client_id, meeting_id = await seed_meeting(store)
    async with store.transaction() as work:
        other_meeting = await work.meetings.add(meeting_row(client_id, worker))
    rows = [
        participant_row(meeting_id, "Kettu", "client", user_key="u1"),
        participant_row(meeting_id, "Aino", "worker", staff_id=worker, language="sv"),
        participant_row(meeting_id, "Anna", "other", relation="äiti", language="en", reachable=False),
        participant_row(other_meeting, "Opettaja"),
    ]
    async with store.transaction() as work:
        ids = [await work.meetings.add_participant(row) for row in rows]
    assert rows[0].id is None, "add_participant must not mutate its argument"
    assert ids == sorted(ids)
    async with store.transaction() as work:
        loaded = await work.meetings.participants(meeting_id)
        assert await work.meetings.participants(other_meeting) == [replace(rows[3], id=ids[3])]
        assert await work.meetings.participants(other_meeting + 100) == []
    assert loaded == [replace(row, id=row_id) for row, row_id in zip(rows[:3], ids[:3], strict=True)]
    assert type(loaded[2].reachable) is bool and loaded[2].reachable is False
    changed = ParticipantRow(meeting_id=other_meeting, name="Anna K.", role="client", relation="sisko",
                             language="fi", staff_id=worker, user_key="u2", reachable=False, id=ids[0])
    async with store.transaction() as work:
        await work.meetings.save_participant(changed)
    async with store.transaction() as work:
        assert [row.id for row in await work.meetings.participants(meeting_id)] == ids[1:3]
        assert await work.meetings.participants(other_meeting) == [changed, replace(rows[3], id=ids[3])], "by id"
        await work.meetings.save_participant(replace(changed, staff_id=None, user_key=None, reachable=True))
    async with store.transaction() as work:
        assert (await work.meetings.participants(other_meeting))[0] == replace(
            changed, staff_id=None, user_key=None, reachable=True)


async def test_promises_round_trip_by_due_then_id_with_days_as_dates(store: Store) -> None:
    worker, client_id, meeting_id = await seed_meeting(store)
    async with store.transaction() as work:
        other_meeting = await work.meetings.add(meeting_row(client_id, worker))
        mummo = await work.meetings.add_participant(participant_row(meeting_id))
        kettu = await work.meetings.add_participant(participant_row(meeting_id, "Kettu", "client"))
        elsewhere = await work.meetings.add_participant(participant_row(other_meeting))
    rows = {
        "later": promise_row(meeting_id, mummo, due=date(2027, 1, 15)),
        "tie-first": promise_row(meeting_id, kettu, text="Menen kouluun joka päivä"),
        "sooner": promise_row(meeting_id, mummo, due=date(2026, 11, 30), text="x" * 3000),
        "tie-second": promise_row(meeting_id, mummo, status="help", note="en ehtinyt"),
        "other meeting": promise_row(other_meeting, elsewhere, due=date(2026, 11, 1)),
    }
    async with store.transaction() as work:
        ids = {name: await work.meetings.add_promise(row) for name, row in rows.items()}
    assert rows["later"].id is None, "add_promise must not mutate its argument"
    async with store.transaction() as work:
        loaded = await work.meetings.promises(meeting_id)
        assert await work.meetings.promises(other_meeting) == [replace(rows["other meeting"], id=ids["other meeting"])]
        assert await work.meetings.promise(ids["sooner"]) == replace(rows["sooner"], id=ids["sooner"])
        assert await work.meetings.promise(max(ids.values()) + 100) is None
    assert loaded == [replace(rows[name], id=ids[name]) for name in ("sooner", "tie-first", "tie-second", "later")]
    assert all(type(row.due) is date for row in loaded), "a day comes back as a date, not a datetime"
    changed = PromiseRow(meeting_id=meeting_id, participant_id=kettu, text="Soitan itse", due=date(2026, 12, 24),
                         created_at=T0 + timedelta(days=9), status="done", note="tehty! 🎉",
                         updated_at=T0.astimezone(HELSINKI_WINTER) + timedelta(days=2), id=ids["later"])
    async with store.transaction() as work:
        await work.meetings.save_promise(changed)
    async with store.transaction() as work:
        loaded_one = await work.meetings.promise(ids["later"])
        assert [row.id for row in await work.meetings.promises(meeting_id)] == [
            ids["sooner"], ids["tie-first"], ids["tie-second"], ids["later"]]
        await work.meetings.save_promise(replace(changed, status="open", note="", updated_at=None))
    assert loaded_one == replace(changed, created_at=T0), "created_at is set once, by add_promise"
    assert loaded_one is not None and loaded_one.updated_at is not None
    assert loaded_one.updated_at.utcoffset() == timedelta(0) and type(loaded_one.due) is date
    async with store.transaction() as work:
        assert await work.meetings.promise(ids["later"]) == replace(changed, created_at=T0, status="open", note="",
                                                                    updated_at=None)


async def test_meeting_references_and_rules_are_enforced(store: Store) -> None:
    await seed_users(store, "u1")
    worker, client_id, meeting_id = await seed_meeting(store)
    async with store.transaction() as work:
        person = await work.meetings.add_participant(participant_row(meeting_id))
        promise_id = await work.meetings.add_promise(promise_row(meeting_id, person))
    meeting = replace(meeting_row(client_id, worker), id=meeting_id)
    participant = replace(participant_row(meeting_id), id=person)
    promise = replace(promise_row(meeting_id, person), id=promise_id)
    missing = max(worker, client_id, meeting_id, person, promise_id) + 100
    refused: list[tuple[type[Exception], Callable[[UnitOfWork], Awaitable[object]]]] = [
        (UnknownRow, lambda work: work.meetings.add(meeting_row(missing, worker))),
        (UnknownRow, lambda work: work.meetings.add(meeting_row(client_id, missing))),
        (UnknownRow, lambda work: work.meetings.add(meeting_row(client_id, worker, follows=missing))),
        (ValueError, lambda work: work.meetings.add(meeting_row(client_id, worker, status="postponed"))),
        (ValueError, lambda work: work.meetings.add(meeting_row(client_id, worker, place_kind="phone"))),
        (ValueError, lambda work: work.meetings.add(meeting_row(client_id, worker, ended_on=T0))),
        (UnknownRow, lambda work: work.meetings.save(replace(meeting, client_id=missing))),
        (UnknownRow, lambda work: work.meetings.save(replace(meeting, created_by=missing))),
        (UnknownRow, lambda work: work.meetings.save(replace(meeting, follows=missing))),
        (UnknownRow, lambda work: work.meetings.save(replace(meeting, id=missing))),
        (ValueError, lambda work: work.meetings.save(replace(meeting, id=None))),
        (ValueError, lambda work: work.meetings.save(replace(meeting, status="done"))),
        (ValueError, lambda work: work.meetings.save(replace(meeting, place_kind="Home"))),
        (ValueError, lambda work: work.meetings.save(replace(meeting, ended_on=T0))),
        (UnknownRow, lambda work: work.meetings.add_participant(participant_row(missing))),
        (UnknownRow, lambda work: work.meetings.add_participant(participant_row(meeting_id, staff_id=missing))),
        (UnknownUser, lambda work: work.meetings.add_participant(participant_row(meeting_id, user_key="ghost"))),
        # user references are reported first, in both backends
        (UnknownUser, lambda work: work.meetings.add_participant(participant_row(missing, user_key="ghost"))),
        (ValueError, lambda work: work.meetings.add_participant(participant_row(meeting_id, role="parent"))),
        (UnknownRow, lambda work: work.meetings.save_participant(replace(participant, meeting_id=missing))),
        (UnknownRow, lambda work: work.meetings.save_participant(replace(participant, staff_id=missing))),
        (UnknownUser, lambda work: work.meetings.save_participant(replace(participant, user_key="ghost"))),
        (UnknownRow, lambda work: work.meetings.save_participant(replace(participant, id=missing))),
        (ValueError, lambda work: work.meetings.save_participant(replace(participant, id=None))),
        (ValueError, lambda work: work.meetings.save_participant(replace(participant, role="boss"))),
        (UnknownRow, lambda work: work.meetings.add_promise(promise_row(missing, person))),
        (UnknownRow, lambda work: work.meetings.add_promise(promise_row(meeting_id, missing))),
        (ValueError, lambda work: work.meetings.add_promise(promise_row(meeting_id, person, status="late"))),
        (ValueError, lambda work: work.meetings.add_promise(promise_row(meeting_id, person, due=T0))),
        (UnknownRow, lambda work: work.meetings.save_promise(replace(promise, meeting_id=missing))),
        (UnknownRow, lambda work: work.meetings.save_promise(replace(promise, participant_id=missing))),
        (UnknownRow, lambda work: work.meetings.save_promise(replace(promise, id=missing))),
        (ValueError, lambda work: work.meetings.save_promise(replace(promise, id=None))),
        (ValueError, lambda work: work.meetings.save_promise(replace(promise, status="cancelled"))),
        (ValueError, lambda work: work.meetings.save_promise(replace(promise, due=T0))),
    ]
    for error, attempt in refused:
        with pytest.raises(error):
            async with store.transaction() as work:
                await attempt(work)
    async with store.transaction() as work:
        assert await work.meetings.for_client(client_id) == [meeting]
        assert await work.meetings.participants(meeting_id) == [participant]
        assert await work.meetings.promises(meeting_id) == [promise]
        # and every value the CHECKs allow is accepted
        for kind in ("home", "school", "office", "outdoors", "online", "hybrid"):
            for status in ("planned", "held", "cancelled"):
                await work.meetings.save(replace(meeting, place_kind=kind, status=status, follows=meeting_id))
        for role in ("client", "worker", "other"):
            await work.meetings.save_participant(replace(participant, role=role, user_key="u1", staff_id=worker))
        for status in ("open", "done", "help"):
            await work.meetings.save_promise(replace(promise, status=status))


async def test_naive_times_are_refused_by_the_meeting_repositories(store: Store) -> None:
    naive = datetime(2026, 11, 20, 10, 0)
    worker, client_id, meeting_id = await seed_meeting(store)
    async with store.transaction() as work:
        person = await work.meetings.add_participant(participant_row(meeting_id))
        promise_id = await work.meetings.add_promise(promise_row(meeting_id, person))
    attempts: list[Callable[[UnitOfWork], Awaitable[object]]] = [
        lambda work: work.meetings.add(meeting_row(client_id, worker, created_at=naive)),
        lambda work: work.meetings.add(meeting_row(client_id, worker, starts_at=naive)),
        lambda work: work.meetings.add(meeting_row(client_id, worker, next_at=naive)),
        lambda work: work.meetings.save(meeting_row(client_id, worker, starts_at=naive, id=meeting_id)),
        lambda work: work.meetings.save(meeting_row(client_id, worker, next_at=naive, id=meeting_id)),
        lambda work: work.meetings.add_promise(promise_row(meeting_id, person, created_at=naive)),
        lambda work: work.meetings.add_promise(promise_row(meeting_id, person, updated_at=naive)),
        lambda work: work.meetings.save_promise(promise_row(meeting_id, person, updated_at=naive, id=promise_id)),
    ]
    for attempt in attempts:
        with pytest.raises(ValueError, match="naive"):
            async with store.transaction() as work:
                await attempt(work)


async def test_deleting_a_client_removes_their_meetings_participants_and_promises(store: Store) -> None:
    await seed_users(store, "u1")
    [worker] = await seed_staff(store, "Aino")
    gone = await seed_client(store, "Kettu", worker)
    kept = await seed_client(store, "Susi", worker)
    meetings: dict[int, list[int]] = {}
    async with store.transaction() as work:
        for client_id in (gone, kept):
            first = await work.meetings.add(meeting_row(client_id, worker))
            follow_up = await work.meetings.add(meeting_row(client_id, worker, follows=first))
            meetings[client_id] = [first, follow_up]
            for meeting_id in (first, follow_up):
                person = await work.meetings.add_participant(participant_row(meeting_id, user_key="u1"))
                await work.meetings.add_participant(participant_row(meeting_id, "Aino", "worker", staff_id=worker))
                await work.meetings.add_promise(promise_row(meeting_id, person))
    async with store.transaction() as work:
        await work.clients.delete(gone)
    async with store.transaction() as work:
        assert await work.meetings.for_client(gone) == []
        for meeting_id in meetings[gone]:
            assert await work.meetings.get(meeting_id) is None
            assert await work.meetings.participants(meeting_id) == []
            assert await work.meetings.promises(meeting_id) == []
        assert [row.id for row in await work.meetings.for_client(kept)] == meetings[kept]
        assert (await work.meetings.get(meetings[kept][1]) or meeting_row(0, 0)).follows == meetings[kept][0]
        for meeting_id in meetings[kept]:
            assert len(await work.meetings.participants(meeting_id)) == 2
            assert len(await work.meetings.promises(meeting_id)) == 1
        assert await work.users.get("u1") == user("u1")
        assert [row.id for row in await work.staff.all()] == [worker]


async def test_deleting_a_user_unlinks_their_participations_and_keeps_the_record(store: Store) -> None:
    await seed_users(store, "u1", "u2")
    worker, _, meeting_id = await seed_meeting(store)
    async with store.transaction() as work:
        mine = await work.meetings.add_participant(participant_row(meeting_id, "Kettu", "client", user_key="u1"))
        theirs = await work.meetings.add_participant(participant_row(meeting_id, "Aino", "worker", user_key="u2",
                                                                     staff_id=worker))
        promise_id = await work.meetings.add_promise(promise_row(meeting_id, mine))
    async with store.transaction() as work:
        await work.users.delete("u1")
    async with store.transaction() as work:
        assert await work.meetings.participants(meeting_id) == [
            replace(participant_row(meeting_id, "Kettu", "client"), id=mine),
            replace(participant_row(meeting_id, "Aino", "worker", user_key="u2", staff_id=worker), id=theirs),
        ]
        assert await work.meetings.promise(promise_id) == replace(promise_row(meeting_id, mine), id=promise_id)


async def test_removing_a_meeting_participant_or_worker_follows_the_schema(store: Store) -> None:
    """The port deletes none of these; both backends still keep the same ON DELETE rules."""
    [creator, helper] = await seed_staff(store, "Aino", "Bea")
    client_id = await seed_client(store, "Kettu", creator, helper)
    async with store.transaction() as work:
        first = await work.meetings.add(meeting_row(client_id, creator))
        follow_up = await work.meetings.add(meeting_row(client_id, creator, follows=first))
        gone_person = await work.meetings.add_participant(participant_row(first))
        await work.meetings.add_promise(promise_row(first, gone_person))
        person = await work.meetings.add_participant(participant_row(follow_up, "Mummo"))
        helping = await work.meetings.add_participant(participant_row(follow_up, "Bea", "worker", staff_id=helper))
        leaving = await work.meetings.add_promise(promise_row(follow_up, person))
        staying = await work.meetings.add_promise(promise_row(follow_up, helping))
    await delete_row(store, "meetings", first)
    async with store.transaction() as work:
        assert await work.meetings.get(first) is None
        assert await work.meetings.participants(first) == []
        assert await work.meetings.promises(first) == []
        assert await work.meetings.get(follow_up) == replace(meeting_row(client_id, creator), id=follow_up)
    await delete_row(store, "participants", person)
    async with store.transaction() as work:
        assert [row.id for row in await work.meetings.participants(follow_up)] == [helping]
        assert await work.meetings.promise(leaving) is None
        assert [row.id for row in await work.meetings.promises(follow_up)] == [staying]
    await delete_row(store, "staff", helper)
    async with store.transaction() as work:
        assert await work.meetings.participants(follow_up) == [
            replace(participant_row(follow_up, "Bea", "worker"), id=helping)], "stays in the record, by name"
        assert [row.id for row in await work.meetings.promises(follow_up)] == [staying]
    with pytest.raises((Conflict, sqlite3.IntegrityError, psycopg.IntegrityError)):
        await delete_row(store, "staff", creator)  # who set up a meeting stays on record
    async with store.transaction() as work:
        assert (await work.meetings.get(follow_up) or meeting_row(0, 0)).created_by == creator


async def test_meeting_writes_are_rolled_back_together(store: Store) -> None:
    await seed_users(store, "u1")
    worker, client_id, meeting_id = await seed_meeting(store)
    async with store.transaction() as work:
        person = await work.meetings.add_participant(participant_row(meeting_id))
        promise_id = await work.meetings.add_promise(promise_row(meeting_id, person))
    before = (replace(meeting_row(client_id, worker), id=meeting_id), replace(participant_row(meeting_id), id=person),
              replace(promise_row(meeting_id, person), id=promise_id))
    with pytest.raises(Boom):
        async with store.transaction() as work:
            other = await work.meetings.add(meeting_row(client_id, worker, starts_at=T0))
            await work.meetings.save(replace(before[0], status="held", ended_on=FRIDAY, follows=other))
            newcomer = await work.meetings.add_participant(participant_row(meeting_id, "Kettu", "client"))
            await work.meetings.save_participant(replace(before[1], user_key="u1", reachable=False))
            await work.meetings.add_promise(promise_row(meeting_id, newcomer))
            await work.meetings.save_promise(replace(before[2], status="done", updated_at=T0))
            assert len(await work.meetings.for_client(client_id)) == 2, "own writes are visible"
            assert len(await work.meetings.promises(meeting_id)) == 2
            raise Boom
    async with store.transaction() as work:
        assert await work.meetings.for_client(client_id) == [before[0]]
        assert await work.meetings.participants(meeting_id) == [before[1]]
        assert await work.meetings.promises(meeting_id) == [before[2]]
        assert await work.meetings.get(meeting_id + 1) is None


# --- ESY groups (#12 §5) ---------------------------------------------------------------------------


def group_row(name: str = "Tiistairyhmä", created_by: int = 1, code_hash: str = "g1") -> GroupRow:
    return GroupRow(name=name, starts_on=date(2026, 12, 1), ends_on=date(2027, 3, 31), created_by=created_by,
                    created_at=T0, code_hash=code_hash, code_salt="salt-" + code_hash)


async def seed_group(store: Store, *members: str) -> tuple[int, int, int]:
    """A worker's group with ``members`` joined (their users seeded): (staff id, group id, round id)."""
    await seed_users(store, *members)
    async with store.transaction() as work:
        worker = await work.staff.add(staff_row())
        group = await work.groups.add(group_row(created_by=worker))
        for key in members:
            assert await work.groups.join(MemberRow(group, key, T0))
        first = await work.groups.add_round(RoundRow(group, worker, T0))
    return worker, group, first


async def test_groups_round_trip_are_found_by_code_and_listed_per_worker(store: Store) -> None:
    worker, group, _ = await seed_group(store)
    async with store.transaction() as work:
        other = await work.staff.add(staff_row("Bea"))
        later = await work.groups.add(replace(group_row("B", worker, "g2"), created_at=T0 + timedelta(days=1)))
        theirs = await work.groups.add(group_row("C", other, "g3"))
        stored = await work.groups.get(group)
        assert stored == replace(group_row(created_by=worker), id=group)
        stored.name, stored.ends_on, stored.closed_at = "Uusi", date(2027, 4, 1), T0
        stored.code_hash, stored.created_by = "changed", other  # never rewritten by save
        await work.groups.save(stored)
    async with store.transaction() as work:
        saved = await work.groups.get(group)
        assert saved == replace(group_row(created_by=worker), id=group, name="Uusi", ends_on=date(2027, 4, 1),
                                closed_at=T0)
        assert await work.groups.by_code("g1") == saved
        assert await work.groups.by_code("nope") is None
        assert [row.id for row in await work.groups.for_staff(worker)] == [group, later]
        assert [row.id for row in await work.groups.for_staff(other)] == [theirs]
        assert await work.groups.get(theirs + 1) is None
        with pytest.raises(Conflict):
            await work.groups.add(group_row("D", worker, "g2"))
        with pytest.raises(UnknownRow):
            await work.groups.add(group_row("E", 999, "g9"))
        with pytest.raises(UnknownRow):
            await work.groups.save(replace(saved, id=999))


async def test_joining_twice_keeps_one_membership_and_leaving_takes_the_answers_of_that_group(store: Store) -> None:
    worker, group, first = await seed_group(store, "u1", "u2")
    async with store.transaction() as work:
        assert not await work.groups.join(MemberRow(group, "u1", T0 + timedelta(days=2)))
        other = await work.groups.add(group_row("B", worker, "g2"))
        await work.groups.join(MemberRow(other, "u1", T0 + timedelta(days=1)))
        elsewhere = await work.groups.add_round(RoundRow(other, worker, T0, "health"))
        for key in ("u1", "u2"):
            mine = await work.assessments.add(assessment(key))
            await work.groups.answer(AnswerRow(first, key, mine, T0))
        kept = await work.assessments.add(assessment("u1"))
        await work.groups.answer(AnswerRow(elsewhere, "u1", kept, T0))
        with pytest.raises(UnknownUser):
            await work.groups.join(MemberRow(group, "nobody", T0))
        with pytest.raises(UnknownRow):
            await work.groups.join(MemberRow(999, "u1", T0))
    async with store.transaction() as work:
        assert await work.groups.members(group) == [MemberRow(group, "u1", T0), MemberRow(group, "u2", T0)]
        assert [row.group_id for row in await work.groups.memberships("u1")] == [group, other]
        assert await work.groups.leave(group, "u1")
        assert not await work.groups.leave(group, "u1")
    async with store.transaction() as work:
        assert [row.user_key for row in await work.groups.members(group)] == ["u2"]
        assert [row.user_key for row in await work.groups.answers(first)] == ["u2"]
        assert await work.groups.answers(elsewhere) == [AnswerRow(elsewhere, "u1", kept, T0)]
        assert [row.round_id for row in await work.groups.answers_of("u1")] == [elsewhere]
        assert await work.groups.members_by_group() == {group: ["u2"], other: ["u1"]}


async def test_a_later_answer_replaces_the_earlier_and_rounds_are_listed_oldest_first(store: Store) -> None:
    worker, group, first = await seed_group(store, "u1")
    async with store.transaction() as work:
        second = await work.groups.add_round(RoundRow(group, worker, T0 + timedelta(days=90), "health"))
        earlier = await work.assessments.add(assessment("u1"))
        later = await work.assessments.add(assessment("u1", completed_at=T0 + timedelta(hours=1)))
        await work.groups.answer(AnswerRow(first, "u1", earlier, T0))
        await work.groups.answer(AnswerRow(first, "u1", later, T0 + timedelta(hours=1)))
        with pytest.raises(UnknownRow):
            await work.groups.answer(AnswerRow(first, "u1", 999, T0))
        with pytest.raises(UnknownRow):
            await work.groups.add_round(RoundRow(999, worker, T0))
    async with store.transaction() as work:
        assert await work.groups.answers(first) == [AnswerRow(first, "u1", later, T0 + timedelta(hours=1))]
        assert await work.groups.rounds(group) == [RoundRow(group, worker, T0, None, first),
                                                   RoundRow(group, worker, T0 + timedelta(days=90), "health", second)]
        assert await work.groups.round(second) == RoundRow(group, worker, T0 + timedelta(days=90), "health", second)
        assert await work.groups.round(second + 1) is None


async def test_deleting_a_person_or_their_circles_leaves_nothing_of_theirs_counted(store: Store) -> None:
    _, group, first = await seed_group(store, "u1", "u2", "u3")
    async with store.transaction() as work:
        for key in ("u1", "u2", "u3"):
            await work.groups.answer(AnswerRow(first, key, await work.assessments.add(assessment(key)), T0))
    async with store.transaction() as work:
        await work.users.delete("u1")  # /forget, the anonymous retention
        await work.assessments.delete_for_user("u2")  # consent (c) withdrawn
    async with store.transaction() as work:
        assert [row.user_key for row in await work.groups.answers(first)] == ["u3"]
        assert [row.user_key for row in await work.groups.members(group)] == ["u2", "u3"]
        assert await work.groups.memberships("u1") == []
        assert await work.groups.answers_of("u1") == []
        assert await work.groups.members_by_group() == {group: ["u2", "u3"]}


# --- ESY readings (#12 §1): a worker's reading of a client, and the comparison's comment lines --------------


def reading_row(client_id: int, staff_id: int, at: datetime = T0, saw: bool = False) -> ReadingRow:
    return ReadingRow(client_id, staff_id, "kaari-esy-default", 2, at, {"rhythm.sleep": 4, "home.own": None},
                      {"rhythm": 4.0, "home": None}, saw)


async def seed_reading_world(store: Store) -> tuple[int, int, int, int]:
    """A worker, a linked client with one circle, and a second client: (worker, client, circle, other client)."""
    [worker] = await seed_staff(store, "Aino")
    client_id = await seed_client(store, "Kettu", worker)
    other = await seed_client(store, "Susi", worker)
    async with store.transaction() as work:
        await work.users.save(user("young"))
        circle = await work.assessments.add(AssessmentRow("young", "kaari-esy-default", 2, T0, {}, {}, {}))
    return worker, client_id, circle, other


async def test_a_reading_round_trips_and_lists_a_clients_readings_oldest_first(store: Store) -> None:
    worker, client_id, _, other = await seed_reading_world(store)
    later = reading_row(client_id, worker, T0 + timedelta(days=2), saw=True)
    async with store.transaction() as work:
        second = await work.readings.add(later)
        first = await work.readings.add(reading_row(client_id, worker))
        await work.readings.add(reading_row(other, worker))
    async with store.transaction() as work:
        assert await work.readings.get(second) == replace(later, id=second)
        assert [row.id for row in await work.readings.for_client(client_id)] == [first, second]
        loaded = await work.readings.get(first)
        assert loaded is not None and loaded.saw_circle is False and loaded.area_scores == {"rhythm": 4.0, "home": None}
        assert await work.readings.get(second + 100) is None
    with pytest.raises(UnknownRow):
        async with store.transaction() as work:
            await work.readings.add(reading_row(client_id + 100, worker))


async def test_a_comment_is_one_line_per_area_side_and_circle_and_the_latest_wins(store: Store) -> None:
    worker, client_id, circle, _ = await seed_reading_world(store)
    async with store.transaction() as work:
        reading = await work.readings.add(reading_row(client_id, worker))
        await work.readings.comment(ReadingCommentRow(reading, circle, "rhythm", "worker", "Nukut vähän?", T0))
        await work.readings.comment(ReadingCommentRow(reading, circle, "rhythm", "client", "Ennen", T0))
        await work.readings.comment(ReadingCommentRow(reading, circle, "rhythm", "client", "Nyt paremmin 😴",
                                                      T0 + timedelta(hours=1)))
    async with store.transaction() as work:
        assert await work.readings.comments(reading) == [
            ReadingCommentRow(reading, circle, "rhythm", "client", "Nyt paremmin 😴", T0 + timedelta(hours=1)),
            ReadingCommentRow(reading, circle, "rhythm", "worker", "Nukut vähän?", T0)]
    with pytest.raises(ValueError):
        async with store.transaction() as work:
            await work.readings.comment(ReadingCommentRow(reading, circle, "rhythm", "judge", "x", T0))
    with pytest.raises(UnknownRow):
        async with store.transaction() as work:
            await work.readings.comment(ReadingCommentRow(reading, circle + 100, "rhythm", "client", "x", T0))


async def test_readings_go_with_the_client_and_comments_with_the_reading_or_the_circle(store: Store) -> None:
    worker, client_id, circle, other = await seed_reading_world(store)
    async with store.transaction() as work:
        reading = await work.readings.add(reading_row(client_id, worker))
        await work.readings.add(reading_row(client_id, worker))
        kept = await work.readings.add(reading_row(other, worker))
        await work.readings.comment(ReadingCommentRow(kept, circle, "home", "worker", "x", T0))
        await work.readings.comment(ReadingCommentRow(reading, circle, "home", "worker", "x", T0))
    async with store.transaction() as work:
        assert await work.readings.delete_for_client(client_id) == 2
        assert await work.readings.delete_for_client(client_id) == 0
        assert await work.readings.comments(reading) == []
        assert len(await work.readings.comments(kept)) == 1, "another client's stay"
        await work.assessments.delete_for_user("young")
        assert await work.readings.comments(kept) == [], "a comment goes with the circle it was about"
        await work.clients.delete(other)
        assert await work.readings.get(kept) is None, "a reading goes with the client"


# --- effect records (#12 §6): de-identified, kept after a deletion ----------------------------------------


def effect_record(record_id: str, first: str = "2026-01", latest: str = "2026-05") -> EffectRecordRow:
    return EffectRecordRow(record_id, "esy", first, latest, {"health": 2.5, "learning": None},
                           {"health": 3.25, "learning": 2.0}, {"health": ["ohjaamo"]}, ["Woimala"])


async def test_effect_records_round_trip_and_are_read_by_months_and_id(store: Store) -> None:
    async with store.transaction() as work:
        await work.effect_records.add(effect_record("c3"))
        await work.effect_records.add(effect_record("a1", "2025-12", "2026-03"))  # starts before the period
        await work.effect_records.add(effect_record("b2", "2026-02", "2026-06"))  # ends at its last month
        await work.effect_records.add(effect_record("d4", "2026-03", "2026-07"))  # ends after it
    async with store.transaction() as work:
        found = await work.effect_records.within("2026-01", "2026-06")
        assert await work.effect_records.within("2027-01", "2027-12") == []
    assert found == [effect_record("b2", "2026-02", "2026-06"), effect_record("c3")]


async def test_an_effect_record_id_is_not_written_twice(store: Store) -> None:
    async with store.transaction() as work:
        await work.effect_records.add(effect_record("a1"))
    with pytest.raises(Conflict):
        async with store.transaction() as work:
            await work.effect_records.add(effect_record("a1", "2026-02"))
    async with store.transaction() as work:
        assert await work.effect_records.within("2000-01", "2100-12") == [effect_record("a1")]


async def test_effect_records_outlive_the_people_they_came_from(store: Store) -> None:
    """No reference to users or clients: deleting everyone leaves the records (that is what was agreed to)."""
    await seed_users(store, "u1")
    async with store.transaction() as work:
        await work.effect_records.add(effect_record("a1"))
        await work.users.delete("u1")
    async with store.transaction() as work:
        assert await work.effect_records.within("2026-01", "2026-12") == [effect_record("a1")]


# --- the desk in a browser (#13): one-time login links and sessions -----------------------------------


async def add_worker(store: Store) -> int:
    async with store.transaction() as work:
        return await work.staff.add(staff_row())


async def test_a_desk_login_link_is_spent_once_and_only_before_it_expires(store: Store) -> None:
    staff_id = await add_worker(store)
    expires = T0 + timedelta(minutes=10)
    async with store.transaction() as work:
        await work.desk_logins.add(DeskLoginRow("h-once", staff_id, T0, expires))
        await work.desk_logins.add(DeskLoginRow("h-late", staff_id, T0, expires))
    async with store.transaction() as work:
        assert await work.desk_logins.find("h-once") == DeskLoginRow("h-once", staff_id, T0, expires, None, 1)
        spent = await work.desk_logins.spend("h-once", T0 + timedelta(minutes=1))
        assert spent == DeskLoginRow("h-once", staff_id, T0, expires, T0 + timedelta(minutes=1), 1)
    async with store.transaction() as work:
        assert await work.desk_logins.spend("h-once", T0 + timedelta(minutes=2)) is None, "a link works once"
        assert await work.desk_logins.spend("h-late", expires) is None, "expired at its expiry time"
        assert await work.desk_logins.spend("unknown", T0) is None
        found = await work.desk_logins.find("h-once")
        assert found is not None and found.used_at == T0 + timedelta(minutes=1)


async def test_a_spent_desk_link_is_not_spent_when_the_transaction_fails(store: Store) -> None:
    staff_id = await add_worker(store)
    async with store.transaction() as work:
        await work.desk_logins.add(DeskLoginRow("h1", staff_id, T0, T0 + timedelta(minutes=10)))
    with pytest.raises(Boom):
        async with store.transaction() as work:
            assert await work.desk_logins.spend("h1", T0) is not None
            raise Boom
    async with store.transaction() as work:
        assert await work.desk_logins.spend("h1", T0) is not None


async def test_desk_link_hashes_are_unique_and_expired_links_are_purged(store: Store) -> None:
    staff_id = await add_worker(store)
    async with store.transaction() as work:
        await work.desk_logins.add(DeskLoginRow("old", staff_id, T0, T0 + timedelta(minutes=10)))
        await work.desk_logins.add(DeskLoginRow("new", staff_id, T0, T0 + timedelta(hours=1)))
    with pytest.raises(Conflict):
        async with store.transaction() as work:
            await work.desk_logins.add(DeskLoginRow("old", staff_id, T0, T0 + timedelta(minutes=10)))
    with pytest.raises(UnknownRow):
        async with store.transaction() as work:
            await work.desk_logins.add(DeskLoginRow("x", staff_id + 99, T0, T0 + timedelta(minutes=10)))
    async with store.transaction() as work:
        assert await work.desk_logins.purge(T0 + timedelta(minutes=30)) == 1
    async with store.transaction() as work:
        assert await work.desk_logins.find("old") is None and await work.desk_logins.find("new") is not None


async def test_desk_sessions_are_found_by_hash_touched_ended_and_purged(store: Store) -> None:
    staff_id = await add_worker(store)
    async with store.transaction() as work:
        first = await work.desk_sessions.add(DeskSessionRow("s1", staff_id, "csrf1", T0, T0))
        second = await work.desk_sessions.add(DeskSessionRow("s2", staff_id, "csrf2", T0, T0))
        await work.desk_sessions.add(DeskSessionRow("s3", staff_id, "csrf3", T0 - timedelta(hours=13), T0))
    async with store.transaction() as work:
        assert await work.desk_sessions.get("s1") == DeskSessionRow("s1", staff_id, "csrf1", T0, T0, first)
        assert await work.desk_sessions.get("nope") is None
        await work.desk_sessions.touch(second, T0 + timedelta(minutes=20))
        await work.desk_sessions.end(first)
    async with store.transaction() as work:
        assert await work.desk_sessions.get("s1") is None
        touched = await work.desk_sessions.get("s2")
        assert touched is not None and touched.seen_at == T0 + timedelta(minutes=20)
        # Idle since before T0 + 10 min, or opened more than 12 hours before T0 + 10 min.
        assert await work.desk_sessions.purge(T0 + timedelta(minutes=10), T0 - timedelta(hours=12)) == 1
    async with store.transaction() as work:
        assert await work.desk_sessions.get("s2") is not None and await work.desk_sessions.get("s3") is None
    with pytest.raises(Conflict):
        async with store.transaction() as work:
            await work.desk_sessions.add(DeskSessionRow("s2", staff_id, "other", T0, T0))


# --- the memory fake and the schema ------------------------------------------------------------------


async def test_memory_fake_keeps_the_foreign_keys_of_the_migrations(sqlite_store: SqliteStore) -> None:
    """Every table, reference and ON DELETE rule of the SQL schema is emulated by storage.memory."""
    with closing(sqlite3.connect(sqlite_store.path)) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        tables -= {"schema_migrations", "sqlite_sequence"}
        references = {
            (table, row[3], row[2], row[6].lower())
            for table in tables for row in db.execute(f"PRAGMA foreign_key_list({table})")
        }
    assert tables | {"sequences"} == set(MEMORY_TABLES)
    assert references == set(MEMORY_REFERENCES)


async def test_sqlite_migration_0003_applies_to_a_database_at_0002(tmp_path: Path) -> None:
    path = tmp_path / "at-0002.sqlite3"
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("CREATE TABLE schema_migrations (number INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        for number, name, sql in migration_files():
            if number <= 2:
                for statement in split_statements(sql):
                    db.execute(statement)
                db.execute("INSERT INTO schema_migrations (number, name) VALUES (?, ?)", (number, name))
        db.execute("INSERT INTO users (key, language, created_at, last_seen_at) VALUES (?, ?, ?, ?)",
                   ("u1", "fi", dump_time(T0), dump_time(T0)))
        db.execute("INSERT INTO staff (name, title, organisation, is_coordinator, is_worker, created_at) "
                   "VALUES ('Aino', 'ohjaaja', 'Org A', 0, 1, ?)", (dump_time(T0),))
        db.execute("INSERT INTO contacts (user_key, sealed_chat, updated_at) VALUES ('u1', 'sealed', ?)",
                   (dump_time(T0),))
    store = SqliteStore(path)
    try:
        await store.migrate()
        async with store.transaction() as work:
            assert await work.users.get("u1") == user("u1")
            [worker] = await work.staff.all()
            assert worker == replace(staff_row(), id=worker.id)
            assert await work.contacts.keys() == ["u1"]
            assert worker.id is not None
            shift = await work.shifts.get_or_add(shift_row())
            assert shift.id is not None
            chat_id = await work.chats.add(chat_row(status="open", staff_id=worker.id, shift_id=shift.id))
            await work.chats.add_message(message_row(chat_id))
            await work.shifts.set_duty(DutyRow(shift.id, worker.id, True, T0))
            await work.schedules.add_rota(RotaRow("sekasin", "fri 12:00", worker.id))
            await work.schedules.add_closing(ClosingRow("sekasin", date(2026, 12, 24), True))
            client_id = await work.clients.add(client_row(created_by=worker.id))
            meeting_id = await work.meetings.add(meeting_row(client_id, worker.id, ended_on=FRIDAY))
            person = await work.meetings.add_participant(participant_row(meeting_id, "Kettu", "client", user_key="u1"))
            promise_id = await work.meetings.add_promise(promise_row(meeting_id, person))
        async with store.transaction() as work:
            assert (await work.chats.active_for_user("u1") or chat_row()).id == chat_id
            assert (await work.meetings.promise(promise_id) or promise_row(0, 0)).due == FRIDAY
            await work.users.delete("u1")
        async with store.transaction() as work:
            assert (await work.chats.get(chat_id) or chat_row()).user_key is None
            assert [row.user_key for row in await work.meetings.participants(meeting_id)] == [None]
            await work.clients.delete(client_id)
        async with store.transaction() as work:
            assert await work.meetings.get(meeting_id) is None
            assert await work.meetings.promise(promise_id) is None
    finally:
        await store.close()
    with closing(sqlite3.connect(path)) as db:
        applied = [row[0] for row in db.execute("SELECT number FROM schema_migrations ORDER BY number")]
    assert applied == [number for number, _, _ in migration_files()]
    assert {3, 6} <= set(applied)


async def test_sqlite_migration_0013_drops_the_english_default_title(tmp_path: Path) -> None:
    """Rows written with `add-coordinator`'s old default "coordinator" get no title of their own (the role's
    name is then shown in each reader's language); own titles stay; nobody is an expert by experience yet."""
    path = tmp_path / "at-0012.sqlite3"
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("CREATE TABLE schema_migrations (number INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        for number, name, sql in migration_files():
            if number <= 12:
                for statement in split_statements(sql):
                    db.execute(statement)
                db.execute("INSERT INTO schema_migrations (number, name) VALUES (?, ?)", (number, name))
        for name, title in (("Kaisa", "coordinator"), ("Aino", "sosiaaliohjaaja")):
            db.execute("INSERT INTO staff (name, title, organisation, is_coordinator, is_worker, created_at) "
                       "VALUES (?, ?, 'Org A', 1, 1, ?)", (name, title, dump_time(T0)))
        db.execute("INSERT INTO clients (nickname, created_by, created_at) VALUES ('Kettu', 1, ?)", (dump_time(T0),))
        db.execute("INSERT INTO meetings (client_id, created_by, created_at, starts_at, place_kind, place, status) "
                   "VALUES (1, 1, ?, ?, 'office', 'Kaari', 'planned')", (dump_time(T0), dump_time(T0)))
        db.execute("INSERT INTO participants (meeting_id, name, role, relation, language, staff_id) "
                   "VALUES (1, 'Kaisa', 'worker', 'coordinator', 'fi', 1)")
    store = SqliteStore(path)
    try:
        await store.migrate()
        async with store.transaction() as work:
            assert [(row.name, row.title, row.expert) for row in await work.staff.all()] == [
                ("Kaisa", "", False), ("Aino", "sosiaaliohjaaja", False)]
            assert [person.relation for person in await work.meetings.participants(1)] == [""]
    finally:
        await store.close()


async def test_a_receipt_is_taken_once_and_purged_by_age(store: Store) -> None:
    async with store.transaction() as work:
        assert await work.receipts.add(7, T0) is True
        assert await work.receipts.add(7, T0 + timedelta(seconds=1)) is False  # the same update again
        assert await work.receipts.add(8, T0 + timedelta(hours=2)) is True
    async with store.transaction() as work:
        assert await work.receipts.add(7, T0) is False  # it committed
        assert await work.receipts.purge(T0 + timedelta(hours=1)) == 1
        assert await work.receipts.add(7, T0) is True  # purged: a day-old update is never sent again anyway
        assert await work.receipts.add(8, T0) is False


async def test_a_receipt_rolls_back_with_its_transaction(store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with store.transaction() as work:
            await work.receipts.add(9, T0)
            raise RuntimeError("the handler failed")
    async with store.transaction() as work:
        assert await work.receipts.add(9, T0) is True  # not handled: it is handled when it comes again


async def test_a_heartbeat_is_overwritten_by_the_next_one_and_kept_per_loop(store: Store) -> None:
    async with store.transaction() as work:
        assert await work.heartbeats.last("ticker") is None  # it never ran
        await work.heartbeats.beat("ticker", T0)
        await work.heartbeats.beat("ticker", T0 + timedelta(seconds=30))
        await work.heartbeats.beat("other", T0)
    async with store.transaction() as work:
        beat = await work.heartbeats.last("ticker")
        assert beat == T0 + timedelta(seconds=30) and beat.tzinfo is not None
        assert await work.heartbeats.last("other") == T0
    with pytest.raises(RuntimeError):
        async with store.transaction() as work:
            await work.heartbeats.beat("ticker", T0 + timedelta(hours=1))
            raise RuntimeError("the round failed")
    async with store.transaction() as work:
        assert await work.heartbeats.last("ticker") == T0 + timedelta(seconds=30)


async def test_a_visit_says_who_a_key_is_their_roles_and_their_flow(store: Store) -> None:
    await seed_users(store, "u1", "u2", "u3", "u4")
    worker, client_id, meeting_id = await seed_meeting(store)
    async with store.transaction() as work:
        staff = await work.staff.get(worker)
        client = await work.clients.get(client_id)
        assert staff is not None and client is not None
        staff.user_key, client.user_key = "u1", "u2"
        await work.staff.save(staff)
        await work.clients.save(client)
        await work.meetings.add_participant(participant_row(meeting_id, "Sanna", user_key="u3"))
        await work.conversations.save(conversation("u4", data={"v": 1}))
    async with store.transaction() as work:
        roles = {key: await work.users.visit(key) for key in ("u1", "u2", "u3", "u4", "nobody")}
    assert {key: (v.staff, v.client, v.participant) for key, v in roles.items()} == {
        "u1": (True, False, False), "u2": (False, True, False), "u3": (False, False, True),
        "u4": (False, False, False), "nobody": (False, False, False)}
    # The person and where they are in a flow come with it, or nothing for a key never seen.
    assert roles["u4"].user == user("u4") and roles["u4"].conversation == conversation("u4", data={"v": 1})
    assert roles["u1"].user == user("u1") and roles["u1"].conversation is None
    assert roles["nobody"].user is None and roles["nobody"].conversation is None
