"""The network meetings' promises made for a goal, beside the goal (#12 §2): who promised what, by when, and
whether it is done, in the goal's view for the young person (/goals) and for the responsible worker (the
client's plan). The meetings link a promise to a goal when it is recorded (flows/meetings/goal_links.py); ESY
only reads them, through the storage port."""

from __future__ import annotations

from datetime import date
from typing import Any

from flows.core.dates import as_day
from flows.core.messages import N_, Lines, Msg, Param
from flows.core.spec import Conversation

MARK = {"open": "▫️", "done": "✅", "help": "🆘"}


async def load_promises(conv: Conversation) -> None:
    """The promises made for the goals in ``conv.data["goals"]``, by due date."""
    found: list[dict[str, Any]] = []
    for goal in conv.data["goals"]:
        for promise in await conv.work.meetings.promises_for_goal(goal["id"]):
            owner = await conv.work.meetings.participant(promise.participant_id)
            found.append({"goal": goal["id"], "who": owner.name if owner else "?", "text": promise.text,
                          "due": promise.due.isoformat(), "status": promise.status})
    conv.data["promises"] = found


def promise_section(conv: Conversation, goal_id: int) -> Msg | None:
    """The promises for one goal, a done one marked so; None when there are none."""
    lines: tuple[Param, ...] = tuple(
        Msg(N_("goal_promises.line"), {"mark": MARK.get(p["status"], MARK["open"]), "who": p["who"],
                                       "promise": p["text"], "due": as_day(date.fromisoformat(p["due"]))})
        for p in conv.data.get("promises", []) if p["goal"] == goal_id)
    return Msg(N_("goal_promises.section"), {"lines": Lines(lines)}) if lines else None
