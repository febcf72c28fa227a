"""The region's services as data, and "places that can help" after an assessment (ESY phase 3).

The services file names, for each service, the ESY areas it helps with (ids checked against the instrument),
how to reach it, its hours, languages and ages, in fi/sv/en. After an assessment the young person sees a few of
them for the areas with the fewest points and the areas where they wished for a change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from flows.core.datafile import DataFileError, DataReader, parse_toml
from flows.core.messages import LANGUAGES, N_, Lines, LocalText, Msg
from flows.esy.instrument import Instrument
from flows.esy.scoring import lowest, strongest

DEFAULT_SERVICES = "services.toml"
# Kaari is for young adults: a service whose ages do not reach into this range is not offered.
AGES = (18, 29)
# A phone screen's worth: at most this many areas, and this many services for each.
MAX_AREAS = 3
MAX_PER_AREA = 3
_KEYS = {"id", "name", "helps", "areas", "phone", "web", "address", "reach", "hours", "languages", "ages",
         "checked_on", "to_check"}


class ServicesFileError(DataFileError):
    """The services file is unusable."""


@dataclass(frozen=True)
class RegionService:
    """One place that can help: what with (ESY areas), how to reach it, when, in which languages, for whom."""

    id: str
    name: LocalText
    helps: LocalText
    areas: tuple[str, ...]
    contact: tuple[str, ...]  # phone, web, address: the same in every language
    reach: LocalText | None
    hours: LocalText | None
    languages: tuple[str, ...]  # empty: not said, shown to everyone
    ages: tuple[int, int] | None
    checked_on: date
    to_check: bool

    def fits(self, language: str, ages: tuple[int, int] = AGES) -> bool:
        """Whether the service speaks ``language`` (when it says) and its ages reach into ``ages``."""
        if self.languages and language not in self.languages:
            return False
        return self.ages is None or (self.ages[0] <= ages[1] and ages[0] <= self.ages[1])


@dataclass(frozen=True)
class RegionServices:
    """The services file, read."""

    services: tuple[RegionService, ...]

    def for_area(self, area_id: str, language: str) -> list[RegionService]:
        """Every service for one area that fits the person's language and Kaari's ages, in the file's order."""
        return [s for s in self.services if area_id in s.areas and s.fits(language)]


class _Reader(DataReader):
    """Validates one parsed services file against the instrument's areas."""

    error = ServicesFileError

    def __init__(self, source: str, instrument: Instrument, strict: bool = True) -> None:
        super().__init__(source)
        self.area_ids = [area.id for area in instrument.areas]
        self.strict = strict

    def services(self, raw: dict[str, Any]) -> RegionServices:
        """The whole file: a list of services with unique ids."""
        self.table(raw, "top level", {"services"})
        entries = self.field(raw, "services", list, "top level")
        services = [self.service(entry, f"services[{i}]") for i, entry in enumerate(entries)]
        ids = [service.id for service in services]
        for i, ident in enumerate(ids):
            if ident in ids[:i]:
                raise self.fail(f"services[{i}].id", f"id '{ident}' is used twice")
        return RegionServices(tuple(service for service in services if service.areas))

    def service(self, entry: Any, where: str) -> RegionService:
        """One service; every optional part checked when it is there."""
        self.table(entry, where, _KEYS)
        contact = tuple(self.field(entry, key, str, where).strip() for key in ("phone", "web", "address")
                        if key in entry)
        if not any(contact) and "reach" not in entry:
            raise self.fail(where, "needs a way to reach it: 'phone', 'web', 'address' or 'reach'")
        checked = self.field(entry, "checked_on", date, where)
        to_check = entry.get("to_check", False)
        if not isinstance(to_check, bool):
            raise self.fail(f"{where}.to_check", "expected true or false")
        return RegionService(
            id=self.field(entry, "id", str, where), name=self.text(entry, "name", where),
            helps=self.text(entry, "helps", where), areas=self.areas(entry, where),
            contact=tuple(part for part in contact if part),
            reach=self.text(entry, "reach", where) if "reach" in entry else None,
            hours=self.text(entry, "hours", where) if "hours" in entry else None,
            languages=self.languages(entry, where), ages=self.ages(entry, where),
            checked_on=checked, to_check=to_check,
        )

    def areas(self, entry: dict[str, Any], where: str) -> tuple[str, ...]:
        """A non-empty list of the instrument's area ids: an unknown id would never be shown."""
        value = self.field(entry, "areas", list, where)
        if not value:
            raise self.fail(f"{where}.areas", "needs at least one ESY area id")
        for area in value:
            if not isinstance(area, str):
                raise self.fail(f"{where}.areas", "expected a list of ESY area ids")
            if area not in self.area_ids and self.strict:
                raise self.fail(f"{where}.areas", f"no such ESY area: {area!r}; the instrument has {self.area_ids}")
        # Not strict (Kaari's default file beside an organisation's own instrument): unknown areas are left out.
        return tuple(area for area in value if area in self.area_ids)

    def languages(self, entry: dict[str, Any], where: str) -> tuple[str, ...]:
        """The languages it serves in, codes Kaari speaks; none given is none."""
        if "languages" not in entry:
            return ()
        value = self.field(entry, "languages", list, where)
        if not value or any(language not in LANGUAGES for language in value):
            raise self.fail(f"{where}.languages", f"needs language codes from {list(LANGUAGES)}")
        return tuple(value)

    def ages(self, entry: dict[str, Any], where: str) -> tuple[int, int] | None:
        """``[youngest, oldest]``, whole years, youngest first."""
        if "ages" not in entry:
            return None
        value = self.field(entry, "ages", list, where)
        if (len(value) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
                or not 0 <= value[0] <= value[1]):
            raise self.fail(f"{where}.ages", "expected [youngest, oldest], e.g. [15, 29]")
        return value[0], value[1]


def parse_services(text: str, source: str, instrument: Instrument, strict: bool = True) -> RegionServices:
    """Parse and validate a services file; ``source`` names the file in error messages. Not ``strict``, area
    ids the instrument lacks are left out instead of refused (and a service left with none)."""
    return _Reader(source, instrument, strict).services(parse_toml(text, source, ServicesFileError))


def load_services(instrument: Instrument, path: Path | None = None) -> RegionServices:
    """The organisation's services file, or the default shipped with Kaari.

    The default is written for the default instrument: beside an organisation's own instrument it keeps only
    the areas that instrument has (its own services file is checked strictly).
    """
    if path is None:
        text = resources.files(__package__ or "").joinpath(DEFAULT_SERVICES).read_text(encoding="utf-8")
        return parse_services(text, f"flows/esy/{DEFAULT_SERVICES}", instrument, strict=False)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ServicesFileError(f"{path}: cannot be read: {error.strerror}") from error
    return parse_services(text, str(path), instrument)


def chosen_areas(instrument: Instrument, scores: Mapping[str, float | None], wishes: Mapping[str, str]) -> list[str]:
    """The areas to suggest places for: the "fewest points" group of the summary, then areas with a wish for
    change (in the instrument's order), each once."""
    bottom = lowest(scores, exclude=strongest(scores))
    wished = [area.id for area in instrument.areas if wishes.get(area.id)]
    return list(dict.fromkeys([*bottom, *wished]))


def places(
    services: RegionServices, instrument: Instrument, scores: Mapping[str, float | None],
    wishes: Mapping[str, str], language: str,
) -> list[tuple[str, list[RegionService]]]:
    """For at most `MAX_AREAS` chosen areas that have fitting services, at most `MAX_PER_AREA` services each."""
    found: list[tuple[str, list[RegionService]]] = []
    shown: set[str] = set()
    for area_id in chosen_areas(instrument, scores, wishes):
        # A service already listed under an earlier area is not repeated: the message stays short.
        fitting = [s for s in services.for_area(area_id, language) if s.id not in shown][:MAX_PER_AREA]
        if fitting and len(found) < MAX_AREAS:
            found.append((area_id, fitting))
            shown.update(s.id for s in fitting)
    return found


def service_line(service: RegionService) -> Msg:
    """One service as a few short lines: its name and what it helps with, how to reach it, its hours (the longer
    directions only when there is no phone, web or address to give)."""
    parts = [Msg(N_("esy.places.service"), {"name": service.name, "helps": service.helps})]
    if service.contact:
        parts.append(Msg(N_("esy.places.contact"), {"contact": Lines(service.contact, " · ")}))
    elif service.reach is not None:
        parts.append(Msg(N_("esy.places.reach"), {"reach": service.reach}))
    if service.hours is not None:
        parts.append(Msg(N_("esy.places.hours"), {"hours": service.hours}))
    return Msg(N_("esy.places.entry"), {"lines": Lines(tuple(parts))})


def places_message(
    services: RegionServices, instrument: Instrument, scores: Mapping[str, float | None],
    wishes: Mapping[str, str], language: str,
) -> Msg | None:
    """"Places that can help with this" after an assessment, or None when no service fits."""
    chosen = places(services, instrument, scores, wishes, language)
    if not chosen:
        return None
    names = {area.id: area.name for area in instrument.areas}
    sections = tuple(
        Msg(N_("esy.places.area"), {"area": names[area_id],
                                    "lines": Lines(tuple(service_line(s) for s in listed))})
        for area_id, listed in chosen
    )
    unchecked = any(s.to_check for _, listed in chosen for s in listed)
    key = N_("esy.places.unchecked") if unchecked else N_("esy.places.checked")
    return Msg(N_("esy.places"), {"sections": Lines(sections, "\n\n"), "note": Msg(key)})


def area_message(services: RegionServices, instrument: Instrument, area_id: str, language: str) -> Msg:
    """Every service for one area that fits the person (language, ages), or a plain "none yet"."""
    area = next(a for a in instrument.areas if a.id == area_id)
    listed = services.for_area(area_id, language)
    if not listed:
        return Msg(N_("places.none"), {"area": area.name})
    key = N_("esy.places.unchecked") if any(s.to_check for s in listed) else N_("esy.places.checked")
    return Msg(N_("places.all"), {"section": Msg(N_("esy.places.area"), {
        "area": area.name, "lines": Lines(tuple(service_line(s) for s in listed))}), "note": Msg(key)})
