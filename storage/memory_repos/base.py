"""What every in-memory repository shares: the schema's rules, the tables that keep them, the ``_Repo`` base.

TABLES, REFERENCES, UNIQUE and CHECKS are the schema of ``storage/migrations``; ``_Db`` applies them to
tables of JSON text, and ``_fields`` and ``_load`` turn rows into JSON-safe fields and back.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any, TypeVar

from storage.codec import dump_day, dump_json, dump_time, load_json, load_time
from storage.ports.base import Conflict, UnknownRow, UnknownUser

Tables = dict[str, dict[str, str]]
R = TypeVar("R")

TABLES = (
    "users", "conversations", "assessments", "staff", "clients", "pairs", "invitations", "consents",
    "audit_log", "code_attempts", "shares", "contacts", "outbox", "shifts", "duty", "chats", "chat_messages",
    "rota", "closings", "weekly_slots", "preparations", "meetings", "participants", "promises", "evaluations",
    "chat_sent", "handled_updates", "heartbeats", "goals", "goal_revisions", "groups", "group_members",
    "group_rounds", "group_answers", "readings", "reading_comments", "effect_records", "goal_services",
    "goal_service_followups", "desk_logins", "desk_sessions", "leases", "regions", "sequences",
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
    ("chat_sent", "user_key", "users", "cascade"),
    ("group_members", "user_key", "users", "cascade"),
    ("group_answers", "user_key", "users", "cascade"),
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
    ("chat_sent", "chat_id", "chats", "cascade"),
    ("rota", "staff_id", "staff", "cascade"),
    ("meetings", "client_id", "clients", "cascade"),
    ("meetings", "created_by", "staff", "no action"),
    ("meetings", "follows", "meetings", "set null"),
    ("participants", "meeting_id", "meetings", "cascade"),
    ("participants", "staff_id", "staff", "set null"),
    ("promises", "meeting_id", "meetings", "cascade"),
    ("promises", "participant_id", "participants", "cascade"),
    ("goals", "user_key", "users", "cascade"),
    ("goals", "client_id", "clients", "cascade"),
    ("goal_revisions", "goal_id", "goals", "cascade"),
    ("groups", "created_by", "staff", "no action"),
    ("group_members", "group_id", "groups", "cascade"),
    ("group_rounds", "group_id", "groups", "cascade"),
    ("group_rounds", "opened_by", "staff", "no action"),
    ("group_answers", "round_id", "group_rounds", "cascade"),
    ("group_answers", "assessment_id", "assessments", "cascade"),
    ("readings", "client_id", "clients", "cascade"),
    ("readings", "staff_id", "staff", "cascade"),
    ("reading_comments", "reading_id", "readings", "cascade"),
    ("reading_comments", "assessment_id", "assessments", "cascade"),
    ("goal_services", "goal_id", "goals", "cascade"),
    ("promises", "goal_id", "goals", "set null"),
    ("goal_service_followups", "link_id", "goal_services", "cascade"),
    ("desk_logins", "staff_id", "staff", "cascade"),
    ("desk_sessions", "staff_id", "staff", "cascade"),
)
# Each entry is one UNIQUE constraint: the columns that may not repeat together (NULL never repeats).
UNIQUE: dict[str, tuple[tuple[str, ...], ...]] = {
    "staff": (("user_key",),),
    "clients": (("user_key",),),
    "invitations": (("code_hash",),),
    "shifts": (("service", "starts_at"),),
    "participants": (("join_hash",),),
    "groups": (("code_hash",),),
    "goal_services": (("goal_id", "service_id"),),
    "desk_logins": (("token_hash",),),
    "desk_sessions": (("session_hash",),),
}
# Nullable columns allow None, as SQL's CHECK passes on NULL.
CHECKS: dict[str, dict[str, set[Any]]] = {
    "invitations": {"kind": {"staff", "client", "pair"}},
    "consents": {"answer": {"yes", "no", "withdrawn"}},
    "outbox": {"status": {"pending", "sending", "sent", "failed", "dropped"}},
    "chats": {"status": {"queued", "open", "closed"}, "rating": {None, 1, 2, 3, 4, 5}},
    "chat_messages": {"sender": {"young", "staff"}},
    "meetings": {"status": {"planned", "held", "cancelled"},
                 "place_kind": {"home", "school", "office", "outdoors", "online", "hybrid"}},
    "participants": {"role": {"client", "worker", "other"}},
    "promises": {"status": {"open", "done", "help"}},
    "goals": {"status": {"going", "reached", "let_go"}},
    "goal_revisions": {"changed_by": {"young", "worker"}},
    "reading_comments": {"side": {"client", "worker"}},
    "goal_service_followups": {"reached": {"yes", "not_yet", "no"},
                               "helped": {None, "yes", "somewhat", "no", "cant_say"},
                               "answered_by": {"young", "worker"}},
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
