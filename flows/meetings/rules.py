"""The rules of network meetings, apart from any conversation: which meeting is current, when a meeting counts
as held and what follows it, what the memo says and who gets which copy, when a one-time link runs out, when
people can write their own promises down, and how a promise's state changes.

Plain functions over the storage rows (no `transitions`, no Conversation); the flows in meeting.py and
promises.py use them. When a reminder or a check-in is due is in reminders.py.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

from flows.core.dates import HELSINKI, as_day
from flows.core.messages import N_, Lines, Msg, When, dump_msg
from storage.ports import MeetingRow, ParticipantRow, PromiseRow

LINK_VALID_AFTER = timedelta(days=1)  # a one-time join link works until the day after the meeting
RECORD_FROM = timedelta(hours=1)
RECORD_UNTIL = timedelta(hours=12)  # a meeting nobody recorded does not take promises for ever
PROMISE_STATUSES = ("open", "done", "help")
# The roles whose memo carries the young person's own topics: the topics are theirs and their worker's.
TOPIC_ROLES = ("client", "worker")


# --- the meetings of one client's work ----------------------------------------------------------------


def current_meeting(meetings: list[MeetingRow]) -> MeetingRow | None:
    """The meeting being prepared and recorded: the latest planned one (``meetings`` in time order)."""
    planned = [row for row in meetings if row.status == "planned"]
    return planned[-1] if planned else None


def last_held(meetings: list[MeetingRow]) -> MeetingRow | None:
    """The latest meeting whose record was finished: the follow-up starts from its promises."""
    held = [row for row in meetings if row.status == "held"]
    return held[-1] if held else None


def work_ended(meetings: list[MeetingRow]) -> bool:
    """A record closed the work with an end date: no more meetings are planned."""
    return any(row.ended_on for row in meetings)


def held(meeting: MeetingRow, next_at: datetime | None, ended_on: date | None) -> MeetingRow:
    """The meeting with its record finished: held, with the next meeting's time, or else the work's end date
    (as in Neppi, a record is finished only with one of the two)."""
    if next_at is not None:
        return replace(meeting, status="held", next_at=next_at)
    if ended_on is None:
        raise ValueError("a meeting is held with the next meeting's time or the work's end date")
    return replace(meeting, status="held", ended_on=ended_on)


def took_place(meeting: MeetingRow, now: datetime) -> bool:
    """Whether the meeting has begun: a record written before it reads as a plan, not as held."""
    return meeting.starts_at <= now


def follow_up(meeting: MeetingRow, now: datetime) -> MeetingRow | None:
    """The next meeting a finished record agreed on (same place, same organiser), or None when the work ended."""
    if meeting.next_at is None:
        return None
    return MeetingRow(meeting.client_id, meeting.created_by, now, meeting.next_at, meeting.place_kind,
                      meeting.place, follows=meeting.id)


def carried_over(person: ParticipantRow, meeting_id: int) -> ParticipantRow:
    """``person`` on the follow-up meeting: the same people, without their used or unused join links."""
    return ParticipantRow(meeting_id, person.name, person.role, person.relation, person.language, person.staff_id,
                          person.user_key, person.reachable)


# --- one-time links for participants not yet in Kaari --------------------------------------------------


def link_expires(meeting: MeetingRow) -> datetime:
    """When a join link handed out for ``meeting`` stops working."""
    return meeting.starts_at + LINK_VALID_AFTER


def link_usable(person: ParticipantRow, now: datetime) -> bool:
    """A link already handed out to ``person`` that still works (and so is not made again)."""
    return person.join_hash is not None and (person.join_expires_at is None or person.join_expires_at > now)


# --- the memo ---------------------------------------------------------------------------------------------


def promise_line(who: str, text: str, due: date) -> Msg:
    """One promise as the memo and the overview list it."""
    return Msg(N_("meeting.memo_promise"), {"who": who, "promise": text, "due": as_day(due)})


def memo(meeting: MeetingRow, people: list[ParticipantRow], promises: list[PromiseRow], topics: list[str],
         goals: tuple[Msg, ...] = ()) -> Msg:
    """The memo of a held meeting: when, who, the promises, the next meeting or the end, and ``topics`` (with
    ``goals``: the young person's goals the preparation brings up, each a line)."""
    names = {person.id: person.name for person in people}
    lines = tuple(promise_line(names.get(p.participant_id, "?"), p.text, p.due) for p in promises)
    nxt = Msg(N_("meeting.memo_next"), {"when": When(meeting.next_at)}) if meeting.next_at else Msg(
        N_("meeting.memo_ended"), {"date": as_day(meeting.ended_on or meeting.starts_at.date())})
    return Msg(N_("meeting.memo"), {
        "when": When(meeting.starts_at), "people": ", ".join(person.name for person in people),
        "promises": Lines(lines) if lines else Msg(N_("meeting.no_promises")), "next": nxt,
        "topics": Lines((*(f"• {topic}" for topic in topics), *goals)) if topics or goals else "-"})


def sees_topics(person: ParticipantRow) -> bool:
    """Whether ``person``'s copy of the memo carries the young person's topics (the client's and the worker's)."""
    return person.role in TOPIC_ROLES


def memo_document(meeting: MeetingRow, people: list[ParticipantRow], promises: list[PromiseRow], client: str,
                  now: datetime, goals: tuple[Msg, ...] = ()) -> dict[str, object]:
    """What the memo's PDF holds: the meeting, who was there, the promises, what comes next, and the young
    person's goals brought up (each line as a message, read in the worker's language)."""
    names = {person.id: person.name for person in people}
    return {
        "client": client, "held_at": meeting.starts_at.isoformat(), "place": meeting.place,
        "participants": [[p.name, p.role, p.relation, p.reachable] for p in people],
        "promises": [[names.get(p.participant_id, "?"), p.text, p.due.isoformat()] for p in promises],
        "next_at": meeting.next_at.isoformat() if meeting.next_at else None,
        "ended_on": meeting.ended_on.isoformat() if meeting.ended_on else None,
        "held": took_place(meeting, now), "generated_at": now.isoformat(),
        "goals": [dump_msg(line) for line in goals]}


# --- promises ---------------------------------------------------------------------------------------------


def checkin_until(due: date) -> datetime:
    """A promise's check-in is useful until its due day is over (Helsinki time)."""
    return datetime.combine(due + timedelta(days=1), time(0), tzinfo=HELSINKI)


def recording_open(meeting: MeetingRow, now: datetime) -> bool:
    """During a planned meeting (from an hour before to the evening) everyone can write down their promise."""
    return meeting.status == "planned" and meeting.starts_at - RECORD_FROM <= now < meeting.starts_at + RECORD_UNTIL


def next_statuses(status: str) -> tuple[str, ...]:
    """What one's own promise can be marked next: done or help while open; back to open once marked (and done
    after all, after asking for help)."""
    if status == "open":
        return ("done", "help")
    return ("open",) if status == "done" else ("done", "open")


def marked(promise: PromiseRow, status: str, now: datetime) -> PromiseRow:
    """``promise`` marked ``status`` (open, done or help) by its owner at ``now``."""
    if status not in PROMISE_STATUSES:
        raise ValueError(f"unknown promise status {status!r}")
    return replace(promise, status=status, updated_at=now)


def shown_to(owner: ParticipantRow | None, viewer_key: str, viewer_is_client: bool) -> bool:
    """Whether a promise by ``owner`` is listed to the viewer: the young person sees everyone's, another
    participant only their own."""
    return viewer_is_client or (owner is not None and owner.user_key == viewer_key)
