"""The storage port: what the engine needs from any backend, as Protocols and plain rows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Protocol


class UnknownUser(LookupError):
    """A row refers to a person the store does not have (every backend raises this, not its own error)."""


class UnknownRow(LookupError):
    """A row refers to another row (staff, client, assessment) the store does not have, or saves one it lacks."""


class StoreUnavailable(RuntimeError):
    """The database cannot be opened or read (corrupt, read-only, missing folder); the message names the file."""


class Conflict(ValueError):
    """A row would break a uniqueness rule: a second staff or client for one user, a reused invitation code."""


@dataclass
class UserRow:
    """A person, keyed by a keyed hash (never a raw Telegram id)."""

    key: str
    language: str
    created_at: datetime
    last_seen_at: datetime


@dataclass
class ConversationRow:
    """Where one person is in one flow: versioned plain data, no pickles."""

    key: str
    flow: str
    state: str
    flow_version: int
    step: int
    data: dict[str, Any]
    updated_at: datetime


@dataclass
class AssessmentRow:
    """One completed ESY self-assessment."""

    user_key: str
    instrument_id: str
    instrument_version: int
    completed_at: datetime
    ratings: dict[str, int | None]
    area_scores: dict[str, float | None]
    wishes: dict[str, str]
    id: int | None = field(default=None)


@dataclass
class Visit:
    """What the engine reads about a person before every input (see ``Users.visit``)."""

    user: UserRow | None
    staff: bool
    client: bool
    participant: bool
    conversation: ConversationRow | None


class Users(Protocol):
    async def get(self, key: str) -> UserRow | None: ...
    async def save(self, row: UserRow) -> None: ...
    # Cascades to conversations, assessments, contacts and outbox; unlinks staff, clients, chats, participants.
    async def delete(self, key: str) -> None: ...
    async def idle_since(self, before: datetime) -> list[str]: ...  # keys not seen since, oldest first
    # The person, whether the key has a staff row, a client row and any meeting participation, and where they
    # are in a flow: the engine's one look before every input (one query, not five).
    async def visit(self, key: str) -> Visit: ...


class Conversations(Protocol):
    async def get(self, key: str) -> ConversationRow | None: ...
    async def save(self, row: ConversationRow) -> None: ...
    async def delete(self, key: str) -> None: ...


class Assessments(Protocol):
    async def add(self, row: AssessmentRow) -> int: ...
    async def latest(self, user_key: str, instrument_id: str) -> AssessmentRow | None: ...
    async def for_user(self, user_key: str) -> list[AssessmentRow]: ...
    async def get(self, assessment_id: int) -> AssessmentRow | None: ...
    async def delete_for_user(self, user_key: str) -> int: ...  # how many were deleted (shares go too)


# --- identity, roles and consent (#3) ----------------------------------------------------------------


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


@dataclass
class PairRow:
    """A worker working with a client; one of the client's workers is the responsible one."""

    client_id: int
    staff_id: int
    responsible: bool


@dataclass
class InvitationRow:
    """A one-time invitation: for a new worker (staff_id) or for a client (client_id). Only a hash of
    the code is stored."""

    code_hash: str
    kind: str  # "staff" or "client"
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


class Clients(Protocol):
    async def add(self, row: ClientRow) -> int: ...
    async def get(self, client_id: int) -> ClientRow | None: ...
    async def by_user(self, user_key: str) -> ClientRow | None: ...
    async def save(self, row: ClientRow) -> None: ...
    # Cascades to pairs, consents, shares, invitations, the preparation and the meetings with their promises.
    async def delete(self, client_id: int) -> None: ...
    async def for_staff(self, staff_id: int) -> list[ClientRow]: ...  # clients this worker is paired with
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
    async def about(self, subject: str) -> list[AuditRow]: ...  # oldest first
    async def relabel(self, actor: str, new_actor: str) -> int: ...  # a forgotten person's rows lose their key
    async def purge(self, before: datetime) -> int: ...  # rows older than the audit retention


class Receipts(Protocol):
    """Update ids whose input has committed (a channel's delivery receipt), so a repeat is not applied twice."""

    async def add(self, update_id: int, at: datetime) -> bool: ...  # False when it was already there
    async def purge(self, before: datetime) -> int: ...  # receipts older than that, gone


class Heartbeats(Protocol):
    """When a long-running loop (the ticker) last completed a round; `kaari health` reads it."""

    async def beat(self, name: str, at: datetime) -> None: ...  # insert or overwrite
    async def last(self, name: str) -> datetime | None: ...  # None: it never ran


class CodeAttempts(Protocol):
    async def add(self, chat_key: str, at: datetime) -> None: ...
    async def count_since(self, chat_key: str, since: datetime) -> int: ...
    async def count_all_since(self, since: datetime) -> int: ...  # everyone's, for the bot-wide limit
    async def purge(self, before: datetime) -> int: ...  # attempts older than that, gone
    async def delete_for(self, chat_key: str) -> None: ...


@dataclass
class ContactRow:
    """How to write to a person later: their chat id, encrypted (never stored in the clear)."""

    user_key: str
    sealed_chat: str
    updated_at: datetime


@dataclass
class OutboxRow:
    """A message to push to a person at ``due_at`` (now, or later for reminders): time is data.

    ``message`` is a serialised catalog message (flows.core.messages.dump_msg). Status goes
    pending -> sending (claimed) -> sent | failed | dropped; a transient failure puts it back to pending,
    due again a few seconds later (``retry``). ``lane`` names the conversation it belongs to (one chat),
    so that one recipient's conversations take turns; ``priority`` 1 (a crisis chat) goes first.
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


class Contacts(Protocol):
    async def get(self, user_key: str) -> ContactRow | None: ...
    async def save(self, row: ContactRow) -> None: ...
    async def delete(self, user_key: str) -> None: ...
    async def keys(self) -> list[str]: ...  # every user_key that has a contact, sorted


class Outbox(Protocol):
    async def add(self, row: OutboxRow) -> int: ...
    # Pending & due -> sending, at most ``per_recipient`` rows of one recipient (so that one busy chat, paced
    # at one message a second, cannot hold up a whole round). Fair and in order: higher priority first, then
    # rows being retried, then one recipient's lanes take turns (each lane oldest first), and the batch
    # takes every recipient's first row before anyone's second. A recipient with a row waiting to be retried
    # (pending, attempted, not yet due again) gets nothing, so that no later row overtakes it.
    async def claim_due(self, now: datetime, limit: int, per_recipient: int | None = None) -> list[OutboxRow]: ...
    # A claimed row back to pending, due at ``due_at`` with ``attempts`` (after a transient send failure).
    async def retry(self, outbox_id: int, due_at: datetime, attempts: int) -> None: ...
    async def finish(self, outbox_id: int, status: str, at: datetime) -> None: ...  # and empties the message
    async def reclaim(self, claimed_before: datetime) -> int: ...  # sending rows older than that -> pending
    async def for_recipient(self, recipient: str) -> list[OutboxRow]: ...
    async def delete_for_recipient(self, recipient: str) -> None: ...
    async def purge_done(self, before: datetime) -> int: ...  # sent/failed/dropped rows finished before that


class Shares(Protocol):
    async def add(self, row: ShareRow) -> None: ...
    async def for_client(self, client_id: int) -> list[ShareRow]: ...


# --- the anonymous chat on shifts (#4) -------------------------------------------------------------


@dataclass
class ChatRow:
    """One anonymous chat with a chat service, or a message left out of hours for the next shift.

    ``user_key`` links the chat to the young person only while it is active: it is cleared when the chat
    closes, so the anonymous history is never linked to anyone. Counts, times and ratings stay.
    """

    service: str
    opened_at: datetime
    user_key: str | None
    status: str = "queued"  # queued -> open (a worker took it) -> closed
    crisis: bool = False  # crisis words were written: first in the queue
    left: bool = False  # written out of hours, for the next shift to answer
    staff_id: int | None = None  # the worker who has it now
    shift_id: int | None = None  # the shift that answered it
    taken_at: datetime | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None  # "young", "staff", "shift_end", "forget"
    rating: int | None = None  # 1-5
    comment: str | None = None  # deleted with the messages after the retention time
    id: int | None = None
    # A keyed hash of the young person (not their key), kept with the texts so /forget finds closed chats too.
    forget_tag: str | None = None


@dataclass
class ChatMessageRow:
    """One message in a chat; the body is deleted with the row after the retention time."""

    chat_id: int
    at: datetime
    sender: str  # "young" or "staff"
    kind: str  # "text", "photo", "sticker"
    body: str  # the text, or the channel's file reference for a picture or sticker
    staff_id: int | None = None
    id: int | None = None


@dataclass
class ShiftRow:
    """One opening of a chat service as it happened: the workers on duty hang off it."""

    service: str
    starts_at: datetime
    ends_at: datetime
    started: bool = False  # the workers were told it began
    ended: bool = False  # the workers were told it ended and open chats were dealt with
    id: int | None = None


@dataclass
class DutyRow:
    """Whether a worker is on duty in a shift (from the rota at its start, or by hand). A row exists only for a
    worker who was on duty in the shift at some time; going off keeps it with ``on`` false."""

    shift_id: int
    staff_id: int
    on: bool
    changed_at: datetime


@dataclass
class RotaRow:
    """A worker on a slot of a service: "fri 12:00" (every Friday) or "2026-12-30 10:00" (an extra slot)."""

    service: str
    slot: str
    staff_id: int


@dataclass
class ClosingRow:
    """A change to a service's schedule made in Telegram: a closed day, or an extra slot on a day."""

    service: str
    day: date
    closed: bool
    start: time | None = None
    end: time | None = None
    id: int | None = None


@dataclass
class WeeklyRow:
    """A change to a service's weekly slots made in Telegram: a new weekly slot, or (``removed``) one of the
    services file's slots switched off. ``day`` is "mon".."sun"; times are Helsinki wall-clock times."""

    service: str
    day: str
    start: time
    end: time
    removed: bool = False
    id: int | None = None


# --- network meetings (#5) -----------------------------------------------------------------------------


@dataclass
class PreparationRow:
    """A client's preparation for their next network meeting: a versioned draft in plain data (their own
    words, their people, topics), written by the client or their responsible worker."""

    client_id: int
    data: dict[str, Any]
    version: int
    updated_at: datetime
    updated_by: str  # "client:5", "staff:3"


class Preparations(Protocol):
    async def get(self, client_id: int) -> PreparationRow | None: ...
    async def save(self, row: PreparationRow) -> None: ...  # insert or replace; UnknownRow for a missing client
    async def delete(self, client_id: int) -> None: ...


@dataclass
class MeetingRow:
    """A network meeting of a client's work: where and when, and how its record was finished (a follow-up
    date, or an end date that closed the work)."""

    client_id: int
    created_by: int  # the staff id of the worker who set it up
    created_at: datetime
    starts_at: datetime
    place_kind: str  # "home", "school", "office", "outdoors", "online", "hybrid"
    place: str  # an address or a description; the link for online and hybrid meetings
    status: str = "planned"  # planned -> held | cancelled
    follows: int | None = None  # the meeting this one follows up
    next_at: datetime | None = None  # the follow-up meeting agreed when the record was finished
    ended_on: date | None = None  # or the end date, when the record closed the work
    id: int | None = None


@dataclass
class ParticipantRow:
    """Someone at a meeting: the client, a worker, or another person (with or without Telegram)."""

    meeting_id: int
    name: str
    role: str  # "client", "worker", "other"
    relation: str = ""
    language: str = "fi"
    staff_id: int | None = None
    user_key: str | None = None  # who they are in Kaari, once linked (a client, a worker, a joined participant)
    reachable: bool = True  # False once a push to them failed because they blocked the bot
    join_hash: str | None = None  # a keyed hash of their one-time join code, until they use it
    join_expires_at: datetime | None = None
    id: int | None = None


@dataclass
class PromiseRow:
    """ "I promise to ..." by one participant, with a due date; everyone marks their own."""

    meeting_id: int
    participant_id: int
    text: str
    due: date
    created_at: datetime
    status: str = "open"  # open -> done | help (and back to open)
    note: str = ""
    updated_at: datetime | None = None
    id: int | None = None


@dataclass
class EvaluationRow:
    """At the end of the work: the worker pair's closing reflection and the client's feedback (plain data)."""

    client_id: int
    reflection: dict[str, Any]
    feedback: dict[str, Any]
    updated_at: datetime


class Evaluations(Protocol):
    async def get(self, client_id: int) -> EvaluationRow | None: ...
    async def save(self, row: EvaluationRow) -> None: ...  # insert or replace; UnknownRow for a missing client
    async def delete(self, client_id: int) -> None: ...


class Meetings(Protocol):
    async def add(self, row: MeetingRow) -> int: ...
    async def get(self, meeting_id: int) -> MeetingRow | None: ...
    async def save(self, row: MeetingRow) -> None: ...  # UnknownRow for an unknown id
    async def for_client(self, client_id: int) -> list[MeetingRow]: ...  # by starts_at, then id
    async def add_participant(self, row: ParticipantRow) -> int: ...
    async def participants(self, meeting_id: int) -> list[ParticipantRow]: ...  # by id
    async def save_participant(self, row: ParticipantRow) -> None: ...
    async def participant(self, participant_id: int) -> ParticipantRow | None: ...
    async def participant_by_join(self, join_hash: str) -> ParticipantRow | None: ...
    async def participations(self, user_key: str) -> list[ParticipantRow]: ...  # of this person, by id
    async def add_promise(self, row: PromiseRow) -> int: ...
    async def promise(self, promise_id: int) -> PromiseRow | None: ...
    async def promises(self, meeting_id: int) -> list[PromiseRow]: ...  # by due, then id
    async def save_promise(self, row: PromiseRow) -> None: ...
    async def delete_for_client(self, client_id: int) -> int: ...  # with participants and promises; how many


class Chats(Protocol):
    async def add(self, row: ChatRow) -> int: ...
    async def get(self, chat_id: int) -> ChatRow | None: ...
    async def save(self, row: ChatRow) -> None: ...
    async def active_for_user(self, user_key: str) -> ChatRow | None: ...  # queued or open
    async def queued(self, service: str) -> list[ChatRow]: ...  # crisis first, then oldest first
    async def open_for_staff(self, staff_id: int) -> list[ChatRow]: ...  # status open, oldest first
    async def opened_between(self, since: datetime, until: datetime) -> list[ChatRow]: ...  # by opened_at
    async def add_message(self, row: ChatMessageRow) -> int: ...
    async def messages(self, chat_id: int) -> list[ChatMessageRow]: ...  # oldest first
    async def forget_closed(self, before: datetime) -> int: ...  # messages and comment of chats closed before
    async def forget(self, chat_id: int) -> None: ...  # this chat's messages and comment, now (after /forget)
    # The bot sent these messages (their channel ids) about this chat to the person: a swipe-reply finds it.
    async def remember_sent(self, user_key: str, chat_id: int, message_ids: Sequence[int]) -> None: ...
    async def sent_about(self, user_key: str, message_id: int) -> int | None: ...  # the chat, if remembered
    async def tagged(self, forget_tag: str) -> list[int]: ...  # chats whose texts still carry this tag


class Shifts(Protocol):
    async def get_or_add(self, row: ShiftRow) -> ShiftRow: ...  # one row per (service, starts_at)
    async def get(self, shift_id: int) -> ShiftRow | None: ...
    async def save(self, row: ShiftRow) -> None: ...
    async def unfinished(self) -> list[ShiftRow]: ...  # not ended, by starts_at
    async def started_between(self, since: datetime, until: datetime) -> list[ShiftRow]: ...  # by starts_at
    async def duty(self, shift_id: int) -> list[DutyRow]: ...  # by staff_id
    async def set_duty(self, row: DutyRow) -> None: ...  # insert or update


class Schedules(Protocol):
    async def rota(self, service: str) -> list[RotaRow]: ...  # by slot, then staff_id
    async def add_rota(self, row: RotaRow) -> None: ...  # a second add of the same row changes nothing
    async def remove_rota(self, row: RotaRow) -> None: ...
    async def closings(self, service: str) -> list[ClosingRow]: ...  # by day, then start
    async def add_closing(self, row: ClosingRow) -> int: ...
    async def remove_closing(self, closing_id: int) -> None: ...
    async def weekly(self, service: str) -> list[WeeklyRow]: ...  # by day (Monday first), then start
    async def add_weekly(self, row: WeeklyRow) -> int: ...
    async def remove_weekly(self, weekly_id: int) -> None: ...


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


Deferred = Callable[["UnitOfWork"], Awaitable[None]]


class Store(Protocol):
    """A backend: open transactions, apply migrations, close."""

    def transaction(self) -> AbstractAsyncContextManager[UnitOfWork]: ...
    async def migrate(self) -> None: ...
    async def scrub(self) -> None: ...  # make deleted data unrecoverable from the files (after /forget)
    # A small write that need not commit at once (marking a sent reply sent): it runs at the start of the next
    # transaction, whoever opens it, so it costs no transaction of its own; ``flush`` runs what is waiting.
    def defer(self, write: Deferred) -> None: ...
    async def flush(self) -> None: ...
    async def close(self) -> None: ...
