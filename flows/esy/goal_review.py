"""The client's plan for their responsible worker, opened from the client card: every goal in the client's own
words, draft or agreed, and "agree" for a draft (ESY phase 2: goals are agreed in a meeting, over time).

Agreeing records the version agreed (flows/esy/goal_rules.py), keeps it in the goal's history and tells the
client by an outbox push; a later change by the client makes the goal a draft again. Only the responsible
worker agrees, while the work goes on and the client keeps consent (c) for storing.
"""

from __future__ import annotations

from typing import Any

from flows.core.guards import chose, value
from flows.core.messages import N_, Lines, LocalText, Msg, Param, dump_msg
from flows.core.results import Ask, Option, Say
from flows.core.spec import Conversation, FlowSpec
from flows.esy.esy import storage_allowed
from flows.esy.goal_rules import agree
from flows.esy.goals import as_shown, plain
from flows.esy.instrument import Instrument
from flows.identity.notify import workers_of
from flows.identity.staff import is_worker
from storage.ports import AuditRow, ClientRow, OutboxRow

NAME = "client_goals"
VERSION = 1
BACK, AGREE = "back", "agree:"


async def responsible_for(conv: Conversation, wanted: Any) -> ClientRow | None:
    """The client ``wanted``, if this worker is their responsible one, the work goes on, and consent (c) holds."""
    staff = conv.who.staff
    if not isinstance(wanted, int) or staff is None or staff.id is None:
        return None
    client = await conv.work.clients.get(wanted)
    if client is None or client.ended_at is not None or client.user_key is None:
        return None
    if not any(member.id == staff.id and responsible for member, responsible in await workers_of(conv.work, wanted)):
        return None
    return client if await storage_allowed(conv, wanted) else None


class ReviewSteps:
    """The steps that need the instrument's area names."""

    def __init__(self, instrument: Instrument) -> None:
        self.names: dict[str, LocalText] = {area.id: area.name for area in instrument.areas}

    async def on_start(self, conv: Conversation) -> None:
        """The plan of a client this worker is responsible for; the look is written to the audit log."""
        client = await responsible_for(conv, conv.data.get("client_id"))
        if client is None:
            conv.emit(Say(Msg(N_("error.not_available"))))
            conv.state = "closed"
            return
        conv.data["nickname"] = client.nickname
        await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key), "client.goals.view",
                                           f"client:{client.id}"))
        await self.load(conv)

    async def refresh(self, conv: Conversation) -> None:
        """The client may have written meanwhile; if the work ended or (c) was withdrawn, the plan closes."""
        if conv.state == "closed":
            return
        if await responsible_for(conv, conv.data.get("client_id")) is None:
            conv.emit(Say(Msg(N_("error.not_available"))))
            conv.state = "closed"
            return
        await self.load(conv)

    async def load(self, conv: Conversation) -> None:
        conv.data["goals"] = [plain(row) for row in await conv.work.goals.for_client(conv.data["client_id"])]

    def view_plan(self, conv: Conversation) -> Ask:
        goals = conv.data["goals"]
        lines: tuple[Param, ...] = tuple(as_shown(self.names, goal) for goal in goals)
        prompt = Msg(N_("review.plan") if goals else N_("review.none"),
                     {"nickname": conv.data["nickname"], "lines": Lines(lines, "\n\n")})
        options = [Option(f"{AGREE}{g['id']}", Msg(N_("review.agree"), {"area": self.names.get(g["area"], g["area"])}))
                   for g in goals if g["draft"]]
        return Ask(prompt, (*options, Option(BACK, Msg(N_("review.back")))))

    def chose_agree(self, event: Any) -> bool:
        chosen = value(event).removeprefix(AGREE)
        return value(event).startswith(AGREE) and chosen.isdigit() and any(
            g["id"] == int(chosen) and g["draft"] for g in event.model.data["goals"])

    async def agree(self, event: Any) -> None:
        """The goal as it reads now is agreed; the client is told, and the look at it is in the audit log."""
        conv: Conversation = event.model
        row = await conv.work.goals.get(int(value(event).removeprefix(AGREE)))
        client = await conv.work.clients.get(conv.data["client_id"])
        changed = agree(row, conv.now) if row is not None and row.client_id == conv.data["client_id"] else None
        if changed is None or client is None or client.user_key is None or conv.who.staff is None:
            conv.emit(Say(Msg(N_("review.not_agreed"))))
            return
        await conv.work.goals.save(changed[0])
        await conv.work.goals.add_revision(changed[1])
        notice = Msg(N_("goals.agreed_notice"), {"worker": conv.who.staff.name, "goal": changed[0].goal})
        await conv.work.outbox.add(OutboxRow(client.user_key, "notify", dump_msg(notice), conv.now))
        await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key), "client.goal.agreed",
                                           f"client:{client.id}"))
        conv.emit(Say(Msg(N_("review.agreed"), {"nickname": client.nickname})))
        await self.load(conv)


def review_flow(instrument: Instrument) -> FlowSpec:
    """The client's plan for their responsible worker, from the client card: look, agree a draft, go back."""
    steps = ReviewSteps(instrument)
    return FlowSpec(
        name=NAME, version=VERSION, states=["plan", "closed"], initial="plan",
        transitions=[
            dict(trigger="choose", source="plan", dest="plan", conditions=[steps.chose_agree], before=[steps.agree]),
            dict(trigger="choose", source="plan", dest="closed", conditions=[chose(BACK)]),
        ],
        views={"plan": steps.view_plan}, help_key=N_("review.help"), final=frozenset({"closed"}),
        on_start=steps.on_start, refresh=steps.refresh, allowed=is_worker, controls=False,
    )
