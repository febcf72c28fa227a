"""The outbox keeps a reply as JSON until it is sent: every result type comes back exactly as it was."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time
from typing import get_args

from flows.core.messages import DeepLink, Example, Filled, Lines, LocalText, Msg, Number, Period, TimeOfDay, When
from flows.core.results import (
    Abort,
    Ask,
    Chart,
    Circle,
    Document,
    Done,
    Option,
    Photo,
    Result,
    Say,
    Series,
    Trend,
    dump_results,
    load_results,
)

AT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
CIRCLE = Circle(
    Msg("esy.circle_title"), (LocalText("Koti", "Hem", "Home"), LocalText("Koulu", "Skola", "School")), 1, 5,
    (LocalText("huono", "dålig", "bad"), LocalText("hyvä", "bra", "good")),
    (Series(Msg("esy.series", {"n": 1}), (2.5, None), AT), Series(Msg("esy.series", {"n": 2}), (4.0, 3.0), AT)),
    AT, "Kettu", ((1, "Oma huone"),),
)
EVERY_KIND: list[Result] = [
    Say(Msg("a.say", {"n": 3, "x": Number(1.5, 1, True), "t": LocalText("a", "b", "c"), "at": AT,
                      "lines": Lines((Msg("a.line"), "raw"), "\n\n"), "link": DeepLink("abc"),
                      "period": Period(AT, AT), "when": When(AT), "inner": Msg("a.inner", {"name": "Åsa"}),
                      "clock": TimeOfDay(AT), "slot": TimeOfDay(time(22, 30)), "example": Example(AT, clock=False),
                      "filled": Filled(LocalText("{who} {n}", "{who}", "{n}"), {"who": Msg("a.who"), "n": 120})}),
        about=12),
    Say(Msg("a.link", {"url": "https://kaari.example.fi/desk/login?t=x"}), preview=False),
    Ask(Msg("a.ask"), (Option("yes", Msg("a.yes")), Option("area:1", LocalText("Koti", "Hem", "Home"))),
        free_text=True, controls=(Option("ctl:back", Msg("a.back")),), step=12, max_length=500, media=True,
        quiet=True, passes_on=True, about=7),
    Ask(Msg("a.plain")),
    Photo(CIRCLE, Msg("esy.caption", {"when": AT})),
    Chart(Trend(Msg("esy.progress.title"), (LocalText("Koti", "Hem", "Home"),), 1, 5, (AT, AT),
                ((2.5, None),), ((Msg("esy.progress.goal", {"title": "Oma huone", "status": Msg("a.s")}),),),
                "Kettu", ((True, False),)), Msg("esy.progress.caption", {"dates": AT})),
    Document("mydata", {"flow": "esy", "rows": [{"at": AT.isoformat(), "n": 1}], "ok": True}, Msg("a.caption")),
    Document("client_export", {"client": "Kettu"}, Msg("a.caption"), (CIRCLE, CIRCLE)),
    Done(), Done(Msg("a.bye")),
    Abort("flow.restarted"),
]


def test_every_result_type_round_trips_through_json() -> None:
    assert {type(result) for result in EVERY_KIND} == set(get_args(Result))  # a new result type needs a case here
    stored = json.loads(json.dumps(dump_results(EVERY_KIND)))  # as the outbox row stores it
    assert load_results(stored) == EVERY_KIND


def test_a_circle_stored_before_it_had_a_nickname_and_wishes_still_loads() -> None:
    stored = json.loads(json.dumps(dump_results([Photo(CIRCLE, Msg("esy.caption"))])))
    del stored[0]["photo"]["circle"]["nickname"], stored[0]["photo"]["circle"]["wishes"]
    [photo] = load_results(stored)
    assert isinstance(photo, Photo) and photo.circle.nickname is None and photo.circle.wishes == ()


def test_a_say_stored_before_it_could_ask_for_no_preview_loads_with_previews() -> None:
    """Replies waiting in the outbox from before #13 have no "preview" key; a link that must not be previewed
    is stored with it, so a retried reply still goes out without a preview."""
    stored = json.loads(json.dumps(dump_results([Say(Msg("a.say")), Say(Msg("a.link"), preview=False)])))
    assert "preview" not in stored[0] and stored[1]["preview"] is False
    assert load_results(stored) == [Say(Msg("a.say")), Say(Msg("a.link"), preview=False)]
