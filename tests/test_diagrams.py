"""docs/flows/<room>/ holds each flow's diagram as `transitions` draws it; regenerate with `kaari diagrams`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.bootstrap import all_flows, flows_by_room
from bot.cli import main
from flows.core.diagram import flow_diagram
from flows.core.rooms import ROOMS
from flows.core.spec import FlowSpec
from flows.esy.instrument import Instrument

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "flows"


def test_flow_diagrams_are_up_to_date(instrument: Instrument) -> None:
    for room, flows in flows_by_room(instrument).items():
        for name, spec in flows.items():
            path = DOCS / room / f"{name}.md"
            assert path.exists(), f"{path} is missing: run `kaari diagrams`"
            assert path.read_text(encoding="utf-8") == flow_diagram(spec), f"{path} is stale: run `kaari diagrams`"
            assert "stateDiagram-v2" in path.read_text(encoding="utf-8")


def test_docs_flows_hold_only_the_diagrams_of_flows_that_exist(instrument: Instrument) -> None:
    """A renamed or moved flow leaves no old page behind (`git rm` it)."""
    expected = {Path(room, f"{name}.md") for room, flows in flows_by_room(instrument).items() for name in flows}
    assert {path.relative_to(DOCS) for path in DOCS.rglob("*.md")} == expected


def steps(spec: FlowSpec) -> list[Callable[..., object]]:
    """A flow's own steps: its views, and what it does at its start (a flow that only shows something has no view)."""
    return [*spec.views.values(), *([spec.on_start] if spec.on_start is not None else [])]


def test_every_flow_has_one_room_and_it_is_the_package_that_builds_it(instrument: Instrument) -> None:
    """The room is the package under flows/ whose module defines the flow's steps."""
    rooms = flows_by_room(instrument)
    assert [name for flows in rooms.values() for name in flows] == list(all_flows(instrument))
    for room, flows in rooms.items():
        assert room in ROOMS and (ROOT / "flows" / room / "__init__.py").exists(), f"{room} is not a room"
        for name, spec in flows.items():
            built_in = {step.__module__.split(".")[1] for step in steps(spec)}
            assert built_in == {room}, f"{name} is filed under {room} but its steps live in {built_in}"


def test_kaari_diagrams_writes_one_folder_per_room(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, instrument: Instrument,
) -> None:
    monkeypatch.delenv("KAARI_ESY_INSTRUMENT", raising=False)
    assert main(["diagrams", "--out", str(tmp_path)]) == 0
    for room, flows in flows_by_room(instrument).items():
        for name, spec in flows.items():
            assert (tmp_path / room / f"{name}.md").read_text(encoding="utf-8") == flow_diagram(spec)
    assert not list(tmp_path.glob("*.md"))
