"""The services linked to a goal, as both sides see and follow them up (ESY phases 3 and 4).

Under a goal: "places that can help with this", the services linked to it first, each with how it went (the
answer in force and its date), and a note when it is time to ask. Either side can answer for a linked service
whether it was reached and, if so, whether it helped: the young person from /goals (flows/esy/goals.py), the
responsible worker from the client's plan (flows/esy/goal_review.py), where the worker also links and unlinks
services. These steps are shared by both flows; the rules are in flows/esy/goal_service_rules.py.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flows.core.guards import value
from flows.core.messages import N_, Lines, Msg, Param
from flows.core.results import Ask, Option, Say
from flows.core.spec import Conversation
from flows.esy.effect_records import Labels
from flows.esy.goal_service_rules import answer, followup_due, in_force
from flows.esy.services import RegionService, RegionServices
from storage.ports import HELPED, REACHED, UnitOfWork

FOLLOW, REACHED_ANSWER, HELPED_ANSWER, TO_GOAL = "followup:", "reached:", "helped:", "to-goal"
REACHED_TEXT = {"yes": N_("goal_services.reached_yes"), "not_yet": N_("goal_services.reached_not_yet"),
                "no": N_("goal_services.reached_no")}
HELPED_TEXT = {"yes": N_("goal_services.helped_yes"), "somewhat": N_("goal_services.helped_somewhat"),
               "no": N_("goal_services.helped_no"), "cant_say": N_("goal_services.helped_cant_say")}


class GoalServiceSteps:
    """The linked services' steps, for the young person (``by`` "young") or the worker (``by`` "worker")."""

    def __init__(self, services: RegionServices | None, by: str) -> None:
        self.by = by
        self.known: dict[str, RegionService] = {s.id: s for s in services.services} if services else {}

    def name(self, service_id: str) -> Param:
        """The service's name in the reader's language (its id, if the services file no longer has it)."""
        service = self.known.get(service_id)
        return service.name if service is not None else service_id

    # --- reading ---------------------------------------------------------------------------------------------
    async def load_links(self, conv: Conversation, reassessed: datetime | None) -> None:
        """Every service linked to the goals in ``conv.data["goals"]``, with the answer in force and whether a
        follow-up is due (a goal going, whose "by when" came or with a new circle since it was linked)."""
        links = []
        for goal in conv.data["goals"]:
            due = date.fromisoformat(goal["due"]) if goal["due"] else None
            for row in await conv.work.goal_services.for_goal(goal["id"]):
                assert row.id is not None
                answers = await conv.work.goal_services.followups(row.id)
                latest = in_force(answers)
                links.append({
                    "id": row.id, "goal": goal["id"], "service": row.service_id,
                    "reached": latest.reached if latest else None, "helped": latest.helped if latest else None,
                    "at": latest.answered_at.isoformat() if latest else None,
                    "due": goal["status"] == "going" and followup_due(row, answers, due, reassessed, conv.now)})
        conv.data["links"] = links

    def links_of(self, conv: Conversation, goal_id: int) -> list[dict[str, Any]]:
        return [link for link in conv.data.get("links", []) if link["goal"] == goal_id]

    def link_line(self, link: dict[str, Any]) -> Msg:
        """One linked service and how it went (the answer in force, dated), or that nobody has said yet."""
        name = self.name(link["service"])
        if link["reached"] is None:
            return Msg(N_("goal_services.line_open"), {"service": name})
        params: dict[str, Param] = {"service": name, "date": datetime.fromisoformat(link["at"]),
                                    "reached": Msg(REACHED_TEXT[link["reached"]])}
        if link["helped"] is None:
            return Msg(N_("goal_services.line_reached"), params)
        return Msg(N_("goal_services.line_helped"), {**params, "helped": Msg(HELPED_TEXT[link["helped"]])})

    def linked_section(self, conv: Conversation, goal_id: int) -> Msg | None:
        """The services linked to the goal with how each went, and a note when it is time to ask; or None."""
        links = self.links_of(conv, goal_id)
        if not links:
            return None
        due = Msg(N_("goal_services.due")) if any(link["due"] for link in links) else ""
        return Msg(N_("goal_services.linked"), {"lines": Lines(tuple(self.link_line(link) for link in links)),
                                                "due": due})

    def followup_options(self, conv: Conversation, goal_id: int) -> list[Option]:
        """"How did it go" for each linked service, those due a follow-up first."""
        links = sorted(self.links_of(conv, goal_id), key=lambda link: not link["due"])
        return [Option(f"{FOLLOW}{link['id']}", Msg(N_("goal_services.ask"), {"service": self.name(link["service"])}))
                for link in links]

    # --- the follow-up: reached? then, if it was, helped? ------------------------------------------------------
    def asked(self, conv: Conversation) -> dict[str, Any] | None:
        """The linked service being asked about, if it is still linked to the goal in hand."""
        return next((link for link in self.links_of(conv, conv.data.get("goal", -1))
                     if link["id"] == conv.data.get("asking")), None)

    def question_params(self, conv: Conversation) -> dict[str, Param]:
        link = self.asked(conv)
        params: dict[str, Param] = {"service": self.name(link["service"]) if link else ""}
        return params if self.by == "young" else {**params, "nickname": conv.data.get("nickname", "")}

    def view_reached(self, conv: Conversation) -> Ask:
        key = N_("goal_services.ask_reached") if self.by == "young" else N_("goal_services.ask_reached_worker")
        options = [Option(f"{REACHED_ANSWER}{reached}", Msg(REACHED_TEXT[reached])) for reached in REACHED]
        return Ask(Msg(key, self.question_params(conv)), (*options, Option(TO_GOAL, Msg(N_("goal_services.back")))))

    def view_helped(self, conv: Conversation) -> Ask:
        key = N_("goal_services.ask_helped") if self.by == "young" else N_("goal_services.ask_helped_worker")
        options = [Option(f"{HELPED_ANSWER}{helped}", Msg(HELPED_TEXT[helped])) for helped in HELPED]
        return Ask(Msg(key, self.question_params(conv)), (*options, Option(TO_GOAL, Msg(N_("goal_services.back")))))

    def chose_followup(self, event: Any) -> bool:
        """"How did it go" for a service linked to the goal in hand; it is the one asked about from now on."""
        conv: Conversation = event.model
        chosen = value(event).removeprefix(FOLLOW)
        if not value(event).startswith(FOLLOW) or not chosen.isdigit():
            return False
        if not any(link["id"] == int(chosen) for link in self.links_of(conv, conv.data.get("goal", -1))):
            return False
        conv.data["asking"] = int(chosen)
        return True

    def chose_reached_yes(self, event: Any) -> bool:
        return value(event) == f"{REACHED_ANSWER}yes"

    def chose_reached_not(self, event: Any) -> bool:
        return value(event) in (f"{REACHED_ANSWER}not_yet", f"{REACHED_ANSWER}no")

    def chose_helped(self, event: Any) -> bool:
        return value(event).startswith(HELPED_ANSWER) and value(event).removeprefix(HELPED_ANSWER) in HELPED

    async def save_not_reached(self, event: Any) -> None:
        await self.save(event.model, value(event).removeprefix(REACHED_ANSWER), None)

    async def save_helped(self, event: Any) -> None:
        await self.save(event.model, "yes", value(event).removeprefix(HELPED_ANSWER))

    async def save(self, conv: Conversation, reached: str, helped: str | None) -> None:
        """The answer, dated, beside the earlier ones; unless the service was unlinked meanwhile."""
        link = self.asked(conv)
        conv.data.pop("asking", None)
        stored = await conv.work.goal_services.get(link["id"]) if link else None
        if link is None or stored is None or stored.goal_id != conv.data.get("goal"):
            conv.emit(Say(Msg(N_("goal_services.gone"))))
            return
        await conv.work.goal_services.add_followup(answer(link["id"], reached, helped, self.by, conv.now))
        conv.emit(Say(Msg(N_("goal_services.saved"), {"service": self.name(link["service"])})))
        await self.load_links(conv, reassessed_at(conv))

    def stop_asking(self, event: Any) -> None:
        event.model.data.pop("asking", None)


def reassessed_at(conv: Conversation) -> datetime | None:
    """When the latest circle the follow-up counts from was filled (kept by the flow's load)."""
    at = conv.data.get("reassessed")
    return datetime.fromisoformat(at) if at else None


def followup_transitions(steps: GoalServiceSteps, goal: str = "goal") -> list[dict[str, Any]]:
    """The follow-up's part of a flow's table: from the goal in hand to "reached", maybe "helped", and back."""
    return [
        dict(trigger="choose", source=goal, dest="reached", conditions=[steps.chose_followup]),
        dict(trigger="choose", source="reached", dest="helped", conditions=[steps.chose_reached_yes]),
        dict(trigger="choose", source="reached", dest=goal, conditions=[steps.chose_reached_not],
             before=[steps.save_not_reached]),
        dict(trigger="choose", source="helped", dest=goal, conditions=[steps.chose_helped],
             before=[steps.save_helped]),
        dict(trigger="choose", source=["reached", "helped"], dest=goal, conditions=[chose_back],
             before=[steps.stop_asking]),
    ]


def chose_back(event: Any) -> bool:
    return value(event) == TO_GOAL


async def linked_services(work: UnitOfWork, key: str) -> Labels:
    """A label source for the effect report (flows/esy/effect_records.py): per goal's area, the ids of the
    region's services a worker linked to the person's goals."""
    found: dict[str, frozenset[str]] = {}
    for goal in await work.goals.for_user(key):
        ids = frozenset(row.service_id for row in await work.goal_services.for_goal(goal.id or 0))
        if ids:
            found[goal.area_id] = found.get(goal.area_id, frozenset()) | ids
    return found, frozenset()
