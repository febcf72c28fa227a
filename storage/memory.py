"""An in-memory store for tests that JSON-round-trips every row and keeps the SQL schema's rules.

Rows are JSON text, ids come from never-reused sequences (like AUTOINCREMENT), and the foreign keys,
cascades, UNIQUE and CHECK constraints of ``storage/migrations`` are emulated, so a test passing here
does not fail on SQLite.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, replace
from datetime import date, datetime, time
from typing import Any, TypeVar

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

Tables = dict[str, dict[str, str]]
R = TypeVar("R")

TABLES = (
    "users", "conversations", "assessments", "staff", "clients", "pairs", "invitations", "consents",
    "audit_log", "code_attempts", "shares", "contacts", "outbox", "shifts", "duty", "chats", "chat_messages",
    "rota", "closings", "weekly_slots", "preparations", "meetings", "participants", "promises", "evaluations",
    "sequences",
)
# (child table, column, parent table, on delete), as in the migrations; user references first, so
# a row with several missing references fails as SQLite's translation in storage.sqlite does.
REFERENCES = (
    ("conversations", "key", "users", "cascade"),
    ("assessments", "user_key", "users", "cascade"),
    ("staff", "user_key", "users", "set null"),
    ("clients", "user_key", "users", "set null"),
    ("contacts", "user_key", "users", "cascade"),
    ("outbox", "recipient", "users", "cascade"),
    ("chats", "user_key", "users", "set null"),
    ("participants", "user_key", "users", "set null"),
    ("clients", "created_by", "staff", "no action"),
    ("pairs", "client_id", "clients", "cascade"),
    ("pairs", "staff_id", "staff", "cascade"),
    ("invitations", "created_by", "staff", "no action"),
    ("invitations", "staff_id", "staff", "cascade"),
    ("invitations", "client_id", "clients", "cascade"),
    ("consents", "client_id", "clients", "cascade"),
    ("shares", "assessment_id", "assessments", "cascade"),
    ("shares", "client_id", "clients", "cascade"),
    ("preparations", "client_id", "clients", "cascade"),
    ("evaluations", "client_id", "clients", "cascade"),
    ("duty", "shift_id", "shifts", "cascade"),
    ("duty", "staff_id", "staff", "cascade"),
    ("chats", "staff_id", "staff", "set null"),
    ("chats", "shift_id", "shifts", "set null"),
    ("chat_messages", "chat_id", "chats", "cascade"),
    ("chat_messages", "staff_id", "staff", "set null"),
    ("rota", "staff_id", "staff", "cascade"),
    ("meetings", "client_id", "clients", "cascade"),
    ("meetings", "created_by", "staff", "no action"),
    ("meetings", "follows", "meetings", "set null"),
    ("participants", "meeting_id", "meetings", "cascade"),
    ("participants", "staff_id", "staff", "set null"),
    ("promises", "meeting_id", "meetings", "cascade"),
    ("promises", "participant_id", "participants", "cascade"),
)
# Each entry is one UNIQUE constraint: the columns that may not repeat together (NULL never repeats).
UNIQUE: dict[str, tuple[tuple[str, ...], ...]] = {
    "staff": (("user_key",),),
    "clients": (("user_key",),),
    "invitations": (("code_hash",),),
    "shifts": (("service", "starts_at"),),
    "participants": (("join_hash",),),
}
# Nullable columns allow None, as SQL's CHECK passes on NULL.
CHECKS: dict[str, dict[str, set[Any]]] = {
    "invitations": {"kind": {"staff", "client"}},
    "consents": {"answer": {"yes", "no", "withdrawn"}},
    "outbox": {"status": {"pending", "sending", "sent", "failed", "dropped"}},
    "chats": {"status": {"queued", "open", "closed"}, "rating": {None, 1, 2, 3, 4, 5}},
    "chat_messages": {"sender": {"young", "staff"}},
    "meetings": {"status": {"planned", "held", "cancelled"},
                 "place_kind": {"home", "school", "office", "outdoors", "online", "hybrid"}},
    "participants": {"role": {"client", "worker", "other"}},
    "promises": {"status": {"open", "done", "help"}},
}


def _is_time(name: str) -> bool:
    return name == "at" or name.endswith("_at")


def _is_day(name: str) -> bool:
    """A calendar day (a promise's ``due``, a meeting's ``ended_on``), stored as an ISO date."""
    return name == "due" or name.endswith("_on")


def _fields(row: Any) -> dict[str, Any]:
    """A row as JSON-safe fields, times as UTC text (naive times refused, as in SQLite), days as ISO dates."""
    fields = asdict(row)
    for name, value in fields.items():
        if _is_time(name) and value is not None:
            fields[name] = dump_time(value)
        elif _is_day(name) and value is not None:
            fields[name] = dump_day(value)
    return fields


def _load(cls: type[R], text: str) -> R:
    fields: dict[str, Any] = load_json(text)
    for name, value in fields.items():
        if _is_time(name) and value is not None:
            fields[name] = load_time(value)
        elif _is_day(name) and value is not None:
            fields[name] = date.fromisoformat(value)
    return cls(**fields)


class _Db:
    """The tables of one transaction, with the schema's constraints."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def get(self, cls: type[R], table: str, key: str) -> R | None:
        text = self.tables[table].get(key)
        return _load(cls, text) if text is not None else None

    def rows(self, cls: type[R], table: str) -> list[R]:
        return [_load(cls, text) for text in self.tables[table].values()]

    def put(self, table: str, key: str, fields: dict[str, Any]) -> None:
        """Insert or replace one row, checking CHECK, then UNIQUE, then foreign keys, as SQLite does."""
        for column, allowed in CHECKS.get(table, {}).items():
            if fields[column] not in allowed:
                raise ValueError(f"CHECK constraint failed: {table}.{column}")
        for columns in UNIQUE.get(table, ()):
            values = [fields[column] for column in columns]
            if None in values:
                continue
            for other, text in self.tables[table].items():
                stored = load_json(text)
                if other != key and [stored[column] for column in columns] == values:
                    raise Conflict(f"UNIQUE constraint failed: {table}.{', '.join(columns)}")
        for child, column, parent, _ in REFERENCES:
            value = fields.get(column) if child == table else None
            if value is not None and str(value) not in self.tables[parent]:
                if parent == "users":
                    raise UnknownUser(f"{table} row for an unknown user")
                raise UnknownRow(f"{table}.{column} refers to a missing {parent} row")
        self.tables[table][key] = dump_json(fields)

    def insert(self, table: str, fields: dict[str, Any]) -> int:
        """Add a row under the next id of the table's sequence; the sequence moves only on success."""
        new_id = int(self.tables["sequences"].get(table, "0")) + 1
        if "id" in fields:
            fields["id"] = new_id
        self.put(table, str(new_id), fields)
        self.tables["sequences"][table] = dump_json(new_id)
        return new_id

    def update(self, table: str, row: Any) -> None:
        """Rewrite the row with ``row.id``; its created_at, if it has one, is set once, by the insert."""
        if row.id is None:
            raise ValueError(f"cannot save a {table} row without an id")
        old = self.tables[table].get(str(row.id))
        if old is None:
            raise UnknownRow(f"no {table} row {row.id}")
        fields = _fields(row)
        if "created_at" in fields:
            fields["created_at"] = load_json(old)["created_at"]
        self.put(table, str(row.id), fields)

    def delete(self, table: str, key: str) -> None:
        """Delete one row and apply the foreign keys' ON DELETE actions to rows referring to it."""
        if key not in self.tables[table]:
            return
        children = [
            (child, child_key, column, action)
            for child, column, parent, action in REFERENCES if parent == table
            for child_key, text in self.tables[child].items()
            if load_json(text)[column] is not None and str(load_json(text)[column]) == key
        ]
        if any(action == "no action" for *_, action in children):
            raise Conflict(f"{table} row {key} is still referred to")
        del self.tables[table][key]
        for child, child_key, column, action in children:
            if action == "cascade":
                self.delete(child, child_key)
            elif child_key in self.tables[child]:
                fields = load_json(self.tables[child][child_key])
                fields[column] = None
                self.tables[child][child_key] = dump_json(fields)


class _Repo:
    def __init__(self, db: _Db) -> None:
        self._db = db


class _Users(_Repo):
    async def get(self, key: str) -> UserRow | None:
        return self._db.get(UserRow, "users", key)

    async def save(self, row: UserRow) -> None:
        fields = _fields(row)
        existing = self._db.tables["users"].get(row.key)
        if existing is not None:  # like the SQL upsert: created_at is set once
            fields["created_at"] = load_json(existing)["created_at"]
        self._db.put("users", row.key, fields)

    async def delete(self, key: str) -> None:
        self._db.delete("users", key)

    async def idle_since(self, before: datetime) -> list[str]:
        dump_time(before)  # refuse a naive time, as SQLite's backend does
        idle = [row for row in self._db.rows(UserRow, "users") if row.last_seen_at < before]
        return [row.key for row in sorted(idle, key=lambda row: (row.last_seen_at, row.key))]


class _Conversations(_Repo):
    async def get(self, key: str) -> ConversationRow | None:
        return self._db.get(ConversationRow, "conversations", key)

    async def save(self, row: ConversationRow) -> None:
        self._db.put("conversations", row.key, _fields(row))

    async def delete(self, key: str) -> None:
        self._db.delete("conversations", key)


class _Assessments(_Repo):
    async def add(self, row: AssessmentRow) -> int:
        return self._db.insert("assessments", _fields(row))

    def _all(self, user_key: str) -> list[AssessmentRow]:
        mine = [row for row in self._db.rows(AssessmentRow, "assessments") if row.user_key == user_key]
        return sorted(mine, key=lambda row: (row.completed_at, row.id or 0))

    async def latest(self, user_key: str, instrument_id: str) -> AssessmentRow | None:
        rows = [row for row in self._all(user_key) if row.instrument_id == instrument_id]
        return rows[-1] if rows else None

    async def for_user(self, user_key: str) -> list[AssessmentRow]:
        return self._all(user_key)

    async def get(self, assessment_id: int) -> AssessmentRow | None:
        return self._db.get(AssessmentRow, "assessments", str(assessment_id))

    async def delete_for_user(self, user_key: str) -> int:
        mine = self._all(user_key)
        for row in mine:
            self._db.delete("assessments", str(row.id))
        return len(mine)


class _Staff(_Repo):
    async def add(self, row: StaffRow) -> int:
        return self._db.insert("staff", _fields(row))

    async def get(self, staff_id: int) -> StaffRow | None:
        return self._db.get(StaffRow, "staff", str(staff_id))

    async def by_user(self, user_key: str) -> StaffRow | None:
        return next((row for row in self._db.rows(StaffRow, "staff") if row.user_key == user_key), None)

    async def save(self, row: StaffRow) -> None:
        self._db.update("staff", row)

    async def all(self) -> list[StaffRow]:
        return sorted(self._db.rows(StaffRow, "staff"), key=lambda row: row.id or 0)


def _pair_key(client_id: int, staff_id: int) -> str:
    return dump_json([client_id, staff_id])


class _Clients(_Repo):
    async def add(self, row: ClientRow) -> int:
        return self._db.insert("clients", _fields(row))

    async def get(self, client_id: int) -> ClientRow | None:
        return self._db.get(ClientRow, "clients", str(client_id))

    async def by_user(self, user_key: str) -> ClientRow | None:
        return next((row for row in self._db.rows(ClientRow, "clients") if row.user_key == user_key), None)

    async def save(self, row: ClientRow) -> None:
        self._db.update("clients", row)

    async def delete(self, client_id: int) -> None:
        self._db.delete("clients", str(client_id))

    async def for_staff(self, staff_id: int) -> list[ClientRow]:
        paired = {pair.client_id for pair in self._db.rows(PairRow, "pairs") if pair.staff_id == staff_id}
        rows = [row for row in self._db.rows(ClientRow, "clients") if row.id in paired]
        return sorted(rows, key=lambda row: (row.nickname, row.id or 0))

    async def ended_before(self, before: datetime) -> list[int]:
        dump_time(before)
        ended = [row for row in self._db.rows(ClientRow, "clients")
                 if row.ended_at is not None and row.ended_at < before]
        return [row.id or 0 for row in sorted(ended, key=lambda row: (row.ended_at or before, row.id or 0))]

    async def pairs(self, client_id: int) -> list[PairRow]:
        rows = [pair for pair in self._db.rows(PairRow, "pairs") if pair.client_id == client_id]
        return sorted(rows, key=lambda pair: pair.staff_id)

    async def set_pair(self, row: PairRow) -> None:
        self._db.put("pairs", _pair_key(row.client_id, row.staff_id), _fields(row))


class _Invitations(_Repo):
    async def add(self, row: InvitationRow) -> int:
        return self._db.insert("invitations", _fields(row))

    async def by_hash(self, code_hash: str) -> InvitationRow | None:
        rows = self._db.rows(InvitationRow, "invitations")
        return next((row for row in rows if row.code_hash == code_hash), None)

    async def get(self, invitation_id: int) -> InvitationRow | None:
        rows = self._db.rows(InvitationRow, "invitations")
        return next((row for row in rows if row.id == invitation_id), None)

    async def save(self, row: InvitationRow) -> None:
        self._db.update("invitations", row)

    async def for_client(self, client_id: int) -> list[InvitationRow]:
        rows = [row for row in self._db.rows(InvitationRow, "invitations") if row.client_id == client_id]
        return sorted(rows, key=lambda row: (row.created_at, row.id or 0))

    async def for_staff(self, staff_id: int) -> list[InvitationRow]:
        rows = [row for row in self._db.rows(InvitationRow, "invitations") if row.staff_id == staff_id]
        return sorted(rows, key=lambda row: (row.created_at, row.id or 0))


class _Consents(_Repo):
    async def add(self, row: ConsentRow) -> int:
        return self._db.insert("consents", _fields(row))

    async def for_client(self, client_id: int) -> list[ConsentRow]:
        rows = [row for row in self._db.rows(ConsentRow, "consents") if row.client_id == client_id]
        return sorted(rows, key=lambda row: (row.at, row.id or 0))


class _Audit(_Repo):
    async def add(self, row: AuditRow) -> int:
        return self._db.insert("audit_log", _fields(row))

    async def recent(self, limit: int) -> list[AuditRow]:
        if limit < 0:
            raise ValueError("limit must not be negative")
        rows = sorted(self._db.rows(AuditRow, "audit_log"), key=lambda row: (row.at, row.id or 0))
        return rows[::-1][:limit]

    async def about(self, subject: str) -> list[AuditRow]:
        rows = [row for row in self._db.rows(AuditRow, "audit_log") if row.subject == subject]
        return sorted(rows, key=lambda row: (row.at, row.id or 0))

    async def relabel(self, actor: str, new_actor: str) -> int:
        mine = [row for row in self._db.rows(AuditRow, "audit_log") if row.actor == actor]
        for row in mine:
            self._db.put("audit_log", str(row.id), _fields(replace(row, actor=new_actor)))
        return len(mine)

    async def purge(self, before: datetime) -> int:
        dump_time(before)
        old = [row for row in self._db.rows(AuditRow, "audit_log") if row.at < before]
        for row in old:
            self._db.delete("audit_log", str(row.id))
        return len(old)


class _CodeAttempts(_Repo):
    async def add(self, chat_key: str, at: datetime) -> None:
        self._db.insert("code_attempts", {"chat_key": chat_key, "at": dump_time(at)})

    async def count_since(self, chat_key: str, since: datetime) -> int:
        dump_time(since)
        rows = [load_json(text) for text in self._db.tables["code_attempts"].values()]
        return sum(1 for row in rows if row["chat_key"] == chat_key and load_time(row["at"]) >= since)

    async def purge(self, before: datetime) -> int:
        dump_time(before)
        table = self._db.tables["code_attempts"]
        old = [key for key, text in table.items() if load_time(load_json(text)["at"]) < before]
        for key in old:
            del table[key]
        return len(old)

    async def delete_for(self, chat_key: str) -> None:
        table = self._db.tables["code_attempts"]
        for key in [key for key, text in table.items() if load_json(text)["chat_key"] == chat_key]:
            del table[key]


class _Shares(_Repo):
    async def add(self, row: ShareRow) -> None:
        fields = _fields(row)
        key = dump_json([row.assessment_id, row.client_id])
        if key not in self._db.tables["shares"]:  # ON CONFLICT DO NOTHING: the first shared_at stays
            self._db.put("shares", key, fields)

    async def for_client(self, client_id: int) -> list[ShareRow]:
        rows = [row for row in self._db.rows(ShareRow, "shares") if row.client_id == client_id]
        return sorted(rows, key=lambda row: (row.shared_at, row.assessment_id))


class _Preparations(_Repo):
    async def get(self, client_id: int) -> PreparationRow | None:
        return self._db.get(PreparationRow, "preparations", str(client_id))

    async def save(self, row: PreparationRow) -> None:
        self._db.put("preparations", str(row.client_id), _fields(row))

    async def delete(self, client_id: int) -> None:
        self._db.delete("preparations", str(client_id))


# --- network meetings (#5) -----------------------------------------------------------------------------


class _Meetings(_Repo):
    async def add(self, row: MeetingRow) -> int:
        return self._db.insert("meetings", _fields(row))

    async def get(self, meeting_id: int) -> MeetingRow | None:
        return self._db.get(MeetingRow, "meetings", str(meeting_id))

    async def save(self, row: MeetingRow) -> None:
        self._db.update("meetings", row)

    async def for_client(self, client_id: int) -> list[MeetingRow]:
        rows = [row for row in self._db.rows(MeetingRow, "meetings") if row.client_id == client_id]
        return sorted(rows, key=lambda row: (row.starts_at, row.id or 0))

    async def add_participant(self, row: ParticipantRow) -> int:
        return self._db.insert("participants", _fields(row))

    async def participants(self, meeting_id: int) -> list[ParticipantRow]:
        rows = [row for row in self._db.rows(ParticipantRow, "participants") if row.meeting_id == meeting_id]
        return sorted(rows, key=lambda row: row.id or 0)

    async def save_participant(self, row: ParticipantRow) -> None:
        self._db.update("participants", row)

    async def delete_for_client(self, client_id: int) -> int:
        doomed = [row.id for row in self._db.rows(MeetingRow, "meetings") if row.client_id == client_id]
        for meeting_id in doomed:
            self._db.delete("meetings", str(meeting_id))
        return len(doomed)

    async def participant(self, participant_id: int) -> ParticipantRow | None:
        return self._db.get(ParticipantRow, "participants", str(participant_id))

    async def participant_by_join(self, join_hash: str) -> ParticipantRow | None:
        return next((row for row in self._db.rows(ParticipantRow, "participants") if row.join_hash == join_hash), None)

    async def participations(self, user_key: str) -> list[ParticipantRow]:
        rows = [row for row in self._db.rows(ParticipantRow, "participants") if row.user_key == user_key]
        return sorted(rows, key=lambda row: row.id or 0)

    async def add_promise(self, row: PromiseRow) -> int:
        return self._db.insert("promises", _fields(row))

    async def promise(self, promise_id: int) -> PromiseRow | None:
        return self._db.get(PromiseRow, "promises", str(promise_id))

    async def promises(self, meeting_id: int) -> list[PromiseRow]:
        rows = [row for row in self._db.rows(PromiseRow, "promises") if row.meeting_id == meeting_id]
        return sorted(rows, key=lambda row: (row.due, row.id or 0))

    async def save_promise(self, row: PromiseRow) -> None:
        self._db.update("promises", row)


class _Evaluations(_Repo):
    async def get(self, client_id: int) -> EvaluationRow | None:
        return self._db.get(EvaluationRow, "evaluations", str(client_id))

    async def save(self, row: EvaluationRow) -> None:
        self._db.put("evaluations", str(row.client_id), _fields(row))

    async def delete(self, client_id: int) -> None:
        self._db.delete("evaluations", str(client_id))


class _Contacts(_Repo):
    async def get(self, user_key: str) -> ContactRow | None:
        return self._db.get(ContactRow, "contacts", user_key)

    async def save(self, row: ContactRow) -> None:
        self._db.put("contacts", row.user_key, _fields(row))

    async def delete(self, user_key: str) -> None:
        self._db.delete("contacts", user_key)

    async def keys(self) -> list[str]:
        return sorted(self._db.tables["contacts"])


class _Outbox(_Repo):
    async def add(self, row: OutboxRow) -> int:
        return self._db.insert("outbox", _fields(row))

    def _sorted(self, rows: list[OutboxRow]) -> list[OutboxRow]:
        return sorted(rows, key=lambda row: (row.due_at, row.id or 0))

    async def claim_due(self, now: datetime, limit: int, per_recipient: int | None = None) -> list[OutboxRow]:
        if limit < 0 or (per_recipient is not None and per_recipient < 0):
            raise ValueError("limit must not be negative")
        dump_time(now)
        rows = self._db.rows(OutboxRow, "outbox")
        taken: dict[str, int] = {}
        due = []
        for row in self._sorted([row for row in rows if row.status == "pending" and row.due_at <= now]):
            if taken.get(row.recipient, 0) >= (limit if per_recipient is None else per_recipient):
                continue
            taken[row.recipient] = taken.get(row.recipient, 0) + 1
            due.append(row)
        due = due[:limit]
        claimed = [replace(row, status="sending", claimed_at=now, attempts=row.attempts + 1) for row in due]
        for row in claimed:
            self._db.put("outbox", str(row.id), _fields(row))
        return claimed

    async def finish(self, outbox_id: int, status: str, at: datetime) -> None:
        dump_time(at)
        row = self._db.get(OutboxRow, "outbox", str(outbox_id))
        if row is not None:  # gone (its recipient was deleted meanwhile): nothing left to mark
            self._db.put("outbox", str(outbox_id), _fields(replace(row, status=status, done_at=at, message={})))

    async def reclaim(self, claimed_before: datetime) -> int:
        dump_time(claimed_before)
        stale = [
            row for row in self._db.rows(OutboxRow, "outbox")
            if row.status == "sending" and row.claimed_at is not None and row.claimed_at < claimed_before
        ]
        for row in stale:
            self._db.put("outbox", str(row.id), _fields(replace(row, status="pending")))
        return len(stale)

    async def for_recipient(self, recipient: str) -> list[OutboxRow]:
        return self._sorted([row for row in self._db.rows(OutboxRow, "outbox") if row.recipient == recipient])

    async def delete_for_recipient(self, recipient: str) -> None:
        for row in await self.for_recipient(recipient):
            self._db.delete("outbox", str(row.id))

    async def purge_done(self, before: datetime) -> int:
        dump_time(before)
        done = [row for row in self._db.rows(OutboxRow, "outbox")
                if row.status in ("sent", "failed", "dropped") and row.done_at is not None and row.done_at < before]
        for row in done:
            self._db.delete("outbox", str(row.id))
        return len(done)


# --- the anonymous chat on shifts (#4) -------------------------------------------------------------


def _by_time(rows: list[ChatRow]) -> list[ChatRow]:
    return sorted(rows, key=lambda row: (row.opened_at, row.id or 0))


class _Chats(_Repo):
    async def add(self, row: ChatRow) -> int:
        return self._db.insert("chats", _fields(row))

    async def get(self, chat_id: int) -> ChatRow | None:
        return self._db.get(ChatRow, "chats", str(chat_id))

    async def save(self, row: ChatRow) -> None:
        self._db.update("chats", row)

    async def active_for_user(self, user_key: str) -> ChatRow | None:
        rows = [row for row in self._db.rows(ChatRow, "chats")
                if row.user_key == user_key and row.status in ("queued", "open")]
        return _by_time(rows)[-1] if rows else None

    async def queued(self, service: str) -> list[ChatRow]:
        rows = [row for row in self._db.rows(ChatRow, "chats") if row.status == "queued" and row.service == service]
        return sorted(rows, key=lambda row: (not row.crisis, row.opened_at, row.id or 0))

    async def open_for_staff(self, staff_id: int) -> list[ChatRow]:
        return _by_time([row for row in self._db.rows(ChatRow, "chats")
                         if row.status == "open" and row.staff_id == staff_id])

    async def opened_between(self, since: datetime, until: datetime) -> list[ChatRow]:
        dump_time(since)  # refuse naive times, as SQLite's backend does
        dump_time(until)
        return _by_time([row for row in self._db.rows(ChatRow, "chats") if since <= row.opened_at < until])

    async def add_message(self, row: ChatMessageRow) -> int:
        return self._db.insert("chat_messages", _fields(row))

    async def messages(self, chat_id: int) -> list[ChatMessageRow]:
        rows = [row for row in self._db.rows(ChatMessageRow, "chat_messages") if row.chat_id == chat_id]
        return sorted(rows, key=lambda row: (row.at, row.id or 0))

    async def forget_closed(self, before: datetime) -> int:
        dump_time(before)
        closed = [chat for chat in self._db.rows(ChatRow, "chats")
                  if chat.status == "closed" and chat.closed_at is not None and chat.closed_at < before]
        return sum([await self._forget(chat) for chat in closed])

    async def forget(self, chat_id: int) -> None:
        chat = self._db.get(ChatRow, "chats", str(chat_id))
        if chat is not None:
            await self._forget(chat)

    async def _forget(self, chat: ChatRow) -> bool:
        """Delete a chat's messages and comment; whether it had any."""
        texts = await self.messages(chat.id or 0)
        for message in texts:
            self._db.delete("chat_messages", str(message.id))
        if chat.comment is not None:
            self._db.put("chats", str(chat.id), _fields(replace(chat, comment=None)))
        return bool(texts) or chat.comment is not None


class _Shifts(_Repo):
    async def get_or_add(self, row: ShiftRow) -> ShiftRow:
        dump_time(row.starts_at)
        found = next((shift for shift in self._db.rows(ShiftRow, "shifts")
                      if shift.service == row.service and shift.starts_at == row.starts_at), None)
        if found is not None:
            return found
        return replace(row, id=self._db.insert("shifts", _fields(row)))

    async def get(self, shift_id: int) -> ShiftRow | None:
        return self._db.get(ShiftRow, "shifts", str(shift_id))

    async def save(self, row: ShiftRow) -> None:
        self._db.update("shifts", row)

    async def unfinished(self) -> list[ShiftRow]:
        rows = [row for row in self._db.rows(ShiftRow, "shifts") if not row.ended]
        return sorted(rows, key=lambda row: (row.starts_at, row.id or 0))

    async def started_between(self, since: datetime, until: datetime) -> list[ShiftRow]:
        dump_time(since)  # refuse naive times, as SQLite's backend does
        dump_time(until)
        rows = [row for row in self._db.rows(ShiftRow, "shifts") if since <= row.starts_at < until]
        return sorted(rows, key=lambda row: (row.starts_at, row.id or 0))

    async def duty(self, shift_id: int) -> list[DutyRow]:
        rows = [row for row in self._db.rows(DutyRow, "duty") if row.shift_id == shift_id]
        return sorted(rows, key=lambda row: row.staff_id)

    async def set_duty(self, row: DutyRow) -> None:
        self._db.put("duty", dump_json([row.shift_id, row.staff_id]), _fields(row))




def _weekly(text: str) -> WeeklyRow:
    fields = load_json(text)
    return WeeklyRow(id=fields["id"], service=fields["service"], day=fields["day"],
                     start=time.fromisoformat(fields["start"]), end=time.fromisoformat(fields["end"]),
                     removed=fields["removed"])


def _closing(text: str) -> ClosingRow:
    fields = load_json(text)
    return ClosingRow(
        id=fields["id"], service=fields["service"], day=date.fromisoformat(fields["day"]), closed=fields["closed"],
        start=load_clock(fields["start"]),
        end=load_clock(fields["end"]),
    )


class _Schedules(_Repo):
    async def rota(self, service: str) -> list[RotaRow]:
        rows = [row for row in self._db.rows(RotaRow, "rota") if row.service == service]
        return sorted(rows, key=lambda row: (row.slot, row.staff_id))

    async def add_rota(self, row: RotaRow) -> None:
        key = dump_json([row.service, row.slot, row.staff_id])
        if key not in self._db.tables["rota"]:  # ON CONFLICT DO NOTHING
            self._db.put("rota", key, _fields(row))

    async def remove_rota(self, row: RotaRow) -> None:
        self._db.delete("rota", dump_json([row.service, row.slot, row.staff_id]))

    async def closings(self, service: str) -> list[ClosingRow]:
        rows = [_closing(text) for text in self._db.tables["closings"].values()]
        return sorted((row for row in rows if row.service == service),
                      key=lambda row: (row.day, row.start is not None, row.start or time.min, row.id or 0))

    async def add_closing(self, row: ClosingRow) -> int:
        fields = {**asdict(row), "day": dump_day(row.day), "start": dump_clock(row.start),
                  "end": dump_clock(row.end)}
        return self._db.insert("closings", fields)

    async def remove_closing(self, closing_id: int) -> None:
        self._db.delete("closings", str(closing_id))

    async def weekly(self, service: str) -> list[WeeklyRow]:
        rows = [_weekly(text) for text in self._db.tables["weekly_slots"].values()]
        return sorted((row for row in rows if row.service == service),
                      key=lambda row: (WEEKDAYS.index(row.day), row.start, row.id or 0))

    async def add_weekly(self, row: WeeklyRow) -> int:
        if row.day not in WEEKDAYS:
            raise ValueError(f"not a weekday: {row.day!r}")  # as the CHECK in SQLite
        fields = {**asdict(row), "start": dump_clock(row.start), "end": dump_clock(row.end)}
        return self._db.insert("weekly_slots", fields)

    async def remove_weekly(self, weekly_id: int) -> None:
        self._db.delete("weekly_slots", str(weekly_id))


class _Work:
    def __init__(self, tables: Tables) -> None:
        db = _Db(tables)
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


class MemoryStore:
    """Tables of JSON text; a transaction works on a copy and swaps it in on success."""

    def __init__(self) -> None:
        self.tables: Tables = {name: {} for name in TABLES}
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[UnitOfWork]:
        async with self._lock:
            working = copy.deepcopy(self.tables)
            yield _Work(working)
            self.tables = working

    async def migrate(self) -> None:
        """Nothing to migrate in memory."""

    async def scrub(self) -> None:
        """Deleted rows are gone from memory already."""

    async def close(self) -> None:
        """Nothing to close in memory."""
