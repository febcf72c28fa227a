"""The desk in a browser (#13): the one-time login, the session, CSRF and origin checks, the page shell and the
coordinator's read-only rota and statistics, through Starlette's TestClient on the real services."""

from __future__ import annotations

import html
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket

from bot.bootstrap import Services, bootstrap
from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.keys import user_key
from bot.settings import SettingsError, load_settings
from bot.web.app import web_routes
from bot.web.desk import desk_routes
from bot.web.desk_auth import COOKIE, CSRF_HEADER, MAX_HOURS, desk_staff
from flows.chat import shifts
from flows.core import inputs
from flows.core.messages import LocalText, Msg, Number
from flows.core.results import Say
from storage.ports import (
    ChatRow,
    RegionRow,
    RotaRow,
    StaffRow,
    UserRow,
)
from tests.bot.harness import bot_settings, lose_every_first_try
from tests.conftest import Clock

WEB_URL = "https://kaari.example.fi"
OWN = {"origin": WEB_URL}
FOREIGN = {"origin": "https://evil.example"}
CSP_PARTS = ("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'")


@dataclass
class Desk:
    client: TestClient
    services: Services
    catalogs: Catalogs
    clock: Clock
    staff: dict[str, int]

    def run(self, function: Any, *args: Any) -> Any:
        """An async call on the services' own event loop (the test client's portal)."""
        assert self.client.portal is not None
        return self.client.portal.call(function, *args)

    def link(self, who: str = "worker") -> str:
        """The login link /web gives ``who`` (through the engine, as Telegram and the terminal ask for it)."""
        reply = self.run(partial(self.services.engine.handle, tg_key(self.services, who), inputs.Command("web"),
                                 channel="tg"))
        (said,) = [result for result in reply.results if isinstance(result, Say) and result.msg.key == "web.desk.link"]
        url = str(said.msg.params["url"])
        assert url.startswith(WEB_URL + "/desk/login?t=")
        return url[len(WEB_URL):]

    def login(self, who: str = "worker") -> str:
        """Open the link, press the button; the CSRF token the desk page carries."""
        path = self.link(who)
        page = self.client.get(path)
        assert page.status_code == 200, page.text
        token = path.split("t=", 1)[1]
        done = self.client.post("/desk/login", data={"t": token}, headers=OWN, follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/desk", done.text
        return csrf_of(self.client.get("/desk").text)

    def audit(self) -> list[str]:
        async def actions() -> list[str]:
            async with self.services.store.transaction() as work:
                return [row.action for row in reversed(await work.audit.recent(50))]
        result: list[str] = self.run(actions)
        return result

    def change_staff(self, who: str, **changes: Any) -> None:
        async def change() -> None:
            async with self.services.store.transaction() as work:
                staff = await work.staff.get(self.staff[who])
                assert staff is not None
                await work.staff.save(replace(staff, **changes))
        self.run(change)

    def t(self, language: str, key: str, **params: Any) -> str:
        return html.escape(self.catalogs.text(language, Msg(key, params)))


def tg_key(services: Services, who: str) -> str:
    return user_key(services.secret, "tg", {"worker": 1001, "coordinator": 1002, "lead": 1003}[who])


def csrf_of(page: str) -> str:
    marker = '<meta name="csrf-token" content="'
    assert marker in page, page
    return page.split(marker, 1)[1].split('"', 1)[0]


async def seed(services: Services, now: Any) -> dict[str, int]:
    """A worker (Aino, Finnish), a coordinator who is not a worker (Kaisa), and a coordinator-worker (Leena)."""
    staff = {}
    async with services.store.transaction() as work:
        for who, name, coordinator, worker in (("worker", "Aino", False, True), ("coordinator", "Kaisa", True, False),
                                               ("lead", "Leena", True, True)):
            key = tg_key(services, who)
            await work.users.save(UserRow(key, "fi", now, now))
            staff[who] = await work.staff.add(StaffRow(name, "", "Oulunkaari", coordinator, worker, now, key))
    return staff


async def probe(services: Services, request: Request) -> JSONResponse:
    """The live desk's door, as desklive uses it: a POST with the CSRF header."""
    return JSONResponse({"staff": await desk_staff(services, request, request.headers.get(CSRF_HEADER))})


async def socket_probe(services: Services, websocket: WebSocket) -> None:
    """The same door for a WebSocket (the live desk's connection is an HTTPConnection too)."""
    await websocket.accept()
    await websocket.send_json({"staff": await desk_staff(services, websocket, None)})
    await websocket.close()


@contextmanager
def desk_app(tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
             **changes: Any) -> Iterator[Desk]:
    settings = bot_settings(tmp_path / "k.sqlite3", web_url=WEB_URL, **changes)
    app = Starlette()
    static = tmp_path / "static"
    static.mkdir()
    (static / "desk.js").write_text("document.body.dataset.desk = 'live';\n", encoding="utf-8")
    with TestClient(app, base_url=WEB_URL) as client:
        assert client.portal is not None
        services = client.portal.call(partial(bootstrap, settings, drawer=drawer, clock=clock, catalogs=catalogs))
        app.router.routes.extend(desk_routes(services, static))
        app.router.routes.append(Route("/desk/probe", partial(probe, services), methods=["GET", "POST"]))
        app.router.routes.append(WebSocketRoute("/desk/ws-probe", partial(socket_probe, services)))
        try:
            yield Desk(client, services, catalogs, clock, client.portal.call(seed, services, clock.now))
        finally:
            client.portal.call(services.store.close)


@pytest.fixture
def desk(tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer) -> Iterator[Desk]:
    with desk_app(tmp_path, clock, catalogs, drawer) as running:
        yield running


def secured(response: httpx.Response) -> bool:
    """The desk's headers: a strict CSP, no framing, nothing cached."""
    csp = response.headers.get("content-security-policy", "")
    return (all(part in csp for part in CSP_PARTS) and "unsafe" not in csp
            and response.headers.get("x-frame-options") == "DENY"
            and response.headers.get("cache-control") == "no-store")


# --- the one-time link ------------------------------------------------------------------------------------------


def test_a_link_opens_a_page_with_one_button_and_only_its_post_spends_it(desk: Desk) -> None:
    path = desk.link()
    token = path.split("t=", 1)[1]
    for _ in range(3):  # a link-preview fetcher, a reload: nothing is spent
        page = desk.client.get(path)
        assert page.status_code == 200 and secured(page)
        assert desk.t("fi", "web.desk.login_button") in page.text and 'method="post"' in page.text
        assert desk.t("fi", "web.desk.login_intro", name="Aino") in page.text
    done = desk.client.post("/desk/login", data={"t": token}, headers=OWN, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/desk"
    cookie = done.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and token not in cookie
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=strict", "path=/desk"} <= flags, cookie
    assert desk.client.get("/desk").status_code == 200
    # Used: the same link neither shows the button nor logs in again, even in another browser.
    other = TestClient(desk.client.app, base_url=WEB_URL)
    again = other.post("/desk/login", data={"t": token}, headers=OWN, follow_redirects=False)
    assert again.status_code == 410 and desk.t("fi", "web.desk.link_bad") in again.text and secured(again)
    assert COOKIE not in again.headers.get("set-cookie", "")
    assert desk.client.get(path).status_code == 410
    assert desk.audit().count("desk.login") == 1


def test_a_link_expires(desk: Desk) -> None:
    path = desk.link()
    desk.clock.advance(minutes=10)
    assert desk.client.get(path).status_code == 410
    posted = desk.client.post("/desk/login", data={"t": path.split("t=", 1)[1]}, headers=OWN,
                              follow_redirects=False)
    assert posted.status_code == 410 and desk.client.get("/desk").status_code == 401


def test_a_wrong_or_missing_token_gets_a_clear_page_in_the_browsers_language(desk: Desk) -> None:
    wrong = desk.client.get("/desk/login?t=guessed", headers={"accept-language": "sv-FI,sv;q=0.9,en;q=0.8"})
    assert wrong.status_code == 410 and desk.t("sv", "web.desk.link_bad") in wrong.text and 'lang="sv"' in wrong.text
    missing = desk.client.get("/desk/login", headers={"accept-language": "de, en"})
    assert missing.status_code == 400 and desk.t("en", "web.desk.link_bad") in missing.text
    posted = desk.client.post("/desk/login", data={"t": "guessed"}, headers=OWN)
    assert posted.status_code == 410 and desk.t("fi", "web.desk.link_bad") in posted.text


def test_a_login_from_another_origin_is_refused_and_spends_nothing(desk: Desk) -> None:
    token = desk.link().split("t=", 1)[1]
    for headers in (FOREIGN, {}, {"referer": "https://evil.example/desk"}, {"referer": WEB_URL + ".evil.example/"}):
        refused = desk.client.post("/desk/login", data={"t": token}, headers=headers, follow_redirects=False)
        assert refused.status_code == 403 and desk.t("fi", "web.desk.refused") in refused.text, headers
    # A form from Kaari's own page without an Origin header still carries its Referer.
    done = desk.client.post("/desk/login", data={"t": token}, headers={"referer": WEB_URL + "/desk/login?t=x"},
                            follow_redirects=False)
    assert done.status_code == 303


def test_only_a_worker_logs_in(desk: Desk) -> None:
    """A coordinator who is not a worker gets no link (the Telegram desk's rule), and a link made for a worker
    who lost the role before opening it does not log in."""
    reply = desk.run(partial(desk.services.engine.handle, tg_key(desk.services, "coordinator"),
                             inputs.Command("web"), channel="tg"))
    assert not any(isinstance(r, Say) and r.msg.key == "web.desk.link" for r in reply.results)
    path = desk.link()
    desk.change_staff("worker", is_worker=False)
    assert desk.client.get(path).status_code == 410
    posted = desk.client.post("/desk/login", data={"t": path.split("t=", 1)[1]}, headers=OWN, follow_redirects=False)
    assert posted.status_code == 410 and "set-cookie" not in posted.headers


# --- the session ------------------------------------------------------------------------------------------------


def test_the_desk_needs_a_session(desk: Desk) -> None:
    page = desk.client.get("/desk", headers={"accept-language": "en"})
    assert page.status_code == 401 and desk.t("en", "web.desk.no_session") in page.text and secured(page)
    desk.client.cookies.set(COOKIE, "made-up", domain="kaari.example.fi", path="/desk")
    assert desk.client.get("/desk").status_code == 401


def test_the_shell_has_the_header_navigation_csrf_and_the_live_desks_section(desk: Desk) -> None:
    csrf = desk.login()
    page = desk.client.get("/desk")
    assert page.status_code == 200 and secured(page) and 'lang="fi"' in page.text
    text = page.text
    assert desk.t("fi", "web.desk.logged_in_as", name="Aino") in text and desk.t("fi", "web.desk.logout") in text
    assert f'<meta name="csrf-token" content="{csrf}">' in text and len(csrf) >= 43
    assert '<section id="desk-chats" aria-label="' + desk.t("fi", "web.desk.chats_label") + '"></section>' in text
    assert '<script src="/desk/static/desk.js" defer></script>' in text
    assert '<link rel="stylesheet" href="/desk/static/desk.css">' in text
    assert "<script>" not in text and " style=" not in text, "no inline code: the CSP allows none"
    assert desk.t("fi", "web.desk.nav_chats") in text and 'aria-current="page"' in text
    # The rota and the statistics are the coordinators': a worker's navigation does not offer them.
    assert "/desk/rota" not in text and "/desk/stats" not in text


def test_the_live_desks_door_gives_the_staff_id_with_a_valid_session_and_csrf(desk: Desk) -> None:
    assert desk.client.get("/desk/probe").json() == {"staff": None}
    csrf = desk.login()
    worker = desk.staff["worker"]
    assert desk.client.get("/desk/probe").json() == {"staff": worker}, "a read needs no CSRF token"
    assert desk.client.post("/desk/probe", headers={**OWN, CSRF_HEADER: csrf}).json() == {"staff": worker}
    assert desk.client.post("/desk/probe", headers={**OWN, CSRF_HEADER: csrf[:-1] + "x"}).json() == {"staff": None}
    assert desk.client.post("/desk/probe", headers={**OWN, CSRF_HEADER: ""}).json() == {"staff": None}
    assert desk.client.post("/desk/probe", headers={**FOREIGN, CSRF_HEADER: csrf}).json() == {"staff": None}
    assert desk.client.post("/desk/probe", headers={CSRF_HEADER: csrf}).json() == {"staff": None}
    # The test client opens sockets on ws://testserver, where a Secure cookie is not sent: given as the browser
    # sends it to wss://kaari.example.fi.
    cookie = f"{COOKIE}={desk.client.cookies.get(COOKIE)}"
    with desk.client.websocket_connect("/desk/ws-probe", headers={**OWN, "cookie": cookie}) as socket:
        assert socket.receive_json() == {"staff": worker}
    with desk.client.websocket_connect("/desk/ws-probe", headers={**OWN, "cookie": f"{COOKIE}=guessed"}) as socket:
        assert socket.receive_json() == {"staff": None}


def test_logout_needs_the_csrf_token_and_kaaris_own_origin(desk: Desk) -> None:
    csrf = desk.login()
    for data, headers in (({}, OWN), ({"csrf": "wrong"}, OWN), ({"csrf": csrf}, FOREIGN), ({"csrf": csrf}, {})):
        refused = desk.client.post("/desk/logout", data=data, headers=headers)
        assert refused.status_code == 403 and desk.t("fi", "web.desk.refused") in refused.text and secured(refused)
    assert desk.client.get("/desk").status_code == 200, "a refused logout leaves the session alone"
    out = desk.client.post("/desk/logout", data={"csrf": csrf}, headers=OWN)
    assert out.status_code == 200 and desk.t("fi", "web.desk.logged_out") in out.text
    assert f'{COOKIE}=""' in out.headers["set-cookie"] and "Path=/desk" in out.headers["set-cookie"]
    assert desk.client.get("/desk").status_code == 401
    assert desk.audit()[-2:] == ["desk.login", "desk.logout"]


def test_logging_out_after_the_session_ended_says_so_and_drops_the_cookie(desk: Desk) -> None:
    """Back from a break, the worker presses Log out on the page still open: not "couldn't be accepted, reload"."""
    csrf = desk.login()
    desk.clock.advance(minutes=desk.services.settings.desk_idle_minutes + 1)
    out = desk.client.post("/desk/logout", data={"csrf": csrf}, headers=OWN)
    assert out.status_code == 200 and desk.t("fi", "web.desk.logged_out") in out.text and secured(out)
    assert f'{COOKIE}=""' in out.headers["set-cookie"]
    assert desk.client.get("/desk").status_code == 401


def test_a_session_ends_when_idle_and_after_its_longest_time(desk: Desk) -> None:
    desk.login()
    for _ in range(3):  # each use moves its idle time on
        desk.clock.advance(minutes=29)
        assert desk.client.get("/desk").status_code == 200
    desk.clock.advance(minutes=30)
    assert desk.client.get("/desk").status_code == 401
    assert desk.audit()[-1] == "desk.expired"
    desk.login()
    for _ in range(MAX_HOURS * 3 - 2):
        desk.clock.advance(minutes=20)
        assert desk.client.get("/desk").status_code == 200
    desk.clock.advance(minutes=40)
    assert desk.client.get("/desk").status_code == 401, "however busy, a session ends after MAX_HOURS"


def test_the_idle_time_is_a_setting(tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer) -> None:
    with desk_app(tmp_path, clock, catalogs, drawer, desk_idle_minutes=5) as desk:
        desk.login()
        clock.advance(minutes=5)
        assert desk.client.get("/desk").status_code == 401


@pytest.mark.parametrize("change", [{"active": False, "user_key": None}, {"is_worker": False}])
def test_a_removed_worker_or_one_who_lost_the_role_loses_the_session_at_once(
    desk: Desk, change: dict[str, Any],
) -> None:
    csrf = desk.login()
    desk.change_staff("worker", **change)
    assert desk.client.post("/desk/probe", headers={**OWN, CSRF_HEADER: csrf}).json() == {"staff": None}
    desk.change_staff("worker", active=True, is_worker=True, user_key=tg_key(desk.services, "worker"))
    assert desk.client.get("/desk").status_code == 401, "the session ended; it does not come back with the role"
    assert "desk.ended" in desk.audit()


# --- the coordinator's rota and statistics, and the language -----------------------------------------------------


async def rota_and_chats(services: Services, staff: dict[str, int], now: Any) -> LocalText:
    """Aino on the first weekly slot of the first service, and a chat answered and rated there; its name."""
    service = services.chat.services[0]
    async with services.store.transaction() as work:
        merged = await shifts.schedule_of(work, service)
        await work.schedules.add_rota(RotaRow(service.id, merged.weekly_keys()[0], staff["worker"]))
        await work.chats.add(ChatRow(service.id, now - timedelta(hours=1), None, status="closed",
                                     taken_at=now - timedelta(minutes=50), closed_at=now, rating=5))
    return service.name


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_a_coordinator_reads_the_rota_and_the_statistics_in_their_language(desk: Desk, language: str) -> None:
    csrf = desk.login("lead")
    switched = desk.client.post("/desk/language", data={"csrf": csrf, "language": language}, headers=OWN,
                                follow_redirects=False)
    assert switched.status_code == 303
    service = desk.run(rota_and_chats, desk.services, desk.staff, desk.clock.now).get(language)
    shell = desk.client.get("/desk").text
    assert f'lang="{language}"' in shell and 'href="/desk/rota"' in shell and 'href="/desk/stats"' in shell
    rota = desk.client.get("/desk/rota")
    assert rota.status_code == 200 and secured(rota) and f'lang="{language}"' in rota.text
    assert desk.t(language, "web.desk.nav_rota") in rota.text and "Aino" in rota.text
    assert html.escape(service) in rota.text and "<form" not in rota.text.split("</header>", 1)[1], "read-only"
    stats = desk.client.get("/desk/stats")
    assert stats.status_code == 200 and secured(stats)
    assert desk.t(language, "web.desk.stats_intro", days=30) in stats.text and html.escape(service) in stats.text
    rating = html.escape(desk.catalogs.text(language, Msg("stats.rating", {"avg": Number(5.0), "count": 1})))
    assert rating in stats.text


def test_the_rota_and_the_statistics_are_the_coordinators(desk: Desk) -> None:
    desk.login()
    for path in ("/desk/rota", "/desk/stats"):
        page = desk.client.get(path)
        assert page.status_code == 403 and desk.t("fi", "web.desk.coordinators_only") in page.text
    desk.client.cookies.clear()
    assert desk.client.get("/desk/rota").status_code == 401


def test_the_language_switch_needs_csrf_and_a_language_kaari_speaks(desk: Desk) -> None:
    csrf = desk.login()
    assert desk.client.post("/desk/language", data={"csrf": "x", "language": "sv"}, headers=OWN).status_code == 403
    assert desk.client.post("/desk/language", data={"csrf": csrf, "language": "de"}, headers=OWN).status_code == 403
    assert desk.client.post("/desk/language", data={"csrf": csrf, "language": "sv"},
                            headers=FOREIGN).status_code == 403
    assert 'lang="fi"' in desk.client.get("/desk").text


def test_a_desk_request_that_loses_to_another_instance_is_run_again_unseen(
    desk: Desk, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As if another instance touched the same rows each time (PostgreSQL's Contention at COMMIT, forced here on
    every first try): the link, the login, the desk, the language, the rota, the statistics and the logout each
    run their transaction again and answer as usual; the link is spent once, the login audited once."""
    tries = lose_every_first_try(desk.services.store, monkeypatch)
    csrf = desk.login("lead")
    switched = desk.client.post("/desk/language", data={"csrf": csrf, "language": "sv"}, headers=OWN,
                                follow_redirects=False)
    assert switched.status_code == 303
    assert 'lang="sv"' in desk.client.get("/desk").text
    for path in ("/desk/rota", "/desk/stats"):
        assert desk.client.get(path).status_code == 200, path
    assert desk.client.post("/desk/logout", data={"csrf": csrf}, headers=OWN).status_code == 200
    assert desk.client.get("/desk").status_code == 401
    monkeypatch.undo()
    assert len(tries) >= 20 and len(tries) % 2 == 0, "every transaction ran twice"
    assert desk.audit().count("desk.login") == 1 and desk.audit().count("desk.logout") == 1


# --- what else the desk serves, and what it logs ----------------------------------------------------------------


def test_static_files_are_served_by_plain_name_only(desk: Desk) -> None:
    script = desk.client.get("/desk/static/desk.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert script.headers["x-content-type-options"] == "nosniff"
    for path in ("/desk/static/missing.css", "/desk/static/..%2Fk.sqlite3", "/desk/static/.hidden.js",
                 "/desk/static/desk.py"):
        assert desk.client.get(path).status_code == 404, path


def test_the_desk_is_served_only_with_kaari_web_url(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with desk_app(tmp_path, clock, catalogs, drawer) as desk:
        paths = {getattr(route, "path", "") for route in web_routes(desk.services)}
        assert {"/desk", "/desk/login", "/desk/logout", "/desk/rota", "/desk/stats"} <= paths
        desk.services.settings = replace(desk.services.settings, web_url="")
        assert desk_routes(desk.services) == []


def test_kaari_web_url_is_read_and_checked() -> None:
    assert load_settings({"KAARI_WEB_URL": "https://Kaari.Example.fi/"}).web_url == "https://kaari.example.fi"
    assert load_settings({"KAARI_WEB_URL": "http://localhost:8080"}).web_url == "http://localhost:8080"
    assert load_settings({}).web_url == ""
    for bad in ("kaari.example.fi", "http://kaari.example.fi", "https://kaari.example.fi/kaari", "ftp://x"):
        with pytest.raises(SettingsError, match="KAARI_WEB_URL"):
            load_settings({"KAARI_WEB_URL": bad})
    settings = load_settings({"KAARI_DESK_IDLE_MINUTES": "45", "KAARI_DESK_LINK_MINUTES": "5"})
    assert (settings.desk_idle_minutes, settings.desk_link_minutes) == (45, 5)
    assert (load_settings({}).desk_idle_minutes, load_settings({}).desk_link_minutes) == (30, 10)
    with pytest.raises(SettingsError, match="KAARI_DESK_IDLE_MINUTES"):
        load_settings({"KAARI_DESK_IDLE_MINUTES": "half an hour"})


def test_no_token_cookie_or_csrf_token_reaches_the_logs(desk: Desk, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    path = desk.link()
    csrf = desk.login()
    cookie = desk.client.cookies.get(COOKIE)
    assert cookie
    desk.client.post("/desk/logout", data={"csrf": "wrong"}, headers=OWN)
    desk.client.post("/desk/logout", data={"csrf": csrf}, headers=OWN)
    desk.client.get(path)
    logged = caplog.text
    assert "desk.login staff=" in logged and "desk.logout staff=" in logged and "desk.csrf_refused" in logged
    for secret in (path.split("t=", 1)[1], cookie, csrf):
        assert secret not in logged


async def move_to_north(services: Services, staff_id: int) -> None:
    async with services.store.transaction() as work:
        await work.regions.add(RegionRow("north", "Pohjoinen", "Norra", "North"))
        row = await work.staff.get(staff_id)
        assert row is not None
        row.region = "north"
        await work.staff.save(row)


def test_a_coordinator_of_another_region_reads_none_of_this_regions_rota_or_statistics(desk: Desk) -> None:
    """Several regions (#14): the browser's rota and statistics go by the coordinator's region, as in Telegram."""
    service = desk.run(rota_and_chats, desk.services, desk.staff, desk.clock.now)
    desk.run(move_to_north, desk.services, desk.staff["lead"])
    desk.login("lead")
    for path in ("/desk/rota", "/desk/stats"):
        page = desk.client.get(path)
        assert page.status_code == 200 and html.escape(service.fi) not in page.text, path
        assert "Aino" not in page.text
