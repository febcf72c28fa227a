"""The shift chat's rules, apart from any conversation: when a service is open, who can be on duty, the queue
order, when a waiting message expires and when an open chat is closed by the clock.

Plain functions over rows and times: no store, no `transitions`, no Conversation. `flows.chat.shifts` reads the
rows, asks these rules, and writes and notifies.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from flows.chat.schedule import DAYS, Service, Slot
from flows.core.messages import Period
from storage.ports import ChatRow, ClosingRow, DutyRow, RotaRow, StaffRow, WeeklyRow

# An open chat is closed this long after its shift ended, if its worker has not closed or handed it over.
GRACE = timedelta(minutes=30)


# --- when a service is open ----------------------------------------------------------------------------


def merged_schedule(service: Service, closings: Iterable[ClosingRow], weekly: Iterable[WeeklyRow]) -> Service:
    """The service's schedule with the changes coordinators made in Telegram (days and weekly slots)."""
    changes, added = list(closings), list(weekly)
    return service.with_changes(
        frozenset(row.day for row in changes if row.closed),
        tuple((row.day, Slot(row.start, row.end)) for row in changes
              if not row.closed and row.start is not None and row.end is not None),
        tuple((DAYS.index(row.day), Slot(row.start, row.end)) for row in added if not row.removed),
        frozenset((DAYS.index(row.day), row.start) for row in added if row.removed),
    )


def next_opening(schedule: Service, now: datetime) -> Period | None:
    """The next opening that starts after ``now`` (the current one, open but unstaffed or ending, does not
    help someone who is waiting)."""
    upcoming = [(start, end) for start, end in schedule.next_openings(now, 2) if start > now]
    return Period(*upcoming[0]) if upcoming else None


# --- who is on duty ------------------------------------------------------------------------------------


def from_rota(rota: Iterable[RotaRow], slot_keys: Iterable[str], marked: Iterable[int]) -> list[int]:
    """The workers a starting shift puts on duty: those on the rota for its slots, apart from those who already
    have a duty row (a worker who went off by hand stays off), each once, in the rota's order."""
    keys, seen, found = set(slot_keys), set(marked), []
    for row in rota:
        if row.slot in keys and row.staff_id not in seen:
            found.append(row.staff_id)
            seen.add(row.staff_id)
    return found


def can_answer(duty: DutyRow, staff: StaffRow | None, region: str) -> bool:
    """On duty and reachable, in the service's ``region``: a worker who never opened the bot (or was removed)
    cannot be written to, and one of another region does not see the service's queue on their desk (#14)."""
    return (duty.on and staff is not None and staff.active and staff.is_worker and bool(staff.user_key)
            and staff.region == region)


def is_on(duty: Iterable[DutyRow], staff_id: int) -> bool:
    """This worker is on duty in the shift these rows are of."""
    return any(row.staff_id == staff_id and row.on for row in duty)


def only_one(on_duty: Sequence[int], staff_id: int) -> bool:
    """This worker is the only one on duty (going off would leave those waiting alone)."""
    return list(on_duty) == [staff_id]


def unstaffed(was: set[str], staffed: set[str]) -> list[str]:
    """The services that had someone on duty and have nobody now, in order."""
    return sorted(was - staffed)


# --- the queue -----------------------------------------------------------------------------------------


def queue_order(chat: ChatRow) -> tuple[bool, datetime, int]:
    """The queue's order: crisis-flagged chats first, then whoever has waited longest."""
    return (not chat.crisis, chat.opened_at, chat.id or 0)


def first_in_queue(queue: Iterable[ChatRow]) -> ChatRow:
    """The chat a worker who takes the next one gets (the queue must not be empty)."""
    return min(queue, key=queue_order)


def place_in_queue(queue: Sequence[ChatRow], chat_id: int | None) -> int:
    """A waiting chat's place (1 = next) in its service's queue, given in queue order; one not (yet) in it
    would come last."""
    return next((index for index, row in enumerate(queue, start=1) if row.id == chat_id), len(queue) + 1)


# --- when the clock ends a wait or a chat --------------------------------------------------------------


def expired(chats: Iterable[ChatRow], before: datetime) -> list[ChatRow]:
    """Chats still waiting that were opened before ``before``: nobody took them in time."""
    return [chat for chat in chats if chat.status == "queued" and chat.opened_at < before]


def overdue(chat: ChatRow, shift_ends_at: datetime | None, last_message_at: datetime | None,
            now: datetime) -> bool:
    """An open chat the clock closes: its shift ended and nobody has written for the grace time. A
    crisis-flagged chat is never closed by the clock: only its worker closes it."""
    if chat.crisis or shift_ends_at is None or shift_ends_at + GRACE > now:
        return False
    return last_message_at is None or last_message_at + GRACE <= now


def shift_over(ends_at: datetime, now: datetime) -> bool:
    """A shift is over from its end on."""
    return ends_at <= now


def ended_long_ago(ends_at: datetime, now: datetime) -> bool:
    """The bot was down over a shift's end for longer than the grace time: its workers have gone."""
    return ends_at + GRACE < now
