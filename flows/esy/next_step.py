"""The next step after a finished circle (#12 §2): a goal offered, never forced; or, to someone with a goal
still going, a look at their goals instead of a first goal offered again."""

from __future__ import annotations

from flows.core.messages import N_, Msg
from storage.ports import UnitOfWork


async def goals_line(work: UnitOfWork, key: str) -> Msg:
    """The line under the summary: their goals if one is going, else the offer to set one."""
    going = [goal for goal in await work.goals.for_user(key) if goal.status == "going"]
    return Msg(N_("esy.goals_look") if going else N_("esy.goals_offer"))
