"""Staff flows: a coordinator invites a worker; a worker creates a client and their one-time invitation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from flows.core.codes import code_hash, link_payload, new_code
from flows.core.messages import N_, DeepLink, Lines, LocalText, Msg, Param
from flows.core.results import Ask, Option, Say
from flows.core.spec import Conversation, FlowSpec, Who
from storage.ports import DEFAULT_REGION, AuditRow, ClientRow, InvitationRow, PairRow, StaffRow, UnitOfWork

NEW_WORKER = "new_worker"
NEW_CLIENT = "new_client"
VERSION = 1
MAX_NAME = 60
WORKER, COORDINATOR, BOTH = "worker", "coordinator", "both"
NO_PAIR = "none"
NO_TITLE = "no_title"
EXPERT = "expert"  # a worker who is an expert by experience (kokemusasiantuntija), beside a professional
# A staff member without a title of their own is shown with their role's name, in the reader's language.
ROLE_TITLES = {EXPERT: N_("staff.title_expert"), COORDINATOR: N_("staff.title_coordinator"),
               WORKER: N_("staff.title_worker")}

# A staff member as plain data (kept in a conversation or a document): see `staff_card`.
StaffCard = Mapping[str, Any]


def role_of(staff: StaffRow) -> str:
    """The role a default title names: an expert by experience first (the young person is told what that
    means), then a coordinator, then a worker."""
    return EXPERT if staff.expert else COORDINATOR if staff.is_coordinator else WORKER


def staff_card(staff: StaffRow) -> dict[str, Any]:
    """A staff member as JSON data, to be shown later in the reader's language with `staff_label`."""
    return {"name": staff.name, "title": staff.title, "role": role_of(staff), "organisation": staff.organisation}


def _card(staff: StaffRow | StaffCard) -> StaffCard:
    return staff_card(staff) if isinstance(staff, StaffRow) else staff


def title_of(staff: StaffRow | StaffCard) -> Param:
    """A staff member's title: their own words when they have one (the same in every language), otherwise
    their role's name from the catalogs, so a Finnish reader never sees an English default."""
    card = _card(staff)
    own = str(card.get("title") or "").strip()
    return LocalText(own, own, own) if own else Msg(ROLE_TITLES.get(card.get("role", WORKER), ROLE_TITLES[WORKER]))


def staff_label(
    staff: StaffRow | StaffCard | str, *, organisation: bool = True, bullet: bool = False,
) -> Msg | LocalText:
    """How a staff member is introduced, in the reader's language: "name, title (organisation)", with or
    without the organisation, or as a "• " list line. Every screen, memo, export and chat header uses this.
    A plain string is a line written before titles were localised (a conversation from before an upgrade)."""
    if isinstance(staff, str):
        return LocalText(staff, staff, staff)
    card = _card(staff)
    key = N_("staff.line") if bullet else N_("staff.label") if organisation else N_("staff.label_short")
    params: dict[str, Param] = {"name": str(card.get("name", "")), "title": title_of(card)}
    if organisation or bullet:
        params["organisation"] = str(card.get("organisation", ""))
    return Msg(key, params)


def team_lines(cards: Sequence[StaffCard | str]) -> Lines:
    """A client's workers as a worker sees them (the card, the export): one per line, the responsible one
    starred (a card with ``"responsible": True``)."""
    return Lines(tuple(Lines((staff_label(card, bullet=True),
                              "" if isinstance(card, str) or not card.get("responsible") else " ★"), "")
                       for card in cards))


def pair_lines(cards: Sequence[StaffCard | str], *, explain: bool = True) -> Lines:
    """A client's workers as the client sees them, one per line; when one of them is an expert by experience,
    one plain sentence says what that means (``explain``)."""
    lines = Lines(tuple(staff_label(card, bullet=True) for card in cards))
    if explain and any(not isinstance(card, str) and card.get("role") == EXPERT for card in cards):
        return Lines((lines, Msg(N_("staff.expert_explained"))), "\n\n")
    return lines


def is_worker(who: Who) -> bool:
    """A worker (who has clients)."""
    return who.is_worker


def is_coordinator(who: Who) -> bool:
    """A coordinator (who adds staff and reads the audit log)."""
    return who.is_coordinator


async def new_invitation(
    work: UnitOfWork, secret: str, valid_for: timedelta, inviter: int, actor: str, now: datetime, *,
    staff_id: int | None = None, client_id: int | None = None, region: str = DEFAULT_REGION, pair: bool = False,
) -> tuple[str, InvitationRow]:
    """Store a new invitation (only its hash; audited) and give back its code, shown once, and its row. Any
    channel: the Telegram flows and the desk in the browser. ``pair``: for a worker of another region to become
    the client's pair worker (#14)."""
    code = new_code()
    kind = "staff" if staff_id is not None else "pair" if pair else "client"
    invitation = InvitationRow(code_hash(secret, code), kind, inviter, now, now + valid_for,
                               staff_id=staff_id, client_id=client_id)
    invitation_id = await work.invitations.add(invitation)
    await work.audit.add(AuditRow(now, actor, "invitation.created", f"invitation:{invitation_id}", region=region))
    return code, invitation


def invitation_notice(code: str, invitation: InvitationRow) -> Msg:
    """What the inviter is told: the code and the link, and until when they work."""
    return Msg(N_("staff.invitation"), {"code": code, "link": DeepLink(link_payload(code)),
                                        "date": invitation.expires_at})


async def issue_invitation(
    conv: Conversation, secret: str, valid_for: timedelta, *, staff_id: int | None = None,
    client_id: int | None = None, pair: bool = False,
) -> str:
    """Store a new invitation (only its hash) and tell the inviter the code and the link."""
    assert conv.who.staff is not None and conv.who.staff.id is not None
    code, invitation = await new_invitation(conv.work, secret, valid_for, conv.who.staff.id, conv.who.actor(conv.key),
                                            conv.now, staff_id=staff_id, client_id=client_id, region=conv.who.region,
                                            pair=pair)
    conv.emit(Say(invitation_notice(code, invitation)))
    return code


async def pair_candidates(work: UnitOfWork, me: StaffRow) -> list[StaffRow]:
    """The other active workers of my region, who can be a new client's pair worker (at most 20). A worker of
    another region works with a client of mine only when my region's coordinator pairs them (#14)."""
    return [s for s in await work.staff.in_region(me.region) if s.id != me.id and s.active and s.is_worker][:20]


async def add_client(work: UnitOfWork, me: StaffRow, nickname: str, pair: int | None, actor: str,
                     now: datetime) -> int:
    """Store a new client of my region with me as responsible worker (and the pair, if any); audited. Any
    channel."""
    assert me.id is not None
    client_id = await work.clients.add(ClientRow(nickname, me.id, now, region=me.region))
    await work.clients.set_pair(PairRow(client_id, me.id, responsible=True))
    if pair is not None:
        await work.clients.set_pair(PairRow(client_id, pair, responsible=False))
    await work.audit.add(AuditRow(now, actor, "client.created", f"client:{client_id}", region=me.region))
    return client_id


def is_open(row: InvitationRow, now: datetime) -> bool:
    """Whether an invitation can still be used."""
    return not row.used_at and not row.revoked_at and row.expires_at > now


async def cancel_open(conv: Conversation, rows: list[InvitationRow]) -> None:
    """Revoke every invitation in ``rows`` not used or revoked yet (one code at a time per person)."""
    for row in rows:
        if not row.used_at and not row.revoked_at:
            row.revoked_at = conv.now
            await conv.work.invitations.save(row)


class TextStep:
    """The view of a step that asks for a short typed text (a name, a nickname), with its catalog id."""

    def __init__(self, key: str) -> None:
        self.key = key
        self.__name__ = f"ask_{key}"

    def __call__(self, conv: Conversation) -> Ask:
        """Ask for the text, at most ``MAX_NAME`` characters."""
        return Ask(Msg(self.key), free_text=True, max_length=MAX_NAME)


class StoreText:
    """The effect that keeps the typed text in the conversation's data under ``name``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.__name__ = f"store_{name}"  # named like a function, as core's chose_<value> guards are

    def __call__(self, event: Any) -> None:
        """Keep the typed text."""
        event.model.data[self.name] = event.kwargs["text"]


def view_title(conv: Conversation) -> Ask:
    """Their own title, typed; or none, and their role's name is shown in each reader's language."""
    return Ask(Msg(N_("staff.ask_title")), (Option(NO_TITLE, Msg(N_("staff.no_title"))),), free_text=True,
               max_length=MAX_NAME)


def no_title(event: Any) -> None:
    """No title of their own: their role's name is shown instead."""
    event.model.data["title"] = ""


def chose_no_title(event: Any) -> bool:
    """The "no title" option was tapped."""
    return bool(event.kwargs.get("value") == NO_TITLE)


def view_role(conv: Conversation) -> Ask:
    """The new staff member's role: worker, expert by experience, coordinator, or both."""
    return Ask(Msg(N_("staff.ask_role"), {"name": conv.data["name"]}), (
        Option(WORKER, Msg(N_("staff.role_worker"))), Option(EXPERT, Msg(N_("staff.role_expert"))),
        Option(COORDINATOR, Msg(N_("staff.role_coordinator"))), Option(BOTH, Msg(N_("staff.role_both")))))


def chose_role(event: Any) -> bool:
    """One of the roles was tapped."""
    return event.kwargs.get("value") in (WORKER, EXPERT, COORDINATOR, BOTH)


async def gather_others(conv: Conversation) -> None:
    """The other active workers of my region, offered as the new client's pair worker (at most 20)."""
    me = conv.who.staff
    assert me is not None
    conv.data["others"] = [[s.id, staff_card(s)] for s in await pair_candidates(conv.work, me)]


def view_pair(conv: Conversation) -> Ask:
    """Who works with the new client besides me: one of the other workers, or nobody."""
    options = [Option(str(staff_id), staff_label(card)) for staff_id, card in conv.data["others"]]
    return Ask(Msg(N_("staff.ask_pair"), {"client": conv.data["nickname"]}),
               (*options, Option(NO_PAIR, Msg(N_("staff.no_pair")))))


def has_others(event: Any) -> bool:
    """There is another worker to pair with; otherwise the pair question is skipped."""
    return bool(event.model.data["others"])


class StaffSteps:
    """The steps that create a staff member or a client and issue their invitation (secret and validity)."""

    def __init__(self, secret: str, valid_for: timedelta) -> None:
        self.secret, self.valid_for = secret, valid_for

    async def create_worker(self, event: Any) -> None:
        """Store the new staff member with the chosen role and give the coordinator their invitation."""
        conv: Conversation = event.model
        assert conv.who.staff is not None
        role = event.kwargs["value"]
        staff = StaffRow(conv.data["name"], conv.data["title"], conv.who.staff.organisation,
                         is_coordinator=role in (COORDINATOR, BOTH), is_worker=role in (WORKER, BOTH, EXPERT),
                         created_at=conv.now, expert=role == EXPERT, region=conv.who.staff.region)
        staff_id = await conv.work.staff.add(staff)
        await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key),
            "staff.created", f"staff:{staff_id}", region=conv.who.region))
        await issue_invitation(conv, self.secret, self.valid_for, staff_id=staff_id)

    async def create_client(self, event: Any) -> None:
        """Store the new client with me as responsible worker (and the chosen pair), and give me the code."""
        conv: Conversation = event.model
        me = conv.who.staff
        assert me is not None
        pair = event.kwargs.get("value", NO_PAIR)
        client_id = await add_client(conv.work, me, conv.data["nickname"], None if pair == NO_PAIR else int(pair),
                                     conv.who.actor(conv.key), conv.now)
        await issue_invitation(conv, self.secret, self.valid_for, client_id=client_id)


def new_worker_flow(secret: str, valid_for: timedelta) -> FlowSpec:
    """A coordinator adds a worker (name, title, role) and gets their one-time invitation."""
    steps = StaffSteps(secret, valid_for)
    return FlowSpec(
        name=NEW_WORKER, version=VERSION, states=["name", "title", "role", "done"], initial="name",
        transitions=[
            dict(trigger="text", source="name", dest="title", before=[StoreText("name")]),
            dict(trigger="text", source="title", dest="role", before=[StoreText("title")]),
            dict(trigger="choose", source="title", dest="role", conditions=[chose_no_title], before=[no_title]),
            dict(trigger="choose", source="role", dest="done", conditions=[chose_role], before=[steps.create_worker]),
        ],
        views={"name": TextStep(N_("staff.ask_worker_name")), "title": view_title,
               "role": view_role},
        help_key=N_("staff.help"), final=frozenset({"done"}), allowed=is_coordinator,
        position_keys=(),
    )


def new_client_flow(secret: str, valid_for: timedelta) -> FlowSpec:
    """A worker adds a client (first name or nickname only), optionally a pair worker, and gets the code."""
    steps = StaffSteps(secret, valid_for)
    return FlowSpec(
        name=NEW_CLIENT, version=VERSION, states=["nickname", "pair", "done"], initial="nickname",
        transitions=[
            dict(trigger="text", source="nickname", dest="pair", conditions=[has_others],
                 before=[StoreText("nickname")]),
            dict(trigger="text", source="nickname", dest="done", before=[StoreText("nickname"), steps.create_client]),
            dict(trigger="choose", source="pair", dest="done", before=[steps.create_client]),
        ],
        views={"nickname": TextStep(N_("staff.ask_nickname")), "pair": view_pair},
        help_key=N_("staff.help"), final=frozenset({"done"}), on_start=gather_others, allowed=is_worker,
    )
