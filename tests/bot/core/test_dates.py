"""One date style: how openings, days and examples are shown, and that examples are read back and in the future."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import pytest

from bot.i18n import Catalogs
from flows.core.dates import HELSINKI, example_moment, parse_day, time_range
from flows.core.messages import Example, Period, TimeOfDay, When
from flows.meetings.meeting import parse_when
from tests.bot.harness import Bot, said
from tests.bot.identity.test_identity import t
from tests.bot.identity.test_rights import linked_client
from tests.bot.meetings.test_meeting import open_meetings
from tests.conftest import Clock

NIGHT = Period(datetime(2026, 12, 6, 22, tzinfo=HELSINKI), datetime(2026, 12, 7, 1, tzinfo=HELSINKI))


def test_a_slot_past_midnight_names_both_days(catalogs: Catalogs) -> None:
    shown = {language: catalogs.param(language, NIGHT) for language in ("fi", "sv", "en")}
    assert shown == {"fi": "su 6.12. klo 22.00–ma 7.12. klo 1.00", "sv": "sön 6.12. kl. 22.00–mån 7.12. kl. 1.00",
                     "en": "Sun 6 Dec, 22:00 – Mon 7 Dec, 01:00"}
    day = Period(datetime(2026, 12, 6, 12, tzinfo=HELSINKI), datetime(2026, 12, 6, 14, tzinfo=HELSINKI))
    assert catalogs.param("fi", day) == "su 6.12. klo 12.00–14.00", "a slot within a day names it once"


def test_a_time_of_day_is_in_helsinki_and_in_the_bots_style(catalogs: Catalogs) -> None:
    line_time = TimeOfDay(datetime(2026, 12, 6, 12, 5, tzinfo=UTC))  # a chat line in the desk's transcript
    assert [catalogs.param(language, line_time) for language in ("fi", "sv", "en")] == ["14.05", "14.05", "14:05"]
    assert catalogs.param("fi", time_range(time(22), time(1))) == "klo 22.00–1.00 (yön yli)", "a weekly slot"


def test_a_date_is_day_month_year_in_finnish_and_finland_swedish(catalogs: Catalogs) -> None:
    moment = datetime(2026, 12, 6, 12, tzinfo=UTC)
    assert [catalogs.param(language, moment) for language in ("fi", "sv", "en")] == [
        "6.12.2026", "6.12.2026", "6 Dec 2026"]


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_what_the_bot_prints_is_read_back(catalogs: Catalogs, language: str) -> None:
    now = datetime(2026, 11, 20, 10, tzinfo=UTC)
    moment = example_moment(now, 3)
    today = now.astimezone(HELSINKI).date()
    for shown in (catalogs.param(language, Example(moment)), catalogs.param(language, When(moment))):
        assert parse_when(shown, today) == moment, shown
    assert parse_day(catalogs.param(language, Example(moment, clock=False)), today) == moment.date()
    assert parse_day(catalogs.param(language, moment), today) == moment.date(), "a date as the bot prints it"


async def test_the_meeting_prompt_shows_a_future_example_in_the_bots_style(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    await linked_client(bot, catalogs)
    for _ in range(2):  # today, and again a year on: the example moves with the clock
        worker = await open_meetings(bot, catalogs)
        await worker.tap(t(catalogs, "fi", "meeting.plan"))
        prompt = str(worker.last_question().params["text"])
        assert said(catalogs, "meeting.ask_when", prompt, ("fi",))
        example = re.search(r"esimerkiksi (\d{1,2}\.\d{1,2}\. klo \d{1,2}\.\d{2})", prompt)
        assert example, prompt
        when = parse_when(example[1], clock.now.astimezone(HELSINKI).date())
        assert when is not None and clock.now < when < clock.now + timedelta(days=7), "before the first-meeting limit"
        calls = await worker.send(example[1])
        assert said(catalogs, "meeting.ask_kind", calls[-1].params["text"], ("fi",)), "the example is accepted"
        await worker.send("/cancel")
        clock.advance(days=365)
