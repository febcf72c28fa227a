"""My promises: everyone at a network meeting marks their own promises done (with a short note) or asks for
help; the young person sees the others' promises too, and the next meeting. Other participants see only their
own (the memo has the rest of what they need).

The steps, in the order of the table in `promises_flow`:
- the list: `load`, `PromisesSteps.view_list`
- writing one's own promise during the meeting: `recording`, `view_promise` + `promise_text`, `view_due` +
  `valid_due` / `add_promise`, or `meeting_over`
- marking: `chose_mine` + `mark` (and `noting_after_done`), `view_note` + `note` / `skip_note`
How a promise's state changes, and who sees which, is in rules.py.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flows.core.dates import as_day, due_from, example_day
from flows.core.guards import chose, near_enough, value
from flows.core.hooks import ClientGoals
from flows.core.messages import N_, Example, Lines, LocalText, Msg, When, dump_msg
from flows.core.results import Ask, Option, Say
from flows.core.spec import Conversation, FlowSpec, Who
from flows.identity.notify import notify_staff
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
from flows.meetings.preparation import storage_allowed
from flows.meetings.rules import (
    current_meeting,
    last_held,
    marked,
    next_statuses,
    recording_open,
    shown_to,
)
from storage.ports import MeetingRow, OutboxRow, PromiseRow

NAME = "promises"
VERSION = 1
BACK, SKIP, ADD = "back", "skip", "add"
STATUS_MARK = {"open": "▫️", "done": "✅", "help": "🆘"}


def promises_flow(storage: LocalText, goals: ClientGoals | None = None) -> FlowSpec:
    """``storage`` is the title of consent (c): without it nothing is kept, and the client is told so; ``goals``
    finds the client's goals, one of which their own promise may be for."""
    steps = PromisesSteps(storage, goals)
    return FlowSpec(
        name=NAME, version=VERSION, states=["list", "note", "promise", "due", "goal", "left"], initial="list",
        transitions=[
            dict(trigger="choose", source="list", dest="promise", conditions=[chose(ADD), recording]),
            dict(trigger="text", source="promise", dest="due", after=[promise_text]),
            dict(trigger="text", source=["promise", "due"], dest="list", unless=[recording], after=[meeting_over]),
            dict(trigger="text", source="due", dest="goal", conditions=[due_for_goal], after=[add_promise]),
            dict(trigger="text", source="due", dest="list", conditions=[due_without_goal], after=[add_promise]),
            dict(trigger="text", source="due", dest="due"),
            dict(trigger="choose", source=["promise", "due"], dest="list", conditions=[chose(BACK)]),
            dict(trigger="choose", source="goal", dest="list", conditions=[chose_goal], after=[link_goal, reload]),
            dict(trigger="choose", source="goal", dest="list", conditions=[chose_no_goal], after=[no_goal]),
            dict(trigger="choose", source="list", dest="note", conditions=[chose_mine, noting_after_done],
                 after=[mark]),
            dict(trigger="choose", source="list", dest="list", conditions=[chose_mine], after=[mark]),
            dict(trigger="choose", source="list", dest="left", conditions=[chose(BACK)]),
            dict(trigger="text", source="note", dest="list", after=[note]),
            dict(trigger="choose", source="note", dest="list", conditions=[chose(SKIP)], after=[skip_note]),
        ],
        views={"list": steps.view_list, "note": view_note, "promise": view_promise, "due": view_due,
               "goal": view_promise_goal},
        help_key=N_("promises.help"), final=frozenset({"left"}),
        on_start=steps.on_start, refresh=steps.refresh, allowed=may_see, controls=False, reload=True, resumable=True,
        refusal=refusal, in_progress=in_progress,
    )


class PromisesSteps:
    """The step that needs consent (c)'s title: the list, which tells a client without it that nothing is kept."""

    def __init__(self, storage: LocalText, goals: ClientGoals | None = None) -> None:
        self.storage = storage
        self.goals = goals

    async def on_start(self, conv: Conversation) -> None:
        """The list; for the client, also their goals (a promise of theirs may be for one)."""
        await load(conv)
        client = conv.who.client if conv.who.is_client else None
        await load_goals(conv, self.goals, client.id if client else None)

    async def refresh(self, conv: Conversation) -> None:
        if may_see(conv.who):
            await self.on_start(conv)

    def view_list(self, conv: Conversation) -> Ask:
        """The promises (numbered: the message holds each in full, the buttons only the number, never a cut
        word), the next meeting, and buttons for one's own."""
        items = conv.data.get("items", [])
        lines = tuple(with_goal(conv, Msg(N_("promises.line"), {
            "number": number, "mark": STATUS_MARK.get(status, "▫️"), "who": who, "promise": text,
            "due": as_day(date.fromisoformat(due))}), goal_id)
            for number, (_, who, text, due, status, _, goal_id) in enumerate(items, start=1))
        nxt = conv.data.get("next")
        next_text = Msg(N_("promises.next"), {"when": When(datetime.fromisoformat(nxt))}) if nxt else ""
        options = [option for number, item in enumerate(items, start=1) if item[5]
                   for option in _marks(number, item[0], item[4])]
        if conv.data.get("recording"):
            options.insert(0, Option(ADD, Msg(N_("promises.add"))))
        options.append(Option(BACK, Msg(N_("promises.back"))))
        if not items and conv.data.get("unstored"):
            return Ask(Msg(N_("promises.no_storage"), {"title": self.storage, "next": next_text}), tuple(options))
        if not items:
            return Ask(Msg(N_("promises.none"), {"next": next_text}), tuple(options))
        return Ask(Msg(N_("promises.list"), {"promises": Lines(lines), "next": next_text}), tuple(options))


# --- who, and what they see -----------------------------------------------------------------------------


def may_see(who: Who) -> bool:
    """A client, or someone who joined a network meeting with a one-time link."""
    return who.is_client or who.participant


def refusal(who: Who) -> Msg | None:
    """A worker is pointed to the meeting screens of their client's card."""
    return Msg(N_("promises.for_workers"), {"button": Msg(N_("clients.meeting"))}) if who.is_worker else None


def in_progress(conv: Conversation) -> bool:
    """A promise or a note being written; the list reloads."""
    return conv.state != "list"


async def _meetings(conv: Conversation) -> list[MeetingRow]:
    """The client's meetings, or the meetings a participant was invited to, in time order."""
    client = conv.who.client
    if conv.who.is_client and client is not None and client.id is not None:
        # Without consent (c) promises are not kept (withdrawing it deleted them): say so, not "none yet".
        conv.data["unstored"] = not await storage_allowed(conv, client.id)
        return await conv.work.meetings.for_client(client.id)
    found = [await conv.work.meetings.get(p.meeting_id) for p in await conv.work.meetings.participations(conv.key)]
    return sorted((row for row in found if row is not None), key=lambda row: (row.starts_at, row.id or 0))


async def load(conv: Conversation) -> None:
    """The last held meeting's promises this person may see, the meeting being held now, and the next one."""
    conv.data["unstored"] = False
    meetings = await _meetings(conv)
    last = last_held(meetings)
    conv.data["meeting"] = last.id if last else None
    # During the meeting (from an hour before to the evening): everyone can write down their own promise.
    conv.data["recording"] = None
    for row in meetings:
        if row.id is not None and recording_open(row, conv.now):
            me = next((p for p in await conv.work.meetings.participants(row.id) if p.user_key == conv.key), None)
            if me is not None:
                conv.data["recording"] = [row.id, me.id]
    upcoming = current_meeting(meetings)
    conv.data["next"] = upcoming.starts_at.isoformat() if upcoming else None
    conv.data["items"] = []
    if last is not None and last.id is not None:
        people = {p.id: p for p in await conv.work.meetings.participants(last.id)}
        for promise in await conv.work.meetings.promises(last.id):
            owner = people.get(promise.participant_id)
            if not shown_to(owner, conv.key, conv.who.is_client):
                continue  # a participant sees their own promises; the young person's are the young person's
            mine = owner is not None and owner.user_key == conv.key
            conv.data["items"].append([promise.id, owner.name if owner else "?", promise.text,
                                       promise.due.isoformat(), promise.status, mine, promise.goal_id])


async def reload(event: Any) -> None:
    """The list again, after a promise was said to be for a goal."""
    await load(event.model)


# --- marking one's own promise --------------------------------------------------------------------------


def chose_mine(event: Any) -> bool:
    conv: Conversation = event.model
    wanted = value(event).partition(":")
    return wanted[0] in ("done", "help", "open") and any(
        str(item[0]) == wanted[2] and item[5] for item in conv.data.get("items", []))


def noting_after_done(event: Any) -> bool:
    """Marking a promise done asks for a short note (optional)."""
    return value(event).startswith("done:")


async def mark(event: Any) -> None:
    """The promise marked as tapped; asking for help tells the responsible worker (or the organiser)."""
    conv: Conversation = event.model
    status, _, promise_id = value(event).partition(":")
    stored = await conv.work.meetings.promise(int(promise_id))
    assert stored is not None
    promise = marked(stored, status, conv.now)
    await conv.work.meetings.save_promise(promise)
    if status == "help":
        # The responsible worker is told which promise needs help; the person is told they were.
        client = conv.who.client
        if conv.who.is_client and client is not None:
            await notify_staff(conv, client, Msg(N_("notify.promise_help"), {
                "client": client.nickname, "promise": promise.text}), only_responsible=True)
        else:
            await _tell_organiser(conv, promise.meeting_id, promise.participant_id, promise.text)
        conv.emit(Say(Msg(N_("promises.help_sent"))))
    elif status == "done":
        conv.data["noting"] = promise.id
        conv.emit(Say(Msg(N_("promises.well_done"))))
    await load(conv)


async def _tell_organiser(conv: Conversation, meeting_id: int, participant_id: int, text: str) -> None:
    meeting = await conv.work.meetings.get(meeting_id)
    person = await conv.work.meetings.participant(participant_id)
    staff = await conv.work.staff.get(meeting.created_by) if meeting else None
    if staff is not None and staff.user_key and person is not None:
        await conv.work.outbox.add(OutboxRow(staff.user_key, "notify", dump_msg(Msg(
            N_("notify.promise_help"), {"client": person.name, "promise": text})), conv.now))


async def note(event: Any) -> None:
    """The short note on a promise just marked done."""
    conv: Conversation = event.model
    promise = await conv.work.meetings.promise(conv.data.pop("noting"))
    if promise is not None and "text" in event.kwargs:
        promise.note = event.kwargs["text"]
        await conv.work.meetings.save_promise(promise)
        conv.emit(Say(Msg(N_("promises.note_saved"))))
    await load(conv)


def skip_note(event: Any) -> None:
    event.model.data.pop("noting", None)


def _marks(number: int, promise_id: int, status: str) -> list[Option]:
    """The buttons for one's own promise number ``number``: done or help while open; an undo that names what
    it takes back once marked."""
    undo = N_("promises.undo_done") if status == "done" else N_("promises.undo_help")
    label = {"done": N_("promises.mark_done"), "help": N_("promises.mark_help"), "open": undo}
    return [Option(f"{to}:{promise_id}", Msg(label[to], {"number": number})) for to in next_statuses(status)]


# --- writing one's own promise during the meeting ------------------------------------------------------


def recording(event: Any) -> bool:
    return bool(event.model.data.get("recording"))


def meeting_over(event: Any) -> None:
    """The meeting was recorded or cancelled while they were writing: nothing is added to it."""
    event.model.data.pop("promise", None)
    event.model.emit(Say(Msg(N_("promises.meeting_over"))))


def promise_text(event: Any) -> None:
    event.model.data["promise"] = event.kwargs["text"]


def valid_due(event: Any) -> bool:
    """A due date typed for a promise: from today on (shared by the meeting record and My promises)."""
    due = due_from(event.kwargs["text"], event.model.now)
    if due is None:
        event.model.emit(Say(Msg(N_("meeting.bad_due"), {"example": due_example(event.model)})))
        return False
    return near_enough(event.model, due)


async def add_promise(event: Any) -> None:
    """One's own promise on the meeting being held, due on the typed date."""
    conv: Conversation = event.model
    meeting_id, participant_id = conv.data["recording"]
    due = due_from(event.kwargs["text"], conv.now)
    assert due is not None  # valid_due said so
    text = conv.data.pop("promise")
    stored = await conv.work.meetings.add_promise(PromiseRow(meeting_id, participant_id, text, due, conv.now))
    if going(conv):  # the question whether it is for a goal follows
        conv.data.update({LINKING: stored, "linking_text": text})
    conv.emit(Say(Msg(N_("meeting.promise_added"))))
    await load(conv)


def due_for_goal(event: Any) -> bool:
    """A usable due date, and goals to ask about: the promise is stored and the question follows (one guard
    per route, so a bad date is answered once)."""
    return bool(going(event.model)) and valid_due(event)


def due_without_goal(event: Any) -> bool:
    """A usable due date and no goal going: the promise is stored, and that is all."""
    return not going(event.model) and valid_due(event)


def due_example(conv: Conversation) -> Example:
    """A due date two weeks ahead, for the example of the prompt that asks for one."""
    return Example(example_day(conv.now, 14), clock=False)


def view_promise(conv: Conversation) -> Ask:
    return Ask(Msg(N_("promises.ask_promise")), (Option(BACK, Msg(N_("promises.back"))),), free_text=True,
               max_length=500)


def view_due(conv: Conversation) -> Ask:
    return Ask(Msg(N_("meeting.ask_due"), {"example": due_example(conv)}),
               (Option(BACK, Msg(N_("promises.back"))),), free_text=True, max_length=40)


def view_note(conv: Conversation) -> Ask:
    return Ask(Msg(N_("promises.ask_note")), (Option(SKIP, Msg(N_("promises.skip"))),), free_text=True,
               max_length=300)
