"""What every backend shares: the errors it raises, the unit of work over every area's repositories, the store.

The one module that knows all areas (``UnitOfWork`` names each repository); no area module imports it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Literal, Protocol

from storage.ports.chat import Chats, Schedules, Shifts
from storage.ports.desk import DeskLogins, DeskSessions
from storage.ports.effect import EffectRecords
from storage.ports.goal_services import GoalServices
from storage.ports.goals import Goals
from storage.ports.groups import Groups
from storage.ports.identity import Audit, Clients, CodeAttempts, Consents, Invitations, Shares, Staff
from storage.ports.meetings import Evaluations, Meetings, Preparations
from storage.ports.outbox import Heartbeats, Leases, Outbox, Receipts
from storage.ports.people import Assessments, Contacts, Conversations, Users
from storage.ports.readings import Readings
from storage.ports.regions import Regions


class UnknownUser(LookupError):
    """A row refers to a person the store does not have (every backend raises this, not its own error)."""


class UnknownRow(LookupError):
    """A row refers to another row (staff, client, assessment) the store does not have, or saves one it lacks."""


class StoreUnavailable(RuntimeError):
    """The database cannot be opened or read (corrupt, read-only, missing folder); the message names the file."""


class ConnectionLost(StoreUnavailable):
    """The database server went away mid-transaction (restarted, its session ended, the network): nothing of the
    transaction can be counted on, not even whether its COMMIT arrived. The caller does not confirm what it was
    doing, so it is done again later (an update: Telegram sends it again, and its receipt makes one that did
    commit a duplicate). PostgreSQL only: an SQLite file does not go away."""


class Conflict(ValueError):
    """A row would break a uniqueness rule: a second staff or client for one user, a reused invitation code."""


Isolation = Literal["serializable", "read_committed"]
SERIALIZABLE: Isolation = "serializable"
READ_COMMITTED: Isolation = "read_committed"


class Contention(RuntimeError):
    """A transaction lost to a concurrent one (PostgreSQL: a serialization failure or a deadlock) and was rolled
    back whole; running it again from the start may well succeed. SQLite and the memory fake never raise it.
    ``reason``: the database's short reason (PostgreSQL's SQLSTATE and reason code), for the log."""

    def __init__(self, message: str = "", reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or "-"


class UnitOfWork(Protocol):
    """The repositories of one transaction: all of it commits, or none of it."""

    @property
    def users(self) -> Users: ...
    @property
    def conversations(self) -> Conversations: ...
    @property
    def assessments(self) -> Assessments: ...
    @property
    def staff(self) -> Staff: ...
    @property
    def clients(self) -> Clients: ...
    @property
    def invitations(self) -> Invitations: ...
    @property
    def consents(self) -> Consents: ...
    @property
    def audit(self) -> Audit: ...
    @property
    def code_attempts(self) -> CodeAttempts: ...
    @property
    def shares(self) -> Shares: ...
    @property
    def contacts(self) -> Contacts: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def receipts(self) -> Receipts: ...
    @property
    def heartbeats(self) -> Heartbeats: ...
    @property
    def leases(self) -> Leases: ...
    @property
    def effect_records(self) -> EffectRecords: ...
    @property
    def chats(self) -> Chats: ...
    @property
    def shifts(self) -> Shifts: ...
    @property
    def schedules(self) -> Schedules: ...
    @property
    def preparations(self) -> Preparations: ...
    @property
    def meetings(self) -> Meetings: ...
    @property
    def evaluations(self) -> Evaluations: ...
    @property
    def goals(self) -> Goals: ...
    @property
    def groups(self) -> Groups: ...
    @property
    def readings(self) -> Readings: ...
    @property
    def goal_services(self) -> GoalServices: ...
    @property
    def desk_logins(self) -> DeskLogins: ...
    @property
    def desk_sessions(self) -> DeskSessions: ...
    @property
    def regions(self) -> Regions: ...


Deferred = Callable[["UnitOfWork"], Awaitable[None]]


class Store(Protocol):
    """A backend: open transactions, apply migrations, close."""

    # ``person``: the key of the one person the transaction is about, if any; a backend shared by several
    # processes runs one person's transactions one at a time (SQLite and the fake: one process, one at a time).
    # ``isolation``: SERIALIZABLE unless the caller's own protocol keeps it correct at READ COMMITTED (the
    # outbox's claim, see Outbox.claim_due); SQLite and the fake run one transaction at a time and ignore it.
    def transaction(self, person: str | None = None, *,
                    isolation: Isolation = SERIALIZABLE) -> AbstractAsyncContextManager[UnitOfWork]: ...
    async def migrate(self) -> None: ...
    # The numbers of the migrations this database records as applied (empty before the first ``migrate``);
    # `/readyz` and `kaari health` compare them with ``storage.migrations.shipped_numbers``.
    async def applied_migrations(self) -> set[int]: ...
    async def scrub(self) -> None: ...  # make deleted data unrecoverable from the files (after /forget)
    # A small write that need not commit at once (marking a sent reply sent): it runs at the start of the next
    # transaction, whoever opens it, so it costs no transaction of its own; ``flush`` runs what is waiting.
    def defer(self, write: Deferred) -> None: ...
    async def flush(self) -> None: ...
    async def close(self) -> None: ...
    # Several instances (#14): call ``wake`` with the recipient's key whenever another process commits an outbox
    # row (PostgreSQL: LISTEN/NOTIFY), so that the instance holding that person's socket sends it at once; a
    # no-op where one process has the database (SQLite, memory): its own channels wake its own ticker.
    async def listen(self, wake: Callable[[str], None]) -> None: ...
