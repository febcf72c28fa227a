"""Instrument files: the default loads, broken files say where and what, a custom file runs the ESY."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.bootstrap import all_flows
from flows.core.engine import Engine
from flows.core.messages import LANGUAGES, LocalText
from flows.esy import esy
from flows.esy.instrument import DEFAULT_INSTRUMENT, Instrument, InstrumentError, load_instrument, parse_instrument
from flows.esy.scoring import changes
from storage.memory import MemoryStore
from storage.ports import AssessmentRow
from tests.conftest import Clock
from tests.flows.core.test_engine import Catalog, Chat, number, question, stored_assessments

SOURCE = "orgs/helsinki/esy.toml"


def local(name: str) -> str:
    """A TOML inline table with a text in every language."""
    return f'{{ fi = "{name} fi", sv = "{name} sv", en = "{name} en" }}'


def instrument_toml(areas: int = 3, statements: int = 1, scale: tuple[int, ...] = (1, 2, 3, 4)) -> str:
    """A valid instrument file with ``areas`` areas of ``statements`` statements each."""
    lines = ['id = "test-esy"', "version = 2", f"name = {local('Ympyrä')}"]
    for value in scale:
        lines += ["[[scale]]", f"value = {value}", f"label = {local(f'Point {value}')}"]
    for i in range(areas):
        lines += ["[[areas]]", f'id = "a{i}"', f"name = {local(f'Area {i}')}"]
        for j in range(statements):
            reverse = "\nreverse = true" if (i, j) == (0, 0) else ""
            statement = f"text = {local(f'Statement {i}.{j}')}{reverse}"
            lines += ["[[areas.statements]]", f'id = "a{i}.s{j}"', statement]
    return "\n".join(lines) + "\n"


def texts(instrument: Instrument) -> list[LocalText]:
    """Every text an instrument shows."""
    found = [instrument.name, *(point.label for point in instrument.scale)]
    for area in instrument.areas:
        found += [area.name, *(statement.text for statement in area.statements)]
    return found


def test_the_default_instrument_loads_complete(instrument: Instrument) -> None:
    assert 8 <= len(instrument.areas) <= 12
    assert all(2 <= len(area.statements) <= 4 for area in instrument.areas)
    assert [point.value for point in instrument.scale] == list(range(instrument.scale_min,
                                                                     instrument.scale_max + 1))
    for text in texts(instrument):
        assert all(text.get(language).strip() for language in LANGUAGES), text
    ids = [area.id for area in instrument.areas]
    ids += [statement.id for area in instrument.areas for statement in area.statements]
    assert len(ids) == len(set(ids))


def test_a_valid_file_parses() -> None:
    parsed = parse_instrument(instrument_toml(areas=4, statements=2), SOURCE)
    assert (parsed.id, parsed.version, len(parsed.areas)) == ("test-esy", 2, 4)
    assert parsed.areas[1].statements[1].text == LocalText("Statement 1.1 fi", "Statement 1.1 sv",
                                                           "Statement 1.1 en")
    assert parsed.statement("a0.s0").reverse
    assert not parsed.statement("a0.s1").reverse


@pytest.mark.parametrize(("text", "fragments"), [
    ('id = "x"\nversion = ', ["not valid TOML"]),
    (instrument_toml().replace('sv = "Area 0 sv", ', ""), ["areas[0].name", "'sv'"]),
    (instrument_toml().replace('sv = "Area 0 sv"', 'sv = "  "'), ["areas[0].name", "'sv'"]),
    (instrument_toml().replace('id = "a1"', 'id = "a0"'), ["areas[1]", "'a0'", "twice"]),
    (instrument_toml().replace('id = "a1.s0"', 'id = "a0.s0"'), ["areas[1]", "'a0.s0'", "twice"]),
    (instrument_toml(scale=(1, 2, 4)), ["scale", "consecutive"]),
    (instrument_toml(scale=(1,)), ["scale", "at least two"]),
    (instrument_toml(areas=2), ["areas", "at least three areas"]),
    (instrument_toml().replace("version = 2", 'version = "2"'), ["version", "expected int, found str"]),
    (instrument_toml().replace("value = 1", "value = true"), ["scale[0].value", "expected int, found bool"]),
    (instrument_toml().replace("reverse = true", 'reverse = "yes"'),
     ["areas[0].statements[0].reverse", "true or false"]),
    (instrument_toml().replace('id = "test-esy"\n', ""), ["top level", "missing 'id'"]),
], ids=["invalid-toml", "missing-sv", "blank-sv", "duplicate-area-id", "duplicate-statement-id",
        "gap-in-scale", "one-point-scale", "two-areas", "version-as-text", "bool-as-int", "reverse-as-text",
        "no-id"])
def test_a_broken_file_names_the_source_and_the_problem(text: str, fragments: list[str]) -> None:
    with pytest.raises(InstrumentError) as caught:
        parse_instrument(text, SOURCE)
    message = str(caught.value)
    assert message.startswith(f"{SOURCE}: ")
    for fragment in fragments:
        assert fragment in message


def test_a_missing_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "esy.toml"
    with pytest.raises(InstrumentError, match="cannot be read") as caught:
        load_instrument(missing)
    assert str(missing) in str(caught.value)


async def test_a_custom_instrument_file_runs_the_esy(
    tmp_path: Path, clock: Clock, catalogs: Catalog,
) -> None:
    path = tmp_path / "esy.toml"
    path.write_text(instrument_toml(areas=3, statements=1), encoding="utf-8")
    custom = load_instrument(path)
    store = MemoryStore()
    chat = Chat(Engine(store, all_flows(custom), clock), catalogs, hint="en")
    ask = question(await chat.open_esy("en"))
    assert (number(ask, "total"), number(ask, "items")) == (3, 1)
    assert ask.prompt.params["statement"] == custom.areas[0].statements[0].text
    assert [option.value for option in ask.options] == ["1", "2", "3", "4", esy.SKIP]
    reply = await chat.answer(["1", "2", "4"], {2: "Less noise"})
    assert question(reply).prompt.key == "menu.prompt"
    (row,) = await stored_assessments(store)
    assert (row.instrument_id, row.instrument_version) == ("test-esy", 2)
    # The first statement is reversed: a 1 on a 1-4 scale gives 4 points.
    assert row.area_scores == {"a0": 4.0, "a1": 2.0, "a2": 4.0}
    assert row.wishes == {"a2": "Less noise"}


DEFAULT_TEXT = (Path(__file__).resolve().parents[3] / "flows" / "esy" / DEFAULT_INSTRUMENT).read_text(
    encoding="utf-8")


@pytest.mark.parametrize(("change", "problem"), [
    (lambda t: t.replace("[[scale]]\nvalue = 1", "scale_x = 1\n[[scale]]\nvalue = 1", 1), "unknown key(s)"),
    (lambda t: t.replace('id = "rhythm.sleep"', 'id = "rhythm.sleep"\nreversed = true', 1),
     "unknown key(s) ['reversed']"),
    # A second, short name made the picture and the summary disagree: a file that still has one is told so.
    (lambda t: t.replace('id = "home"', 'id = "home"\nshort = { fi = "Koti", sv = "Hem", en = "Home" }', 1),
     "areas[2].short: is no longer used: the circle shows the area's name"),
])
def test_typos_in_keys_are_named_not_ignored(change: Callable[[str], str], problem: str) -> None:
    with pytest.raises(InstrumentError, match=re.escape(problem)):
        parse_instrument(change(DEFAULT_TEXT), "org.toml")


TWO_POINTS = 'scale = [{value = 1, label = {fi="a", sv="a", en="a"}}, {value = 2, label = {fi="b", sv="b", en="b"}}]'


@pytest.mark.parametrize("text", [
    'id = "x"\nversion = 1\nscale = [1, 2]\n', f'areas = ["a", "b", "c"]\n{TWO_POINTS}\n',
])
def test_entries_that_are_not_tables_are_named(text: str) -> None:
    with pytest.raises(InstrumentError, match="expected a table"):
        parse_instrument(text, "org.toml")


def test_the_default_instrument_has_the_seeds_areas_and_a_circle_from_version_1_still_compares(
    instrument: Instrument,
) -> None:
    """Version 2 adds the Kuusamo form's handling of disagreements and seed 001's crime and legal matters; a
    circle filled in with version 1 (without them) is still the one before: compared by area id, the new
    areas are a gap in the earlier line and not a change."""
    ids = [area.id for area in instrument.areas]
    assert {"conflicts", "legal"} <= set(ids) and instrument.version >= 2
    when = datetime(2026, 9, 4, 12, tzinfo=UTC)
    before = {area: 3.0 for area in ids if area not in ("conflicts", "legal")}
    now = {area: 4.0 for area in ids}
    previous = AssessmentRow("key", instrument.id, 1, when, {}, dict(before), {})
    current = AssessmentRow("key", instrument.id, instrument.version, when.replace(month=12), {}, dict(now), {})
    circle = esy.circle_of(instrument, current, previous)
    earlier = dict(zip(ids, circle.series[1].values, strict=True))
    assert earlier["conflicts"] is None and earlier["legal"] is None and earlier["home"] == 3.0
    assert {area for area, *_ in changes(now, previous.area_scores)} == set(before)


def with_prompts(prompts: str, draft: str = "") -> str:
    """A valid file whose second area has ``prompts`` (a TOML value) and, if given, a ``prompts_draft``."""
    extra = f"prompts = {prompts}\n" + (f"prompts_draft = {draft}\n" if draft else "")
    return instrument_toml().replace(f"name = {local('Area 1')}\n", f"name = {local('Area 1')}\n{extra}")


def test_an_area_may_have_conversation_prompts_marked_as_a_draft() -> None:
    parsed = parse_instrument(with_prompts(f"[{local('Q1')}, {local('Q2')}]", "true"), SOURCE)
    assert parsed.areas[1].prompts == (LocalText("Q1 fi", "Q1 sv", "Q1 en"), LocalText("Q2 fi", "Q2 sv", "Q2 en"))
    assert parsed.areas[1].prompts_draft
    # Optional: an area without prompts has none and is no draft.
    assert (parsed.areas[0].prompts, parsed.areas[0].prompts_draft) == ((), False)
    reviewed = parse_instrument(with_prompts(f"[{local('Q1')}]", "false"), SOURCE)
    assert reviewed.areas[1].prompts and not reviewed.areas[1].prompts_draft


@pytest.mark.parametrize(("text", "fragments"), [
    (with_prompts(local("Q1")), ["areas[1].prompts", "expected list, found dict"]),
    (with_prompts('"Mitä kuuluu?"'), ["areas[1].prompts", "expected list, found str"]),
    (with_prompts('["Mitä kuuluu?"]'), ["areas[1].prompts[0]", "expected dict, found str"]),
    (with_prompts("[" + local("Q1") + ', { fi = "Q", en = "Q" }]'), ["areas[1].prompts[1]", "missing text in 'sv'"]),
    (with_prompts("[" + local("Q1").replace("Q1 en", " ") + "]"), ["areas[1].prompts[0]", "missing text in 'en'"]),
    (with_prompts('[{ fi = "Q", sv = "Q", en = "Q", de = "Q" }]'), ["areas[1].prompts[0]", "unknown language"]),
    (with_prompts(f"[{local('Q1')}]", '"yes"'), ["areas[1].prompts_draft", "true or false"]),
    (with_prompts("[]", "true"), ["areas[1].prompts_draft", "no prompts"]),
    (with_prompts(f"[{local('Q1')}]").replace("prompts =", "prompt ="), ["areas[1]", "unknown key(s) ['prompt']"]),
], ids=["table-not-list", "text-not-list", "item-not-table", "missing-language", "empty-text", "extra-language",
        "draft-not-bool", "draft-without-prompts", "typo"])
def test_broken_prompts_name_the_file_and_the_place(text: str, fragments: list[str]) -> None:
    with pytest.raises(InstrumentError) as caught:
        parse_instrument(text, SOURCE)
    message = str(caught.value)
    assert message.startswith(f"{SOURCE}: ")
    for fragment in fragments:
        assert fragment in message


def test_the_default_instrument_has_two_or_three_draft_prompts_per_area(instrument: Instrument) -> None:
    for area in instrument.areas:
        assert 2 <= len(area.prompts) <= 3, area.id
        assert area.prompts_draft, area.id  # drafted by Kaari, not reviewed by practitioners
        for prompt in area.prompts:
            for language in LANGUAGES:
                assert prompt.get(language).endswith("?"), (area.id, language)  # a question to ask, not a form
