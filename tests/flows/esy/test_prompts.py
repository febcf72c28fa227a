"""Which areas' conversation prompts the worker sees beside a shared circle: wishes first, then the lowest."""

from __future__ import annotations

from datetime import UTC, datetime

from flows.core.messages import Lines, LocalText, Msg
from flows.esy.instrument import Instrument, parse_instrument
from flows.esy.prompts import areas_to_talk_about, prompts_message
from storage.ports import AssessmentRow
from tests.flows.esy.test_instrument import SOURCE, instrument_toml, local


def five_areas(drafts: bool = True, without_prompts: tuple[int, ...] = ()) -> Instrument:
    """Five areas a0..a4, each with two prompts (except ``without_prompts``), marked as drafts or not."""
    text = instrument_toml(areas=5)
    for i in range(5):
        if i in without_prompts:
            continue
        extra = f"prompts = [{local(f'Q{i}a')}, {local(f'Q{i}b')}]\nprompts_draft = {str(drafts).lower()}\n"
        text = text.replace(f"name = {local(f'Area {i}')}\n", f"name = {local(f'Area {i}')}\n{extra}")
    return parse_instrument(text, SOURCE)


def circle(scores: dict[str, float | None], wishes: dict[str, str] | None = None) -> AssessmentRow:
    return AssessmentRow("k", "test-esy", 2, datetime(2026, 3, 1, tzinfo=UTC), {}, scores, wishes or {})


def ids(instrument: Instrument, row: AssessmentRow) -> list[str]:
    return [area.id for area in areas_to_talk_about(instrument, row)]


def test_the_lowest_three_areas_lowest_first_ties_in_the_instruments_order() -> None:
    row = circle({"a0": 4.0, "a1": 2.0, "a2": 3.0, "a3": 2.0, "a4": 1.5})
    assert ids(five_areas(), row) == ["a4", "a1", "a3"]


def test_areas_with_a_wish_come_first_even_when_not_the_lowest() -> None:
    row = circle({"a0": 4.5, "a1": 2.0, "a2": 3.0, "a3": 1.0, "a4": 1.5}, {"a0": "Haluan harrastuksen"})
    assert ids(five_areas(), row) == ["a0", "a3", "a4"]


def test_skipped_areas_without_a_wish_and_areas_without_prompts_are_left_out() -> None:
    row = circle({"a0": None, "a1": 1.0, "a2": 3.0, "a3": 4.0, "a4": 5.0}, {"a2": "Enemmän unta"})
    assert ids(five_areas(without_prompts=(1,)), row) == ["a2", "a3", "a4"]
    # A wish in an area that was skipped still counts: the young person named it.
    assert ids(five_areas(), circle({"a0": None, "a1": 2.0}, {"a0": "x"})) == ["a0", "a1"]


def test_no_prompts_no_message() -> None:
    assert prompts_message(five_areas(without_prompts=(0, 1, 2, 3, 4)), circle({"a0": 1.0}), "Kettu") is None


def test_the_message_has_each_areas_name_its_prompts_and_the_draft_note_when_marked() -> None:
    row = circle({"a0": 1.0, "a1": 2.0, "a2": 3.0, "a3": 4.0, "a4": 5.0})
    message = prompts_message(five_areas(), row, "Kettu")
    assert message is not None and message.key == "clients.prompts" and message.params["nickname"] == "Kettu"
    blocks = message.params["areas"]
    assert isinstance(blocks, Lines) and len(blocks.items) == 3
    first = blocks.items[0]
    assert isinstance(first, Lines)
    assert first.items == (LocalText("Area 0 fi", "Area 0 sv", "Area 0 en"), Msg("clients.prompts_draft"),
                           Msg("clients.prompts_item", {"text": LocalText("Q0a fi", "Q0a sv", "Q0a en")}),
                           Msg("clients.prompts_item", {"text": LocalText("Q0b fi", "Q0b sv", "Q0b en")}))
    reviewed = prompts_message(five_areas(drafts=False), row, "Kettu")
    assert reviewed is not None
    reviewed_blocks = reviewed.params["areas"]
    assert isinstance(reviewed_blocks, Lines) and isinstance(reviewed_blocks.items[0], Lines)
    assert Msg("clients.prompts_draft") not in reviewed_blocks.items[0].items
