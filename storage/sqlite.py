"""The aiosqlite backend: one connection, WAL, foreign keys on, numbered SQL migrations."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import date, datetime, time
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from storage.codec import WEEKDAYS, dump_clock, dump_day, dump_json, dump_time, load_clock, load_json, load_time
from storage.ports import (
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
    DutyRow,
    EvaluationRow,
    InvitationRow,
    MeetingRow,
    OutboxRow,
    PairRow,
    ParticipantRow,
    PreparationRow,
    PromiseRow,
    RotaRow,
    ShareRow,
    ShiftRow,
    StaffRow,
    UnitOfWork,
    UnknownRow,
    UnknownUser,
    UserRow,
    WeeklyRow,
)

log = logging.getLogger(__name__)


def migration_files() -> list[tuple[int, str, str]]:
    """The numbered migrations shipped in ``storage/migrations``, in order: (number, name, sql)."""
    found = []
    for entry in resources.files("storage.migrations").iterdir():
        if entry.name.endswith(".sql"):
            number = int(entry.name.split("_", 1)[0])
            found.append((number, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def split_statements(sql: str) -> list[str]:
    """Split a migration into statements at each ``;`` that really ends one (not in a string or comment)."""
    statements, buffer = [], ""
    for char in sql:
        buffer += char
        if char == ";" and sqlite3.complete_statement(buffer):
            statement = "\n".join(
                line for line in buffer.strip().splitlines() if not line.lstrip().startswith("--")
            ).strip()
            if statement.strip(";").strip():
                statements.append(statement)
            buffer = ""
    rest = "\n".join(line for line in buffer.splitlines() if not line.lstrip().startswith("--")).strip()
    if rest:
        raise ValueError(f"unterminated SQL statement in migration: {rest[:60]!r}")
    return statements


@asynccontextmanager
async def _constraints(db: aiosqlite.Connection, *user_keys: str | None) -> AsyncIterator[None]:
    """Turn SQLite's constraint failures into the port's own errors (the memory fake raises the same).

    A failed foreign key does not say which one failed, so the user keys the row refers to are looked
    up: a missing user is ``UnknownUser``, any other missing row ``UnknownRow``.
    """
    try:
        yield
    except sqlite3.IntegrityError as error:
        message = str(error)
        if "UNIQUE" in message:
            raise Conflict(message) from error
        if "CHECK" in message:
            raise ValueError(message) from error
        if "FOREIGN KEY" not in message:
            raise
        for key in user_keys:
            if key is not None:
                async with db.execute("SELECT 1 FROM users WHERE key = ?", (key,)) as cursor:
                    if await cursor.fetchone() is None:
                        raise UnknownUser("row for an unknown user") from error
        raise UnknownRow("row refers to a missing row") from error


def _time(text: str | None) -> datetime | None:
    return None if text is None else load_time(text)


def _dump(value: datetime | None) -> str | None:
    return None if value is None else dump_time(value)


class _Repo:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def _one(self, sql: str, params: Sequence[Any]) -> aiosqlite.Row | None:
        async with self._db.execute(sql, params) as cursor:
            return await cursor.fetchone()

    async def _all(self, sql: str, params: Sequence[Any]) -> Iterable[aiosqlite.Row]:
        async with self._db.execute(sql, params) as cursor:
            return await cursor.fetchall()

    async def _insert(self, sql: str, params: Sequence[Any], *user_keys: str | None) -> int:
        async with _constraints(self._db, *user_keys):
            cursor = await self._db.execute(sql, params)
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    async def _update(self, sql: str, params: Sequence[Any], *user_keys: str | None) -> None:
        """Run an UPDATE of one row by id (the last parameter); a missing row is ``UnknownRow``."""
        if params[-1] is None:
            raise ValueError("cannot save a row without an id")
        async with _constraints(self._db, *user_keys):
            cursor = await self._db.execute(sql, params)
        if cursor.rowcount == 0:
            raise UnknownRow(f"no row {params[-1]} to save")


class _Users(_Repo):
    async def get(self, key: str) -> UserRow | None:
        row = await self._one("SELECT key, language, created_at, last_seen_at FROM users WHERE key = ?", (key,))
        if row is None:
            return None
        return UserRow(row[0], row[1], load_time(row[2]), load_time(row[3]))

    async def save(self, row: UserRow) -> None:
        await self._db.execute(
            "INSERT INTO users (key, language, created_at, last_seen_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET language = excluded.language, "
            "last_seen_at = excluded.last_seen_at",
            (row.key, row.language, dump_time(row.created_at), dump_time(row.last_seen_at)),
        )

    async def delete(self, key: str) -> None:
        await self._db.execute("DELETE FROM users WHERE key = ?", (key,))

    async def idle_since(self, before: datetime) -> list[str]:
        rows = await self._all(
            "SELECT key FROM users WHERE last_seen_at < ? ORDER BY last_seen_at, key", (dump_time(before),)
        )
        return [row[0] for row in rows]


class _Conversations(_Repo):
    async def get(self, key: str) -> ConversationRow | None:
        row = await self._one(
            "SELECT key, flow, state, flow_version, step, data, updated_at FROM conversations WHERE key = ?", (key,)
        )
        if row is None:
            return None
        return ConversationRow(row[0], row[1], row[2], row[3], row[4], load_json(row[5]), load_time(row[6]))

    async def save(self, row: ConversationRow) -> None:
        params = (row.key, row.flow, row.state, row.flow_version, row.step, dump_json(row.data),
                  dump_time(row.updated_at))
        async with _constraints(self._db, row.key):
            await self._db.execute(
                "INSERT INTO conversations (key, flow, state, flow_version, step, data, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET flow = excluded.flow, "
                "state = excluded.state, flow_version = excluded.flow_version, step = excluded.step, "
                "data = excluded.data, updated_at = excluded.updated_at",
                params,
            )

    async def delete(self, key: str) -> None:
        await self._db.execute("DELETE FROM conversations WHERE key = ?", (key,))


_ASSESSMENT_COLUMNS = (
    "id, user_key, instrument_id, instrument_version, completed_at, ratings, area_scores, wishes"
)


def _assessment(row: aiosqlite.Row) -> AssessmentRow:
    return AssessmentRow(
        id=row[0], user_key=row[1], instrument_id=row[2], instrument_version=row[3],
        completed_at=load_time(row[4]), ratings=load_json(row[5]), area_scores=load_json(row[6]),
        wishes=load_json(row[7]),
    )


class _Assessments(_Repo):
    async def add(self, row: AssessmentRow) -> int:
        return await self._insert(
            "INSERT INTO assessments (user_key, instrument_id, instrument_version, completed_at, "
            "ratings, area_scores, wishes) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (row.user_key, row.instrument_id, row.instrument_version, dump_time(row.completed_at),
             dump_json(row.ratings), dump_json(row.area_scores), dump_json(row.wishes)),
            row.user_key,
        )

    async def latest(self, user_key: str, instrument_id: str) -> AssessmentRow | None:
        row = await self._one(
            f"SELECT {_ASSESSMENT_COLUMNS} FROM assessments WHERE user_key = ? AND instrument_id = ? "
            "ORDER BY completed_at DESC, id DESC LIMIT 1",
            (user_key, instrument_id),
        )
        return _assessment(row) if row else None

    async def for_user(self, user_key: str) -> list[AssessmentRow]:
        rows = await self._all(
            f"SELECT {_ASSESSMENT_COLUMNS} FROM assessments WHERE user_key = ? ORDER BY completed_at, id",
            (user_key,),
        )
        return [_assessment(row) for row in rows]

    async def get(self, assessment_id: int) -> AssessmentRow | None:
        row = await self._one(f"SELECT {_ASSESSMENT_COLUMNS} FROM assessments WHERE id = ?", (assessment_id,))
        return _assessment(row) if row else None

    async def delete_for_user(self, user_key: str) -> int:
        cursor = await self._db.execute("DELETE FROM assessments WHERE user_key = ?", (user_key,))
        return cursor.rowcount


# --- identity, roles and consent (#3) ----------------------------------------------------------------

_STAFF_COLUMNS = "id, name, title, organisation, is_coordinator, is_worker, created_at, user_key, active"


def _staff(row: aiosqlite.Row) -> StaffRow:
    return StaffRow(
        id=row[0], name=row[1], title=row[2], organisation=row[3], is_coordinator=bool(row[4]),
        is_worker=bool(row[5]), created_at=load_time(row[6]), user_key=row[7], active=bool(row[8]),
    )


class _Staff(_Repo):
    async def add(self, row: StaffRow) -> int:
        return await self._insert(
            "INSERT INTO staff (name, title, organisation, is_coordinator, is_worker, created_at, user_key, "
            "active) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (row.name, row.title, row.organisation, int(row.is_coordinator), int(row.is_worker),
             dump_time(row.created_at), row.user_key, int(row.active)),
            row.user_key,
        )

    async def get(self, staff_id: int) -> StaffRow | None:
        row = await self._one(f"SELECT {_STAFF_COLUMNS} FROM staff WHERE id = ?", (staff_id,))
        return _staff(row) if row else None

    async def by_user(self, user_key: str) -> StaffRow | None:
        row = await self._one(f"SELECT {_STAFF_COLUMNS} FROM staff WHERE user_key = ?", (user_key,))
        return _staff(row) if row else None

    async def save(self, row: StaffRow) -> None:
        """Rewrite every field but id and created_at (set once, by add)."""
        await self._update(
            "UPDATE staff SET name = ?, title = ?, organisation = ?, is_coordinator = ?, is_worker = ?, "
            "user_key = ?, active = ? WHERE id = ?",
            (row.name, row.title, row.organisation, int(row.is_coordinator), int(row.is_worker), row.user_key,
             int(row.active), row.id),
            row.user_key,
        )

    async def all(self) -> list[StaffRow]:
        return [_staff(row) for row in await self._all(f"SELECT {_STAFF_COLUMNS} FROM staff ORDER BY id", ())]


_CLIENT_COLUMNS = "id, nickname, created_by, created_at, user_key, linked_at, ended_at"


def _client(row: aiosqlite.Row) -> ClientRow:
    return ClientRow(
        id=row[0], nickname=row[1], created_by=row[2], created_at=load_time(row[3]), user_key=row[4],
        linked_at=_time(row[5]), ended_at=_time(row[6]),
    )


class _Clients(_Repo):
    async def add(self, row: ClientRow) -> int:
        return await self._insert(
            "INSERT INTO clients (nickname, created_by, created_at, user_key, linked_at, ended_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (row.nickname, row.created_by, dump_time(row.created_at), row.user_key, _dump(row.linked_at),
             _dump(row.ended_at)),
            row.user_key,
        )

    async def get(self, client_id: int) -> ClientRow | None:
        row = await self._one(f"SELECT {_CLIENT_COLUMNS} FROM clients WHERE id = ?", (client_id,))
        return _client(row) if row else None

    async def by_user(self, user_key: str) -> ClientRow | None:
        row = await self._one(f"SELECT {_CLIENT_COLUMNS} FROM clients WHERE user_key = ?", (user_key,))
        return _client(row) if row else None

    async def save(self, row: ClientRow) -> None:
        """Rewrite every field but id and created_at (set once, by add)."""
        await self._update(
            "UPDATE clients SET nickname = ?, created_by = ?, user_key = ?, linked_at = ?, ended_at = ? "
            "WHERE id = ?",
            (row.nickname, row.created_by, row.user_key, _dump(row.linked_at), _dump(row.ended_at), row.id),
            row.user_key,
        )

    async def delete(self, client_id: int) -> None:
        await self._db.execute("DELETE FROM clients WHERE id = ?", (client_id,))

    async def for_staff(self, staff_id: int) -> list[ClientRow]:
        rows = await self._all(
            "SELECT c.id, c.nickname, c.created_by, c.created_at, c.user_key, c.linked_at, c.ended_at "
            "FROM clients c JOIN pairs p ON p.client_id = c.id WHERE p.staff_id = ? "
            "ORDER BY c.nickname, c.id",
            (staff_id,),
        )
        return [_client(row) for row in rows]

    async def ended_before(self, before: datetime) -> list[int]:
        rows = await self._all(
            "SELECT id FROM clients WHERE ended_at IS NOT NULL AND ended_at < ? ORDER BY ended_at, id",
            (dump_time(before),),
        )
        return [int(row[0]) for row in rows]

    async def pairs(self, client_id: int) -> list[PairRow]:
        rows = await self._all(
            "SELECT client_id, staff_id, responsible FROM pairs WHERE client_id = ? ORDER BY staff_id", (client_id,)
        )
        return [PairRow(row[0], row[1], bool(row[2])) for row in rows]

    async def set_pair(self, row: PairRow) -> None:
        async with _constraints(self._db):
            await self._db.execute(
                "INSERT INTO pairs (client_id, staff_id, responsible) VALUES (?, ?, ?) "
                "ON CONFLICT (client_id, staff_id) DO UPDATE SET responsible = excluded.responsible",
                (row.client_id, row.staff_id, int(row.responsible)),
            )


_INVITATION_COLUMNS = (
    "id, code_hash, kind, created_by, created_at, expires_at, staff_id, client_id, used_at, revoked_at"
)


def _invitation(row: aiosqlite.Row) -> InvitationRow:
    return InvitationRow(
        id=row[0], code_hash=row[1], kind=row[2], created_by=row[3], created_at=load_time(row[4]),
        expires_at=load_time(row[5]), staff_id=row[6], client_id=row[7], used_at=_time(row[8]),
        revoked_at=_time(row[9]),
    )


class _Invitations(_Repo):
    async def add(self, row: InvitationRow) -> int:
        return await self._insert(
            "INSERT INTO invitations (code_hash, kind, created_by, created_at, expires_at, staff_id, client_id, "
            "used_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row.code_hash, row.kind, row.created_by, dump_time(row.created_at), dump_time(row.expires_at),
             row.staff_id, row.client_id, _dump(row.used_at), _dump(row.revoked_at)),
        )

    async def by_hash(self, code_hash: str) -> InvitationRow | None:
        row = await self._one(f"SELECT {_INVITATION_COLUMNS} FROM invitations WHERE code_hash = ?", (code_hash,))
        return _invitation(row) if row else None

    async def get(self, invitation_id: int) -> InvitationRow | None:
        row = await self._one(f"SELECT {_INVITATION_COLUMNS} FROM invitations WHERE id = ?", (invitation_id,))
        return _invitation(row) if row else None

    async def save(self, row: InvitationRow) -> None:
        """Rewrite every field but id and created_at (set once, by add)."""
        await self._update(
            "UPDATE invitations SET code_hash = ?, kind = ?, created_by = ?, expires_at = ?, staff_id = ?, "
            "client_id = ?, used_at = ?, revoked_at = ? WHERE id = ?",
            (row.code_hash, row.kind, row.created_by, dump_time(row.expires_at), row.staff_id, row.client_id,
             _dump(row.used_at), _dump(row.revoked_at), row.id),
        )

    async def for_client(self, client_id: int) -> list[InvitationRow]:
        rows = await self._all(
            f"SELECT {_INVITATION_COLUMNS} FROM invitations WHERE client_id = ? ORDER BY created_at, id",
            (client_id,),
        )
        return [_invitation(row) for row in rows]

    async def for_staff(self, staff_id: int) -> list[InvitationRow]:
        rows = await self._all(
            f"SELECT {_INVITATION_COLUMNS} FROM invitations WHERE staff_id = ? ORDER BY created_at, id",
            (staff_id,),
        )
        return [_invitation(row) for row in rows]


class _Consents(_Repo):
    async def add(self, row: ConsentRow) -> int:
        return await self._insert(
            "INSERT INTO consents (client_id, item, version, answer, at, channel) VALUES (?, ?, ?, ?, ?, ?)",
            (row.client_id, row.item, row.version, row.answer, dump_time(row.at), row.channel),
        )

    async def for_client(self, client_id: int) -> list[ConsentRow]:
        rows = await self._all(
            "SELECT id, client_id, item, version, answer, at, channel FROM consents WHERE client_id = ? "
            "ORDER BY at, id",
            (client_id,),
        )
        return [
            ConsentRow(id=row[0], client_id=row[1], item=row[2], version=row[3], answer=row[4],
                       at=load_time(row[5]), channel=row[6])
            for row in rows
        ]


def _audit(row: aiosqlite.Row) -> AuditRow:
    return AuditRow(id=row[0], at=load_time(row[1]), actor=row[2], action=row[3], subject=row[4])


class _Audit(_Repo):
    async def add(self, row: AuditRow) -> int:
        return await self._insert(
            "INSERT INTO audit_log (at, actor, action, subject) VALUES (?, ?, ?, ?)",
            (dump_time(row.at), row.actor, row.action, row.subject),
        )

    async def recent(self, limit: int) -> list[AuditRow]:
        if limit < 0:  # SQLite reads a negative LIMIT as "no limit"
            raise ValueError("limit must not be negative")
        rows = await self._all(
            "SELECT id, at, actor, action, subject FROM audit_log ORDER BY at DESC, id DESC LIMIT ?", (limit,)
        )
        return [_audit(row) for row in rows]

    async def about(self, subject: str) -> list[AuditRow]:
        rows = await self._all(
            "SELECT id, at, actor, action, subject FROM audit_log WHERE subject = ? ORDER BY at, id", (subject,)
        )
        return [_audit(row) for row in rows]

    async def relabel(self, actor: str, new_actor: str) -> int:
        cursor = await self._db.execute("UPDATE audit_log SET actor = ? WHERE actor = ?", (new_actor, actor))
        return cursor.rowcount

    async def purge(self, before: datetime) -> int:
        cursor = await self._db.execute("DELETE FROM audit_log WHERE at < ?", (dump_time(before),))
        return cursor.rowcount


class _CodeAttempts(_Repo):
    async def add(self, chat_key: str, at: datetime) -> None:
        await self._db.execute("INSERT INTO code_attempts (chat_key, at) VALUES (?, ?)", (chat_key, dump_time(at)))

    async def count_since(self, chat_key: str, since: datetime) -> int:
        row = await self._one(
            "SELECT COUNT(*) FROM code_attempts WHERE chat_key = ? AND at >= ?", (chat_key, dump_time(since))
        )
        assert row is not None
        return int(row[0])

    async def purge(self, before: datetime) -> int:
        cursor = await self._db.execute("DELETE FROM code_attempts WHERE at < ?", (dump_time(before),))
        return cursor.rowcount

    async def delete_for(self, chat_key: str) -> None:
        await self._db.execute("DELETE FROM code_attempts WHERE chat_key = ?", (chat_key,))


class _Shares(_Repo):
    async def add(self, row: ShareRow) -> None:
        async with _constraints(self._db):
            await self._db.execute(
                "INSERT INTO shares (assessment_id, client_id, shared_at) VALUES (?, ?, ?) "
                "ON CONFLICT (assessment_id, client_id) DO NOTHING",
                (row.assessment_id, row.client_id, dump_time(row.shared_at)),
            )

    async def for_client(self, client_id: int) -> list[ShareRow]:
        rows = await self._all(
            "SELECT assessment_id, client_id, shared_at FROM shares WHERE client_id = ? "
            "ORDER BY shared_at, assessment_id",
            (client_id,),
        )
        return [ShareRow(row[0], row[1], load_time(row[2])) for row in rows]


class _Preparations(_Repo):
    async def get(self, client_id: int) -> PreparationRow | None:
        row = await self._one(
            "SELECT client_id, data, version, updated_at, updated_by FROM preparations WHERE client_id = ?",
            (client_id,),
        )
        return PreparationRow(row[0], load_json(row[1]), row[2], load_time(row[3]), row[4]) if row else None

    async def save(self, row: PreparationRow) -> None:
        async with _constraints(self._db):
            await self._db.execute(
                "INSERT INTO preparations (client_id, data, version, updated_at, updated_by) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (client_id) DO UPDATE SET data = excluded.data, version = excluded.version, "
                "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                (row.client_id, dump_json(row.data), row.version, dump_time(row.updated_at), row.updated_by),
            )

    async def delete(self, client_id: int) -> None:
        await self._db.execute("DELETE FROM preparations WHERE client_id = ?", (client_id,))


# --- network meetings (#5) -----------------------------------------------------------------------------

_MEETING_COLUMNS = (
    "id, client_id, created_by, created_at, starts_at, place_kind, place, status, follows, next_at, ended_on"
)


def _day(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _dump_day(value: date | None) -> str | None:
    return None if value is None else dump_day(value)


def _meeting(row: aiosqlite.Row) -> MeetingRow:
    return MeetingRow(
        id=row[0], client_id=row[1], created_by=row[2], created_at=load_time(row[3]), starts_at=load_time(row[4]),
        place_kind=row[5], place=row[6], status=row[7], follows=row[8], next_at=_time(row[9]),
        ended_on=_day(row[10]),
    )


_PARTICIPANT_COLUMNS = (
    "id, meeting_id, name, role, relation, language, staff_id, user_key, reachable, join_hash, join_expires_at")


def _participant(row: aiosqlite.Row) -> ParticipantRow:
    return ParticipantRow(
        id=row[0], meeting_id=row[1], name=row[2], role=row[3], relation=row[4], language=row[5], staff_id=row[6],
        user_key=row[7], reachable=bool(row[8]), join_hash=row[9], join_expires_at=_time(row[10]),
    )


_PROMISE_COLUMNS = "id, meeting_id, participant_id, body, due, created_at, status, note, updated_at"


def _promise(row: aiosqlite.Row) -> PromiseRow:
    return PromiseRow(
        id=row[0], meeting_id=row[1], participant_id=row[2], text=row[3], due=date.fromisoformat(row[4]),
        created_at=load_time(row[5]), status=row[6], note=row[7], updated_at=_time(row[8]),
    )


class _Meetings(_Repo):
    async def add(self, row: MeetingRow) -> int:
        return await self._insert(
            "INSERT INTO meetings (client_id, created_by, created_at, starts_at, place_kind, place, status, follows, "
            "next_at, ended_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row.client_id, row.created_by, dump_time(row.created_at), dump_time(row.starts_at), row.place_kind,
             row.place, row.status, row.follows, _dump(row.next_at), _dump_day(row.ended_on)),
        )

    async def get(self, meeting_id: int) -> MeetingRow | None:
        row = await self._one(f"SELECT {_MEETING_COLUMNS} FROM meetings WHERE id = ?", (meeting_id,))
        return _meeting(row) if row else None

    async def save(self, row: MeetingRow) -> None:
        """Rewrite every field but id and created_at (set once, by add)."""
        await self._update(
            "UPDATE meetings SET client_id = ?, created_by = ?, starts_at = ?, place_kind = ?, place = ?, status = ?, "
            "follows = ?, next_at = ?, ended_on = ? WHERE id = ?",
            (row.client_id, row.created_by, dump_time(row.starts_at), row.place_kind, row.place, row.status,
             row.follows, _dump(row.next_at), _dump_day(row.ended_on), row.id),
        )

    async def for_client(self, client_id: int) -> list[MeetingRow]:
        rows = await self._all(
            f"SELECT {_MEETING_COLUMNS} FROM meetings WHERE client_id = ? ORDER BY starts_at, id", (client_id,)
        )
        return [_meeting(row) for row in rows]

    async def add_participant(self, row: ParticipantRow) -> int:
        return await self._insert(
            "INSERT INTO participants (meeting_id, name, role, relation, language, staff_id, user_key, reachable, "
            "join_hash, join_expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row.meeting_id, row.name, row.role, row.relation, row.language, row.staff_id, row.user_key,
             int(row.reachable), row.join_hash, _dump(row.join_expires_at)),
            row.user_key,
        )

    async def participants(self, meeting_id: int) -> list[ParticipantRow]:
        rows = await self._all(
            f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE meeting_id = ? ORDER BY id", (meeting_id,)
        )
        return [_participant(row) for row in rows]

    async def save_participant(self, row: ParticipantRow) -> None:
        """Rewrite every field but id."""
        await self._update(
            "UPDATE participants SET meeting_id = ?, name = ?, role = ?, relation = ?, language = ?, staff_id = ?, "
            "user_key = ?, reachable = ?, join_hash = ?, join_expires_at = ? WHERE id = ?",
            (row.meeting_id, row.name, row.role, row.relation, row.language, row.staff_id, row.user_key,
             int(row.reachable), row.join_hash, _dump(row.join_expires_at), row.id),
            row.user_key,
        )

    async def delete_for_client(self, client_id: int) -> int:
        async with self._db.execute("DELETE FROM meetings WHERE client_id = ?", (client_id,)) as cursor:
            return cursor.rowcount

    async def participant(self, participant_id: int) -> ParticipantRow | None:
        row = await self._one(f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE id = ?", (participant_id,))
        return _participant(row) if row else None

    async def participant_by_join(self, join_hash: str) -> ParticipantRow | None:
        row = await self._one(f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE join_hash = ?", (join_hash,))
        return _participant(row) if row else None

    async def participations(self, user_key: str) -> list[ParticipantRow]:
        rows = await self._all(
            f"SELECT {_PARTICIPANT_COLUMNS} FROM participants WHERE user_key = ? ORDER BY id", (user_key,)
        )
        return [_participant(row) for row in rows]

    async def add_promise(self, row: PromiseRow) -> int:
        return await self._insert(
            "INSERT INTO promises (meeting_id, participant_id, body, due, created_at, status, note, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (row.meeting_id, row.participant_id, row.text, dump_day(row.due), dump_time(row.created_at),
             row.status, row.note, _dump(row.updated_at)),
        )

    async def promise(self, promise_id: int) -> PromiseRow | None:
        row = await self._one(f"SELECT {_PROMISE_COLUMNS} FROM promises WHERE id = ?", (promise_id,))
        return _promise(row) if row else None

    async def promises(self, meeting_id: int) -> list[PromiseRow]:
        rows = await self._all(
            f"SELECT {_PROMISE_COLUMNS} FROM promises WHERE meeting_id = ? ORDER BY due, id", (meeting_id,)
        )
        return [_promise(row) for row in rows]

    async def save_promise(self, row: PromiseRow) -> None:
        """Rewrite every field but id and created_at (set once, by add_promise)."""
        await self._update(
            "UPDATE promises SET meeting_id = ?, participant_id = ?, body = ?, due = ?, status = ?, note = ?, "
            "updated_at = ? WHERE id = ?",
            (row.meeting_id, row.participant_id, row.text, dump_day(row.due), row.status, row.note,
             _dump(row.updated_at), row.id),
        )


class _Evaluations(_Repo):
    async def get(self, client_id: int) -> EvaluationRow | None:
        row = await self._one(
            "SELECT client_id, reflection, feedback, updated_at FROM evaluations WHERE client_id = ?", (client_id,)
        )
        return EvaluationRow(row[0], load_json(row[1]), load_json(row[2]), load_time(row[3])) if row else None

    async def save(self, row: EvaluationRow) -> None:
        async with _constraints(self._db):
            await self._db.execute(
                "INSERT INTO evaluations (client_id, reflection, feedback, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (client_id) DO UPDATE SET reflection = excluded.reflection, "
                "feedback = excluded.feedback, updated_at = excluded.updated_at",
                (row.client_id, dump_json(row.reflection), dump_json(row.feedback), dump_time(row.updated_at)),
            )

    async def delete(self, client_id: int) -> None:
        await self._db.execute("DELETE FROM evaluations WHERE client_id = ?", (client_id,))


class _Contacts(_Repo):
    async def get(self, user_key: str) -> ContactRow | None:
        row = await self._one(
            "SELECT user_key, sealed_chat, updated_at FROM contacts WHERE user_key = ?", (user_key,)
        )
        return ContactRow(row[0], row[1], load_time(row[2])) if row else None

    async def save(self, row: ContactRow) -> None:
        async with _constraints(self._db, row.user_key):
            await self._db.execute(
                "INSERT INTO contacts (user_key, sealed_chat, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_key) DO UPDATE SET sealed_chat = excluded.sealed_chat, "
                "updated_at = excluded.updated_at",
                (row.user_key, row.sealed_chat, dump_time(row.updated_at)),
            )

    async def delete(self, user_key: str) -> None:
        await self._db.execute("DELETE FROM contacts WHERE user_key = ?", (user_key,))

    async def keys(self) -> list[str]:
        return [row[0] for row in await self._all("SELECT user_key FROM contacts ORDER BY user_key", ())]


_OUTBOX_COLUMNS = "id, recipient, kind, message, due_at, status, attempts, claimed_at, done_at"


def _outbox(row: aiosqlite.Row) -> OutboxRow:
    return OutboxRow(
        id=row[0], recipient=row[1], kind=row[2], message=load_json(row[3]), due_at=load_time(row[4]),
        status=row[5], attempts=row[6], claimed_at=_time(row[7]), done_at=_time(row[8]),
    )


class _Outbox(_Repo):
    async def add(self, row: OutboxRow) -> int:
        return await self._insert(
            "INSERT INTO outbox (recipient, kind, message, due_at, status, attempts, claimed_at, done_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (row.recipient, row.kind, dump_json(row.message), dump_time(row.due_at), row.status, row.attempts,
             _dump(row.claimed_at), _dump(row.done_at)),
            row.recipient,
        )

    async def claim_due(self, now: datetime, limit: int, per_recipient: int | None = None) -> list[OutboxRow]:
        """Mark up to ``limit`` due rows as sending and return them; the transaction makes it exactly once."""
        if limit < 0 or (per_recipient is not None and per_recipient < 0):  # SQLite reads -1 as "no limit"
            raise ValueError("limit must not be negative")
        rows = await self._all(
            f"SELECT {_OUTBOX_COLUMNS} FROM ("
            f"  SELECT {_OUTBOX_COLUMNS}, ROW_NUMBER() OVER (PARTITION BY recipient ORDER BY due_at, id) AS nth"
            "   FROM outbox WHERE status = 'pending' AND due_at <= ?"
            ") WHERE nth <= ? ORDER BY due_at, id LIMIT ?",
            (dump_time(now), limit if per_recipient is None else per_recipient, limit),
        )
        claimed = [replace(_outbox(row), status="sending", claimed_at=now, attempts=row[6] + 1) for row in rows]
        await self._db.executemany(
            "UPDATE outbox SET status = 'sending', claimed_at = ?, attempts = attempts + 1 WHERE id = ?",
            [(dump_time(now), row.id) for row in claimed],
        )
        return claimed

    async def finish(self, outbox_id: int, status: str, at: datetime) -> None:
        """Mark a row done and forget what it said; a row gone meanwhile (its recipient was deleted) stays gone."""
        async with _constraints(self._db):
            await self._db.execute(
                "UPDATE outbox SET status = ?, done_at = ?, message = '{}' WHERE id = ?",
                (status, dump_time(at), outbox_id),
            )

    async def reclaim(self, claimed_before: datetime) -> int:
        cursor = await self._db.execute(
            "UPDATE outbox SET status = 'pending' WHERE status = 'sending' AND claimed_at < ?",
            (dump_time(claimed_before),),
        )
        return cursor.rowcount

    async def for_recipient(self, recipient: str) -> list[OutboxRow]:
        rows = await self._all(
            f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE recipient = ? ORDER BY due_at, id", (recipient,)
        )
        return [_outbox(row) for row in rows]

    async def delete_for_recipient(self, recipient: str) -> None:
        await self._db.execute("DELETE FROM outbox WHERE recipient = ?", (recipient,))

    async def purge_done(self, before: datetime) -> int:
        cursor = await self._db.execute(
            "DELETE FROM outbox WHERE status IN ('sent', 'failed', 'dropped') AND done_at < ?", (dump_time(before),)
        )
        return cursor.rowcount


# --- the anonymous chat on shifts (#4) -------------------------------------------------------------

_CHAT_COLUMNS = (
    "id, service, opened_at, user_key, status, crisis, left_message, staff_id, shift_id, taken_at, closed_at, "
    "closed_by, rating, comment"
)


def _chat(row: aiosqlite.Row) -> ChatRow:
    return ChatRow(
        id=row[0], service=row[1], opened_at=load_time(row[2]), user_key=row[3], status=row[4], crisis=bool(row[5]),
        left=bool(row[6]), staff_id=row[7], shift_id=row[8], taken_at=_time(row[9]), closed_at=_time(row[10]),
        closed_by=row[11], rating=row[12], comment=row[13],
    )


def _chat_params(row: ChatRow) -> tuple[Any, ...]:
    """Every column but id, in the order of ``_CHAT_COLUMNS``."""
    return (row.service, dump_time(row.opened_at), row.user_key, row.status, int(row.crisis), int(row.left),
            row.staff_id, row.shift_id, _dump(row.taken_at), _dump(row.closed_at), row.closed_by, row.rating,
            row.comment)


# Closed chats whose texts are past the retention time and not yet deleted.
_FORGETTABLE = (
    "status = 'closed' AND closed_at < ? AND "
    "(comment IS NOT NULL OR EXISTS (SELECT 1 FROM chat_messages m WHERE m.chat_id = chats.id))"
)


class _Chats(_Repo):
    async def add(self, row: ChatRow) -> int:
        return await self._insert(
            "INSERT INTO chats (service, opened_at, user_key, status, crisis, left_message, staff_id, shift_id, "
            "taken_at, closed_at, closed_by, rating, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _chat_params(row),
            row.user_key,
        )

    async def get(self, chat_id: int) -> ChatRow | None:
        row = await self._one(f"SELECT {_CHAT_COLUMNS} FROM chats WHERE id = ?", (chat_id,))
        return _chat(row) if row else None

    async def save(self, row: ChatRow) -> None:
        """Rewrite every field but id."""
        await self._update(
            "UPDATE chats SET service = ?, opened_at = ?, user_key = ?, status = ?, crisis = ?, left_message = ?, "
            "staff_id = ?, shift_id = ?, taken_at = ?, closed_at = ?, closed_by = ?, rating = ?, comment = ? "
            "WHERE id = ?",
            (*_chat_params(row), row.id),
            row.user_key,
        )

    async def active_for_user(self, user_key: str) -> ChatRow | None:
        row = await self._one(
            f"SELECT {_CHAT_COLUMNS} FROM chats WHERE user_key = ? AND status IN ('queued', 'open') "
            "ORDER BY opened_at DESC, id DESC LIMIT 1",
            (user_key,),
        )
        return _chat(row) if row else None

    async def queued(self, service: str) -> list[ChatRow]:
        rows = await self._all(
            f"SELECT {_CHAT_COLUMNS} FROM chats WHERE status = 'queued' AND service = ? "
            "ORDER BY crisis DESC, opened_at, id",
            (service,),
        )
        return [_chat(row) for row in rows]

    async def open_for_staff(self, staff_id: int) -> list[ChatRow]:
        rows = await self._all(
            f"SELECT {_CHAT_COLUMNS} FROM chats WHERE status = 'open' AND staff_id = ? ORDER BY opened_at, id",
            (staff_id,),
        )
        return [_chat(row) for row in rows]

    async def opened_between(self, since: datetime, until: datetime) -> list[ChatRow]:
        rows = await self._all(
            f"SELECT {_CHAT_COLUMNS} FROM chats WHERE opened_at >= ? AND opened_at < ? ORDER BY opened_at, id",
            (dump_time(since), dump_time(until)),
        )
        return [_chat(row) for row in rows]

    async def add_message(self, row: ChatMessageRow) -> int:
        return await self._insert(
            "INSERT INTO chat_messages (chat_id, at, sender, kind, body, staff_id) VALUES (?, ?, ?, ?, ?, ?)",
            (row.chat_id, dump_time(row.at), row.sender, row.kind, row.body, row.staff_id),
        )

    async def messages(self, chat_id: int) -> list[ChatMessageRow]:
        rows = await self._all(
            "SELECT id, chat_id, at, sender, kind, body, staff_id FROM chat_messages WHERE chat_id = ? "
            "ORDER BY at, id",
            (chat_id,),
        )
        return [
            ChatMessageRow(id=row[0], chat_id=row[1], at=load_time(row[2]), sender=row[3], kind=row[4], body=row[5],
                           staff_id=row[6])
            for row in rows
        ]

    async def forget_closed(self, before: datetime) -> int:
        """Delete the texts of chats closed before ``before``; how many chats lost any."""
        params = (dump_time(before),)
        ids = [row[0] for row in await self._all(f"SELECT id FROM chats WHERE {_FORGETTABLE}", params)]
        await self._db.executemany("DELETE FROM chat_messages WHERE chat_id = ?", [(chat_id,) for chat_id in ids])
        await self._db.executemany("UPDATE chats SET comment = NULL WHERE id = ?", [(chat_id,) for chat_id in ids])
        return len(ids)

    async def forget(self, chat_id: int) -> None:
        """Delete this chat's texts now, whatever its status (the person asked to be forgotten)."""
        await self._db.execute("DELETE FROM chat_messages WHERE chat_id = ?", (chat_id,))
        await self._db.execute("UPDATE chats SET comment = NULL WHERE id = ?", (chat_id,))


_SHIFT_COLUMNS = "id, service, starts_at, ends_at, started, ended"


def _shift(row: aiosqlite.Row) -> ShiftRow:
    return ShiftRow(id=row[0], service=row[1], starts_at=load_time(row[2]), ends_at=load_time(row[3]),
                    started=bool(row[4]), ended=bool(row[5]))


class _Shifts(_Repo):
    async def get_or_add(self, row: ShiftRow) -> ShiftRow:
        """The stored shift of that service and start, as stored; a new one is added as given."""
        starts_at = dump_time(row.starts_at)
        found = await self._one(
            f"SELECT {_SHIFT_COLUMNS} FROM shifts WHERE service = ? AND starts_at = ?", (row.service, starts_at)
        )
        if found is not None:
            return _shift(found)
        new_id = await self._insert(
            "INSERT INTO shifts (service, starts_at, ends_at, started, ended) VALUES (?, ?, ?, ?, ?)",
            (row.service, starts_at, dump_time(row.ends_at), int(row.started), int(row.ended)),
        )
        return replace(row, id=new_id)

    async def get(self, shift_id: int) -> ShiftRow | None:
        row = await self._one(f"SELECT {_SHIFT_COLUMNS} FROM shifts WHERE id = ?", (shift_id,))
        return _shift(row) if row else None

    async def save(self, row: ShiftRow) -> None:
        """Rewrite every field but id."""
        await self._update(
            "UPDATE shifts SET service = ?, starts_at = ?, ends_at = ?, started = ?, ended = ? WHERE id = ?",
            (row.service, dump_time(row.starts_at), dump_time(row.ends_at), int(row.started), int(row.ended),
             row.id),
        )

    async def unfinished(self) -> list[ShiftRow]:
        rows = await self._all(f"SELECT {_SHIFT_COLUMNS} FROM shifts WHERE ended = 0 ORDER BY starts_at, id", ())
        return [_shift(row) for row in rows]

    async def started_between(self, since: datetime, until: datetime) -> list[ShiftRow]:
        rows = await self._all(
            f"SELECT {_SHIFT_COLUMNS} FROM shifts WHERE starts_at >= ? AND starts_at < ? ORDER BY starts_at, id",
            (dump_time(since), dump_time(until)),
        )
        return [_shift(row) for row in rows]

    async def duty(self, shift_id: int) -> list[DutyRow]:
        rows = await self._all(
            "SELECT shift_id, staff_id, on_duty, changed_at FROM duty WHERE shift_id = ? ORDER BY staff_id",
            (shift_id,),
        )
        return [DutyRow(row[0], row[1], bool(row[2]), load_time(row[3])) for row in rows]

    async def set_duty(self, row: DutyRow) -> None:
        async with _constraints(self._db):
            await self._db.execute(
                "INSERT INTO duty (shift_id, staff_id, on_duty, changed_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (shift_id, staff_id) DO UPDATE SET on_duty = excluded.on_duty, "
                "changed_at = excluded.changed_at",
                (row.shift_id, row.staff_id, int(row.on), dump_time(row.changed_at)),
            )





class _Schedules(_Repo):
    async def rota(self, service: str) -> list[RotaRow]:
        rows = await self._all(
            "SELECT service, slot, staff_id FROM rota WHERE service = ? ORDER BY slot, staff_id", (service,)
        )
        return [RotaRow(row[0], row[1], row[2]) for row in rows]

    async def add_rota(self, row: RotaRow) -> None:
        async with _constraints(self._db):
            await self._db.execute(
                "INSERT INTO rota (service, slot, staff_id) VALUES (?, ?, ?) "
                "ON CONFLICT (service, slot, staff_id) DO NOTHING",
                (row.service, row.slot, row.staff_id),
            )

    async def remove_rota(self, row: RotaRow) -> None:
        await self._db.execute(
            "DELETE FROM rota WHERE service = ? AND slot = ? AND staff_id = ?", (row.service, row.slot, row.staff_id)
        )

    async def closings(self, service: str) -> list[ClosingRow]:
        rows = await self._all(
            "SELECT id, service, day, closed, start_time, end_time FROM closings WHERE service = ? "
            "ORDER BY day, start_time, id",  # NULLs first: a closed day before the slots of that day
            (service,),
        )
        return [
            ClosingRow(id=row[0], service=row[1], day=date.fromisoformat(row[2]), closed=bool(row[3]),
                       start=load_clock(row[4]), end=load_clock(row[5]))
            for row in rows
        ]

    async def add_closing(self, row: ClosingRow) -> int:
        return await self._insert(
            "INSERT INTO closings (service, day, closed, start_time, end_time) VALUES (?, ?, ?, ?, ?)",
            (row.service, dump_day(row.day), int(row.closed), dump_clock(row.start), dump_clock(row.end)),
        )

    async def remove_closing(self, closing_id: int) -> None:
        await self._db.execute("DELETE FROM closings WHERE id = ?", (closing_id,))

    async def weekly(self, service: str) -> list[WeeklyRow]:
        rows = await self._all(
            "SELECT id, service, day, start_time, end_time, removed FROM weekly_slots WHERE service = ? "
            "ORDER BY instr('montuewedthufrisatsun', day), start_time, id", (service,),
        )
        return [WeeklyRow(id=row[0], service=row[1], day=row[2], start=time.fromisoformat(row[3]),
                          end=time.fromisoformat(row[4]), removed=bool(row[5])) for row in rows]

    async def add_weekly(self, row: WeeklyRow) -> int:
        if row.day not in WEEKDAYS:
            raise ValueError(f"not a weekday: {row.day!r}")
        return await self._insert(
            "INSERT INTO weekly_slots (service, day, start_time, end_time, removed) VALUES (?, ?, ?, ?, ?)",
            (row.service, row.day, dump_clock(row.start), dump_clock(row.end), int(row.removed)),
        )

    async def remove_weekly(self, weekly_id: int) -> None:
        await self._db.execute("DELETE FROM weekly_slots WHERE id = ?", (weekly_id,))


class _Work:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self.users = _Users(db)
        self.conversations = _Conversations(db)
        self.assessments = _Assessments(db)
        self.staff = _Staff(db)
        self.clients = _Clients(db)
        self.invitations = _Invitations(db)
        self.consents = _Consents(db)
        self.audit = _Audit(db)
        self.code_attempts = _CodeAttempts(db)
        self.shares = _Shares(db)
        self.contacts = _Contacts(db)
        self.outbox = _Outbox(db)
        self.chats = _Chats(db)
        self.shifts = _Shifts(db)
        self.schedules = _Schedules(db)
        self.preparations = _Preparations(db)
        self.evaluations = _Evaluations(db)
        self.meetings = _Meetings(db)


class SqliteStore:
    """One shared connection; transactions are serialised by a lock and BEGIN IMMEDIATE."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def _connect(self) -> aiosqlite.Connection:
        if self._db is None:
            db = await aiosqlite.connect(self.path, isolation_level=None)
            await db.execute("PRAGMA journal_mode = WAL")
            await db.execute("PRAGMA foreign_keys = ON")
            # Deleted content is overwritten, not left in free pages (privacy: /forget means gone).
            await db.execute("PRAGMA secure_delete = ON")
            await db.execute("PRAGMA busy_timeout = 5000")
            self._db = db
        return self._db

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        async with self._lock:
            db = await self._connect()
            await db.execute("BEGIN IMMEDIATE")
            try:
                yield _Work(db)
            except BaseException:
                await db.execute("ROLLBACK")
                raise
            await db.execute("COMMIT")

    async def migrate(self) -> None:
        """Apply every numbered migration not yet applied, each in its own transaction."""
        async with self._lock:
            db = await self._connect()
            await db.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (number INTEGER PRIMARY KEY, name TEXT NOT NULL)"
            )
            async with db.execute("SELECT number FROM schema_migrations") as cursor:
                done = {row[0] for row in await cursor.fetchall()}
            for number, name, sql in migration_files():
                if number in done:
                    continue
                log.info("storage.migrate number=%d name=%s", number, name)
                await db.execute("BEGIN IMMEDIATE")
                try:
                    for statement in split_statements(sql):
                        await db.execute(statement)
                    await db.execute(
                        "INSERT INTO schema_migrations (number, name) VALUES (?, ?)", (number, name)
                    )
                except BaseException:
                    await db.execute("ROLLBACK")
                    raise
                await db.execute("COMMIT")

    async def scrub(self) -> None:
        """Copy the write-ahead log into the database and truncate it, so old page images are gone too."""
        async with self._lock:
            db = await self._connect()
            await db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None
