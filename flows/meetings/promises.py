"""My promises: everyone at a network meeting marks their own promises done (with a short note) or asks for
help; the young person sees the others' promises too, and the next meeting. Other participants see only their
own (the memo has the rest of what they need)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flows.core.dates import as_day, due_from, example_day
from flows.core.guards import chose, near_enough, value
from flows.core.messages import N_, Example, Lines, LocalText, Msg, When, dump_msg
from flows.core.results import Ask, Option, Say
from flows.core.spec import Conversation, FlowSpec, Who
from flows.identity.notify import notify_staff
from flows.meetings.preparation import storage_allowed
from storage.ports import OutboxRow, PromiseRow

NAME = "promises"
VERSION = 1
BACK, SKIP, ADD = "back", "skip", "add"
RECORD_FROM = timedelta(hours=1)
RECORD_UNTIL = timedelta(hours=12)  # a meeting nobody recorded does not take promises for ever
STATUS_MARK = {"open": "▫️", "done": "✅", "help": "🆘"}


def may_see(who: Who) -> bool:
    """A client, or someone who joined a network meeting with a one-time link."""
    return who.is_client or who.participant


def promises_flow(storage: LocalText) -> FlowSpec:
    """``storage`` is the title of consent (c): without it nothing is kept, and the client is told so."""

    async def load(conv: Conversation) -> None:
        client = conv.who.client
        conv.data["unstored"] = False
        if conv.who.is_client and client is not None and client.id is not None:
            # Without consent (c) promises are not kept (withdrawing it deleted them): say so, not "none yet".
            conv.data["unstored"] = not await storage_allowed(conv, client.id)
            meetings = await conv.work.meetings.for_client(client.id)
        else:  # a participant sees only the meetings they were invited to
            found = [await conv.work.meetings.get(p.meeting_id) for p in await conv.work.meetings.participations(
                conv.key)]
            meetings = sorted((row for row in found if row is not None), key=lambda row: (row.starts_at, row.id or 0))
        held = [row for row in meetings if row.status == "held"]
        planned = [row for row in meetings if row.status == "planned"]
        conv.data["meeting"] = held[-1].id if held else None
        # During the meeting (from an hour before to the evening): everyone can write down their own promise.
        conv.data["recording"] = None
        for row in planned:
            if row.id is not None and row.starts_at - RECORD_FROM <= conv.now < row.starts_at + RECORD_UNTIL:
                me = next((p for p in await conv.work.meetings.participants(row.id) if p.user_key == conv.key), None)
                if me is not None:
                    conv.data["recording"] = [row.id, me.id]
        conv.data["next"] = planned[-1].starts_at.isoformat() if planned else None
        conv.data["items"] = []
        if held and held[-1].id is not None:
            people = {p.id: p for p in await conv.work.meetings.participants(held[-1].id)}
            for promise in await conv.work.meetings.promises(held[-1].id):
                owner = people.get(promise.participant_id)
                mine = owner is not None and owner.user_key == conv.key
                if not mine and not conv.who.is_client:
                    continue  # a participant sees their own promises; the young person's are the young person's
                conv.data["items"].append([promise.id, owner.name if owner else "?", promise.text,
                                           promise.due.isoformat(), promise.status, mine])

    async def refresh(conv: Conversation) -> None:
        if may_see(conv.who):
            await load(conv)

    def chose_mine(event: Any) -> bool:
        conv: Conversation = event.model
        wanted = value(event).partition(":")
        return wanted[0] in ("done", "help", "open") and any(
            str(item[0]) == wanted[2] and item[5] for item in conv.data.get("items", []))

    async def mark(event: Any) -> None:
        conv: Conversation = event.model
        status, _, promise_id = value(event).partition(":")
        promise = await conv.work.meetings.promise(int(promise_id))
        assert promise is not None
        promise.status, promise.updated_at = status, conv.now
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

    async def note(event: Any) -> None:
        conv: Conversation = event.model
        promise = await conv.work.meetings.promise(conv.data.pop("noting"))
        if promise is not None and "text" in event.kwargs:
            promise.note = event.kwargs["text"]
            await conv.work.meetings.save_promise(promise)
            conv.emit(Say(Msg(N_("promises.note_saved"))))
        await load(conv)

    async def _tell_organiser(conv: Conversation, meeting_id: int, participant_id: int, text: str) -> None:
        meeting = await conv.work.meetings.get(meeting_id)
        person = await conv.work.meetings.participant(participant_id)
        staff = await conv.work.staff.get(meeting.created_by) if meeting else None
        if staff is not None and staff.user_key and person is not None:
            await conv.work.outbox.add(OutboxRow(staff.user_key, "notify", dump_msg(Msg(
                N_("notify.promise_help"), {"client": person.name, "promise": text})), conv.now))

    def skip_note(event: Any) -> None:
        event.model.data.pop("noting", None)

    def view_list(conv: Conversation) -> Ask:
        items = conv.data.get("items", [])
        # Numbered: the message holds each promise in full, the buttons only the number (never a cut word).
        lines = tuple(Msg(N_("promises.line"), {"number": number, "mark": STATUS_MARK.get(status, "▫️"), "who": who,
                                                "promise": text, "due": as_day(date.fromisoformat(due))})
                      for number, (_, who, text, due, status, _) in enumerate(items, start=1))
        nxt = conv.data.get("next")
        next_text = Msg(N_("promises.next"), {"when": When(datetime.fromisoformat(nxt))}) if nxt else ""
        options = [option for number, item in enumerate(items, start=1) if item[5]
                   for option in _marks(number, item[0], item[4])]
        if conv.data.get("recording"):
            options.insert(0, Option(ADD, Msg(N_("promises.add"))))
        options.append(Option(BACK, Msg(N_("promises.back"))))
        if not items and conv.data.get("unstored"):
            return Ask(Msg(N_("promises.no_storage"), {"title": storage, "next": next_text}), tuple(options))
        if not items:
            return Ask(Msg(N_("promises.none"), {"next": next_text}), tuple(options))
        return Ask(Msg(N_("promises.list"), {"promises": Lines(lines), "next": next_text}), tuple(options))

    def recording(event: Any) -> bool:
        return bool(event.model.data.get("recording"))

    def meeting_over(event: Any) -> None:
        """The meeting was recorded or cancelled while they were writing: nothing is added to it."""
        event.model.data.pop("promise", None)
        event.model.emit(Say(Msg(N_("promises.meeting_over"))))

    def promise_text(event: Any) -> None:
        event.model.data["promise"] = event.kwargs["text"]

    async def add_promise(event: Any) -> None:
        conv: Conversation = event.model
        meeting_id, participant_id = conv.data["recording"]
        due = due_from(event.kwargs["text"], conv.now)
        assert due is not None  # valid_due said so
        await conv.work.meetings.add_promise(PromiseRow(meeting_id, participant_id, conv.data.pop("promise"), due,
                                                        conv.now))
        conv.emit(Say(Msg(N_("meeting.promise_added"))))
        await load(conv)

    def view_promise(conv: Conversation) -> Ask:
        return Ask(Msg(N_("promises.ask_promise")), (Option(BACK, Msg(N_("promises.back"))),), free_text=True,
                   max_length=500)

    def view_due(conv: Conversation) -> Ask:
        return Ask(Msg(N_("meeting.ask_due"), {"example": due_example(conv)}),
                   (Option(BACK, Msg(N_("promises.back"))),), free_text=True, max_length=40)

    def view_note(conv: Conversation) -> Ask:
        return Ask(Msg(N_("promises.ask_note")), (Option(SKIP, Msg(N_("promises.skip"))),), free_text=True,
                   max_length=300)

    return FlowSpec(
        name=NAME, version=VERSION, states=["list", "note", "promise", "due", "left"], initial="list",
        transitions=[
            dict(trigger="choose", source="list", dest="promise", conditions=[chose(ADD), recording]),
            dict(trigger="text", source="promise", dest="due", after=[promise_text]),
            dict(trigger="text", source=["promise", "due"], dest="list", unless=[recording], after=[meeting_over]),
            dict(trigger="text", source="due", dest="list", conditions=[valid_due], after=[add_promise]),
            dict(trigger="text", source="due", dest="due"),
            dict(trigger="choose", source=["promise", "due"], dest="list", conditions=[chose(BACK)]),
            dict(trigger="choose", source="list", dest="note", conditions=[chose_mine, noting_after_done],
                 after=[mark]),
            dict(trigger="choose", source="list", dest="list", conditions=[chose_mine], after=[mark]),
            dict(trigger="choose", source="list", dest="left", conditions=[chose(BACK)]),
            dict(trigger="text", source="note", dest="list", after=[note]),
            dict(trigger="choose", source="note", dest="list", conditions=[chose(SKIP)], after=[skip_note]),
        ],
        views={"list": view_list, "note": view_note, "promise": view_promise, "due": view_due},
        help_key=N_("promises.help"), final=frozenset({"left"}),
        on_start=load, refresh=refresh, allowed=may_see, controls=False, reload=True, resumable=True,
        refusal=lambda who: Msg(N_("promises.for_workers"), {"button": Msg(N_("clients.meeting"))})
        if who.is_worker else None,
        in_progress=lambda conv: conv.state != "list",  # a promise or a note being written; the list reloads
    )


def _marks(number: int, promise_id: int, status: str) -> list[Option]:
    """The buttons for one's own promise number ``number``: done or help while open; an undo that names what
    it takes back once marked."""
    if status == "open":
        return [Option(f"done:{promise_id}", Msg(N_("promises.mark_done"), {"number": number})),
                Option(f"help:{promise_id}", Msg(N_("promises.mark_help"), {"number": number}))]
    undo = N_("promises.undo_done") if status == "done" else N_("promises.undo_help")
    marks = [Option(f"open:{promise_id}", Msg(undo, {"number": number}))]
    if status != "done":  # asked for help, and then did it after all
        marks.insert(0, Option(f"done:{promise_id}", Msg(N_("promises.mark_done"), {"number": number})))
    return marks


def valid_due(event: Any) -> bool:
    """A due date typed for a promise: from today on (shared by the meeting record and My promises)."""
    due = due_from(event.kwargs["text"], event.model.now)
    if due is None:
        event.model.emit(Say(Msg(N_("meeting.bad_due"), {"example": due_example(event.model)})))
        return False
    return near_enough(event.model, due)


def due_example(conv: Conversation) -> Example:
    """A due date two weeks ahead, for the example of the prompt that asks for one."""
    return Example(example_day(conv.now, 14), clock=False)


def noting_after_done(event: Any) -> bool:
    """Marking a promise done asks for a short note (optional)."""
    return value(event).startswith("done:")

