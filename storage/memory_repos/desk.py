"""The desk in a browser: one-time login links and sessions, stored as hashes only."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from storage.memory_repos.base import _fields, _Repo
from storage.ports.desk import DeskLoginRow, DeskSessionRow


class _DeskLogins(_Repo):
    async def add(self, row: DeskLoginRow) -> int:
        return self._db.insert("desk_logins", _fields(row))

    async def find(self, token_hash: str) -> DeskLoginRow | None:
        return next((row for row in self._db.rows(DeskLoginRow, "desk_logins") if row.token_hash == token_hash),
                    None)

    async def spend(self, token_hash: str, at: datetime) -> DeskLoginRow | None:
        found = await self.find(token_hash)
        if found is None or found.used_at is not None or found.expires_at <= at:
            return None
        spent = replace(found, used_at=at)
        self._db.put("desk_logins", str(found.id), _fields(spent))
        return spent

    async def purge(self, before: datetime) -> int:
        gone = [row for row in self._db.rows(DeskLoginRow, "desk_logins") if row.expires_at < before]
        for row in gone:
            self._db.delete("desk_logins", str(row.id))
        return len(gone)


class _DeskSessions(_Repo):
    async def add(self, row: DeskSessionRow) -> int:
        return self._db.insert("desk_sessions", _fields(row))

    async def get(self, session_hash: str) -> DeskSessionRow | None:
        return next((row for row in self._db.rows(DeskSessionRow, "desk_sessions")
                     if row.session_hash == session_hash), None)

    async def touch(self, session_id: int, at: datetime) -> None:
        found = self._db.get(DeskSessionRow, "desk_sessions", str(session_id))
        if found is not None:
            self._db.put("desk_sessions", str(session_id), _fields(replace(found, seen_at=at)))

    async def end(self, session_id: int) -> None:
        self._db.delete("desk_sessions", str(session_id))

    async def purge(self, seen_before: datetime, created_before: datetime) -> int:
        gone = [row for row in self._db.rows(DeskSessionRow, "desk_sessions")
                if row.seen_at < seen_before or row.created_at < created_before]
        for row in gone:
            self._db.delete("desk_sessions", str(row.id))
        return len(gone)
