"""A linked client writes to their workers; the text goes to each worker's own chat through the outbox."""

from __future__ import annotations

from typing import Any

from flows.core.messages import N_, Msg
from flows.core.results import Ask, Say
from flows.core.spec import Conversation, FlowSpec, Who
from flows.identity.consent import exchange_allowed
from flows.identity.notify import notify_staff
from storage.ports import AuditRow

NAME = "message_workers"
VERSION = 1


def is_client(who: Who) -> bool:
    """A linked client."""
    return who.is_client


def view_write(conv: Conversation) -> Ask:
    """The client writes their message, passed on as it is."""
    return Ask(Msg(N_("relay.ask")), free_text=True, passes_on=True)


async def send(event: Any) -> None:
    """Send the text to the client's workers (only the responsible one without consent b) and say if it went."""
    conv: Conversation = event.model
    client = conv.who.client
    assert client is not None and client.id is not None
    # Without consent (b) nothing the client shares goes beyond the responsible worker (as with circles).
    sent = await notify_staff(conv, client, Msg(N_("relay.from_client"), {
        "client": client.nickname, "text": event.kwargs["text"]}), kind="client_message",
        only_responsible=not await exchange_allowed(conv.work, client.id))
    await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key), "client.message_sent",
                                       f"client:{client.id}", region=conv.who.region))
    conv.emit(Say(Msg(N_("relay.sent") if sent else N_("relay.nobody"))))


def relay_flow() -> FlowSpec:
    """A linked client writes one message to their workers."""
    return FlowSpec(
        name=NAME, version=VERSION, states=["write", "sent"], initial="write",
        transitions=[dict(trigger="text", source="write", dest="sent", before=[send])],
        views={"write": view_write}, help_key=N_("relay.help"), final=frozenset({"sent"}), allowed=is_client,
    )
