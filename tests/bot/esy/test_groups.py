"""ESY groups (#12 §5) through the real Application on the fake Bot API: a worker creates a group and gets its
code, young people (linked and anonymous) join with it, the worker opens a round and members are told, they
answer through the ESY flow, and the worker sees the group's totals only from five answers up, never anyone's
own; leaving and /forget take a member's answers out; wrong, closed and used codes get clear answers."""

from __future__ import annotations

import json
import re
import statistics
from datetime import date, datetime, timedelta

from bot.i18n import Catalogs
from bot.keys import user_key
from bot.ticker import purge_idle
from flows.core.dates import HELSINKI, as_day
from flows.core.messages import Example, Lines, Msg, Number
from flows.esy.group_rounds import PUSH
from flows.esy.instrument import Instrument
from tests.bot.fakeapi import Call
from tests.bot.harness import Bot, TgUser, joined, said, sent_files
from tests.bot.identity.test_identity import CLIENT, WORKER, deliver, invite_worker, open_menu, t
from tests.bot.identity.test_rights import linked_client
from tests.conftest import Clock

GROUP = "Tiistairyhmä"
STARTS, ENDS = date(2026, 12, 1), date(2027, 2, 28)
GROUP_CODE = re.compile(r"(?<![-0-9A-Z])([0-9A-Z]{4}-[0-9A-Z]{4})(?![-0-9A-Z])")
ANONYMOUS = (700101, 700102, 700103, 700104, 700105)
LANGUAGES = ("fi", "sv", "en", "fi", "sv")


async def staff_worker(bot: Bot, catalogs: Catalogs) -> TgUser:
    """Aino, a linked worker (Finnish)."""
    payload = await invite_worker(bot, catalogs)
    worker = bot.user(WORKER, "fi", "Aino")
    await worker.send(f"/start {payload}")
    await worker.tap(t(catalogs, "fi", "invite.accept"))
    return worker


async def create_group(worker: TgUser, catalogs: Catalogs) -> str:
    """The worker creates the group; returns its code as shown."""
    calls = await worker.send("/groups")
    assert said(catalogs, "groups.none", joined(calls))
    await worker.tap(t(catalogs, "fi", "groups.new"))
    await worker.send(GROUP)
    await worker.send("1.12.2026")
    calls = await worker.send("28.2.2027")
    assert said(catalogs, "groups.created", joined(calls), ("fi",))
    found = GROUP_CODE.search(joined(calls))
    assert found, joined(calls)
    return found.group(1)


async def card(worker: TgUser, catalogs: Catalogs) -> str:
    """The worker opens the group's card afresh and reads it."""
    await worker.send("/groups")
    item = catalogs.text("fi", Msg("groups.item", {"name": GROUP, "starts": as_day(STARTS), "ends": as_day(ENDS)}))
    return joined(await worker.tap(item))


async def join(user: TgUser, catalogs: Catalogs, code: str, offer: str, deep: bool = False) -> list[Call]:
    """The person opens the code (typed, in lower case, or as a deep link) and joins."""
    if deep:
        calls = await user.send(f"/start {code.replace('-', '')}")
    else:
        await open_menu(user, catalogs)
        await user.send("/code")
        calls = await user.send(code.lower())
    assert said(catalogs, offer, joined(calls), (user.language,)), joined(calls)
    return await user.tap(t(catalogs, user.language, "invite.group_join"))


async def answer_whole(user: TgUser, catalogs: Catalogs, instrument: Instrument, rating: int) -> list[Call]:
    """The member taps the group's button at the start of the circle and fills it all in."""
    calls = await user.tap(catalogs.text(user.language, Msg("esy.group_round", {"group": GROUP})))
    for area in instrument.areas:
        for number, _ in enumerate(area.statements):
            calls = await user.tap(instrument.scale[(rating + number) % len(instrument.scale)].label.get(
                user.language))
        calls = await user.tap(t(catalogs, user.language, "esy.skip_wish"))
    return calls


async def area_lines(bot: Bot, catalogs: Catalogs, instrument: Instrument, keys: list[str]) -> list[str]:
    """What the card should say per area, computed here from the members' own stored circles."""
    async with bot.services.store.transaction() as work:
        circles = [(await work.assessments.for_user(key))[-1].area_scores for key in keys]
    lines = []
    for area in instrument.areas:
        scores = [float(circle[area.id] or 0) for circle in circles]
        low = sum(score < 1 + 4 / 3 for score in scores)
        high = sum(score > 5 - 4 / 3 for score in scores)
        lines.append(catalogs.text("fi", Msg("groups.area_line", {
            "area": area.name, "median": Number(round(statistics.median(scores), 1)), "max": 5, "low": low,
            "middle": len(scores) - low - high, "high": high})))
    return lines


async def test_a_group_shows_totals_only_from_five_answers_and_a_leaver_drops_out(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    client = await linked_client(bot, catalogs)  # also links the worker Aino
    worker = bot.user(WORKER, "fi", "Aino")
    code = await create_group(worker, catalogs)
    assert code in await card(worker, catalogs), "the worker sees the code again"
    calls = await join(client, catalogs, code, "invite.group_offer")
    assert said(catalogs, "invite.group_joined", joined(calls), ("en",))
    people = [bot.user(tg, language, "Nuori") for tg, language in zip(ANONYMOUS, LANGUAGES, strict=True)]
    for number, person in enumerate(people):
        calls = await join(person, catalogs, code, "invite.group_offer_anonymous", deep=number % 2 == 0)
        assert said(catalogs, "invite.group_joined", joined(calls), (person.language,))
    assert said(catalogs, "groups.no_rounds", await card(worker, catalogs), ("fi",))

    await worker.tap(t(catalogs, "fi", "groups.open_round"))
    calls = await worker.tap(t(catalogs, "fi", "groups.round_whole_button"))
    assert said(catalogs, "groups.round_opened", joined(calls), ("fi",))
    async with bot.services.store.transaction() as work:
        pushes = [row for key in [user_key(bot.services.secret, "tg", tg) for tg in (CLIENT, *ANONYMOUS)]
                  for row in await work.outbox.for_recipient(key) if row.kind == PUSH]
    assert len(pushes) == 6, "every member is told"
    mark = len(bot.api.calls)
    await deliver(bot)
    told = [c for c in bot.api.calls[mark:] if said(catalogs, "groups.round_notice", c)]
    assert {c.params["chat_id"] for c in told} == {CLIENT, *ANONYMOUS}

    members = [client, *people[:4]]
    for number, member in enumerate(members[:4]):
        clock.advance(minutes=1)  # one after another: the totals are taken over the oldest five
        calls = await answer_whole(member, catalogs, instrument, number)
        assert said(catalogs, "esy.group_counted", joined(calls), (member.language,))
    four = await card(worker, catalogs)
    assert catalogs.text("fi", Msg("groups.round_hidden", {"round": Msg("groups.round_whole", {
        "number": 1, "date": clock.now}), "count": 4})) in four
    assert not said(catalogs, "groups.area_line", four, ("fi",)), "no totals under five"

    clock.advance(minutes=1)
    await answer_whole(members[4], catalogs, instrument, 4)
    five = await card(worker, catalogs)
    keys = [user_key(bot.services.secret, "tg", member.id) for member in members]
    for line in await area_lines(bot, catalogs, instrument, keys):
        assert line in five
    assert "Kettu" not in five, "not even a linked client is named"

    opened = clock.now - timedelta(minutes=5)
    sixth = people[4]
    clock.advance(minutes=1)
    await answer_whole(sixth, catalogs, instrument, 2)
    whole = Msg("groups.round_whole", {"number": 1, "date": opened})
    shown = Msg("groups.round_shown", {"round": whole, "count": 6, "lines": Lines((
        *await area_lines(bot, catalogs, instrument, keys), Msg("groups.round_batched", {"counted": 5})))})
    assert catalogs.text("fi", shown) in await card(worker, catalogs), "six answered, the totals still the first five's"

    leaver = members[1]
    await leaver.send("/mygroups")
    await leaver.tap(catalogs.text(leaver.language, Msg("my_groups.leave", {"name": GROUP})))
    calls = await leaver.tap(t(catalogs, leaver.language, "my_groups.leave_yes"))
    assert said(catalogs, "my_groups.left", joined(calls), (leaver.language,))
    after = await card(worker, catalogs)
    leaver_key = user_key(bot.services.secret, "tg", leaver.id)
    remaining = [key for key in keys if key != leaver_key] + [user_key(bot.services.secret, "tg", sixth.id)]
    shown = Msg("groups.round_shown", {"round": whole, "count": 5, "lines": Lines(tuple(
        await area_lines(bot, catalogs, instrument, remaining)))})
    assert catalogs.text("fi", shown) in after, "the leaver's answers are out of the totals, the sixth's in"
    async with bot.services.store.transaction() as work:
        assert await work.groups.memberships(leaver_key) == [] and await work.groups.answers_of(leaver_key) == []
        assert len(await work.assessments.for_user(leaver_key)) == 1, "their own circle stays theirs"


async def test_mydata_lists_the_group_and_forget_takes_the_answers_out(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    worker = await staff_worker(bot, catalogs)
    code = await create_group(worker, catalogs)
    people = [bot.user(tg, "en", "Nuori") for tg in ANONYMOUS]
    for person in people:
        await join(person, catalogs, code, "invite.group_offer_anonymous", deep=True)
    await card(worker, catalogs)
    await worker.tap(t(catalogs, "fi", "groups.open_round"))
    await worker.tap(t(catalogs, "fi", "groups.round_whole_button"))
    await deliver(bot)
    for number, person in enumerate(people):
        await answer_whole(person, catalogs, instrument, number)
        await person.tap(t(catalogs, "en", "esy.remind_no"))
    assert said(catalogs, "groups.area_line", await card(worker, catalogs), ("fi",))

    area = instrument.areas[0]
    await card(worker, catalogs)
    await worker.tap(t(catalogs, "fi", "groups.open_round"))
    await worker.tap(t(catalogs, "fi", "groups.round_area_button"))
    await worker.tap(area.name.get("fi"))
    await deliver(bot)
    for person in people:  # the session: everyone a point higher than their first circle's statements
        await person.tap(catalogs.text("en", Msg("esy.group_round_area", {"group": GROUP, "area": area.name})))
        for _ in area.statements:
            await person.tap(instrument.scale[4].label.get("en"))
        await person.tap(t(catalogs, "en", "esy.skip_wish"))
    async with bot.services.store.transaction() as work:
        keys = [user_key(bot.services.secret, "tg", person.id) for person in people]
        first = [float((await work.assessments.for_user(key))[0].area_scores[area.id] or 0) for key in keys]
        later = [float((await work.assessments.for_user(key))[1].area_scores[area.id] or 0) for key in keys]
    change = round(round(statistics.median(later), 1) - round(statistics.median(first), 1), 1)
    assert change, "the session moved the median"
    low, high = sum(score < 1 + 4 / 3 for score in later), sum(score > 5 - 4 / 3 for score in later)
    assert catalogs.text("fi", Msg("groups.area_change", {"line": Msg("groups.area_line", {
        "area": area.name, "median": Number(round(statistics.median(later), 1)), "max": 5, "low": low,
        "middle": 5 - low - high, "high": high}), "change": Number(change, signed=True)})) in await card(
        worker, catalogs), "the session's median with its change from the first round"

    calls = await people[0].send("/mydata")
    readable = sent_files(calls)["txt"].decode()
    data = json.loads(sent_files(calls)["json"])
    assert catalogs.text("en", Msg("mydata.groups", {"count": 1})) in readable
    assert catalogs.text("en", Msg("mydata.group_answer", {"number": 1, "date": bot.services.catalogs.stamp(
        "en", clock.now)})) in readable
    assert [group["name"] for group in data["esy_groups"]] == [GROUP]

    await people[0].send("/forget")
    await people[0].tap(t(catalogs, "en", "forget.yes"))
    four = await card(worker, catalogs)
    assert said(catalogs, "groups.round_hidden", four, ("fi",)) and not said(catalogs, "groups.area_line", four,
                                                                              ("fi",))
    assert catalogs.text("fi", Msg("groups.round_hidden", {"round": Msg("groups.round_whole", {
        "number": 1, "date": clock.now}), "count": 4})) in four


async def test_a_session_round_asks_its_one_area_only(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    worker = await staff_worker(bot, catalogs)
    code = await create_group(worker, catalogs)
    person = bot.user(ANONYMOUS[0], "sv", "Nuori")
    await join(person, catalogs, code, "invite.group_offer_anonymous", deep=True)
    await card(worker, catalogs)
    await worker.tap(t(catalogs, "fi", "groups.open_round"))
    await worker.tap(t(catalogs, "fi", "groups.round_area_button"))
    area = instrument.areas[2]
    await worker.tap(area.name.get("fi"))
    mark = len(bot.api.calls)
    await deliver(bot)
    assert said(catalogs, "groups.round_notice_area", joined(bot.api.calls[mark:]), ("sv",))
    calls = await person.tap(catalogs.text("sv", Msg("esy.group_round_area", {"group": GROUP, "area": area.name})))
    assert area.statements[0].text.get("sv") in joined(calls)
    for statement in area.statements:
        assert statement.text.get("sv") in joined(calls)
        calls = await person.tap(instrument.scale[1].label.get("sv"))
    calls = await person.tap(t(catalogs, "sv", "esy.skip_wish"))
    assert said(catalogs, "esy.group_area_summary", joined(calls), ("sv",))
    assert said(catalogs, "esy.group_counted", joined(calls), ("sv",))
    key = user_key(bot.services.secret, "tg", person.id)
    async with bot.services.store.transaction() as work:
        [circle] = await work.assessments.for_user(key)
        [round_row] = await work.groups.rounds(1)
        [answer] = await work.groups.answers(round_row.id or 0)
    assert round_row.area == area.id and answer.assessment_id == circle.id
    assert [a for a, score in circle.area_scores.items() if score is not None] == [area.id]
    hidden = await card(worker, catalogs)
    assert catalogs.text("fi", Msg("groups.round_hidden", {"round": Msg("groups.round_area", {
        "number": 1, "date": clock.now, "area": area.name}), "count": 1})) in hidden


async def test_wrong_closed_and_used_codes_answer_clearly(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    worker = await staff_worker(bot, catalogs)
    code = await create_group(worker, catalogs)
    person = bot.user(ANONYMOUS[0], "fi", "Nuori")
    await open_menu(person, catalogs)
    await person.send("/code")
    calls = await person.send("ABCD-EFGH")
    assert said(catalogs, "invite.invalid", joined(calls), ("fi",))
    async with bot.services.store.transaction() as work:
        key = user_key(bot.services.secret, "tg", person.id)
        assert await work.code_attempts.count_since(key, clock.now) == 1, "a wrong group code counts as a guess"
    await join(person, catalogs, code, "invite.group_offer_anonymous")
    calls = await person.send(f"/start {code}")
    assert said(catalogs, "invite.group_offer_anonymous", joined(calls), ("fi",))
    calls = await person.tap(t(catalogs, "fi", "invite.group_join"))
    assert catalogs.text("fi", Msg("invite.group_already", {"name": GROUP})) in joined(calls)
    calls = await worker.send(f"/start {code}")
    calls = await worker.tap(t(catalogs, "fi", "invite.group_join"))
    assert said(catalogs, "invite.group_staff", joined(calls), ("fi",))

    await card(worker, catalogs)
    await worker.tap(t(catalogs, "fi", "groups.close_group"))
    calls = await worker.tap(t(catalogs, "fi", "groups.close_yes"))
    assert said(catalogs, "groups.closed", joined(calls), ("fi",))
    assert t(catalogs, "fi", "groups.open_round") not in worker.labels()
    late = bot.user(ANONYMOUS[1], "fi", "Nuori")
    calls = await late.send(f"/start {code.replace('-', '')}")
    assert said(catalogs, "invite.invalid", joined(calls), ("fi",)), "a closed group's code no longer joins"


async def test_a_round_opened_at_night_is_told_in_the_morning_and_a_members_address_is_kept_until_they_leave(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    worker = await staff_worker(bot, catalogs)
    code = await create_group(worker, catalogs)
    person = bot.user(ANONYMOUS[0], "en", "Nuori")
    await join(person, catalogs, code, "invite.group_offer_anonymous", deep=True)
    key = user_key(bot.services.secret, "tg", person.id)
    await purge_idle(bot.services)  # the chat's hourly sweep releases addresses nothing needs
    async with bot.services.store.transaction() as work:
        assert await work.contacts.get(key) is not None, "kept to tell them of a round"
    clock.now = clock.now.replace(hour=20, minute=30)  # 22:30 in Helsinki: quiet
    await card(worker, catalogs)
    await worker.tap(t(catalogs, "fi", "groups.open_round"))
    await worker.tap(t(catalogs, "fi", "groups.round_whole_button"))
    async with bot.services.store.transaction() as work:
        [row] = [row for row in await work.outbox.for_recipient(key) if row.kind == PUSH]
    local = row.due_at.astimezone(HELSINKI)
    assert (local.day, local.hour, local.minute) == (21, 8, 0), "at the end of the quiet hours"
    mark = len(bot.api.calls)
    await deliver(bot)
    assert not said(catalogs, "groups.round_notice", joined(bot.api.calls[mark:]))
    clock.now = row.due_at + timedelta(hours=15)  # the bot was down all day: 23:00, quiet again
    await deliver(bot)
    assert not said(catalogs, "groups.round_notice", joined(bot.api.calls[mark:])), "late, it waits for the morning"
    clock.now = row.due_at + timedelta(days=1)
    await deliver(bot)
    assert said(catalogs, "groups.round_notice", joined(bot.api.calls[mark:]), ("en",))
    await person.send("/mygroups")
    await person.tap(catalogs.text("en", Msg("my_groups.leave", {"name": GROUP})))
    await person.tap(t(catalogs, "en", "my_groups.leave_yes"))
    await purge_idle(bot.services)
    async with bot.services.store.transaction() as work:
        assert await work.contacts.get(key) is None, "released once they left"


async def test_a_period_typed_without_years_starts_this_year_and_ends_after_the_start(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    worker = await staff_worker(bot, catalogs)
    await worker.send("/groups")
    await worker.tap(t(catalogs, "fi", "groups.new"))
    await worker.send(GROUP)
    calls = await worker.send("huomenna")
    assert said(catalogs, "groups.bad_date", joined(calls), ("fi",))
    calls = await worker.send("15.11.")  # five days ago: a group already going, not one next November
    example = Msg("groups.ask_ends", {"example": Example(datetime(2027, 2, 13, tzinfo=HELSINKI), clock=False)})
    assert catalogs.text("fi", example) in joined(calls), "the example end is about three months on"
    calls = await worker.send("14.11.")  # before the start: the next such day, a year's group
    assert said(catalogs, "groups.created", joined(calls), ("fi",))
    async with bot.services.store.transaction() as work:
        staff = await work.staff.by_user(user_key(bot.services.secret, "tg", WORKER))
        assert staff is not None and staff.id is not None
        [group] = await work.groups.for_staff(staff.id)
    assert (group.starts_on, group.ends_on) == (date(2026, 11, 15), date(2027, 11, 14))
