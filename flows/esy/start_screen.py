"""The words at the start of the circle: the whole intro the first time, a short one that says when the last circle
was for someone coming back, and one line when they are back at the start after looking at something from it.

The buttons are the same in every case (the ESY flow's `view_intro`); only the words get shorter, for a young
person on a phone who has read the long version already.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flows.core.messages import N_, Msg
from flows.core.spec import Conversation

LAST_AT = "last_at"  # conv.data: when the person's latest stored circle of this instrument was (iso), if any
LOOKED = "looked"  # conv.data: something was just shown from the start (progress, a share): one line will do


class StartScreen:
    """Which intro to show for one instrument."""

    def __init__(self, instrument_id: str) -> None:
        self.instrument_id = instrument_id

    async def note(self, conv: Conversation) -> None:
        """At the start and back at it: the date of the latest stored circle (a circle may have been deleted)."""
        latest = await conv.work.assessments.latest(conv.key, self.instrument_id)
        if latest is None:
            conv.data.pop(LAST_AT, None)
        else:
            conv.data[LAST_AT] = latest.completed_at.isoformat()

    async def refresh(self, conv: Conversation) -> None:
        """Before the next input: the short line was for right after the look, not for the next time here."""
        conv.data.pop(LOOKED, None)
        if conv.state == "intro":
            await self.note(conv)

    def prompt(self, conv: Conversation, areas: int, minutes: int) -> Msg:
        """One line after a look from the start; the returning intro with the last circle's date; else the whole."""
        if conv.data.get(LOOKED):
            return Msg(N_("esy.intro_back"))
        if (last := conv.data.get(LAST_AT)) is not None:
            return Msg(N_("esy.intro_again"), {"date": datetime.fromisoformat(last), "minutes": minutes})
        return Msg(N_("esy.intro"), {"areas": areas, "minutes": minutes})


def looked(event: Any) -> None:
    """Something was shown from the start of the circle: coming back to it, one line is enough."""
    event.model.data[LOOKED] = True
