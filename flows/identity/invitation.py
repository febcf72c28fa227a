"""Opening an invitation: a worker's account is linked after they accept; a client's only after consent.

Reached by a deep link (``/start <code>``) or by typing the code; a code may also be another capability's join
code (a network meeting's one-time link, an ESY group's code: ``Hooks.join_codes``), whose offer that capability
shows. Wrong, used, expired and revoked codes all get the same answer (no hint whether a code exists), and wrong
codes are limited per person.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from flows.core.codes import code_hash
from flows.core.guards import chose
from flows.core.hooks import Hooks, JoinCode
from flows.core.messages import N_, Filled, LocalText, Msg, dump_msg
from flows.core.results import Ask, Option, Say
from flows.core.spec import Conversation, FlowSpec, Who
from flows.identity.consent_texts import REQUIRED_ITEM, ConsentItem
from flows.identity.notify import notify_staff, worker_cards
from flows.identity.regions import names_of
from flows.identity.staff import is_open, pair_lines, staff_card, staff_label
from storage.ports import AuditRow, ConsentRow, ContactRow, InvitationRow, OutboxRow, PairRow

NAME = "invitation"
VERSION = 2  # 2: "meeting_offer" became "join_offer", for any capability's join code (a meeting's, a group's)
ATTEMPTS = 5
ATTEMPT_WINDOW = timedelta(minutes=10)
# Bot-wide: many ids guessing together (100 ids made 500 guesses in 3.7 s) get past the per-person limit.
GUESS_LIMIT = 50
GUESS_WINDOW = timedelta(minutes=10)
YES, NO, LATER = "yes", "no", "later"


async def audit(conv: Conversation, action: str, subject: str = "") -> None:
    await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key), action, subject, region=conv.who.region))


async def offer(conv: Conversation, row: InvitationRow) -> dict[str, Any]:
    """Who invites: shown before anything is linked, loaded once when the code is accepted."""
    if row.kind == "staff":
        assert row.staff_id is not None
        staff = await conv.work.staff.get(row.staff_id)
        assert staff is not None
        return staff_card(staff)
    assert row.client_id is not None
    if row.kind == "pair":  # the client, their region and who invites: the region's coordinator (#14)
        client = await conv.work.clients.get(row.client_id)
        inviter = await conv.work.staff.get(row.created_by) if row.created_by is not None else None
        assert client is not None
        return {"client": client.nickname, "region": list(names_of(await conv.work.regions.get(client.region),
                                                                     client.region)),
                "who": staff_card(inviter) if inviter is not None else ""}
    return {"workers": await worker_cards(conv.work, row.client_id)}


async def invitation(conv: Conversation) -> InvitationRow:
    row = await conv.work.invitations.get(conv.data["invitation"])
    assert row is not None  # invitations are deleted only with their client or staff row
    return row


def view_code(conv: Conversation) -> Ask:
    return Ask(Msg(N_("invite.ask_code")), free_text=True, max_length=64)


def view_staff(conv: Conversation) -> Ask:
    prompt = Msg(N_("invite.staff_offer"), {"who": staff_label(conv.data["offer"])})
    return Ask(prompt, (Option(YES, Msg(N_("invite.accept"))), Option(NO, Msg(N_("invite.decline")))))


def view_client(conv: Conversation) -> Ask:
    # The pair is introduced here: what an expert by experience is, is said here (not again in the consent).
    prompt = Msg(N_("invite.client_offer"), {"workers": pair_lines(conv.data["offer"]["workers"])})
    return Ask(prompt, (Option(YES, Msg(N_("invite.go_on"))), Option(LATER, Msg(N_("invite.later")))))


def view_pair(conv: Conversation) -> Ask:
    """A worker of another region is invited to be one client's pair worker (#14)."""
    offer = conv.data["offer"]
    prompt = Msg(N_("invite.pair_offer"), {"who": staff_label(offer["who"]), "client": offer["client"],
                                           "region": LocalText(*offer["region"])})
    return Ask(prompt, (Option(YES, Msg(N_("invite.accept"))), Option(NO, Msg(N_("invite.decline")))))


async def link_pair(event: Any) -> None:
    """The worker becomes the client's pair worker (not the responsible one) and sees that one client."""
    conv: Conversation = event.model
    row = await invitation(conv)  # checked again: used, revoked or expired while they answered?
    assert row.client_id is not None
    client = await conv.work.clients.get(row.client_id)
    staff = conv.who.staff
    if client is None or staff is None or staff.id is None or not is_open(row, conv.now) or (
            client.user_key is not None or client.ended_at is not None):
        await gone(conv)
        return
    if not any(pair.staff_id == staff.id for pair in await conv.work.clients.pairs(client.id or 0)):
        # The client's workers hear who joined them (before, so the newcomer is not told of themselves).
        await notify_staff(conv, client, Msg(N_("notify.pair_joined"), {"worker": staff_label(staff),
                                                                         "client": client.nickname}))
        await conv.work.clients.set_pair(PairRow(client.id or 0, staff.id, responsible=False))
    row.used_at = conv.now
    await conv.work.invitations.save(row)
    # In the client's region's log: its coordinator follows who works with its clients.
    await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key), "client.pair_joined",
                                       f"client:{client.id}", region=client.region))
    conv.emit(Say(Msg(N_("invite.pair_welcome"), {"client": client.nickname})))


def pair_declined(event: Any) -> None:
    event.model.emit(Say(Msg(N_("invite.pair_declined"))))


def next_item(event: Any) -> None:
    event.model.data["item"] += 1


async def gone(conv: Conversation) -> None:
    await audit(conv, "invitation.gone", f"invitation:{conv.data['invitation']}")
    conv.emit(Say(Msg(N_("invite.gone"))))


async def link_staff(event: Any) -> None:
    conv: Conversation = event.model
    row = await invitation(conv)  # checked again: used, revoked or expired while they answered?
    assert row.staff_id is not None
    staff = await conv.work.staff.get(row.staff_id)
    if staff is None or not is_open(row, conv.now) or staff.user_key is not None or not staff.active:
        await gone(conv)
        return
    if await conv.work.staff.by_user(conv.key) is not None:  # linked meanwhile, by another code
        conv.emit(Say(Msg(N_("invite.already_staff"))))
        return
    staff.user_key = conv.key
    await conv.work.staff.save(staff)
    row.used_at = conv.now
    await conv.work.invitations.save(row)
    if conv.contact:  # staff are told things (a client joined, declined or left)
        await conv.work.contacts.save(ContactRow(conv.key, conv.contact, conv.now))
    conv.who = Who(staff, conv.who.client)
    await audit(conv, "staff.linked", f"staff:{staff.id}")
    conv.emit(Say(Msg(N_("invite.staff_welcome"), {"name": staff.name})))


async def staff_declined(event: Any) -> None:
    conv: Conversation = event.model
    await audit(conv, "staff.declined", f"invitation:{conv.data['invitation']}")
    conv.emit(Say(Msg(N_("invite.staff_declined"))))


async def client_later(event: Any) -> None:
    conv: Conversation = event.model
    row = await invitation(conv)
    conv.emit(Say(Msg(N_("invite.client_later"), {"date": row.expires_at})))


class InvitationSteps:
    """The steps that need the flow's settings: the code secret, the consent texts and their storage period, the
    bot-wide guessing limit, and other capabilities' join codes (a network meeting's, a group's, from the hooks)."""

    def __init__(
        self, secret: str, items: tuple[ConsentItem, ...], retention_days: int, join_codes: Sequence[JoinCode],
        guess_limit: int, guess_window: timedelta,
    ) -> None:
        self.secret, self.items, self.retention_days = secret, items, retention_days
        self.join_codes = {code.name: code for code in join_codes}
        self.guess_limit, self.guess_window = guess_limit, guess_window
        self.paused_for = {"minutes": max(1, int(guess_window.total_seconds() // 60))}

    async def check(self, conv: Conversation, code: str) -> InvitationRow | None:
        """The open invitation behind ``code``, or None after telling the person (and counting a miss)."""
        work = conv.work
        if await work.code_attempts.count_all_since(conv.now - self.guess_window) >= self.guess_limit:
            # Everyone gets the same answer, so a guesser learns nothing about any code meanwhile.
            await audit(conv, "invitation.paused")
            conv.emit(Say(Msg(N_("invite.paused"), self.paused_for)))
            return None
        if await work.code_attempts.count_since(conv.key, conv.now - ATTEMPT_WINDOW) >= ATTEMPTS:
            await audit(conv, "invitation.locked")
            conv.emit(Say(Msg(N_("invite.locked"), {"minutes": int(ATTEMPT_WINDOW.total_seconds() // 60)})))
            return None
        row = await work.invitations.by_hash(code_hash(self.secret, code))
        if row is None and await self.joinable(conv, code):
            return None
        if row is None or not is_open(row, conv.now):
            await work.code_attempts.add(conv.key, conv.now)
            await audit(conv, "invitation.wrong_code")
            if await work.code_attempts.count_all_since(conv.now - self.guess_window) == self.guess_limit:
                await self.tell_coordinators(conv)  # once: the wrong code that trips the limit
            conv.emit(Say(Msg(N_("invite.invalid"))))
            return None
        if row.kind == "pair" and not conv.who.is_worker:
            # A pair worker's code: for a worker's own account only (#14).
            conv.emit(Say(Msg(N_("invite.pair_for_workers"))))
            return None
        if row.kind == "staff" and conv.who.staff is not None:
            conv.emit(Say(Msg(N_("invite.already_staff"))))
            return None
        if row.kind == "client" and conv.who.client is not None:
            conv.emit(Say(Msg(N_("invite.already_client"))))
            return None
        if row.kind == "client" and conv.who.staff is not None:
            # A worker's account is not a client's: clients join with their own Telegram.
            conv.emit(Say(Msg(N_("invite.staff_not_client"))))
            return None
        await audit(conv, "invitation.opened", f"invitation:{row.id}")
        conv.data.update(invitation=row.id, answers={}, item=0, offer=await offer(conv, row))
        return row

    async def tell_coordinators(self, conv: Conversation) -> None:
        for staff in await conv.work.staff.all():
            if staff.is_coordinator and staff.active and staff.user_key:
                await conv.work.outbox.add(OutboxRow(
                    staff.user_key, "notify", dump_msg(Msg(N_("notify.codes_paused"), self.paused_for)), conv.now))

    async def joinable(self, conv: Conversation, code: str) -> bool:
        """Not an invitation but another capability's join code, still usable: which one is noted."""
        for name, join_code in self.join_codes.items():
            if await join_code.find(conv, code):
                conv.data["join"] = name
                return True
        return False

    def join_code(self, conv: Conversation) -> JoinCode:
        """The capability whose code was found (a conversation from before version 2: a meeting's)."""
        return self.join_codes[conv.data.get("join", "meeting")]

    def view_join(self, conv: Conversation) -> Ask:
        """The join code's offer, as its capability words it."""
        return self.join_code(conv).view(conv)

    async def join(self, event: Any) -> None:
        """Yes to the offer: the join code's capability lets the person in."""
        await self.join_code(event.model).join(event.model)

    async def on_start(self, conv: Conversation) -> None:
        payload = conv.data.pop("payload", None)
        if payload is None:
            return
        row = await self.check(conv, str(payload))
        conv.state = "join_offer" if "join" in conv.data else "refused" if row is None else (
            f"{row.kind}_offer")

    async def check_typed(self, event: Any) -> None:
        conv: Conversation = event.model
        row = await self.check(conv, event.kwargs["text"])
        if row is not None:
            await conv.trigger(f"found_{row.kind}")
        elif "join" in conv.data:
            await conv.trigger("found_join")

    def view_consent(self, conv: Conversation) -> Ask:
        item = self.items[conv.data["item"]]
        text = Filled(item.text, {"workers": pair_lines(conv.data["offer"]["workers"], explain=False),
                                  "days": self.retention_days})
        prompt = Msg(N_("consent.ask"), {"number": conv.data["item"] + 1, "total": len(self.items),
                                         "title": item.title, "text": text})
        no = N_("consent.no_required") if item.required else N_("consent.no")
        return Ask(prompt, (Option(YES, Msg(N_("consent.yes"))), Option(NO, Msg(no))))

    def more_items(self, event: Any) -> bool:
        return bool(event.model.data["item"] + 1 < len(self.items))

    def record_answer(self, event: Any) -> None:
        data = event.model.data
        data["answers"][self.items[data["item"]].id] = event.kwargs["value"]

    def declined_work(self, event: Any) -> bool:
        """Saying no to working together ends the questions: the rest would not be used."""
        item = self.items[event.model.data["item"]]
        return bool(item.id == REQUIRED_ITEM and event.kwargs.get("value") == NO)

    def rest_declined(self, event: Any) -> None:
        answers = event.model.data["answers"]
        for item in self.items:
            answers.setdefault(item.id, NO)

    async def link_client(self, event: Any) -> None:
        conv: Conversation = event.model
        row = await invitation(conv)
        assert row.client_id is not None
        client = await conv.work.clients.get(row.client_id)
        if client is None or not is_open(row, conv.now) or client.user_key is not None or client.ended_at:
            await gone(conv)  # someone else used it first, or the worker revoked it meanwhile
            return
        # Who this person is may have changed since they opened the code (another code, in between).
        if await conv.work.clients.by_user(conv.key) is not None:
            conv.emit(Say(Msg(N_("invite.already_client"))))
            return
        if await conv.work.staff.by_user(conv.key) is not None:
            conv.emit(Say(Msg(N_("invite.staff_not_client"))))
            return
        answers: dict[str, str] = conv.data["answers"]
        for item in self.items:
            await conv.work.consents.add(ConsentRow(client.id or 0, item.id, item.version, answers[item.id],
                                                    conv.now, conv.channel))
        row.used_at = conv.now
        await conv.work.invitations.save(row)
        if answers[REQUIRED_ITEM] == YES:
            client.user_key, client.linked_at = conv.key, conv.now
            await conv.work.clients.save(client)
            conv.who = Who(conv.who.staff, client)
            if conv.contact:  # workers' messages are delivered in the client's own chat
                await conv.work.contacts.save(ContactRow(conv.key, conv.contact, conv.now))
            await audit(conv, "client.linked", f"client:{client.id}")
            await notify_staff(conv, client, Msg(N_("notify.client_joined"), {"client": client.nickname}))
            conv.emit(Say(Msg(N_("invite.client_welcome"))))
        else:
            # The work never started: the record is kept only for the stated retention period.
            client.ended_at = conv.now
            await conv.work.clients.save(client)
            await audit(conv, "client.declined", f"client:{client.id}")
            # The workers learn that the client declined, and nothing else.
            await notify_staff(conv, client, Msg(N_("notify.client_declined"), {"client": client.nickname}))
            conv.emit(Say(Msg(N_("invite.client_declined"))))


def invitation_flow(
    secret: str, items: tuple[ConsentItem, ...], retention_days: int, hooks: Hooks | None = None,
    guess_limit: int = GUESS_LIMIT, guess_window: timedelta = GUESS_WINDOW,
) -> FlowSpec:
    """The invitation flow; ``secret`` keys the code hashes, ``items`` are the consent texts. A code may also
    be another capability's join code (``hooks.join_codes``: a network meeting participant's, an ESY group's).
    ``guess_limit`` wrong codes from everyone within ``guess_window`` pause code checking for everyone."""
    steps = InvitationSteps(secret, items, retention_days, (hooks or Hooks()).join_codes, guess_limit,
                            guess_window)
    return FlowSpec(
        name=NAME,
        version=VERSION,
        states=["ask_code", "staff_offer", "client_offer", "pair_offer", "join_offer", "consent",
                "staff_done", "client_done", "pair_done", "refused", "closed"],
        initial="ask_code",
        transitions=[
            dict(trigger="text", source="ask_code", dest=None, after=[steps.check_typed]),
            dict(trigger="found_staff", source="ask_code", dest="staff_offer"),
            dict(trigger="found_client", source="ask_code", dest="client_offer"),
            dict(trigger="found_join", source="ask_code", dest="join_offer"),
            dict(trigger="found_pair", source="ask_code", dest="pair_offer"),
            dict(trigger="choose", source="pair_offer", dest="pair_done", conditions=[chose(YES)],
                 before=[link_pair]),
            dict(trigger="choose", source="pair_offer", dest="closed", conditions=[chose(NO)],
                 before=[pair_declined]),
            dict(trigger="choose", source="join_offer", dest="closed", conditions=[chose(YES)],
                 before=[steps.join]),
            dict(trigger="choose", source="join_offer", dest="closed", conditions=[chose(NO)]),
            dict(trigger="choose", source="staff_offer", dest="staff_done", conditions=[chose(YES)],
                 before=[link_staff]),
            dict(trigger="choose", source="staff_offer", dest="closed", conditions=[chose(NO)],
                 before=[staff_declined]),
            dict(trigger="choose", source="client_offer", dest="consent", conditions=[chose(YES)]),
            dict(trigger="choose", source="client_offer", dest="closed", conditions=[chose(LATER)],
                 before=[client_later]),
            dict(trigger="choose", source="consent", dest="client_done", conditions=[steps.declined_work],
                 before=[steps.record_answer, steps.rest_declined, steps.link_client]),
            dict(trigger="choose", source="consent", dest="consent", conditions=[steps.more_items],
                 before=[steps.record_answer, next_item]),
            dict(trigger="choose", source="consent", dest="client_done",
                 before=[steps.record_answer, steps.link_client]),
        ],
        views={"ask_code": view_code, "staff_offer": view_staff, "client_offer": view_client, "pair_offer": view_pair,
               "join_offer": steps.view_join, "consent": steps.view_consent},
        help_key=N_("invite.help"),
        final=frozenset({"staff_done", "client_done", "pair_done", "refused", "closed"}),
        on_start=steps.on_start,
        position_keys=("item",),
        migrate=join_offer,
    )


def join_offer(version: int, state: str, data: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """Version 1's meeting offer is version 2's join offer (the meeting's: no "join" noted then)."""
    return ("join_offer" if state == "meeting_offer" else state, data) if version == 1 else None
