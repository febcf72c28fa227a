"""#12 "Done when", as one story through the real PTB Application on the fake Bot API: a worker (in Finnish) and
a young person (in Swedish) walk ESY's four phases together. The worker invites; the young person consents
(storing (c) and reminders (d) among the items), fills the circle and shares it, and sees places that can help
(phase 1, 3); the worker gives their own reading without having opened the circle, both see the comparison and
comment (phase 1); the young person sets a goal with one of the region's services as its helper and the worker
agrees it (phase 2, 3); about three months later the re-assessment offer arrives once, the young person fills the
circle again and sees their progress with the goal beside its area, and the worker sees it from the card
(phase 4)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.i18n import Catalogs
from bot.keys import user_key
from flows.core.messages import Lines, Msg, Number
from flows.esy.instrument import Instrument
from flows.esy.scoring import area_scores
from flows.esy.services import load_services, places_message
from flows.identity.consent_texts import load_consent_texts
from tests.bot.fakeapi import Call
from tests.bot.harness import Bot, TgUser, joined, said
from tests.bot.identity.test_identity import CLIENT, WORKER, deliver, invite_client, sent_texts
from tests.conftest import Clock

YOUNG, STAFF = "sv", "fi"  # a Finland-Swedish young person, a Finnish-speaking worker: each in their own language
NICKNAME = "Kettu"
WISHED = 10  # "Study and work": the young person's wish, the fewest points, the services that can help
WISH = "Ett sommarjobb"
FIRST, READ, LATER, ELSEWHERE = 1, 4, 3, 4  # points in WISHED: the first circle, the worker's, the later one
GOAL = "Söka tre sommarjobb"


def tr(catalogs: Catalogs, language: str, key: str, **params: object) -> str:
    return catalogs.text(language, Msg(key, params))  # type: ignore[arg-type]


def area_name(instrument: Instrument, language: str, index: int = WISHED) -> str:
    return instrument.areas[index].name.get(language)


def photos(calls: list[Call]) -> list[Call]:
    return [c for c in calls if c.method == "sendPhoto"]


async def rate_all(user: TgUser, catalogs: Catalogs, instrument: Instrument, wished_points: int) -> list[Call]:
    """Rate every statement: ``wished_points`` in the wished-for area, ELSEWHERE points in the others; the
    young person writes WISH for that area and skips the other wishes (a worker's reading asks none). Returns
    everything the bot sent on the way."""
    seen: list[Call] = []
    for index, area in enumerate(instrument.areas):
        points = wished_points if index == WISHED else ELSEWHERE
        for _ in area.statements:
            seen += await user.tap(instrument.scale[points - 1].label.get(user.language))
        if user.id == WORKER:
            continue
        seen += await (user.send(WISH) if index == WISHED else user.tap(tr(catalogs, user.language, "esy.skip_wish")))
    return seen




# --- the worker invites, the young person agrees ---------------------------------------------------------------

async def invited_and_consented(bot: Bot, catalogs: Catalogs) -> TgUser:
    """The worker makes an invitation; the young person opens it and answers every consent item yes."""
    _, payload = await invite_client(bot, catalogs)
    young = bot.user(CLIENT, YOUNG, NICKNAME)
    await young.send(f"/start {payload}")
    await young.tap(tr(catalogs, YOUNG, "invite.go_on"))
    items = load_consent_texts()
    for _ in items:
        calls = await young.tap(tr(catalogs, YOUNG, "consent.yes"))
    assert tr(catalogs, YOUNG, "invite.client_welcome") in joined(calls)
    async with bot.services.store.transaction() as work:
        client = await work.clients.by_user(user_key(bot.services.secret, "tg", CLIENT))
        assert client is not None and client.id is not None
        given = {row.item: row.answer for row in await work.consents.for_client(client.id)}
    assert given["storage"] == given["reminders"] == "yes" and set(given) == {item.id for item in items}
    await deliver(bot)
    assert tr(catalogs, STAFF, "notify.client_joined", client=NICKNAME) in await sent_texts(bot, WORKER)
    return young


# --- phase 1 (and 3): the circle, shared; places that can help ---------------------------------------------

async def first_circle_shared(bot: Bot, young: TgUser, catalogs: Catalogs, instrument: Instrument) -> None:
    """The young person fills the circle with one wish, is told when the next is offered, and shares it."""
    await young.tap(tr(catalogs, YOUNG, "menu.esy"))
    await young.tap(tr(catalogs, YOUNG, "esy.begin"))
    seen = await rate_all(young, catalogs, instrument, FIRST)
    text = joined(seen)
    assert len(photos(seen)) == 1  # their circle, at the end
    assert said(catalogs, "esy.reassess_planned", text, (YOUNG,))  # consent (d): the next one is offered
    ratings = {s.id: FIRST if i == WISHED else ELSEWHERE for i, a in enumerate(instrument.areas) for s in a.statements}
    places = places_message(load_services(instrument), instrument, area_scores(instrument, ratings),
                            {instrument.areas[WISHED].id: WISH}, YOUNG)
    assert places is not None and catalogs.text(YOUNG, places) in text  # phase 3: places that can help
    assert tr(catalogs, YOUNG, "esy.share_yes") in young.labels()
    calls = await young.tap(tr(catalogs, YOUNG, "esy.share_yes"))
    assert tr(catalogs, YOUNG, "esy.shared") in joined(calls)
    assert tr(catalogs, YOUNG, "esy.goals_offer") in joined(calls)  # the next step is offered, not forced
    await deliver(bot)
    assert tr(catalogs, STAFF, "notify.circle_shared", client=NICKNAME) in await sent_texts(bot, WORKER)


async def open_card(bot: Bot, catalogs: Catalogs) -> TgUser:
    """The worker at the young person's card, from their list."""
    worker = bot.user(WORKER, STAFF, "Aino")
    await worker.send("/clients")
    await worker.tap(tr(catalogs, STAFF, "clients.item_linked", nickname=NICKNAME))
    return worker


def talk_about(catalogs: Catalogs, language: str, instrument: Instrument) -> str:
    """The comparison's "talk about this" list: only the wished-for area is KAARI_ESY_DIFFERENCE apart."""
    lines = Lines((tr(catalogs, language, "compare.talk_line", area=area_name(instrument, language)),))
    return catalogs.text(language, Msg("compare.talk", {"lines": lines, "points": Number(1.5)}))


async def worker_reads_without_looking(bot: Bot, catalogs: Catalogs, instrument: Instrument) -> TgUser:
    """The worker gives their own reading before opening the shared circle; the comparison follows, and the
    young person is told and sees the same picture and list."""
    worker = await open_card(bot, catalogs)
    calls = await worker.tap(tr(catalogs, STAFF, "clients.reading"))
    assert tr(catalogs, STAFF, "reading.intro_unseen") in joined(calls)
    seen = list(await worker.tap(tr(catalogs, STAFF, "reading.begin")))
    seen += await rate_all(worker, catalogs, instrument, READ)
    assert WISH not in joined(seen) and len(photos(seen)) == 1  # nothing of the client's until the end
    text = joined(seen)
    assert tr(catalogs, STAFF, "reading.saved", nickname=NICKNAME) in text
    assert talk_about(catalogs, STAFF, instrument) in text
    assert tr(catalogs, STAFF, "compare.seen") not in text  # they had not looked: nothing to own up to
    async with bot.services.store.transaction() as work:
        client = await work.clients.by_user(user_key(bot.services.secret, "tg", CLIENT))
        assert client is not None and client.id is not None
        [reading] = await work.readings.for_client(client.id)
    assert not reading.saw_circle and reading.area_scores[instrument.areas[WISHED].id] == READ
    mark = len(bot.api.sent(CLIENT))
    await deliver(bot)
    pushed = bot.api.sent(CLIENT)[mark:]
    assert tr(catalogs, YOUNG, "notify.reading_given", worker="Aino Virtanen") in joined(pushed)
    assert talk_about(catalogs, YOUNG, instrument) in joined(pushed) and len(photos(pushed)) == 1
    return worker


async def both_comment(bot: Bot, young: TgUser, catalogs: Catalogs, instrument: Instrument) -> None:
    """A line from each side on the area to talk about; each is shown to both and told to the other."""
    await young.tap(tr(catalogs, YOUNG, "compare.comment_on", area=area_name(instrument, YOUNG)))
    calls = await young.send("Jag vill men vet inte var jag ska börja")
    assert tr(catalogs, YOUNG, "compare.comment_saved") in joined(calls)
    await deliver(bot)
    assert tr(catalogs, STAFF, "notify.reading_comment_client", client=NICKNAME,
              area=area_name(instrument, STAFF)) in await sent_texts(bot, WORKER)
    worker = await open_card(bot, catalogs)
    await worker.tap(tr(catalogs, STAFF, "clients.reading"))
    calls = await worker.tap(tr(catalogs, STAFF, "reading.compare"))
    assert "Jag vill men vet inte var jag ska börja" in joined(calls)
    await worker.tap(tr(catalogs, STAFF, "compare.comment_on", area=area_name(instrument, STAFF)))
    calls = await worker.send("Mennään yhdessä Ohjaamoon")
    assert tr(catalogs, STAFF, "compare.comment_line", area=area_name(instrument, STAFF), who="Aino Virtanen",
              text="Mennään yhdessä Ohjaamoon") in joined(calls)
    await deliver(bot)
    assert tr(catalogs, YOUNG, "notify.reading_comment_worker", worker="Aino Virtanen",
              area=area_name(instrument, YOUNG)) in await sent_texts(bot, CLIENT)


# --- phase 2 (and 3): a goal in their own words, a service as its helper, agreed ---------------------------------

async def goal_with_a_service(young: TgUser, catalogs: Catalogs, instrument: Instrument) -> None:
    """The young person writes a goal for the wished-for area (offered first) with Ohjaamo as its helper."""
    calls = await young.send("/goals")
    assert tr(catalogs, YOUNG, "goals.intro_client") in joined(calls)
    await young.tap(tr(catalogs, YOUNG, "goals.new"))
    assert young.labels()[0] == area_name(instrument, YOUNG)  # starting from their change wish
    calls = await young.tap(area_name(instrument, YOUNG))
    assert tr(catalogs, YOUNG, "goals.ask_goal_wish", area=instrument.areas[WISHED].name, wish=WISH) in joined(calls)
    await young.send(GOAL)
    await young.send("Jag har skickat minst en ansökan")
    await young.send("Skriva mitt CV")
    [service] = [s.name.get(YOUNG) for s in load_services(instrument).services if s.id == "ohjaamo"]
    assert service in young.labels()  # the region's services for the area, as buttons
    await young.tap(service)
    calls = await young.tap(tr(catalogs, YOUNG, "goals.no_date"))
    assert tr(catalogs, YOUNG, "goals.saved_new_client") in joined(calls)
    # They leave it there, at their plan: the offer months later must still open the circle from here.


async def worker_agrees(bot: Bot, catalogs: Catalogs, instrument: Instrument) -> None:
    """On the card the goal is a draft; the worker agrees it and the young person is told."""
    worker = await open_card(bot, catalogs)
    card = str(worker.last_question().params["text"])
    assert GOAL in card and tr(catalogs, STAFF, "goals.draft") in card
    calls = await worker.tap(tr(catalogs, STAFF, "clients.open_goals"))
    [ohjaamo] = [s.name for s in load_services(instrument).services if s.id == "ohjaamo"]
    plan = str(worker.last_question().params["text"])  # the helper the young person tapped in Swedish, in Finnish
    assert ohjaamo.get(STAFF) in plan and ohjaamo.get(YOUNG) not in plan
    calls = await worker.tap(tr(catalogs, STAFF, "review.agree", area=area_name(instrument, STAFF)))
    assert tr(catalogs, STAFF, "review.agreed", nickname=NICKNAME) in joined(calls)
    await deliver(bot)
    assert tr(catalogs, YOUNG, "goals.agreed_notice", worker="Aino Virtanen", goal=GOAL) in await sent_texts(
        bot, CLIENT)


# --- phase 4: about three months later -------------------------------------------------------------------------

async def the_offer_arrives_once(bot: Bot, young: TgUser, clock: Clock, catalogs: Catalogs,
                                 first_at: datetime) -> None:
    """The re-assessment offer comes once, when it is due (outside quiet hours), with ESY's Begin button."""
    mark = len(bot.api.calls)
    due = first_at + timedelta(days=bot.services.settings.reassess_days)
    clock.now = due - timedelta(hours=1)
    await deliver(bot)
    assert not [c for c in bot.api.calls[mark:] if said(catalogs, "esy.reassess", c)], "not before it is due"
    for _ in range(3):  # the ticker runs on: it is sent once
        clock.advance(days=1)
        await deliver(bot)
    offers = [c for c in bot.api.calls[mark:]
              if c.params.get("chat_id") == CLIENT and said(catalogs, "esy.reassess", c)]
    assert len(offers) == 1 and str(offers[0].params["text"]).startswith(
        tr(catalogs, YOUNG, "esy.reassess", date=first_at))
    assert tr(catalogs, YOUNG, "esy.begin") in young.labels(offers[0])


async def second_circle(young: TgUser, catalogs: Catalogs, instrument: Instrument) -> None:
    """From the offer: the circle again, shared again; the summary points to the progress."""
    await young.tap(tr(catalogs, YOUNG, "esy.begin"))
    seen = await rate_all(young, catalogs, instrument, LATER)
    assert tr(catalogs, YOUNG, "esy.progress.hint", count=2, button=Msg("esy.progress.open")) in joined(seen)
    calls = await young.tap(tr(catalogs, YOUNG, "esy.share_yes"))
    assert tr(catalogs, YOUNG, "esy.shared") in joined(calls)


def progress_line(catalogs: Catalogs, language: str, instrument: Instrument, goal_state: Msg) -> str:
    """The wished-for area over both circles, and the goal beside it."""
    line = catalogs.text(language, Msg("esy.progress.line", {
        "area": instrument.areas[WISHED].name, "scores": Lines((Number(FIRST), Number(LATER)), " → "),
        "change": Msg("esy.progress.up", {"change": Number(LATER - FIRST)})}))
    goal = catalogs.text(language, Msg("esy.progress.goal", {"title": GOAL, "status": goal_state}))
    return f"{line}\n{goal}"


async def the_young_person_sees_progress(young: TgUser, catalogs: Catalogs, instrument: Instrument,
                                         first_at: datetime, later_at: datetime) -> None:
    """From the start of the circle: one picture of every area over both circles, and the same in words."""
    await young.send("/circle")
    calls = await young.tap(tr(catalogs, YOUNG, "esy.progress.open"))
    [photo] = photos(calls)
    assert photo.params["caption"] == tr(catalogs, YOUNG, "esy.progress.caption", count=2, dates=Msg(
        "esy.progress.dates", {"first": first_at, "latest": later_at}))
    agreed = Msg("goals.state", {"status": Msg("goals.status_going"), "agreement": Msg("goals.agreed")})
    assert progress_line(catalogs, YOUNG, instrument, agreed) in joined(calls)


async def the_worker_sees_progress(bot: Bot, catalogs: Catalogs, instrument: Instrument, first_at: datetime,
                                   later_at: datetime) -> None:
    """From the card, over the circles the young person shared: the same change, the agreed goal beside it."""
    worker = await open_card(bot, catalogs)
    calls = await worker.tap(tr(catalogs, STAFF, "clients.show_progress"))
    [photo] = photos(calls)
    assert photo.params["caption"] == tr(catalogs, STAFF, "esy.progress.caption", count=2, dates=Msg(
        "esy.progress.dates", {"first": first_at, "latest": later_at}))
    agreed = Msg("goals.state", {"status": Msg("goals.status_going"), "agreement": Msg("goals.agreed")})
    assert progress_line(catalogs, STAFF, instrument, agreed) in joined(calls)


async def test_a_worker_and_a_young_person_walk_the_four_phases_of_esy(
    bot: Bot, clock: Clock, catalogs: Catalogs, instrument: Instrument,
) -> None:
    young = await invited_and_consented(bot, catalogs)
    first_at = clock.now
    await first_circle_shared(bot, young, catalogs, instrument)
    clock.advance(days=2)
    await worker_reads_without_looking(bot, catalogs, instrument)
    await both_comment(bot, young, catalogs, instrument)
    clock.advance(days=7)  # goal setting gets its own meeting
    await goal_with_a_service(young, catalogs, instrument)
    await worker_agrees(bot, catalogs, instrument)
    await the_offer_arrives_once(bot, young, clock, catalogs, first_at)
    later_at = clock.now
    await second_circle(young, catalogs, instrument)
    await the_young_person_sees_progress(young, catalogs, instrument, first_at, later_at)
    await the_worker_sees_progress(bot, catalogs, instrument, first_at, later_at)
    assert not bot.errors
