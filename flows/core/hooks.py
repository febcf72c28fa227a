"""Duties that cross rooms, as hooks each capability registers with core (flows/core/rooms.py says why).

Identity's /mydata, /forget, consent withdrawal, client card and staff list do not import ESY, the chat or
the meetings: they call what those capabilities put here. One `Hooks` is built per organisation (in
`bot/bootstrap.py`, by each capability's `register`) and reaches the flows through their configuration, so
two organisations in one process never share one. Hooks run in the order they were registered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from flows.core.messages import Msg, Param, dump_msg, load_msg
from flows.core.results import Ask, Circle, Result
from flows.core.spec import Conversation
from storage.ports import AssessmentRow, ClientRow, StaffRow, UnitOfWork

# What /mydata collects about the person, whoever they are: a few top-level sections of the document.
MyData = Callable[[Conversation], Awaitable[dict[str, Any]]]
# What /mydata collects about a client's work (``client_id``): sections of the document's client part.
ClientData = Callable[[UnitOfWork, int], Awaitable[dict[str, Any]]]
# What /forget erases besides identity's own rows, before the person's user row goes. As ``forgetting``: what
# must be read before anything is erased (the client and their consents are still there).
Forget = Callable[[Conversation], Awaitable[None]]
# The work with a client ended (``key``: their user key before it was unlinked): what was kept for it goes.
WorkEnded = Callable[[UnitOfWork, ClientRow, str | None, datetime], Awaitable[None]]
# Consent (c) withdrawn by the client (``key``): what was stored goes; the lines say what really went.
StorageWithdrawn = Callable[[UnitOfWork, ClientRow, str, datetime], Awaitable[list[Param]]]
# Consent (d) withdrawn or declined by the client (``key``): reminders scheduled for later are cancelled.
RemindersWithdrawn = Callable[[UnitOfWork, str, datetime], Awaitable[None]]
# What the client card shows from another capability (the young person's goals), for a worker who may see the
# client's information (the responsible one, or the pair worker with consent (b)): a few lines, or none.
CardSection = Callable[[UnitOfWork, ClientRow, datetime], Awaitable[list[Msg]]]
# The worker's clients the list marks gently (a shared assessment but no goal yet, after a while): their ids.
ListMarks = Callable[[UnitOfWork, int, Sequence[ClientRow], datetime], Awaitable[set[int]]]
# The client's goals (written as this client, oldest first), for the meetings to link a promise to or to tell about.
ClientGoals = Callable[[UnitOfWork, int], Awaitable[list["GoalRef"]]]
# After a removed worker's row is saved: what the capability still has to do (given what it saw before).
AfterRemoval = Callable[[], Awaitable[None]]
# A worker is about to lose access: look at what they were doing, return what to do once they are gone.
StaffRemoved = Callable[[Conversation, StaffRow], Awaitable[AfterRemoval]]


class Pictures(Protocol):
    """How circles are drawn and named: the ESY instrument's, for the client card, the export and /mydata."""

    def legend(self) -> dict[str, Any]:
        """The instrument's area names and scale, as plain data for a document."""

    def circles(self, rows: Sequence[AssessmentRow], nickname: str | None = None) -> tuple[Circle, ...]:
        """Each assessment's circle, with the one before it overlaid (``rows`` oldest first)."""

    def prompts(self, row: AssessmentRow, nickname: str) -> Msg | None:
        """For the worker only: questions to talk about this circle's areas with the client, or None."""

    async def progress(
        self, work: UnitOfWork, client: ClientRow, rows: Sequence[AssessmentRow], nickname: str,
    ) -> list[Result]:
        """For the worker: each area over the client's shared ``rows``, with the goals the client wrote as a
        client, as a picture and in words (or why not)."""


class JoinCode(Protocol):
    """A code that is not an invitation (a network meeting participant's one-time link, an ESY group's code),
    found by /code; ``name`` says whose it is, so the offer is shown by the one that found it."""

    name: str

    async def find(self, conv: Conversation, code: str) -> bool:
        """Whether ``code`` is such a code still usable; if so, what the offer shows is put in ``conv.data``."""

    def view(self, conv: Conversation) -> Ask:
        """The offer: what joining means, with a yes and a no."""

    async def join(self, conv: Conversation) -> None:
        """The person said yes: the code is used up and they are in."""


@dataclass(frozen=True)
class GoalRef:
    """One of the young person's goals as another capability shows it (a promise for it, "what I tell about my
    goal" in a meeting's preparation): its id, its title (area: words), its status in words, whether it is going.
    ``dump`` and ``load`` keep it in a conversation's data."""

    id: int
    title: Msg
    status: Msg
    going: bool

    def dump(self) -> list[Any]:
        return [self.id, dump_msg(self.title), dump_msg(self.status), self.going]

    @staticmethod
    def load(data: list[Any]) -> GoalRef:
        return GoalRef(int(data[0]), load_msg(data[1]), load_msg(data[2]), bool(data[3]))


@dataclass(frozen=True)
class CardLink:
    """An entry of the client card, for the responsible worker, that opens another capability's flow for the
    client (``choice`` is the option's value, ``label`` its catalog id, ``flow`` the flow's name). ``pair``: the
    pair worker is offered it too while the client allows information to pass between their workers (consent
    b); the flow still checks who may, as the card may be old."""

    choice: str
    label: str
    flow: str
    pair: bool = False


@dataclass
class Hooks:
    """Every cross-room duty, filled in by the capabilities (empty: the duty has nothing to add)."""

    mydata: list[MyData] = field(default_factory=list)
    client_data: list[ClientData] = field(default_factory=list)
    forgetting: list[Forget] = field(default_factory=list)
    forget: list[Forget] = field(default_factory=list)
    work_ended: list[WorkEnded] = field(default_factory=list)
    storage_withdrawn: list[StorageWithdrawn] = field(default_factory=list)
    reminders_withdrawn: list[RemindersWithdrawn] = field(default_factory=list)
    staff_removed: list[StaffRemoved] = field(default_factory=list)
    card_links: list[CardLink] = field(default_factory=list)
    card_sections: list[CardSection] = field(default_factory=list)
    list_marks: list[ListMarks] = field(default_factory=list)
    client_goals: ClientGoals | None = None
    pictures: Pictures | None = None
    join_codes: list[JoinCode] = field(default_factory=list)
