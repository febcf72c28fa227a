"""/hours: when each chat service is open next, in the person's language; never silence out of hours."""

from __future__ import annotations

from flows.chat import shifts
from flows.chat.setup import ChatSetup
from flows.core.messages import N_, Lines, Msg, Period
from flows.core.results import Say
from flows.core.spec import Conversation, FlowSpec

NAME = "hours"
VERSION = 1
SHOWN = 3


def hours_flow(setup: ChatSetup) -> FlowSpec:
    async def on_start(conv: Conversation) -> None:
        # The same schedule and duty /chat and the desk go by: the file with the coordinators' changes, and
        # "open now" only while someone is on duty to answer.
        blocks = []
        for service in setup.services:
            schedule = await shifts.schedule_of(conv.work, service)
            answering = await shifts.available(conv.work, service, conv.now)
            scheduled = schedule.open_at(conv.now) is not None
            upcoming = [(start, end) for start, end in schedule.next_openings(conv.now, SHOWN + 1)
                        if answering or start > conv.now][:SHOWN]  # unstaffed: the running slot helps nobody
            lines = Lines(tuple(Period(start, end) for start, end in upcoming)) if upcoming else Msg(
                N_("hours.none_soon"))
            key = N_("hours.service_open") if answering else (
                N_("hours.service_unstaffed") if scheduled else N_("hours.service"))
            blocks.append(Msg(key, {"name": service.name, "opening": service.opening, "slots": lines}))
        conv.emit(Say(Msg(N_("hours.list"), {"services": Lines(tuple(blocks), "\n\n")})))
        conv.state = "closed"

    return FlowSpec(
        name=NAME, version=VERSION, states=["closed"], initial="closed", transitions=[], views={},
        help_key=N_("hours.help"), final=frozenset({"closed"}), on_start=on_start, ungated=True,
    )
