"""The meeting room's flows read as their steps (#11): every guard, effect, view and hook in their tables is a
top-level definition or a method of the flow's one Steps class (something a reader can point at and a test
can call alone), never a closure of a long factory; and no function in the room is over 80 lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from flows.core.messages import LocalText
from flows.core.quiet import QuietHours
from flows.core.spec import FlowSpec
from flows.meetings.feedback import feedback_flow
from flows.meetings.meeting import meeting_flow
from flows.meetings.preparation import preparation_flow
from flows.meetings.promises import promises_flow
from flows.meetings.reminders import DEFAULT_BEFORE
from tests.flows.core.test_steps import callables

ROOM = Path(__file__).resolve().parents[3] / "flows" / "meetings"
STORAGE = LocalText("Tallennus", "Lagring", "Storage")
FLOWS = {
    "meeting": lambda: meeting_flow(DEFAULT_BEFORE, QuietHours(), "secret", STORAGE),
    "prepare": lambda: preparation_flow(STORAGE),
    "promises": lambda: promises_flow(STORAGE),
    "feedback": feedback_flow,
}


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_every_step_of_the_flow_is_a_top_level_definition_or_a_steps_method(name: str) -> None:
    spec: FlowSpec = FLOWS[name]()
    assert spec.name == name
    for step in callables(spec):
        function = getattr(step, "__func__", step)  # a Steps method: the function defined in its class
        if function.__module__ == "flows.core.guards":
            continue  # chose(...): core's named guard for "this option was tapped"
        assert "<locals>" not in function.__qualname__, f"{name}: {function.__qualname__} is a closure"
        assert function.__module__.startswith("flows.meetings."), function.__module__


def test_no_function_in_the_meeting_room_is_over_80_lines() -> None:
    long = [f"{path.name}:{node.name} ({node.end_lineno - node.lineno + 1} lines)"
            for path in sorted(ROOM.glob("*.py")) for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno is not None
            and node.end_lineno - node.lineno + 1 > 80]
    assert long == []
