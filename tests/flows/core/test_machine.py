"""A flow's shared `transitions` machine (#9 §6): a conversation added for one update gets only ``trigger`` bound,
a trigger fired from inside a step still waits for that step to finish (``queued="model"``), and a step's
callbacks run one after another (not as concurrent tasks)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.bootstrap import all_flows
from flows.core.engine import build_machine
from flows.core.results import Ask
from flows.core.spec import Conversation, FlowSpec
from flows.esy.instrument import Instrument


def conversation(flow: str, state: str) -> Conversation:
    return Conversation(key="k", flow=flow, state=state, version=1, step=0, data={}, work=None,  # type: ignore[arg-type]
                        now=None, language="fi")  # type: ignore[arg-type]


def test_a_conversation_gets_only_the_trigger_bound(instrument: Instrument) -> None:
    spec = all_flows(instrument)["esy"]
    machine = build_machine(spec)
    conv = conversation("esy", spec.initial)
    before = set(vars(conv))
    machine.add_model(conv, initial=spec.initial)
    try:
        # Not is_<state> for every state nor a method per event: binding those was most of add_model's cost.
        assert set(vars(conv)) - before == {"trigger", "may_trigger"}
    finally:
        machine.remove_model(conv)


async def test_a_trigger_fired_from_a_step_runs_after_that_step() -> None:
    order: list[str] = []

    async def first_step(event: Any) -> None:
        order.append("step starts")
        assert await event.model.trigger("onwards")  # queued: True at once, run when this step is done
        order.append("step ends")

    async def second_step(event: Any) -> None:
        order.append(f"onwards from {event.transition.source}")

    def view(conv: Conversation) -> Ask:
        raise AssertionError("not shown here")

    spec = FlowSpec(
        name="two", version=1, states=("a", "b", "c"), initial="a", views={"a": view}, help_key="help",
        transitions=({"trigger": "go", "source": "a", "dest": "b", "after": [first_step]},
                     {"trigger": "onwards", "source": "b", "dest": "c", "after": [second_step]}))
    machine = build_machine(spec)
    conv = conversation("two", "a")
    machine.add_model(conv, initial="a")
    try:
        assert await conv.trigger("go")
    finally:
        machine.remove_model(conv)
    assert order == ["step starts", "step ends", "onwards from b"]
    assert conv.state == "c"


def two_steps(after: list[Any]) -> FlowSpec:
    def view(conv: Conversation) -> Ask:
        raise AssertionError("not shown here")

    return FlowSpec(name="steps", version=1, states=("a", "b"), initial="a", views={"a": view}, help_key="help",
                    transitions=({"trigger": "go", "source": "a", "dest": "b", "after": after},))


async def test_a_steps_callbacks_run_one_after_another_in_the_order_listed() -> None:
    order: list[str] = []

    async def save(event: Any) -> None:
        order.append("save starts")
        await asyncio.sleep(0)  # waits for something (the store): the next callback must not start meanwhile
        order.append("save ends")

    async def show(event: Any) -> None:
        order.append("show")

    machine = build_machine(two_steps([save, show]))
    conv = conversation("steps", "a")
    machine.add_model(conv, initial="a")
    try:
        assert await conv.trigger("go")
    finally:
        machine.remove_model(conv)
    assert order == ["save starts", "save ends", "show"]


async def test_a_callback_that_fails_stops_the_ones_after_it() -> None:
    ran: list[str] = []

    async def fail(event: Any) -> None:
        await asyncio.sleep(0)
        raise RuntimeError("the store refused")

    async def after_it(event: Any) -> None:
        ran.append("after it")

    machine = build_machine(two_steps([fail, after_it]))
    conv = conversation("steps", "a")
    machine.add_model(conv, initial="a")
    try:
        with pytest.raises(RuntimeError):
            await conv.trigger("go")
    finally:
        machine.remove_model(conv)
    await asyncio.sleep(0.01)
    assert ran == []
