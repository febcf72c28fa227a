"""What people meet on screens, through the real Application: "welcome back" only where something waits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from flows.core.messages import Msg
from tests.bot.harness import bot_settings, joined, start_bot
from tests.bot.test_role_matrix import TG, World, conversation_flow, seed
from tests.conftest import Clock


@pytest.fixture
async def world(tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer) -> AsyncIterator[World]:
    """The bot on the fake Bot API with a worker, their client and a coordinator in its store."""
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3"), clock, catalogs, drawer)
    try:
        yield await seed(bot, clock)
    finally:
        await bot.stop()


def en(catalogs: Catalogs, key: str, **params: str) -> str:
    return catalogs.text("en", Msg(key, params))


@pytest.mark.parametrize("command", ["/hours", "/consent"])
async def test_a_command_from_a_client_card_never_comes_back_to_the_old_card(
    world: World, catalogs: Catalogs, command: str,
) -> None:
    """A card is only looked at: after a one-shot command the worker is in the menu, not welcomed back into it."""
    worker = world.bot.user(TG["responsible"], "en", "Responsible")
    await worker.send("/clients")
    await worker.tap(en(catalogs, "clients.item_linked", nickname="client"))
    assert await conversation_flow(world, "responsible") == "clients"
    calls = await worker.send(command)
    if en(catalogs, "consent.close") in worker.labels():  # an overview to close first
        calls = await worker.tap(en(catalogs, "consent.close"))
    assert en(catalogs, "flow.resume") not in joined(calls)
    assert await conversation_flow(world, "responsible") == "menu"
    calls = await worker.send("/start")
    assert en(catalogs, "flow.resume") not in joined(calls)


async def test_start_in_an_old_card_goes_to_the_menu(world: World, catalogs: Catalogs) -> None:
    worker = world.bot.user(TG["responsible"], "en", "Responsible")
    await worker.send("/clients")
    await worker.tap(en(catalogs, "clients.item_linked", nickname="client"))
    calls = await worker.send("/start")
    assert en(catalogs, "flow.resume") not in joined(calls) and en(catalogs, "welcome.back") in joined(calls)
    assert await conversation_flow(world, "responsible") == "menu"


async def test_a_one_shot_command_mid_circle_welcomes_back_only_with_answers_given(
    world: World, catalogs: Catalogs,
) -> None:
    young = world.bot.user(TG["anonymous"], "en", "Nuori")
    await young.send("/start")
    await young.tap("English")
    await young.tap(en(catalogs, "menu.esy"))
    calls = await young.send("/hours")  # nothing answered yet: back to the menu, no "let's continue"
    assert en(catalogs, "flow.resume") not in joined(calls)
    assert await conversation_flow(world, "anonymous") == "menu"

    await young.tap(en(catalogs, "menu.esy"))
    await young.tap(en(catalogs, "esy.begin"))
    question = str(young.last_question().params["text"])
    calls = await young.send("/hours")
    assert en(catalogs, "flow.resume") in joined(calls), "answers in progress: welcomed back to them"
    assert str(young.last_question().params["text"]).endswith(question)
