"""The region's services file: the default loads, each broken file says where and what; and the choice of
places that can help after an assessment (fewest points and wishes, language, ages, short for a phone)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from flows.core.messages import Msg
from flows.esy.instrument import Instrument, load_instrument
from flows.esy.places import PlacesSteps
from flows.esy.services import (
    MAX_AREAS,
    MAX_PER_AREA,
    RegionServices,
    ServicesFileError,
    area_message,
    chosen_areas,
    load_services,
    parse_services,
    places,
    places_message,
)

SOURCE = "orgs/oulu/services.toml"


def local(name: str) -> str:
    """A TOML inline table with a text in every language."""
    return f'{{ fi = "{name} fi", sv = "{name} sv", en = "{name} en" }}'


def entry(ident: str, areas: list[str], **extra: str) -> str:
    """One valid [[services]] entry; ``extra`` keys are added (or replace) as raw TOML values."""
    fields = {"id": f'"{ident}"', "name": local(ident), "helps": local(f"{ident} helps"),
              "areas": "[" + ", ".join(f'"{a}"' for a in areas) + "]", "web": f'"{ident}.fi"',
              "checked_on": "2026-12-01", **extra}
    return "[[services]]\n" + "\n".join(f"{key} = {value}" for key, value in fields.items() if value) + "\n"


def scores_with(instrument: Instrument, low: dict[str, float]) -> dict[str, float | None]:
    """Every area at 4 points except those given."""
    return {area.id: low.get(area.id, 4.0) for area in instrument.areas}


def test_default_file_loads_and_every_entry_is_marked_to_check(instrument: Instrument) -> None:
    text = Path("flows/esy/services.toml").read_text(encoding="utf-8")
    assert "TO BE CHECKED BY THE DEPLOYING ORGANISATION" in text
    services = parse_services(text, "flows/esy/services.toml", instrument)  # strict: every area id is known
    assert services == load_services(instrument)
    assert len(services.services) >= 5
    assert all(service.to_check for service in services.services)
    ids = {area.id for area in instrument.areas}
    assert all(set(service.areas) <= ids for service in services.services)


def test_default_mieli_number_is_the_crisis_files() -> None:
    """The crisis line's number is the same in both files (one of them must not drift)."""
    crisis = Path("flows/core/crisis.toml").read_text(encoding="utf-8")
    mieli = next(s for s in load_services(load_instrument()).services if s.id == "mieli")
    phone = mieli.contact[0]
    assert f'number = "{phone}"' in crisis


def test_custom_file_is_read(instrument: Instrument, tmp_path: Path) -> None:
    path = tmp_path / "services.toml"
    path.write_text(entry("nuoka", ["money"], phone='"040 123 4567"', hours=local("ma–pe 9–15"),
                          languages='["fi", "sv"]', ages="[16, 25]"), encoding="utf-8")
    service = load_services(instrument, path).services[0]
    assert service.contact == ("040 123 4567", "nuoka.fi")
    assert service.hours is not None and service.hours.sv == "ma–pe 9–15 sv"
    assert service.languages == ("fi", "sv") and service.ages == (16, 25) and not service.to_check


@pytest.mark.parametrize(("text", "where", "problem"), [
    (entry("a", ["nowhere"]), "services[0].areas", "no such ESY area: 'nowhere'"),
    (entry("a", []), "services[0].areas", "needs at least one"),
    (entry("a", ["money"]).replace('areas = ["money"]', "areas = [1]"), "services[0].areas", "expected a list of ESY"),
    (entry("a", ["money"]) + entry("a", ["home"]), "services[1].id", "used twice"),
    (entry("a", ["money"], web=""), "services[0]", "needs a way to reach it"),
    (entry("a", ["money"], languages='["de"]'), "services[0].languages", "needs language codes"),
    (entry("a", ["money"], ages="[30, 18]"), "services[0].ages", "expected [youngest, oldest]"),
    (entry("a", ["money"], ages='["x", 2]'), "services[0].ages", "expected [youngest, oldest]"),
    (entry("a", ["money"], to_check='"yes"'), "services[0].to_check", "expected true or false"),
    (entry("a", ["money"], checked_on='"last week"'), "services[0].checked_on", "expected date"),
    (entry("a", ["money"], checked_on=""), "services[0]", "missing 'checked_on'"),
    (entry("a", ["money"], phone_number='"1"'), "services[0]", "unknown key(s) ['phone_number']"),
    (entry("a", ["money"], helps='{ fi = "x" }'), "services[0].helps", "missing text in 'sv'"),
    ("colour = 1\n", "top level", "unknown key(s) ['colour']"),
])
def test_broken_file_names_file_place_and_problem(
    instrument: Instrument, text: str, where: str, problem: str,
) -> None:
    with pytest.raises(ServicesFileError) as raised:
        parse_services(text, SOURCE, instrument)
    assert str(raised.value).startswith(f"{SOURCE}: {where}: ")
    assert problem in str(raised.value)


def test_the_default_file_beside_another_instrument_keeps_only_its_areas(instrument: Instrument) -> None:
    """An organisation with its own instrument and no services file of its own still starts: the default's
    unknown areas are left out (a file of its own is refused for them, above)."""
    fewer = replace(instrument, areas=tuple(a for a in instrument.areas if a.id in {"money", "mood", "rhythm"}))
    services = load_services(fewer)
    assert services.services and all(set(s.areas) <= {"money", "mood", "rhythm"} for s in services.services)
    assert "paihdelinkki" not in {s.id for s in services.services}, "its only area is not in the instrument"
    with pytest.raises(ServicesFileError, match="no such ESY area"):
        parse_services(Path("flows/esy/services.toml").read_text(encoding="utf-8"), SOURCE, fewer)


def test_invalid_toml_and_missing_file_are_named(instrument: Instrument, tmp_path: Path) -> None:
    with pytest.raises(ServicesFileError, match=f"^{SOURCE}: not valid TOML"):
        parse_services("[[services]\n", SOURCE, instrument)
    missing = tmp_path / "nope.toml"
    with pytest.raises(ServicesFileError, match=f"^{missing}: cannot be read"):
        load_services(instrument, missing)


def test_areas_are_the_fewest_points_then_the_wishes(instrument: Instrument) -> None:
    money, mood, home = "money", "mood", "home"
    scores = scores_with(instrument, {mood: 1.0, money: 1.5})
    # The fewest points first (mood, then money: whole score groups, up to three areas), then the wished area.
    assert chosen_areas(instrument, scores, {home: "oma kämppä"}) == [mood, money, home]
    assert chosen_areas(instrument, scores_with(instrument, {}), {}) == []


def parsed(instrument: Instrument, *entries: str) -> RegionServices:
    return parse_services("".join(entries), SOURCE, instrument)


def test_places_respect_language_and_ages(instrument: Instrument) -> None:
    services = parsed(instrument,
                      entry("finnish", ["money"], languages='["fi"]'),
                      entry("children", ["money"], ages="[7, 15]"),
                      entry("young", ["money"], ages="[15, 18]"),
                      entry("anyone", ["money"]))
    scores = scores_with(instrument, {"money": 1.0})
    sv = [s.id for _, listed in places(services, instrument, scores, {}, "sv") for s in listed]
    fi = [s.id for _, listed in places(services, instrument, scores, {}, "fi") for s in listed]
    assert sv == ["young", "anyone"]
    assert fi == ["finnish", "young", "anyone"]


def test_places_stay_short_and_never_repeat_a_service(instrument: Instrument) -> None:
    areas = [area.id for area in instrument.areas]
    everywhere = [entry(f"s{i}", areas) for i in range(MAX_PER_AREA * (MAX_AREAS + 2))]
    services = parsed(instrument, *everywhere)
    scores = scores_with(instrument, {a: 1.0 for a in areas[:5]})
    chosen = places(services, instrument, scores, {}, "fi")
    assert len(chosen) == MAX_AREAS
    listed = [s.id for _, found in chosen for s in found]
    assert all(len(found) == MAX_PER_AREA for _, found in chosen)
    assert len(listed) == len(set(listed))


def test_an_area_without_services_gives_way_to_the_next(instrument: Instrument) -> None:
    services = parsed(instrument, entry("kela", ["home"]))
    scores = scores_with(instrument, {"money": 1.0})
    assert [a for a, _ in places(services, instrument, scores, {"home": "oma koti"}, "fi")] == ["home"]
    assert places_message(services, instrument, scores, {}, "fi") is None


def test_all_places_for_an_area_fit_the_language_and_say_none_plainly(instrument: Instrument) -> None:
    services = parsed(instrument, entry("finnish", ["money"], languages='["fi"]'), entry("anyone", ["money"]))
    fi, sv = (area_message(services, instrument, "money", language) for language in ("fi", "sv"))
    assert "finnish fi" in repr(fi) and "anyone fi" in repr(fi)
    assert "finnish" not in repr(sv) and "anyone sv" in repr(sv)
    assert area_message(services, instrument, "home", "fi").key == "places.none"


def test_message_names_each_area_and_service_and_says_whether_checked(instrument: Instrument) -> None:
    unchecked = parsed(instrument, entry("nuoka", ["money"], to_check="true", hours=local("ma–pe")))
    message = places_message(unchecked, instrument, scores_with(instrument, {"money": 1.0}), {}, "fi")
    assert message is not None and message.key == "esy.places"
    assert message.params["note"] == Msg("esy.places.unchecked")
    text = repr(message)
    assert "nuoka fi" in text and "nuoka.fi" in text and "ma–pe fi" in text and "esy.places.hours" in text
    checked = parsed(instrument, entry("nuoka", ["money"]))
    message = places_message(checked, instrument, scores_with(instrument, {"money": 1.0}), {}, "fi")
    assert message is not None and message.params["note"] == Msg("esy.places.checked")


def test_places_flow_takes_only_an_area_of_the_instrument(instrument: Instrument) -> None:
    """/places takes an area of the instrument and refuses any other value (a stale or forged button)."""
    steps = PlacesSteps(instrument, load_services(instrument))

    class Event:
        def __init__(self, value: str) -> None:
            self.kwargs = {"value": value}

    assert steps.chose_area(Event("money")) and not steps.chose_area(Event("nowhere"))
