"""The widget: the loader script an organisation's page loads, the chat's frame page, its status, and the flows the
frame reaches through the socket (the shift chat's closed view and left message, /hours, the circle picture)."""

from __future__ import annotations

import base64
import html
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.keys import user_key
from bot.web.socket import POLICY_VIOLATION
from bot.web.widget import FRAME_TEXTS, STATIC
from flows.core.messages import LANGUAGES, Msg, Period
from flows.esy.instrument import Instrument
from tests.bot.chat.test_shift_chat import SERVICE, flush
from tests.bot.esy.test_esy_telegram import png_size
from tests.bot.harness import Bot, said
from tests.bot.test_web import ORIGIN, TOKEN, choose, opened, web
from tests.bot.test_web_push import all_out, into_chat, on_duty, run, takes_the_chat, web_and_telegram
from tests.conftest import Clock

FRAME = "/web/frame"
STATUS = "/web/status"
Socket = Any  # starlette.testclient.WebSocketTestSession


def config_of(page: str) -> dict[str, Any]:
    """The JSON the frame's script reads from the page."""
    found = re.search(r'<script type="application/json" id="kaari-config">(.*?)</script>', page, re.S)
    assert found is not None
    config: dict[str, Any] = json.loads(found.group(1))
    return config


def test_the_frame_page_locks_itself_down_and_is_embedded_only_by_allowed_pages(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    origins = (ORIGIN, "http://localhost:8081")
    with web(tmp_path, clock, catalogs, drawer, web_origins=origins) as (client, _):
        response = client.get(FRAME, params={"service": SERVICE.id, "lang": "fi", "host": ORIGIN})
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
        policy = dict(part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))
        assert policy == {
            "default-src": "'none'", "script-src": "'self'", "style-src": "'self'", "connect-src": "'self'",
            "img-src": "'self' data:", "frame-ancestors": "https://kunta.example http://localhost:8081",
            "form-action": "'none'", "base-uri": "'none'"}
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cross-origin-resource-policy"] == "cross-origin", "embedded by other sites"
        assert "set-cookie" not in response.headers and not client.cookies
        assert config_of(response.text)["parent"] == ORIGIN, "the frame talks to the page that embeds it"
        # A page not allowed gets no messages from the frame (and the browser would not show it anyway).
        stranger = client.get(FRAME, params={"service": SERVICE.id, "host": "https://evil.example"})
        assert config_of(stranger.text)["parent"] is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_frame_page_speaks_the_asked_language_from_the_catalogs(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, language: str,
) -> None:
    with web(tmp_path, clock, catalogs, drawer) as (client, _):
        page = client.get(FRAME, params={"service": SERVICE.id, "lang": language}).text
    assert f'<html lang="{language}">' in page
    text = html.unescape(page)
    for key in ("web.send", "web.input_label", "web.privacy", "web.forget", "web.minimise", "web.leave_message",
                "command.chat", "command.hours", "command.circle", "web.help_now"):
        assert catalogs.text(language, Msg(key)) in text, key
    for code in LANGUAGES:  # each language's name in its own language, on the switch
        assert catalogs.text(code, Msg(f"language.name.{code}")) in text
    assert catalogs.text(language, SERVICE.name) in text
    config = config_of(page)
    assert config["language"] == language and config["service"] == SERVICE.id
    assert config["texts"] == {name: catalogs.text(language, Msg(key)) for name, key in FRAME_TEXTS.items()}
    for testid in ("kaari-panel", "kaari-launcher", "kaari-input", "kaari-send", "kaari-messages", "kaari-language",
                   "kaari-closed-view", "kaari-leave-message", "kaari-forget", "kaari-menu-chat"):
        assert f'data-testid="{testid}"' in page, testid
    assert 'role="log" aria-live="polite"' in page and '<label for="kaari-input">' in page


def test_a_language_kaari_does_not_speak_gets_the_default(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with web(tmp_path, clock, catalogs, drawer) as (client, _):
        page = client.get(FRAME, params={"service": SERVICE.id, "lang": "de"}).text
    assert '<html lang="fi">' in page and config_of(page)["language"] == "fi"


def test_an_unknown_service_gets_a_clear_page_with_where_to_turn_not_an_error(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with web(tmp_path, clock, catalogs, drawer) as (client, _):
        for params in ({"service": "no-such-chat", "lang": "sv"}, {"lang": "sv"}):
            page = client.get(FRAME, params=params)
            assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
            assert "content-security-policy" in page.headers
            assert said(catalogs, "web.unknown_service", html.unescape(page.text), ("sv",))
            assert "112" in page.text and "09 2525 0111" in page.text
            status = client.get(STATUS, params=params)
            assert status.status_code == 404 and status.json()["error"] == "web.unknown_service"
            assert said(catalogs, "web.unknown_service", status.json()["text"], ("sv",))


def status_of(client: TestClient, language: str = "fi") -> dict[str, Any]:
    response = client.get(STATUS, params={"service": SERVICE.id, "lang": language})
    assert response.status_code == 200 and response.headers["cache-control"] == "max-age=30"
    assert "set-cookie" not in response.headers
    body: dict[str, Any] = response.json()
    return body


def helsinki(day: int, hour: int) -> datetime:
    """A moment of November 2026 in Helsinki (UTC+2 then), as the status gives it."""
    return datetime(2026, 11, day, hour - 2, tzinfo=UTC)


def test_the_status_follows_the_rota_and_duty_as_hours_and_chat_do(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with web_and_telegram(tmp_path, clock, catalogs, drawer) as (client, bot):
        # Friday 12:00, the slot is running but nobody is on the rota: closed, next open on Tuesday.
        closed = status_of(client)
        tuesday = Period(helsinki(24, 12), helsinki(24, 14))
        assert closed["open"] is False
        assert closed["next"] == {"start": tuesday.start.isoformat(), "end": tuesday.end.isoformat()}
        assert closed["launcher"] == catalogs.text("fi", Msg("web.launcher_closed", {"when": tuesday}))
        assert said(catalogs, "chat.closed", closed["notice"], ("fi",)) and "09 2525 0111" in closed["notice"]
        assert "09 2525 0111" in closed["help"]
        # The chat itself says the same out of hours: one text for Telegram, the socket and the widget.
        with opened(client) as socket:
            socket.send_json({"command": "chat"})
            view = choose(socket, socket.receive_json(), SERVICE.name.fi)
            assert view["text"] == closed["notice"] and view["free_text"] is True
        # Workers on the rota, the shift ticks: someone answers now.
        run(client, on_duty, bot, clock)
        run(client, flush, bot)
        staffed = status_of(client, "sv")
        assert staffed["open"] is True and staffed["next"] is None and staffed["notice"] is None
        assert staffed["launcher"] == catalogs.text("sv", Msg("web.launcher_open"))
        assert staffed["opening"] == SERVICE.opening.sv and staffed["name"] == SERVICE.name.sv
        # The slot ends at 14:00: closed again, with the next opening.
        clock.advance(hours=2, minutes=1)
        run(client, flush, bot)
        after = status_of(client, "en")
        assert after["open"] is False and after["next"]["start"] == tuesday.start.isoformat()
        assert said(catalogs, "chat.closed", after["notice"], ("en",))


def test_a_message_left_out_of_hours_through_the_socket_is_kept_for_the_next_shift(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    """The closed view's offer: the widget's "leave a message" opens the chat, and the words are kept."""
    with web_and_telegram(tmp_path, clock, catalogs, drawer) as (client, _), opened(client) as socket:
        answer = into_chat(socket, catalogs, "Voisiko joku soittaa minulle ensi viikolla?")
        assert said(catalogs, "chat.left", answer["text"], ("fi",))
        assert catalogs.text("fi", Msg("chat.end")) in str(answer["buttons"])



async def ratings(bot: Bot) -> list[int | None]:
    """Every chat's rating (the chat row forgets whose it was when it closes; this test has one chat)."""
    async with bot.services.store.transaction() as work:
        chats = await work.chats.opened_between(datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC))
    return [chat.rating for chat in chats]


def test_crisis_words_in_the_web_chat_get_signposting_and_the_chat_ends_with_a_rating(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    """The shift chat from the frame as from Telegram: crisis signposting and the queue, then closed and rated."""
    with web_and_telegram(tmp_path, clock, catalogs, drawer) as (client, bot), opened(client) as socket:
        aino = run(client, on_duty, bot, clock)
        run(client, flush, bot)
        waiting = into_chat(socket, catalogs, "en jaksa enää, haluun kuolla")
        assert said(catalogs, "crisis.signpost", waiting["text"], ("fi",)) and "09 2525 0111" in waiting["text"]
        assert catalogs.text("fi", Msg("chat.waiting", {"place": 1})) in waiting["text"]
        run(client, takes_the_chat, bot, aino, catalogs)
        run(client, flush, bot)
        assert said(catalogs, "chat.taken", socket.receive_json()["text"], ("fi",))
        run(client, aino.tap, catalogs.text("fi", Msg("desk.close")))
        run(client, aino.tap, catalogs.text("fi", Msg("desk.close_yes")))
        run(client, flush, bot)
        assert all_out(client, bot, user_key(bot.services.secret, "web", TOKEN))
        closed = socket.receive_json()
        assert said(catalogs, "chat.closed_by_worker", closed["text"], ("fi",))
        comment = choose(socket, closed, catalogs.text("fi", Msg("chat.rate_5")))
        assert said(catalogs, "chat.comment", comment["text"], ("fi",))
        thanks = choose(socket, comment, catalogs.text("fi", Msg("chat.skip")))
        assert said(catalogs, "chat.thanks", thanks["text"], ("fi",))
        assert run(client, ratings, bot) == [5]

def test_hours_through_the_socket_tells_the_same_as_in_telegram(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with web_and_telegram(tmp_path, clock, catalogs, drawer) as (client, _), opened(client, language="en") as socket:
        socket.send_json({"command": "hours"})
        answer = socket.receive_json()
        assert said(catalogs, "hours.list", answer["text"], ("en",))
        assert said(catalogs, "hours.service_unstaffed", answer["text"], ("en",))


def until_question(socket: Socket) -> list[dict[str, Any]]:
    """Messages up to and including the next one with buttons (a question)."""
    messages = [socket.receive_json()]
    while not messages[-1].get("buttons"):
        messages.append(socket.receive_json())
    return messages


def test_the_circle_ends_in_its_picture_through_the_socket(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, instrument: Instrument,
) -> None:
    """The self-assessment from the frame's menu (the circle command) to the circle as a PNG with its caption."""
    with web(tmp_path, clock, catalogs, drawer) as (client, _), opened(client, language="sv") as socket:
        socket.send_json({"command": "circle"})
        intro = socket.receive_json()
        question = choose(socket, intro, catalogs.text("sv", Msg("esy.begin")))
        messages: list[dict[str, Any]] = []
        for area in instrument.areas:
            for _ in area.statements:
                value = next(button["value"] for row in question["buttons"] for button in row
                             if button["label"] == instrument.scale[2].label.get("sv"))
                socket.send_json({"choice": value})
                question = until_question(socket)[-1]
            skip = next(button["value"] for row in question["buttons"] for button in row
                        if button["label"] == catalogs.text("sv", Msg("esy.skip_wish")))
            socket.send_json({"choice": skip})
            messages = until_question(socket)
            question = messages[-1]
        (picture,) = [message for message in messages if message["type"] == "picture"]
        width, _ = png_size(base64.b64decode(picture["data"]))
        assert width >= 600 and picture["mime"] == "image/png" and picture["caption"]


def test_the_loader_is_a_script_that_names_the_frame_in_each_language(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with web(tmp_path, clock, catalogs, drawer) as (client, _):
        response = client.get("/web/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cross-origin-resource-policy"] == "cross-origin", "other sites' pages load it"
    script = response.text
    titles = json.loads(re.search(r"var titles = (\{.*?\});", script).group(1))  # type: ignore[union-attr]
    assert list(titles) == ["fi", "sv", "en"], "the default language first: a browser that speaks none gets it"
    assert titles == {code: catalogs.text(code, Msg("web.frame_title")) for code in titles}
    assert "/web/frame?" in script and "event.origin !== kaari" in script and "postMessage" in script


def test_the_frames_own_files_are_served_and_nothing_else(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with web(tmp_path, clock, catalogs, drawer) as (client, _):
        script, style = client.get("/web/static/frame.js"), client.get("/web/static/frame.css")
        assert script.headers["content-type"] == "text/javascript; charset=utf-8"
        assert style.headers["content-type"] == "text/css; charset=utf-8"
        assert script.text == (STATIC / "frame.js").read_text(encoding="utf-8")
        assert script.headers["cross-origin-resource-policy"] == "same-origin"
        for name in ("nope.js", "..%2Fwidget.py", "widget.js"):
            assert client.get(f"/web/static/{name}").status_code == 404, name


def test_the_frames_socket_from_kaaris_own_origin_is_accepted_and_a_lookalike_is_not(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    """The frame is Kaari's own page: its socket's Origin is Kaari's (the test client's host), not the embedder's."""
    with web(tmp_path, clock, catalogs, drawer) as (client, _), client.websocket_connect(
            "/web/ws", headers={"origin": "http://testserver"}) as socket:
        socket.send_json({"token": "k" * 32, "language": "fi"})
        socket.send_json({"start": None})
        assert said(catalogs, "welcome.first", socket.receive_json()["text"], ("fi",))
    # Behind a proxy that does not pass the Host on: the frame's origin is KAARI_WEB_URL's.
    with web(tmp_path / "proxied", clock, catalogs, drawer, web_url="https://kaari.example.fi") as (client, _), \
            client.websocket_connect("/web/ws", headers={"origin": "https://kaari.example.fi"}) as socket:
        socket.send_json({"token": "k" * 32, "language": "fi"})
        socket.send_json({"start": None})
        assert socket.receive_json()["type"] == "text"
    with web(tmp_path / "other", clock, catalogs, drawer) as (client, _):
        for lookalike in ("http://testserver.evil.example", "http://evil.example", "null"):
            with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect(
                    "/web/ws", headers={"origin": lookalike}):
                pass
            assert refused.value.code == POLICY_VIOLATION, lookalike


# An address on another site: scheme-relative or absolute, or a CSS import. Kaari's files load nothing from elsewhere.
EXTERNAL = re.compile(r"(?i:(?:https?:)?//[a-z0-9-]+(?:\.[a-z0-9-]+)+|@import)|url\(\s*['\"]?(?!data:)")


def test_no_shipped_web_file_loads_anything_from_another_origin(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    files = sorted(path for path in STATIC.rglob("*") if path.is_file())  # the desk's files under static/ too
    assert {"frame.js", "frame.css", "widget.js"} <= {path.name for path in files}
    for path in files:
        assert not EXTERNAL.findall(path.read_text(encoding="utf-8")), path.relative_to(STATIC)
    with web(tmp_path, clock, catalogs, drawer) as (client, _):
        page = client.get(FRAME, params={"service": SERVICE.id, "host": ORIGIN}).text
    assert set(re.findall(r'(?:src|href)="([^"]*)"', page)) == {"/web/static/frame.js", "/web/static/frame.css"}
    assert EXTERNAL.findall(page.replace(ORIGIN, "")) == []

