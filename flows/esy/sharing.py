"""Sharing a stored circle with a linked client's workers: at the end of the circle, or later from its start.

The intro promises that the young person can decide later whether to show their circle; `LaterShare` keeps that
promise with a button at the start of the circle for their latest circle not yet shared. Both ways go through
`share_circle`, so that the checks (consent (c), the circle still there and theirs) and what the workers are told
are the same.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flows.core.messages import N_, Msg
from flows.core.results import Option, Say
from flows.core.spec import Conversation
from flows.identity.consent import exchange_allowed, latest_answers
from flows.identity.notify import notify_staff
from storage.ports import AuditRow, ShareRow

SHARE_LATER = "share-later:"  # the start's button, with the circle's id: a tap meant for another circle is stale
UNSHARED = "unshared"  # conv.data: the latest circle not shared yet, {"id": ..., "at": iso}, while it may be


async def storage_allowed(conv: Conversation, client_id: int) -> bool:
    """Whether the client allows storing things in Kaari (consent (c)), by their latest answer."""
    answers = latest_answers(await conv.work.consents.for_client(client_id))
    return "storage" in answers and answers["storage"].answer == "yes"


async def client_may_share(conv: Conversation) -> bool:
    """Only a linked client who allowed storing things in Kaari (consent c) is offered sharing."""
    client = conv.who.client
    if not conv.who.is_client or client is None or client.id is None:
        return False
    return await storage_allowed(conv, client.id)


async def share_circle(conv: Conversation, assessment_id: int | None) -> bool:
    """Share the person's stored circle with their workers, if consent still allows it; say what happened."""
    client = conv.who.client
    # Consent may have changed since the question was asked (a /consent in between): check again.
    row = await conv.work.assessments.get(assessment_id) if assessment_id is not None else None
    if (client is None or client.id is None or assessment_id is None or not await client_may_share(conv)
            or row is None or row.user_key != conv.key):
        conv.emit(Say(Msg(N_("esy.share_gone"))))
        return False
    await conv.work.shares.add(ShareRow(assessment_id, client.id, conv.now))
    await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key), "assessment.shared",
                                       f"client:{client.id}", region=conv.who.region))
    await notify_staff(conv, client, Msg(N_("notify.circle_shared"), {"client": client.nickname}),
                       only_responsible=not await exchange_allowed(conv.work, client.id))
    conv.emit(Say(Msg(N_("esy.shared"))))
    return True


class LaterShare:
    """The start of the circle's "show my latest circle to my workers", for a circle kept to oneself."""

    def __init__(self, instrument_id: str) -> None:
        self.instrument_id = instrument_id

    async def note(self, conv: Conversation) -> None:
        """Which circle the button would share now: the latest of this instrument, when it is not shared yet
        and sharing is allowed; none otherwise (no button)."""
        conv.data.pop(UNSHARED, None)
        client = conv.who.client
        if client is None or client.id is None or not await client_may_share(conv):
            return
        latest = await conv.work.assessments.latest(conv.key, self.instrument_id)
        if latest is None or latest.id is None:
            return
        if latest.id in {row.assessment_id for row in await conv.work.shares.for_client(client.id)}:
            return
        conv.data[UNSHARED] = {"id": latest.id, "at": latest.completed_at.isoformat()}

    def option(self, conv: Conversation) -> tuple[Option, ...]:
        """The button, naming the circle by its date."""
        if (unshared := conv.data.get(UNSHARED)) is None:
            return ()
        label = Msg(N_("esy.share_later"), {"date": datetime.fromisoformat(unshared["at"])})
        return (Option(f"{SHARE_LATER}{unshared['id']}", label),)

    def chose_share_later(self, event: Any) -> bool:
        return str(event.kwargs.get("value", "")).startswith(SHARE_LATER)

    async def share(self, event: Any) -> None:
        """Share the circle the tapped button named (the engine let only the one offered now through)."""
        conv: Conversation = event.model
        value = str(event.kwargs["value"]).removeprefix(SHARE_LATER)
        await share_circle(conv, int(value) if value.isdigit() else None)
        await self.note(conv)  # shared: the button goes
