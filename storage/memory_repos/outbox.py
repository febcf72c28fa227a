"""The outbox: messages due to be sent, claimed by the ticker exactly once; heartbeats; leases."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime

from storage.codec import dump_time, load_json, load_time
from storage.memory_repos.base import _fields, _Repo
from storage.ports.outbox import OutboxRow


class _Outbox(_Repo):
    async def add(self, row: OutboxRow) -> int:
        return self._db.insert("outbox", _fields(row))

    def _sorted(self, rows: list[OutboxRow]) -> list[OutboxRow]:
        return sorted(rows, key=lambda row: (row.due_at, row.id or 0))

    async def claim_due(self, now: datetime, limit: int, per_recipient: int | None = None, *, away: str = "",
                        present: Collection[str] = (), by: str = "") -> list[OutboxRow]:
        if limit < 0 or (per_recipient is not None and per_recipient < 0):
            raise ValueError("limit must not be negative")
        dump_time(now)
        rows = self._db.rows(OutboxRow, "outbox")
        waiting = {row.recipient for row in rows if row.status == "pending" and row.attempts and row.due_at > now}
        # In flight, on any instance (but a reply the channel sends itself, see Outbox.claim_due).
        waiting |= {row.recipient for row in rows if row.status == "sending" and row.kind != "reply"}
        turns: dict[tuple[str, str], int] = {}
        queues: dict[str, list[tuple[tuple[int, int, int, datetime, int], OutboxRow]]] = {}
        for row in self._sorted([row for row in rows if row.status == "pending" and row.due_at <= now]):
            if row.recipient in waiting or (away and row.recipient.startswith(away) and row.recipient not in present):
                continue
            turn = turns[row.recipient, row.lane] = turns.get((row.recipient, row.lane), 0) + 1
            order = (-row.priority, 0 if row.attempts else 1, turn, row.due_at, row.id or 0)
            queues.setdefault(row.recipient, []).append((order, row))
        most = limit if per_recipient is None else per_recipient
        ranked = [(row.priority, nth, row.due_at, row.id or 0, row) for queue in queues.values()
                  for nth, (_, row) in enumerate(sorted(queue, key=lambda pair: pair[0])[:most], start=1)]
        ranked.sort(key=lambda item: (-item[0], item[1], item[2], item[3]))
        due = [item[4] for item in ranked[:limit]]
        claimed = [replace(row, status="sending", claimed_at=now, attempts=row.attempts + 1, claimed_by=by)
                   for row in due]
        for row in claimed:
            self._db.put("outbox", str(row.id), _fields(row))
        return claimed

    async def finish(self, outbox_id: int, status: str, at: datetime) -> None:
        dump_time(at)
        row = self._db.get(OutboxRow, "outbox", str(outbox_id))
        if row is not None:  # gone (its recipient was deleted meanwhile): nothing left to mark
            self._db.put("outbox", str(outbox_id), _fields(replace(row, status=status, done_at=at, message={})))

    async def retry(self, outbox_id: int, due_at: datetime, attempts: int) -> None:
        dump_time(due_at)
        row = self._db.get(OutboxRow, "outbox", str(outbox_id))
        if row is not None and row.status == "sending":
            self._db.put("outbox", str(outbox_id), _fields(replace(row, status="pending", due_at=due_at,
                                                                     attempts=attempts)))

    async def reclaim(self, claimed_before: datetime, spare: Collection[str] = ()) -> int:
        dump_time(claimed_before)
        stale = [
            row for row in self._db.rows(OutboxRow, "outbox")
            if row.status == "sending" and row.claimed_at is not None and row.claimed_at < claimed_before
            and row.claimed_by not in spare
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

    async def due_count(self, now: datetime) -> int:
        dump_time(now)
        return sum(1 for row in self._db.rows(OutboxRow, "outbox")
                   if row.status in ("pending", "sending") and row.due_at <= now)


class _Receipts(_Repo):
    async def add(self, update_id: int, at: datetime) -> bool:
        if str(update_id) in self._db.tables["handled_updates"]:
            return False
        self._db.put("handled_updates", str(update_id), {"update_id": update_id, "handled_at": dump_time(at)})
        return True

    async def purge(self, before: datetime) -> int:
        old = [key for key, text in self._db.tables["handled_updates"].items()
               if load_time(load_json(text)["handled_at"]) < before]
        for key in old:
            self._db.delete("handled_updates", key)
        return len(old)


class _Heartbeats(_Repo):
    async def beat(self, name: str, at: datetime) -> None:
        self._db.put("heartbeats", name, {"name": name, "beat_at": dump_time(at)})

    async def last(self, name: str) -> datetime | None:
        text = self._db.tables["heartbeats"].get(name)
        return load_time(load_json(text)["beat_at"]) if text is not None else None

    async def named(self, prefix: str) -> dict[str, datetime]:
        return {name: load_time(load_json(text)["beat_at"])
                for name, text in self._db.tables["heartbeats"].items() if name.startswith(prefix)}

    async def purge(self, before: datetime) -> int:
        dump_time(before)
        old = [name for name, beat in (await self.named("")).items() if beat < before]
        for name in old:
            self._db.delete("heartbeats", name)
        return len(old)


@dataclass
class _Lease:
    name: str
    holder: str
    expires_at: datetime


class _Leases(_Repo):
    async def take(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        dump_time(now)
        lease = self._db.get(_Lease, "leases", name)
        if lease is not None and lease.holder != holder and lease.expires_at >= now:
            return False
        self._db.put("leases", name, _fields(_Lease(name, holder, until)))
        return True

    async def holder(self, name: str, now: datetime) -> str | None:
        lease = self._db.get(_Lease, "leases", name)
        return lease.holder if lease is not None and lease.expires_at >= now else None

    async def release(self, name: str, holder: str) -> None:
        lease = self._db.get(_Lease, "leases", name)
        if lease is not None and lease.holder == holder:
            self._db.delete("leases", name)
