"""The desk in a browser: one-time login links and sessions, stored as hashes only."""

from __future__ import annotations

from datetime import datetime

from storage.codec import dump_time, load_time
from storage.ports.desk import DeskLoginRow, DeskSessionRow
from storage.sql_repos.base import Row, _dump, _Repo, _time

_LOGIN_COLUMNS = "token_hash, staff_id, created_at, expires_at, used_at, id"
_SESSION_COLUMNS = "session_hash, staff_id, csrf, created_at, seen_at, id"


def _login(row: Row) -> DeskLoginRow:
    return DeskLoginRow(row[0], row[1], load_time(row[2]), load_time(row[3]), _time(row[4]), row[5])


def _session(row: Row) -> DeskSessionRow:
    return DeskSessionRow(row[0], row[1], row[2], load_time(row[3]), load_time(row[4]), row[5])


class _DeskLogins(_Repo):
    async def add(self, row: DeskLoginRow) -> int:
        return await self._insert(
            "INSERT INTO desk_logins (token_hash, staff_id, created_at, expires_at, used_at) VALUES (?, ?, ?, ?, ?)",
            (row.token_hash, row.staff_id, dump_time(row.created_at), dump_time(row.expires_at),
             _dump(row.used_at)),
        )

    async def find(self, token_hash: str) -> DeskLoginRow | None:
        row = await self._one(f"SELECT {_LOGIN_COLUMNS} FROM desk_logins WHERE token_hash = ?", (token_hash,))
        return None if row is None else _login(row)

    async def spend(self, token_hash: str, at: datetime) -> DeskLoginRow | None:
        found = await self.find(token_hash)
        if found is None or found.used_at is not None or found.expires_at <= at:
            return None
        await self._db.execute("UPDATE desk_logins SET used_at = ? WHERE id = ?", (dump_time(at), found.id))
        found.used_at = at
        return found

    async def purge(self, before: datetime) -> int:
        count = await self._db.execute("DELETE FROM desk_logins WHERE expires_at < ?", (dump_time(before),))
        return count


class _DeskSessions(_Repo):
    async def add(self, row: DeskSessionRow) -> int:
        return await self._insert(
            "INSERT INTO desk_sessions (session_hash, staff_id, csrf, created_at, seen_at) VALUES (?, ?, ?, ?, ?)",
            (row.session_hash, row.staff_id, row.csrf, dump_time(row.created_at), dump_time(row.seen_at)),
        )

    async def get(self, session_hash: str) -> DeskSessionRow | None:
        row = await self._one(f"SELECT {_SESSION_COLUMNS} FROM desk_sessions WHERE session_hash = ?",
                              (session_hash,))
        return None if row is None else _session(row)

    async def touch(self, session_id: int, at: datetime) -> None:
        await self._db.execute("UPDATE desk_sessions SET seen_at = ? WHERE id = ?", (dump_time(at), session_id))

    async def end(self, session_id: int) -> None:
        await self._db.execute("DELETE FROM desk_sessions WHERE id = ?", (session_id,))

    async def purge(self, seen_before: datetime, created_before: datetime) -> int:
        count = await self._db.execute("DELETE FROM desk_sessions WHERE seen_at < ? OR created_at < ?",
                                        (dump_time(seen_before), dump_time(created_before)))
        return count
