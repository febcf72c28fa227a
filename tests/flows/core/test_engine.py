"""The engine and its flows, driven like a person would: inputs in, results out, no channel in between."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

import pytest

from bot.bootstrap import all_flows
from bot.settings import Settings
from flows.core import inputs, menu
from flows.core.engine import MAX_TEXT, RESUME, Engine
from flows.core.messages import LANGUAGES, Lines, LocalText, Msg, Number
from flows.core.results import (
    BACK,
    CANCEL,
    CANCEL_NO,
    CANCEL_YES,
    HELP,
    PAUSE,
    Abort,
    Ask,
    Done,
    Photo,
    Reply,
    Say,
)
from flows.esy import esy
from flows.esy.instrument import Instrument
from storage.memory import MemoryStore
from storage.ports import SERIALIZABLE, AssessmentRow, Assessments, Contention, ConversationRow, Isolation, UnitOfWork
from tests.conftest import Clock

KEY = "person-7f3a"


class Catalog(Protocol):
    """What these tests need from the catalogs fixture."""

    def has(self, language: str, key: str) -> bool: ...
    def text(self, language: str, message: Msg | LocalText) -> str: ...


# --- looking inside results --------------------------------------------------------------------------

def messages_in(item: object) -> Iterator[Msg]:
    """Every Msg in a result, option label or parameter, depth first."""
    match item:
        case Msg(params=params):
            yield item
            for value in params.values():
                yield from messages_in(value)
        case Lines(items=items):
            for line in items:
                yield from messages_in(line)
        case Say(msg=msg) | Done(msg=msg):
            yield from messages_in(msg)
        case Ask(prompt=prompt, options=options, controls=controls):
            yield from messages_in(prompt)
            for option in (*options, *controls):
                yield from messages_in(option.label)
        case Photo(circle=circle, caption=caption):
            yield from messages_in(caption)
            yield from messages_in(circle.title)
            for series in circle.series:
                yield from messages_in(series.label)
        case Abort(reason=reason):
            yield Msg(reason)


def all_keys(reply: Reply) -> set[str]:
    """Every catalog id a reply refers to, however deeply nested."""
    return {msg.key for result in reply.results for msg in messages_in(result)}


def said(reply: Reply) -> list[str]:
    """The ids of the plain messages in a reply (notices, a closing message, an abort reason), in order."""
    keys: list[str] = []
    for result in reply.results:
        if isinstance(result, Say | Done) and result.msg is not None:
            keys.append(result.msg.key)
        elif isinstance(result, Abort):
            keys.append(result.reason)
    return keys


def question(reply: Reply) -> Ask:
    """The question a reply leaves waiting; every reply must leave one."""
    assert reply.question is not None, f"no question in {reply.results}"
    return reply.question


def number(ask: Ask, name: str) -> int:
    """An integer placeholder of a question's prompt."""
    value = asked(ask).params[name]
    assert isinstance(value, int)
    return value


def asked(ask: Ask) -> Msg:
    """The question itself, also when it comes back with the earlier answer (after going back)."""
    inner = ask.prompt.params.get("question")
    return inner if isinstance(inner, Msg) else ask.prompt


def closing(reply: Reply) -> Msg:
    """The message a finished flow closed with (the ESY summary)."""
    done = next(result for result in reply.results if isinstance(result, Done))
    assert done.msg is not None
    return done.msg


def sections(msg: Msg) -> dict[str, Msg]:
    """The nested messages of a summary, by id."""
    return {inner.key: inner for inner in messages_in(msg)}


def assert_in_catalogs(catalogs: Catalog, reply: Reply) -> None:
    """Every id exists in fi, sv and en, and every placeholder is filled (StrictCatalogs checks that)."""
    for result in reply.results:
        for msg in messages_in(result):
            for language in LANGUAGES:
                assert catalogs.has(language, msg.key), f"{language} has no {msg.key!r}"
                catalogs.text(language, msg)


# --- a person talking to the engine ------------------------------------------------------------------

class Chat:
    """One person: sends inputs, taps buttons of the latest question, checks every reply's catalog ids."""

    def __init__(self, engine: Engine, catalogs: Catalog, key: str = KEY, hint: str | None = "fi") -> None:
        self.engine = engine
        self.catalogs = catalogs
        self.key = key
        self.hint = hint
        self.replies: list[Reply] = []

    async def send(self, given: inputs.Input) -> Reply:
        reply = await self.engine.handle(self.key, given, self.hint)
        assert_in_catalogs(self.catalogs, reply)
        self.replies.append(reply)
        return reply

    @property
    def question(self) -> Ask:
        """The question waiting for an answer."""
        return question(self.replies[-1])

    @property
    def keys(self) -> set[str]:
        """Every catalog id this person has been shown."""
        return set().union(*(all_keys(reply) for reply in self.replies))

    async def tap(self, value: str) -> Reply:
        return await self.send(inputs.Choice(self.question.step, value))

    async def write(self, text: str) -> Reply:
        return await self.send(inputs.Text(text))

    async def open_esy(self, language: str = "fi") -> Reply:
        """First contact, pick a language, open the ESY from the menu and begin: the first statement."""
        await self.send(inputs.Start())
        await self.tap(f"lang:{language}")
        await self.tap(esy.NAME)
        return await self.tap(esy.BEGIN)

    async def answer(
        self, ratings: Sequence[str] | str = "3", wishes: Mapping[int, str] | None = None,
        *, until_wish: int | None = None,
    ) -> Reply:
        """Rate (area i gets ``ratings[i]``) and write or skip wishes, until the menu.

        With ``until_wish``, stop instead at the wish question of that area (counted from 0).
        """
        wishes = wishes or {}
        reply = self.replies[-1]
        while True:
            ask = self.question
            area = number(ask, "number") - 1 if "number" in asked(ask).params else -1
            if asked(ask).key == "esy.rate":
                reply = await self.tap(ratings if isinstance(ratings, str) else ratings[area])
            elif asked(ask).key == "esy.wish" and area != until_wish:
                reply = await (self.write(wishes[area]) if area in wishes else self.tap(esy.SKIP))
            else:
                return reply


@pytest.fixture
def engine(memory_store: MemoryStore, instrument: Instrument, clock: Clock) -> Engine:
    return Engine(memory_store, all_flows(instrument), clock)


@pytest.fixture
def chat(engine: Engine, catalogs: Catalog) -> Chat:
    return Chat(engine, catalogs)


async def stored_conversation(store: MemoryStore, key: str = KEY) -> ConversationRow:
    async with store.transaction() as work:
        row = await work.conversations.get(key)
    assert row is not None
    return row


async def stored_assessments(store: MemoryStore, key: str = KEY) -> list[AssessmentRow]:
    async with store.transaction() as work:
        return await work.assessments.for_user(key)


async def replace_conversation(store: MemoryStore, key: str = KEY, **changes: Any) -> None:
    """Rewrite the stored conversation row directly, as an older release (or a bug) might have left it."""
    row = await stored_conversation(store, key)
    async with store.transaction() as work:
        await work.conversations.save(dataclasses.replace(row, **changes))


def position(row: ConversationRow) -> tuple[str, str, int, dict[str, Any]]:
    return row.flow, row.state, row.step, row.data


# --- first contact and language ----------------------------------------------------------------------

async def test_first_start_welcomes_and_asks_for_the_language(chat: Chat) -> None:
    reply = await chat.send(inputs.Start())
    assert said(reply) == ["welcome.first"]
    ask = question(reply)
    assert ask.prompt.key == "language.choose"
    assert [option.value for option in ask.options] == ["lang:fi", "lang:sv", "lang:en"]


@pytest.mark.parametrize(("hint", "language"), [("sv", "sv"), ("en", "en"), ("fi", "fi"), ("de", "fi"),
                                                (None, "fi")])
async def test_language_hint_preselects_a_supported_language(
    engine: Engine, catalogs: Catalog, hint: str | None, language: str,
) -> None:
    reply = await Chat(engine, catalogs, hint=hint).send(inputs.Start())
    assert reply.language == language


async def test_choosing_a_language_changes_it_and_shows_the_menu(chat: Chat) -> None:
    await chat.send(inputs.Start())
    reply = await chat.tap("lang:en")
    assert reply.language == "en"
    assert said(reply) == ["language.changed"]
    assert question(reply).prompt.key == "menu.prompt"
    assert esy.NAME in [option.value for option in question(reply).options]
    # The choice sticks, and a later Telegram language does not override it.
    chat.hint = "sv"
    assert (await chat.send(inputs.Start())).language == "en"


async def test_last_seen_is_written_once_a_minute_and_at_once_when_the_language_changes(
    chat: Chat, memory_store: MemoryStore, clock: Clock,
) -> None:
    """A person tapping through a flow is not written again at every tap (#9 §6): "last seen" counts days."""
    async def seen() -> tuple[str, datetime]:
        async with memory_store.transaction() as work:
            user = await work.users.get(KEY)
        assert user is not None
        return user.language, user.last_seen_at

    await chat.send(inputs.Start())
    first = clock()
    clock.advance(seconds=30)
    await chat.tap("lang:en")
    assert await seen() == ("en", clock())  # a changed language is saved at once, with the time
    changed = clock()
    clock.advance(seconds=30)
    await chat.send(inputs.Command("help"))
    assert await seen() == ("en", changed)
    clock.advance(seconds=31)
    await chat.send(inputs.Command("help"))
    assert await seen() == ("en", clock())
    assert clock() - first == timedelta(seconds=91)


async def test_language_command_mid_esy_shows_the_same_question_in_the_new_language(
    chat: Chat, catalogs: Catalog, instrument: Instrument,
) -> None:
    await chat.open_esy("fi")
    before = question(await chat.tap("3"))
    offer = question(await chat.send(inputs.Command("language")))
    assert offer.prompt.key == "language.choose"
    reply = await chat.tap("lang:sv")
    assert reply.language == "sv"
    assert said(reply) == ["language.changed"]
    assert question(reply) == before
    statement = instrument.areas[0].statements[1].text
    assert statement.sv in catalogs.text("sv", question(reply).prompt)


# --- the ESY, start to finish ------------------------------------------------------------------------

async def test_progress_advances_through_statements_and_areas(chat: Chat, instrument: Instrument) -> None:
    first_area = instrument.areas[0]
    ask = question(await chat.open_esy())
    for item, statement in enumerate(first_area.statements, start=1):
        assert ask.prompt.key == "esy.rate"
        params = ask.prompt.params
        assert (params["number"], params["total"], params["item"], params["items"]) == (
            1, len(instrument.areas), item, len(first_area.statements))
        assert params["statement"] == statement.text
        assert params["area"] == first_area.name
        ask = question(await chat.tap("4"))
    assert ask.prompt.key == "esy.wish"
    assert ask.free_text
    assert ask.max_length == MAX_TEXT
    assert (ask.prompt.params["number"], ask.prompt.params["area"]) == (1, first_area.name)


@pytest.mark.parametrize("wish", ["Haluan nukkua enemmän", None])
async def test_wish_written_or_skipped_moves_to_the_next_area(
    chat: Chat, instrument: Instrument, memory_store: MemoryStore, wish: str | None,
) -> None:
    await chat.open_esy()
    await chat.answer(until_wish=0)
    reply = await (chat.write(wish) if wish else chat.tap(esy.SKIP))
    ask = question(reply)
    assert ask.prompt.key == "esy.rate"
    assert (number(ask, "number"), number(ask, "item")) == (2, 1)
    assert ask.prompt.params["statement"] == instrument.areas[1].statements[0].text
    wishes = (await stored_conversation(memory_store)).data["wishes"]
    assert wishes == ({instrument.areas[0].id: wish} if wish else {})


async def test_summary_names_every_area_once_strengths_first(chat: Chat, instrument: Instrument) -> None:
    await chat.open_esy()
    ratings = [str(1 + index % 5) for index in range(len(instrument.areas))]
    reply = await chat.answer(ratings)
    summary = closing(reply)
    order = [key for key in (inner.key for inner in messages_in(summary)) if key in (
        "esy.summary.strengths", "esy.summary.middle", "esy.summary.lowest")]
    assert order == ["esy.summary.strengths", "esy.summary.middle", "esy.summary.lowest"]
    named = [line.params["area"] for line in messages_in(summary) if line.key == "esy.summary.area_line"]
    assert sorted(map(str, named)) == sorted(str(area.name) for area in instrument.areas)


async def test_finished_assessment_shows_circle_and_summary_then_the_menu(
    chat: Chat, instrument: Instrument, memory_store: MemoryStore, clock: Clock,
) -> None:
    await chat.open_esy()
    reply = await chat.answer("4", {0: "Enemmän unta"})
    photo, summary, places, goals_offer, menu_question = reply.results
    assert isinstance(photo, Photo)
    # The next step of the method is offered, never forced: the menu that follows has "My goals" (#12 §2).
    assert isinstance(goals_offer, Say) and goals_offer.msg.key == "esy.goals_offer"
    assert isinstance(summary, Done) and summary.msg is not None
    assert isinstance(menu_question, Ask)
    # All areas equal: no "fewest points", so the places that can help are for the wished area alone.
    assert isinstance(places, Say) and places.msg.key == "esy.places"
    listed = places.msg.params["sections"]
    assert isinstance(listed, Lines) and len(listed.items) == 1 and isinstance(listed.items[0], Msg)
    assert listed.items[0].params["area"] == instrument.areas[0].name
    (series,) = photo.circle.series
    assert series.values == (4.0,) * len(instrument.areas)
    assert photo.circle.areas == tuple(area.name for area in instrument.areas)  # as in the summary
    assert (photo.circle.scale_min, photo.circle.scale_max) == (instrument.scale_min, instrument.scale_max)
    assert summary.msg.key == "esy.summary"
    parts = sections(summary.msg)
    # Every area got 4 points: no strengths or weak spots are made up, one line says they are equal.
    assert {"esy.summary.all_equal", "esy.summary.wishes", "esy.summary.kept_anonymous"} <= parts.keys()
    # An anonymous person is told how long it is kept without a visit: long enough to fill it again after the
    # ~3 months the pilots used (#10).
    assert parts["esy.summary.kept_anonymous"].params["days"] == Settings().anonymous_retention_days >= 120
    assert not {"esy.summary.strengths", "esy.summary.lowest", "esy.summary.no_wishes"} & parts.keys()
    assert parts["esy.summary.wish_line"].params["wish"] == "Enemmän unta"
    assert menu_question.prompt.key == "menu.prompt"
    assert "goals" in {option.value for option in menu_question.options}
    assert (await stored_conversation(memory_store)).flow == menu.NAME
    (row,) = await stored_assessments(memory_store)
    assert (row.instrument_id, row.instrument_version) == (instrument.id, instrument.version)
    assert row.completed_at == clock.now
    assert set(row.ratings.values()) == {4}
    assert len(row.ratings) == sum(len(area.statements) for area in instrument.areas)
    assert row.wishes == {instrument.areas[0].id: "Enemmän unta"}


@pytest.mark.parametrize(("second", "section"), [("2", "esy.summary.moved"), ("4", "esy.summary.unchanged")])
async def test_second_assessment_compares_with_the_first(
    chat: Chat, clock: Clock, memory_store: MemoryStore, second: str, section: str,
) -> None:
    await chat.open_esy()
    await chat.answer("4")
    first_done = clock.now
    clock.advance(days=14)
    await chat.tap(esy.NAME)
    await chat.tap(esy.BEGIN)
    reply = await chat.answer(second)
    photo = next(result for result in reply.results if isinstance(result, Photo))
    now, before = photo.circle.series
    assert (now.when, before.when) == (clock.now, first_done)
    assert before.label.key == "esy.circle.before"
    assert set(before.values) == {4.0}
    assert set(now.values) == {float(second)}
    summary = closing(reply)
    parts = sections(summary)
    assert section in parts
    assert parts[section].params["date"] == first_done
    if section == "esy.summary.moved":
        assert parts["esy.summary.moved_line"].params["before"] == Number(4.0)
    assert len(await stored_assessments(memory_store)) == 2


async def test_fully_skipped_area_has_no_score_and_is_listed_as_skipped(
    chat: Chat, instrument: Instrument, memory_store: MemoryStore,
) -> None:
    await chat.open_esy()
    reply = await chat.answer([esy.SKIP, *["3"] * (len(instrument.areas) - 1)])
    (row,) = await stored_assessments(memory_store)
    skipped_area = instrument.areas[0]
    assert row.area_scores[skipped_area.id] is None
    assert all(row.ratings[statement.id] is None for statement in skipped_area.statements)
    assert row.area_scores[instrument.areas[1].id] == 3.0
    photo = next(result for result in reply.results if isinstance(result, Photo))
    assert photo.circle.series[0].values[0] is None
    summary = closing(reply)
    assert sections(summary)["esy.summary.skipped"].params["areas"] == Lines((skipped_area.name,), ", ")


async def test_everything_skipped_shows_no_empty_strengths_heading(chat: Chat) -> None:
    await chat.open_esy()
    reply = await chat.answer(esy.SKIP)
    summary = closing(reply)
    assert "esy.summary.skipped" in sections(summary)
    assert "esy.summary.strengths" not in sections(summary)


# --- generic controls --------------------------------------------------------------------------------

async def test_back_returns_to_the_previous_question_and_the_new_answer_replaces_the_old(
    chat: Chat, instrument: Instrument, memory_store: MemoryStore,
) -> None:
    first = question(await chat.open_esy())
    await chat.tap("2")
    assert BACK in [control.value for control in chat.question.controls]
    back = question(await chat.tap(BACK))
    # Back at an answered statement, the person sees what they answered before.
    assert back.prompt == Msg("esy.earlier_rating", {"question": first.prompt, "answer": instrument.scale[1].label})
    assert back.step > first.step
    # Back moves the position only; the earlier answer stays until it is given again.
    stored = (await stored_conversation(memory_store)).data
    assert (stored["area"], stored["item"]) == (0, 0)
    await chat.tap("5")
    await chat.answer("3")
    (row,) = await stored_assessments(memory_store)
    assert row.ratings[instrument.areas[0].statements[0].id] == 5


async def test_back_walks_several_questions_back_across_areas(
    chat: Chat, memory_store: MemoryStore, instrument: Instrument,
) -> None:
    await chat.open_esy()
    wish = question(await chat.answer("3", until_wish=0))
    last_statement = question(chat.replies[-2])
    await chat.write("Enemmän unta")
    assert [question(await chat.tap(BACK)).prompt for _ in range(2)] == [
        Msg("esy.earlier_wish", {"question": wish.prompt, "wish": "Enemmän unta"}),
        Msg("esy.earlier_rating", {"question": last_statement.prompt, "answer": instrument.scale[2].label})]
    data = (await stored_conversation(memory_store)).data
    assert (data["area"], data["item"]) == (0, len(instrument.areas[0].statements) - 1)
    # Going forward again and skipping the wish this time leaves no wish behind.
    await chat.tap("4")
    await chat.tap(esy.SKIP)
    assert (await stored_conversation(memory_store)).data["wishes"] == {}


async def test_a_typed_wish_is_acknowledged_a_skipped_one_is_not(chat: Chat) -> None:
    await chat.open_esy()
    await chat.answer("3", until_wish=0)
    typed = await chat.write("Enemmän unta")
    assert said(typed) == ["esy.wish_saved"] and asked(question(typed)).key == "esy.rate"
    await chat.answer("3", until_wish=1)
    assert said(await chat.tap(esy.SKIP)) == []


async def test_back_at_a_written_wish_shows_it_and_keeps_it_with_one_tap(
    chat: Chat, memory_store: MemoryStore, instrument: Instrument,
) -> None:
    await chat.open_esy()
    await chat.answer("3", until_wish=0)
    await chat.write("Enemmän unta")
    back = question(await chat.tap(BACK))
    assert back.prompt.key == "esy.earlier_wish" and back.prompt.params["wish"] == "Enemmän unta"
    assert [option.value for option in back.options] == [esy.KEEP_WISH, esy.SKIP]
    kept = await chat.tap(esy.KEEP_WISH)
    assert asked(question(kept)).key == "esy.rate" and number(question(kept), "number") == 2
    assert (await stored_conversation(memory_store)).data["wishes"] == {instrument.areas[0].id: "Enemmän unta"}
    # A wish not written yet offers no "keep".
    assert [option.value for option in question(await chat.answer("3", until_wish=1)).options] == [esy.SKIP]


async def test_back_at_a_skipped_statement_says_it_was_skipped(chat: Chat) -> None:
    first = question(await chat.open_esy())
    await chat.tap(esy.SKIP)
    back = question(await chat.tap(BACK))
    assert back.prompt == Msg("esy.earlier_skipped", {"question": first.prompt})


async def test_back_history_holds_positions_not_copies_of_answers(
    chat: Chat, memory_store: MemoryStore,
) -> None:
    await chat.open_esy()
    await chat.answer("3", until_wish=0)
    await chat.write("salainen toive " * 60)
    history = (await stored_conversation(memory_store)).data["_history"]
    assert history and all(set(entry["data"]) <= {"area", "item"} for entry in history)


async def test_back_from_the_first_question_of_a_flow_says_there_is_nothing_to_go_back_to(chat: Chat) -> None:
    await chat.send(inputs.Start())
    await chat.tap("lang:fi")
    intro = question(await chat.tap(esy.NAME))
    # The control is not offered without history; an old or forged button must still be handled.
    assert BACK not in [control.value for control in intro.controls]
    reply = await chat.tap(BACK)
    assert said(reply) == ["flow.no_back"]
    assert question(reply) == intro


@pytest.mark.parametrize("resume", [inputs.Start(), RESUME], ids=["start", "button"])
async def test_pause_then_resume_continues_at_the_same_statement(
    chat: Chat, memory_store: MemoryStore, resume: inputs.Start | str,
) -> None:
    await chat.open_esy()
    waiting = question(await chat.tap("3"))
    paused = question(await chat.tap(PAUSE))
    assert paused.prompt.key == "flow.paused"
    assert [option.value for option in paused.options] == [RESUME]
    assert (await stored_conversation(memory_store)).data["ratings"]  # kept, not thrown away
    reply = await (chat.send(resume) if isinstance(resume, inputs.Start) else chat.tap(resume))
    # /start after a while says welcome back; the button right after pausing just goes on.
    assert said(reply) == ["flow.resume" if isinstance(resume, inputs.Start) else "flow.continue"]
    assert question(reply).prompt == waiting.prompt
    assert number(question(await chat.tap("4")), "item") == 3


async def test_cancel_asks_for_confirmation_and_no_continues_at_the_same_question(chat: Chat) -> None:
    await chat.open_esy()
    waiting = question(await chat.tap("3"))
    confirm = question(await chat.tap(CANCEL))
    assert confirm.prompt.key == "flow.cancel_confirm"
    assert [option.value for option in confirm.options] == [CANCEL_YES, CANCEL_NO]
    reply = await chat.tap(CANCEL_NO)
    assert said(reply) == ["flow.continue"]
    assert question(reply).prompt == waiting.prompt


async def test_cancel_yes_stores_nothing_and_shows_the_menu(
    chat: Chat, memory_store: MemoryStore, instrument: Instrument,
) -> None:
    await chat.open_esy()
    await chat.answer("4", {0: "Enemmän unta"}, until_wish=len(instrument.areas) - 1)
    await chat.send(inputs.Command("cancel"))
    reply = await chat.tap(CANCEL_YES)
    assert said(reply) == ["flow.cancelled"]
    assert question(reply).prompt.key == "menu.prompt"
    assert await stored_assessments(memory_store) == []
    row = await stored_conversation(memory_store)
    assert (row.flow, row.data) == (menu.NAME, {})


@pytest.mark.parametrize("ask_help", [inputs.Choice(0, HELP), inputs.Command("help")],
                         ids=["button", "command"])
async def test_help_explains_and_shows_the_question_again(chat: Chat, ask_help: inputs.Input) -> None:
    waiting = question(await chat.open_esy())
    if isinstance(ask_help, inputs.Choice):
        ask_help = dataclasses.replace(ask_help, step=waiting.step)
    reply = await chat.send(ask_help)
    assert said(reply) == ["esy.help"]
    assert question(reply) == waiting


# --- bad input ---------------------------------------------------------------------------------------

async def esy_second_statement(chat: Chat) -> Ask:
    """Open the ESY and answer the first statement; the second one is waiting."""
    await chat.open_esy()
    return question(await chat.tap("3"))


@pytest.mark.parametrize(("given", "error"), [
    (inputs.Choice(-1, "3"), "error.stale"),
    (inputs.Choice(0, esy.BEGIN), "error.stale"),
    (inputs.Choice(0, "9"), "error.stale"),
    (inputs.Choice(0, esy.NAME), "error.stale"),
    (inputs.Choice(0, "ctl:no-such-control"), "error.stale"),
    (inputs.Text("4"), "error.use_buttons"),
    (inputs.Text("x" * 5000), "error.use_buttons"),
    (inputs.Command("frobnicate", known=False), "error.unknown_command"),
    (inputs.Unsupported("sticker"), "error.unsupported"),
    (inputs.Start(), "flow.resume"),
], ids=["old-step", "value-of-another-state", "out-of-scale", "menu-value", "unknown-control",
        "text-for-buttons", "long-text-for-buttons", "unknown-command", "sticker", "start-mid-flow"])
async def test_unusable_input_says_why_and_keeps_the_question(
    chat: Chat, memory_store: MemoryStore, given: inputs.Input, error: str,
) -> None:
    waiting = await esy_second_statement(chat)
    before = position(await stored_conversation(memory_store))
    if isinstance(given, inputs.Choice):
        # Step 0 means "the step of the question on screen"; otherwise, that many steps before it.
        given = dataclasses.replace(given, step=waiting.step + given.step)
    reply = await chat.send(given)
    assert said(reply) == [error]
    assert question(reply) == waiting
    assert position(await stored_conversation(memory_store)) == before


async def test_a_button_from_an_earlier_question_is_stale(chat: Chat, memory_store: MemoryStore) -> None:
    await chat.send(inputs.Start())
    await chat.tap("lang:fi")
    await chat.tap(esy.NAME)
    intro = chat.question
    waiting = question(await chat.tap(esy.BEGIN))
    reply = await chat.send(inputs.Choice(intro.step, esy.BEGIN))
    assert said(reply) == ["error.stale"]
    assert question(reply) == waiting


async def wish_of_first_area(chat: Chat) -> Ask:
    await chat.open_esy()
    return question(await chat.answer(until_wish=0))


async def test_a_wish_of_5000_characters_is_too_long_and_not_recorded(
    chat: Chat, memory_store: MemoryStore,
) -> None:
    waiting = await wish_of_first_area(chat)
    before = position(await stored_conversation(memory_store))
    reply = await chat.write("ä" * 5000)
    assert said(reply) == ["error.too_long"]
    error = reply.results[0]
    assert isinstance(error, Say)
    assert error.msg.params == {"max": MAX_TEXT, "length": 5000}
    assert question(reply) == waiting
    assert position(await stored_conversation(memory_store)) == before


@pytest.mark.parametrize("wish", ["😴", "🙂🙃 🌧️➡️🌤️", "👩‍👩‍👧"])
async def test_an_emoji_only_wish_is_accepted(
    chat: Chat, memory_store: MemoryStore, instrument: Instrument, wish: str,
) -> None:
    await wish_of_first_area(chat)
    reply = await chat.write(wish)
    assert said(reply) == ["esy.wish_saved"]
    assert question(reply).prompt.key == "esy.rate"
    assert (await stored_conversation(memory_store)).data["wishes"] == {instrument.areas[0].id: wish}


@pytest.mark.parametrize("blank", ["   ", "\n\t \n", "\u00a0\u3000"])
async def test_a_blank_wish_is_empty(chat: Chat, memory_store: MemoryStore, blank: str) -> None:
    waiting = await wish_of_first_area(chat)
    before = position(await stored_conversation(memory_store))
    reply = await chat.write(blank)
    assert said(reply) == ["error.empty"]
    assert question(reply) == waiting
    assert position(await stored_conversation(memory_store)) == before


# --- persistence -------------------------------------------------------------------------------------

async def test_a_new_engine_on_the_same_store_continues_at_the_same_statement(
    chat: Chat, memory_store: MemoryStore, instrument: Instrument, clock: Clock, catalogs: Catalog,
) -> None:
    await chat.open_esy()
    await chat.tap("3")
    waiting = question(await chat.tap("4"))
    row = await stored_conversation(memory_store)
    assert (row.flow, row.state, row.flow_version, row.step) == (esy.NAME, "rate", esy.VERSION, waiting.step)
    assert (row.data["area"], row.data["item"]) == (0, 2)
    assert row.updated_at == clock.now

    restarted = Chat(Engine(memory_store, all_flows(instrument), clock), catalogs)
    reply = await restarted.send(inputs.Start())
    assert said(reply) == ["flow.resume"]
    assert question(reply) == waiting
    # A button sent before the restart still answers the question it belonged to.
    reply = await restarted.send(inputs.Choice(waiting.step, "5"))
    assert question(reply).prompt.key == "esy.wish"
    statements = instrument.areas[0].statements
    assert (await stored_conversation(memory_store)).data["ratings"] == {
        statements[0].id: 3, statements[1].id: 4, statements[2].id: 5}


class FailingAdds:
    """Assessments whose `add` fails, as a full disk would."""

    def __init__(self, inner: Assessments) -> None:
        self.inner = inner

    async def add(self, row: AssessmentRow) -> int:
        raise OSError("disk full")

    async def latest(self, user_key: str, instrument_id: str) -> AssessmentRow | None:
        return await self.inner.latest(user_key, instrument_id)

    async def for_user(self, user_key: str) -> list[AssessmentRow]:
        return await self.inner.for_user(user_key)

    async def get(self, assessment_id: int) -> AssessmentRow | None:
        return await self.inner.get(assessment_id)


class Work:
    """The real unit of work, but with failing assessments."""

    def __init__(self, inner: UnitOfWork) -> None:
        self._inner = inner
        self.assessments = FailingAdds(inner.assessments)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class BrokenAssessmentStore(MemoryStore):
    """A memory store whose assessments cannot be written while ``broken`` is set."""

    broken = False

    @asynccontextmanager
    async def transaction(self, person: str | None = None, *,
                          isolation: Isolation = SERIALIZABLE) -> AsyncIterator[UnitOfWork]:
        async with super().transaction(person) as work:
            if not self.broken:
                yield work
            else:
                yield cast(UnitOfWork, Work(work))


async def test_the_conversation_row_commits_with_the_answer_or_not_at_all(
    instrument: Instrument, clock: Clock, catalogs: Catalog,
) -> None:
    store = BrokenAssessmentStore()
    chat = Chat(Engine(store, all_flows(instrument), clock), catalogs)
    await chat.open_esy()
    last_wish = question(await chat.answer(until_wish=len(instrument.areas) - 1))
    before = position(await stored_conversation(store))
    store.broken = True
    with pytest.raises(OSError, match="disk full"):
        await chat.tap(esy.SKIP)
    assert position(await stored_conversation(store)) == before
    store.broken = False
    reply = await chat.send(inputs.Choice(last_wish.step, esy.SKIP))
    assert question(reply).prompt.key == "menu.prompt"
    assert len(await stored_assessments(store)) == 1


class ContendedStore(MemoryStore):
    """A memory store whose next ``losses`` transactions lose at their end (as a PostgreSQL one may: Contention),
    rolled back whole; it remembers the person each transaction named."""

    losses = 0

    def __init__(self) -> None:
        super().__init__()
        self.persons: list[str | None] = []

    @asynccontextmanager
    async def transaction(self, person: str | None = None, *,
                          isolation: Isolation = SERIALIZABLE) -> AsyncIterator[UnitOfWork]:
        self.persons.append(person)
        async with super().transaction(person) as work:
            yield work
            if self.losses:
                self.losses -= 1
                raise Contention("could not serialize access")


async def test_a_contended_update_is_handled_again_whole_and_once(
    instrument: Instrument, clock: Clock, catalogs: Catalog,
) -> None:
    store = ContendedStore()
    chat = Chat(Engine(store, all_flows(instrument), clock), catalogs)
    await chat.open_esy()
    store.losses, store.persons = 2, []
    reply = await chat.tap("4")
    assert number(question(reply), "item") == 2
    tries = store.persons
    assert len(tries) == 3 and len(set(tries)) == 1 and tries[0], "the person, each try"
    assert len((await stored_conversation(store)).data["ratings"]) == 1, "the answer counted once"


async def test_contention_that_does_not_end_reaches_the_caller(
    instrument: Instrument, clock: Clock, catalogs: Catalog,
) -> None:
    store = ContendedStore()
    chat = Chat(Engine(store, all_flows(instrument), clock), catalogs)
    await chat.open_esy()
    before = position(await stored_conversation(store))
    store.losses = 100
    with pytest.raises(Contention):
        await chat.tap("4")
    store.losses = 0
    assert position(await stored_conversation(store)) == before


# --- versions ----------------------------------------------------------------------------------------

async def test_a_conversation_from_an_older_flow_version_restarts_the_flow(
    chat: Chat, memory_store: MemoryStore,
) -> None:
    await esy_second_statement(chat)
    await replace_conversation(memory_store, flow_version=0)  # older than any migration
    reply = await chat.tap("4")
    assert said(reply)[0] == "flow.restarted"
    assert question(reply).prompt.key == "esy.intro"
    row = await stored_conversation(memory_store)
    assert (row.flow, row.state, row.flow_version) == (esy.NAME, "intro", esy.VERSION)
    assert row.data["ratings"] == {}


async def test_a_version_1_circle_is_migrated_and_goes_on(chat: Chat, memory_store: MemoryStore) -> None:
    waiting = await esy_second_statement(chat)
    await replace_conversation(memory_store, flow_version=1)
    reply = await chat.send(inputs.Choice(waiting.step, "4"))
    assert "flow.restarted" not in said(reply)
    assert number(question(reply), "item") == 3
    row = await stored_conversation(memory_store)
    assert row.flow_version == esy.VERSION and len(row.data["ratings"]) == 2


async def test_a_conversation_in_an_unknown_flow_restarts_at_the_menu(
    chat: Chat, memory_store: MemoryStore,
) -> None:
    await esy_second_statement(chat)
    await replace_conversation(memory_store, flow="retired-flow", state="somewhere")
    reply = await chat.send(inputs.Start())
    assert said(reply)[0] == "flow.restarted"
    assert question(reply).prompt.key == "menu.prompt"
    assert (await stored_conversation(memory_store)).flow == menu.NAME


@pytest.mark.parametrize("change", [{"iv": 0}, {"instrument": "another-organisation-esy"}])
async def test_a_conversation_for_another_instrument_restarts_the_flow(
    chat: Chat, memory_store: MemoryStore, change: dict[str, Any],
) -> None:
    await esy_second_statement(chat)
    row = await stored_conversation(memory_store)
    await replace_conversation(memory_store, data={**row.data, **change})
    reply = await chat.tap("4")
    assert said(reply)[0] == "flow.restarted"
    assert question(reply).prompt.key == "esy.intro"
    assert (await stored_conversation(memory_store)).data["ratings"] == {}


async def test_a_button_from_before_a_restart_only_gets_the_restart_notice(
    chat: Chat, memory_store: MemoryStore,
) -> None:
    waiting = await esy_second_statement(chat)
    await replace_conversation(memory_store, flow_version=0)  # older than any migration
    reply = await chat.send(inputs.Choice(waiting.step, "3"))
    assert said(reply) == ["flow.restarted"]
    assert question(reply).prompt.key == "esy.intro"


async def test_cancel_in_the_menu_says_there_is_nothing_to_stop(chat: Chat) -> None:
    await chat.send(inputs.Start())
    await chat.tap("lang:fi")
    reply = await chat.send(inputs.Command("cancel"))
    assert said(reply) == ["flow.nothing_to_cancel"]
    assert question(reply).prompt.key == "menu.prompt"


async def test_start_after_a_restart_does_not_claim_to_continue(
    chat: Chat, memory_store: MemoryStore,
) -> None:
    await esy_second_statement(chat)
    await replace_conversation(memory_store, flow_version=0)  # older than any migration
    reply = await chat.send(inputs.Start())
    assert said(reply) == ["flow.restarted"]


# --- catalogs ----------------------------------------------------------------------------------------

async def test_every_id_a_full_tour_emits_is_in_every_catalog(
    chat: Chat, memory_store: MemoryStore, clock: Clock,
) -> None:
    """Chat checks each reply (ids and placeholders, fi/sv/en); this tour makes sure it sees them all."""
    await chat.open_esy("sv")
    await chat.send(inputs.Command("language"))
    await chat.tap("lang:en")
    for given in (inputs.Text("?"), inputs.Command("nope", known=False), inputs.Unsupported("voice"),
                  inputs.Command("help"), inputs.Start(), inputs.Choice(-1, "3")):
        await chat.send(given)
    await chat.tap(esy.SKIP)
    await chat.tap(BACK)
    await chat.tap(PAUSE)
    await chat.tap(RESUME)
    await chat.tap(CANCEL)
    await chat.tap(CANCEL_NO)
    await chat.answer(until_wish=0)
    for text in ("   ", "x" * 5000, "Sleep more 😴"):
        await chat.write(text)
    # Area 2 fully skipped, the rest spread out: strengths, fewest points and skipped all appear.
    await chat.answer(["3", esy.SKIP, "1", "2", "3", "4", "5", "1", "2", "3", "4", "5"], {1: "More friends"})
    clock.advance(days=30)
    await chat.tap(esy.NAME)
    await chat.tap(BACK)
    await chat.tap(esy.BEGIN)
    await chat.answer("5")
    await chat.tap(esy.NAME)
    await chat.tap(CANCEL)
    await chat.tap(CANCEL_YES)
    await replace_conversation(memory_store, flow="retired-flow")
    await chat.send(inputs.Start())  # restarts politely
    await chat.send(inputs.Start())  # and then greets in the menu
    await chat.tap("ctl:language")
    emitted = chat.keys
    assert {
        "welcome.first", "welcome.back", "language.choose", "language.changed", "menu.prompt", "menu.esy",
        "esy.intro", "esy.rate", "esy.wish", "esy.help", "esy.circle.title", "esy.circle.before",
        "esy.wish_saved", "esy.earlier_skipped",
        "esy.summary.strengths", "esy.summary.lowest", "esy.summary.skipped", "esy.summary.wishes",
        "esy.summary.moved", "esy.summary.moved_line", "esy.summary.kept_anonymous", "flow.paused", "flow.resume",
        "flow.continue",
        "flow.cancel_confirm", "flow.cancelled", "flow.no_back", "flow.restarted",
        "control.back", "error.stale", "error.use_buttons", "error.too_long", "error.empty",
        "error.unknown_command", "error.unsupported",
    } <= emitted
    assert len(await stored_assessments(memory_store)) == 2


async def test_a_poke_shows_where_a_person_is_without_counting_as_their_visit(
    engine: Engine, memory_store: MemoryStore, clock: Clock,
) -> None:
    assert (await engine.handle("nobody-yet", inputs.Poke(Msg("chat.taken")))).results == []
    async with memory_store.transaction() as work:
        assert await work.users.get("nobody-yet") is None, "a poke creates nobody"
    await engine.handle(KEY, inputs.Start(), "en")
    clock.advance(hours=3)
    reply = await engine.handle(KEY, inputs.Poke(Msg("chat.closed_by_worker")))
    assert said(reply) == ["chat.closed_by_worker"] and question(reply).options
    async with memory_store.transaction() as work:
        person = await work.users.get(KEY)
        assert person is not None and person.last_seen_at == clock.now - timedelta(hours=3)


async def test_a_picture_where_none_is_asked_for_is_answered_like_a_voice_message(engine: Engine) -> None:
    await engine.handle(KEY, inputs.Start(), "en")
    reply = await engine.handle(KEY, inputs.Media("photo", "file-1", "hello"))
    assert said(reply) == ["error.unsupported"]
