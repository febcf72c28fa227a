"""One server: `kaari run` serves what is configured (the webhook, the web, /healthz) on KAARI_LISTEN:KAARI_PORT,
in polling mode too when the web is on; the web app needs no Telegram Application."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from websockets.asyncio.client import connect
from websockets.typing import Origin

from bot.bootstrap import bootstrap
from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.serve import start_channel, stop_channel, web_app
from bot.settings import Settings, load_settings
from bot.ticker import heartbeat
from bot.web.socket import PATH
from tests.bot.harness import bot_settings, start_bot
from tests.bot.httpfake import HttpFakeBotAPI
from tests.bot.test_crash import REPO, SECRET
from tests.conftest import Clock
from tests.ports import free_port

ORIGIN = "https://kunta.example"


def test_the_server_address_has_new_names_and_the_old_ones_still_work() -> None:
    assert (Settings().listen, Settings().port) == ("127.0.0.1", 8443)
    old = load_settings({"KAARI_WEBHOOK_LISTEN": "0.0.0.0", "KAARI_WEBHOOK_PORT": "9000"})
    assert (old.listen, old.port) == ("0.0.0.0", 9000)
    new = load_settings({"KAARI_LISTEN": "::1", "KAARI_PORT": "8080",
                         "KAARI_WEBHOOK_LISTEN": "0.0.0.0", "KAARI_WEBHOOK_PORT": "9000"})
    assert (new.listen, new.port) == ("::1", 8080)  # the new name wins where both are set


async def test_healthz_says_what_kaari_health_says_without_a_telegram_application(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    settings = bot_settings(tmp_path / "k.sqlite3", telegram_token="", web_origins=(ORIGIN,))
    services = await bootstrap(settings, drawer=drawer, clock=clock, catalogs=catalogs)
    try:
        app = web_app(services)  # the web only: no PTB Application, no token
        paths = {getattr(route, "path", "") for route in app.routes}
        assert {"/healthz", PATH} <= paths and "/telegram" not in paths
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kaari") as client:
            before = await client.get("/healthz")
            assert before.status_code == 503 and before.json()["healthy"] is False
            await heartbeat(services, clock())
            clock.advance(seconds=30)
            after = await client.get("/healthz")
            assert after.status_code == 200
            assert after.json() == {"healthy": True, "detail": "database open, the ticker's last round was 30 s ago"}
            assert after.headers["cache-control"] == "no-store"
            clock.advance(minutes=5)
            assert (await client.get("/healthz")).status_code == 503
            assert (await client.post("/telegram", json={"update_id": 1})).status_code == 404
    finally:
        await services.store.close()  # the drawing pool is the session's


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_kaari_run_serves_the_web_and_healthz_on_one_port_in_either_mode(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, mode: str,
) -> None:
    port = free_port()
    settings = bot_settings(tmp_path / "k.sqlite3", mode=mode, webhook_url="https://kaari.example/telegram",
                            webhook_secret="s3cret-token", listen="127.0.0.1", port=port, web_origins=(ORIGIN,))
    bot = await start_bot(settings, clock, catalogs, drawer)
    base = f"http://127.0.0.1:{port}"
    try:
        await start_channel(bot.services, bot.application)
        async with httpx.AsyncClient(base_url=base) as client:
            for _ in range(200):  # the ticker's first round writes the heartbeat
                if (health := await client.get("/healthz")).status_code == 200:
                    break
                await asyncio.sleep(0.02)
            assert health.json()["healthy"] is True
            telegram = await client.post("/telegram", json={"update_id": 1})
            # Polling mode has no webhook route: nobody can post updates into it.
            assert telegram.status_code == (404 if mode == "polling" else 403)
        # The chat socket, over a real WebSocket on the same port, from an allowed page.
        async with connect(f"ws://127.0.0.1:{port}{PATH}", origin=Origin(ORIGIN)) as websocket:
            await websocket.send(json.dumps({"token": "t" * 32, "language": "fi"}))
            await websocket.send(json.dumps({"start": None}))
            assert json.loads(await asyncio.wait_for(websocket.recv(), 10))["type"] == "text"
    finally:
        await stop_channel(bot.application)
        await bot.services.store.close()


async def test_polling_without_the_web_opens_no_port(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    port = free_port()
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3", port=port), clock, catalogs, drawer)
    try:
        await start_channel(bot.services, bot.application)
        assert "server" not in bot.application.bot_data
        with pytest.raises(httpx.ConnectError):
            async with httpx.AsyncClient() as client:
                await client.get(f"http://127.0.0.1:{port}/healthz")
    finally:
        await stop_channel(bot.application)
        await bot.services.store.close()


async def test_kaari_run_on_a_taken_port_stops_with_one_line(tmp_path: Path) -> None:
    """The real `kaari run` (polling, the web on, on an HTTP fake Bot API) whose port another program holds."""
    fake = HttpFakeBotAPI()
    await fake.start()
    port = free_port()
    taken = await asyncio.start_server(lambda reader, writer: None, "127.0.0.1", port)
    env = {**os.environ, "KAARI_SECRET": SECRET, "KAARI_DATA_KEY": Fernet.generate_key().decode(),
           "KAARI_DB_PATH": str(tmp_path / "kaari.sqlite3"), "KAARI_TELEGRAM_API_URL": fake.url,
           "KAARI_TELEGRAM_FILE_URL": fake.file_url, "KAARI_TELEGRAM_TOKEN": "123:test", "KAARI_MODE": "polling",
           "KAARI_WEB_ORIGINS": ORIGIN, "KAARI_PORT": str(port)}
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main(['run']))", env=env,
            cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        _, err = await asyncio.wait_for(process.communicate(), 60)
    finally:
        taken.close()
        await taken.wait_closed()
        await fake.stop()
    assert process.returncode == 1
    lines = err.decode().strip().splitlines()
    assert lines[-1].startswith(f"kaari: cannot listen on 127.0.0.1:{port} (KAARI_LISTEN, KAARI_PORT): "), lines
    assert "Traceback" not in err.decode()


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/healthz"), ("GET", "/nothing-here"), ("GET", "/desk/nothing"), ("GET", "/web/nothing"),
    ("POST", "/desk"), ("GET", "/desk/static/..%2Fdesk.py"), ("GET", "/desk"), ("GET", "/web/frame?service=x"),
    ("POST", "/telegram"),
])
async def test_every_response_carries_the_security_headers_even_errors_and_healthz(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, method: str, path: str,
) -> None:
    """A 404 or 405 from the router, /healthz and the webhook have no page of their own to set them: the app
    does, so that no response can be framed, sniffed or leak a Referer (what a page sets itself is kept)."""
    settings = bot_settings(tmp_path / "k.sqlite3", telegram_token="", web_origins=(ORIGIN,),
                            web_url="https://kaari.example")
    services = await bootstrap(settings, drawer=drawer, clock=clock, catalogs=catalogs)
    try:
        app = web_app(services)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kaari") as client:
            response = await client.request(method, path)
        assert response.status_code != 500
        assert "frame-ancestors" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] in {"no-referrer", "same-origin"}
        if path.startswith("/web/frame"):  # the frame's own policy stands: the organisations' pages may embed it
            assert f"frame-ancestors {ORIGIN}" in response.headers["content-security-policy"]
            assert "x-frame-options" not in response.headers
        else:
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    finally:
        await services.store.close()
