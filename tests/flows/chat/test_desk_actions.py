"""The desk's rules apart from any channel (flows.chat.desk_actions), over the memory store: one queue across the
services a worker is on duty in (crisis first), a chat only taken while it waits in one of them, a hand-over only
to someone on duty, the next shift only after the chat's own, and off duty only with no chat open."""

from __future__ import annotations

from datetime import timedelta

from flows.chat import desk_actions, shifts
from flows.chat.schedule import parse_services
from storage.memory import MemoryStore
from storage.ports import ChatRow, RotaRow, UnitOfWork, UserRow
from tests.flows.chat.test_shifts import FRIDAY_NOON, SERVICES, add_worker

TWO = SERVICES + """
[[services]]
id = "youth"
name = { fi = "Nuoret", sv = "Unga", en = "Youth" }
opening = { fi = "Nuorisotyöntekijä vastaa.", sv = "En ungdomsarbetare svarar.", en = "A youth worker answers." }
slots = [{ day = "fri", start = "12:00", end = "13:00" }]
"""
SETUP = shifts.ChatSetup(parse_services(TWO, "test"))


async def waiting(work: UnitOfWork, service: str, minutes: int, crisis: bool = False) -> ChatRow:
    key = f"young-{service}-{minutes}"
    await work.users.save(UserRow(key, "fi", FRIDAY_NOON, FRIDAY_NOON))
    chat = ChatRow(service, FRIDAY_NOON - timedelta(minutes=minutes), key, crisis=crisis)
    chat.id = await work.chats.add(chat)
    return chat


async def test_one_queue_across_my_services_crisis_first_and_only_mine_to_take() -> None:
    async with MemoryStore().transaction() as work:
        aino = await add_worker(work, "Aino", "w1")
        await work.schedules.add_rota(RotaRow("sw", "fri 12:00", aino.id or 0))
        await work.schedules.add_rota(RotaRow("youth", "fri 12:00", aino.id or 0))
        bea = await add_worker(work, "Bea", "w2")
        await work.schedules.add_rota(RotaRow("youth", "fri 12:00", bea.id or 0))
        old, crisis, young = (await waiting(work, "sw", 30), await waiting(work, "sw", 5, crisis=True),
                              await waiting(work, "youth", 20))
        queue = await desk_actions.my_queue(work, SETUP, aino.id or 0, FRIDAY_NOON)
        assert [chat.id for chat, _ in queue] == [crisis.id, old.id, young.id]
        assert [chat.id for chat, _ in await desk_actions.my_queue(work, SETUP, bea.id or 0, FRIDAY_NOON)] == [
            young.id], "Bea is on duty in the youth chat only"
        assert await desk_actions.take_chosen(work, SETUP, bea, old.id or 0, FRIDAY_NOON) is None
        taken = await desk_actions.take_next(work, SETUP, aino, FRIDAY_NOON)
        assert taken is not None and taken.id == crisis.id and taken.status == "open"
        assert await desk_actions.take_chosen(work, SETUP, bea, crisis.id or 0, FRIDAY_NOON) is None, "taken"
        assert await desk_actions.mine(work, aino.id or 0, crisis.id or 0) is not None
        assert await desk_actions.mine(work, bea.id or 0, crisis.id or 0) is None


async def test_hand_over_next_shift_and_off_duty_follow_the_desks_rules() -> None:
    async with MemoryStore().transaction() as work:
        aino, bea = await add_worker(work, "Aino", "w1"), await add_worker(work, "Bea", "w2")
        for staff in (aino, bea):
            await work.schedules.add_rota(RotaRow("youth", "fri 12:00", staff.id or 0))
        chat = await waiting(work, "youth", 10)
        await waiting(work, "youth", 5)
        assert (await desk_actions.duty_of(work, SETUP, aino.id or 0, FRIDAY_NOON)).join == ("sw",)
        taken = await desk_actions.take_chosen(work, SETUP, aino, chat.id or 0, FRIDAY_NOON)
        assert taken is not None
        assert [staff.name for staff in await desk_actions.transfer_targets(
            work, SETUP, taken, aino.id or 0, FRIDAY_NOON)] == ["Bea"]
        assert not await desk_actions.go_off(work, SETUP, aino.id or 0, FRIDAY_NOON), "a chat is still open"
        assert not await desk_actions.shift_ended(work, taken, FRIDAY_NOON)
        assert await desk_actions.shift_ended(work, taken, FRIDAY_NOON + timedelta(hours=1))
        await desk_actions.to_next_shift(work, SETUP, taken, FRIDAY_NOON + timedelta(hours=1))
        assert taken.status == "queued" and taken.staff_id is None and taken.left
        assert await desk_actions.go_off(work, SETUP, aino.id or 0, FRIDAY_NOON)
        assert (await desk_actions.duty_of(work, SETUP, bea.id or 0, FRIDAY_NOON)).alone == 2, "Bea is alone now"
        shift = await desk_actions.go_on(work, SETUP, "youth", aino.id or 0, FRIDAY_NOON)
        assert shift is not None and (await desk_actions.duty_of(work, SETUP, bea.id or 0, FRIDAY_NOON)).alone == 0
        assert await desk_actions.go_on(work, SETUP, "youth", aino.id or 0, FRIDAY_NOON + timedelta(hours=2)) is None
