"""ESY's follow-up (phase 4): a new assessment offered about three months after the last one.

A linked client who allows reminders (consent d) and whose circle was stored (consent c) gets one offer, due
``days`` after they finished, outside quiet hours. Time is data: the offer is an outbox row with a due time
(kind ``reassess``), which the ticker sends once, re-checking consent (d) when it is due, and which opens the
ESY flow with its Begin button. A newer assessment replaces the pending offer, so a person has at most one.
Ending the work, /forget and withdrawing storage (c) delete it (flows/esy/hooks.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flows.core.dates import HELSINKI
from flows.core.messages import N_, Msg, dump_msg
from flows.core.quiet import DEFAULT_QUIET, QuietHours
from flows.core.results import Say
from flows.core.spec import Conversation
from flows.identity.consent import latest_answers
from storage.ports import OutboxRow, UnitOfWork

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
