"""A network meeting, on the responsible worker's side: set it up, record the promises, and finish the record
with the next meeting (or the end of the work). The memo goes to everyone reachable, in their own language.

Reminders and check-ins are outbox rows with a due time and a "useful until"; consent (d) is checked when they
are sent, and a person who blocked the bot is marked unreachable then. The rules of the record (what makes a
meeting held, its follow-up, the memo) are in rules.py; when reminders are due, in reminders.py.

The steps, in the order of the table in `meeting_flow`:
- overview: `view_overview`; `MeetingSteps.on_start` / `MeetingSteps.refresh` load it (`load`)
- planning: `view_when` + `valid_when`, `view_kind` + `chose_place` / `place_kind`, `view_place` +
  `MeetingSteps.create`
- links and people: `MeetingSteps.links`, `chose_relink` + `MeetingSteps.relink`, `view_add_person` +
  `add_person`, `view_confirm_cancel` + `cancel_meeting`
- the record: `view_record` + `chose_person` / `open_person`, `view_promise` + `promise_text`, `view_due` +
  `due_for_goal` / `due_without_goal` + `add_promise`, then (if the client has goals going) `view_promise_goal`
  + `link_goal` / `no_goal` (flows/meetings/goal_links.py)
- finishing: `view_finish` / `view_next` + `valid_next`, `view_end` + `valid_end`, `MeetingSteps.finish`,
  `no_next_yet`
- the end of the work: `view_reflect` + `start_reflection`, `more_reflection`, `reflect`, `reflected`
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flows.core.codes import code_hash, link_payload, new_code
from flows.core.dates import HELSINKI, ROLL_OVER, as_day, due_from, example_moment, parse_day, read_moment
from flows.core.guards import chose, near_enough, value
from flows.core.hooks import ClientGoals
from flows.core.messages import N_, DeepLink, Example, Lines, LocalText, Msg, When, dump_msg
from flows.core.quiet import QuietHours
from flows.core.results import Ask, Document, Option, Say, dump_results
from flows.core.spec import Conversation, FlowSpec, Who
from flows.meetings.goal_links import (
    LINKING,
    chose_goal,
    chose_no_goal,
    going,
    link_goal,
    load_goals,
    no_goal,
    with_goal,
)
from flows.meetings.goal_links import view_goal as view_promise_goal
from flows.meetings.prep_goals import memo_lines
from flows.meetings.preparation import needs_storage, responsible_client, storage_allowed
from flows.meetings.promises import NAME as PROMISES
from flows.meetings.promises import due_example, due_for_goal, due_without_goal
from flows.meetings.reminders import checkin_time, meeting_reminders
from flows.meetings.rules import (
    carried_over,
    checkin_until,
    current_meeting,
    follow_up,
    held,
    last_held,
    link_expires,
    link_usable,
    memo,
    memo_document,
    promise_line,
    sees_topics,
    work_ended,
)
from storage.ports import AuditRow, EvaluationRow, MeetingRow, OutboxRow, ParticipantRow, PromiseRow

NAME = "meeting"
VERSION = 1
PLACES = ("home", "school", "office", "outdoors", "online", "hybrid")
PLACE_TITLE = {"home": N_("meeting.place_home"), "school": N_("meeting.place_school"),
               "office": N_("meeting.place_office"), "outdoors": N_("meeting.place_outdoors"),
               "online": N_("meeting.place_online"), "hybrid": N_("meeting.place_hybrid")}
BACK, PLAN, RECORD, CANCEL_MEETING, FINISH, NEXT, END, YES, NO, LINKS, ADD_PERSON = (
    "back", "plan", "record", "cancel_meeting", "finish", "next", "end", "yes", "no", "links", "add_person")
FIRST_WITHIN = timedelta(days=7)
MAX_TEXT = 500
REMINDER, CHECKIN = "reminder", "checkin"
SKIP = "skip"
# The worker pair's reflection when the work ends.
REFLECTION = ("succeeded", "hard", "learned", "develop")
REFLECTION_TEXT = {"succeeded": N_("meeting.reflect_succeeded"), "hard": N_("meeting.reflect_hard"),
                   "learned": N_("meeting.reflect_learned"), "develop": N_("meeting.reflect_develop")}
STATUS_TITLE = {"open": N_("meeting.status_open"), "done": N_("meeting.status_done"),
                "help": N_("meeting.status_help")}


def meeting_flow(before: tuple[timedelta, ...], quiet: QuietHours, secret: str, storage: LocalText,
                 goals: ClientGoals | None = None) -> FlowSpec:
    """The meeting screens of a client's responsible worker; ``before`` and ``quiet`` time the reminders,
    ``secret`` keys the join links, ``storage`` is the title of consent (c), ``goals`` finds the client's goals
    (a promise may be for one)."""
    steps = MeetingSteps(before, quiet, secret, storage, goals)
    return FlowSpec(
        name=NAME, version=VERSION,
        states=["overview", "when", "kind", "place", "record", "promise", "due", "goal", "finish", "next", "end",
                "confirm_cancel", "add_person", "reflect", "left"],
        initial="overview",
        transitions=[
            dict(trigger="choose", source="overview", dest="left", conditions=[chose(BACK)]),
            dict(trigger="choose", source="overview", dest="when", conditions=[chose(PLAN)]),
            dict(trigger="text", source="when", dest="kind", conditions=[valid_when]),
            dict(trigger="text", source="when", dest="when"),
            dict(trigger="choose", source=["when", "place"], dest="overview", conditions=[chose(BACK)]),
            dict(trigger="choose", source="kind", dest="place", conditions=[chose_place], after=[place_kind]),
            dict(trigger="text", source="place", dest="overview", after=[steps.create]),
            dict(trigger="choose", source="overview", dest="record", conditions=[chose(RECORD)]),
            dict(trigger="choose", source="overview", dest="overview", conditions=[chose(LINKS)],
                 after=[steps.links]),
            dict(trigger="choose", source="overview", dest="overview", conditions=[chose_relink],
                 after=[steps.relink]),
            dict(trigger="choose", source="overview", dest="add_person", conditions=[chose(ADD_PERSON)]),
            dict(trigger="text", source="add_person", dest="overview", after=[add_person]),
            dict(trigger="choose", source="add_person", dest="overview", conditions=[chose(BACK)]),
            dict(trigger="choose", source="overview", dest="confirm_cancel", conditions=[chose(CANCEL_MEETING)]),
            dict(trigger="choose", source="confirm_cancel", dest="overview", conditions=[chose(YES)],
                 after=[cancel_meeting]),
            dict(trigger="choose", source="confirm_cancel", dest="overview", conditions=[chose(NO)]),
            dict(trigger="choose", source="record", dest="promise", conditions=[chose_person], after=[open_person]),
            dict(trigger="choose", source="record", dest="overview", conditions=[chose(BACK)]),
            dict(trigger="text", source="promise", dest="due", after=[promise_text]),
            dict(trigger="choose", source=["promise", "due"], dest="record", conditions=[chose(BACK)]),
            dict(trigger="text", source="due", dest="goal", conditions=[due_for_goal], after=[add_promise]),
            dict(trigger="text", source="due", dest="record", conditions=[due_without_goal], after=[add_promise]),
            dict(trigger="text", source="due", dest="due"),
            dict(trigger="choose", source="goal", dest="record", conditions=[chose_goal], after=[link_goal, reload]),
            dict(trigger="choose", source="goal", dest="record", conditions=[chose_no_goal], after=[no_goal]),
            dict(trigger="choose", source="record", dest="finish", conditions=[chose(FINISH)]),
            dict(trigger="choose", source="finish", dest="next", conditions=[chose(NEXT)]),
            dict(trigger="choose", source="finish", dest="end", conditions=[chose(END)]),
            dict(trigger="choose", source="finish", dest="record", conditions=[chose(BACK)]),
            dict(trigger="text", source="finish", dest="overview", conditions=[valid_next], after=[steps.finish]),
            dict(trigger="text", source="finish", dest="finish", after=[no_next_yet]),
            dict(trigger="text", source="next", dest="overview", conditions=[valid_next], after=[steps.finish]),
            dict(trigger="text", source="next", dest="next"),
            dict(trigger="text", source="end", dest="reflect", conditions=[valid_end],
                 after=[steps.finish, start_reflection]),
            dict(trigger="text", source="reflect", dest="reflect", conditions=[more_reflection], before=[reflect]),
            dict(trigger="text", source="reflect", dest="overview", before=[reflect], after=[reflected]),
            dict(trigger="choose", source="reflect", dest="reflect", conditions=[chose(SKIP), more_reflection],
                 before=[reflect]),
            dict(trigger="choose", source="reflect", dest="overview", conditions=[chose(SKIP)], before=[reflect],
                 after=[reflected]),
            dict(trigger="text", source="end", dest="end"),
            dict(trigger="choose", source=["next", "end"], dest="finish", conditions=[chose(BACK)]),
        ],
        views={"overview": view_overview, "when": view_when, "kind": view_kind, "place": view_place,
               "record": view_record, "promise": view_promise, "due": view_due, "goal": view_promise_goal,
               "finish": view_finish,
               "next": view_next, "end": view_end, "confirm_cancel": view_confirm_cancel,
               "add_person": view_add_person, "reflect": view_reflect},
        help_key=N_("meeting.help"), final=frozenset({"left"}), on_start=steps.on_start, refresh=steps.refresh,
        allowed=is_worker, controls=False, resumable=True, reload=True,
    )


class MeetingSteps:
    """The steps that need the flow's settings: consent (c)'s title, the reminder offsets and quiet hours, and
    the secret that keys the participants' join links."""

    def __init__(self, before: tuple[timedelta, ...], quiet: QuietHours, secret: str, storage: LocalText,
                 goals: ClientGoals | None = None) -> None:
        self.before, self.quiet, self.secret, self.storage = before, quiet, secret, storage
        self.goals = goals

    # --- opening and reloading --------------------------------------------------------------------------
    async def on_start(self, conv: Conversation) -> None:
        """Only the responsible worker of a client who allowed storing (consent (c)) sees the meetings."""
        client_id = await responsible_client(conv, conv.data.get("client_id"))
        if client_id is None:
            conv.emit(Say(Msg(N_("error.not_available"))))
            conv.state = "left"
            return
        if not await storage_allowed(conv, client_id):
            # Meeting notes and promises are stored things: consent (c).
            conv.emit(Say(needs_storage(conv, self.storage)))
            conv.state = "left"
            return
        await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key), "client.meeting.view",
                                           f"client:{client_id}", region=conv.who.region))
        await load(conv)
        await load_goals(conv, self.goals, client_id)

    async def refresh(self, conv: Conversation) -> None:
        """Things change under the worker: the client may have ended the work, withdrawn consent (c) or
        been forgotten. Then the meeting screens end here, keeping nothing of the client."""
        if "client_id" not in conv.data or conv.state == "left":
            return
        client_id = conv.data["client_id"]
        gone = await responsible_client(conv, client_id) is None
        if gone or not await storage_allowed(conv, client_id):
            conv.data.clear()
            conv.emit(Say(Msg(N_("error.not_available")) if gone else needs_storage(conv, self.storage)))
            conv.state = "left"
            return
        await load(conv)
        await load_goals(conv, self.goals, client_id)

    # --- planning ---------------------------------------------------------------------------------------
    async def create(self, event: Any) -> None:
        """The meeting, with the client and this worker on it, and the people the client chose to invite."""
        conv: Conversation = event.model
        staff = conv.who.staff
        client = await conv.work.clients.get(conv.data["client_id"])
        assert staff is not None and staff.id is not None and client is not None and client.id is not None
        starts = datetime.fromisoformat(conv.data["when"])
        meeting = MeetingRow(client.id, staff.id, conv.now, starts, conv.data["kind"], event.kwargs["text"],
                             follows=conv.data.get("follows"))
        meeting.id = await conv.work.meetings.add(meeting)
        await participants(conv, meeting.id, client.nickname, client.user_key)
        await self.remind_everyone(conv, meeting)
        where = place_text(meeting.place_kind, meeting.place)
        conv.emit(Say(Msg(N_("meeting.planned"), {"when": When(starts), "place": where})))
        invitation = Document("meeting_ics", {"starts_at": starts.isoformat(), "place": meeting.place,
                                              "organiser": staff.name, "generated_at": conv.now.isoformat()},
                              Msg(N_("meeting.ics_caption")))
        conv.emit(invitation)
        if client.user_key:
            # The young person hears of it when it is booked, not first from a reminder or the memo, with the same
            # calendar file (time, place and who invites: nothing about them).
            await conv.work.outbox.add(OutboxRow(client.user_key, "notify", {**dump_msg(Msg(
                N_("meeting.booked_notice"), {"when": When(starts), "place": where})),
                "attach": dump_results([invitation])}, conv.now))
        await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key), "client.meeting.planned",
                                           f"client:{client.id}", region=conv.who.region))
        await load(conv)

    async def remind_everyone(self, conv: Conversation, meeting: MeetingRow) -> None:
        """Reminders before the meeting for everyone Kaari can write to (the client only with consent (d),
        which the ticker checks when it sends)."""
        assert meeting.id is not None
        for person in await conv.work.meetings.participants(meeting.id):
            if person.user_key:
                await remind(conv, meeting, person.user_key, self.before, self.quiet)

    # --- join links -------------------------------------------------------------------------------------
    async def links(self, event: Any) -> None:
        """A one-time link for each participant not yet in Kaari: the worker passes it on. Joining shows them
        this meeting's memo and their own promises, and sends them reminders; nothing about the client."""
        conv: Conversation = event.model
        meeting = await conv.work.meetings.get(conv.data["meeting"]["id"])
        assert meeting is not None and meeting.id is not None
        lines = []
        for person in await conv.work.meetings.participants(meeting.id):
            if person.role != "other" or person.user_key is not None:
                continue
            if link_usable(person, conv.now):
                # A link already handed out keeps working: only the names are listed again.
                lines.append(Msg(N_("meeting.link_given"), {"name": person.name}))
                continue
            lines.append(await self.new_link(conv, meeting, person))
        await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key), "client.meeting.links",
                                           f"client:{meeting.client_id}", region=conv.who.region))
        conv.emit(Say(Msg(N_("meeting.links_made"), {"links": Lines(tuple(lines), "\n\n")})))
        await load(conv)

    async def relink(self, event: Any) -> None:
        """A new link for someone who lost theirs: the old one stops working at once."""
        conv: Conversation = event.model
        person = await conv.work.meetings.participant(int(value(event)[7:]))
        meeting = await conv.work.meetings.get(conv.data["meeting"]["id"])
        assert person is not None and meeting is not None
        line = await self.new_link(conv, meeting, person)
        await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key), "client.meeting.links",
                                           f"client:{meeting.client_id}", region=conv.who.region))
        conv.emit(Say(Msg(N_("meeting.links_made"), {"links": line})))
        await load(conv)

    async def new_link(self, conv: Conversation, meeting: MeetingRow, person: ParticipantRow) -> Msg:
        """A fresh one-time code for ``person`` (only its keyed hash is stored), as the line the worker passes on."""
        code = new_code()
        person.join_hash, person.join_expires_at = code_hash(self.secret, code), link_expires(meeting)
        await conv.work.meetings.save_participant(person)
        return Msg(N_("meeting.link_line"), {"name": person.name, "code": code, "link": DeepLink(link_payload(code))})

    # --- finishing the record ---------------------------------------------------------------------------
    async def finish(self, event: Any) -> None:
        """The record is finished only with the next meeting's date or the work's end date (as in Neppi)."""
        conv: Conversation = event.model
        stored = await conv.work.meetings.get(conv.data["meeting"]["id"])
        assert stored is not None and stored.id is not None
        nxt = conv.data.pop("next", None)
        meeting = held(stored, datetime.fromisoformat(nxt) if nxt else None,
                       None if nxt else date.fromisoformat(conv.data.pop("end")))
        await conv.work.meetings.save(meeting)
        people = await conv.work.meetings.participants(stored.id)
        promises = await conv.work.meetings.promises(stored.id)
        draft = await conv.work.preparations.get(meeting.client_id)
        goals = memo_lines(conv, draft.data if draft else {})
        full = await send_memos(conv, meeting, people, promises, goals)
        await self.checkins(conv, people, promises)
        await invite_feedback(conv, meeting)
        await self.plan_follow_up(conv, meeting, people)
        conv.emit(Say(full))
        conv.emit(Document("meeting_memo", memo_document(meeting, people, promises, conv.data["nickname"], conv.now,
                                                         goals), Msg(N_("meeting.memo_caption"))))
        await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key), "client.meeting.recorded",
                                           f"client:{meeting.client_id}", region=conv.who.region))
        await load(conv)

    async def checkins(self, conv: Conversation, people: list[ParticipantRow], promises: list[PromiseRow]) -> None:
        """A check-in before each promise's due date for its owner, if Kaari can write to them."""
        for promise in promises:
            owner = next((p for p in people if p.id == promise.participant_id), None)
            at = checkin_time(promise.due, conv.now, self.quiet)
            if owner is not None and owner.user_key and at is not None:
                # Opens "My promises" for them, with its Done / Need help buttons.
                await conv.work.outbox.add(OutboxRow(owner.user_key, CHECKIN, {**dump_msg(Msg(
                    N_("meeting.checkin"), {"promise": promise.text, "due": as_day(promise.due)})),
                    "until": checkin_until(promise.due).isoformat(), "flow": PROMISES, "promise": promise.id}, at))

    async def plan_follow_up(self, conv: Conversation, meeting: MeetingRow, people: list[ParticipantRow]) -> None:
        """The agreed next meeting, with the same people, and its reminders."""
        nxt = follow_up(meeting, conv.now)
        if nxt is None:
            return
        nxt.id = await conv.work.meetings.add(nxt)
        for person in people:
            await conv.work.meetings.add_participant(carried_over(person, nxt.id))
        await self.remind_everyone(conv, nxt)


# --- who, and the typed times ---------------------------------------------------------------------------


def is_worker(who: Who) -> bool:
    return who.is_worker


def parse_when(text: str, today: date) -> datetime | None:
    """ "27.11. klo 14.00", "27.11. 14:00", "27.11.2026 14.30", "2026-11-27 14:00", "Fri 27 Nov, 14:00" -> a
    Helsinki time (this year, or next if the day passed long ago)."""
    read = read_moment(text, today - ROLL_OVER)
    return datetime.combine(read[0], read[1], tzinfo=HELSINKI) if read else None


def parse_end(text: str, today: date) -> date | None:
    """An end date, which may be today or already past ("4.12." is this year's)."""
    day = parse_day(text, date(today.year, 1, 1))
    return day if day is not None and day <= today + timedelta(days=365) else None


async def remind(conv: Conversation, meeting: MeetingRow, recipient: str, before: tuple[timedelta, ...],
                 quiet: QuietHours) -> None:
    """Reminders of ``meeting`` for one person, useful until it begins."""
    message = {**dump_msg(Msg(N_("meeting.reminder"), {
        "when": When(meeting.starts_at), "place": place_text(meeting.place_kind, meeting.place)})),
        "until": meeting.starts_at.isoformat(), "meeting": meeting.id}
    for due in meeting_reminders(meeting.starts_at, conv.now, before, quiet):
        await conv.work.outbox.add(OutboxRow(recipient, REMINDER, message, due))


def _next_example(conv: Conversation) -> Example:
    """A follow-up about four weeks after this meeting (and never before now), for the prompt's example."""
    held_at = datetime.fromisoformat(conv.data["meeting"]["at"]) if conv.data.get("meeting") else conv.now
    return Example(example_moment(max(held_at, conv.now), 28))


# --- loading: the current meeting, the history and the last meeting's promises -----------------------


async def load(conv: Conversation) -> None:
    """The client's meetings as the overview shows them, read afresh after every step."""
    client_id = conv.data["client_id"]
    client = await conv.work.clients.get(client_id)
    meetings = await conv.work.meetings.for_client(client_id)
    current = current_meeting(meetings)
    conv.data["nickname"] = client.nickname if client else "?"
    conv.data["ended"] = work_ended(meetings)
    conv.data["meeting"] = None
    if current is not None and current.id is not None:
        conv.data["meeting"] = await _meeting_data(conv, current)
    previous = last_held(meetings)
    conv.data["history"] = [[row.starts_at.isoformat(), row.status] for row in meetings]
    conv.data["previous"] = None
    if previous is not None and previous.id is not None:
        conv.data["previous"] = [[p.text, p.status] for p in await conv.work.meetings.promises(previous.id)]


async def _meeting_data(conv: Conversation, current: MeetingRow) -> dict[str, Any]:
    """The current meeting, its people (and who still needs a link) and its promises, as conversation data."""
    assert current.id is not None
    people = await conv.work.meetings.participants(current.id)
    promises = await conv.work.meetings.promises(current.id)
    return {
        "id": current.id, "at": current.starts_at.isoformat(), "kind": current.place_kind,
        "place": current.place, "people": [[p.id, p.name, p.role] for p in people],
        "unlinked": [p.id for p in people if p.role == "other" and p.user_key is None],
        "given": [[p.id, p.name] for p in people if p.role == "other" and p.user_key is None
                  and p.join_hash is not None],
        "promises": [[p.participant_id, p.text, p.due.isoformat(), p.goal_id] for p in promises],
    }


# --- planning -------------------------------------------------------------------------------------------


def valid_when(event: Any) -> bool:
    """A meeting time typed: in the future and within the planning horizon."""
    conv: Conversation = event.model
    when = parse_when(event.kwargs["text"], conv.now.astimezone(HELSINKI).date())
    if when is None or when <= conv.now:
        conv.emit(Say(Msg(N_("meeting.bad_when"), {"example": Example(example_moment(conv.now, 3))})))
        return False
    if not near_enough(conv, when.date()):
        return False
    conv.data["when"] = when.isoformat()
    return True


def chose_place(event: Any) -> bool:
    return value(event) in PLACES


def place_kind(event: Any) -> None:
    event.model.data["kind"] = value(event)


async def participants(conv: Conversation, meeting_id: int, nickname: str, client_key: str | None) -> None:
    """The client, this worker, and the people the client's preparation invites, on a new meeting."""
    staff = conv.who.staff
    assert staff is not None
    client_user = await conv.work.users.get(client_key) if client_key else None
    await conv.work.meetings.add_participant(ParticipantRow(
        meeting_id, nickname, "client", language=client_user.language if client_user else "fi",
        user_key=client_key))
    me = await conv.work.users.get(conv.key)
    await conv.work.meetings.add_participant(ParticipantRow(
        meeting_id, staff.name, "worker", relation=staff.title, language=me.language if me else "fi",
        staff_id=staff.id, user_key=conv.key))
    draft = await conv.work.preparations.get(conv.data["client_id"])
    for person in (draft.data.get("people", []) if draft else []):
        if person.get("invite"):  # reached through the worker until they join with their own link
            await conv.work.meetings.add_participant(ParticipantRow(
                meeting_id, person["name"], "other", relation=person.get("relation", ""), reachable=False))


async def cancel_meeting(event: Any) -> None:
    """The current meeting is cancelled, and everyone Kaari can write to is told."""
    conv: Conversation = event.model
    meeting = await conv.work.meetings.get(conv.data["meeting"]["id"])
    assert meeting is not None
    meeting.status = "cancelled"
    await conv.work.meetings.save(meeting)
    for person in await conv.work.meetings.participants(meeting.id or 0):
        if person.user_key and person.user_key != conv.key:
            await conv.work.outbox.add(OutboxRow(person.user_key, "notify", dump_msg(Msg(
                N_("meeting.cancelled_notice"), {"when": When(meeting.starts_at)})), conv.now))
    conv.emit(Say(Msg(N_("meeting.cancelled"))))
    await load(conv)


def chose_relink(event: Any) -> bool:
    meeting = event.model.data.get("meeting") or {}
    return value(event).startswith("relink:") and any(
        str(pid) == value(event)[7:] for pid, _ in meeting.get("given", []))


async def add_person(event: Any) -> None:
    """Someone more at the meeting, reached through the worker until they join with a link."""
    conv: Conversation = event.model
    await conv.work.meetings.add_participant(ParticipantRow(conv.data["meeting"]["id"], event.kwargs["text"],
                                                            "other", reachable=False))
    conv.emit(Say(Msg(N_("meeting.person_added"), {"name": event.kwargs["text"]})))
    await load(conv)


# --- the record -----------------------------------------------------------------------------------------


def chose_person(event: Any) -> bool:
    meeting = event.model.data.get("meeting") or {}
    return value(event).startswith("p:") and any(str(p[0]) == value(event)[2:] for p in meeting.get("people", []))


def open_person(event: Any) -> None:
    event.model.data["person"] = int(value(event)[2:])


def promise_text(event: Any) -> None:
    event.model.data["promise"] = event.kwargs["text"]


async def add_promise(event: Any) -> None:
    """The promise written for the chosen person, due on the typed date."""
    conv: Conversation = event.model
    due = due_from(event.kwargs["text"], conv.now)
    assert due is not None  # valid_due said so
    text = conv.data.pop("promise")
    stored = await conv.work.meetings.add_promise(PromiseRow(conv.data["meeting"]["id"], conv.data.pop("person"),
                                                             text, due, conv.now))
    if going(conv):  # the question whether it is for one of the client's goals follows
        conv.data.update({LINKING: stored, "linking_text": text})
    conv.emit(Say(Msg(N_("meeting.promise_added"))))
    await load(conv)


async def reload(event: Any) -> None:
    """The meeting again, after a promise was said to be for a goal."""
    await load(event.model)


def valid_next(event: Any) -> bool:
    """The next meeting's time: after this one and within the planning horizon."""
    conv: Conversation = event.model
    when = parse_when(event.kwargs["text"], conv.now.astimezone(HELSINKI).date())
    if when is None or when <= datetime.fromisoformat(conv.data["meeting"]["at"]):
        conv.emit(Say(Msg(N_("meeting.bad_next"), {"example": _next_example(conv)})))
        return False
    if not near_enough(conv, when.date()):
        return False
    conv.data["next"] = when.isoformat()
    return True


def valid_end(event: Any) -> bool:
    """The work's end date (it may be today or already past)."""
    conv: Conversation = event.model
    day = parse_end(event.kwargs["text"], conv.now.astimezone(HELSINKI).date())
    if day is None:
        conv.emit(Say(Msg(N_("meeting.bad_end"), {"example": Example(conv.now, clock=False)})))
        return False
    conv.data["end"] = day.isoformat()
    return True


def no_next_yet(event: Any) -> None:
    event.model.emit(Say(Msg(N_("meeting.need_next"))))


async def send_memos(conv: Conversation, meeting: MeetingRow, people: list[ParticipantRow],
                     promises: list[PromiseRow], goals: tuple[Msg, ...] = ()) -> Msg:
    """The memo to everyone else Kaari can write to; the full memo (with the young person's topics and the
    goals they bring up) is returned for the worker."""
    draft = await conv.work.preparations.get(meeting.client_id)
    full = memo(meeting, people, promises, list(draft.data.get("topics", [])) if draft else [], goals)
    # The young person's topics are theirs: only the client's and the worker's copies carry them.
    shared = memo(meeting, people, promises, [])
    for person in people:
        if person.user_key and person.user_key != conv.key:
            copy = full if sees_topics(person) else shared
            await conv.work.outbox.add(OutboxRow(person.user_key, "memo", dump_msg(copy), conv.now))
    return full


async def invite_feedback(conv: Conversation, meeting: MeetingRow) -> None:
    """When the record ends the work, the client is asked how the work went (their own words, on the pilots'
    five-step scale)."""
    if meeting.ended_on is None:
        return
    client = await conv.work.clients.get(meeting.client_id)
    if client is not None and client.user_key:
        await conv.work.outbox.add(OutboxRow(client.user_key, "notify", dump_msg(Msg(
            N_("meeting.feedback_invite"))), conv.now))


# --- the end of the work: the pair's closing reflection ------------------------------------------------


def start_reflection(event: Any) -> None:
    event.model.data["reflect"] = 0


def more_reflection(event: Any) -> bool:
    return bool(event.model.data.get("reflect", 0) + 1 < len(REFLECTION))


async def reflect(event: Any) -> None:
    """One reflection answer stored (or skipped), and on to the next question."""
    conv: Conversation = event.model
    index = conv.data["reflect"]
    client_id = conv.data["client_id"]
    old = await conv.work.evaluations.get(client_id)
    reflection = dict(old.reflection) if old else {}
    if "text" in event.kwargs:
        reflection[REFLECTION[index]] = event.kwargs["text"]
    await conv.work.evaluations.save(EvaluationRow(client_id, reflection, old.feedback if old else {}, conv.now))
    conv.data["reflect"] = index + 1


def reflected(event: Any) -> None:
    event.model.data.pop("reflect", None)
    event.model.emit(Say(Msg(N_("meeting.reflection_saved"))))


# --- views ----------------------------------------------------------------------------------------------


def _back() -> tuple[Option, ...]:
    return (Option(BACK, Msg(N_("meeting.back"))),)


def _previous(conv: Conversation) -> Lines:
    """The meetings so far, and the last one's promises with their status: the follow-up starts from them."""
    previous = conv.data.get("previous")
    parts: list[Msg] = []
    # A record written before the meeting reads as a plan (rules.took_place): it is not one of those so far yet.
    held_at = [When(moment) for at, status in conv.data.get("history", [])
               if status == "held" and (moment := datetime.fromisoformat(at)) <= conv.now]
    if held_at:
        parts.append(Msg(N_("meeting.history"), {"dates": Lines(tuple(held_at), ", ")}))
    if previous:
        parts.append(Msg(N_("meeting.previous"), {"promises": Lines(tuple(
            Msg(N_("meeting.previous_line"), {"promise": text, "status": Msg(STATUS_TITLE[status])})
            for text, status in previous))}))
    return Lines(tuple(parts), "\n\n")


def _overview(conv: Conversation) -> Msg:
    meeting = conv.data["meeting"]
    names = {p[0]: p[1] for p in meeting["people"]}
    promises = tuple(with_goal(conv, promise_line(names.get(owner, "?"), text, date.fromisoformat(due)), goal_id)
                     for owner, text, due, goal_id in meeting["promises"])
    return Msg(N_("meeting.overview"), {
        "client": conv.data["nickname"], "when": When(datetime.fromisoformat(meeting["at"])),
        "place": place_text(meeting["kind"], meeting["place"]),
        "people": ", ".join(p[1] for p in meeting["people"]),
        "promises": Lines(promises) if promises else Msg(N_("meeting.no_promises")),
        "previous": _previous(conv)})


def view_overview(conv: Conversation) -> Ask:
    """The current meeting and what can be done with it, or a suggestion to plan one."""
    if conv.data["meeting"] is None:
        suggest = (conv.now + FIRST_WITHIN).astimezone(HELSINKI).date()
        options = () if conv.data.get("ended") else (Option(PLAN, Msg(N_("meeting.plan"))),)
        return Ask(Msg(N_("meeting.none"), {"client": conv.data["nickname"], "before": as_day(suggest),
                                            "previous": _previous(conv)}), (*options, *_back()))
    links: tuple[Option, ...] = (Option(LINKS, Msg(N_("meeting.links"))),) if conv.data["meeting"].get(
        "unlinked") else ()
    links += tuple(Option(f"relink:{pid}", Msg(N_("meeting.relink"), {"name": name}))
                   for pid, name in conv.data["meeting"].get("given", []))
    return Ask(_overview(conv), (Option(RECORD, Msg(N_("meeting.record"))), *links,
                                 Option(ADD_PERSON, Msg(N_("meeting.add_person"))),
                                 Option(CANCEL_MEETING, Msg(N_("meeting.cancel"))), *_back()))


def view_add_person(conv: Conversation) -> Ask:
    return Ask(Msg(N_("meeting.ask_person")), _back(), free_text=True, max_length=60)


def view_when(conv: Conversation) -> Ask:
    suggest = (conv.now + FIRST_WITHIN).astimezone(HELSINKI).date()
    return Ask(Msg(N_("meeting.ask_when"), {"before": as_day(suggest),
                                            "example": Example(example_moment(conv.now, 3))}),
               _back(), free_text=True, max_length=40)


def view_kind(conv: Conversation) -> Ask:
    return Ask(Msg(N_("meeting.ask_kind")), tuple(Option(kind, Msg(PLACE_TITLE[kind])) for kind in PLACES))


def view_place(conv: Conversation) -> Ask:
    key = N_("meeting.ask_link") if conv.data.get("kind") in ("online", "hybrid") else N_("meeting.ask_place")
    return Ask(Msg(key), _back(), free_text=True, max_length=300)


def view_record(conv: Conversation) -> Ask:
    meeting = conv.data["meeting"]
    options = [Option(f"p:{pid}", Msg(N_("meeting.promise_by"), {"name": name})) for pid, name, _ in
               meeting["people"]]
    options += [Option(FINISH, Msg(N_("meeting.finish"))), *_back()]
    return Ask(_overview(conv), tuple(options))


def view_promise(conv: Conversation) -> Ask:
    name = next((p[1] for p in conv.data["meeting"]["people"] if p[0] == conv.data.get("person")), "?")
    return Ask(Msg(N_("meeting.ask_promise"), {"name": name}), _back(), free_text=True, max_length=MAX_TEXT)


def view_due(conv: Conversation) -> Ask:
    return Ask(Msg(N_("meeting.ask_due"), {"example": due_example(conv)}), _back(), free_text=True, max_length=40)


def view_finish(conv: Conversation) -> Ask:
    return Ask(Msg(N_("meeting.ask_finish")), (Option(NEXT, Msg(N_("meeting.set_next"))),
                                               Option(END, Msg(N_("meeting.end_work"))), *_back()),
               free_text=True, max_length=40)


def view_next(conv: Conversation) -> Ask:
    return Ask(Msg(N_("meeting.ask_next"), {"example": _next_example(conv)}), _back(), free_text=True, max_length=40)


def view_end(conv: Conversation) -> Ask:
    return Ask(Msg(N_("meeting.ask_end"), {"example": Example(conv.now, clock=False)}), _back(), free_text=True,
               max_length=40)


def view_confirm_cancel(conv: Conversation) -> Ask:
    return Ask(Msg(N_("meeting.confirm_cancel")), (Option(YES, Msg(N_("meeting.cancel_yes"))),
                                                   Option(NO, Msg(N_("meeting.cancel_no")))))


def view_reflect(conv: Conversation) -> Ask:
    question = REFLECTION[conv.data.get("reflect", 0)]
    return Ask(Msg(N_("meeting.reflect"), {"number": conv.data.get("reflect", 0) + 1, "total": len(REFLECTION),
                                           "question": Msg(REFLECTION_TEXT[question])}),
               (Option(SKIP, Msg(N_("meeting.skip"))),), free_text=True, max_length=MAX_TEXT * 2)


def place_text(kind: str, place: str) -> Msg:
    """Where a meeting is: the kind of place and the address or link."""
    return Msg(N_("meeting.place"), {"kind": Msg(PLACE_TITLE.get(kind, PLACE_TITLE["office"])), "place": place})
