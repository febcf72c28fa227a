"""Identity's ports (#3): staff, clients and their workers, invitations, consent, audit, code attempts, shares.

Backends: ``storage/sql_repos/identity.py`` and ``storage/memory_repos/identity.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass
class StaffRow:
    """A worker or a coordinator of an organisation; linked to a Telegram account only by invitation."""

    name: str
    title: str  # their own title; "" shows their role's name in the reader's language (#10)
    organisation: str
    is_coordinator: bool
    is_worker: bool
    created_at: datetime
    user_key: str | None = None
    active: bool = True
    id: int | None = None
    # An expert by experience (kokemusasiantuntija) working beside a professional (#10).
    expert: bool = False
    # Its region (#14); an area's ports import no other area, so this is storage.ports.regions.DEFAULT_REGION.
    region: str = "default"


@dataclass
class ClientRow:
    """A person a worker works with by name; linked to a Telegram account only after consent (a)."""

    nickname: str
    created_by: int
    created_at: datetime
    user_key: str | None = None
    linked_at: datetime | None = None
    ended_at: datetime | None = None
    id: int | None = None
    region: str = "default"  # its region (#14): storage.ports.regions.DEFAULT_REGION


@dataclass
class PairRow:
    """A worker working with a client; one of the client's workers is the responsible one."""

    client_id: int
    staff_id: int
    responsible: bool


@dataclass
class InvitationRow:
    """A one-time invitation: for a new worker (staff_id), for a client (client_id), or for a worker of another
    region to become a client's pair worker (kind "pair", client_id; #14). Only a hash of the code is stored."""

    code_hash: str
    kind: str  # "staff", "client" or "pair"
    created_by: int | None
    created_at: datetime
    expires_at: datetime
    staff_id: int | None = None
    client_id: int | None = None
    used_at: datetime | None = None
    revoked_at: datetime | None = None
    id: int | None = None


@dataclass
class ConsentRow:
    """One answer to one consent item, with the version of the text that was shown."""

    client_id: int
    item: str  # "work", "exchange", "storage", "reminders"
    version: int
    answer: str  # "yes", "no", "withdrawn"
    at: datetime
    channel: str
    id: int | None = None


@dataclass
class AuditRow:
    """Who did what to whom, when: ids and event names only, never content."""

    at: datetime
    actor: str  # "staff:3", "client:5", "user:<key prefix>", "admin"
    action: str  # e.g. "client.card.view", "denied.worker_menu"
    subject: str  # e.g. "client:5", ""
    id: int | None = None
    region: str = "default"  # whose log it is (#14): storage.ports.regions.DEFAULT_REGION


@dataclass
class ShareRow:
    """An assessment a client chose to show to their workers."""

    assessment_id: int
    client_id: int
    shared_at: datetime


class Staff(Protocol):
    async def add(self, row: StaffRow) -> int: ...
    async def get(self, staff_id: int) -> StaffRow | None: ...
    async def by_user(self, user_key: str) -> StaffRow | None: ...
    async def save(self, row: StaffRow) -> None: ...
    async def all(self) -> list[StaffRow]: ...
    async def in_region(self, region: str) -> list[StaffRow]: ...  # by id (#14)


class Clients(Protocol):
    async def add(self, row: ClientRow) -> int: ...
    async def get(self, client_id: int) -> ClientRow | None: ...
    async def by_user(self, user_key: str) -> ClientRow | None: ...
    async def save(self, row: ClientRow) -> None: ...
    # Cascades to pairs, consents, shares, invitations, the preparation and the meetings with their promises.
    async def delete(self, client_id: int) -> None: ...
    async def for_staff(self, staff_id: int) -> list[ClientRow]: ...  # clients this worker is paired with
    async def in_region(self, region: str) -> list[ClientRow]: ...  # by nickname, then id (#14)
    async def ended_before(self, before: datetime) -> list[int]: ...  # ids of clients whose work ended then
    async def pairs(self, client_id: int) -> list[PairRow]: ...
    async def set_pair(self, row: PairRow) -> None: ...  # insert or update responsible


class Invitations(Protocol):
    async def add(self, row: InvitationRow) -> int: ...
    async def by_hash(self, code_hash: str) -> InvitationRow | None: ...
    async def get(self, invitation_id: int) -> InvitationRow | None: ...
    async def save(self, row: InvitationRow) -> None: ...
    async def for_client(self, client_id: int) -> list[InvitationRow]: ...
    async def for_staff(self, staff_id: int) -> list[InvitationRow]: ...  # invitations *for* that staff member


class Consents(Protocol):
    async def add(self, row: ConsentRow) -> int: ...
    async def for_client(self, client_id: int) -> list[ConsentRow]: ...  # oldest first


class Audit(Protocol):
    async def add(self, row: AuditRow) -> int: ...
    async def recent(self, limit: int) -> list[AuditRow]: ...  # newest first
    async def recent_of(self, region: str, limit: int) -> list[AuditRow]: ...  # one region's log, newest first
    async def about(self, subject: str) -> list[AuditRow]: ...  # oldest first
    async def relabel(self, actor: str, new_actor: str) -> int: ...  # a forgotten person's rows lose their key
    async def purge(self, before: datetime) -> int: ...  # rows older than the audit retention


class CodeAttempts(Protocol):
    async def add(self, chat_key: str, at: datetime) -> None: ...
    async def count_since(self, chat_key: str, since: datetime) -> int: ...
    async def count_all_since(self, since: datetime) -> int: ...  # everyone's, for the bot-wide limit
    async def purge(self, before: datetime) -> int: ...  # attempts older than that, gone
    async def delete_for(self, chat_key: str) -> None: ...


class Shares(Protocol):
    async def add(self, row: ShareRow) -> None: ...
    async def for_client(self, client_id: int) -> list[ShareRow]: ...
