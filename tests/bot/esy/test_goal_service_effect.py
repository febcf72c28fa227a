"""Through the real Application (#12 §3, §6): the services a worker linked to a goal are the effect report's
"service linked to goals" rows, beside those named as a goal's helper, and a kept de-identified record names
them too."""

from __future__ import annotations

from bot.i18n import Catalogs
from flows.esy.instrument import Instrument
from storage.ports import GoalRow, GoalServiceRow
from tests.bot.esy.test_effect_report import (
    _msg,
    add_people,
    client_with_two_circles,
    coordinator_of,
    records,
    rows_of,
)
from tests.bot.harness import Bot
from tests.bot.identity.test_identity import t
from tests.conftest import Clock


async def test_services_linked_to_goals_are_the_reports_service_rows(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    """Five people whose goal a worker linked to Ohjaamo (no helper in words): one Ohjaamo row of five."""
    await add_people(bot, clock, 5)
    async with bot.services.store.transaction() as work:
        for number in range(5):
            goal_id = await work.goals.add(GoalRow(f"anon-{number}", "home", "a goal in my words", clock.now,
                                                   clock.now))
            await work.goal_services.link(GoalServiceRow(goal_id, "ohjaamo", clock.now))
    coordinator = await coordinator_of(bot, catalogs, "sv")
    await coordinator.send("/effect")
    calls = await coordinator.tap(catalogs.text("sv", _msg("effect.last_months", months=6)))
    _, *rows = rows_of(calls)
    home = instrument.areas[2].name.get("sv")
    service = t(catalogs, "sv", "effect.dimension.service")
    assert [row[2:5] for row in rows if row[0] == home and row[1] == service] == [
        ["Ohjaamo / Navigatorn", "5", "-0.5"]]


async def test_a_kept_record_names_the_services_linked_to_the_goals(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    client, key = await client_with_two_circles(bot, catalogs, clock)
    async with bot.services.store.transaction() as work:
        (goal,) = await work.goals.for_user(key)
        assert goal.id is not None
        await work.goal_services.link(GoalServiceRow(goal.id, "ohjaamo", clock.now))
    await client.send("/forget")
    await client.tap(t(catalogs, "en", "forget.yes"))
    [record] = await records(bot)
    # Kela named as the helper, Ohjaamo linked by the worker: both under the goal's area
    assert record.services == {"rhythm": ["kela", "ohjaamo"]}
