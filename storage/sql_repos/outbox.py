"""The outbox: messages due to be sent, claimed by the ticker exactly once; heartbeats; leases."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime
from functools import cache

from storage.codec import dump_json, dump_time, load_json, load_time
from storage.ports.outbox import OutboxRow
from storage.sql_repos.base import POSTGRESQL, Dialect, Row, _constraints, _dump, _Repo, _time

_OUTBOX_COLUMNS = ("id, recipient, kind, message, due_at, status, attempts, claimed_at, done_at, lane, priority, "
                   "claimed_by")
# PostgreSQL: the channel on which a committed outbox row's recipient is announced (Store.listen).
OUTBOX_CHANNEL = "kaari_outbox"
# One recipient's due rows in the order they go (see Outbox.claim_due in storage.ports.outbox): ``nth`` is a row's
# place in its recipient's queue, ``turn`` its place in its lane (the lanes take turns).
@cache
def _claim(dialect: Dialect, narrowed: str = "") -> str:
    """The claim's query in ``dialect``; the subqueries are named, as PostgreSQL requires. ``narrowed``: a further
    condition on the rows' recipient (PostgreSQL's claim, below)."""
    return (
        f"SELECT {_OUTBOX_COLUMNS} FROM ("
        f"  SELECT {_OUTBOX_COLUMNS}, ROW_NUMBER() OVER (PARTITION BY recipient"
        "     ORDER BY priority DESC, attempts > 0 DESC, turn, due_at, id) AS nth FROM ("
        f"    SELECT {_OUTBOX_COLUMNS}, ROW_NUMBER() OVER (PARTITION BY recipient, lane ORDER BY due_at, id) AS turn"
        "     FROM outbox WHERE status = 'pending' AND due_at <= ? AND recipient NOT IN ("
        # In flight (on any instance; not a reply the channel sends itself), or waiting for a retry.
        "       SELECT recipient FROM outbox WHERE (status = 'sending' AND kind <> 'reply')"
        "       OR (status = 'pending' AND attempts > 0 AND due_at > ?))"
        "     AND NOT (CAST(? AS TEXT) <> '' AND substr(recipient, 1, length(CAST(? AS TEXT))) = CAST(? AS TEXT)"
        f"              AND recipient NOT IN ({dialect.json_texts})){narrowed}"
        "  ) AS laned"
        ") AS ranked WHERE nth <= ? ORDER BY priority DESC, nth, due_at, id LIMIT ?"
    )


# PostgreSQL's claim (Outbox._claim_locked): its advisory locks' first key (any constant, Kaari's own; the two-key
# form is a space apart from the person locks' one-key form), and its two narrowings of the claim's query.
_CLAIM_LOCKS = 0x4B61
_NOT_TRIED = f" AND recipient NOT IN ({POSTGRESQL.json_texts})"
_ONE = " AND recipient = ?"


def claim_lock(recipient: str) -> int:
    """The second key of a recipient's claim lock: a signed 32-bit hash of their key (a clash only skips one)."""
    return int.from_bytes(hashlib.blake2b(recipient.encode(), digest_size=4).digest(), "big", signed=True)


def _outbox(row: Row) -> OutboxRow:
    return OutboxRow(
        id=row[0], recipient=row[1], kind=row[2], message=load_json(row[3]), due_at=load_time(row[4]),
        status=row[5], attempts=row[6], claimed_at=_time(row[7]), done_at=_time(row[8]), lane=row[9],
        priority=row[10], claimed_by=row[11],
    )


class _Outbox(_Repo):
    async def add(self, row: OutboxRow) -> int:
        if self._db.dialect is POSTGRESQL and row.status == "pending":
            # Delivered at commit, to every instance's Store.listen: the one holding this person's socket or
            # desk sends it at once (a rolled-back row announces nothing; repeats in one transaction are one).
            await self._db.execute("SELECT pg_notify(?, ?)", (OUTBOX_CHANNEL, row.recipient))
        return await self._insert(
            "INSERT INTO outbox (recipient, kind, message, due_at, status, attempts, claimed_at, done_at, lane, "
            "priority, claimed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row.recipient, row.kind, dump_json(row.message), dump_time(row.due_at), row.status, row.attempts,
             _dump(row.claimed_at), _dump(row.done_at), row.lane, row.priority, row.claimed_by),
            row.recipient,
        )

    async def claim_due(self, now: datetime, limit: int, per_recipient: int | None = None, *, away: str = "",
                        present: Collection[str] = (), by: str = "") -> list[OutboxRow]:
        """Mark up to ``limit`` due rows as sending ``by`` that instance and return them; the transaction makes it
        exactly once (SQLite: BEGIN IMMEDIATE serialises processes; PostgreSQL: a claim lock per recipient, so that
        it holds at READ COMMITTED too, see ``_claim_locked``; in a SERIALIZABLE transaction a claimer that read
        rows another claimed meanwhile fails with Contention instead and runs again)."""
        if limit < 0 or (per_recipient is not None and per_recipient < 0):  # SQLite reads -1 as "no limit"
            raise ValueError("limit must not be negative")
        at = dump_time(now)
        per = limit if per_recipient is None else per_recipient
        given = (at, at, away, away, away, dump_json(sorted(present)))
        if self._db.dialect is POSTGRESQL:
            return await self._claim_locked(now, limit, per, given, by)
        rows = await self._all(_claim(self._db.dialect), (*given, per, limit))
        claimed = [replace(_outbox(row), status="sending", claimed_at=now, attempts=row[6] + 1, claimed_by=by)
                   for row in rows]
        await self._db.executemany(
            "UPDATE outbox SET status = 'sending', claimed_at = ?, attempts = attempts + 1, claimed_by = ? "
            "WHERE id = ?",
            [(dump_time(now), by, row.id) for row in claimed],
        )
        return claimed

    async def _claim_locked(self, now: datetime, limit: int, per: int, given: tuple[str, ...],
                            by: str) -> list[OutboxRow]:
        """PostgreSQL's claim, correct at READ COMMITTED (the ticker's; SERIALIZABLE read the whole outbox, and
        every transaction writing a row lost to it or made it lose, #14).

        Each recipient whose rows it would take is locked first (a transaction-level advisory lock of the claim's
        own, tried: one another claimer holds is skipped, that one is taking its rows), then that recipient's queue
        is read again under the lock. The lock is held until this transaction commits, so that read sees every
        earlier claimer's committed claim: a recipient with a row in flight on any instance is left alone (per
        person order), and a row is claimed at most once (the UPDATE re-checks 'pending' on the row's latest
        version as well). The rows taken are the same as the one query's: the first ``limit`` of the locked
        recipients' queues by priority and place, each recipient's first ``per``. Skipped recipients are read
        past, so a claimer next to a busy one still claims what is left.
        """
        claimed: list[tuple[tuple[int, int, datetime, int], OutboxRow]] = []
        tried: list[str] = []
        while len(claimed) < limit:
            wanted = limit - len(claimed)
            rows = await self._all(_claim(POSTGRESQL, _NOT_TRIED), (*given, dump_json(tried), per, wanted))
            if not rows:
                break
            fresh: list[tuple[tuple[int, int, datetime, int], OutboxRow]] = []
            for recipient in dict.fromkeys(row[1] for row in rows):  # in the order of their first row
                tried.append(recipient)
                if not (await self._all("SELECT pg_try_advisory_xact_lock(?, ?)",
                                        (_CLAIM_LOCKS, claim_lock(recipient))))[0][0]:
                    continue
                queue = [_outbox(row) for row in await self._all(_claim(POSTGRESQL, _ONE), (*given, recipient,
                                                                                             per, per))]
                fresh += [((-row.priority, nth, row.due_at, row.id or 0), row) for nth, row in enumerate(queue)]
            taken = sorted(fresh, key=lambda pair: pair[0])[:wanted]
            done = {found[0] for found in await self._all(
                "UPDATE outbox SET status = 'sending', claimed_at = ?, attempts = attempts + 1, claimed_by = ? "
                "WHERE id = ANY(?) AND status = 'pending' RETURNING id",
                (dump_time(now), by, [row.id for _, row in taken]))}
            claimed += [(place, replace(row, status="sending", claimed_at=now, attempts=row.attempts + 1,
                                        claimed_by=by)) for place, row in taken if row.id in done]
        return [row for _, row in sorted(claimed, key=lambda pair: pair[0])]

    async def finish(self, outbox_id: int, status: str, at: datetime) -> None:
        """Mark a row done and forget what it said; a row gone meanwhile (its recipient was deleted) stays gone."""
        async with _constraints(self._db):
            await self._db.execute(
                "UPDATE outbox SET status = ?, done_at = ?, message = '{}' WHERE id = ?",
                (status, dump_time(at), outbox_id),
            )

    async def retry(self, outbox_id: int, due_at: datetime, attempts: int) -> None:
        await self._db.execute(
            "UPDATE outbox SET status = 'pending', due_at = ?, attempts = ? WHERE id = ? AND status = 'sending'",
            (dump_time(due_at), attempts, outbox_id),
        )

    async def reclaim(self, claimed_before: datetime, spare: Collection[str] = ()) -> int:
        return await self._db.execute(
            "UPDATE outbox SET status = 'pending' WHERE status = 'sending' AND claimed_at < ? "
            f"AND claimed_by NOT IN ({self._db.dialect.json_texts})",
            (dump_time(claimed_before), dump_json(sorted(spare))),
        )

    async def for_recipient(self, recipient: str) -> list[OutboxRow]:
        rows = await self._all(
            f"SELECT {_OUTBOX_COLUMNS} FROM outbox WHERE recipient = ? ORDER BY due_at, id", (recipient,)
        )
        return [_outbox(row) for row in rows]

    async def delete_for_recipient(self, recipient: str) -> None:
        await self._db.execute("DELETE FROM outbox WHERE recipient = ?", (recipient,))

    async def purge_done(self, before: datetime) -> int:
        count = await self._db.execute(
            "DELETE FROM outbox WHERE status IN ('sent', 'failed', 'dropped') AND done_at < ?", (dump_time(before),)
        )
        return count

    async def due_count(self, now: datetime) -> int:
        row = await self._one("SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending') AND due_at <= ?",
                              (dump_time(now),))
        return int(row[0]) if row is not None else 0


class _Receipts(_Repo):
    async def add(self, update_id: int, at: datetime) -> bool:
        count = await self._db.execute(
            "INSERT INTO handled_updates (update_id, handled_at) VALUES (?, ?) ON CONFLICT (update_id) DO NOTHING",
            (update_id, dump_time(at)),
        )
        return count == 1

    async def purge(self, before: datetime) -> int:
        count = await self._db.execute("DELETE FROM handled_updates WHERE handled_at < ?", (dump_time(before),))
        return count


class _Heartbeats(_Repo):
    async def beat(self, name: str, at: datetime) -> None:
        await self._db.execute(
            "INSERT INTO heartbeats (name, beat_at) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET beat_at = excluded.beat_at", (name, dump_time(at)),
        )

    async def last(self, name: str) -> datetime | None:
        row = await self._one("SELECT beat_at FROM heartbeats WHERE name = ?", (name,))
        return load_time(row[0]) if row is not None else None

    async def named(self, prefix: str) -> dict[str, datetime]:
        # substr, not LIKE: a name may hold '_' or '%' (an instance's name is the operator's).
        rows = await self._all("SELECT name, beat_at FROM heartbeats "
                               "WHERE substr(name, 1, length(CAST(? AS TEXT))) = CAST(? AS TEXT)", (prefix, prefix))
        return {row[0]: load_time(row[1]) for row in rows}

    async def purge(self, before: datetime) -> int:
        return await self._db.execute("DELETE FROM heartbeats WHERE beat_at < ?", (dump_time(before),))


class _Leases(_Repo):
    async def take(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        # One statement: insert, or overwrite when the lease expired or is the holder's own (a renewal).
        count = await self._db.execute(
            "INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE "
            "SET holder = excluded.holder, expires_at = excluded.expires_at "
            "WHERE leases.holder = excluded.holder OR leases.expires_at < ?",
            (name, holder, dump_time(until), dump_time(now)),
        )
        return count == 1

    async def holder(self, name: str, now: datetime) -> str | None:
        row = await self._one("SELECT holder FROM leases WHERE name = ? AND expires_at >= ?", (name, dump_time(now)))
        return str(row[0]) if row is not None else None

    async def release(self, name: str, holder: str) -> None:
        await self._db.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))
