"""Shifts as plain logic over the memory store: duty from the rota, changes made in Telegram, the start and end
of a shift (also on a daylight-saving night), the queue order, and the statistics."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from flows.chat import chat_stats, rules, shifts
from flows.chat.rota import parse_times, parse_weekly
from flows.chat.schedule import parse_services
from flows.core.dates import parse_day
from flows.core.messages import load_msg
from storage.memory import MemoryStore
from storage.ports import (
    ChatRow,
    ClosingRow,
    ContactRow,
    DutyRow,
    OutboxRow,
    RotaRow,
    StaffRow,
    UnitOfWork,
    UserRow,
)

SERVICES = """
[[services]]
id = "sw"
name = { fi = "Chat", sv = "Chatt", en = "Chat" }
opening = { fi = "Sosiaalityöntekijä vastaa.", sv = "En socialarbetare svarar.", en = "A social worker answers." }
slots = [
    { day = "fri", start = "12:00", end = "14:00" },
    { day = "sun", start = "02:30", end = "04:30" },
]
"""
FRIDAY_NOON = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # 12:00 in Helsinki (winter time)


@pytest.fixture
def setup() -> shifts.ChatSetup:
    return shifts.ChatSetup(parse_services(SERVICES, "test"))


async def add_worker(work: UnitOfWork, name: str, key: str) -> StaffRow:
    await work.users.save(UserRow(key, "fi", FRIDAY_NOON, FRIDAY_NOON))
    staff = StaffRow(name, "sosiaaliohjaaja", "Oulunkaari", False, True, FRIDAY_NOON, key)
    staff.id = await work.staff.add(staff)
    return staff


def kinds(rows: list[OutboxRow]) -> list[str]:
    return [load_msg(row.message).key for row in rows if row.message]


async def test_rota_workers_are_on_duty_and_one_who_went_off_stays_off(setup: shifts.ChatSetup) -> None:
    store = MemoryStore()
    service = setup.services[0]
    async with store.transaction() as work:
        aino = await add_worker(work, "Aino Virtanen", "w1")
        bea = await add_worker(work, "Bea", "w2")
        await work.schedules.add_rota(RotaRow("sw", "fri 12:00", aino.id or 0))
        await work.schedules.add_rota(RotaRow("sw", "fri 12:00", bea.id or 0))
        assert await shifts.current_shift(work, service, FRIDAY_NOON - timedelta(minutes=1)) is None
        shift = await shifts.current_shift(work, service, FRIDAY_NOON)
        assert shift is not None and shift.id is not None
        assert [s.name for s in await shifts.on_duty(work, shift, service)] == ["Aino Virtanen", "Bea"]
        await work.shifts.set_duty(DutyRow(shift.id, bea.id or 0, False, FRIDAY_NOON))
        again = await shifts.current_shift(work, service, FRIDAY_NOON + timedelta(minutes=5))
        assert again is not None and again.id == shift.id
        assert [s.name for s in await shifts.on_duty(work, again, service)] == ["Aino Virtanen"]
        assert await shifts.available(work, service, FRIDAY_NOON)
        # A duty row of someone now of another region does not count (#14): their desk shows another region's
        # queue, so the service is not open on their account.
        aino.region = "north"
        await work.staff.save(aino)
        assert await shifts.on_duty(work, again, service) == []
        assert not await shifts.available(work, service, FRIDAY_NOON)


async def test_a_closed_day_and_an_extra_slot_from_telegram_change_the_schedule(setup: shifts.ChatSetup) -> None:
    store = MemoryStore()
    service = setup.services[0]
    async with store.transaction() as work:
        await work.schedules.add_closing(ClosingRow("sw", date(2026, 11, 20), True))
        await work.schedules.add_closing(ClosingRow("sw", date(2026, 11, 21), False, time(10), time(11)))
        assert await shifts.current_shift(work, service, FRIDAY_NOON) is None
        saturday = datetime(2026, 11, 21, 8, 30, tzinfo=UTC)  # 10:30 in Helsinki
        shift = await shifts.current_shift(work, service, saturday)
        assert shift is not None and shift.starts_at == datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
        schedule = await shifts.schedule_of(work, service)
        assert schedule.slot_keys(shift.starts_at) == ("2026-11-21 10:00",)


async def test_a_slot_on_the_spring_daylight_saving_night_finds_its_rota(setup: shifts.ChatSetup) -> None:
    """Sunday 28 March 2027: 03:00 becomes 04:00. The 02:30-04:30 slot starts at 02:30 EET (00:30 UTC) and
    ends at 04:30 EEST (01:30 UTC): one hour long, and the rota of 'sun 02:30' is on duty."""
    store = MemoryStore()
    service = setup.services[0]
    async with store.transaction() as work:
        aino = await add_worker(work, "Aino", "w1")
        await work.schedules.add_rota(RotaRow("sw", "sun 02:30", aino.id or 0))
        inside = datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
        shift = await shifts.current_shift(work, service, inside)
        assert shift is not None
        assert (shift.starts_at, shift.ends_at) == (datetime(2027, 3, 28, 0, 30, tzinfo=UTC),
                                                    datetime(2027, 3, 28, 1, 30, tzinfo=UTC))
        assert [s.name for s in await shifts.on_duty(work, shift, service)] == ["Aino"]
        assert await shifts.current_shift(work, service, datetime(2027, 3, 28, 1, 30, tzinfo=UTC)) is None


async def test_tick_tells_the_shift_start_and_end_and_closes_overdue_chats(setup: shifts.ChatSetup) -> None:
    store = MemoryStore()
    async with store.transaction() as work:
        aino = await add_worker(work, "Aino", "w1")
        await work.schedules.add_rota(RotaRow("sw", "fri 12:00", aino.id or 0))
        await work.users.save(UserRow("young", "fi", FRIDAY_NOON, FRIDAY_NOON))
        await work.users.save(UserRow("late", "fi", FRIDAY_NOON, FRIDAY_NOON))
        waiting = ChatRow("sw", FRIDAY_NOON - timedelta(hours=20), "young", left=True)
        waiting.id = await work.chats.add(waiting)
        await shifts.tick(work, setup, FRIDAY_NOON)
        assert kinds(await work.outbox.for_recipient("w1")) == ["shift.started"]
        await shifts.tick(work, setup, FRIDAY_NOON + timedelta(minutes=1))  # told once
        assert len(await work.outbox.for_recipient("w1")) == 1
        shift = await shifts.current_shift(work, setup.services[0], FRIDAY_NOON)
        assert shift is not None
        await shifts.take(work, aino, waiting, shift, FRIDAY_NOON, True)
        late = ChatRow("sw", FRIDAY_NOON + timedelta(minutes=100), "late")
        late.id = await work.chats.add(late)

        end = FRIDAY_NOON + timedelta(hours=2)
        await shifts.tick(work, setup, end)
        assert kinds(await work.outbox.for_recipient("w1"))[-1] == "shift.ended_open"
        assert kinds(await work.outbox.for_recipient("young"))[-1] == "chat.shift_ending"
        assert kinds(await work.outbox.for_recipient("late"))[-1] == "chat.waits_next_shift"
        still = await work.chats.get(late.id)
        assert still is not None and still.status == "queued" and not still.left, "left is for out-of-hours only"
        assert (await work.chats.get(waiting.id or 0)).status == "open"  # type: ignore[union-attr]

        await shifts.tick(work, setup, end + rules.GRACE)
        closed = await work.chats.get(waiting.id or 0)
        assert closed is not None and closed.status == "closed" and closed.closed_by == "shift_end"
        assert closed.user_key is None, "a closed chat is not linked to anyone"
        assert kinds(await work.outbox.for_recipient("young"))[-1] == "chat.closed_by_shift"


async def test_an_anonymous_contact_is_released_when_the_chat_is_done(setup: shifts.ChatSetup) -> None:
    store = MemoryStore()
    async with store.transaction() as work:
        staff = await add_worker(work, "Aino", "w1")
        await work.contacts.save(ContactRow("w1", "sealed-w", FRIDAY_NOON))
        await work.users.save(UserRow("young", "fi", FRIDAY_NOON, FRIDAY_NOON))
        await work.contacts.save(ContactRow("young", "sealed-y", FRIDAY_NOON))
        chat = ChatRow("sw", FRIDAY_NOON, "young")
        chat.id = await work.chats.add(chat)
        assert await shifts.release_contacts(work) == 0
        assert await work.contacts.get("young") is not None, "kept while the chat is active"
        chat.staff_id, chat.taken_at = staff.id, FRIDAY_NOON
        await shifts.close(work, chat, "staff", FRIDAY_NOON)
        assert not await shifts.release_contact(work, "young")
        assert await work.contacts.get("young") is not None, "kept until the closing message is sent"
        for row in await work.outbox.for_recipient("young"):
            await work.outbox.finish(row.id or 0, "sent", FRIDAY_NOON)
        assert await shifts.release_contacts(work) == 1
        assert await work.contacts.get("young") is None
        assert await work.contacts.get("w1") is not None, "staff contacts are not the chat's to release"


def test_percentiles_and_figures() -> None:
    assert chat_stats.percentile([], 50) is None
    assert chat_stats.percentile([5.0], 90) == 5.0
    values = [float(n) for n in range(1, 11)]
    assert chat_stats.percentile(values, 50) == 5.0
    assert chat_stats.percentile(values, 90) == 9.0
    t0 = FRIDAY_NOON
    chats = [
        ChatRow("sw", t0, None, status="closed", taken_at=t0 + timedelta(minutes=2), rating=5),
        ChatRow("sw", t0, None, status="closed", taken_at=t0 + timedelta(minutes=10), rating=3, crisis=True),
        ChatRow("sw", t0 - timedelta(days=1), None, status="closed", left=True, taken_at=t0, rating=4),
        ChatRow("sw", t0, None, status="closed"),
        ChatRow("sw", t0, "y", status="queued"),
    ]
    figures = chat_stats.summary(chats)
    assert figures == {"answered": 3, "left_answered": 1, "unanswered": 1, "waiting": 1, "wait_p50_min": 2.0,
                       "wait_p90_min": 10.0, "crisis": 1, "ratings": 3, "rating_avg": 4.0}


@pytest.mark.parametrize(("text", "expected"), [
    ("24.12.2026", date(2026, 12, 24)), ("2026-12-24", date(2026, 12, 24)), ("24.12.", date(2026, 12, 24)),
    ("1.1.", date(2027, 1, 1)), ("31.2.2027", None), ("huomenna", None), ("", None),
])
def test_dates_typed_by_a_coordinator(text: str, expected: date | None) -> None:
    assert parse_day(text, date(2026, 11, 25)) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("10-12", (time(10), time(12))), ("10:00–12:30", (time(10), time(12, 30))), ("22.00-1.00", (time(22), time(1))),
    ("10-10", None), ("25-26", None), ("kymmenestä", None),
])
def test_times_typed_by_a_coordinator(text: str, expected: tuple[time, time] | None) -> None:
    assert parse_times(text) == expected


BACK_TO_BACK = SERVICES + """
[[services]]
id = "late"
name = { fi = "Ilta", sv = "Kväll", en = "Evening" }
opening = { fi = "Ohjaaja vastaa.", sv = "En handledare svarar.", en = "A counsellor answers." }
slots = [{ day = "fri", start = "12:00", end = "14:00" }, { day = "fri", start = "14:00", end = "16:00" }]
"""


async def test_back_to_back_shifts_carry_a_worker_s_open_chats_on() -> None:
    setup = shifts.ChatSetup(parse_services(BACK_TO_BACK, "test"))
    service = setup.get("late")
    assert service is not None
    store = MemoryStore()
    async with store.transaction() as work:
        aino = await add_worker(work, "Aino", "w1")
        for slot in ("fri 12:00", "fri 14:00"):
            await work.schedules.add_rota(RotaRow("late", slot, aino.id or 0))
        await work.users.save(UserRow("young", "fi", FRIDAY_NOON, FRIDAY_NOON))
        chat = ChatRow("late", FRIDAY_NOON, "young")
        chat.id = await work.chats.add(chat)
        first = await shifts.current_shift(work, service, FRIDAY_NOON)
        assert first is not None
        await shifts.take(work, aino, chat, first, FRIDAY_NOON, True)
        await shifts.tick(work, setup, FRIDAY_NOON + timedelta(hours=2))
        await shifts.tick(work, setup, FRIDAY_NOON + timedelta(hours=2) + rules.GRACE)
        going = await work.chats.get(chat.id)
        assert going is not None and going.status == "open", "on duty in the next shift: the chat goes on"
        assert going.shift_id != first.id
        assert "chat.shift_ending" not in kinds(await work.outbox.for_recipient("young"))


async def test_queued_people_are_told_even_when_the_bot_was_down_over_the_shift_end(
    setup: shifts.ChatSetup,
) -> None:
    store = MemoryStore()
    async with store.transaction() as work:
        aino = await add_worker(work, "Aino", "w1")
        await work.schedules.add_rota(RotaRow("sw", "fri 12:00", aino.id or 0))
        await work.users.save(UserRow("young", "fi", FRIDAY_NOON, FRIDAY_NOON))
        await shifts.tick(work, setup, FRIDAY_NOON)
        await work.chats.add(ChatRow("sw", FRIDAY_NOON + timedelta(minutes=30), "young"))
        await shifts.tick(work, setup, FRIDAY_NOON + timedelta(hours=5))  # back up long after 14:00
        assert kinds(await work.outbox.for_recipient("young")) == ["chat.waits_next_shift"]
        assert kinds(await work.outbox.for_recipient("w1")) == ["shift.started"], "the workers have gone home"


def test_a_shift_counts_as_unanswered_what_it_left_waiting() -> None:
    from storage.ports import ShiftRow

    t0 = FRIDAY_NOON
    first = ShiftRow("sw", t0, t0 + timedelta(hours=2), True, True, id=1)
    second = ShiftRow("sw", t0 + timedelta(days=4), t0 + timedelta(days=4, hours=2), True, True, id=2)
    chats = [
        ChatRow("sw", t0, None, status="closed", shift_id=1, taken_at=t0 + timedelta(minutes=6)),
        ChatRow("sw", t0 + timedelta(minutes=90), None, status="closed", shift_id=2,
                taken_at=t0 + timedelta(days=4)),  # waited over to the next shift
        ChatRow("sw", t0 + timedelta(minutes=100), None, status="closed"),  # gave up
    ]
    rows = chat_stats.shift_rows([first, second], chats, {1: 2, 2: 1})
    assert [(r["answered"], r["unanswered"], r["workers"]) for r in rows] == [(1, 2, 2), (1, 0, 1)]
    assert rows[0]["wait_p50_min"] == 6.0 and rows[1]["wait_p50_min"] == (4 * 24 * 60 - 90)


@pytest.mark.parametrize(("text", "expected"), [
    ("to 12-14", ("thu", time(12), time(14))), ("Torstai 12:00–14:00", ("thu", time(12), time(14))),
    ("sön 22-1", ("sun", time(22), time(1))), ("Friday 9.30-11", ("fri", time(9, 30), time(11))),
    ("to", None), ("huomenna 12-14", None), ("pe 12-12", None),
])
def test_weekly_slots_typed_by_a_coordinator(text: str, expected: tuple[str, time, time] | None) -> None:
    assert parse_weekly(text) == expected


async def test_the_clock_never_closes_a_crisis_chat_or_one_still_talking(setup: shifts.ChatSetup) -> None:
    from storage.ports import ChatMessageRow

    store = MemoryStore()
    async with store.transaction() as work:
        aino = await add_worker(work, "Aino", "w1")
        await work.schedules.add_rota(RotaRow("sw", "fri 12:00", aino.id or 0))
        shift = await shifts.current_shift(work, setup.services[0], FRIDAY_NOON)
        assert shift is not None
        chats = []
        for key, crisis in (("calm", False), ("crisis", True), ("talking", False)):
            await work.users.save(UserRow(key, "fi", FRIDAY_NOON, FRIDAY_NOON))
            chat = ChatRow("sw", FRIDAY_NOON, key, crisis=crisis)
            chat.id = await work.chats.add(chat)
            await shifts.take(work, aino, chat, shift, FRIDAY_NOON, True)
            chats.append(chat)
        late = FRIDAY_NOON + timedelta(hours=2) + rules.GRACE
        await work.chats.add_message(ChatMessageRow(chats[2].id or 0, late - timedelta(minutes=1), "young", "text",
                                                    "still here"))
        await shifts.tick(work, setup, FRIDAY_NOON + timedelta(hours=2))
        await shifts.tick(work, setup, late)
        statuses = [(await work.chats.get(chat.id or 0)).status for chat in chats]  # type: ignore[union-attr]
        assert statuses == ["closed", "open", "open"]
        await shifts.tick(work, setup, late + rules.GRACE)
        statuses = [(await work.chats.get(chat.id or 0)).status for chat in chats]  # type: ignore[union-attr]
        assert statuses == ["closed", "open", "closed"], "only its worker closes a crisis chat"


async def test_waiting_chats_nobody_took_expire(setup: shifts.ChatSetup) -> None:
    store = MemoryStore()
    async with store.transaction() as work:
        await work.users.save(UserRow("young", "fi", FRIDAY_NOON, FRIDAY_NOON))
        old = ChatRow("gone-service", FRIDAY_NOON - timedelta(days=40), "young", left=True)
        old.id = await work.chats.add(old)
        fresh = ChatRow("sw", FRIDAY_NOON - timedelta(days=2), "young", left=True)
        fresh.id = await work.chats.add(fresh)
        assert await shifts.expire_waiting(work, FRIDAY_NOON - timedelta(days=30), FRIDAY_NOON) == 1
        gone = await work.chats.get(old.id)
        assert gone is not None and gone.status == "closed" and gone.closed_by == "expired" and gone.user_key is None
        assert kinds(await work.outbox.for_recipient("young")) == ["chat.expired"]
        assert (await work.chats.get(fresh.id)).status == "queued"  # type: ignore[union-attr]


async def test_the_rota_on_the_running_slot_moves_duty_and_the_waiting_hear_when_nobody_is_left(
    setup: shifts.ChatSetup,
) -> None:
    store = MemoryStore()
    service = setup.services[0]
    async with store.transaction() as work:
        aino = await add_worker(work, "Aino", "w1")
        await shifts.tick(work, setup, FRIDAY_NOON)  # the shift has started, with nobody on it
        assert not await shifts.available(work, service, FRIDAY_NOON)
        await work.schedules.add_rota(RotaRow("sw", "fri 12:00", aino.id or 0))
        assert not await shifts.available(work, service, FRIDAY_NOON), "the rota alone does not change a started shift"
        await shifts.follow_rota(work, service, "fri 12:00", aino.id or 0, True, FRIDAY_NOON)
        assert await shifts.available(work, service, FRIDAY_NOON)
        assert kinds(await work.outbox.for_recipient("w1"))[-1] == "shift.started"
        await shifts.follow_rota(work, service, "sun 02:30", aino.id or 0, False, FRIDAY_NOON)
        assert await shifts.available(work, service, FRIDAY_NOON), "another slot than the running one: no change"

        await work.users.save(UserRow("young", "fi", FRIDAY_NOON, FRIDAY_NOON))
        waiting = ChatRow("sw", FRIDAY_NOON, "young")
        waiting.id = await work.chats.add(waiting)
        assert await shifts.waiting_alone(work, setup, aino.id or 0, FRIDAY_NOON) == 1
        was = await shifts.staffed_services(work, setup, FRIDAY_NOON)
        assert await shifts.tell_if_unstaffed(work, setup, was, FRIDAY_NOON) == 0, "still staffed: nobody told"
        await work.schedules.remove_rota(RotaRow("sw", "fri 12:00", aino.id or 0))
        await shifts.follow_rota(work, service, "fri 12:00", aino.id or 0, False, FRIDAY_NOON)
        assert kinds(await work.outbox.for_recipient("w1"))[-1] == "shift.off_rota"
        assert await shifts.tell_if_unstaffed(work, setup, was, FRIDAY_NOON) == 1
        assert [row.kind for row in await work.outbox.for_recipient("young")] == [shifts.POKE]


async def test_put_on_the_running_slot_before_its_start_is_told_once(setup: shifts.ChatSetup) -> None:
    store = MemoryStore()
    service = setup.services[0]
    async with store.transaction() as work:
        aino = await add_worker(work, "Aino", "w1")
        await work.schedules.add_rota(RotaRow("sw", "fri 12:00", aino.id or 0))
        await shifts.follow_rota(work, service, "fri 12:00", aino.id or 0, True, FRIDAY_NOON)
        await shifts.tick(work, setup, FRIDAY_NOON)  # the ticker starts the shift and tells its workers
        assert kinds(await work.outbox.for_recipient("w1")) == ["shift.started"]
