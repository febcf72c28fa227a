"""A worker's clients: the list, a client card, shared circles, invitations, messages and an export.

Every look at a client's information is written to the audit log (who, what, when).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flows.core.guards import chose, value
from flows.core.hooks import Hooks, Pictures
from flows.core.messages import N_, Lines, LocalText, Msg, dump_msg, load_msg
from flows.core.results import Ask, Document, Option, Photo, Say
from flows.core.spec import Conversation, FlowSpec
from flows.identity.consent import end_client_work, latest_answers
from flows.identity.consent_texts import ConsentItem
from flows.identity.notify import workers_of
from flows.identity.screens import CLIENT_LIST
from flows.identity.staff import cancel_open, is_open, is_worker, issue_invitation, staff_card, team_lines
from storage.ports import AssessmentRow, AuditRow, ClientRow, OutboxRow

NAME = CLIENT_LIST
VERSION = 1
CLOSE, BACK_TO_LIST, BACK_TO_CARD = "close", "list", "card"
CIRCLES, PROGRESS, INVITE, REVOKE, MESSAGE, EXPORT, END, YES, NO = (
    "circles", "progress", "invite", "revoke", "message", "export", "end", "yes", "no")
CONSENT_STATUS = {"yes": N_("clients.consent_yes"), "no": N_("clients.consent_no"),
                  "withdrawn": N_("clients.consent_withdrawn")}


# --- reading: the list and a card, every look written to the audit log --------------------------------


async def audit(conv: Conversation, action: str) -> None:
    """Write who did ``action`` to the card's client, and when."""
    await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key), action,
                                       f"client:{conv.data['client']}", region=conv.who.region))


async def mine(conv: Conversation) -> list[ClientRow]:
    """This worker's clients: a card of anyone else's is refused."""
    assert conv.who.staff is not None and conv.who.staff.id is not None
    return await conv.work.clients.for_staff(conv.who.staff.id)


async def load_list(conv: Conversation, hooks: Hooks | None = None) -> None:
    """This worker's clients; those another capability marks (no goal yet, say) are shown so, gently."""
    rows = await mine(conv)
    marked: set[int] = set()
    assert conv.who.staff is not None and conv.who.staff.id is not None
    for marks in hooks.list_marks if hooks else ():
        marked |= await marks(conv.work, conv.who.staff.id, rows, conv.now)
    conv.data["list"] = [[row.id, row.nickname, MARKED if row.id in marked and status_of(row) == "linked"
                          else status_of(row)] for row in rows]


def status_of(row: ClientRow) -> str:
    return "ended" if row.ended_at else "linked" if row.user_key else "invited"


async def load_card(conv: Conversation, client_id: int, look: bool = True, hooks: Hooks | None = None) -> None:
    """Read the card for this worker's client (refusing anyone else's) and note the look."""
    client = next((row for row in await mine(conv) if row.id == client_id), None)
    if client is None:
        conv.data.pop("client", None)
        return
    conv.data["client"] = client_id
    if client.ended_at:
        # The client ended the work: the worker keeps only the fact, not their information.
        conv.data["card"] = {"nickname": client.nickname, "status": "ended", "consents": {}, "last_seen": None,
                             "workers": [], "shared": [], "open_invitations": 0}
        if look:
            await audit(conv, "client.card.view")
        return
    answers = latest_answers(await conv.work.consents.for_client(client_id))
    last_seen = None
    if client.user_key:
        user = await conv.work.users.get(client.user_key)
        last_seen = user.last_seen_at.isoformat() if user else None
    pair = await workers_of(conv.work, client_id)
    workers = [{**staff_card(staff), "responsible": responsible} for staff, responsible in pair]
    me = conv.who.staff.id if conv.who.staff else None
    i_am_responsible = any(staff.id == me and responsible for staff, responsible in pair)
    # Without consent (b), information is not exchanged between the workers: what the client shared
    # is for their responsible worker only.
    limited = not i_am_responsible and not (
        "exchange" in answers and answers["exchange"].answer == "yes")
    shared = [] if limited else [row.assessment_id for row in await conv.work.shares.for_client(client_id)]
    # The client's own codes (not a code that invites a pair worker for them: #14).
    invitations = [row for row in await conv.work.invitations.for_client(client_id) if row.kind == "client"]
    # Other capabilities' lines (the goals): only for a worker who may see what the client keeps here.
    sections = [] if limited or client.user_key is None or hooks is None else [
        dump_msg(line) for section in hooks.card_sections for line in await section(conv.work, client, conv.now)]
    conv.data["card"] = {
        "nickname": client.nickname, "status": status_of(client), "limited": limited,
        "responsible": i_am_responsible,
        "consents": {item: row.answer for item, row in answers.items()},
        "last_seen": last_seen, "workers": workers,
        "shared": shared,
        "open_invitations": sum(1 for row in invitations if is_open(row, conv.now)),
        "sections": sections,
    }
    if look:
        await audit(conv, "client.card.view")


# --- what each state asks (the card, which needs the consent titles, is a step below) ---------------------


def view_list(conv: Conversation) -> Ask:
    options = [Option(str(client_id), Msg(STATUS_LABEL[status], {"nickname": nickname}))
               for client_id, nickname, status in conv.data["list"]]
    prompt = N_("clients.list") if options else N_("clients.none")
    return Ask(Msg(prompt), (*options, Option(CLOSE, Msg(N_("clients.close")))))


def view_message(conv: Conversation) -> Ask:
    return Ask(Msg(N_("clients.ask_message"), {"nickname": conv.data["card"]["nickname"]}),
               (Option(BACK_TO_CARD, Msg(N_("clients.cancel_message"))),), free_text=True,
               passes_on=True)


async def refresh(conv: Conversation, hooks: Hooks | None = None) -> None:
    """Coming back to the card (after the meeting screens, say): it shows the client as they are now."""
    if conv.state == "card" and isinstance(conv.data.get("client"), int):
        await load_card(conv, conv.data["client"], look=False, hooks=hooks)
        if "client" not in conv.data:
            await load_list(conv, hooks)
            conv.state = "list"


def view_confirm_end(conv: Conversation) -> Ask:
    return Ask(Msg(N_("clients.confirm_end"), {"nickname": conv.data["card"]["nickname"]}),
               (Option(YES, Msg(N_("clients.end_yes"))), Option(NO, Msg(N_("clients.end_no")))))


# --- guards and effects ------------------------------------------------------------------------------------


async def chose_client(event: Any, hooks: Hooks | None = None) -> bool:
    if not value(event).isdigit():
        return False
    await load_card(event.model, int(value(event)), hooks=hooks)
    return "client" in event.model.data


async def refresh_list(event: Any, hooks: Hooks | None = None) -> None:
    event.model.data.pop("client", None)
    await load_list(event.model, hooks)


async def current(conv: Conversation) -> ClientRow | None:
    """The card's client as it is now, if still this worker's (the card may be minutes old)."""
    return next((row for row in await mine(conv) if row.id == conv.data.get("client")), None)


async def linked_client(conv: Conversation) -> ClientRow | None:
    """The card's client while they are linked (their shared circles can be looked at); else says so."""
    client = await current(conv)
    if client is None or not client.user_key:
        conv.emit(Say(Msg(N_("clients.no_access"))))
        return None
    return client


async def cancel_open_invitations(conv: Conversation) -> None:
    await cancel_open(conv, [row for row in await conv.work.invitations.for_client(conv.data["client"])
                             if row.kind == "client"])


async def revoke(event: Any, hooks: Hooks | None = None) -> None:
    conv: Conversation = event.model
    await cancel_open_invitations(conv)
    await audit(conv, "invitation.revoked")
    conv.emit(Say(Msg(N_("clients.revoked"))))
    await load_card(conv, conv.data["client"], hooks=hooks)


async def send_message(event: Any) -> None:
    conv: Conversation = event.model
    client = await current(conv)
    staff = conv.who.staff
    assert staff is not None
    if client is None or not client.user_key:
        conv.emit(Say(Msg(N_("clients.not_linked"))))
        return
    message = Msg(N_("relay.from_worker"), {"worker": staff.name, "text": event.kwargs["text"]})
    await conv.work.outbox.add(OutboxRow(client.user_key, "worker_message", dump_msg(message), conv.now))
    await audit(conv, "client.message")
    conv.emit(Say(Msg(N_("clients.message_queued"))))


async def shared_circles(conv: Conversation) -> list[AssessmentRow]:
    """The circles the client shared that this worker may see (the card decided), oldest first."""
    rows = [row for assessment_id in conv.data["card"]["shared"]
            if (row := await conv.work.assessments.get(assessment_id)) is not None]
    return sorted(rows, key=lambda row: row.completed_at)


class ClientsSteps:
    """The steps that need the flow's settings: the invitation secret and lifetime, the consent items' titles,
    and the other capabilities' hooks (the circles' pictures, the card's entries to the meetings, what ending
    the work deletes)."""

    def __init__(self, secret: str, valid_for: timedelta, items: tuple[ConsentItem, ...], hooks: Hooks) -> None:
        self.secret, self.valid_for, self.hooks = secret, valid_for, hooks
        self.titles = {item.id: item.title for item in items}
        self.links = {link.choice: link for link in hooks.card_links}

    # The list and the card with the other capabilities' parts (marks, sections), through the hooks.
    async def on_start(self, conv: Conversation) -> None:
        """The worker's client list."""
        await load_list(conv, self.hooks)

    async def refresh(self, conv: Conversation) -> None:
        """The card as the client is now."""
        await refresh(conv, self.hooks)

    async def chose_client(self, event: Any) -> bool:
        """A client of this worker was tapped: their card is read."""
        return await chose_client(event, self.hooks)

    async def refresh_list(self, event: Any) -> None:
        """Back to the list, as it is now."""
        await refresh_list(event, self.hooks)

    async def revoke(self, event: Any) -> None:
        """The card's open invitations are cancelled."""
        await revoke(event, self.hooks)

    @property
    def pictures(self) -> Pictures:
        """How circles are drawn: the clients flow shows shared circles, so the pictures are registered."""
        assert self.hooks.pictures is not None
        return self.hooks.pictures

    def open_link(self, event: Any) -> None:
        """An entry of another capability (the meeting preparation, the meetings), opened with this client."""
        conv: Conversation = event.model
        link = self.links[value(event)]
        conv.switch_to, conv.switch_data = link.flow, {"client_id": conv.data["client"]}

    async def end_work(self, event: Any) -> None:
        """The responsible worker ends the work: the client is told, and everything kept for the work goes as
        when the client ends it themselves (the record stays for the retention period)."""
        conv: Conversation = event.model
        client = await current(conv)
        staff = conv.who.staff
        if client is None or client.ended_at or staff is None or not conv.data["card"].get("responsible"):
            conv.emit(Say(Msg(N_("clients.no_access"))))
            return
        key = client.user_key
        for member, _ in await workers_of(conv.work, client.id or 0):
            if member.id != staff.id and member.user_key:
                await conv.work.outbox.add(OutboxRow(member.user_key, "notify", dump_msg(Msg(
                    N_("notify.work_ended_by_pair"), {"client": client.nickname, "worker": staff.name})), conv.now))
        await end_client_work(conv.work, client, conv.now, self.hooks, keep_contact=True)
        if key:  # after what was queued for the work is gone: the goodbye is the last thing they get
            await conv.work.outbox.add(OutboxRow(key, "notify", dump_msg(Msg(
                N_("notify.work_ended_by_worker"), {"worker": staff.name})), conv.now))
        await audit(conv, "client.work_ended")
        conv.scrub = True
        conv.emit(Say(Msg(N_("clients.work_ended"), {"nickname": client.nickname})))
        await load_card(conv, client.id or 0, look=False, hooks=self.hooks)

    def view_card(self, conv: Conversation) -> Ask:
        card = conv.data["card"]
        consents = Lines(tuple(Msg(CONSENT_STATUS[answer], {"item": self.titles.get(item, item)})
                               for item, answer in card["consents"].items())) if card["consents"] else "-"
        prompt = Msg(N_("clients.card"), {
            "nickname": card["nickname"], "status": Msg(STATUS_TEXT[card["status"]]), "consents": consents,
            "last_seen": _date(card["last_seen"]), "workers": team_lines(card["workers"]),
            "shared": len(card["shared"]), "invitations": card["open_invitations"],
            "note": Msg(N_("clients.limited")) if card.get("limited") else "",
        })
        if card.get("sections"):  # another capability's part of the card (the goals), below identity's
            prompt = Msg(N_("clients.card_sections"), {"card": prompt, "sections": Lines(
                tuple(load_msg(line) for line in card["sections"]), "\n\n")})
        options = []
        if card["shared"] and card["status"] == "linked":
            options.append(Option(CIRCLES, Msg(N_("clients.show_circles"))))
            options.append(Option(PROGRESS, Msg(N_("clients.show_progress"))))
        if card["status"] == "linked":
            options.append(Option(MESSAGE, Msg(N_("clients.message"))))
        if card["status"] == "linked":  # a pair worker gets only the entries meant for them, with consent (b)
            options += [Option(link.choice, Msg(link.label)) for link in self.hooks.card_links
                        if card.get("responsible") or (link.pair and not card.get("limited"))]
        if card["status"] == "linked" and card.get("responsible"):
            options.append(Option(END, Msg(N_("clients.end_work"))))
        if card["status"] == "invited":
            options.append(Option(INVITE, Msg(N_("clients.new_invitation"))))
        if card["open_invitations"]:
            options.append(Option(REVOKE, Msg(N_("clients.revoke"))))
        if card["status"] != "ended":  # when the client ended the work, the worker's access ended too
            options.append(Option(EXPORT, Msg(N_("clients.export"))))
        options.append(Option(BACK_TO_LIST, Msg(N_("clients.back"))))
        return Ask(prompt, tuple(options))

    async def show_circles(self, event: Any) -> None:
        conv: Conversation = event.model
        if await linked_client(conv) is None:
            return
        rows = await shared_circles(conv)
        nickname = conv.data["card"]["nickname"]
        for row, circle in zip(rows, self.pictures.circles(rows, nickname), strict=True):
            conv.emit(Photo(circle, Msg(N_("clients.circle_caption"), {"nickname": nickname,
                                                                       "date": row.completed_at})))
        # Questions for the conversation, beside the latest circle: this flow is the worker's only.
        prompts = self.pictures.prompts(rows[-1], nickname) if rows else None
        if prompts is not None:
            conv.emit(Say(prompts))
        await audit(conv, "client.circles.view")

    async def show_progress(self, event: Any) -> None:
        """Each area over the circles the client shared, from the same shares and checks as `show_circles`."""
        conv: Conversation = event.model
        client = await linked_client(conv)
        if client is None:
            return
        rows = await shared_circles(conv)
        for result in await self.pictures.progress(conv.work, client, rows, conv.data["card"]["nickname"]):
            conv.emit(result)
        await audit(conv, "client.circles.view")

    async def new_invitation(self, event: Any) -> None:
        conv: Conversation = event.model
        client = await current(conv)
        if client is None or client.user_key or client.ended_at:
            conv.emit(Say(Msg(N_("clients.no_invitation"))))  # only someone who has not joined is invited
        else:
            await cancel_open_invitations(conv)  # one code at a time
            await issue_invitation(conv, self.secret, self.valid_for, client_id=conv.data["client"])
        await load_card(conv, conv.data["client"], hooks=self.hooks)

    async def export(self, event: Any) -> None:
        conv: Conversation = event.model
        client = await current(conv)
        if client is None or client.ended_at:
            conv.emit(Say(Msg(N_("clients.no_access"))))
            return
        client_id = conv.data["client"]
        consents = [{"item": row.item, "title": _title(self.titles.get(row.item)), "version": row.version,
                     "answer": row.answer, "at": row.at.isoformat(), "channel": row.channel}
                    for row in await conv.work.consents.for_client(client_id)]
        rows = await shared_circles(conv)
        circles = [{"completed_at": row.completed_at.isoformat(), "area_scores": row.area_scores,
                    "wishes": row.wishes} for row in rows]
        assert conv.who.staff is not None
        data: dict[str, Any] = {"client": conv.data["card"]["nickname"], "workers": conv.data["card"]["workers"],
                                "exported_at": conv.now.isoformat(), "exported_by": staff_card(conv.who.staff),
                                "consents": consents, "shared_circles": circles, **self.pictures.legend()}
        if conv.data["card"].get("limited"):
            data["limited"] = True  # no circles here does not mean the client shared none
        evaluation = await conv.work.evaluations.get(client_id)
        if evaluation is not None and conv.data["card"].get("responsible"):
            # The end of the work: the pair's reflection and the client's feedback, for the worker's own system.
            data["evaluation"] = {"reflection": evaluation.reflection, "feedback": evaluation.feedback}
        await audit(conv, "client.export")
        # The PDF draws each circle with the one before it: the worker's copy, with the client's name and wishes.
        nickname = conv.data["card"]["nickname"]
        conv.emit(Document("client_export", data, Msg(N_("clients.export_caption")),
                           self.pictures.circles(rows, nickname)))


def writing_or_confirming(conv: Conversation) -> bool:
    """In hand: a message being written, or ending the work being confirmed."""
    return conv.state in ("message", "confirm_end")


def clients_flow(secret: str, valid_for: timedelta, items: tuple[ConsentItem, ...], hooks: Hooks) -> FlowSpec:
    """A worker's clients: the list, a client's card, and what the worker can do from it (the other
    capabilities' entries, such as the meetings, come from ``hooks``)."""
    steps = ClientsSteps(secret, valid_for, items, hooks)
    return FlowSpec(
        name=NAME, version=VERSION, states=["list", "card", "message", "confirm_end", "closed"], initial="list",
        transitions=[
            dict(trigger="choose", source="list", dest="closed", conditions=[chose(CLOSE)]),
            dict(trigger="choose", source="list", dest="card", conditions=[steps.chose_client]),
            dict(trigger="choose", source="card", dest="list", conditions=[chose(BACK_TO_LIST)],
                 before=[steps.refresh_list]),
            dict(trigger="choose", source="card", dest="card", conditions=[chose(CIRCLES)],
                 before=[steps.show_circles]),
            dict(trigger="choose", source="card", dest="card", conditions=[chose(PROGRESS)],
                 before=[steps.show_progress]),
            dict(trigger="choose", source="card", dest="card", conditions=[chose(INVITE)],
                 before=[steps.new_invitation]),
            dict(trigger="choose", source="card", dest="card", conditions=[chose(REVOKE)], before=[steps.revoke]),
            dict(trigger="choose", source="card", dest="card", conditions=[chose(EXPORT)], before=[steps.export]),
            dict(trigger="choose", source="card", dest="message", conditions=[chose(MESSAGE)]),
            *[dict(trigger="choose", source="card", dest="card", conditions=[chose(link.choice)],
                   after=[steps.open_link]) for link in hooks.card_links],
            dict(trigger="choose", source="card", dest="confirm_end", conditions=[chose(END)]),
            dict(trigger="choose", source="confirm_end", dest="card", conditions=[chose(YES)],
                 after=[steps.end_work]),
            dict(trigger="choose", source="confirm_end", dest="card", conditions=[chose(NO)]),
            dict(trigger="text", source="message", dest="card", before=[send_message]),
            dict(trigger="choose", source="message", dest="card", conditions=[chose(BACK_TO_CARD)]),
        ],
        views={"list": view_list, "card": steps.view_card, "message": view_message, "confirm_end": view_confirm_end},
        help_key=N_("clients.help"), final=frozenset({"closed"}), on_start=steps.on_start, allowed=is_worker,
        controls=False,  # browsing, with its own "Back" and "Close"
        reload=True, resumable=True,  # back to the card after the meeting preparation
        refresh=steps.refresh,
        # Only a message being written is in hand; a card looked at is opened afresh, never come back to stale.
        in_progress=writing_or_confirming,
    )


MARKED = "marked"  # a linked client another capability marks gently on the list (no goal yet)
STATUS_LABEL = {"linked": N_("clients.item_linked"), "invited": N_("clients.item_invited"),
                "ended": N_("clients.item_ended"), MARKED: N_("clients.item_no_goal")}
STATUS_TEXT = {"linked": N_("clients.status_linked"), "invited": N_("clients.status_invited"),
               "ended": N_("clients.status_ended")}


def _title(text: LocalText | None) -> dict[str, str]:
    return {"fi": text.fi, "sv": text.sv, "en": text.en} if text else {}


def _date(text: str | None) -> datetime | str:
    return datetime.fromisoformat(text) if text else "-"
