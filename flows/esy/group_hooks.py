"""What ESY groups add to the duties that cross rooms (#12 §5): the groups' join codes for /code, and the person's
memberships and group answers in /mydata. /forget and the anonymous retention delete the person's user row, and
their memberships and answers go with it (the schema's cascade); withdrawing consent (c) deletes their circles,
and so their answers stop counting; leaving (My groups) takes both."""

from __future__ import annotations

from typing import Any

from flows.core.hooks import Hooks
from flows.core.spec import Conversation
from flows.esy.group_joining import GroupJoining


async def mydata(conv: Conversation) -> dict[str, Any]:
    """The groups the person is in and which rounds they answered (their answers are their circles, listed with
    the assessments)."""
    work = conv.work
    answered = {row.round_id: row for row in await work.groups.answers_of(conv.key)}
    found = []
    for member in await work.groups.memberships(conv.key):
        group = await work.groups.get(member.group_id)
        if group is None:
            continue
        rounds = await work.groups.rounds(member.group_id)
        found.append({"name": group.name, "starts": group.starts_on.isoformat(), "ends": group.ends_on.isoformat(),
                      "joined_at": member.joined_at.isoformat(), "answers": [
                          {"round": number, "area": row.area, "answered_at": answer.answered_at.isoformat(),
                           "assessment": answer.assessment_id}
                          for number, row in enumerate(rounds, 1) if (answer := answered.get(row.id or 0))]})
    return {"esy_groups": found} if found else {}


def register(hooks: Hooks, secret: str) -> None:
    """The groups' part: their codes are found by /code; /mydata lists memberships."""
    hooks.join_codes.append(GroupJoining(secret))
    hooks.mydata.append(mydata)
