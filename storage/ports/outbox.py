"""Delivery's ports: the outbox of messages to push, receipts of handled updates, heartbeats, leases.

Backends: ``storage/sql_repos/outbox.py`` and ``storage/memory_repos/outbox.py``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass
class OutboxRow:
    """A message to push to a person at ``due_at`` (now, or later for reminders): time is data.

    ``message`` is a serialised catalog message (flows.core.messages.dump_msg). Status goes
    pending -> sending (claimed) -> sent | failed | dropped; a transient failure puts it back to pending,
    due again a few seconds later (``retry``). ``lane`` names the conversation it belongs to (one chat),
    so that one recipient's conversations take turns; ``priority`` 1 (a crisis chat) goes first.
    ``claimed_by`` is the instance (bot.instance) that claimed it last: while that instance lives, its row
    'sending' is its own, and no other instance puts it back (that would send it twice).
    """

    recipient: str
    kind: str
    message: dict[str, Any]
    due_at: datetime
    status: str = "pending"
    attempts: int = 0
    claimed_at: datetime | None = None
    done_at: datetime | None = None
    id: int | None = None
    lane: str = ""
    priority: int = 0
    claimed_by: str = ""


class Outbox(Protocol):
    async def add(self, row: OutboxRow) -> int: ...
    # Pending & due -> sending, at most ``per_recipient`` rows of one recipient (so that one busy chat, paced
    # at one message a second, cannot hold up a whole round). Fair and in order: higher priority first, then
    # rows being retried, then one recipient's lanes take turns (each lane oldest first), and the batch
    # takes every recipient's first row before anyone's second. A recipient with a row waiting to be retried
    # (pending, attempted, not yet due again) gets nothing, so that no later row overtakes it. Recipients whose
    # key begins with ``away`` (a channel's, "web-") get nothing unless ``present`` (a web person with a socket
    # open): their rows wait, pending, taking nobody's place in the batch. A recipient with a row 'sending' (in
    # flight, on any instance) gets nothing either, so that one person's messages keep their order across
    # instances; except a row of kind 'reply' (the reply to their own input, which the channel sends right after
    # the commit and marks sent in a later, deferred write: waiting for that write would hold their pushes up
    # for a round; before several instances, a push could pass a reply in flight too). The claimed rows are
    # owned ``by`` that instance.
    async def claim_due(self, now: datetime, limit: int, per_recipient: int | None = None, *, away: str = "",
                        present: Collection[str] = (), by: str = "") -> list[OutboxRow]: ...
    # A claimed row back to pending, due at ``due_at`` with ``attempts`` (after a transient send failure).
    async def retry(self, outbox_id: int, due_at: datetime, attempts: int) -> None: ...
    async def finish(self, outbox_id: int, status: str, at: datetime) -> None: ...  # and empties the message
    # 'sending' rows claimed before that -> pending, except those of the instances in ``spare`` (live ones).
    async def reclaim(self, claimed_before: datetime, spare: Collection[str] = ()) -> int: ...
    async def for_recipient(self, recipient: str) -> list[OutboxRow]: ...
    async def delete_for_recipient(self, recipient: str) -> None: ...
    async def purge_done(self, before: datetime) -> int: ...  # sent/failed/dropped rows finished before that
    async def due_count(self, now: datetime) -> int: ...  # rows due by ``now`` and not sent (pending or sending)


class Receipts(Protocol):
    """Update ids whose input has committed (a channel's delivery receipt), so a repeat is not applied twice."""

    async def add(self, update_id: int, at: datetime) -> bool: ...  # False when it was already there
    async def purge(self, before: datetime) -> int: ...  # receipts older than that, gone


class Heartbeats(Protocol):
    """When a long-running loop (an instance's ticker) last completed a round, or an instance last said it lives;
    `kaari health` and the other instances read them. A name carries its instance (bot.instance)."""

    async def beat(self, name: str, at: datetime) -> None: ...  # insert or overwrite
    async def last(self, name: str) -> datetime | None: ...  # None: it never ran
    async def named(self, prefix: str) -> dict[str, datetime]: ...  # every beat whose name begins with prefix
    async def purge(self, before: datetime) -> int: ...  # beats older than that (instances long gone), gone


class Leases(Protocol):
    """A job only one instance may run at a time (long polling): one holder per name until ``expires_at``."""

    # Take or renew the lease ``name`` for ``holder`` until ``until``; True when it is theirs now (it was free,
    # expired at ``now``, or already theirs), False while another holds it.
    async def take(self, name: str, holder: str, now: datetime, until: datetime) -> bool: ...
    async def holder(self, name: str, now: datetime) -> str | None: ...  # None: free or expired at ``now``
    async def release(self, name: str, holder: str) -> None: ...  # free it, if ``holder`` holds it
