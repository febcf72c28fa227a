"""A worker's ESY groups (#12 §5): create a group (a name, a period) with a join code, see the code again, open
a round (the whole circle, or one area for a group session) that members are told of, see the totals, close it.

The worker sees a group only as totals (flows/esy/group_stats.py): per round how many answered, and from five
answers up per area the median, how many are low, in the middle or high, and the median's change from the round
before. Never whose answer is whose, not even a linked client's.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flows.core.codes import code_hash, group_code, new_salt
from flows.core.dates import HELSINKI, as_day, example_day, parse_due, read_day, too_far
from flows.core.guards import chose, value
from flows.core.messages import N_, Example, Lines, Msg, Number, Param, When, dump_msg
from flows.core.quiet import DEFAULT_QUIET, QuietHours
from flows.core.results import Ask, Option, Say
from flows.core.spec import Conversation, FlowSpec, Who
from flows.esy.group_rounds import PUSH
from flows.esy.group_stats import AreaTotals, RoundTotals, group_totals
from flows.esy.instrument import Instrument
from flows.identity.regions import can_see
from storage.ports import AuditRow, GroupRow, OutboxRow, RoundRow

NAME = "groups"
VERSION = 1
NEW, CLOSE, BACK, ROUND, WHOLE, AREA, END, YES, NO = (
    "new", "close", "back", "round", "whole", "area", "end", "yes", "no")
GROUP, AREA_PREFIX = "group:", "area:"
FLOW = "esy"  # the flow a round's notice opens (flows/esy/esy.py NAME)
FOLLOW_UP_DAYS = 90  # "about three months after" (seed 004 ch. 3.1): the example end of a new group


def may_run_groups(who: Who) -> bool:
    """Workers and coordinators run groups."""
    return who.is_worker or who.is_coordinator


async def audit(conv: Conversation, action: str) -> None:
    """Write which group the worker acted on."""
    await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key),
        action, f"group:{conv.data['group']}", region=conv.who.region))


def today(conv: Conversation) -> date:
    return conv.now.astimezone(HELSINKI).date()


def period(starts: str, ends: str) -> dict[str, Param]:
    """A group's period as message parameters."""
    return {"starts": as_day(date.fromisoformat(starts)), "ends": as_day(date.fromisoformat(ends))}


def date_example(conv: Conversation) -> Example:
    return Example(example_day(conv.now, 7), clock=False)


class GroupSteps:
    """The steps that need the code secret, the instrument (its areas and scale) and the quiet hours."""

    def __init__(self, secret: str, instrument: Instrument, quiet: QuietHours = DEFAULT_QUIET) -> None:
        self.secret, self.instrument, self.quiet = secret, instrument, quiet
        self.areas = {area.id: area for area in instrument.areas}

    # --- reading ---------------------------------------------------------------------------------------
    async def load_list(self, conv: Conversation) -> None:
        """The worker's own groups, oldest first."""
        staff = conv.who.staff
        rows = await conv.work.groups.for_staff(staff.id or 0) if staff is not None else []
        conv.data["groups"] = [[row.id, row.name, row.starts_on.isoformat(), row.ends_on.isoformat(),
                                row.closed_at is not None] for row in rows]

    async def on_start(self, conv: Conversation) -> None:
        await self.load_list(conv)

    async def reload_list(self, event: Any) -> None:
        event.model.data.pop("group", None)
        await self.load_list(event.model)

    async def load_card(self, conv: Conversation, group_id: int) -> bool:
        """One of the worker's groups as its card shows it: the code, the members, each round's totals."""
        group = await conv.work.groups.get(group_id)
        staff = conv.who.staff
        if group is None or staff is None or group.created_by != staff.id or not can_see(staff, group):
            return False
        rounds = await conv.work.groups.rounds(group_id)
        answered = [await self.round_answers(conv, row) for row in rounds]
        totals = group_totals([(scores, self.round_areas(row)) for row, scores in zip(rounds, answered, strict=True)],
                              self.instrument.scale_min, self.instrument.scale_max)
        conv.data["group"] = group_id
        conv.data["card"] = {
            "name": group.name, "starts": group.starts_on.isoformat(), "ends": group.ends_on.isoformat(),
            "code": group_code(self.secret, group.code_salt), "closed": group.closed_at is not None,
            "members": len(await conv.work.groups.members(group_id)),
            "rounds": [self.round_card(row, total) for row, total in zip(rounds, totals, strict=True)],
        }
        return True

    async def round_answers(self, conv: Conversation, row: RoundRow) -> list[dict[str, float | None]]:
        """The area scores of the round's answers, oldest first (the totals grow five at a time from the oldest),
        without whose they are (an assessment deleted is not one)."""
        scores = []
        answers = sorted(await conv.work.groups.answers(row.id or 0), key=lambda a: (a.answered_at, a.user_key))
        for answer in answers:
            assessment = await conv.work.assessments.get(answer.assessment_id)
            if assessment is not None and assessment.user_key == answer.user_key:
                scores.append(assessment.area_scores)
        return scores

    def round_areas(self, row: RoundRow) -> list[str]:
        """The areas a round asked: all of them, or a session's one."""
        return [row.area] if row.area is not None else list(self.areas)

    @staticmethod
    def round_card(row: RoundRow, totals: RoundTotals) -> dict[str, Any]:
        """A round's totals as plain data for the card (what the view words)."""
        return {"area": row.area, "opened": row.opened_at.isoformat(), "answered": totals.answered,
                "shown": totals.shown, "hidden": list(totals.hidden), "counted": totals.counted,
                "areas": [[a.area, a.rated, a.median, a.low, a.middle, a.high, a.change] for a in totals.areas]}

    # --- what each state asks ------------------------------------------------------------------------------
    def view_list(self, conv: Conversation) -> Ask:
        options = [Option(f"{GROUP}{group_id}", Msg(N_("groups.item_closed") if closed else N_("groups.item"),
                                                    {"name": name, **period(starts, ends)}))
                   for group_id, name, starts, ends, closed in conv.data["groups"]]
        prompt = Msg(N_("groups.list") if options else N_("groups.none"))
        return Ask(prompt, (*options, Option(NEW, Msg(N_("groups.new"))), Option(CLOSE, Msg(N_("clients.close")))))

    def view_card(self, conv: Conversation) -> Ask:
        card = conv.data["card"]
        rounds = tuple(self.round_lines(number, item) for number, item in enumerate(card["rounds"], 1))
        prompt = Msg(N_("groups.card"), {
            "name": card["name"], **period(card["starts"], card["ends"]), "code": card["code"],
            "members": card["members"],
            "status": Msg(N_("groups.status_closed") if card["closed"] else N_("groups.status_open")),
            "rounds": Lines(rounds, "\n\n") if rounds else Msg(N_("groups.no_rounds"))})
        options = [] if card["closed"] else [Option(ROUND, Msg(N_("groups.open_round"))),
                                             Option(END, Msg(N_("groups.close_group")))]
        return Ask(prompt, (*options, Option(BACK, Msg(N_("clients.back")))))

    def round_lines(self, number: int, item: dict[str, Any]) -> Msg:
        """One round on the card: what it asked, when, how many answered, and its totals if five did."""
        opened = datetime.fromisoformat(item["opened"])
        what = (Msg(N_("groups.round_whole"), {"number": number, "date": opened}) if item["area"] is None else
                Msg(N_("groups.round_area"), {"number": number, "date": opened,
                                              "area": self.area_name(item["area"])}))
        if not item["shown"]:
            return Msg(N_("groups.round_hidden"), {"round": what, "count": item["answered"]})
        lines: list[Param] = [self.area_line(AreaTotals(*row)) for row in item["areas"]]
        lines += [Msg(N_("groups.area_hidden"), {"area": self.area_name(area)}) for area in item["hidden"]]
        if item.get("counted", item["answered"]) < item["answered"]:
            lines.append(Msg(N_("groups.round_batched"), {"counted": item["counted"]}))
        return Msg(N_("groups.round_shown"), {"round": what, "count": item["answered"], "lines": Lines(tuple(lines))})

    def area_line(self, totals: AreaTotals) -> Msg:
        """An area's median and spread; with the median's change from the round before, where there is one."""
        line = Msg(N_("groups.area_line"), {
            "area": self.area_name(totals.area), "median": Number(totals.median), "max": self.instrument.scale_max,
            "low": totals.low, "middle": totals.middle, "high": totals.high})
        if totals.change is None:
            return line
        return Msg(N_("groups.area_change"), {"line": line, "change": Number(totals.change, signed=True)})

    def area_name(self, area: str) -> Param:
        found = self.areas.get(area)
        return found.name if found is not None else area

    def view_round_kind(self, conv: Conversation) -> Ask:
        return Ask(Msg(N_("groups.round_kind"), {"members": conv.data["card"]["members"]}), (
            Option(WHOLE, Msg(N_("groups.round_whole_button"))), Option(AREA, Msg(N_("groups.round_area_button"))),
            Option(BACK, Msg(N_("clients.back")))))

    def view_round_area(self, conv: Conversation) -> Ask:
        options = tuple(Option(f"{AREA_PREFIX}{area.id}", area.name) for area in self.instrument.areas)
        return Ask(Msg(N_("groups.round_choose_area")), (*options, Option(BACK, Msg(N_("clients.back")))))

    def view_confirm_close(self, conv: Conversation) -> Ask:
        return Ask(Msg(N_("groups.confirm_close"), {"name": conv.data["card"]["name"]}),
                   (Option(YES, Msg(N_("groups.close_yes"))), Option(NO, Msg(N_("groups.close_no")))))

    # --- guards ----------------------------------------------------------------------------------------
    async def chose_group(self, event: Any) -> bool:
        """One of the worker's own groups was tapped."""
        chosen = value(event)
        return chosen.startswith(GROUP) and chosen.removeprefix(GROUP).isdigit() and await self.load_card(
            event.model, int(chosen.removeprefix(GROUP)))

    def chose_area(self, event: Any) -> bool:
        return value(event).removeprefix(AREA_PREFIX) in self.areas and value(event).startswith(AREA_PREFIX)

    # --- effects ---------------------------------------------------------------------------------------
    async def create(self, event: Any) -> None:
        """The group is stored with a fresh code (derived again, never stored) and its card shown."""
        conv: Conversation = event.model
        staff = conv.who.staff
        assert staff is not None and staff.id is not None
        salt = new_salt()
        while await conv.work.groups.by_code(code_hash(self.secret, group_code(self.secret, salt))) is not None:
            salt = new_salt()  # two groups never share a code
        draft = conv.data.pop("draft")
        group_id = await conv.work.groups.add(GroupRow(
            draft["name"], date.fromisoformat(draft["starts"]), date.fromisoformat(draft["ends"]), staff.id,
            conv.now, code_hash(self.secret, group_code(self.secret, salt)), salt, region=staff.region))
        await self.load_card(conv, group_id)
        await audit(conv, "group.created")
        conv.emit(Say(Msg(N_("groups.created"), {"name": draft["name"], "code": conv.data["card"]["code"]})))

    async def open_round(self, event: Any) -> None:
        """A round for the whole circle or one area; each member is told, outside quiet hours."""
        conv: Conversation = event.model
        staff = conv.who.staff
        group = await conv.work.groups.get(conv.data["group"])
        assert staff is not None and group is not None
        area = value(event).removeprefix(AREA_PREFIX) if value(event).startswith(AREA_PREFIX) else None
        if group.closed_at is not None:
            conv.emit(Say(Msg(N_("groups.already_closed"))))
            return
        await conv.work.groups.add_round(RoundRow(group.id or 0, staff.id or 0, conv.now, area))
        due = self.quiet.next_end(conv.now) if self.quiet.contains(conv.now) else conv.now
        notice = (Msg(N_("groups.round_notice"), {"group": group.name}) if area is None else
                  Msg(N_("groups.round_notice_area"), {"group": group.name, "area": self.area_name(area)}))
        members = await conv.work.groups.members(group.id or 0)
        for member in members:
            await conv.work.outbox.add(OutboxRow(member.user_key, PUSH, {**dump_msg(notice), "flow": FLOW}, due))
        await audit(conv, "group.round_opened")
        conv.emit(Say(Msg(N_("groups.round_opened"), {"members": len(members), "when": When(due)})))
        await self.load_card(conv, group.id or 0)

    async def close_group(self, event: Any) -> None:
        """The code no longer joins and no round opens; members and their totals stay (they may leave)."""
        conv: Conversation = event.model
        group = await conv.work.groups.get(conv.data["group"])
        assert group is not None
        group.closed_at = conv.now
        await conv.work.groups.save(group)
        await audit(conv, "group.closed")
        conv.emit(Say(Msg(N_("groups.closed"), {"name": group.name})))
        await self.load_card(conv, group.id or 0)


# --- the new group's name and period (no secret needed) ----------------------------------------------------
def view_name(conv: Conversation) -> Ask:
    return Ask(Msg(N_("groups.ask_name")), (Option(BACK, Msg(N_("clients.back"))),), free_text=True, max_length=60)


def view_starts(conv: Conversation) -> Ask:
    return Ask(Msg(N_("groups.ask_starts"), {"example": date_example(conv)}), free_text=True, max_length=40)


def view_ends(conv: Conversation) -> Ask:
    """The end, with an example about three months after the start (when the seeds' groups filled it again)."""
    starts = date.fromisoformat(conv.data["draft"]["starts"]) + timedelta(days=FOLLOW_UP_DAYS)
    example = Example(datetime.combine(starts, datetime.min.time(), HELSINKI), clock=False)
    return Ask(Msg(N_("groups.ask_ends"), {"example": example}), free_text=True, max_length=40)


def record_name(event: Any) -> None:
    event.model.data["draft"] = {"name": event.kwargs["text"]}


def typed_day(event: Any, earliest: date | None = None) -> date | None:
    """The typed day (one without a year: on or after ``earliest``, or this year if it has just passed), or None
    after saying how to write one (or that it is too far ahead)."""
    conv: Conversation = event.model
    text = event.kwargs["text"]
    day = parse_due(text, today(conv)) if earliest is None else read_day(text, earliest)
    if day is None:
        conv.emit(Say(Msg(N_("groups.bad_date"), {"example": date_example(conv)})))
        return None
    if (far := too_far(day, conv.now)) is not None:
        conv.emit(Say(far))
        return None
    return day


def valid_start(event: Any) -> bool:
    day = typed_day(event)
    if day is not None:
        event.model.data["draft"]["starts"] = day.isoformat()
    return day is not None


def valid_end(event: Any) -> bool:
    """An end on or after the start (the period is the group's, about three months as the seeds' groups)."""
    starts = date.fromisoformat(event.model.data["draft"]["starts"])
    day = typed_day(event, starts)
    if day is None:
        return False
    if day < starts:
        event.model.emit(Say(Msg(N_("groups.end_before_start"), {"starts": as_day(starts)})))
        return False
    event.model.data["draft"]["ends"] = day.isoformat()
    return True


def groups_flow(secret: str, instrument: Instrument, quiet: QuietHours = DEFAULT_QUIET) -> FlowSpec:
    """A worker's groups; ``secret`` derives and keys the join codes, ``quiet`` holds the rounds' notices."""
    steps = GroupSteps(secret, instrument, quiet)
    return FlowSpec(
        name=NAME,
        version=VERSION,
        states=["list", "name", "starts", "ends", "group", "round_kind", "round_area", "confirm_close", "closed"],
        initial="list",
        transitions=[
            dict(trigger="choose", source="list", dest="group", conditions=[steps.chose_group]),
            dict(trigger="choose", source="list", dest="name", conditions=[chose(NEW)]),
            dict(trigger="choose", source="list", dest="closed", conditions=[chose(CLOSE)]),
            dict(trigger="text", source="name", dest="starts", before=[record_name]),
            dict(trigger="choose", source="name", dest="list", conditions=[chose(BACK)]),
            dict(trigger="text", source="starts", dest="ends", conditions=[valid_start]),
            dict(trigger="text", source="ends", dest="group", conditions=[valid_end], before=[steps.create]),
            dict(trigger="choose", source="group", dest="round_kind", conditions=[chose(ROUND)]),
            dict(trigger="choose", source="group", dest="confirm_close", conditions=[chose(END)]),
            dict(trigger="choose", source="group", dest="list", conditions=[chose(BACK)],
                 before=[steps.reload_list]),
            dict(trigger="choose", source="round_kind", dest="group", conditions=[chose(WHOLE)],
                 before=[steps.open_round]),
            dict(trigger="choose", source="round_kind", dest="round_area", conditions=[chose(AREA)]),
            dict(trigger="choose", source="round_kind", dest="group", conditions=[chose(BACK)]),
            dict(trigger="choose", source="round_area", dest="group", conditions=[steps.chose_area],
                 before=[steps.open_round]),
            dict(trigger="choose", source="round_area", dest="round_kind", conditions=[chose(BACK)]),
            dict(trigger="choose", source="confirm_close", dest="group", conditions=[chose(YES)],
                 before=[steps.close_group]),
            dict(trigger="choose", source="confirm_close", dest="group", conditions=[chose(NO)]),
        ],
        views={"list": steps.view_list, "name": view_name, "starts": view_starts, "ends": view_ends,
               "group": steps.view_card, "round_kind": steps.view_round_kind, "round_area": steps.view_round_area,
               "confirm_close": steps.view_confirm_close},
        help_key=N_("groups.help"),
        final=frozenset({"closed"}),
        on_start=steps.on_start,
        allowed=may_run_groups,
        position_keys=("group", "draft"),
        # Past a created group, an opened round or a closing there is no going back over it.
        settled=frozenset({"group"}),
        reload=True,
    )
