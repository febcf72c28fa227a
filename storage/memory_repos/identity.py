"""Identity, roles and consent (#3): staff, clients and pairs, invitations, code attempts, consents, shares, audit."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from storage.codec import dump_json, dump_time, load_json, load_time
from storage.memory_repos.base import _fields, _Repo
from storage.ports.identity import AuditRow, ClientRow, ConsentRow, InvitationRow, PairRow, ShareRow, StaffRow


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

    async def in_region(self, region: str) -> list[StaffRow]:
        return [row for row in await self.all() if row.region == region]


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

    async def in_region(self, region: str) -> list[ClientRow]:
        rows = [row for row in self._db.rows(ClientRow, "clients") if row.region == region]
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

    async def recent_of(self, region: str, limit: int) -> list[AuditRow]:
        if limit < 0:
            raise ValueError("limit must not be negative")
        rows = sorted((row for row in self._db.rows(AuditRow, "audit_log") if row.region == region),
                      key=lambda row: (row.at, row.id or 0))
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

    async def count_all_since(self, since: datetime) -> int:
        dump_time(since)
        return sum(1 for text in self._db.tables["code_attempts"].values() if load_time(load_json(text)["at"]) >= since)

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
