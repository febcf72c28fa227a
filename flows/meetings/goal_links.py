"""A promise for one of the young person's goals (#12 §2): when a promise is recorded, by the worker for
anyone at the meeting (flows/meetings/meeting.py) or by the young person for themself (My promises,
flows/meetings/promises.py), it can be said to be for one of the client's goals that are going; the
optional question comes right after the promise is stored, and "not for a goal" leaves it as it is.

The goals come from ESY through the `client_goals` hook (meetings do not import ESY). Only the client and their
worker see which goal a promise is for: the other participants see their own promises, never the goals.
"""

from __future__ import annotations

from typing import Any

from flows.core.guards import value
from flows.core.hooks import ClientGoals, GoalRef
from flows.core.messages import N_, Msg, Param
from flows.core.results import Ask, Option, Say
from flows.core.spec import Conversation

NO_GOAL, FOR_GOAL = "no-goal", "for-goal:"
LINKING = "linking"  # the promise just stored, while the question is asked


async def load_goals(conv: Conversation, goals: ClientGoals | None, client_id: int | None) -> None:
    """The client's goals, as the question and the lists show them (none without the hook or a client)."""
    found = await goals(conv.work, client_id) if goals is not None and client_id is not None else []
    conv.data["goals"] = [ref.dump() for ref in found]


def client_goals(conv: Conversation) -> list[GoalRef]:
    return [GoalRef.load(data) for data in conv.data.get("goals", [])]


def going(conv: Conversation) -> list[GoalRef]:
    """The goals a promise may be for: those being worked on."""
    return [ref for ref in client_goals(conv) if ref.going]


def goal_title(conv: Conversation, goal_id: int | None) -> Msg | None:
    """A goal's title, if the promise is for one the client still has."""
    return next((ref.title for ref in client_goals(conv) if ref.id == goal_id), None) if goal_id else None


def view_goal(conv: Conversation) -> Ask:
    """Is the promise just written for one of the client's goals? (Optional.)"""
    params: dict[str, Param] = {"promise": conv.data.get("linking_text", "")}
    key = N_("goal_links.ask_client") if conv.who.is_client else N_("goal_links.ask_worker")
    if not conv.who.is_client:
        params["nickname"] = conv.data.get("nickname", "")
    options = [Option(f"{FOR_GOAL}{ref.id}", ref.title) for ref in going(conv)]
    return Ask(Msg(key, params), (*options, Option(NO_GOAL, Msg(N_("goal_links.no_goal")))))


def chose_goal(event: Any) -> bool:
    """One of the client's goals going now (a goal gone or reached meanwhile is not taken)."""
    chosen = value(event).removeprefix(FOR_GOAL)
    return value(event).startswith(FOR_GOAL) and chosen.isdigit() and any(
        ref.id == int(chosen) for ref in going(event.model))


def chose_no_goal(event: Any) -> bool:
    return value(event) == NO_GOAL


async def link_goal(event: Any) -> None:
    """The promise just stored is for the chosen goal, unless it is gone meanwhile."""
    conv: Conversation = event.model
    promise = await conv.work.meetings.promise(conv.data.pop(LINKING, -1))
    conv.data.pop("linking_text", None)
    goal_id = int(value(event).removeprefix(FOR_GOAL))
    if promise is None:
        conv.emit(Say(Msg(N_("goal_links.gone"))))
        return
    promise.goal_id = goal_id
    await conv.work.meetings.save_promise(promise)
    conv.emit(Say(Msg(N_("goal_links.linked"), {"goal": goal_title(conv, goal_id) or ""})))


def no_goal(event: Any) -> None:
    event.model.data.pop(LINKING, None)
    event.model.data.pop("linking_text", None)


def with_goal(conv: Conversation, line: Msg, goal_id: int | None) -> Msg:
    """A promise's line with the goal it is for under it (for the client and their worker only)."""
    title = goal_title(conv, goal_id)
    return Msg(N_("goal_links.promise_line"), {"line": line, "goal": title}) if title else line
