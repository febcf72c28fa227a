"""/effect: the effect report for coordinators (#12 §6): how people's ESY circles changed in a period.

The coordinator chooses the period (the last 6 or 12 months, or two months typed); the report counts, per area,
the people with a first and a later circle in it, from the circles still held (anonymous and linked people
alike, by an opaque number, never a nickname or key) and, where the organisation asks consent "effect", the
de-identified records kept after deletions (flows/esy/effect_records.py). The arithmetic and the small-number
rule are in flows/esy/effect.py; the chart (with its limits stated) and the CSV are drawn by the channel in the
coordinator's language. Nothing is stored.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flows.core.dates import HELSINKI
from flows.core.guards import value
from flows.core.messages import N_, Msg, Param
from flows.core.results import Ask, Document, Option, Say
from flows.core.spec import Conversation, FlowSpec, Who
from flows.esy.effect import (
    SERVICE,
    Period,
    Person,
    last_months,
    masked,
    parse_period,
    people_from_circles,
    people_from_records,
    report,
)
from flows.esy.effect_records import EffectLabels, Labels
from flows.esy.instrument import Instrument
from flows.esy.services import RegionServices
from flows.identity.regions import person_in, region_of
from storage.ports import UnitOfWork

NAME = "effect"
VERSION = 1
PRESETS = ("6", "12")  # months, offered as buttons


def is_coordinator(who: Who) -> bool:
    """Only coordinators see the effect report."""
    return who.is_coordinator


def view_period(conv: Conversation) -> Ask:
    """Which period: the last 6 or 12 months, or two months typed."""
    return Ask(Msg(N_("effect.choose_period")),
               tuple(Option(months, Msg(N_("effect.last_months"), {"months": int(months)})) for months in PRESETS),
               free_text=True, max_length=40)


def today(conv: Conversation) -> date:
    """Today in Helsinki: the months are Helsinki's (on New Year's Eve at 23.30 UTC it is already January)."""
    return conv.now.astimezone(HELSINKI).date()


def chose_preset(event: Any) -> bool:
    """A period button (a stale or made-up value is asked again)."""
    return value(event) in PRESETS


def typed_period(event: Any) -> bool:
    """Two readable months, kept for the report; anything else is answered by ``bad_period``."""
    conv: Conversation = event.model
    period = parse_period(str(event.kwargs.get("text", "")), today(conv))
    if period is None:
        return False
    conv.data["period"] = [period.first.isoformat(), period.end.isoformat()]
    return True


def bad_period(event: Any) -> None:
    """How to type a period (the question is asked again)."""
    event.model.emit(Say(Msg(N_("effect.bad_period"))))


class EffectSteps:
    """The report's one real step, over the instrument, the label sources and whether records may be kept."""

    def __init__(self, instrument: Instrument, labels: EffectLabels, records: bool,
                 services: RegionServices | None) -> None:
        self.instrument, self.labels, self.records = instrument, labels, records
        # A service label is the service's id: its name in the reader's language comes with the report.
        self.names = {service.id: {"fi": service.name.fi, "sv": service.name.sv, "en": service.name.en}
                      for service in (services.services if services else ())}

    async def held(self, work: UnitOfWork, period: Period, region: str) -> list[Person]:
        """The people of ``region`` (#14) whose first and latest circle in the period are still held."""
        rows = await work.assessments.completed_between(period.start_at, period.end_at)
        counted: dict[str, bool] = {}  # a person has several circles: whose region, looked up once
        for row in rows:
            if row.user_key not in counted:
                counted[row.user_key] = await person_in(work, row.user_key, region)
        rows = [row for row in rows if counted[row.user_key]]
        labels: dict[str, Labels] = {}
        for row in rows:
            if row.user_key not in labels:
                labels[row.user_key] = await self.labels.of(work, row.user_key)
        return people_from_circles(rows, self.instrument.id, labels.__getitem__)

    async def kept(self, work: UnitOfWork, period: Period, region: str) -> list[Person]:
        """The records of ``region``'s clients kept after deletions whose first and latest month lie in the
        period."""
        if not self.records:
            return []
        return people_from_records(await work.effect_records.of_region(region, *period.months), self.instrument.id)

    async def show(self, conv: Conversation, period: Period) -> None:
        """The report in a few lines, then the chart and the CSV (drawn by the channel); the flow ends."""
        region = region_of(conv.who.staff)
        held, kept = await self.held(conv.work, period, region), await self.kept(conv.work, period, region)
        cells = report(held + kept, [area.id for area in self.instrument.areas])
        first, last = period.months
        counts = {"held": masked(len(held)), "kept": masked(len(kept)), "records": self.records}
        conv.emit(Say(Msg(N_("effect.summary"), {"first": _month(first), "last": _month(last),
                                                 "covers": covers(counts)})))
        data = {
            "generated_at": conv.now.isoformat(), "first_month": first, "last_month": last, **counts,
            "areas": [{"id": area.id, "name": {"fi": area.name.fi, "sv": area.name.sv, "en": area.name.en}}
                      for area in self.instrument.areas],
            "service_names": {cell.label: self.names[cell.label] for cell in cells
                              if cell.dimension == SERVICE and cell.label in self.names},
            "cells": [{"area": cell.area, "dimension": cell.dimension, "label": cell.label, "n": cell.n,
                       "median": cell.median, "improved": cell.improved, "hidden": cell.hidden} for cell in cells],
        }
        conv.emit(Document("effect_report", data, Msg(N_("effect.caption"))))

    async def show_preset(self, event: Any) -> None:
        """The last 6 or 12 months, this one included."""
        conv: Conversation = event.model
        await self.show(conv, last_months(today(conv), int(value(event))))

    async def show_typed(self, event: Any) -> None:
        """The typed months (read by ``typed_period``)."""
        conv: Conversation = event.model
        first, end = conv.data.pop("period")
        await self.show(conv, Period(_day(first), _day(end)))


def covers(counts: dict[str, Any]) -> Msg:
    """Which data the report covers, with how many people (one to four shown as "fewer than 5"): the circles
    still held only, or those and the records kept after deletion."""
    if counts["records"]:
        return Msg(N_("effect.covers_records"), {"held": _count(counts["held"]), "kept": _count(counts["kept"])})
    return Msg(N_("effect.covers_held"), {"held": _count(counts["held"])})


def _count(value: int | None) -> Param:
    return Msg(N_("effect.fewer")) if value is None else value


def _month(text: str) -> str:
    """"2026-07" as people write it: "7/2026"."""
    year, month = text.split("-")
    return f"{int(month)}/{year}"


def _day(text: str) -> date:
    return date.fromisoformat(text)


def effect_flow(
    instrument: Instrument, labels: EffectLabels | None = None, records: bool = True,
    services: RegionServices | None = None,
) -> FlowSpec:
    """/effect: choose a period, get the report; ``records``: the organisation asks consent "effect";
    ``services``: the region's services, whose names the report shows for their ids."""
    steps = EffectSteps(instrument, labels or EffectLabels(), records, services)
    return FlowSpec(
        name=NAME, version=VERSION, states=["period", "shown"], initial="period",
        transitions=[
            dict(trigger="choose", source="period", dest="shown", conditions=[chose_preset],
                 before=[steps.show_preset]),
            dict(trigger="text", source="period", dest="shown", conditions=[typed_period],
                 before=[steps.show_typed]),
            dict(trigger="text", source="period", dest="period", before=[bad_period]),
        ],
        views={"period": view_period}, help_key=N_("effect.help"), final=frozenset({"shown"}),
        allowed=is_coordinator,
    )
