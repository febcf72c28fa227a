"""Staff flows: a coordinator invites a worker; a worker creates a client and their one-time invitation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flows.codes import code_hash, link_payload, new_code
from flows.messages import N_, DeepLink, LocalText, Msg
from flows.results import Ask, Option, Say
from flows.spec import Conversation, FlowSpec, Who
from storage.ports import AuditRow, ClientRow, InvitationRow, PairRow, StaffRow

NEW_WORKER = "new_worker"
NEW_CLIENT = "new_client"
VERSION = 1
MAX_NAME = 60
WORKER, COORDINATOR, BOTH = "worker", "coordinator", "both"
NO_PAIR = "none"


def is_worker(who: Who) -> bool:
    return who.is_worker


def is_coordinator(who: Who) -> bool:
    return who.is_coordinator


async def issue_invitation(
    conv: Conversation, secret: str, valid_for: timedelta, *, staff_id: int | None = None,
    client_id: int | None = None,
) -> str:
    """Store a new invitation (only its hash) and tell the inviter the code and the link."""
    code = new_code()
    assert conv.who.staff is not None
    kind = "staff" if staff_id is not None else "client"
    invitation = InvitationRow(code_hash(secret, code), kind, conv.who.staff.id, conv.now, conv.now + valid_for,
                               staff_id=staff_id, client_id=client_id)
    invitation_id = await conv.work.invitations.add(invitation)
    await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key), "invitation.created",
                                       f"invitation:{invitation_id}"))
    conv.emit(Say(Msg(N_("staff.invitation"), {
        "code": code, "link": DeepLink(link_payload(code)), "date": invitation.expires_at,
    })))
    return code


def is_open(row: InvitationRow, now: datetime) -> bool:
    """Whether an invitation can still be used."""
    return not row.used_at and not row.revoked_at and row.expires_at > now


async def cancel_open(conv: Conversation, rows: list[InvitationRow]) -> None:
    """Revoke every invitation in ``rows`` not used or revoked yet (one code at a time per person)."""
    for row in rows:
        if not row.used_at and not row.revoked_at:
            row.revoked_at = conv.now
            await conv.work.invitations.save(row)


def text_step(key: str) -> Callable[[Conversation], Ask]:
    def view(conv: Conversation) -> Ask:
        return Ask(Msg(key), free_text=True, max_length=MAX_NAME)
    return view


def store_text(name: str) -> Callable[[Any], None]:
    def effect(event: Any) -> None:
        event.model.data[name] = event.kwargs["text"]
    effect.__name__ = f"store_{name}"
    return effect


def new_worker_flow(secret: str, valid_for: timedelta) -> FlowSpec:
    """A coordinator adds a worker (name, title, role) and gets their one-time invitation."""

    def view_role(conv: Conversation) -> Ask:
        return Ask(Msg(N_("staff.ask_role"), {"name": conv.data["name"]}), (
            Option(WORKER, Msg(N_("staff.role_worker"))), Option(COORDINATOR, Msg(N_("staff.role_coordinator"))),
            Option(BOTH, Msg(N_("staff.role_both")))))

    async def create(event: Any) -> None:
        conv: Conversation = event.model
        assert conv.who.staff is not None
        role = event.kwargs["value"]
        staff = StaffRow(conv.data["name"], conv.data["title"], conv.who.staff.organisation,
                         is_coordinator=role in (COORDINATOR, BOTH), is_worker=role in (WORKER, BOTH),
                         created_at=conv.now)
        staff_id = await conv.work.staff.add(staff)
        await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key), "staff.created", f"staff:{staff_id}"))
        await issue_invitation(conv, secret, valid_for, staff_id=staff_id)

    def chose_role(event: Any) -> bool:
        return event.kwargs.get("value") in (WORKER, COORDINATOR, BOTH)

    return FlowSpec(
        name=NEW_WORKER, version=VERSION, states=["name", "title", "role", "done"], initial="name",
        transitions=[
            dict(trigger="text", source="name", dest="title", before=[store_text("name")]),
            dict(trigger="text", source="title", dest="role", before=[store_text("title")]),
            dict(trigger="choose", source="role", dest="done", conditions=[chose_role], before=[create]),
        ],
        views={"name": text_step(N_("staff.ask_worker_name")), "title": text_step(N_("staff.ask_title")),
               "role": view_role},
        help_key=N_("staff.help"), final=frozenset({"done"}), allowed=is_coordinator,
        position_keys=(),
    )


def new_client_flow(secret: str, valid_for: timedelta) -> FlowSpec:
    """A worker adds a client (first name or nickname only), optionally a pair worker, and gets the code."""

    async def on_start(conv: Conversation) -> None:
        me = conv.who.staff
        assert me is not None
        others = [s for s in await conv.work.staff.all() if s.id != me.id and s.active and s.is_worker]
        conv.data["others"] = [[s.id, f"{s.name}, {s.title} ({s.organisation})"] for s in others][:20]

    def view_pair(conv: Conversation) -> Ask:
        # Names and titles are the workers' own words, the same in every language.
        options = [Option(str(staff_id), LocalText(label, label, label)) for staff_id, label in conv.data["others"]]
        return Ask(Msg(N_("staff.ask_pair"), {"client": conv.data["nickname"]}),
                   (*options, Option(NO_PAIR, Msg(N_("staff.no_pair")))))

    def has_others(event: Any) -> bool:
        return bool(event.model.data["others"])

    async def create(event: Any) -> None:
        conv: Conversation = event.model
        me = conv.who.staff
        assert me is not None and me.id is not None
        client_id = await conv.work.clients.add(ClientRow(conv.data["nickname"], me.id, conv.now))
        await conv.work.clients.set_pair(PairRow(client_id, me.id, responsible=True))
        pair = event.kwargs.get("value", NO_PAIR)
        if pair != NO_PAIR:
            await conv.work.clients.set_pair(PairRow(client_id, int(pair), responsible=False))
        await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key), "client.created", f"client:{client_id}"))
        await issue_invitation(conv, secret, valid_for, client_id=client_id)

    return FlowSpec(
        name=NEW_CLIENT, version=VERSION, states=["nickname", "pair", "done"], initial="nickname",
        transitions=[
            dict(trigger="text", source="nickname", dest="pair", conditions=[has_others],
                 before=[store_text("nickname")]),
            dict(trigger="text", source="nickname", dest="done", before=[store_text("nickname"), create]),
            dict(trigger="choose", source="pair", dest="done", before=[create]),
        ],
        views={"nickname": text_step(N_("staff.ask_nickname")), "pair": view_pair},
        help_key=N_("staff.help"), final=frozenset({"done"}), on_start=on_start, allowed=is_worker,
    )
