"""/hours: when each chat service is open next, in the person's language; never silence out of hours."""

from __future__ import annotations

from flows.messages import N_, Lines, Msg, Period
from flows.results import Say
from flows.schedule import Service
from flows.spec import Conversation, FlowSpec

NAME = "hours"
VERSION = 1
SHOWN = 3


def hours_flow(services: tuple[Service, ...]) -> FlowSpec:
    async def on_start(conv: Conversation) -> None:
        blocks = []
        for service in services:
            now_open = service.open_at(conv.now)
            upcoming = service.next_openings(conv.now, SHOWN)
            lines = Lines(tuple(Period(start, end) for start, end in upcoming)) if upcoming else Msg(
                N_("hours.none_soon"))
            key = N_("hours.service_open") if now_open else N_("hours.service")
            blocks.append(Msg(key, {"name": service.name, "opening": service.opening, "slots": lines}))
        conv.emit(Say(Msg(N_("hours.list"), {"services": Lines(tuple(blocks), "\n\n")})))
        conv.state = "closed"

    return FlowSpec(
        name=NAME, version=VERSION, states=["closed"], initial="closed", transitions=[], views={},
        help_key=N_("hours.help"), final=frozenset({"closed"}), on_start=on_start, ungated=True,
    )
