"""Through the real Application: a worker opening a client's shared circle gets the conversation prompts of the
client's wished-for and lowest areas, marked as drafts; the client never sees them."""

from __future__ import annotations

import io
from pathlib import Path

from bot.bootstrap import bootstrap
from bot.console import Console
from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from flows.core.messages import Msg
from flows.esy.instrument import Instrument
from tests.bot.esy.test_circle_picture import worker_opens_the_shared_circles
from tests.bot.harness import Bot, TgUser, bot_settings
from tests.bot.identity.test_identity import CLIENT, deliver, sent_texts, t
from tests.bot.identity.test_rights import linked_client
from tests.bot.test_console import YES_TO_ALL, console_invitation
from tests.conftest import Clock

WISH_AREA, LOW_AREA = 5, 0


async def fill_with_a_low_area_and_a_wish(client: TgUser, catalogs: Catalogs, instrument: Instrument) -> None:
    """Every area "mostly true" but the first ("not at all"); a wish written in the sixth only."""
    await client.tap(t(catalogs, "en", "menu.esy"))
    await client.tap(t(catalogs, "en", "esy.begin"))
    for index, area in enumerate(instrument.areas):
        for _ in area.statements:
            await client.tap(instrument.scale[0 if index == LOW_AREA else 3].label.get("en"))
        if index == WISH_AREA:
            await client.send("I'd like to have someone to talk to")
        else:
            await client.tap(t(catalogs, "en", "esy.skip_wish"))


async def test_the_worker_sees_prompts_beside_the_shared_circle_and_the_client_never_does(
    bot: Bot, catalogs: Catalogs, instrument: Instrument,
) -> None:
    client = await linked_client(bot, catalogs)
    await fill_with_a_low_area_and_a_wish(client, catalogs, instrument)
    await client.tap(t(catalogs, "en", "esy.share_yes"))
    await deliver(bot)

    calls = await worker_opens_the_shared_circles(bot, catalogs)
    assert [c.method for c in calls].count("sendPhoto") == 1
    texts = [str(c.params.get("text", "")) for c in calls if c.method == "sendMessage"]
    prompts = next(text for text in texts if text.startswith(catalogs.text(
        "fi", Msg("clients.prompts", {"nickname": "Kettu", "areas": ""})).strip()))
    # The wished-for area first, then the lowest, then (all others tied) the first in the instrument's order.
    shown = [instrument.areas[i] for i in (WISH_AREA, LOW_AREA, 1)]
    positions = [prompts.index(area.name.get("fi")) for area in shown]
    assert positions == sorted(positions)
    for area in shown:
        for prompt in area.prompts:
            assert catalogs.text("fi", Msg("clients.prompts_item", {"text": prompt})) in prompts
    assert prompts.count(t(catalogs, "fi", "clients.prompts_draft")) == 3  # the shipped prompts are drafts
    for area in instrument.areas[2:5]:
        assert area.prompts[0].get("fi") not in prompts  # at most three areas

    # The young person never gets the worker's prompts, in any message.
    seen_by_client = await sent_texts(bot, CLIENT)
    assert t(catalogs, "en", "clients.prompts_draft") not in seen_by_client
    for area in instrument.areas:
        for prompt in area.prompts:
            assert prompt.get("en") not in seen_by_client and prompt.get("fi") not in seen_by_client


async def test_in_a_terminal_the_worker_sees_the_prompts_too(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, instrument: Instrument,
) -> None:
    services = await bootstrap(bot_settings(tmp_path / "k.sqlite3"), drawer=drawer, clock=clock, catalogs=catalogs)
    try:
        code = await console_invitation(services, tmp_path)
        keys = [f"/start {code}", "1", *YES_TO_ALL.split(), "/circle", "1"]
        for index, area in enumerate(instrument.areas):
            keys += ["1" if index == LOW_AREA else "4"] * len(area.statements)
            keys.append("someone to talk to" if index == WISH_AREA else "1")
        keys.append("1")
        client_out = io.StringIO()
        await Console(services, client_out, tmp_path, "kettu").run(io.StringIO("\n".join(keys) + "\n"), "en")
        worker_out = io.StringIO()
        await Console(services, worker_out, tmp_path, "kaisa").run(io.StringIO("/clients\n1\n1\n"), "en")
    finally:
        await services.store.close()
    shown = worker_out.getvalue()
    for index in (WISH_AREA, LOW_AREA, 1):
        assert all(prompt.get("en") in shown for prompt in instrument.areas[index].prompts)
    assert t(catalogs, "en", "clients.prompts_draft") in shown
    assert not any(prompt.get("en") in client_out.getvalue() for area in instrument.areas for prompt in area.prompts)
