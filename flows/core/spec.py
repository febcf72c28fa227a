"""A flow as data: its states, its `transitions` table, what each state asks, and its version."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flows.core.messages import Msg
from flows.core.results import Ask, Result
from storage.ports import DEFAULT_REGION, ClientRow, StaffRow, UnitOfWork


def anonymous_actor(key: str) -> str:
    """How the audit log names someone who is neither staff nor a client: a short key prefix, which
    `/forget` and the retention purge replace with 'user:forgotten'."""
    return f"user:{key[:12]}"


FORGOTTEN = "user:forgotten"


@dataclass(frozen=True)
class Who:
    """Who is behind a conversation: a worker or coordinator, a linked client, or an anonymous person."""

    staff: StaffRow | None = None
    client: ClientRow | None = None
    # Joined a network meeting with a one-time link: sees that meeting's memo and their own promises.
    participant: bool = False

    @property
    def is_worker(self) -> bool:
        """An active staff member who works with clients."""
        return self.staff is not None and self.staff.active and self.staff.is_worker

    @property
    def is_coordinator(self) -> bool:
        """An active staff member who coordinates."""
        return self.staff is not None and self.staff.active and self.staff.is_coordinator

    @property
    def is_client(self) -> bool:
        """A linked client whose client relationship has not ended."""
        return self.client is not None and self.client.ended_at is None

    @property
    def region(self) -> str:
        """The region whose audit log this person's actions go to (#14): a staff member's or a client's own, the
        default region for anyone else."""
        row = self.staff or self.client
        return row.region if row is not None else DEFAULT_REGION

    def actor(self, key: str) -> str:
        """How the audit log names this person: staff and clients by id, others by a key prefix."""
        if self.staff is not None:
            return f"staff:{self.staff.id}"
        if self.client is not None:
            return f"client:{self.client.id}"
        return anonymous_actor(key)


class Conversation:
    """The `transitions` model for one person in one flow; lives for one update only."""

    # Bound by the machine in `add_model`; declared so type checkers know it.
    trigger: Callable[..., Awaitable[bool]]
    state: str

    def __init__(
        self, *, key: str, flow: str, state: str, version: int, step: int, data: dict[str, Any],
        work: UnitOfWork, now: datetime, language: str, who: Who | None = None, channel: str = "",
        contact: str | None = None, reachable: bool = False,
    ) -> None:
        """One person's place in one flow, with this update's transaction, time and language."""
        self.key = key
        self.flow = flow
        self.state = state
        self.version = version
        self.step = step
        self.data = data
        self.work = work
        self.now = now
        self.language = language
        self.who = who or Who()
        # The channel this input came by, and its sealed address for writing back later (opaque here).
        self.channel = channel
        self.contact = contact
        # Whether Kaari can write to them later (a reminder, a group's round): with the sealed address, or by
        # their key where the channel delivers itself (the web chat); never in the terminal.
        self.reachable = reachable or bool(contact)
        self.out: list[Result] = []
        self.switch_to: str | None = None
        # Set when the person's data was erased: nothing of this conversation may be written back.
        self.erased = False
        # Set when something was deleted: the store scrubs free pages and its log after the commit.
        self.scrub = False
        self.switch_data: dict[str, Any] = {}
        # Shown because something happened elsewhere (a poke), not because the person wrote.
        self.poked = False
        # The input contained crisis words (signposting is given by the engine; a chat jumps the queue).
        self.crisis = False
        # Nothing of this person's was stored yet: their first visit (a coordinator added from the command
        # line has a person row, so is not "new", but has never talked to Kaari).
        self.first_visit = False

    def emit(self, result: Result) -> None:
        """Queue a result for the channel, in order."""
        self.out.append(result)


View = Callable[[Conversation], Ask]
# Checked before every input: a flow that must come first (and its start data), or None.
Gate = Callable[[Conversation], Awaitable[tuple[str, dict[str, Any]] | None]]
Hook = Callable[[Conversation], Awaitable[None]]


@dataclass(frozen=True)
class FlowSpec:
    """Everything the engine needs to run one flow; the engine knows nothing else about it."""

    name: str
    version: int
    # State names, or `transitions` state dicts such as {"name": "done", "on_enter": [...]}.
    states: Sequence[str | Mapping[str, Any]]
    initial: str
    transitions: Sequence[Mapping[str, Any]]
    views: Mapping[str, View]
    help_key: str
    final: frozenset[str] = frozenset()
    # Set up ``data`` when the flow starts.
    on_start: Hook | None = None
    # Bring an older conversation's (state, data) up to this version, or None to restart politely.
    migrate: Callable[[int, str, dict[str, Any]], tuple[str, dict[str, Any]] | None] | None = None
    # False when a stored conversation no longer fits (say, the instrument was replaced).
    still_valid: Callable[[Conversation], bool] | None = None
    # Whether the generic pause/back/cancel controls apply (not in the main menu).
    controls: bool = True
    # The data keys that say where the person is; "back" restores these (and the state) only.
    position_keys: tuple[str, ...] = ()
    # Who may open this flow; anyone else gets "not available" and an audit line.
    allowed: Callable[[Who], bool] | None = None
    # A person's rights (/forget, /mydata, /consent) are never interrupted by a gate.
    ungated: bool = False
    # States reached after something was stored for good: no back over it, no pause or stop controls.
    settled: frozenset[str] = frozenset()
    # Brings the conversation up to date with what happened elsewhere (a worker took or closed the chat)
    # before each input is handled; it may move the state.
    refresh: Hook | None = None
    # A command used in this flow (/hours, /consent) comes back to it afterwards, even without the generic
    # controls (a chat in progress); flows with controls always come back.
    resumable: bool = False
    # Opening the flow again while in it starts it afresh (lists that must be current), instead of
    # showing where the person is (answers in progress).
    reload: bool = False
    # Whether the person has something in hand here that a typed command (/hours) comes back to, and that
    # /start greets with "let's continue"; by default, a flow with the generic controls past its first question,
    # and any state of a resumable flow without them. A browsing view (a client card) says no: nothing is lost,
    # so a notice that opens another flow (the re-assessment offer opens the circle) may open it from there.
    in_progress: Callable[[Conversation], bool] | None = None
    # Who is offered this flow in the menu and in /help, where that is narrower than who may open it.
    offered: Callable[[Who], bool] | None = None
    # The flow's own words for someone it refuses, where "not available" would leave them lost (a worker who
    # types /promises is told where their clients' promises are); None for the generic refusal.
    refusal: Callable[[Who], Msg | None] | None = None

    @property
    def state_names(self) -> frozenset[str]:
        """The names of all states."""
        return frozenset(state if isinstance(state, str) else str(state["name"]) for state in self.states)
