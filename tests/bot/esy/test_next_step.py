"""After a circle, through the real Application: the first goal is offered; to someone with a goal still going,
their goals are pointed to instead of a first goal offered again; once none is going, the offer comes back."""

from __future__ import annotations

from bot.i18n import Catalogs
from flows.core.messages import Msg
from flows.esy.instrument import Instrument
from tests.bot.esy.test_goals import anonymous_circle
from tests.bot.harness import Bot, TgUser, joined
from tests.bot.identity.test_identity import t


async def circle_again(person: TgUser, catalogs: Catalogs, instrument: Instrument) -> str:
    """The circle once more (no wishes, no reminder); returns what came after the last answer."""
    await person.send("/circle")
    await person.tap(t(catalogs, "en", "esy.begin"))
    for area in instrument.areas:
        for _ in area.statements:
            await person.tap(instrument.scale[2].label.get("en"))
        calls = await person.tap(t(catalogs, "en", "esy.skip_wish"))
    calls += await person.tap(t(catalogs, "en", "esy.remind_no"))
    return joined(calls)


async def test_a_second_circle_points_to_the_goals_going_instead_of_offering_one_anew(
    bot: Bot, catalogs: Catalogs, instrument: Instrument,
) -> None:
    person = await anonymous_circle(bot, catalogs, instrument)  # the first: a goal offered
    await person.send("/goals")
    await person.tap(t(catalogs, "en", "goals.new"))
    await person.tap(instrument.areas[0].name.get("en"))
    await person.send("Sleep before midnight")
    for _ in range(3):
        await person.tap(t(catalogs, "en", "goals.skip"))
    await person.tap(t(catalogs, "en", "goals.no_date"))
    after = await circle_again(person, catalogs, instrument)
    assert t(catalogs, "en", "esy.goals_look") in after and t(catalogs, "en", "esy.goals_offer") not in after
    await person.send("/goals")  # reached: nothing going, so the next circle offers a goal again
    await person.tap(catalogs.text("en", Msg("goals.open", {"area": instrument.areas[0].name})))
    await person.tap(t(catalogs, "en", "goals.set_reached"))
    after = await circle_again(person, catalogs, instrument)
    assert t(catalogs, "en", "esy.goals_offer") in after and t(catalogs, "en", "esy.goals_look") not in after
