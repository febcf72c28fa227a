"""The anonymous chat on shifts: who is on duty, the queue, the chats, and what a shift's start and end bring.

The effects over the storage port, shared by the young person's chat, the worker's desk and the ticker; the
rules they follow (open when, on duty who, the queue order, what the clock ends) are `flows.chat.rules`.
Everything sent to another person is an outbox row, so it survives a restart and keeps its order; a
"poke" row makes the engine show that person where they are now (a worker took or closed their chat).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection
from datetime import UTC, datetime
from typing import Any

from flows.chat import rules
from flows.chat.schedule import Service
from flows.chat.setup import ChatSetup as ChatSetup  # where the flows and identity's workers found it
from flows.core.messages import N_, LocalText, Msg, Period, dump_msg
from flows.identity.staff import StaffCard, staff_card, title_of
from storage.ports import ChatMessageRow, ChatRow, DutyRow, OutboxRow, ShiftRow, StaffRow, UnitOfWork

log = logging.getLogger(__name__)

# Outbox kinds: a plain message, a picture or sticker passed on, and a poke that re-shows the recipient's flow.
PUSH, MEDIA, POKE = "chat", "chat_media", "poke"


# --- schedules and duty ------------------------------------------------------------------------------


async def schedule_of(work: UnitOfWork, service: Service) -> Service:
    """The service's schedule with the changes coordinators made in Telegram (days and weekly slots)."""
    return rules.merged_schedule(service, await work.schedules.closings(service.id),
                                 await work.schedules.weekly(service.id))


async def current_shift(work: UnitOfWork, service: Service, now: datetime) -> ShiftRow | None:
    """The shift of the opening ``now`` falls in (recorded on first sight, with the rota's workers on duty)."""
    schedule = await schedule_of(work, service)
    period = schedule.open_at(now)
    if period is None:
        return None
    shift = await work.shifts.get_or_add(ShiftRow(service.id, period[0], period[1]))
    if not shift.started:
        assert shift.id is not None
        marked = [row.staff_id for row in await work.shifts.duty(shift.id)]
        for staff_id in rules.from_rota(await work.schedules.rota(service.id), schedule.slot_keys(period[0]),
                                        marked):
            await work.shifts.set_duty(DutyRow(shift.id, staff_id, True, now))
    return shift


async def on_duty(work: UnitOfWork, shift: ShiftRow, service: Service) -> list[StaffRow]:
    """The workers on duty in ``shift`` of ``service`` (whose access has not been removed, of its region)."""
    assert shift.id is not None
    found = []
    for row in await work.shifts.duty(shift.id):
        staff = await work.staff.get(row.staff_id)
        if rules.can_answer(row, staff, service.region):
            assert staff is not None
            found.append(staff)
    return found


async def next_opening(work: UnitOfWork, service: Service, now: datetime) -> Period | None:
    """The next opening that starts after ``now`` (the current one, open but unstaffed or ending, does not
    help someone who is waiting)."""
    return rules.next_opening(await schedule_of(work, service), now)


async def available(work: UnitOfWork, service: Service, now: datetime) -> bool:
    """Open now, with at least one worker on duty."""
    shift = await current_shift(work, service, now)
    return shift is not None and bool(await on_duty(work, shift, service))


async def staffed_services(work: UnitOfWork, setup: ChatSetup, now: datetime) -> set[str]:
    """The services someone can answer in now: the one test behind /hours, /chat and the desk."""
    return {service.id for service in setup.services if await available(work, service, now)}


async def follow_rota(work: UnitOfWork, service: Service, slot: str, staff_id: int, added: bool,
                      now: datetime) -> None:
    """A coordinator put a worker on a slot, or took them off it: if that slot is running now, duty follows at
    once and the worker is told. One taken off keeps duty while they still have open chats (nobody is left
    mid-sentence); they go off by hand when those are done."""
    shift = await current_shift(work, service, now)
    if shift is None or shift.id is None or slot not in (await schedule_of(work, service)).slot_keys(
            shift.starts_at):
        return
    staff = await work.staff.get(staff_id)
    if staff is None:
        return
    when = Period(shift.starts_at, shift.ends_at)
    if added:
        await work.shifts.set_duty(DutyRow(shift.id, staff_id, True, now))
        waiting = len(await work.chats.queued(service.id))
        message = Msg(N_("shift.started"), {"service": service.name, "when": when, "waiting": waiting})
    elif any(chat.shift_id == shift.id for chat in await work.chats.open_for_staff(staff_id)):
        message = Msg(N_("shift.off_rota_chats_open"), {"service": service.name})
    else:
        if any(row.staff_id == staff_id for row in await work.shifts.duty(shift.id)):
            # Only someone who was on duty gets an "off" row: a duty row means "was on duty in this shift"
            # (the statistics count them), and without one the rota no longer puts them on anyway.
            await work.shifts.set_duty(DutyRow(shift.id, staff_id, False, now))
        message = Msg(N_("shift.off_rota"), {"service": service.name})
    if staff.user_key and staff.active and (shift.started or not added):  # else the shift's start tells them
        await poke(work, staff.user_key, message, now)  # their desk, if open, shows the change too
    log.info("shift.rota_followed service=%s shift=%s staff=%s on=%d", service.id, shift.id, staff_id, added)


async def tell_if_unstaffed(work: UnitOfWork, setup: ChatSetup, was: set[str], now: datetime) -> int:
    """After a change in duty (going off, a rota edit, a worker removed): in every service that had someone on
    duty and has nobody now, each waiting young person is shown at once what happens now (their flow shows
    the next opening and where to turn). Returns how many were told."""
    told = 0
    for service_id in rules.unstaffed(was, await staffed_services(work, setup, now)):
        waiting = [chat.user_key for chat in await work.chats.queued(service_id) if chat.user_key is not None]
        for key in waiting:
            await poke(work, key, None, now)
        told += len(waiting)
        log.info("shift.unstaffed service=%s waiting=%d", service_id, len(waiting))
    return told


async def waiting_alone(work: UnitOfWork, setup: ChatSetup, staff_id: int, now: datetime) -> int:
    """How many wait in the services where this worker is the only one on duty (they would be left alone)."""
    waiting = 0
    for shift in await my_shifts(work, setup, staff_id, now):
        service = setup.get(shift.service)
        if service is not None and rules.only_one(
                [staff.id or 0 for staff in await on_duty(work, shift, service)], staff_id):
            waiting += len(await work.chats.queued(shift.service))
    return waiting


async def my_shifts(work: UnitOfWork, setup: ChatSetup, staff_id: int, now: datetime) -> list[ShiftRow]:
    """The current shifts this worker is on duty in."""
    found = []
    for service in setup.services:
        shift = await current_shift(work, service, now)
        if shift is not None and shift.id is not None and rules.is_on(await work.shifts.duty(shift.id), staff_id):
            found.append(shift)
    return found


# --- pushes --------------------------------------------------------------------------------------------


async def push(work: UnitOfWork, recipient: str, message: Msg, now: datetime, chat: ChatRow | None = None,
               about: int | None = None) -> None:
    """Queue ``message`` for ``recipient``; a chat's messages keep to the chat's own lane (see chat_lane).
    ``about`` is the chat a message to a worker belongs to, for their swipe-reply (never set for a young
    person: their chat is not linked to them once it closes)."""
    lane, priority = chat_lane(chat)
    await work.outbox.add(OutboxRow(recipient, PUSH, _about(dump_msg(message), about), now, lane=lane,
                                    priority=priority))


def _about(message: dict[str, Any], about: int | None) -> dict[str, Any]:
    return message if about is None else {**message, "about": about}


async def poke(work: UnitOfWork, recipient: str, notice: Msg | None, now: datetime) -> None:
    """Show ``recipient`` where they are now (their flow catches up first), with ``notice`` before it."""
    await work.outbox.add(OutboxRow(recipient, POKE, dump_msg(notice) if notice else {}, now))


async def push_media(work: UnitOfWork, recipient: str, label: Msg, kind: str, ref: str, now: datetime,
                     chat: ChatRow | None = None, about: int | None = None) -> None:
    """Queue a picture or sticker passed on under ``label``; ``chat`` and ``about`` as in `push`."""
    lane, priority = chat_lane(chat)
    message = {**dump_msg(label), "media": kind, "ref": ref}
    await work.outbox.add(OutboxRow(recipient, MEDIA, _about(message, about), now, lane=lane, priority=priority))


def chat_lane(chat: ChatRow | None) -> tuple[str, int]:
    """The outbox lane and priority of a chat's messages: a worker with several chats gets them in turns, not
    sixty from one chat before one from another, and a crisis-flagged chat's messages go first."""
    if chat is None or chat.id is None:
        return "", 0
    return f"chat:{chat.id}", 1 if chat.crisis else 0


def worker_label(staff: StaffRow | StaffCard, show_names: bool) -> Msg:
    """How a young person sees a worker in a chat: their title in the reader's language and first name, or the
    title only."""
    card = staff_card(staff) if isinstance(staff, StaffRow) else staff
    name = str(card.get("name", ""))
    first = name.split()[0] if name.split() else ""
    if show_names and first:
        return Msg(N_("chat.worker_named"), {"title": title_of(card), "name": first})
    if not str(card.get("title") or "").strip() and card.get("role", "worker") == "worker":
        return Msg(N_("chat.worker_plain"))  # not "a worker (worker)"
    return Msg(N_("chat.worker_role"), {"title": title_of(card)})


def chat_label(chat: ChatRow) -> Msg:
    """How a worker sees a chat among several: its number, with a flag when crisis words were written."""
    return Msg(N_("chat.label_crisis") if chat.crisis else N_("chat.label"), {"number": chat.id or 0})


# --- chats ---------------------------------------------------------------------------------------------


async def place_in_queue(work: UnitOfWork, chat: ChatRow) -> int:
    """The chat's place in its service's queue (the store gives the queue in `rules.queue_order`)."""
    return rules.place_in_queue(await work.chats.queued(chat.service), chat.id)


async def young_says(work: UnitOfWork, chat: ChatRow, now: datetime, kind: str, body: str,
                     crisis: bool = False) -> bool:
    """Keep the young person's message and pass it to their worker, if a worker has the chat. False when the
    worker can no longer be reached: the chat is back in the queue (first, having waited longest)."""
    assert chat.id is not None
    await work.chats.add_message(ChatMessageRow(chat.id, now, "young", kind, body))
    if crisis and not chat.crisis:
        chat.crisis = True  # first in the queue, and flagged for the worker
        await work.chats.save(chat)
    if chat.status != "open":
        return True
    staff = await work.staff.get(chat.staff_id) if chat.staff_id else None
    if staff is None or not staff.active or staff.user_key is None:
        chat.status, chat.staff_id = "queued", None
        await work.chats.save(chat)
        log.info("chat.requeued chat=%s reason=unreachable", chat.id)
        return False
    label = chat_label(chat)
    if kind == "text":
        await push(work, staff.user_key, Msg(N_("chat.to_worker"), {"chat": label, "text": body}), now, chat,
                   chat.id)
    else:
        await push_media(work, staff.user_key, label, kind, body, now, chat, chat.id)
    return True


async def tell_queue(work: UnitOfWork, service: Service, chat: ChatRow, now: datetime) -> None:
    """Workers on duty learn at once that someone is waiting (their desk is shown again, with the queue)."""
    shift = await current_shift(work, service, now)
    if shift is None:
        return
    waiting = len(await work.chats.queued(service.id))
    key = N_("desk.new_crisis_in_queue") if chat.crisis else N_("desk.new_in_queue")
    for staff in await on_duty(work, shift, service):
        if staff.user_key and staff.id != chat.staff_id:
            await poke(work, staff.user_key, Msg(key, {"service": service.name, "waiting": waiting}), now)


async def expire_waiting(work: UnitOfWork, before: datetime, now: datetime) -> int:
    """Chats nobody took since ``before`` (a left message for a service that stopped, say) are closed, so
    their texts and the person's chat id do not stay for ever; the young person is told."""
    expired = rules.expired(await work.chats.opened_between(datetime.min.replace(tzinfo=UTC), before), before)
    for chat in expired:
        young = chat.user_key
        await close(work, chat, "expired", now)
        if young is not None:
            await poke(work, young, Msg(N_("chat.expired")), now)
    return len(expired)


async def requeue_for_staff(work: UnitOfWork, staff_id: int, now: datetime,
                            services: Collection[str] | None = None) -> int:
    """A worker's access was removed (or, with ``services``, they left those services' region): their open chats
    go back to the queue and the young people are told."""
    chats = [chat for chat in await work.chats.open_for_staff(staff_id) if services is None or chat.service in services]
    for chat in chats:
        chat.status, chat.staff_id = "queued", None
        await work.chats.save(chat)
        if chat.user_key is not None:
            await poke(work, chat.user_key, Msg(N_("chat.requeued")), now)
    return len(chats)


async def leaving_region(work: UnitOfWork, setup: ChatSetup, staff: StaffRow,
                         now: datetime) -> Callable[[], Awaitable[None]]:
    """A staff member is about to move to another region (``kaari admin add-coordinator --region``): ``setup`` is
    the chat of the region they leave. Which of its services had someone on duty is read now; the returned step,
    awaited once they have moved, takes them off those services' rota and running shifts, puts their open chats
    there back in the queue, tells those waiting where nobody is left, and tells the worker what they left. Else
    the old region's chat would count them on duty, and its young people would wait for someone whose desk no
    longer shows them."""
    was = await staffed_services(work, setup, now)
    staff_id = staff.id or 0

    async def after() -> None:
        left = set()
        for service in setup.services:
            for row in await work.schedules.rota(service.id):
                if row.staff_id == staff_id:
                    await work.schedules.remove_rota(row)
                    left.add(service.id)
            shift = await current_shift(work, service, now)
            if shift is not None and shift.id is not None and rules.is_on(await work.shifts.duty(shift.id), staff_id):
                await work.shifts.set_duty(DutyRow(shift.id, staff_id, False, now))
                left.add(service.id)
        # As for a worker removed (flows/chat/hooks.py): those already waiting first, then the worker's own chats
        # go back to the queue with a notice of their own.
        told = await tell_if_unstaffed(work, setup, was, now)
        chats = await requeue_for_staff(work, staff_id, now, {service.id for service in setup.services})
        for service in setup.services:
            if service.id in left and staff.user_key and staff.active:
                await poke(work, staff.user_key, Msg(N_("shift.left_region"), {"service": service.name}), now)
        log.info("shift.left_region staff=%s services=%d chats=%d told=%d", staff_id, len(left), chats, told)

    return after


async def worker_says(work: UnitOfWork, staff: StaffRow, chat: ChatRow, now: datetime, kind: str,
                      body: str | LocalText, show_names: bool) -> None:
    """Keep the worker's message and pass it to the young person (a quick reply in their own language)."""
    assert chat.id is not None
    if chat.user_key is None:
        return
    who = worker_label(staff, show_names)
    if kind == "text":
        if isinstance(body, LocalText):  # kept as the young person saw it
            young = await work.users.get(chat.user_key)
            kept = body.get(young.language if young else "fi")
        else:
            kept = body
        await work.chats.add_message(ChatMessageRow(chat.id, now, "staff", kind, kept, staff.id))
        await push(work, chat.user_key, Msg(N_("chat.from_worker"), {"who": who, "text": body}), now, chat)
    else:
        assert isinstance(body, str)
        await work.chats.add_message(ChatMessageRow(chat.id, now, "staff", kind, body, staff.id))
        await push_media(work, chat.user_key, who, kind, body, now, chat)


async def take(work: UnitOfWork, staff: StaffRow, chat: ChatRow, shift: ShiftRow, now: datetime,
               show_names: bool) -> None:
    """The worker takes the chat in their shift; the young person is told who answers."""
    chat.status, chat.staff_id, chat.shift_id, chat.taken_at = "open", staff.id, shift.id, now
    await work.chats.save(chat)
    if chat.user_key is not None:
        await poke(work, chat.user_key, Msg(N_("chat.taken"), {"who": worker_label(staff, show_names)}), now)
    log.info("chat.taken chat=%s staff=%s", chat.id, staff.id)


async def hand_over(work: UnitOfWork, chat: ChatRow, giver: StaffRow, taker: StaffRow, now: datetime,
                    show_names: bool) -> None:
    """Another worker on duty continues the chat; both sides are told."""
    chat.staff_id = taker.id
    await work.chats.save(chat)
    if taker.user_key:
        await push(work, taker.user_key, Msg(N_("chat.handed_to_you"), {
            "chat": chat_label(chat), "from": giver.name}), now, about=chat.id)
    if chat.user_key is not None:
        await poke(work, chat.user_key, Msg(N_("chat.transferred"), {"who": worker_label(taker, show_names)}), now)
    log.info("chat.transferred chat=%s from=%s to=%s", chat.id, giver.id, taker.id)


async def back_to_queue(work: UnitOfWork, chat: ChatRow, next_time: Period | None, now: datetime) -> None:
    """The chat waits for the next shift (its worker's shift ended); the young person is told when."""
    chat.status, chat.staff_id, chat.left = "queued", None, True
    await work.chats.save(chat)
    if chat.user_key is not None:
        await poke(work, chat.user_key, _next_shift_notice(next_time), now)


def _next_shift_notice(next_time: Period | None) -> Msg:
    if next_time is None:
        return Msg(N_("chat.waits_next_shift_unknown"))
    return Msg(N_("chat.waits_next_shift"), {"when": next_time})


async def close(work: UnitOfWork, chat: ChatRow, by: str, now: datetime) -> None:
    """End the chat. The young person is unlinked from it at once: counts, times and the rating stay,
    the texts go after the retention time. Whoever did not close it is told."""
    young, staff_id = chat.user_key, chat.staff_id
    chat.status, chat.closed_at, chat.closed_by, chat.user_key = "closed", now, by, None
    await work.chats.save(chat)
    staff = await work.staff.get(staff_id) if staff_id else None
    if by != "staff" and staff is not None and staff.user_key and chat.taken_at is not None:
        key = N_("chat.closed_by_young") if by in ("young", "forget") else N_("chat.closed_at_shift_end")
        await push(work, staff.user_key, Msg(key, {"chat": chat_label(chat)}), now)
    if by in ("staff", "shift_end") and young is not None:
        key = N_("chat.closed_by_worker") if by == "staff" else N_("chat.closed_by_shift")
        await poke(work, young, Msg(key), now)
    # No chat id here: next to the update's own log line it would tie the person back to the chat.
    log.info("chat.closed by=%s", by)


# --- the ticker's part ---------------------------------------------------------------------------------


async def tick(work: UnitOfWork, setup: ChatSetup, now: datetime) -> None:
    """Start and end shifts on time, and close chats left open too long after theirs. Run every ticker round."""
    for service in setup.services:
        shift = await current_shift(work, service, now)
        if shift is not None and not shift.started:
            await _start(work, service, shift, now)
    for shift in await work.shifts.unfinished():
        ended = setup.get(shift.service)
        if rules.shift_over(shift.ends_at, now) and ended is not None:
            await _end(work, ended, shift, now)
    await _overdue(work, setup, now)


async def _start(work: UnitOfWork, service: Service, shift: ShiftRow, now: datetime) -> None:
    shift.started = True
    await work.shifts.save(shift)
    waiting = len(await work.chats.queued(service.id))
    for staff in await on_duty(work, shift, service):
        if staff.user_key:
            await push(work, staff.user_key, Msg(N_("shift.started"), {
                "service": service.name, "when": Period(shift.starts_at, shift.ends_at), "waiting": waiting}), now)
    log.info("shift.started service=%s shift=%s waiting=%d", service.id, shift.id, waiting)


async def _end(work: UnitOfWork, service: Service, shift: ShiftRow, now: datetime) -> None:
    shift.started = shift.ended = True
    await work.shifts.save(shift)
    following = await current_shift(work, service, now)  # a shift that starts as this one ends
    staffed = following is not None and bool(await on_duty(work, following, service))
    if not staffed:
        next_time = await next_opening(work, service, now)
        for chat in await work.chats.queued(service.id):
            if chat.opened_at < shift.ends_at and chat.user_key is not None:
                # Nobody got to it: it waits for the next shift, and the young person knows when.
                await poke(work, chat.user_key, _next_shift_notice(next_time), now)
    if rules.ended_long_ago(shift.ends_at, now):
        # The bot was down over the end of the shift: the workers have gone; the overdue pass closes.
        log.info("shift.ended service=%s shift=%s late=1", service.id, shift.id)
        return
    waiting = len(await work.chats.queued(service.id))
    carried_to = {staff.id for staff in await on_duty(work, following, service)} if following is not None else set()
    for staff in await on_duty(work, shift, service):
        if staff.id is None:
            continue
        mine = [chat for chat in await work.chats.open_for_staff(staff.id) if chat.shift_id == shift.id]
        if staff.id in carried_to and following is not None:
            for chat in mine:  # on duty in the next shift too: the chats simply go on
                chat.shift_id = following.id
                await work.chats.save(chat)
            continue
        for chat in mine:
            if chat.user_key is not None:
                await push(work, chat.user_key, Msg(N_("chat.shift_ending")), now)
        if staff.user_key:
            message = Msg(N_("shift.ended_open"), {"service": service.name, "count": len(mine),
                                                   "waiting": waiting}) if mine else Msg(
                N_("shift.ended"), {"service": service.name, "waiting": waiting})
            await (poke(work, staff.user_key, message, now) if mine else push(work, staff.user_key, message, now))
    log.info("shift.ended service=%s shift=%s", service.id, shift.id)


async def _overdue(work: UnitOfWork, setup: ChatSetup, now: datetime) -> None:
    """Open chats whose shift ended, and where nobody has written for the grace time, are closed with both
    sides told. A crisis-flagged chat is never closed by the clock: only its worker closes it."""
    for staff in await work.staff.all():
        for chat in await work.chats.open_for_staff(staff.id or 0):
            shift = await work.shifts.get(chat.shift_id) if chat.shift_id else None
            ends_at = shift.ends_at if shift is not None else None
            if not rules.overdue(chat, ends_at, None, now):
                continue  # read the messages only of chats whose shift is over
            messages = await work.chats.messages(chat.id or 0)
            if rules.overdue(chat, ends_at, messages[-1].at if messages else None, now):
                await close(work, chat, "shift_end", now)


async def release_contact(work: UnitOfWork, key: str) -> bool:
    """Delete an anonymous person's chat id once no chat or left message of theirs is active, they are in no ESY
    group and nothing queued for them is left to send. Staff and clients keep theirs (it is not the chat's)."""
    if await work.staff.by_user(key) is not None or await work.clients.by_user(key) is not None:
        return False
    if await work.chats.active_for_user(key) is not None:
        return False
    if await work.groups.memberships(key):  # an ESY group's member is told when a round opens (#12 §5)
        return False
    if any(row.status in ("pending", "sending") for row in await work.outbox.for_recipient(key)):
        return False
    if await work.contacts.get(key) is None:
        return False
    await work.contacts.delete(key)
    log.info("chat.contact_released user=%s", key[:12])
    return True


async def release_contacts(work: UnitOfWork) -> int:
    """The sweep behind `release_contact` (the ticker also releases right after a last message is sent)."""
    return sum([await release_contact(work, key) for key in await work.contacts.keys()])
