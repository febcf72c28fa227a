"""`kaari web`: the local demo. A young person on the sample page finds the chat open (a demo worker on duty
now) or, with --closed, the next opening; the real command serves on 127.0.0.1 and stops cleanly on Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from bot.bootstrap import Services, bootstrap
from bot.demo import PAGE_POLICY, demo_app, demo_settings, opening_from, set_up
from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.keys import user_key
from bot.settings import Settings
from bot.web.socket import PATH
from flows.chat import shifts
from flows.chat.schedule import Slot
from flows.core.dates import HELSINKI
from tests.bot.harness import said
from tests.conftest import Clock
from tests.ports import free_port

REPO = Path(__file__).resolve().parents[2]
PORT = 8765
Socket = Any  # starlette.testclient.WebSocketTestSession


@contextmanager
def demo_client(tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
                closed: bool) -> Iterator[tuple[TestClient, Services]]:
    """The demo's app (sample page and web) on its set-up services, in the client's loop."""
    settings = demo_settings(Settings(flood_burst=0), tmp_path, PORT)
    holder: list[Services] = []

    async def start() -> None:
        services = await bootstrap(settings, drawer=drawer, clock=clock, catalogs=catalogs)
        await set_up(services, closed)
        holder.append(services)

    from starlette.applications import Starlette

    shell = Starlette()
    with TestClient(shell, base_url=f"http://127.0.0.1:{PORT}") as client:
        assert client.portal is not None
        client.portal.call(start)
        shell.router.routes.extend(demo_app(holder[0]).routes)
        try:
            yield client, holder[0]
        finally:
            client.portal.call(holder[0].store.close)


def into_chat(socket: Socket, catalogs: Catalogs, service: str) -> dict[str, Any]:
    """/chat from the page, the demo's service chosen: what the young person is shown."""
    socket.send_json({"token": "t" * 32, "language": "fi"})
    socket.send_json({"command": "chat"})
    shown: dict[str, Any] = socket.receive_json()
    values = [b["value"] for row in shown.get("buttons", []) for b in row if b["label"] == service]
    if values:  # several services: this one chosen (with one, the chat goes straight to it)
        socket.send_json({"choice": values[0]})
        shown = socket.receive_json()
    return shown


@pytest.mark.parametrize("closed", [False, True])
def test_the_sample_page_embeds_the_widget_and_the_chat_is_open_now_or_closed_today(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, closed: bool,
) -> None:
    with demo_client(tmp_path, clock, catalogs, drawer, closed) as (client, services):
        service = services.chat.services[0]
        page = client.get("/")
        assert page.status_code == 200 and page.headers["content-security-policy"] == PAGE_POLICY
        # The one line an organisation adds to its page, with the service named; nothing from another origin.
        assert f'<script src="/web/widget.js" data-service="{service.id}" async></script>' in page.text
        assert not re.search(r"(src|href)=\"(https?:)?//", page.text)
        assert client.get("/demo.css").headers["content-type"].startswith("text/css")
        origin = f"http://127.0.0.1:{PORT}"
        with client.websocket_connect(PATH, headers={"origin": origin}) as socket:
            shown = into_chat(socket, catalogs, service.name.fi)
        assert said(catalogs, "chat.closed" if closed else "chat.intro", shown["text"], ("fi",))


async def test_the_demo_worker_is_on_duty_now_and_a_second_set_up_adds_nothing(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    services = await bootstrap(demo_settings(Settings(), tmp_path, PORT), drawer=drawer, clock=clock,
                               catalogs=catalogs)
    try:
        staff_id = await set_up(services, closed=False)
        assert await set_up(services, closed=False) == staff_id
        service = services.chat.services[0]
        async with services.store.transaction() as work:
            assert len(await work.schedules.closings(service.id)) == 1
            assert await shifts.staffed_services(work, services.chat, clock()) == {service.id}
            staff = await work.staff.get(staff_id)
            assert staff is not None and staff.is_worker and staff.is_coordinator
            assert staff.user_key == user_key(services.secret, "console", "demo-worker")
            clock.advance(hours=13)  # the demo's opening is over: the chat closes as any shift does
            assert await shifts.staffed_services(work, services.chat, clock()) == set()
    finally:
        await services.store.close()  # the drawing pool is the session's


def test_the_opening_starts_this_hour_and_may_run_past_midnight() -> None:
    evening = datetime(2026, 12, 4, 20, 40, tzinfo=UTC).astimezone(HELSINKI)  # 22:40 in Helsinki
    assert opening_from(evening) == Slot(evening.time().replace(minute=0), evening.time().replace(hour=10, minute=0))


WEB = "import sys; from bot.cli import main; sys.exit(main(['web', *sys.argv[1:]]))"


def kaari_web(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    """`kaari web` as a person runs it, its temporary folder under ``tmp_path``."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("KAARI_")}
    return subprocess.Popen([sys.executable, "-c", WEB, *args], cwd=tmp_path, env={**env, "TMPDIR": str(tmp_path)},
                            text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def data_folders(tmp_path: Path) -> list[str]:
    return [path.name for path in tmp_path.iterdir() if path.name.startswith("kaari-web-")]


async def test_kaari_web_serves_on_localhost_and_ctrl_c_stops_it_and_cleans_up(tmp_path: Path) -> None:
    port = free_port()
    process = await asyncio.to_thread(kaari_web, tmp_path, "--port", str(port))
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), 60)
        assert f"http://127.0.0.1:{port}/" in line
        desk = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), 10)
        link = re.search(rf"http://127\.0\.0\.1:{port}/desk/login\?t=(\S+)", desk)
        assert link is not None, desk
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base) as client:
            assert (await client.get("/")).status_code == 200
            # The demo worker's link opens the login page; its POST (from the page's own origin) logs in, once.
            assert (await client.get(link.group(0))).status_code == 200
            form, headers = f"t={link.group(1)}", {"content-type": "application/x-www-form-urlencoded", "origin": base}
            login = await client.post("/desk/login", content=form, headers=headers)
            assert login.status_code == 303 and "kaari_desk=" in login.headers["set-cookie"]
            assert (await client.post("/desk/login", content=form, headers=headers)).status_code == 410
            for _ in range(100):
                if (await client.get("/healthz")).status_code == 200:
                    break
                await asyncio.sleep(0.05)
            assert (await client.get("/healthz")).json()["healthy"] is True
        assert await asyncio.to_thread(data_folders, tmp_path)  # its data
        process.send_signal(signal.SIGINT)
        out, err = await asyncio.to_thread(process.communicate, timeout=30)
        assert process.returncode == 0, err
        assert "Stopped." in out and "Traceback" not in err
        assert not await asyncio.to_thread(data_folders, tmp_path)  # gone with it
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


async def test_kaari_web_on_a_taken_port_says_so_in_one_line(tmp_path: Path) -> None:
    port = free_port()
    taken = await asyncio.start_server(lambda reader, writer: None, "127.0.0.1", port)
    try:
        process = await asyncio.to_thread(kaari_web, tmp_path, "--port", str(port))
        _, err = await asyncio.to_thread(process.communicate, timeout=60)
    finally:
        taken.close()
        await taken.wait_closed()
    assert process.returncode == 1
    assert err.strip().splitlines() == [f"kaari: cannot serve on 127.0.0.1:{port}: {err.split(': ', 2)[2].strip()}"]
    assert "Traceback" not in err
