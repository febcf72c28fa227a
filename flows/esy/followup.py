"""ESY's follow-up (phase 4): a new assessment offered about three months after the last one.

A linked client who allows reminders (consent d) and whose circle was stored (consent c) gets one offer, due
``days`` after they finished, outside quiet hours. Time is data: the offer is an outbox row with a due time
(kind ``reassess``), which the ticker sends once, re-checking consent (d) when it is due, and which opens the
ESY flow with its Begin button. A newer assessment replaces the pending offer, so a person has at most one.
Ending the work, /forget and withdrawing storage (c) delete it, withdrawing reminders (d) cancels it
(flows/esy/hooks.py).

An anonymous person is asked at the end of the circle whether to be reminded ("no" first, and nothing is kept
then). "Yes" keeps their sealed chat address and the offer's date only until it is sent: the ticker releases
the address right after (or the chat's hourly sweep, once it is cancelled), and the anonymous retention waits
for a pending offer. They cancel it at the start of the circle; /forget deletes both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flows.core.dates import HELSINKI
from flows.core.messages import N_, Msg, dump_msg
from flows.core.quiet import DEFAULT_QUIET, QuietHours
from flows.core.results import Ask, Option, Say
from flows.core.spec import Conversation
from flows.identity.consent import latest_answers
from storage.ports import ContactRow, OutboxRow, UnitOfWork

REASSESS = "reassess"  # the outbox kind of the offer
FLOW = "esy"  # the flow the offer opens (flows/esy/esy.py NAME; imported the other way round)
DEFAULT_DAYS = 90


def reassess_at(completed: datetime, days: int = DEFAULT_DAYS, quiet: QuietHours = DEFAULT_QUIET) -> datetime:
    """When to offer the next assessment: ``days`` after ``completed`` at the same Helsinki wall-clock time
    (over a DST change too); if that is in quiet hours, when they end."""
    due = completed.astimezone(HELSINKI) + timedelta(days=days)
    return quiet.next_end(due) if quiet.contains(due) else due


async def pending(work: UnitOfWork, key: str) -> list[OutboxRow]:
    """The person's offers not sent yet (at most one, oldest first)."""
    return [row for row in await work.outbox.for_recipient(key) if row.kind == REASSESS and row.status == "pending"]


async def waiting(work: UnitOfWork, key: str, now: datetime) -> bool:
    """Whether an offer not yet due waits for the person (it keeps an anonymous person from the retention sweep).
    Once due it no longer does: Telegram sends it then, and a web person's waits in the chat only as long as
    they would have been kept anyway, so that nobody who never comes back is kept for ever."""
    return any(row.due_at > now for row in await pending(work, key))


async def cancel(work: UnitOfWork, key: str, now: datetime) -> int:
    """The pending offers are dropped (never sent; what they said is emptied); returns how many."""
    rows = await pending(work, key)
    for row in rows:
        assert row.id is not None
        await work.outbox.finish(row.id, "dropped", now)
    return len(rows)


async def reminders_allowed(conv: Conversation) -> bool:
    """Consent (d), reminders, in force for this linked client."""
    client = conv.who.client
    if not conv.who.is_client or client is None or client.id is None:
        return False
    answers = latest_answers(await conv.work.consents.for_client(client.id))
    return "reminders" in answers and answers["reminders"].answer == "yes"


@dataclass(frozen=True)
class Reassessment:
    """The follow-up's settings: the interval (KAARI_REASSESS_DAYS) and the quiet hours (KAARI_QUIET_HOURS)."""

    days: int = DEFAULT_DAYS
    quiet: QuietHours = DEFAULT_QUIET

    async def offer(self, conv: Conversation) -> None:
        """After a stored assessment of a linked client with consent (d): the one pending offer, due later."""
        if "assessment" not in conv.data or not await reminders_allowed(conv):
            return
        await cancel(conv.work, conv.key, conv.now)  # a newer circle: the earlier offer is replaced
        due = reassess_at(conv.now, self.days, self.quiet)
        notice = Msg(N_("esy.reassess"), {"date": conv.now})
        await conv.work.outbox.add(OutboxRow(conv.key, REASSESS, {**dump_msg(notice), "flow": FLOW}, due))
        conv.emit(Say(Msg(N_("esy.reassess_planned"), {"date": due})))


# --- an anonymous person's own reminder: asked at the end of the circle, "no" by default -------------------
REMIND, NO_REMIND = "remind", "no-remind"
CANCEL_REMINDER = "cancel-reminder"


def is_anonymous(conv: Conversation) -> bool:
    """Neither staff nor a linked client: nothing is kept to reach them unless they ask."""
    return not conv.who.is_client and conv.who.staff is None


async def may_ask_reminder(event: Any) -> bool:
    """An anonymous person (whose circle is always kept) on a channel that can write to them later (Telegram,
    the web chat) is asked whether to be reminded; the console cannot, so there nobody is asked."""
    conv: Conversation = event.model
    return is_anonymous(conv) and conv.reachable


def chose_remind(event: Any) -> bool:
    return bool(event.kwargs.get("value") == REMIND)


def chose_cancel_reminder(event: Any) -> bool:
    return bool(event.kwargs.get("value") == CANCEL_REMINDER)


class AnonymousReminder:
    """The question, the yes and the cancelling, with the interval and the quiet hours."""

    def __init__(self, reassess: Reassessment) -> None:
        self.reassess = reassess

    def view_ask(self, conv: Conversation) -> Ask:
        """What a reminder keeps, said plainly; "no" first, as the default. Without an address (the web chat)
        the reminder waits in the chat for the person's next visit, and they are told so."""
        due = reassess_at(conv.now, self.reassess.days, self.reassess.quiet)
        ask = N_("esy.remind_ask_web") if conv.reachable and not conv.contact else N_("esy.remind_ask")
        return Ask(Msg(ask, {"date": due}),
                   (Option(NO_REMIND, Msg(N_("esy.remind_no"))), Option(REMIND, Msg(N_("esy.remind_yes")))))

    async def remind(self, event: Any) -> None:
        """Yes: the one pending offer, and the sealed chat address kept only for it (the web chat needs none:
        the offer waits for the person's socket)."""
        conv: Conversation = event.model
        if not conv.reachable:
            return
        await cancel(conv.work, conv.key, conv.now)
        if conv.contact and await conv.work.contacts.get(conv.key) is None:
            await conv.work.contacts.save(ContactRow(conv.key, conv.contact, conv.now))
        due = reassess_at(conv.now, self.reassess.days, self.reassess.quiet)
        notice = Msg(N_("esy.reassess"), {"date": conv.now})
        await conv.work.outbox.add(OutboxRow(conv.key, REASSESS, {**dump_msg(notice), "flow": FLOW, "asked": True},
                                             due))
        conv.emit(Say(Msg(N_("esy.remind_set"), {"date": due})))

    async def note_pending(self, conv: Conversation) -> None:
        """At the start of a circle: whether an anonymous person has a reminder they could cancel here."""
        conv.data["reminder"] = is_anonymous(conv) and bool(await pending(conv.work, conv.key))

    async def cancel_reminder(self, event: Any) -> None:
        """The person cancels their reminder; the chat address goes with the next hourly sweep (the chat's)."""
        conv: Conversation = event.model
        await cancel(conv.work, conv.key, conv.now)
        conv.data["reminder"] = False
        conv.emit(Say(Msg(N_("esy.remind_cancelled"))))
