"""/hours: when each chat service is open next, in the person's language; never silence out of hours."""

from __future__ import annotations

from flows.chat import shifts
from flows.chat.schedule import Service
from flows.chat.setup import ChatSetup
from flows.core.messages import N_, Lines, Msg, Period
from flows.core.results import Say
from flows.core.spec import Conversation, FlowSpec
from flows.identity.regions import label_of

NAME = "hours"
VERSION = 1
SHOWN = 3


async def service_hours(conv: Conversation, service: Service) -> Msg:
    """One service's block: open now (someone answers), scheduled but unstaffed, or closed, and its next slots."""
    # The same schedule and duty /chat and the desk go by: the file with the coordinators' changes, and
    # "open now" only while someone is on duty to answer.
    schedule = await shifts.schedule_of(conv.work, service)
    answering = await shifts.available(conv.work, service, conv.now)
    scheduled = schedule.open_at(conv.now) is not None
    upcoming = [(start, end) for start, end in schedule.next_openings(conv.now, SHOWN + 1)
                if answering or start > conv.now][:SHOWN]  # unstaffed: the running slot helps nobody
    lines = Lines(tuple(Period(start, end) for start, end in upcoming)) if upcoming else Msg(N_("hours.none_soon"))
    key = N_("hours.service_open") if answering else (
        N_("hours.service_unstaffed") if scheduled else N_("hours.service"))
    return Msg(key, {"name": service.name, "opening": service.opening, "slots": lines})


class HoursSteps:
    """The one step of /hours, over the organisation's services."""

    def __init__(self, setup: ChatSetup) -> None:
        self.setup = setup

    async def on_start(self, conv: Conversation) -> None:
        """Every service's hours at once (under its region's name, when several regions answer: #14); the flow
        ends there."""
        regions = self.setup.regions()
        if len(regions) > 1:
            blocks = [Msg(N_("hours.region"), {"region": await label_of(conv.work, region), "services": Lines(tuple(
                [await service_hours(conv, service) for service in self.setup.for_region(region).services]), "\n\n")})
                for region in regions]
        else:
            blocks = [await service_hours(conv, service) for service in self.setup.services]
        conv.emit(Say(Msg(N_("hours.list"), {"services": Lines(tuple(blocks), "\n\n")})))
        conv.state = "closed"


def hours_flow(setup: ChatSetup) -> FlowSpec:
    """/hours: when each chat service is open next (no steps to take: it answers and ends)."""
    return FlowSpec(
        name=NAME, version=VERSION, states=["closed"], initial="closed", transitions=[], views={},
        help_key=N_("hours.help"), final=frozenset({"closed"}), on_start=HoursSteps(setup).on_start, ungated=True,
    )
