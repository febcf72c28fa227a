"""An in-memory store for tests that JSON-round-trips every row and keeps the SQL schema's rules.

Rows are JSON text, ids come from never-reused sequences (like AUTOINCREMENT), and the foreign keys,
cascades, UNIQUE and CHECK constraints of ``storage/migrations`` are emulated, so a test passing here
does not fail on SQLite. The repositories live in ``storage.memory_repos``, one module per area.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict

from storage.codec import dump_json
from storage.deferred import Deferring
from storage.memory_repos.base import CHECKS, REFERENCES, TABLES, UNIQUE, Tables, _Db
from storage.memory_repos.chat import _Chats, _Schedules, _Shifts
from storage.memory_repos.desk import _DeskLogins, _DeskSessions
from storage.memory_repos.effect import _EffectRecords
from storage.memory_repos.goal_services import _GoalServices
from storage.memory_repos.goals import _Goals
from storage.memory_repos.groups import _Groups
from storage.memory_repos.identity import _Audit, _Clients, _CodeAttempts, _Consents, _Invitations, _Shares, _Staff
from storage.memory_repos.meetings import _Evaluations, _Meetings, _Preparations
from storage.memory_repos.outbox import _Heartbeats, _Leases, _Outbox, _Receipts
from storage.memory_repos.people import _Assessments, _Contacts, _Conversations, _Users
from storage.memory_repos.readings import _Readings
from storage.memory_repos.regions import _Regions
from storage.migrations import shipped_numbers
from storage.ports.base import SERIALIZABLE, Deferred, Isolation, UnitOfWork
from storage.ports.regions import DEFAULT_REGION, RegionRow

# The schema's rules stay importable from here: the contract tests compare them with SQLite's.
__all__ = ["CHECKS", "REFERENCES", "TABLES", "UNIQUE", "MemoryStore", "Tables", "_Db"]


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
        self.receipts = _Receipts(db)
        self.heartbeats = _Heartbeats(db)
        self.leases = _Leases(db)
        self.effect_records = _EffectRecords(db)
        self.chats = _Chats(db)
        self.shifts = _Shifts(db)
        self.schedules = _Schedules(db)
        self.preparations = _Preparations(db)
        self.evaluations = _Evaluations(db)
        self.meetings = _Meetings(db)
        self.goals = _Goals(db)
        self.groups = _Groups(db)
        self.readings = _Readings(db)
        self.goal_services = _GoalServices(db)
        self.desk_logins = _DeskLogins(db)
        self.desk_sessions = _DeskSessions(db)
        self.regions = _Regions(db)


class MemoryStore(Deferring):
    """Tables of JSON text; a transaction works on a copy and swaps it in on success."""

    def __init__(self) -> None:
        self.tables: Tables = {name: {} for name in TABLES}
        # Every deployment has the default region, as migration 0022 writes it.
        self.tables["regions"][DEFAULT_REGION] = dump_json(asdict(RegionRow(DEFAULT_REGION, "", "", "")))
        self._lock = asyncio.Lock()
        self._deferred: list[Deferred] = []
        self._migrated = False

    @asynccontextmanager
    async def transaction(self, person: str | None = None, *,
                          isolation: Isolation = SERIALIZABLE) -> AsyncIterator[UnitOfWork]:
        # ``person`` needs no lock of its own here: one process, one transaction at a time.
        async with self._lock:
            working = copy.deepcopy(self.tables)
            work = _Work(working)
            async with self._deferred_first(work):
                yield work
            self.tables = working

    async def migrate(self) -> None:
        """Nothing to migrate in memory: the tables are the latest schema's from the start."""
        self._migrated = True

    async def applied_migrations(self) -> set[int]:
        """Every shipped migration once ``migrate`` ran (as on SQLite), none before."""
        return shipped_numbers() if self._migrated else set()

    async def listen(self, wake: Callable[[str], None]) -> None:
        """Nothing to listen to: one process has this database, and its channels wake its ticker."""

    async def scrub(self) -> None:
        """Deleted rows are gone from memory already."""

    async def close(self) -> None:
        """Nothing to close in memory; what was deferred is written."""
        await self.flush()
