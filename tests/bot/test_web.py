"""The web chat's core: flow results as JSON messages over a WebSocket, the same engine path as Telegram."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from bot.bootstrap import Services, bootstrap
from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.keys import user_key
from bot.render import Button, DocumentOut, MediaOut, PhotoOut, TextOut
from bot.serve import web_app
from bot.settings import SettingsError, load_settings
from bot.web.app import web_routes
from bot.web.messages import message_json
from bot.web.protocol import MAX_MESSAGE, Hello, parse_hello, parse_input
from bot.web.socket import PATH, POLICY_VIOLATION
from flows.core import inputs
from flows.core.messages import Msg
from flows.esy.instrument import Instrument
from tests.bot.harness import bot_settings, said, start_bot
from tests.conftest import Clock

ORIGIN = "https://kunta.example"
TOKEN, OTHER = "t" * 32, "u" * 32
Socket = Any  # starlette.testclient.WebSocketTestSession


def test_results_become_json_messages_with_opaque_buttons_and_inline_files() -> None:
    text = message_json(TextOut("Hei", [[Button("Kyllä", "yes", 7)], [Button("Ei", "no", 7)]], free_text=True))
    assert text == {"type": "text", "text": "Hei", "free_text": True, "chat": False,
                    "buttons": [[{"label": "Kyllä", "value": "7|yes"}], [{"label": "Ei", "value": "7|no"}]]}
    picture = message_json(PhotoOut(b"\x89PNG data", "Ympyräsi", "circle"))
    assert picture["type"] == "picture" and picture["mime"] == "image/png" and picture["caption"] == "Ympyräsi"
    assert base64.b64decode(picture["data"]) == b"\x89PNG data"
    document = message_json(DocumentOut("kaari-tiedot.pdf", b"%PDF-1.7", "Tietosi"))
    assert document["mime"] == "application/pdf" and base64.b64decode(document["data"]) == b"%PDF-1.7"
    assert message_json(MediaOut("photo", "AgAD-telegram-file-id", "Työntekijä:")) == {
        "type": "media", "kind": "photo", "caption": "Työntekijä:"}, "a Telegram file id is not sent to a browser"


def test_what_a_browser_sends_is_read_into_inputs_or_an_error_id() -> None:
    assert parse_hello(json.dumps({"token": TOKEN, "language": "sv"})) == Hello(TOKEN, "sv")
    assert parse_hello(json.dumps({"token": TOKEN, "language": "de"})) == Hello(TOKEN, None)
    assert parse_hello('{"token": "short"}') == "web.token_needed"
    assert parse_hello('{"text": "hei"}') == "web.token_needed"
    assert parse_hello("{not json") == "web.bad_message"
    assert parse_input('{"text": "hei"}') == inputs.Text("hei")
    assert parse_input('{"choice": "7|yes"}') == inputs.Choice(7, "yes")
    assert parse_input('{"choice": "guessed"}') == inputs.Choice(-1, "ctl:unknown")
    assert parse_input('{"start": null}') == inputs.Start()
    assert parse_input('{"start": "m717"}') == inputs.Start("m717")
    assert parse_input('{"command": "hours"}') == inputs.Command("hours")
    assert parse_input('{"command": "nope"}') == inputs.Command("nope", known=False)
    assert parse_input('{"command": "../x"}') == "web.bad_message"
    assert parse_input('["text", "hei"]') == "web.bad_message"
    assert parse_input('{"text": 5}') == "web.bad_message"
    assert parse_input(json.dumps({"text": "x" * MAX_MESSAGE})) == "web.too_long"


def test_allowed_origins_are_read_and_checked() -> None:
    env = {"KAARI_WEB_ORIGINS": "https://kunta.example, http://localhost:8080/"}
    assert load_settings(env).web_origins == ("https://kunta.example", "http://localhost:8080")
    assert load_settings({}).web_origins == ()
    with pytest.raises(SettingsError):
        load_settings({"KAARI_WEB_ORIGINS": "kunta.example"})


@contextmanager
def web(tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
        **changes: Any) -> Iterator[tuple[TestClient, Services]]:
    """The web chat's routes on a Starlette app, with services made in the test client's own event loop."""
    settings = bot_settings(tmp_path / "k.sqlite3", **{"web_origins": (ORIGIN,), **changes})
    app = Starlette()
    with TestClient(app) as client:
        assert client.portal is not None
        services = client.portal.call(partial(bootstrap, settings, drawer=drawer, clock=clock, catalogs=catalogs))
        app.router.routes.extend(web_routes(services))
        try:
            yield client, services
        finally:
            client.portal.call(services.store.close)


@contextmanager
def opened(client: TestClient, token: str = TOKEN, language: str | None = "fi") -> Iterator[Socket]:
    """A socket from the allowed page, the browser's token (and the page's language) sent first."""
    with client.websocket_connect(PATH, headers={"origin": ORIGIN}) as socket:
        socket.send_json({"token": token, **({"language": language} if language else {})})
        yield socket


def choose(socket: Socket, message: dict[str, Any], label: str) -> dict[str, Any]:
    """Press the button that says ``label``; the next message."""
    value = next(b["value"] for row in message["buttons"] for b in row if b["label"] == label)
    socket.send_json({"choice": value})
    answer: dict[str, Any] = socket.receive_json()
    return answer


def into_esy(socket: Socket, catalogs: Catalogs, language: str) -> dict[str, Any]:
    """From the menu to the first statement of the circle."""
    socket.send_json({"start": None})
    menu = socket.receive_json()
    intro = choose(socket, menu, catalogs.text(language, Msg("menu.esy")))
    return choose(socket, intro, catalogs.text(language, Msg("esy.begin")))


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_person_opens_gets_the_menu_and_walks_the_circle_by_buttons(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, instrument: Instrument,
    language: str,
) -> None:
    first, second = instrument.areas[0].statements[:2]
    with web(tmp_path, clock, catalogs, drawer) as (client, _), opened(client, language=language) as socket:
        socket.send_json({"start": None})
        menu = socket.receive_json()
        assert menu["type"] == "text" and said(catalogs, "welcome.first", menu["text"], (language,))
        intro = choose(socket, menu, catalogs.text(language, Msg("menu.esy")))
        statement = choose(socket, intro, catalogs.text(language, Msg("esy.begin")))
        assert first.text.get(language) in statement["text"]
        following = choose(socket, statement, instrument.scale[3].label.get(language))
        assert second.text.get(language) in following["text"]


def test_crisis_words_get_signposting_and_the_question_again(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with web(tmp_path, clock, catalogs, drawer) as (client, _), opened(client) as socket:
        statement = into_esy(socket, catalogs, "fi")
        socket.send_json({"text": "haluun kuolla"})
        answer = socket.receive_json()
        assert said(catalogs, "crisis.signpost", answer["text"], ("fi",)) and "09 2525 0111" in answer["text"]
        assert answer["text"].endswith(statement["text"]) and answer["buttons"] == statement["buttons"]


def test_bad_messages_are_answered_clearly_and_lose_nothing(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, instrument: Instrument,
) -> None:
    with web(tmp_path, clock, catalogs, drawer) as (client, _), client.websocket_connect(
            PATH, headers={"origin": ORIGIN}) as socket:
        socket.send_json({"start": None})  # before the token
        assert socket.receive_json() == {"type": "error", "error": "web.token_needed",
                                         "text": catalogs.text("fi", Msg("web.token_needed"))}
        socket.send_json({"token": TOKEN, "language": "sv"})
        statement = into_esy(socket, catalogs, "sv")
        socket.send_text("{not json")
        assert socket.receive_json() == {"type": "error", "error": "web.bad_message",
                                         "text": catalogs.text("sv", Msg("web.bad_message"))}
        socket.send_bytes(b"\x00\x01")
        assert socket.receive_json()["error"] == "web.bad_message"
        socket.send_json({"text": "x" * MAX_MESSAGE})
        assert socket.receive_json()["text"] == catalogs.text("sv", Msg("web.too_long"))
        socket.send_json({"choice": "999|5"})  # a value Kaari never sent: the question again
        again = socket.receive_json()
        assert again["text"].endswith(statement["text"]) and again["buttons"] == statement["buttons"]
        following = choose(socket, statement, instrument.scale[0].label.get("sv"))
        assert instrument.areas[0].statements[1].text.get("sv") in following["text"], "nothing was lost"


def test_a_page_from_another_origin_is_refused(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    with web(tmp_path, clock, catalogs, drawer) as (client, _):
        for headers in ({"origin": "https://evil.example"}, {}):
            with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(PATH, headers=headers):
                pass
            assert refused.value.code == POLICY_VIOLATION
    assert "web.origin_refused" in caplog.text and "evil.example" not in caplog.text


def test_two_tokens_are_two_people_and_a_reconnect_resumes(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, instrument: Instrument,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with web(tmp_path, clock, catalogs, drawer) as (client, services):
        with opened(client) as socket:
            statement = into_esy(socket, catalogs, "fi")
            following = choose(socket, statement, instrument.scale[4].label.get("fi"))
        with opened(client, OTHER) as stranger:  # another browser: a new person, at the menu
            stranger.send_json({"start": None})
            menu = stranger.receive_json()
            assert said(catalogs, "welcome.first", menu["text"], ("fi",))
            stranger.send_json({"choice": following["buttons"][0][0]["value"]})  # the other's button
            answer = stranger.receive_json()
            assert instrument.areas[0].statements[1].text.get("fi") not in answer["text"]
        with opened(client) as socket:  # the same browser again (a reload): where it was
            socket.send_json({"start": None})
            back = socket.receive_json()
            assert instrument.areas[0].statements[1].text.get("fi") in back["text"]
        assert client.portal is not None
        users = client.portal.call(_keys, services)
        assert users == {user_key(services.secret, "web", TOKEN), user_key(services.secret, "web", OTHER)}
        assert not any(TOKEN in key or OTHER in key for key in users), "the token itself is never stored"
    assert "web.open" in caplog.text and TOKEN not in caplog.text and OTHER not in caplog.text
    assert "testclient" not in caplog.text, "nothing about the connection's address is logged"


async def _keys(services: Services) -> set[str]:
    async with services.store.transaction() as work:
        return {key for key in (user_key(services.secret, "web", TOKEN), user_key(services.secret, "web", OTHER))
                if (await work.users.visit(key)).user is not None}


def test_a_flood_from_one_connection_is_held_back_and_said_so(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with web(tmp_path, clock, catalogs, drawer, flood_burst=2, flood_per_second=0.001) as (client, _), \
            opened(client) as socket:
        for _ in range(2):
            socket.send_json({"start": None})
            assert socket.receive_json()["type"] == "text"
        socket.send_json({"text": "hei"})
        assert socket.receive_json()["text"] == catalogs.text("fi", Msg("error.too_fast"))


WIDGET = {"/web/widget.js", "/web/frame", "/web/status", "/web/static/{name}"}


@pytest.mark.parametrize(("origins", "paths"), [((ORIGIN,), {"/telegram", "/healthz", "/readyz", PATH, *WIDGET}),
                                                ((), {"/telegram", "/healthz", "/readyz"})])
async def test_the_webhook_app_serves_the_web_chat_beside_telegram_when_origins_are_set(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, origins: tuple[str, ...],
    paths: set[str],
) -> None:
    settings = bot_settings(tmp_path / "k.sqlite3", mode="webhook", web_origins=origins)
    bot = await start_bot(settings, clock, catalogs, drawer)
    try:
        assert {getattr(route, "path", "") for route in web_app(bot.services, bot.application).routes} == paths
    finally:
        await bot.stop()
