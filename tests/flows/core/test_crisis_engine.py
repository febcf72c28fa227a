"""Crisis words through the engine: the help that fits comes first; at a question whose answer is kept
(the ESY wish) nothing is saved and the question is asked again; where the text is passed on to a person
(a chat) it still goes on."""

from __future__ import annotations

from typing import Any

import pytest

from bot.bootstrap import all_flows
from flows.core import inputs
from flows.core.crisis import load_crisis
from flows.core.engine import Engine
from flows.core.messages import Lines, Msg
from flows.core.results import Ask, Say
from flows.core.spec import Conversation, FlowSpec
from flows.esy.instrument import Instrument
from storage.memory import MemoryStore
from storage.ports import StaffRow, UserRow
from tests.conftest import Clock
from tests.flows.core.test_engine import Catalog, Chat, question, said, stored_conversation, wish_of_first_area


@pytest.fixture
def engine(memory_store: MemoryStore, instrument: Instrument, clock: Clock) -> Engine:
    return Engine(memory_store, all_flows(instrument), clock, crisis=load_crisis())


@pytest.fixture
def chat(engine: Engine, catalogs: Catalog) -> Chat:
    return Chat(engine, catalogs)


def numbers(say: object) -> list[str]:
    """The phone numbers of a signposting message, in order."""
    assert isinstance(say, Say) and say.msg.key == "crisis.signpost"
    contacts = say.msg.params["contacts"]
    assert isinstance(contacts, Lines)
    return [str(line.params.get("number", "")) for line in contacts.items if isinstance(line, Msg)]


async def test_crisis_words_as_a_wish_get_help_and_the_same_question_and_nothing_is_saved(
    chat: Chat, memory_store: MemoryStore, instrument: Instrument,
) -> None:
    waiting = await wish_of_first_area(chat)
    reply = await chat.write("isä lyö mua")
    assert said(reply) == ["crisis.signpost", "crisis.not_saved"]
    assert numbers(reply.results[0])[:2] == ["112", "080 005 005"]
    assert reply.crisis and question(reply) == waiting
    assert (await stored_conversation(memory_store)).data.get("wishes", {}) == {}
    # Written again after the help, it is what they mean as their wish: kept, and the walk goes on.
    reply = await chat.write("isä lyö mua")
    assert said(reply) == ["crisis.signpost", "esy.wish_saved"]
    assert question(reply).prompt.key == "esy.rate"
    assert (await stored_conversation(memory_store)).data["wishes"] == {instrument.areas[0].id: "isä lyö mua"}


async def test_an_ordinary_wish_after_held_crisis_words_is_taken_at_once(
    chat: Chat, memory_store: MemoryStore, instrument: Instrument,
) -> None:
    await wish_of_first_area(chat)
    await chat.write("haluun kuolla")
    reply = await chat.write("enemmän kavereita")
    assert said(reply) == ["esy.wish_saved"] and question(reply).prompt.key == "esy.rate"
    assert (await stored_conversation(memory_store)).data["wishes"] == {instrument.areas[0].id: "enemmän kavereita"}


def passing_flow(passes_on: bool) -> FlowSpec:
    """A one-question flow whose typed text is either passed on (a chat) or kept as an answer."""
    async def keep(event: Any) -> None:
        conv: Conversation = event.model
        conv.data.setdefault("got", []).append(event.kwargs["text"])

    return FlowSpec(
        name="menu", version=1, states=["write"], initial="write",
        transitions=[dict(trigger="text", source="write", dest="write", before=[keep])],
        views={"write": lambda conv: Ask(Msg("menu.choose"), free_text=True, quiet=passes_on,
                                         passes_on=passes_on)},
        help_key="menu.help", controls=False,
    )


@pytest.mark.parametrize(("passes_on", "kept"), [(True, ["otin överit"]), (False, [])])
async def test_the_question_decides_whether_crisis_words_are_passed_on_or_held_back(
    memory_store: MemoryStore, clock: Clock, passes_on: bool, kept: list[str],
) -> None:
    engine = Engine(memory_store, {"menu": passing_flow(passes_on)}, clock, crisis=load_crisis())
    reply = await engine.handle("k", inputs.Text("otin överit"), "fi")
    assert reply.crisis and numbers(reply.results[0]) == ["112", "0800 147 111"]
    assert (await stored_conversation(memory_store, "k")).data.get("got", []) == kept


async def test_swedish_help_for_suicidal_words_lists_the_swedish_line_and_112_first(
    memory_store: MemoryStore, clock: Clock,
) -> None:
    engine = Engine(memory_store, {"menu": passing_flow(True)}, clock, crisis=load_crisis())
    reply = await engine.handle("k", inputs.Text("jag vill dö"), "sv")
    assert numbers(reply.results[0])[:3] == ["112", "09 2525 0112", "09 2525 0111"]


async def test_a_workers_record_with_crisis_words_is_kept_at_once(memory_store: MemoryStore, clock: Clock) -> None:
    """Staff write about others (a meeting memo, a note): the help is shown, the text is not held back."""
    async with memory_store.transaction() as work:
        await work.users.save(UserRow("w", "fi", clock(), clock()))
        await work.staff.add(StaffRow("Aino", "sosiaaliohjaaja", "Kaari", False, True, clock(), user_key="w"))
    engine = Engine(memory_store, {"menu": passing_flow(False)}, clock, crisis=load_crisis())
    reply = await engine.handle("w", inputs.Text("asiakas kertoi että isä lyö"), "fi")
    assert reply.crisis and said(reply) == ["crisis.signpost"]
    assert (await stored_conversation(memory_store, "w")).data["got"] == ["asiakas kertoi että isä lyö"]
