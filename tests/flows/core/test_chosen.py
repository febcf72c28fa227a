"""The label of the button taken (#9 §6): the engine says which one it took, as its question showed it, so a
channel can mark the answer without reading the question back from the tap."""

from __future__ import annotations

import pytest

from bot.bootstrap import all_flows
from flows.core import inputs
from flows.core.engine import RESUME, Engine
from flows.core.messages import Msg
from flows.core.results import PAUSE, Option
from flows.esy import esy
from flows.esy.instrument import Instrument
from storage.memory import MemoryStore
from tests.conftest import Clock
from tests.flows.core.test_engine import Catalog, Chat


@pytest.fixture
def chat(memory_store: MemoryStore, instrument: Instrument, clock: Clock, catalogs: Catalog) -> Chat:
    return Chat(Engine(memory_store, all_flows(instrument), clock), catalogs)


def label(options: tuple[Option, ...], value: str) -> object:
    return next(option.label for option in options if option.value == value)


async def test_an_answer_a_control_and_a_language_are_taken_with_the_label_shown(chat: Chat) -> None:
    await chat.send(inputs.Start())
    reply = await chat.tap("lang:sv")
    assert reply.accepted and reply.chosen == Msg("language.name.sv")
    menu = chat.question
    reply = await chat.tap(esy.NAME)
    assert reply.chosen == label(menu.options, esy.NAME)
    rating = chat.question
    reply = await chat.tap(rating.options[0].value)
    assert reply.accepted and reply.chosen == rating.options[0].label
    statement = chat.question
    reply = await chat.tap(PAUSE)
    assert reply.chosen == label(statement.controls, PAUSE) == Msg("control.pause")
    paused = chat.question
    reply = await chat.tap(RESUME)
    assert reply.chosen == label(paused.options, RESUME)


async def test_a_stale_button_is_taken_with_no_label(chat: Chat) -> None:
    await chat.open_esy()
    old = chat.question
    await chat.tap(old.options[0].value)
    reply = await chat.send(inputs.Choice(old.step, old.options[0].value))
    assert not reply.accepted and reply.chosen is None
