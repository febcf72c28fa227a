"""The desk in a browser (#13): its page shell, the coordinator's rota and statistics (read-only), the language
switch and the desk's static files. The live chats are desklive's (``static/desk/desk.js``), on `desk_staff`.

The rota and the statistics are what /rota and /stats compute (flows/chat/rota.py, flows/chat/chat_stats.py),
shown to coordinators; editing stays in Telegram.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from bot.bootstrap import Services
from bot.web.desk_auth import CSRF_FIELD, DeskVisit, browser_language, login_routes, read_form, refused, visit
from bot.web.desk_pages import CSP, HEADERS, Page, notice, read_only, respond, shell
from flows.chat.chat_stats import DAYS, last_days, service_blocks
from flows.chat.rota import rota_data, rota_text
from flows.core.contention import transact
from flows.core.messages import LANGUAGES, N_, Msg
from storage.ports import UnitOfWork

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static" / "desk"
STATIC_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*\.(js|css|svg|png|woff2)")
MEDIA_TYPES = {"js": "text/javascript", "css": "text/css", "svg": "image/svg+xml", "png": "image/png",
               "woff2": "font/woff2"}


def tabs_of(found: DeskVisit) -> tuple[str, ...]:
    """The desk's tabs this worker may open: the rota and the statistics are the coordinators'."""
    return ("chats", "rota", "stats") if found.staff.is_coordinator else ("chats",)


class DeskPages:
    """The desk's pages, bound to the services they read."""

    def __init__(self, services: Services, static_dir: Path = STATIC_DIR) -> None:
        self.services = services
        self.static_dir = static_dir

    async def session_or_notice(self, request: Request) -> DeskVisit | Response:
        """The request's session, or the page that says there is none (how to get a link)."""
        found = await visit(self.services, request, None)
        if found is None:
            page = Page(self.services.catalogs, browser_language(self.services, request))
            return notice(page, N_("web.desk.no_session"), 401)
        return found

    async def desk(self, request: Request) -> Response:
        """GET /desk: the shell the live desk fills."""
        found = await self.session_or_notice(request)
        if isinstance(found, Response):
            return found
        page = found.page(self.services)
        return respond(shell(page, found.staff.name, found.session.csrf, tabs_of(found)))

    async def coordinator(self, request: Request) -> DeskVisit | Response:
        """A coordinator's session, or the page that says why not."""
        found = await self.session_or_notice(request)
        if isinstance(found, DeskVisit) and not found.staff.is_coordinator:
            return notice(found.page(self.services), N_("web.desk.coordinators_only"), 403)
        return found

    async def rota(self, request: Request) -> Response:
        """GET /desk/rota: every service's slots, their workers and the coming changes, as /rota shows them."""
        found = await self.coordinator(request)
        if isinstance(found, Response):
            return found
        now = self.services.engine.clock()

        async def read(work: UnitOfWork) -> list[Msg]:
            return [rota_text(service, await rota_data(work, service, now))
                    for service in self.services.chat.for_region(found.staff.region).services]

        shown = await transact(self.services.store, read, what="desk.rota")
        return self.read_only(found, "rota", N_("web.desk.nav_rota"), shown)

    async def stats(self, request: Request) -> Response:
        """GET /desk/stats: the last days' figures per service, as /stats shows them."""
        found = await self.coordinator(request)
        if isinstance(found, Response):
            return found
        chats, shift_list, _ = await transact(
            self.services.store, lambda work: last_days(work, self.services.engine.clock()), what="desk.stats")
        blocks = service_blocks(self.services.chat.for_region(found.staff.region), chats, shift_list)
        return self.read_only(found, "stats", N_("web.desk.nav_stats"), blocks,
                              Msg(N_("web.desk.stats_intro"), {"days": DAYS}))

    def read_only(self, found: DeskVisit, tab: str, title: str, shown: list[Msg], intro: Msg | None = None) -> Response:
        """A read-only page: an optional introduction, then a section per service."""
        page = found.page(self.services)
        sections = ([page.text(intro)] if intro else []) + [page.text(message) for message in shown]
        return respond(read_only(page, found.staff.name, found.session.csrf, tabs_of(found), tab, title, sections))

    async def language(self, request: Request) -> Response:
        """POST /desk/language: the worker's language (the same one Telegram speaks to them in), then the desk."""
        form = await read_form(request)
        found = await visit(self.services, request, str(form.get(CSRF_FIELD, "")) if form is not None else "")
        chosen = str(form.get("language", "")) if form is not None else ""
        if found is None or chosen not in LANGUAGES:
            return refused(self.services, request)

        async def choose(work: UnitOfWork) -> None:
            user = await work.users.get(found.staff.user_key or "")
            if user is not None:
                user.language = chosen
                await work.users.save(user)

        await transact(self.services.store, choose, what="desk.language")
        log.info("desk.language staff=%d", found.staff.id or 0)
        return Response(status_code=303, headers={"Location": "/desk", "Cache-Control": "no-store"})

    async def static(self, request: Request) -> Response:
        """GET /desk/static/<name>: the live desk's script and style (plain names only: no path to walk)."""
        name = request.path_params["name"]
        path = self.static_dir / name
        if not STATIC_NAME.fullmatch(name) or not path.is_file():
            return Response(status_code=404, headers=HEADERS)
        return FileResponse(path, media_type=MEDIA_TYPES[name.rsplit(".", 1)[1]],
                            headers={"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
                                     "Cache-Control": "no-cache"})


def desk_routes(services: Services, static_dir: Path = STATIC_DIR) -> list[BaseRoute]:
    """The desk in a browser: login and logout, the shell, the rota and statistics, the language, static files.
    None while KAARI_WEB_URL is not set (its links and its origin check need it)."""
    if not services.settings.web_url:
        return []
    pages = DeskPages(services, static_dir)
    return [*login_routes(services), Route("/desk", pages.desk, methods=["GET"]),
            Route("/desk/rota", pages.rota, methods=["GET"]), Route("/desk/stats", pages.stats, methods=["GET"]),
            Route("/desk/language", pages.language, methods=["POST"]),
            Route("/desk/static/{name}", pages.static, methods=["GET"])]
