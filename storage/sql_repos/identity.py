"""Identity, roles and consent (#3): staff, clients and pairs, invitations, code attempts, consents, shares, audit."""

from __future__ import annotations

from datetime import datetime

from storage.codec import dump_time, load_time
from storage.ports.identity import AuditRow, ClientRow, ConsentRow, InvitationRow, PairRow, ShareRow, StaffRow
from storage.sql_repos.base import Row, _constraints, _dump, _Repo, _time

_STAFF_COLUMNS = (
    "id, name, title, organisation, is_coordinator, is_worker, created_at, user_key, active, expert, region"
)


def _staff(row: Row) -> StaffRow:
    return StaffRow(
        id=row[0], name=row[1], title=row[2], organisation=row[3], is_coordinator=bool(row[4]),
        is_worker=bool(row[5]), created_at=load_time(row[6]), user_key=row[7], active=bool(row[8]),
        expert=bool(row[9]), region=row[10],
    )


class _Staff(_Repo):
    async def add(self, row: StaffRow) -> int:
        return await self._insert(
            "INSERT INTO staff (name, title, organisation, is_coordinator, is_worker, created_at, user_key, "
            "active, expert, region) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row.name, row.title, row.organisation, int(row.is_coordinator), int(row.is_worker),
             dump_time(row.created_at), row.user_key, int(row.active), int(row.expert), row.region),
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
            "user_key = ?, active = ?, expert = ?, region = ? WHERE id = ?",
            (row.name, row.title, row.organisation, int(row.is_coordinator), int(row.is_worker), row.user_key,
             int(row.active), int(row.expert), row.region, row.id),
            row.user_key,
        )

    async def all(self) -> list[StaffRow]:
        return [_staff(row) for row in await self._all(f"SELECT {_STAFF_COLUMNS} FROM staff ORDER BY id", ())]

    async def in_region(self, region: str) -> list[StaffRow]:
        rows = await self._all(f"SELECT {_STAFF_COLUMNS} FROM staff WHERE region = ? ORDER BY id", (region,))
        return [_staff(row) for row in rows]


_CLIENT_COLUMNS = "id, nickname, created_by, created_at, user_key, linked_at, ended_at, region"


def _client(row: Row) -> ClientRow:
    return ClientRow(
        id=row[0], nickname=row[1], created_by=row[2], created_at=load_time(row[3]), user_key=row[4],
        linked_at=_time(row[5]), ended_at=_time(row[6]), region=row[7],
    )


class _Clients(_Repo):
    async def add(self, row: ClientRow) -> int:
        return await self._insert(
            "INSERT INTO clients (nickname, created_by, created_at, user_key, linked_at, ended_at, region) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (row.nickname, row.created_by, dump_time(row.created_at), row.user_key, _dump(row.linked_at),
             _dump(row.ended_at), row.region),
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
            "UPDATE clients SET nickname = ?, created_by = ?, user_key = ?, linked_at = ?, ended_at = ?, region = ? "
            "WHERE id = ?",
            (row.nickname, row.created_by, row.user_key, _dump(row.linked_at), _dump(row.ended_at), row.region,
             row.id),
            row.user_key,
        )

    async def delete(self, client_id: int) -> None:
        await self._db.execute("DELETE FROM clients WHERE id = ?", (client_id,))

    async def for_staff(self, staff_id: int) -> list[ClientRow]:
        rows = await self._all(
            "SELECT c.id, c.nickname, c.created_by, c.created_at, c.user_key, c.linked_at, c.ended_at, c.region "
            "FROM clients c JOIN pairs p ON p.client_id = c.id WHERE p.staff_id = ? "
            "ORDER BY c.nickname, c.id",
            (staff_id,),
        )
        return [_client(row) for row in rows]

    async def in_region(self, region: str) -> list[ClientRow]:
        rows = await self._all(
            f"SELECT {_CLIENT_COLUMNS} FROM clients WHERE region = ? ORDER BY nickname, id", (region,)
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


def _invitation(row: Row) -> InvitationRow:
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


def _audit(row: Row) -> AuditRow:
    return AuditRow(id=row[0], at=load_time(row[1]), actor=row[2], action=row[3], subject=row[4], region=row[5])


class _Audit(_Repo):
    async def add(self, row: AuditRow) -> int:
        return await self._insert(
            "INSERT INTO audit_log (at, actor, action, subject, region) VALUES (?, ?, ?, ?, ?)",
            (dump_time(row.at), row.actor, row.action, row.subject, row.region),
        )

    async def recent(self, limit: int) -> list[AuditRow]:
        if limit < 0:  # SQLite reads a negative LIMIT as "no limit"
            raise ValueError("limit must not be negative")
        rows = await self._all(
            "SELECT id, at, actor, action, subject, region FROM audit_log ORDER BY at DESC, id DESC LIMIT ?", (limit,)
        )
        return [_audit(row) for row in rows]

    async def recent_of(self, region: str, limit: int) -> list[AuditRow]:
        if limit < 0:  # SQLite reads a negative LIMIT as "no limit"
            raise ValueError("limit must not be negative")
        rows = await self._all(
            "SELECT id, at, actor, action, subject, region FROM audit_log WHERE region = ? "
            "ORDER BY at DESC, id DESC LIMIT ?", (region, limit)
        )
        return [_audit(row) for row in rows]

    async def about(self, subject: str) -> list[AuditRow]:
        rows = await self._all(
            "SELECT id, at, actor, action, subject, region FROM audit_log WHERE subject = ? ORDER BY at, id", (subject,)
        )
        return [_audit(row) for row in rows]

    async def relabel(self, actor: str, new_actor: str) -> int:
        count = await self._db.execute("UPDATE audit_log SET actor = ? WHERE actor = ?", (new_actor, actor))
        return count

    async def purge(self, before: datetime) -> int:
        count = await self._db.execute("DELETE FROM audit_log WHERE at < ?", (dump_time(before),))
        return count


class _CodeAttempts(_Repo):
    async def add(self, chat_key: str, at: datetime) -> None:
        await self._db.execute("INSERT INTO code_attempts (chat_key, at) VALUES (?, ?)", (chat_key, dump_time(at)))

    async def count_since(self, chat_key: str, since: datetime) -> int:
        row = await self._one(
            "SELECT COUNT(*) FROM code_attempts WHERE chat_key = ? AND at >= ?", (chat_key, dump_time(since))
        )
        assert row is not None
        return int(row[0])

    async def count_all_since(self, since: datetime) -> int:
        row = await self._one("SELECT COUNT(*) FROM code_attempts WHERE at >= ?", (dump_time(since),))
        assert row is not None
        return int(row[0])

    async def purge(self, before: datetime) -> int:
        count = await self._db.execute("DELETE FROM code_attempts WHERE at < ?", (dump_time(before),))
        return count

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
