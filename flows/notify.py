"""Telling staff about their clients: messages go to the outbox, sent by the ticker in each one's language."""

from __future__ import annotations

from flows.messages import Msg, dump_msg
from flows.spec import Conversation
from storage.ports import ClientRow, OutboxRow, StaffRow


def staff_line(staff: StaffRow) -> str:
    """How a worker is introduced to a client: name, role, organisation (their own words, no catalog)."""
    return f"• {staff.name}, {staff.title} ({staff.organisation})"


async def notify_staff(conv: Conversation, client: ClientRow, message: Msg, kind: str = "notify") -> int:
    """Queue ``message`` for every linked worker of ``client``; returns how many were queued."""
    assert client.id is not None
    queued = 0
    for pair in await conv.work.clients.pairs(client.id):
        staff = await conv.work.staff.get(pair.staff_id)
        if staff is not None and staff.user_key and staff.active:
            await conv.work.outbox.add(OutboxRow(staff.user_key, kind, dump_msg(message), conv.now))
            queued += 1
    return queued
