"""docs/flows/ holds each flow's diagram as `transitions` draws it; regenerate with `kaari diagrams`."""

from __future__ import annotations

from pathlib import Path

from bot.bootstrap import all_flows
from flows.core.diagram import flow_diagram
from flows.esy.instrument import Instrument

DOCS = Path(__file__).resolve().parent.parent / "docs" / "flows"


def test_flow_diagrams_are_up_to_date(instrument: Instrument) -> None:
    for name, spec in all_flows(instrument).items():
        path = DOCS / f"{name}.md"
        assert path.exists(), f"{path} is missing: run `kaari diagrams`"
        assert path.read_text(encoding="utf-8") == flow_diagram(spec), f"{path} is stale: run `kaari diagrams`"
        assert "stateDiagram-v2" in path.read_text(encoding="utf-8")
