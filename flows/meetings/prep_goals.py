""""What I tell about my goal" in a network meeting's preparation (#12 §2): the young person (or their worker,
in the same shared draft) picks one of the client's goals to bring up, with a few words if they like. The
draft keeps the goal's id and the words; the goal's title and status are read afresh whenever it is shown, and
the meeting's memo carries them (the young person's and the worker's copies, and the worker's PDF), as it does
the topics. A goal deleted meanwhile is simply no longer shown. The goals come through the `client_goals` hook.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from flows.core.guards import value
from flows.core.hooks import GoalRef
from flows.core.messages import N_, Lines, Msg, Param
from flows.core.results import Ask, Option, Say
from flows.core.spec import Conversation
from flows.meetings.goal_links import client_goals

TELL, UNTELL, PLAIN, BACK = "tell:", "untell:", "plain", "back"
MAX_NOTE = 1000
Store = Callable[[Conversation], Awaitable[None]]


def notes(conv: Conversation) -> dict[int, str]:
    """The goals picked for the meeting (still the client's), with their words, in the order picked."""
    known = {ref.id for ref in client_goals(conv)}
    return {note["goal"]: note["text"] for note in conv.data["draft"].get("goal_notes", []) if note["goal"] in known}


def told(refs: list[GoalRef], picked: dict[int, str]) -> list[tuple[GoalRef, str]]:
    """The picked goals with their words, as they read now."""
    by_id = {ref.id: ref for ref in refs}
    return [(by_id[goal_id], text) for goal_id, text in picked.items()]


def note_line(ref: GoalRef, text: str) -> Msg:
    """One goal brought up: its title, its status, and what the young person will say (if written)."""
    params: dict[str, Param] = {"goal": ref.title, "status": ref.status}
    if not text:
        return Msg(N_("prep.goal_line_plain"), params)
    return Msg(N_("prep.goal_line"), {**params, "text": text})


def memo_lines(conv: Conversation, draft: dict[str, Any]) -> tuple[Msg, ...]:
    """The goals the preparation brings up, for the memo (their title and status as they are now)."""
    known = {ref.id: ref for ref in client_goals(conv)}
    return tuple(note_line(known[note["goal"]], note["text"]) for note in draft.get("goal_notes", [])
                 if note["goal"] in known)


def has_goals(conv: Conversation) -> bool:
    return bool(client_goals(conv))


class GoalNoteSteps:
    """The preparation's goal steps, storing the shared draft as its other steps do (``store``)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def view_goals(self, conv: Conversation) -> Ask:
        refs, picked = client_goals(conv), notes(conv)
        lines: tuple[Param, ...] = tuple(note_line(ref, text) for ref, text in told(refs, picked))
        options = [Option(f"{TELL}{ref.id}", Msg(N_("prep.tell_goal"), {"goal": ref.title}))
                   for ref in refs if ref.id not in picked]
        options += [Option(f"{UNTELL}{ref.id}", Msg(N_("prep.untell_goal"), {"goal": ref.title}))
                    for ref, _ in told(refs, picked)]
        listed: Param = Lines(lines) if lines else Msg(N_("prep.goals_none"))
        return Ask(Msg(N_("prep.goals"), {"lines": listed}), (*options, Option(BACK, Msg(N_("prep.back")))))

    def view_goal_note(self, conv: Conversation) -> Ask:
        ref = next((ref for ref in client_goals(conv) if ref.id == conv.data.get("telling")), None)
        return Ask(Msg(N_("prep.ask_goal_note"), {"goal": ref.title if ref else ""}),
                   (Option(PLAIN, Msg(N_("prep.goal_just_pick"))), Option(BACK, Msg(N_("prep.back")))),
                   free_text=True, max_length=MAX_NOTE)

    def chose_tell(self, event: Any) -> bool:
        """A goal of the client's not picked yet; it is the one written about from now on."""
        conv: Conversation = event.model
        chosen = value(event).removeprefix(TELL)
        if not value(event).startswith(TELL) or not chosen.isdigit() or int(chosen) in notes(conv) \
                or not any(ref.id == int(chosen) for ref in client_goals(conv)):
            return False
        conv.data["telling"] = int(chosen)
        return True

    def chose_untell(self, event: Any) -> bool:
        chosen = value(event).removeprefix(UNTELL)
        return value(event).startswith(UNTELL) and chosen.isdigit() and int(chosen) in notes(event.model)

    async def write_note(self, event: Any) -> None:
        """The goal picked, with the words written (or none); unless the goal is gone meanwhile."""
        conv: Conversation = event.model
        goal_id = conv.data.pop("telling", None)
        if not any(ref.id == goal_id for ref in client_goals(conv)):
            conv.emit(Say(Msg(N_("prep.goal_gone"))))
            return
        kept = [note for note in conv.data["draft"].get("goal_notes", []) if note["goal"] != goal_id]
        conv.data["draft"]["goal_notes"] = [*kept, {"goal": goal_id, "text": event.kwargs.get("text", "")}]
        await self.store(conv)
        conv.emit(Say(Msg(N_("prep.saved"))))

    async def untell(self, event: Any) -> None:
        conv: Conversation = event.model
        goal_id = int(value(event).removeprefix(UNTELL))
        conv.data["draft"]["goal_notes"] = [note for note in conv.data["draft"].get("goal_notes", [])
                                            if note["goal"] != goal_id]
        await self.store(conv)
        conv.emit(Say(Msg(N_("prep.goal_untold"))))

    def stop_telling(self, event: Any) -> None:
        event.model.data.pop("telling", None)

    def transitions(self) -> list[dict[str, Any]]:
        """The goal steps' part of the preparation's table (the hub opens them; Back returns to it)."""
        return [
            dict(trigger="choose", source="my_goals", dest="my_goal_note", conditions=[self.chose_tell]),
            dict(trigger="choose", source="my_goals", dest="my_goals", conditions=[self.chose_untell],
                 after=[self.untell]),
            dict(trigger="text", source="my_goal_note", dest="my_goals", after=[self.write_note]),
            dict(trigger="choose", source="my_goal_note", dest="my_goals", conditions=[chose_plain],
                 after=[self.write_note]),
            dict(trigger="choose", source="my_goal_note", dest="my_goals", conditions=[chose_back],
                 after=[self.stop_telling]),
        ]


def chose_plain(event: Any) -> bool:
    return value(event) == PLAIN


def chose_back(event: Any) -> bool:
    return value(event) == BACK
