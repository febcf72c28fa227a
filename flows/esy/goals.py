"""/goals: the young person's goals and plan (ESY phase 2), after an assessment or any time.

One to three areas at a time, those with a change wish first; for each, one question at a time: the goal in
their own words, how they would notice it getting a little better, a first small step, who helps (their own
people, or one of the region's services for that area), and by when. Only the goal itself must be written.
The plan is shown back; any answer can be changed later and a goal marked reached or let go, each change kept
in the goal's history (flows/esy/goal_rules.py).

Who keeps what: an anonymous person's goals are theirs alone, kept like their circles (until the anonymous
retention, /forget). A linked client's are stored only with consent (c), like their circles, and their workers
see them on the client card to agree them (the pair worker only with consent (b), as with shared circles);
withdrawing (c), ending the work and /forget delete them (flows/esy/goal_hooks.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from flows.core.dates import as_day, due_from, example_day
from flows.core.guards import chose, near_enough, value
from flows.core.messages import N_, Example, Lines, LocalText, Msg, Param
from flows.core.results import Ask, Option, Say
from flows.core.spec import Conversation, FlowSpec, Who
from flows.esy.esy import storage_allowed
from flows.esy.goal_promises import load_promises, promise_section
from flows.esy.goal_rules import area_order, free_areas, is_draft, new_goal, revise, set_status
from flows.esy.goal_services import GoalServiceSteps, followup_transitions
from flows.esy.instrument import Instrument
from flows.esy.services import RegionServices, service_line
from storage.ports import GOAL_FIELDS, GOAL_STATUSES, GoalRow

NAME = "goals"
VERSION = 1
NEW, CLOSE, PLAN, BACK, SKIP, NO_DATE = "new", "close", "plan", "back", "skip", "no-date"
GOAL, EDIT, STATUS, SERVICE = "goal:", "edit:", "status:", "service:"
MAX_ANSWER = 500  # a goal is a sentence or two; a pasted essay is refused with the limit named
MAX_SERVICES = 3  # the region's services for the area, as buttons: a phone screen's worth
ASK = {"goal": N_("goals.ask_goal"), "sign": N_("goals.ask_sign"), "step": N_("goals.ask_step"),
       "helper": N_("goals.ask_helper"), "due": N_("goals.ask_due")}
EDIT_LABEL = {"goal": N_("goals.edit_goal"), "sign": N_("goals.edit_sign"), "step": N_("goals.edit_step"),
              "helper": N_("goals.edit_helper"), "due": N_("goals.edit_due")}
FIELD_TITLE = {"goal": N_("goals.field_goal"), "sign": N_("goals.field_sign"), "step": N_("goals.field_step"),
               "helper": N_("goals.field_helper"), "due": N_("goals.field_due")}
STATUS_TEXT = {"going": N_("goals.status_going"), "reached": N_("goals.status_reached"),
               "let_go": N_("goals.status_let_go")}
STATUS_BUTTON = {"going": N_("goals.set_going"), "reached": N_("goals.set_reached"),
                 "let_go": N_("goals.set_let_go")}


def not_staff(who: Who) -> bool:
    """Goals are the young person's own; a worker sees a client's on the client card."""
    return who.staff is None


async def may_store(conv: Conversation) -> bool:
    """An anonymous person's goals are theirs to keep; a linked client's only with consent (c)."""
    client = conv.who.client
    if not conv.who.is_client or client is None or client.id is None:
        return True
    return await storage_allowed(conv, client.id)


def plain(row: GoalRow) -> dict[str, Any]:
    """A goal as the conversation keeps it for the views (JSON-safe)."""
    return {"id": row.id, "area": row.area_id, "goal": row.goal, "sign": row.sign, "step": row.step,
            "helper": row.helper, "due": row.due.isoformat() if row.due else None, "status": row.status,
            "draft": is_draft(row), "shared": row.client_id is not None, "updated": row.updated_at.isoformat()}


def state(goal: dict[str, Any]) -> Msg:
    """Its status, and for a goal the workers see, whether it is agreed (an anonymous person's has no worker)."""
    status = Msg(STATUS_TEXT[goal["status"]])
    if not goal.get("shared"):
        return status
    agreement = Msg(N_("goals.draft") if goal["draft"] else N_("goals.agreed"))
    return Msg(N_("goals.state"), {"status": status, "agreement": agreement})


def shown(text: str | None) -> Param:
    return text if text else "-"


def shown_due(text: str | None) -> Param:
    return as_day(date.fromisoformat(text)) if text else Msg(N_("goals.no_date"))


def goal_line(names: Mapping[str, LocalText], goal: dict[str, Any], changed: bool = False) -> Msg:
    """One goal of a plan: its area, words, status and whether it is agreed (``changed``: and when it last
    changed, for the worker's card)."""
    params: dict[str, Param] = {"area": names.get(goal["area"], goal["area"]), "goal": goal["goal"],
                                "state": state(goal)}
    if not changed:
        return Msg(N_("goals.line"), params)
    return Msg(N_("goals.line_changed"), {**params, "date": datetime.fromisoformat(goal["updated"])})


def service_names(services: RegionServices | None) -> dict[str, LocalText]:
    """Each region service's name, in any of its languages, to the name in all of them: a helper picked from
    the buttons is kept as the name the person saw, and shown to each reader in their own language."""
    return {name: service.name for service in (services.services if services else ())
            for name in (service.name.fi, service.name.sv, service.name.en)}


def helper_shown(helpers: Mapping[str, LocalText], text: str | None) -> Param:
    """Who helps: a region's service by its name in the reader's language, the person's own words as written."""
    return helpers[text] if text and text in helpers else shown(text)


def as_shown(names: Mapping[str, LocalText], goal: dict[str, Any],
             helpers: Mapping[str, LocalText] | None = None) -> Msg:
    """One goal with every answer, its status, whether it is agreed and when it last changed."""
    return Msg(N_("goals.detail"), {
        "area": names.get(goal["area"], goal["area"]), "goal": goal["goal"], "sign": shown(goal["sign"]),
        "step": shown(goal["step"]), "helper": helper_shown(helpers or {}, goal["helper"]),
        "due": shown_due(goal["due"]),
        "state": state(goal), "updated": datetime.fromisoformat(goal["updated"]),
    })


def writing(conv: Conversation) -> bool:
    """An answer being written is in hand (a command comes back to it); the plan looked at is not."""
    return conv.state == "write"


class GoalsSteps:
    """The steps that need the instrument (the areas' names and order) and the region's services."""

    def __init__(self, instrument: Instrument, services: RegionServices | None = None) -> None:
        self.instrument = instrument
        self.services = services
        self.names = {area.id: area.name for area in instrument.areas}
        self.helpers = service_names(services)
        self.links = GoalServiceSteps(services, "young")

    # --- reading -----------------------------------------------------------------------------------------
    async def on_start(self, conv: Conversation) -> None:
        """A linked client without consent (c) is told why nothing can be kept; anyone else sees their plan."""
        if not await may_store(conv):
            conv.emit(Say(Msg(N_("goals.not_kept"))))
            conv.state = "closed"
            return
        await self.load(conv)

    async def load(self, conv: Conversation) -> None:
        """The person's goals, and the areas a new one may be for (wished-for first, then fewest points)."""
        rows = await conv.work.goals.for_user(conv.key)
        latest = await conv.work.assessments.latest(conv.key, self.instrument.id)
        conv.data["goals"] = [plain(row) for row in rows]
        conv.data["free"] = free_areas(area_order(self.instrument, latest), rows)
        conv.data["client"] = conv.who.is_client
        conv.data["reassessed"] = latest.completed_at.isoformat() if latest else None
        # The change wishes of the latest circle: a new goal starts from the wish written for its area.
        conv.data["wishes"] = {area: wish for area, wish in (latest.wishes if latest else {}).items() if wish}
        await self.links.load_links(conv, latest.completed_at if latest else None)
        await load_promises(conv)

    async def refresh(self, conv: Conversation) -> None:
        """Before each answer: the plan as stored now. Consent (c) withdrawn meanwhile ends the flow; a goal
        deleted meanwhile (from another device, say) is not looked at any longer."""
        if conv.state == "closed":
            return
        if not await may_store(conv):
            conv.emit(Say(Msg(N_("goals.not_kept"))))
            conv.state = "closed"
            return
        await self.load(conv)
        looking = conv.state in ("goal", "reached", "helped") or (conv.state == "write" and "editing" in conv.data)
        if looking and not any(g["id"] == conv.data.get("goal") for g in conv.data["goals"]):
            await self.gone(conv)
            conv.state = "plan"
        elif conv.state in ("reached", "helped") and self.links.asked(conv) is None:
            conv.emit(Say(Msg(N_("goal_services.gone"))))  # unlinked by the worker meanwhile
            conv.state = "goal"

    def current(self, conv: Conversation) -> dict[str, Any]:
        return next(g for g in conv.data["goals"] if g["id"] == conv.data["goal"])

    # --- what each state asks ------------------------------------------------------------------------------
    def view_plan(self, conv: Conversation) -> Ask:
        goals = conv.data["goals"]
        if goals:
            prompt = Msg(N_("goals.plan"), {"lines": Lines(tuple(goal_line(self.names, g) for g in goals), "\n\n")})
        else:
            prompt = Msg(N_("goals.intro_client") if conv.data["client"] else N_("goals.intro"))
        options = [Option(f"{GOAL}{g['id']}", Msg(N_("goals.open"), {"area": self.names.get(g["area"], g["area"])}))
                   for g in goals]
        if conv.data["free"]:
            options.append(Option(NEW, Msg(N_("goals.new"))))
        options.append(Option(CLOSE, Msg(N_("goals.close"))))
        return Ask(prompt, tuple(options))

    def view_area(self, conv: Conversation) -> Ask:
        options = [Option(area_id, self.names[area_id]) for area_id in conv.data["free"] if area_id in self.names]
        return Ask(Msg(N_("goals.choose_area")), (*options, Option(BACK, Msg(N_("goals.back")))))

    def view_write(self, conv: Conversation) -> Ask:
        field = conv.data["field"]
        params: dict[str, Param] = {}
        key = ASK[field]
        if field == "goal":  # the first question names the area the goal is for, and the wish written for it
            params["area"] = self.names.get(conv.data["area"], conv.data["area"])
            wish = conv.data.get("wishes", {}).get(conv.data["area"])
            if wish and "editing" not in conv.data:
                key, params["wish"] = N_("goals.ask_goal_wish"), wish
        if field == "due":
            params["example"] = Example(example_day(conv.now, 28), clock=False)
        prompt = Msg(key, params)
        options: list[Option] = []
        if field == "helper":
            options += [Option(f"{SERVICE}{s.id}", s.name) for s in self.area_services(conv)]
        if field == "due":
            options.append(Option(NO_DATE, Msg(N_("goals.no_date"))))
        elif field != "goal":
            options.append(Option(SKIP, Msg(N_("goals.clear") if "editing" in conv.data else N_("goals.skip"))))
        options.append(Option(BACK, Msg(N_("goals.back"))))
        if "editing" in conv.data:
            now = self.current(conv)[field]
            prompt = Msg(N_("goals.edit_prompt"), {"question": prompt,
                                                   "now": shown_due(now) if field == "due" else shown(now)})
        return Ask(prompt, tuple(options), free_text=True, max_length=40 if field == "due" else MAX_ANSWER)

    def area_services(self, conv: Conversation) -> list[Any]:
        if self.services is None:
            return []
        return self.services.for_area(conv.data["area"], conv.language)[:MAX_SERVICES]

    def view_goal(self, conv: Conversation) -> Ask:
        goal = self.current(conv)
        beside: tuple[Param, ...] = tuple(part for part in (promise_section(conv, goal["id"]),
                                                            self.places(conv, goal)) if part)
        prompt = Msg(N_("goal_services.goal"), {"goal": as_shown(self.names, goal, self.helpers),
                                                "places": Lines(beside, "\n\n")})
        options = self.links.followup_options(conv, goal["id"])
        options += [Option(f"{EDIT}{field}", Msg(EDIT_LABEL[field])) for field in GOAL_FIELDS]
        options += [Option(f"{STATUS}{status}", Msg(STATUS_BUTTON[status])) for status in GOAL_STATUSES
                    if status != goal["status"]]
        return Ask(prompt, (*options, Option(PLAN, Msg(N_("goals.to_plan")))))

    def places(self, conv: Conversation, goal: dict[str, Any]) -> Param:
        """"Places that can help with this": the services the worker linked to the goal (with how each went),
        then a few more of the region's services for the goal's area."""
        linked = self.links.linked_section(conv, goal["id"])
        taken = {link["service"] for link in self.links.links_of(conv, goal["id"])}
        more = [s for s in self.services.for_area(goal["area"], conv.language) if s.id not in taken][:MAX_SERVICES] \
            if self.services is not None else []
        lines: tuple[Param, ...] = tuple(service_line(s) for s in more)
        # "Other places" only under the linked ones; alone, the area's places need no heading of their own.
        listed = Lines(lines, "\n")
        others: Param = (Msg(N_("goal_services.more"), {"lines": listed}) if linked else listed) if more else ""
        parts: tuple[Param, ...] = tuple(part for part in (linked, others) if part)
        return Msg(N_("goal_services.places"), {"lines": Lines(parts, "\n\n")}) if parts else ""

    # --- guards ----------------------------------------------------------------------------------------------
    def chose_new(self, event: Any) -> bool:
        return value(event) == NEW and bool(event.model.data["free"])

    def chose_area(self, event: Any) -> bool:
        return value(event) in event.model.data["free"] and value(event) in self.names

    def chose_goal(self, event: Any) -> bool:
        """A goal of the plan was tapped; it is the one looked at from now on."""
        chosen = value(event).removeprefix(GOAL)
        known = [g["id"] for g in event.model.data["goals"]]
        if not value(event).startswith(GOAL) or not chosen.isdigit() or int(chosen) not in known:
            return False
        event.model.data["goal"] = int(chosen)
        return True

    def chose_edit(self, event: Any) -> bool:
        field = value(event).removeprefix(EDIT)
        if not value(event).startswith(EDIT) or field not in GOAL_FIELDS:
            return False
        conv: Conversation = event.model
        conv.data.update(field=field, editing=True, area=self.current(conv)["area"])
        return True

    def chose_status(self, event: Any) -> bool:
        return value(event).startswith(STATUS) and value(event).removeprefix(STATUS) in GOAL_STATUSES

    def took_change(self, event: Any) -> bool:
        """A usable new answer to a question asked again to change it."""
        return editing(event) and self.took(event)

    def took_next(self, event: Any) -> bool:
        """A usable answer to a new goal's question with more to come."""
        return more_fields(event) and self.took(event)

    def took_last(self, event: Any) -> bool:
        """A usable answer to a new goal's last question."""
        return last_field(event) and self.took(event)

    def took(self, event: Any) -> bool:
        """A usable answer to the question asked, kept in ``answer`` (a date for "by when"); an unreadable date
        is answered with an example, and the question stands."""
        conv: Conversation = event.model
        field, tapped = conv.data["field"], value(event)
        if "text" in event.kwargs:
            return self.took_text(conv, field, str(event.kwargs["text"]).strip())
        if (tapped == SKIP and field not in ("goal", "due")) or (tapped == NO_DATE and field == "due"):
            conv.data["answer"] = None
            return True
        service = next((s for s in self.area_services(conv) if f"{SERVICE}{s.id}" == tapped), None)
        if service is None or field != "helper":
            return False
        conv.data["answer"] = service.name.get(conv.language)
        return True

    def took_text(self, conv: Conversation, field: str, text: str) -> bool:
        if not text:
            return False
        if field != "due":
            conv.data["answer"] = text
            return True
        due = due_from(text, conv.now)
        if due is None:
            conv.emit(Say(Msg(N_("goals.bad_due"), {"example": Example(example_day(conv.now, 28), clock=False)})))
            return False
        if not near_enough(conv, due):
            return False
        conv.data["answer"] = due.isoformat()
        return True

    # --- effects -----------------------------------------------------------------------------------------
    def start_draft(self, event: Any) -> None:
        event.model.data.update(area=value(event), field="goal", draft={})
        event.model.data.pop("editing", None)

    def next_field(self, event: Any) -> None:
        data = event.model.data
        data["draft"][data["field"]] = data.pop("answer")
        data["field"] = GOAL_FIELDS[GOAL_FIELDS.index(data["field"]) + 1]

    async def create(self, event: Any) -> None:
        """The last answer given: the goal is stored as a draft with its first history, and the plan shown."""
        conv: Conversation = event.model
        conv.data["draft"][conv.data["field"]] = conv.data.pop("answer")
        fields = dict(conv.data.pop("draft"))
        if not await may_store(conv):  # consent (c) withdrawn meanwhile: nothing is kept
            conv.emit(Say(Msg(N_("goals.not_kept"))))
            await self.load(conv)
            return
        if fields.get("due"):
            fields["due"] = date.fromisoformat(fields["due"])
        client = conv.who.client if conv.who.is_client else None
        row, history = new_goal(conv.key, conv.data["area"], fields, conv.now, client.id if client else None)
        goal_id = await conv.work.goals.add(row)
        for revision in history:
            revision.goal_id = goal_id
            await conv.work.goals.add_revision(revision)
        conv.emit(Say(Msg(N_("goals.saved_new_client") if client else N_("goals.saved_new"))))
        await self.load(conv)

    def drop_draft(self, event: Any) -> None:
        event.model.data.pop("draft", None)
        event.model.data.pop("answer", None)
        event.model.emit(Say(Msg(N_("goals.not_saved"))))

    def stop_editing(self, event: Any) -> None:
        event.model.data.pop("editing", None)
        event.model.data.pop("answer", None)

    async def own_goal(self, conv: Conversation) -> GoalRow | None:
        """The goal looked at, as stored now, if it is still this person's."""
        row = await conv.work.goals.get(conv.data["goal"])
        return row if row is not None and row.user_key == conv.key else None

    async def save_edit(self, event: Any) -> None:
        """One answer changed: a new version in the history; a goal agreed before is a draft again."""
        conv: Conversation = event.model
        field, answer = conv.data["field"], conv.data.pop("answer")
        conv.data.pop("editing", None)
        row = await self.own_goal(conv)
        if row is None:
            await self.gone(conv)
            return
        changed = revise(row, field, date.fromisoformat(answer) if field == "due" and answer else answer, conv.now)
        if changed is not None:
            await conv.work.goals.save(changed[0])
            await conv.work.goals.add_revision(changed[1])
            again = not is_draft(row) and row.client_id is not None
            conv.emit(Say(Msg(N_("goals.changed_draft_again") if again else N_("goals.changed"))))
        await self.load(conv)

    async def save_status(self, event: Any) -> None:
        conv: Conversation = event.model
        row = await self.own_goal(conv)
        if row is None:
            await self.gone(conv)
            return
        changed = set_status(row, value(event).removeprefix(STATUS), conv.now)
        if changed is not None:
            await conv.work.goals.save(changed[0])
            await conv.work.goals.add_revision(changed[1])
            conv.emit(Say(Msg(N_("goals.status_saved"), {"status": Msg(STATUS_TEXT[changed[0].status])})))
        await self.load(conv)

    async def gone(self, conv: Conversation) -> None:
        """The goal was deleted meanwhile: said, and the plan as it is now."""
        conv.emit(Say(Msg(N_("goals.gone"))))
        conv.data.pop("editing", None)
        await self.load(conv)


def goals_flow(instrument: Instrument, services: RegionServices | None = None) -> FlowSpec:
    """/goals: the plan, a new goal one question at a time, and changing any answer or the status later."""
    steps = GoalsSteps(instrument, services)
    # One guard each (where the answer goes, then whether it is usable): `transitions` runs a transition's
    # conditions together, so a usable-answer check of its own would answer a bad date once per transition.
    answered: list[dict[str, Any]] = [
        dict(trigger=trigger, source="write", dest=dest, conditions=[guard], before=before)
        for trigger in ("text", "choose")
        for dest, guard, before in (("goal", steps.took_change, [steps.save_edit]),
                                    ("write", steps.took_next, [steps.next_field]),
                                    ("plan", steps.took_last, [steps.create]))
    ]
    return FlowSpec(
        name=NAME, version=VERSION, states=["plan", "area", "write", "goal", "reached", "helped", "closed"],
        initial="plan",
        transitions=[
            dict(trigger="choose", source="plan", dest="closed", conditions=[chose(CLOSE)]),
            dict(trigger="choose", source="plan", dest="area", conditions=[steps.chose_new]),
            dict(trigger="choose", source="plan", dest="goal", conditions=[steps.chose_goal]),
            dict(trigger="choose", source="area", dest="plan", conditions=[chose(BACK)]),
            dict(trigger="choose", source="area", dest="write", conditions=[steps.chose_area],
                 before=[steps.start_draft]),
            dict(trigger="choose", source="write", dest="goal", conditions=[chose(BACK), editing],
                 before=[steps.stop_editing]),
            dict(trigger="choose", source="write", dest="plan", conditions=[chose(BACK)], before=[steps.drop_draft]),
            *answered,
            dict(trigger="choose", source="goal", dest="write", conditions=[steps.chose_edit]),
            dict(trigger="choose", source="goal", dest="goal", conditions=[steps.chose_status],
                 before=[steps.save_status]),
            dict(trigger="choose", source="goal", dest="plan", conditions=[chose(PLAN)]),
            *followup_transitions(steps.links),
        ],
        views={"plan": steps.view_plan, "area": steps.view_area, "write": steps.view_write, "goal": steps.view_goal,
               "reached": steps.links.view_reached, "helped": steps.links.view_helped},
        help_key=N_("goals.help"), final=frozenset({"closed"}), on_start=steps.on_start, refresh=steps.refresh,
        allowed=not_staff, controls=False, resumable=True, in_progress=writing,
    )


def editing(event: Any) -> bool:
    return "editing" in event.model.data


def more_fields(event: Any) -> bool:
    data = event.model.data
    return "editing" not in data and GOAL_FIELDS.index(data["field"]) + 1 < len(GOAL_FIELDS)


def last_field(event: Any) -> bool:
    data = event.model.data
    return "editing" not in data and GOAL_FIELDS.index(data["field"]) + 1 == len(GOAL_FIELDS)
