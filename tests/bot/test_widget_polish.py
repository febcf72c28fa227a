"""The widget's finishing touches: the chat opened for the widget's own service, a server-side cache on the
status, a misnamed service that still shows the launcher with where to turn, and the frame's title following a
language switch inside the frame."""

from __future__ import annotations

import html
import json
import logging
import re
from pathlib import Path

import pytest

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.web.protocol import parse_input
from bot.web.widget import STATIC, STATUS_CACHE_SECONDS
from flows.core import inputs
from flows.core.messages import Msg
from tests.bot.chat.test_shift_chat import SERVICE, flush
from tests.bot.harness import said
from tests.bot.test_web import ORIGIN, opened, web
from tests.bot.test_web_push import on_duty, run, web_and_telegram
from tests.bot.test_widget import FRAME, config_of, status_of
from tests.conftest import TWO_SERVICES, Clock


def test_the_widget_may_name_its_service_with_the_chat_command() -> None:
    assert parse_input('{"command": "chat", "service": "nuoret"}') == inputs.Command("chat", about="nuoret")
    assert parse_input('{"command": "chat"}') == inputs.Command("chat")
    assert parse_input(json.dumps({"command": "chat", "service": "x" * 65})) == inputs.Command("chat")
    assert parse_input('{"command": "chat", "service": 7}') == inputs.Command("chat")


def test_the_chat_opened_from_the_widget_goes_straight_to_its_service(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    """Two services: Telegram's /chat asks which one; the widget embedded for one does not ask again."""
    with web(tmp_path, clock, catalogs, drawer, chat_services=TWO_SERVICES) as (client, _), opened(client) as socket:
        socket.send_json({"command": "chat"})
        assert said(catalogs, "chat.choose_service", socket.receive_json()["text"], ("fi",))
        socket.send_json({"command": "chat", "service": SERVICE.id})
        view = socket.receive_json()
        assert said(catalogs, "chat.closed", view["text"], ("fi",)) and view["free_text"] is True
        assert catalogs.text("fi", SERVICE.name) in view["text"]


@pytest.mark.parametrize("crafted", ["no-such-service", "../nuoret", "NUORET", ""])
def test_a_crafted_service_is_not_chosen_the_person_is_asked_which_one(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, crafted: str,
) -> None:
    with web(tmp_path, clock, catalogs, drawer, chat_services=TWO_SERVICES) as (client, _), opened(client) as socket:
        socket.send_json({"command": "chat", "service": crafted})
        assert said(catalogs, "chat.choose_service", socket.receive_json()["text"], ("fi",))


def test_the_frame_asks_for_its_own_services_chat() -> None:
    script = (STATIC / "frame.js").read_text(encoding="utf-8")
    assert '{ command: "chat", service: config.service }' in script
    assert script.count("begin(chatHere())") == 2 and 'command === "chat" ? chatHere()' in script


def test_the_status_is_computed_at_most_once_in_a_few_seconds_per_service_and_language(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with web_and_telegram(tmp_path, clock, catalogs, drawer) as (client, bot):
        assert status_of(client)["open"] is False
        run(client, on_duty, bot, clock)
        run(client, flush, bot)
        assert status_of(client)["open"] is False, "the same answer for a few seconds: no database read per visit"
        assert status_of(client, "sv")["open"] is True, "each language is its own entry"
        clock.advance(seconds=STATUS_CACHE_SECONDS - 1)
        assert status_of(client)["open"] is False
        clock.advance(seconds=1)
        assert status_of(client)["open"] is True, "the engine's clock says when it is computed again"


def test_an_unknown_service_in_the_frame_shows_the_launcher_with_where_to_turn_and_warns_the_operator(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    with web(tmp_path, clock, catalogs, drawer) as (client, _):
        page = client.get(FRAME, params={"service": "typo-in-the-page", "lang": "sv", "host": ORIGIN})
    assert page.status_code == 404 and 'data-testid="kaari-unknown"' in page.text
    config = config_of(page.text)
    assert config["unknown"] is True and config["parent"] == ORIGIN and config["language"] == "sv"
    assert '<script src="/web/static/frame.js" defer></script>' in page.text, "the script that sizes the frame"
    launcher = re.search(r'<button[^>]*data-testid="kaari-launcher"[^>]*>(.*?)</button>', page.text, re.S)
    assert launcher is not None and html.unescape(launcher.group(1)) == catalogs.text("sv", Msg("web.help_now"))
    text = html.unescape(page.text)
    assert said(catalogs, "web.unknown_service", text, ("sv",)) and "112" in text
    assert 'data-testid="kaari-panel"' in page.text and 'data-testid="kaari-minimise"' in page.text
    warnings = [record for record in caplog.records if record.getMessage() == "web.frame_unknown_service"]
    assert [record.levelno for record in warnings] == [logging.WARNING]
    assert "typo-in-the-page" not in caplog.text and ORIGIN not in caplog.text


def test_the_frame_tells_the_loader_its_language_and_the_loader_renames_the_frame() -> None:
    """The frame reloads itself in the chosen language and then says which it speaks; the loader takes the title
    from Kaari's own words for that language, only from Kaari's frame (origin and window checked as for size)."""
    frame = (STATIC / "frame.js").read_text(encoding="utf-8")
    assert 'tell({ kaari: "language", language: config.language });' in frame
    loader = (STATIC / "widget.js").read_text(encoding="utf-8")
    handler = loader[loader.index('window.addEventListener("message"'):]
    checked = handler.index("event.origin !== kaari || event.source !== frame.contentWindow")
    renamed = handler.index("frame.title = titles[data.language]")
    assert checked < renamed and 'hasOwnProperty.call(titles, data.language)' in handler
