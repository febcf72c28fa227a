"""Every flow reads as its steps (#11): each guard, effect, view and hook a FlowSpec calls is a top-level
definition, a method of the flow's one Steps class, or an instance of a small named callable class — something
a reader can point at in the module outline and a test can call alone — never a closure of a factory."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import fields
from typing import Any

from bot.bootstrap import flows_by_room
from flows.core.spec import FlowSpec
from flows.esy.instrument import Instrument

# Core's named guard for "this option was tapped": the one factory a table may call, named for the diagrams.
ALLOWED = {("flows.core.guards", "chose.<locals>.guard")}


def callables(spec: FlowSpec) -> Iterator[Callable[..., Any]]:
    """Everything the flow's table, states and settings call."""
    for transition in spec.transitions:
        for key in ("conditions", "unless", "before", "after", "prepare"):
            found = transition.get(key, [])
            yield from [found] if callable(found) else found
    for state in spec.states:
        if not isinstance(state, str):
            for key in ("on_enter", "on_exit"):
                found = state.get(key, [])
                yield from [found] if callable(found) else found
    yield from spec.views.values()
    # Every hook the spec holds (on_start, refresh, allowed, in_progress, offered, refusal, …), new ones included.
    yield from (value for field in fields(spec) if callable(value := getattr(spec, field.name)))


def definition(step: Callable[..., Any]) -> tuple[str, str]:
    """Where a step is defined: its function (a bound method's function), or the class of a callable object."""
    function = getattr(step, "__func__", step)
    where = function if inspect.isfunction(function) else type(function)
    return where.__module__, where.__qualname__


def closures(spec: FlowSpec) -> list[str]:
    """The steps of ``spec`` defined inside another function, as "module:qualname"."""
    found = {definition(step) for step in callables(spec)}
    return sorted(f"{module}:{name}" for module, name in found - ALLOWED if "<locals>" in name)


def test_every_step_of_every_flow_is_a_top_level_definition_or_a_steps_method(instrument: Instrument) -> None:
    rooms = flows_by_room(instrument)
    found = {f"{room}/{name}": closures(spec) for room, flows in rooms.items() for name, spec in flows.items()}
    assert {flow: steps for flow, steps in found.items() if steps} == {}
    assert sum(len(flows) for flows in rooms.values()) > 20  # every room's flows were looked at


def test_a_closure_in_a_flow_table_is_found() -> None:
    def local_guard(event: Any) -> bool:
        return True

    spec = FlowSpec(name="x", version=1, states=["a", "b"], initial="a", help_key="x.help",
                    transitions=[dict(trigger="go", source="a", dest="b", conditions=[local_guard])], views={})
    assert closures(spec) == [f"{__name__}:test_a_closure_in_a_flow_table_is_found.<locals>.local_guard"]
