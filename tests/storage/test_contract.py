"""One contract for every storage backend: the memory fake and SQLite must behave the same.

Each contract test runs once per backend through the parametrized ``store`` fixture; the
SQLite-only tests at the bottom cover migrations, PRAGMAs, statement splitting and restarts.
"""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import pytest

from storage.ports import AssessmentRow, ConversationRow, Store, UnknownUser, UserRow
from storage.sqlite import SqliteStore, migration_files, split_statements

T0 = datetime(2026, 11, 20, 10, 0, 0, 123456, tzinfo=UTC)
HELSINKI_WINTER = timezone(timedelta(hours=2))


class Boom(Exception):
    """Raised inside a transaction to force a rollback."""


@pytest.fixture(params=["memory", "sqlite"])
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

    await asyncio.gather(bump("a"), bump("b"))
    async with store.transaction() as work:
        shared = await work.conversations.get("shared")
        for name in ("a", "b"):
            assert await work.users.get(name) == user(name)
            assert await work.conversations.get(name) == conversation(name, data={"owner": name})
    assert shared is not None
    assert shared.data["count"] == 2, "an update was lost"
    assert sorted(shared.data["by"]) == ["a", "b"]


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
