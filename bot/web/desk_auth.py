"""The worker's login to the desk in a browser, its session, and the checks every desk request passes (#13).

A worker asks Kaari for a one-time link (/web, flows/chat/desk_link.py). Opening it shows a page with one button;
only that page's POST spends the link (link-preview fetchers open GET links). A session follows: a random id in
a cookie (HttpOnly, Secure, SameSite=Strict, Path=/desk), only its hash stored, with a CSRF token of its own. It
ends after KAARI_DESK_IDLE_MINUTES unused, after MAX_HOURS in any case, at logout, and as soon as its staff member
is removed or is no longer a worker. A request that changes anything needs the session's CSRF token and an
Origin (or Referer) that is KAARI_WEB_URL's. Logs and the audit log carry staff ids and events, never a token.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.bootstrap import Services
from bot.web.desk_pages import Page, login_form, notice, respond
from flows.chat.desk_link import LOGIN_PATH
from flows.core.codes import new_token, token_hash
from flows.core.contention import transact
from flows.core.messages import LANGUAGES, N_
from flows.identity.regions import region_of
from storage.ports import AuditRow, DeskSessionRow, StaffRow, UnitOfWork

log = logging.getLogger(__name__)

COOKIE = "kaari_desk"
COOKIE_PATH = "/desk"
CSRF_FIELD = "csrf"  # a form's hidden field; the live desk's fetch sends the header instead
CSRF_HEADER = "x-csrf-token"
MAX_HOURS = 12  # a session ends after this long however busy it is: a long evening shift, not a week
MAX_FORM = 4096  # bytes: a desk form holds a token or two


@dataclass(frozen=True)
class DeskVisit:
    """A request with a valid session: whose it is, the session, and the language its pages are shown in."""

    staff: StaffRow
    session: DeskSessionRow
    language: str

    def page(self, services: Services) -> Page:
        """The worker's pages in their language."""
        return Page(services.catalogs, self.language)


def own_origin(services: Services, conn: HTTPConnection) -> bool:
    """Whether the request comes from Kaari's own pages: its Origin, or without one its Referer, is KAARI_WEB_URL's."""
    ours = services.settings.web_url
    origin = conn.headers.get("origin")
    if origin is not None:
        return bool(ours) and hmac.compare_digest(origin.encode(), ours.encode())
    referer = conn.headers.get("referer", "")
    return bool(ours) and (referer == ours or referer.startswith(ours + "/"))


def browser_language(services: Services, conn: HTTPConnection) -> str:
    """The first of the browser's languages Kaari speaks (for pages shown before anyone is known)."""
    for part in conn.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip()[:2].lower()
        if code in LANGUAGES:
            return code
    return services.settings.default_language


def ended_by(services: Services, session: DeskSessionRow, staff: StaffRow | None, now: datetime) -> str | None:
    """Why a session is over (an audit action), or None while it holds."""
    if staff is None or not (staff.active and staff.is_worker):
        return "desk.ended"  # removed, or no longer a worker: the same rule as the Telegram desk
    idle = timedelta(minutes=services.settings.desk_idle_minutes)
    if now - session.seen_at >= idle or now - session.created_at >= timedelta(hours=MAX_HOURS):
        return "desk.expired"
    return None


async def language_of(services: Services, work: UnitOfWork, staff: StaffRow) -> str:
    """The worker's own language, as in Telegram."""
    user = await work.users.get(staff.user_key) if staff.user_key else None
    return user.language if user is not None else services.settings.default_language


async def visit(services: Services, conn: HTTPConnection, csrf: str | None, touch: bool = True) -> DeskVisit | None:
    """The valid session of this request (its last use moved to now unless ``touch`` is False), or None. With
    ``csrf`` (a request that changes something) the token must be the session's and the request must come from
    Kaari's own origin."""
    cookie = conn.cookies.get(COOKIE)
    if not cookie or (csrf is not None and not own_origin(services, conn)):
        return None
    now = services.engine.clock()

    async def look(work: UnitOfWork) -> tuple[DeskVisit | None, str, int]:
        """The visit, or None with why (logged after the commit: a lost try is run again) and whose session."""
        session = await work.desk_sessions.get(token_hash(cookie))
        if session is None or session.id is None:
            return None, "", 0
        staff = await work.staff.get(session.staff_id)
        ended = ended_by(services, session, staff, now)
        if ended is not None:
            await work.desk_sessions.end(session.id)
            await work.audit.add(AuditRow(now, f"staff:{session.staff_id}", ended, "", region=region_of(staff)))
            return None, ended, session.staff_id
        assert staff is not None
        if csrf is not None and not hmac.compare_digest(csrf.encode(), session.csrf.encode()):
            return None, "desk.csrf_refused", session.staff_id
        if touch:
            await work.desk_sessions.touch(session.id, now)
        return DeskVisit(staff, session, await language_of(services, work, staff)), "", session.staff_id

    found, why, staff_id = await transact(services.store, look, what="desk.visit")
    if why == "desk.csrf_refused":
        log.warning("desk.csrf_refused staff=%d", staff_id)
    elif why:
        log.info("%s staff=%d", why, staff_id)
    return found


async def desk_staff(services: Services, conn: HTTPConnection, csrf: str | None, touch: bool = True) -> int | None:
    """The staff id of a valid, unexpired desk session (its last use moved to now unless ``touch`` is False: the
    live desk's own reads are no doing of the worker's) and, when ``csrf`` is given, a matching CSRF token from
    Kaari's own origin; None otherwise. The live desk's one door."""
    found = await visit(services, conn, csrf, touch)
    return None if found is None else found.staff.id


async def read_form(request: Request) -> dict[str, str] | None:
    """A small urlencoded form, each field's first value; None for anything else (too big, another type). Read
    here rather than by Starlette's form parser, which needs python-multipart for two hidden fields."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        return None
    length = request.headers.get("content-length", "")
    if not length.isdigit() or int(length) > MAX_FORM:
        return None
    body = await request.body()
    if len(body) > MAX_FORM:
        return None
    try:
        fields = parse_qs(body.decode("ascii"), keep_blank_values=True, max_num_fields=8)
    except (UnicodeDecodeError, ValueError):
        return None
    return {name: values[0] for name, values in fields.items()}


def refused(services: Services, conn: HTTPConnection, language: str | None = None) -> Response:
    """403: a request without the session's CSRF token, or from another origin."""
    return notice(Page(services.catalogs, language or browser_language(services, conn)),
                  N_("web.desk.refused"), 403)


class DeskLogin:
    """The login page, the login itself and the logout, bound to the services they use."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def show(self, request: Request) -> Response:
        """GET: the page with one button; the link is only looked at, never spent."""
        token = request.query_params.get("t", "")
        now = self.services.engine.clock()

        async def look(work: UnitOfWork) -> tuple[StaffRow | None, bool, str | None]:
            link = await work.desk_logins.find(token_hash(token)) if token else None
            staff = await work.staff.get(link.staff_id) if link is not None else None
            usable = (link is not None and link.used_at is None and link.expires_at > now and staff is not None
                      and staff.active and staff.is_worker)
            return staff, usable, await language_of(self.services, work, staff) if staff is not None else None

        staff, usable, language = await transact(self.services.store, look, what="desk.link")
        page = Page(self.services.catalogs, language or browser_language(self.services, request))
        if not usable or staff is None:
            log.info("desk.link_unusable")
            return notice(page, N_("web.desk.link_bad"), 410 if token else 400)
        return respond(login_form(page, token, staff.name))

    async def login(self, request: Request) -> Response:
        """POST from the login page: spend the link, open a session, and go to the desk (same-site, so the
        Strict cookie goes with the next request)."""
        form = await read_form(request)
        if form is None or not own_origin(self.services, request):
            log.warning("desk.login_refused")
            return refused(self.services, request)
        token = str(form.get("t", ""))
        opened = await self.open_session(token) if token else None
        if opened is None:
            log.info("desk.link_unusable")
            return notice(Page(self.services.catalogs, browser_language(self.services, request)),
                          N_("web.desk.link_bad"), 410)
        response = Response(status_code=303, headers={"Location": "/desk", "Cache-Control": "no-store"})
        response.set_cookie(COOKIE, opened, path=COOKIE_PATH, secure=True, httponly=True, samesite="strict")
        return response

    async def open_session(self, token: str) -> str | None:
        """Spend the link and open a session for its worker; the session's cookie value, or None."""
        services, now = self.services, self.services.engine.clock()
        cookie = new_token()

        async def spend(work: UnitOfWork) -> int | None:
            link = await work.desk_logins.spend(token_hash(token), now)
            staff = await work.staff.get(link.staff_id) if link is not None else None
            if link is None or staff is None or not (staff.active and staff.is_worker):
                return None
            await work.desk_sessions.add(DeskSessionRow(token_hash(cookie), link.staff_id, new_token(), now, now))
            await work.audit.add(AuditRow(now, f"staff:{link.staff_id}", "desk.login", "", region=staff.region))
            # What can no longer open anything goes now: links past their time, sessions past theirs.
            await work.desk_logins.purge(now)
            await work.desk_sessions.purge(now - timedelta(minutes=services.settings.desk_idle_minutes),
                                           now - timedelta(hours=MAX_HOURS))
            return link.staff_id

        staff_id = await transact(services.store, spend, what="desk.login")
        if staff_id is None:
            return None
        log.info("desk.login staff=%d", staff_id)
        return cookie

    async def logout(self, request: Request) -> Response:
        """POST: end the session (with its CSRF token, from Kaari's own page); the cookie goes too."""
        form = await read_form(request)
        found = await visit(self.services, request, str(form.get(CSRF_FIELD, "")) if form is not None else "")
        if found is None and await visit(self.services, request, None, touch=False) is None:
            return logged_out(Page(self.services.catalogs, browser_language(self.services, request)))  # ended already
        if found is None:
            return refused(self.services, request)
        now = self.services.engine.clock()

        async def end(work: UnitOfWork) -> None:
            await work.desk_sessions.end(found.session.id or 0)
            await work.audit.add(AuditRow(now, f"staff:{found.staff.id}", "desk.logout", "",
                                          region=found.staff.region))

        await transact(self.services.store, end, what="desk.logout")
        log.info("desk.logout staff=%d", found.staff.id or 0)
        return logged_out(found.page(self.services))


def logged_out(page: Page) -> Response:
    """The page after logging out (or after pressing Log out on a session that had ended): the cookie goes too."""
    response = notice(page, N_("web.desk.logged_out"), 200)
    response.delete_cookie(COOKIE, path=COOKIE_PATH, secure=True, httponly=True, samesite="strict")
    return response


def login_routes(services: Services) -> list[BaseRoute]:
    """The login page, the login and the logout."""
    login = DeskLogin(services)
    return [Route(LOGIN_PATH, login.show, methods=["GET"]), Route(LOGIN_PATH, login.login, methods=["POST"]),
            Route("/desk/logout", login.logout, methods=["POST"])]
