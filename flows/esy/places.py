"""/places: every place that can help with one ESY area, chosen from the instrument's areas (ESY phase 3).

It only reads the services file: nothing is stored, so it needs no consent and has nothing for /mydata.
"""

from __future__ import annotations

from typing import Any

from flows.core.messages import N_, Msg
from flows.core.results import Ask, Done, Option
from flows.core.spec import Conversation, FlowSpec
from flows.esy.instrument import Instrument
from flows.esy.services import RegionServices, area_message

NAME = "places"
VERSION = 1


def places_flow(instrument: Instrument, services: RegionServices) -> FlowSpec:
    """/places: choose an area, see every service for it in your language; then back to the menu."""
    steps = PlacesSteps(instrument, services)
    return FlowSpec(
        name=NAME, version=VERSION, states=["area", "done"], initial="area",
        transitions=[
            dict(trigger="choose", source="area", dest="done", conditions=[steps.chose_area], before=[steps.show]),
        ],
        views={"area": steps.view_area}, help_key=N_("places.help"), final=frozenset({"done"}), ungated=True,
    )


class PlacesSteps:
    """The steps over the instrument's areas and the region's services."""

    def __init__(self, instrument: Instrument, services: RegionServices) -> None:
        self.instrument = instrument
        self.services = services

    def view_area(self, conv: Conversation) -> Ask:
        """Which area: every area of the instrument, by its name."""
        return Ask(Msg(N_("places.choose")), tuple(Option(a.id, a.name) for a in self.instrument.areas))

    def chose_area(self, event: Any) -> bool:
        """Only an area of the instrument (a stale or made-up value is asked again)."""
        return any(a.id == event.kwargs.get("value") for a in self.instrument.areas)

    def show(self, event: Any) -> None:
        """Every service for the chosen area; the flow ends there."""
        conv: Conversation = event.model
        conv.emit(Done(area_message(self.services, self.instrument, event.kwargs["value"], conv.language)))
