"""What a worker does at a desk, apart from any channel: the Telegram desk flow (flows.chat.desk) and the desk in
the browser (bot.web.desk_live) both call these, so both follow the same rules on the same rows.

Each function works inside the caller's transaction (one `UnitOfWork`) and reads the chat afresh: another
worker, or the same worker on the other desk, may have taken, handed over or closed it a moment ago. A chat
that is no longer this worker's is answered with None (or False), never acted on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flows.chat import rules, shifts
from flows.chat.setup import ChatSetup
from flows.core.messages import N_, Msg
from storage.ports import ChatRow, DutyRow, ShiftRow, StaffRow, UnitOfWork

NEXT_SHIFTS = 3  # a worker's next shifts shown while off duty


@dataclass(frozen=True)
class Duty:
    """Where a worker is on duty now, where they could go on duty, and how many would be left waiting alone."""

    on: tuple[ShiftRow, ...]  # the running shifts they are on duty in
    join: tuple[str, ...]  # services with a running shift they are not on duty in
    alone: int  # waiting in the services where they are the only one on duty


async def duty_of(work: UnitOfWork, setup: ChatSetup, staff_id: int, now: datetime) -> Duty:
    """This worker's duty now (what both desks show at the top)."""
    on = await shifts.my_shifts(work, setup, staff_id, now)
    on_services = {shift.service for shift in on}
    join = tuple([service.id for service in setup.services if service.id not in on_services
                  and await shifts.current_shift(work, service, now) is not None])
    return Duty(tuple(on), join, await shifts.waiting_alone(work, setup, staff_id, now))


async def next_shifts(work: UnitOfWork, setup: ChatSetup, staff_id: int,
                      now: datetime) -> list[tuple[datetime, datetime, str]]:
    """This worker's next few shifts on the rota over every service (start, end, service id), soonest first.
    Only shifts that start later: a running one is joined with its own button, not "next"."""
    found: list[tuple[datetime, datetime, str]] = []
    for service in setup.services:
        keys = {row.slot for row in await work.schedules.rota(service.id) if row.staff_id == staff_id}
        if not keys:
            continue
        schedule = await shifts.schedule_of(work, service)
        found += [(start, end, service.id) for start, end in schedule.next_openings(now, 20)
                  if start > now and keys & set(schedule.slot_keys(start))]
    return sorted(found)[:NEXT_SHIFTS]


async def left_waiting(work: UnitOfWork, setup: ChatSetup) -> int:
    """Chats and left messages waiting in every service (what an off-duty worker with no shift to join is told)."""
    return sum([len(await work.chats.queued(service.id)) for service in setup.services])


async def my_queue(work: UnitOfWork, setup: ChatSetup, staff_id: int, now: datetime) -> list[tuple[ChatRow, ShiftRow]]:
    """The chats waiting in every service this worker is on duty in, with the shift that would answer each, in
    the queue's order across services (crisis first, then who has waited longest)."""
    queue: list[tuple[ChatRow, ShiftRow]] = []
    for shift in await shifts.my_shifts(work, setup, staff_id, now):
        queue += [(chat, shift) for chat in await work.chats.queued(shift.service)]
    return sorted(queue, key=lambda pair: rules.queue_order(pair[0]))


async def mine(work: UnitOfWork, staff_id: int, chat_id: int) -> ChatRow | None:
    """The chat, while it is still open and still this worker's."""
    chat = await work.chats.get(chat_id)
    if chat is None or chat.status != "open" or chat.staff_id != staff_id:
        return None
    return chat


async def take_next(work: UnitOfWork, setup: ChatSetup, staff: StaffRow, now: datetime) -> ChatRow | None:
    """Take the first one waiting in my services; None when the queue is empty (someone got there first)."""
    queue = await my_queue(work, setup, staff.id or 0, now)
    if not queue:
        return None
    chat, shift = queue[0]
    await shifts.take(work, staff, chat, shift, now, setup.show_names)
    return chat


async def take_chosen(work: UnitOfWork, setup: ChatSetup, staff: StaffRow, chat_id: int,
                      now: datetime) -> ChatRow | None:
    """Take this chat out of the queue, if it still waits in a service I am on duty in; None otherwise (taken by
    someone else, closed, or not mine to take)."""
    for chat, shift in await my_queue(work, setup, staff.id or 0, now):
        if chat.id == chat_id:
            await shifts.take(work, staff, chat, shift, now, setup.show_names)
            return chat
    return None


async def shift_ended(work: UnitOfWork, chat: ChatRow, now: datetime) -> bool:
    """The chat's own shift is over (it may then wait for the next one)."""
    shift = await work.shifts.get(chat.shift_id) if chat.shift_id else None
    return shift is not None and rules.shift_over(shift.ends_at, now)


async def transfer_targets(work: UnitOfWork, setup: ChatSetup, chat: ChatRow, staff_id: int,
                           now: datetime) -> list[StaffRow]:
    """The other workers on duty now in the chat's service: whom the chat can be handed over to."""
    service = setup.get(chat.service)
    current = await shifts.current_shift(work, service, now) if service else None
    if current is None or service is None:
        return []
    return [staff for staff in await shifts.on_duty(work, current, service) if staff.id != staff_id]


async def transfer(work: UnitOfWork, setup: ChatSetup, chat: ChatRow, giver: StaffRow, taker: StaffRow,
                   now: datetime) -> None:
    """Hand the chat over to another worker on duty; the taker's shift answers it from now on."""
    service = setup.get(chat.service)
    current = await shifts.current_shift(work, service, now) if service else None
    if current is not None:
        chat.shift_id = current.id  # the next one, at a change of shifts
    await shifts.hand_over(work, chat, giver, taker, now, setup.show_names)


async def to_next_shift(work: UnitOfWork, setup: ChatSetup, chat: ChatRow, now: datetime) -> None:
    """The chat waits for its service's next shift; the young person is told when."""
    service = setup.get(chat.service)
    upcoming = await shifts.next_opening(work, service, now) if service else None
    await shifts.back_to_queue(work, chat, upcoming, now)


async def go_on(work: UnitOfWork, setup: ChatSetup, service_id: str, staff_id: int,
                now: datetime) -> ShiftRow | None:
    """On duty in the service's running shift; None when it is not open now."""
    service = setup.get(service_id)
    shift = await shifts.current_shift(work, service, now) if service else None
    if shift is None or shift.id is None:
        return None
    await work.shifts.set_duty(DutyRow(shift.id, staff_id, True, now))
    return shift


async def go_off(work: UnitOfWork, setup: ChatSetup, staff_id: int, now: datetime) -> bool:
    """Off duty everywhere; False (and nothing changed) while the worker still has open chats. Those left waiting
    with nobody on duty learn at once when the next shift is and where to turn now."""
    if await work.chats.open_for_staff(staff_id):
        return False
    was = await shifts.staffed_services(work, setup, now)
    for shift in await shifts.my_shifts(work, setup, staff_id, now):
        await work.shifts.set_duty(DutyRow(shift.id or 0, staff_id, False, now))
    await shifts.tell_if_unstaffed(work, setup, was, now)
    return True


async def offer(work: UnitOfWork, setup: ChatSetup, chat: ChatRow, staff: StaffRow, now: datetime) -> None:
    """Offer the young person to work together under their own name: they are told how it would go (nothing is
    linked until they accept an invitation and consent); the worker goes on to make the invitation."""
    if chat.user_key is not None:
        await shifts.push(work, chat.user_key, Msg(N_("chat.offer_identified"), {
            "who": shifts.worker_label(staff, setup.show_names)}), now)
