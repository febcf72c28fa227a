"""The rules of ESY's dialogue (#12 §1): who may give their own reading of a client's situation, what it is set
beside, and where the two differ enough to talk about.

The pilots found that the worker's and the young person's readings "differed a lot", and that the difference is
a topic for dialogue, not a verdict (seed 004 ch. 3.1). So the worker gives their reading without seeing the
client's answers, both lines are drawn in one picture, and the areas far apart are listed as "talk about this
together", never as who is right. Plain functions over storage rows: the flows in `flows/esy/reading.py` and
`flows/esy/comparison.py` use them, and they are tested on their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flows.core.spec import Conversation
from flows.esy.instrument import Instrument
from flows.identity.consent import latest_answers
from flows.identity.notify import workers_of
from storage.ports import AssessmentRow, ClientRow, ConsentRow, ReadingRow, UnitOfWork

# Points apart, on the mean of an area's statements, from which an area is listed as "talk about this". On the
# default 1-5 scale, 1.5 is more than one whole step apart (say "in between" against "completely true"): one step
# is often only two people putting the same thing in different words, two steps or more is a different view.
DEFAULT_DIFFERENCE = 1.5
COMPARISON = "esy_compare"  # the comparison flow's name (flows/esy/comparison.py), which the ESY intro opens
VIEWED = "client.circles.view"  # the audit action of a worker opening the client's shared circles


def may_read(responsible: bool, answers: Mapping[str, ConsentRow]) -> bool:
    """The responsible worker always (the client agreed to work together); the pair worker only while the client
    allows information to pass between their workers (consent b)."""
    return responsible or ("exchange" in answers and answers["exchange"].answer == "yes")


def storage_given(answers: Mapping[str, ConsentRow]) -> bool:
    """Consent (c), storing things in Kaari, in force: without it no reading or comment is kept."""
    return "storage" in answers and answers["storage"].answer == "yes"


def differences(
    instrument: Instrument, client: Mapping[str, float | None], worker: Mapping[str, float | None],
    threshold: float = DEFAULT_DIFFERENCE,
) -> list[str]:
    """The areas, in the instrument's order, where both gave points and they are ``threshold`` or more apart."""
    return [area.id for area in instrument.areas
            if (mine := client.get(area.id)) is not None and (theirs := worker.get(area.id)) is not None
            and round(abs(mine - theirs), 1) >= threshold]


@dataclass(frozen=True)
class Access:
    """A client whose situation a worker may read, and whether the client allows storing (consent c)."""

    client: ClientRow
    client_id: int
    responsible: bool
    storage: bool


async def reading_access(conv: Conversation, wanted: object) -> Access | None:
    """``wanted`` as a client this worker may give a reading of, or None: linked, the work going on, this worker
    one of their workers, and `may_read`. Checked again at every step: consent can change under a screen."""
    staff = conv.who.staff
    if not isinstance(wanted, int) or staff is None or staff.id is None or not conv.who.is_worker:
        return None
    client = await conv.work.clients.get(wanted)
    if client is None or client.ended_at is not None or not client.user_key:
        return None
    role = next((responsible for member, responsible in await workers_of(conv.work, wanted)
                 if member.id == staff.id), None)
    answers = latest_answers(await conv.work.consents.for_client(wanted))
    if role is None or not may_read(role, answers):
        return None
    return Access(client, wanted, role, storage_given(answers))


async def latest_shared(work: UnitOfWork, client_id: int, instrument_id: str) -> AssessmentRow | None:
    """The newest circle of this instrument the client shared with their workers, if any."""
    rows = [row for share in await work.shares.for_client(client_id)
            if (row := await work.assessments.get(share.assessment_id)) is not None
            and row.instrument_id == instrument_id]
    return max(rows, key=lambda row: (row.completed_at, row.id or 0), default=None)


async def opened_latest(conv: Conversation, client_id: int, circle: AssessmentRow | None) -> bool:
    """Whether this worker opened the client's shared circles since ``circle`` was shared (the audit log says):
    noted with the reading, so that the comparison can say so honestly."""
    if circle is None or circle.id is None:
        return False
    shared = [share.shared_at for share in await conv.work.shares.for_client(client_id)
              if share.assessment_id == circle.id]
    actor = conv.who.actor(conv.key)
    return any(row.actor == actor and row.action == VIEWED and (not shared or row.at >= shared[0])
               for row in await conv.work.audit.about(f"client:{client_id}"))


async def client_comparisons(conv: Conversation, instrument_id: str) -> tuple[int, list[tuple[ReadingRow, str]]]:
    """For a linked client with consent (c): their latest shared circle's id and each current worker's latest
    reading with the worker's name; (0, []) when there is nothing to compare."""
    client = conv.who.client
    if not conv.who.is_client or client is None or client.id is None:
        return 0, []
    if not storage_given(latest_answers(await conv.work.consents.for_client(client.id))):
        return 0, []
    circle = await latest_shared(conv.work, client.id, instrument_id)
    if circle is None or circle.id is None:
        return 0, []
    workers = {staff.id: staff.name for staff, _ in await workers_of(conv.work, client.id)}
    latest = latest_by_worker(await conv.work.readings.for_client(client.id), instrument_id)
    return circle.id, [(row, workers[staff_id]) for staff_id, row in latest.items() if staff_id in workers]


def latest_by_worker(readings: Sequence[ReadingRow], instrument_id: str) -> dict[int, ReadingRow]:
    """Each worker's newest reading of this instrument (``readings`` oldest first), by staff id."""
    return {row.staff_id: row for row in readings if row.instrument_id == instrument_id}
