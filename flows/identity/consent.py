"""/consent: what the person agreed to, withdrawing or giving any item; asking again after a text changed.

Withdrawing the work itself ends the link and the workers' access; withdrawing storage deletes what Kaari
kept after a confirmation; withdrawing reminders stops pushes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flows.core.guards import value
from flows.core.hooks import Hooks
from flows.core.messages import N_, Filled, Lines, Msg, Param
from flows.core.results import Ask, Option, Say
from flows.core.spec import Conversation, FlowSpec, Gate, Who
from flows.identity.consent_texts import REQUIRED_ITEM, ConsentItem
from flows.identity.notify import notify_staff, worker_cards
from flows.identity.staff import pair_lines
from storage.ports import AuditRow, ClientRow, ConsentRow, UnitOfWork

NAME = "consent"
VERSION = 1
CLOSE, YES, NO = "close", "yes", "no"
WITHDRAW, GIVE = "withdraw:", "give:"
NEEDS_CONFIRMING = frozenset({REQUIRED_ITEM, "storage"})
STATUS = {"yes": N_("consent.status_yes"), "no": N_("consent.status_no"),
          "withdrawn": N_("consent.status_withdrawn")}


def latest_answers(rows: list[ConsentRow]) -> dict[str, ConsentRow]:
    """The answer in force per item: the newest row wins."""
    answers: dict[str, ConsentRow] = {}
    for row in rows:
        answers[row.item] = row
    return answers


async def exchange_allowed(work: UnitOfWork, client_id: int) -> bool:
    """Consent (b) in force: what the client shares may reach every worker of the pair, not only the responsible."""
    answers = latest_answers(await work.consents.for_client(client_id))
    return "exchange" in answers and answers["exchange"].answer == "yes"


def outdated(items: tuple[ConsentItem, ...], answers: dict[str, ConsentRow]) -> list[str]:
    """Items the person allowed whose text changed since (a "no" is not asked again: that would nag), and items
    added since they joined, never answered (asked once, as a new client is)."""
    return [item.id for item in items if item.id not in answers or (
        answers[item.id].answer == "yes" and answers[item.id].version < item.version)]


def consent_gate(items: tuple[ConsentItem, ...]) -> Gate:
    """Before anything else: a client whose consent text has a new version is asked again."""

    async def gate(conv: Conversation) -> tuple[str, dict[str, Any]] | None:
        if not conv.who.is_client or conv.flow == NAME:
            return None
        client = conv.who.client
        assert client is not None
        answers = latest_answers(await conv.work.consents.for_client(client.id or 0))
        return (NAME, {"update": True}) if outdated(items, answers) else None

    return gate


async def end_client_work(
    work: UnitOfWork, client: ClientRow, now: datetime, hooks: Hooks, keep_contact: bool = False,
) -> None:
    """The work with a client ends (the client withdrew consent (a), or the responsible worker ended it): the
    link and the chat id go, and each capability's ``hooks.work_ended`` deletes what it kept for the work (the
    circles, the meeting preparation; coming meetings are cancelled, join links stop working). The record
    itself stays for the stated retention period. ``keep_contact``: a goodbye is still queued for them; the
    chat id goes once it is sent (the hourly sweep releases chat ids nothing needs)."""
    key = client.user_key
    client.user_key, client.ended_at = None, now
    await work.clients.save(client)
    if key is not None:
        await work.outbox.delete_for_recipient(key)  # reminders, check-ins and messages for the work
        if not keep_contact:
            await work.contacts.delete(key)
    for ended in hooks.work_ended:
        await ended(work, client, key, now)


async def delete_stored(work: UnitOfWork, client: ClientRow, key: str, now: datetime, hooks: Hooks) -> Msg:
    """Consent (c) withdrawn: what Kaari kept for the work goes now, each capability deleting its part
    (``hooks.storage_withdrawn``: circles, the meeting preparation, the meetings with their notes and promises,
    the closing evaluation). The consent record itself stays as the proof. Says what was really deleted."""
    lines: list[Param] = []
    for withdrawn in hooks.storage_withdrawn:
        lines += await withdrawn(work, client, key, now)
    return Msg(N_("consent.storage_deleted"), {
        "lines": Lines(tuple(lines)) if lines else Msg(N_("consent.deleted_nothing"))})


def client_of(conv: Conversation) -> ClientRow:
    client = conv.who.client
    assert client is not None and client.id is not None
    return client


# --- guards ----------------------------------------------------------------------------------------------


def chose_close(event: Any) -> bool:
    return value(event) == CLOSE


def chose_give(event: Any) -> bool:
    return value(event).startswith(GIVE)


def chose_withdraw_confirmed_later(event: Any) -> bool:
    return value(event).startswith(WITHDRAW) and value(event).removeprefix(WITHDRAW) in NEEDS_CONFIRMING


def chose_withdraw(event: Any) -> bool:
    return value(event).startswith(WITHDRAW)


def chose_yes(event: Any) -> bool:
    return value(event) == YES


def withdrew_work(event: Any) -> bool:
    return bool(event.model.data.get("confirming") == REQUIRED_ITEM)


def more_queued(event: Any) -> bool:
    return len(event.model.data["queue"]) > 1


def work_declined(event: Any) -> bool:
    return bool(event.model.data["queue"][0] == REQUIRED_ITEM and value(event) != YES)


# --- views and effects that need no consent texts --------------------------------------------------------


def view_confirm(conv: Conversation) -> Ask:
    item = conv.data["confirming"]
    key = N_("consent.confirm_work") if item == REQUIRED_ITEM else N_("consent.confirm_storage")
    return Ask(Msg(key), (Option(YES, Msg(N_("consent.confirm_yes"))), Option(NO, Msg(N_("consent.confirm_no")))))


def ask_confirm(event: Any) -> None:
    event.model.data["confirming"] = value(event).removeprefix(WITHDRAW)


def cancel_confirm(event: Any) -> None:
    event.model.data.pop("confirming", None)


class ConsentSteps:
    """The steps that need the consent texts (``items``), the storage period they name, and the capabilities'
    hooks for what withdrawing deletes."""

    def __init__(self, items: tuple[ConsentItem, ...], retention_days: int, hooks: Hooks) -> None:
        self.items, self.retention_days, self.hooks = items, retention_days, hooks
        self.by_id = {item.id: item for item in items}

    async def end_work(self, conv: Conversation) -> None:
        """Consent (a) withdrawn or declined: the workers are told, then the work ends."""
        client = client_of(conv)
        await notify_staff(conv, client, Msg(N_("notify.client_ended"), {"client": client.nickname}))
        await end_client_work(conv.work, client, conv.now, self.hooks)
        conv.scrub = True
        conv.who = Who(conv.who.staff, None)
        conv.emit(Say(Msg(N_("consent.work_ended"))))

    async def on_start(self, conv: Conversation) -> None:
        if not conv.who.is_client:
            conv.emit(Say(Msg(N_("consent.none"))))
            conv.state = "closed"
            return
        client = client_of(conv)
        answers = latest_answers(await conv.work.consents.for_client(client.id or 0))
        conv.data["answers"] = {item: row.answer for item, row in answers.items()}
        conv.data["dates"] = {item: row.at.isoformat() for item, row in answers.items()}
        conv.data["workers"] = await worker_cards(conv.work, client.id or 0)
        if conv.data.pop("update", False):
            conv.data["queue"] = outdated(self.items, answers)
            conv.state = "ask" if conv.data["queue"] else "closed"

    def filled(self, item: ConsentItem, conv: Conversation) -> Filled:
        # Asked again after a text changed, with no introduction just before: what an expert by experience
        # is, is said here.
        return Filled(item.text, {"workers": pair_lines(conv.data["workers"]), "days": self.retention_days})

    def view_overview(self, conv: Conversation) -> Ask:
        answers: dict[str, str] = conv.data["answers"]
        lines = tuple(Msg(STATUS[answers.get(item.id, "no")], {"title": item.title}) for item in self.items)
        options = []
        for item in self.items:
            given = answers.get(item.id) == YES
            label = N_("consent.withdraw_item") if given else N_("consent.give_item")
            if given or item.id != REQUIRED_ITEM:
                options.append(Option((WITHDRAW if given else GIVE) + item.id, Msg(label, {"title": item.title})))
        options.append(Option(CLOSE, Msg(N_("consent.close"))))
        return Ask(Msg(N_("consent.overview"), {"lines": Lines(lines)}), tuple(options))

    def view_ask(self, conv: Conversation) -> Ask:
        item = self.by_id[conv.data["queue"][0]]
        key = N_("consent.changed") if item.id in conv.data["answers"] else N_("consent.new_item")
        prompt = Msg(key, {"title": item.title, "text": self.filled(item, conv)})
        no = N_("consent.no_required") if item.required else N_("consent.no")
        return Ask(prompt, (Option(YES, Msg(N_("consent.yes"))), Option(NO, Msg(no))))

    async def record(self, conv: Conversation, item_id: str, answer: str) -> None:
        client = client_of(conv)
        await conv.work.consents.add(ConsentRow(client.id or 0, item_id, self.by_id[item_id].version, answer,
                                                conv.now, conv.channel))
        await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key), f"consent.{answer}.{item_id}",
                                           f"client:{client.id}", region=conv.who.region))
        conv.data["answers"][item_id] = answer
        if item_id == "reminders" and answer != YES:
            # What is sent at its time checks (d) again, but a reminder planned for later is cancelled now.
            for withdrawn in self.hooks.reminders_withdrawn:
                await withdrawn(conv.work, conv.key, conv.now)

    async def give(self, event: Any) -> None:
        conv: Conversation = event.model
        await self.record(conv, value(event).removeprefix(GIVE), YES)
        conv.emit(Say(Msg(N_("consent.saved"))))

    async def withdraw_now(self, event: Any) -> None:
        conv: Conversation = event.model
        await self.record(conv, value(event).removeprefix(WITHDRAW), "withdrawn")
        conv.emit(Say(Msg(N_("consent.saved"))))

    async def withdraw_confirmed(self, event: Any) -> None:
        conv: Conversation = event.model
        item = conv.data.pop("confirming")
        await self.record(conv, item, "withdrawn")
        conv.scrub = True  # what was deleted must not linger in the database's free pages or log
        if item == "storage":
            conv.emit(Say(await delete_stored(conv.work, client_of(conv), conv.key, conv.now, self.hooks)))
        else:
            await self.end_work(conv)

    async def answer_update(self, event: Any) -> None:
        conv: Conversation = event.model
        item = conv.data["queue"].pop(0)
        await self.record(conv, item, YES if value(event) == YES else "no")
        if item == REQUIRED_ITEM and value(event) != YES:
            await self.end_work(conv)


def consent_flow(items: tuple[ConsentItem, ...], retention_days: int, hooks: Hooks | None = None) -> FlowSpec:
    """/consent: the overview of what the person allowed, withdrawing and giving; a changed text asked again."""
    steps = ConsentSteps(items, retention_days, hooks or Hooks())
    return FlowSpec(
        name=NAME, version=VERSION, states=["overview", "confirm", "ask", "closed"], initial="overview",
        transitions=[
            dict(trigger="choose", source="overview", dest="closed", conditions=[chose_close]),
            dict(trigger="choose", source="overview", dest="overview", conditions=[chose_give], before=[steps.give]),
            dict(trigger="choose", source="overview", dest="confirm", conditions=[chose_withdraw_confirmed_later],
                 before=[ask_confirm]),
            dict(trigger="choose", source="overview", dest="overview", conditions=[chose_withdraw],
                 before=[steps.withdraw_now]),
            dict(trigger="choose", source="confirm", dest="closed", conditions=[chose_yes, withdrew_work],
                 before=[steps.withdraw_confirmed]),
            dict(trigger="choose", source="confirm", dest="overview", conditions=[chose_yes],
                 before=[steps.withdraw_confirmed]),
            dict(trigger="choose", source="confirm", dest="overview", before=[cancel_confirm]),
            dict(trigger="choose", source="ask", dest="closed", conditions=[work_declined],
                 before=[steps.answer_update]),
            dict(trigger="choose", source="ask", dest="ask", conditions=[more_queued], before=[steps.answer_update]),
            dict(trigger="choose", source="ask", dest="closed", before=[steps.answer_update]),
        ],
        views={"overview": steps.view_overview, "confirm": view_confirm, "ask": steps.view_ask},
        help_key=N_("consent.help"), final=frozenset({"closed"}), on_start=steps.on_start,
        controls=False,  # an overview with its own "Done"; nothing to pause or stop
        ungated=True,
    )
