"""Telling staff about their clients: messages go to the outbox, sent by the ticker in each one's language."""

from __future__ import annotations

from typing import Any

from flows.core.messages import Msg, dump_msg
from flows.core.spec import Conversation
from flows.identity.staff import staff_card
from storage.ports import ClientRow, OutboxRow, StaffRow, UnitOfWork


async def workers_of(work: UnitOfWork, client_id: int) -> list[tuple[StaffRow, bool]]:
    """A client's current workers (removed ones left out), with whether each is the responsible one."""
    found = []
    for pair in await work.clients.pairs(client_id):
        staff = await work.staff.get(pair.staff_id)
        if staff is not None and staff.active:
            found.append((staff, pair.responsible))
    return found


async def worker_cards(work: UnitOfWork, client_id: int) -> list[dict[str, Any]]:
    """The client's workers as plain data, introduced to the client later with `flows.identity.staff.pair_lines`."""
    return [staff_card(staff) for staff, _ in await workers_of(work, client_id)]


async def notify_staff(
    conv: Conversation, client: ClientRow, message: Msg, kind: str = "notify", only_responsible: bool = False,
) -> int:
    """Queue ``message`` for every linked worker of ``client``; returns how many were queued."""
    assert client.id is not None
    queued = 0
    for staff, responsible in await workers_of(conv.work, client.id):
        if staff.user_key and (responsible or not only_responsible):
            await conv.work.outbox.add(OutboxRow(staff.user_key, kind, dump_msg(message), conv.now))
            queued += 1
    return queued
