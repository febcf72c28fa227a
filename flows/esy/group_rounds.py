"""A group member's side of a round (#12 §5), inside the ESY flow: the rounds waiting for them are offered at the
start of the circle, a session's round asks its one area only, and the finished circle is linked to the round.

The answer is the member's own assessment (they see their circle as usual); the round holds only a link to it,
and only when it is stored (a linked client without consent (c) is told their answer is not counted).
"""

from __future__ import annotations

from typing import Any

from flows.core.messages import N_, Msg, Number
from flows.core.results import Done, Option, Say
from flows.core.spec import Conversation
from flows.esy.instrument import Instrument
from flows.esy.scoring import area_scores
from storage.ports import AnswerRow, AssessmentRow

ROUND = "round:"  # an intro option's value: "round:<id>"
PUSH = "group_round"  # the outbox kind of a round's notice to a member


async def waiting(conv: Conversation) -> list[dict[str, Any]]:
    """The newest round of each open group of the person that they have not answered yet."""
    answered = {row.round_id for row in await conv.work.groups.answers_of(conv.key)}
    found: list[dict[str, Any]] = []
    for member in await conv.work.groups.memberships(conv.key):
        group = await conv.work.groups.get(member.group_id)
        rounds = await conv.work.groups.rounds(member.group_id)
        if group is None or group.closed_at is not None or not rounds or rounds[-1].id in answered:
            continue
        found.append({"round": rounds[-1].id, "group": group.name, "area": rounds[-1].area})
    return found


class GroupRounds:
    """The ESY flow's group steps, for one instrument."""

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument
        self.index = {area.id: number for number, area in enumerate(instrument.areas)}
        self.names = {area.id: area.name for area in instrument.areas}

    async def note_waiting(self, conv: Conversation) -> None:
        """At the start (and while still at the start): which group rounds the person could answer now."""
        if conv.state == "intro":
            conv.data["rounds"] = [item for item in await waiting(conv) if item["area"] in (None, *self.index)]

    def options(self, conv: Conversation) -> tuple[Option, ...]:
        """A button per waiting round, named by its group (and the session's area)."""
        return tuple(
            Option(f"{ROUND}{item['round']}", Msg(N_("esy.group_round"), {"group": item["group"]})
                   if item["area"] is None else Msg(N_("esy.group_round_area"),
                                                    {"group": item["group"], "area": self.names[item["area"]]}))
            for item in conv.data.get("rounds", []))

    def chose_round(self, event: Any) -> bool:
        """A waiting round's button."""
        chosen = str(event.kwargs.get("value", ""))
        return any(chosen == f"{ROUND}{item['round']}" for item in event.model.data.get("rounds", []))

    def start_round(self, event: Any) -> None:
        """The circle is for this round; a session's round starts at its area and asks only that one."""
        data = event.model.data
        chosen = int(str(event.kwargs["value"]).removeprefix(ROUND))
        item = next(item for item in data["rounds"] if item["round"] == chosen)
        data["round"] = chosen
        if item["area"] is not None:
            data.update(only=item["area"], area=self.index[item["area"]], item=0)

    def area_done(self, conv: Conversation, row: AssessmentRow, kept: Msg) -> None:
        """A session's one area answered: its points (the circle of one area would say little), and what
        happens to it."""
        area = self.instrument.areas[self.index[conv.data["only"]]]
        score = area_scores(self.instrument, row.ratings)[area.id]
        line = (Msg(N_("esy.group_area_done"), {"area": area.name, "score": Number(score),
                                                 "max": self.instrument.scale_max}) if score is not None
                else Msg(N_("esy.group_area_skipped"), {"area": area.name}))
        conv.emit(Done(Msg(N_("esy.group_area_summary"), {"line": line, "kept": kept})))

    async def link(self, conv: Conversation) -> None:
        """The stored circle counts in the round (a member who left meanwhile is not counted)."""
        chosen = conv.data.get("round")
        found = await conv.work.groups.round(chosen) if chosen is not None else None
        if found is None:
            return
        group = await conv.work.groups.get(found.group_id)
        members = {row.user_key for row in await conv.work.groups.members(found.group_id)}
        if group is None or conv.key not in members:
            return
        if "assessment" not in conv.data:
            conv.emit(Say(Msg(N_("esy.group_not_counted"), {"group": group.name})))
            return
        await conv.work.groups.answer(AnswerRow(found.id or 0, conv.key, conv.data["assessment"], conv.now))
        conv.emit(Say(Msg(N_("esy.group_counted"), {"group": group.name})))
