"""The client's plan for their responsible worker, opened from the client card: every goal in the client's own
words, draft or agreed, and "agree" for a draft (ESY phase 2: goals are agreed in a meeting, over time). Each
goal opens on its own: the worker links the region's services to it or unlinks them (ESY phase 3) and, at
follow-up, records whether each was reached and helped (phase 4; flows/esy/goal_services.py).

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
from flows.esy.goal_promises import load_promises, promise_section
from flows.esy.goal_rules import agree
from flows.esy.goal_services import GoalServiceSteps, followup_transitions
from flows.esy.goals import as_shown, plain, service_names
from flows.esy.instrument import Instrument
from flows.esy.services import RegionService, RegionServices
from flows.identity.notify import workers_of
from flows.identity.staff import is_worker
from storage.ports import AuditRow, ClientRow, GoalServiceRow, OutboxRow

NAME = "client_goals"
VERSION = 1
BACK, AGREE, OPEN, PLAN, LINK, UNLINK, SERVICE = "back", "agree:", "open:", "plan", "link", "unlink:", "service:"
MAX_LINKABLE = 8  # the region's services for the goal's area, as buttons: a phone screen's worth


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
    """The steps that need the instrument's area names and the region's services."""

    def __init__(self, instrument: Instrument, services: RegionServices | None = None) -> None:
        self.names: dict[str, LocalText] = {area.id: area.name for area in instrument.areas}
        self.services = services
        self.helpers = service_names(services)
        self.links = GoalServiceSteps(services, "worker")

    async def on_start(self, conv: Conversation) -> None:
        """The plan of a client this worker is responsible for; the look is written to the audit log."""
        client = await responsible_for(conv, conv.data.get("client_id"))
        if client is None:
            conv.emit(Say(Msg(N_("error.not_available"))))
            conv.state = "closed"
            return
        conv.data["nickname"] = client.nickname
        await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key), "client.goals.view",
                                           f"client:{client.id}", region=conv.who.region))
        await self.load(conv)

    async def refresh(self, conv: Conversation) -> None:
        """The client may have written meanwhile; if the work ended or (c) was withdrawn, the plan closes. A goal
        deleted meanwhile is not looked at any longer, nor a service unlinked meanwhile asked about."""
        if conv.state == "closed":
            return
        if await responsible_for(conv, conv.data.get("client_id")) is None:
            conv.emit(Say(Msg(N_("error.not_available"))))
            conv.state = "closed"
            return
        await self.load(conv)
        if conv.state != "plan" and self.current(conv) is None:
            conv.emit(Say(Msg(N_("review.gone"))))
            conv.state = "plan"
        elif conv.state in ("reached", "helped") and self.links.asked(conv) is None:
            conv.emit(Say(Msg(N_("goal_services.gone"))))
            conv.state = "goal"

    async def load(self, conv: Conversation) -> None:
        """The client's goals and their linked services; a follow-up is due after a circle shared since."""
        client_id = conv.data["client_id"]
        conv.data["goals"] = [plain(row) for row in await conv.work.goals.for_client(client_id)]
        shared = [row.shared_at for row in await conv.work.shares.for_client(client_id)]
        conv.data["reassessed"] = max(shared).isoformat() if shared else None
        await self.links.load_links(conv, max(shared) if shared else None)
        await load_promises(conv)

    def current(self, conv: Conversation) -> dict[str, Any] | None:
        return next((g for g in conv.data["goals"] if g["id"] == conv.data.get("goal")), None)

    def view_plan(self, conv: Conversation) -> Ask:
        goals = conv.data["goals"]
        lines: tuple[Param, ...] = tuple(as_shown(self.names, goal, self.helpers) for goal in goals)
        prompt = Msg(N_("review.plan") if goals else N_("review.none"),
                     {"nickname": conv.data["nickname"], "lines": Lines(lines, "\n\n")})
        options = [Option(f"{AGREE}{g['id']}", Msg(N_("review.agree"), {"area": self.names.get(g["area"], g["area"])}))
                   for g in goals if g["draft"]]
        options += [Option(f"{OPEN}{g['id']}", Msg(N_("review.open"), {"area": self.names.get(g["area"], g["area"])}))
                    for g in goals]
        return Ask(prompt, (*options, Option(BACK, Msg(N_("review.back")))))

    def view_goal(self, conv: Conversation) -> Ask:
        """One goal with the services linked to it and how each went; follow up, link, unlink."""
        goal = self.current(conv)
        assert goal is not None
        linked = self.links.linked_section(conv, goal["id"]) or Msg(N_("goal_services.none_linked"))
        promised = promise_section(conv, goal["id"])
        beside: tuple[Param, ...] = (promised, linked) if promised else (linked,)
        prompt = Msg(N_("goal_services.goal"), {"goal": as_shown(self.names, goal, self.helpers),
                                                "places": Lines(beside, "\n\n")})
        options = self.links.followup_options(conv, goal["id"])
        if self.linkable(conv):
            options.append(Option(LINK, Msg(N_("goal_services.link"))))
        options += [Option(f"{UNLINK}{link['id']}", Msg(N_("goal_services.unlink"),
                                                         {"service": self.links.name(link["service"])}))
                    for link in self.links.links_of(conv, goal["id"])]
        return Ask(prompt, (*options, Option(PLAN, Msg(N_("review.to_plan")))))

    def linkable(self, conv: Conversation) -> list[RegionService]:
        """The region's services for the goal's area not linked to it yet (in any language: the worker knows
        the client), in the file's order."""
        goal = self.current(conv)
        if self.services is None or goal is None:
            return []
        taken = {link["service"] for link in self.links.links_of(conv, goal["id"])}
        return [s for s in self.services.services if goal["area"] in s.areas and s.id not in taken][:MAX_LINKABLE]

    def view_link(self, conv: Conversation) -> Ask:
        goal = self.current(conv)
        assert goal is not None
        options = [Option(f"{SERVICE}{s.id}", s.name) for s in self.linkable(conv)]
        return Ask(Msg(N_("goal_services.choose"), {"area": self.names.get(goal["area"], goal["area"])}),
                   (*options, Option(BACK, Msg(N_("goal_services.back")))))

    def chose_open(self, event: Any) -> bool:
        """A goal of the plan was tapped; it is the one looked at from now on."""
        chosen = value(event).removeprefix(OPEN)
        if not value(event).startswith(OPEN) or not chosen.isdigit() or \
                not any(g["id"] == int(chosen) for g in event.model.data["goals"]):
            return False
        event.model.data["goal"] = int(chosen)
        return True

    def chose_link(self, event: Any) -> bool:
        return value(event) == LINK and bool(self.linkable(event.model))

    def chose_service(self, event: Any) -> bool:
        return any(f"{SERVICE}{s.id}" == value(event) for s in self.linkable(event.model))

    def chose_unlink(self, event: Any) -> bool:
        conv: Conversation = event.model
        return value(event).startswith(UNLINK) and any(
            f"{UNLINK}{link['id']}" == value(event) for link in self.links.links_of(conv, conv.data["goal"]))

    async def link(self, event: Any) -> None:
        """The service linked to the goal: the client sees it under the goal, and it is followed up."""
        conv: Conversation = event.model
        service_id = value(event).removeprefix(SERVICE)
        await conv.work.goal_services.link(GoalServiceRow(conv.data["goal"], service_id, conv.now))
        await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key), "client.goal.services",
                                           f"client:{conv.data['client_id']}", region=conv.who.region))
        conv.emit(Say(Msg(N_("goal_services.linked_now"), {"service": self.links.name(service_id),
                                                            "nickname": conv.data["nickname"]})))
        await self.load(conv)

    async def unlink(self, event: Any) -> None:
        """The link goes, with its follow-ups (it was not this goal's service after all)."""
        conv: Conversation = event.model
        link_id = int(value(event).removeprefix(UNLINK))
        link = next(link for link in self.links.links_of(conv, conv.data["goal"]) if link["id"] == link_id)
        await conv.work.goal_services.unlink(link_id)
        await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key), "client.goal.services",
                                           f"client:{conv.data['client_id']}", region=conv.who.region))
        conv.emit(Say(Msg(N_("goal_services.unlinked"), {"service": self.links.name(link["service"])})))
        await self.load(conv)

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
                                           f"client:{client.id}", region=conv.who.region))
        conv.emit(Say(Msg(N_("review.agreed"), {"nickname": client.nickname})))
        await self.load(conv)


def review_flow(instrument: Instrument, services: RegionServices | None = None) -> FlowSpec:
    """The client's plan for their responsible worker, from the client card: look, agree a draft, open a goal
    to link services and follow them up, go back."""
    steps = ReviewSteps(instrument, services)
    return FlowSpec(
        name=NAME, version=VERSION, states=["plan", "goal", "link", "reached", "helped", "closed"], initial="plan",
        transitions=[
            dict(trigger="choose", source="plan", dest="plan", conditions=[steps.chose_agree], before=[steps.agree]),
            dict(trigger="choose", source="plan", dest="goal", conditions=[steps.chose_open]),
            dict(trigger="choose", source="plan", dest="closed", conditions=[chose(BACK)]),
            dict(trigger="choose", source="goal", dest="link", conditions=[steps.chose_link]),
            dict(trigger="choose", source="goal", dest="goal", conditions=[steps.chose_unlink],
                 before=[steps.unlink]),
            dict(trigger="choose", source="goal", dest="plan", conditions=[chose(PLAN)]),
            dict(trigger="choose", source="link", dest="goal", conditions=[steps.chose_service], before=[steps.link]),
            dict(trigger="choose", source="link", dest="goal", conditions=[chose(BACK)]),
            *followup_transitions(steps.links),
        ],
        views={"plan": steps.view_plan, "goal": steps.view_goal, "link": steps.view_link,
               "reached": steps.links.view_reached, "helped": steps.links.view_helped},
        help_key=N_("review.help"), final=frozenset({"closed"}),
        on_start=steps.on_start, refresh=steps.refresh, allowed=is_worker, controls=False,
    )
