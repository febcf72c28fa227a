"""The young person's side on an organisation's own page: the loader script, the chat's frame page and its status.

An organisation adds one tag to its page::

    <script src="https://kaari.example.fi/web/widget.js" data-service="social-work" async></script>

The loader (``static/widget.js``) works out Kaari's origin from its own ``src`` and inserts an iframe of
``/web/frame`` from there; it loads nothing else. The frame (``static/frame.js``, ``frame.css``) speaks the chat
socket's protocol (bot.web.protocol) and asks ``/web/status`` whether someone answers now. The host page and the
frame exchange only the frame's size and whether it is open, never the conversation.

Every response carries the same strict headers: a Content-Security-Policy that lets the page load only Kaari's
own files (``frame-ancestors`` = KAARI_WEB_ORIGINS), no referrer, no sniffing; no cookie is ever set, and nothing
about a request (address, origin, page) is logged. Every visible string comes from the catalogs, written into the
page in its language.
"""

from __future__ import annotations

import html
import json
import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.bootstrap import Services
from bot.i18n import Catalogs
from flows.chat import shifts
from flows.chat.chat import MAX_MESSAGE, out_of_hours_notice
from flows.chat.schedule import Service
from flows.core.contention import transact
from flows.core.engine import LANGUAGE_NAMES
from flows.core.messages import LANGUAGES, N_, Lines, Msg, Period
from storage.ports import UnitOfWork

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
# The files the frame and the loader are made of, with their types: nothing else under /web/static is served.
STATIC_TYPES = {"frame.js": "text/javascript; charset=utf-8", "frame.css": "text/css; charset=utf-8",
                "widget.js": "text/javascript; charset=utf-8"}
TITLES = "{} /* KAARI_TITLES */"  # where the loader's texts are written in
STATUS_MAX_AGE = 30  # seconds a status may be reused: a shift that starts shows within half a minute
# Seconds the server reuses a status it computed (per service and language, by the engine's clock): a busy page
# (every visitor asks, and again each minute) costs the database one read of each per this many seconds.
STATUS_CACHE_SECONDS = 5

# What the frame's script shows, by the name it knows each text by.
FRAME_TEXTS = {
    "you": N_("web.you"), "forgotten": N_("web.forgotten"), "connecting": N_("web.connecting"),
    "reconnecting": N_("web.reconnecting"), "new_messages": N_("web.new_messages"),
    "status_failed": N_("web.status_failed"), "picture": N_("web.picture"),
    "media_elsewhere": N_("web.media_elsewhere"), "too_long": N_("web.too_long"),
}
# What the frame's page says around the conversation, written in by Kaari.
PAGE_TEXTS = {
    "forget": N_("web.forget"), "help_now": N_("web.help_now"), "input_label": N_("web.input_label"),
    "leave_message": N_("web.leave_message"), "loading": N_("web.loading"), "messages": N_("web.messages"),
    "minimise": N_("web.minimise"), "privacy": N_("web.privacy"), "send": N_("web.send"),
}
MENU_LABEL, LANGUAGE_LABEL = N_("web.menu"), N_("web.language")
# The small menu: what the Telegram command menu offers a young person, as buttons (a command each).
MENU = (("chat", N_("command.chat")), ("hours", N_("command.hours")), ("circle", N_("command.circle")))
CURRENT = ' aria-current="true"'


def security_headers(origins: tuple[str, ...], cross_origin: bool = False) -> dict[str, str]:
    """The headers every widget response carries: only Kaari's own files, embedded only by allowed pages."""
    ancestors = " ".join(origins) or "'none'"
    policy = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
              f"frame-ancestors {ancestors}; form-action 'none'; base-uri 'none'")
    return {"Content-Security-Policy": policy, "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            # The loader and the frame are fetched by other sites' pages; the rest is for Kaari's own frame only.
            "Cross-Origin-Resource-Policy": "cross-origin" if cross_origin else "same-origin"}


def page_language(services: Services, request: Request) -> str:
    """The language the page asked for (``lang``), else the organisation's default."""
    asked = request.query_params.get("lang", "")
    return asked if asked in LANGUAGES else services.settings.default_language


def places_now(services: Services, language: str) -> Lines:
    """Where to turn right now: the same places the chat and crisis signposting name (the crisis file's)."""
    crisis = services.engine.crisis
    return crisis.help((), language) if crisis is not None else Lines(())


async def service_status(services: Services, service: Service, language: str) -> dict[str, Any]:
    """Whether someone answers in ``service`` now (the same test as /hours and /chat), else its next opening and
    the chat's own out-of-hours text; always where to turn right now."""
    catalogs, now = services.catalogs, services.engine.clock()

    async def read(work: UnitOfWork) -> tuple[bool, Period | None, list[Service]]:
        answering = await shifts.available(work, service, now)
        upcoming = None if answering else await shifts.next_opening(work, service, now)
        # What else is open now: in the service's own region, as /chat says it (#14).
        return answering, upcoming, [] if answering else [
            other for other in services.chat.for_region(service.region).services if other.id != service.id
            and await shifts.available(work, other, now)]

    answering, upcoming, others = await transact(services.store, read, what="web.service_status")
    places = places_now(services, language)
    notice = out_of_hours_notice(N_("chat.closed"), service, upcoming, others, places)
    launcher = Msg(N_("web.launcher_closed"), {"when": upcoming}) if upcoming else Msg(
        N_("web.launcher_closed_unknown"))
    return {
        "service": service.id, "name": catalogs.text(language, service.name), "language": language,
        "opening": catalogs.text(language, service.opening),
        "open": answering, "next": _period_json(upcoming),
        "launcher": catalogs.text(language, Msg(N_("web.launcher_open")) if answering else launcher),
        "notice": None if answering else catalogs.text(language, notice),
        "help": catalogs.param(language, places),
    }


def _period_json(period: Period | None) -> dict[str, str] | None:
    return {"start": period.start.isoformat(), "end": period.end.isoformat()} if period else None


def _script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element (no "</script>", no "<!--")."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def frame_config(services: Services, service: Service, language: str, parent: str | None) -> dict[str, Any]:
    """What the frame's script reads from the page: its service, language, texts and the host page's origin."""
    catalogs = services.catalogs
    # The chat's own limit, checked before sending so that a long text stays in the box to be split (a textarea's
    # maxlength would cut a pasted text short without a word).
    return {"service": service.id, "language": language, "parent": parent, "languages": list(LANGUAGES),
            "max_text": MAX_MESSAGE,
            "texts": {name: catalogs.text(language, Msg(key)) for name, key in FRAME_TEXTS.items()}}


def _menu(catalogs: Catalogs, language: str) -> str:
    buttons = "".join(
        f'<button type="button" class="kaari-menu-item" data-command="{command}" data-testid="kaari-menu-{command}">'
        f"{html.escape(catalogs.text(language, Msg(key)))}</button>" for command, key in MENU)
    return f'<nav class="kaari-menu" aria-label="{_t(catalogs, language, MENU_LABEL)}">{buttons}</nav>'


def _languages(catalogs: Catalogs, language: str) -> str:
    buttons = "".join(
        f'<button type="button" class="kaari-lang" lang="{code}" data-lang="{code}" data-testid="kaari-language-{code}"'
        f'{CURRENT if code == language else ""}>{html.escape(catalogs.text(code, Msg(LANGUAGE_NAMES[code])))}</button>'
        for code in LANGUAGES)
    label = _t(catalogs, language, LANGUAGE_LABEL)
    return f'<div class="kaari-langs" role="group" aria-label="{label}" data-testid="kaari-language">{buttons}</div>'


def _t(catalogs: Catalogs, language: str, key: str) -> str:
    return html.escape(catalogs.text(language, Msg(key)))


def _page(language: str, title: str, head: str, body: str) -> str:
    """The frame's HTML around ``body``: Kaari's own stylesheet, and ``head`` (the script, when there is one)."""
    return (f'<!doctype html>\n<html lang="{language}">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<title>{html.escape(title)}</title>\n<link rel="stylesheet" href="/web/static/frame.css">\n{head}'
            f"</head>\n<body>\n{body}\n</body>\n</html>\n")


def frame_html(services: Services, service: Service, language: str, parent: str | None) -> str:
    """The chat's page: the launcher button, the panel (closed view, menu, messages, input), all texts in place."""
    catalogs = services.catalogs
    name = catalogs.text(language, service.name)
    t = {name: _t(catalogs, language, key) for name, key in PAGE_TEXTS.items()}
    head = (f'<script type="application/json" id="kaari-config">'
            f"{_script_json(frame_config(services, service, language, parent))}</script>\n"
            '<script src="/web/static/frame.js" defer></script>\n')
    body = f"""<main id="kaari" class="kaari">
<button type="button" id="kaari-launcher" class="kaari-launcher" data-testid="kaari-launcher" aria-expanded="false"
 aria-controls="kaari-panel"><span id="kaari-launcher-text">{t['loading']}</span>
<span id="kaari-badge" class="kaari-badge" data-testid="kaari-badge" hidden></span></button>
<section id="kaari-panel" class="kaari-panel" data-testid="kaari-panel" aria-labelledby="kaari-title" hidden>
<header class="kaari-head"><h1 id="kaari-title">{html.escape(name)}</h1>
<button type="button" id="kaari-minimise" class="kaari-minimise" data-testid="kaari-minimise"
 aria-label="{t['minimise']}" aria-controls="kaari-panel">&#x2212;</button></header>
<div id="kaari-body" class="kaari-body">
{_languages(catalogs, language)}
<div id="kaari-closed" class="kaari-closed" data-testid="kaari-closed-view" hidden>
<p id="kaari-notice" class="kaari-text" tabindex="-1"></p>
<button type="button" id="kaari-leave" class="kaari-primary" data-testid="kaari-leave-message">
{t['leave_message']}</button></div>
{_menu(catalogs, language)}
<details id="kaari-help" class="kaari-help" data-testid="kaari-help"><summary>{t['help_now']}</summary>
<p id="kaari-help-text" class="kaari-text">{html.escape(catalogs.param(language, places_now(services, language)))}</p>
</details>
<p id="kaari-intro" class="kaari-text kaari-intro" data-testid="kaari-intro" hidden></p>
<div id="kaari-messages" class="kaari-messages" data-testid="kaari-messages" role="log" aria-live="polite"
 aria-label="{t['messages']}"></div>
<p id="kaari-state" class="kaari-state" role="status" data-testid="kaari-connection"></p>
</div>
<form id="kaari-form" class="kaari-form" data-testid="kaari-form" autocomplete="off">
<label for="kaari-input">{t['input_label']}</label>
<div class="kaari-row"><textarea id="kaari-input" data-testid="kaari-input" rows="2"></textarea>
<button type="submit" id="kaari-send" class="kaari-primary" data-testid="kaari-send">
{t['send']}</button></div></form>
<p class="kaari-privacy">{t['privacy']}
<button type="button" id="kaari-forget" class="kaari-link" data-testid="kaari-forget">
{t['forget']}</button></p>
</section>
</main>"""
    return _page(language, name, head, body)


def unknown_html(services: Services, language: str, parent: str | None) -> str:
    """The page for a service this Kaari does not have: embedded, the launcher names where to turn right now and
    opens a panel that says so plainly (a page with nothing to show would leave the host page a 0x0 frame)."""
    catalogs = services.catalogs
    text = catalogs.text(language, Msg(N_("web.unknown_service"), {"places": places_now(services, language)}))
    title = catalogs.text(language, Msg(N_("command.chat")))
    config = {"unknown": True, "language": language, "parent": parent, "languages": list(LANGUAGES), "texts": {}}
    head = (f'<script type="application/json" id="kaari-config">{_script_json(config)}</script>\n'
            '<script src="/web/static/frame.js" defer></script>\n')
    body = f"""<main class="kaari kaari-unknown" data-testid="kaari-unknown">
<button type="button" id="kaari-launcher" class="kaari-launcher kaari-closed-now" data-testid="kaari-launcher"
 aria-expanded="false" aria-controls="kaari-panel">{_t(catalogs, language, N_("web.help_now"))}</button>
<section id="kaari-panel" class="kaari-panel" data-testid="kaari-panel" aria-labelledby="kaari-title" hidden>
<header class="kaari-head"><h1 id="kaari-title">{html.escape(title)}</h1>
<button type="button" id="kaari-minimise" class="kaari-minimise" data-testid="kaari-minimise"
 aria-label="{_t(catalogs, language, N_("web.minimise"))}" aria-controls="kaari-panel">&#x2212;</button></header>
<div id="kaari-body" class="kaari-body"><div class="kaari-closed">
<p id="kaari-notice" class="kaari-text" tabindex="-1">{html.escape(text)}</p>
</div></div>
</section>
</main>"""
    return _page(language, title, head, body)


class Widget:
    """The widget's routes, bound to the services they read."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.headers = security_headers(services.settings.web_origins)
        self.statuses: dict[tuple[str, str], tuple[datetime, dict[str, Any]]] = {}  # (service, language)

    def service(self, request: Request) -> Service | None:
        """The chat service the page names, if this organisation has it."""
        return self.services.chat.get(request.query_params.get("service", ""))

    async def frame(self, request: Request) -> Response:
        """The chat's page for the iframe; a clear page (404) for a service that does not exist."""
        language = page_language(self.services, request)
        service = self.service(request)
        # Embedded by other sites' pages (frame-ancestors says which), so not marked same-origin.
        headers = {**security_headers(self.services.settings.web_origins, cross_origin=True),
                   "Cache-Control": "no-cache"}
        host = request.query_params.get("host", "")
        parent = host if host in self.services.settings.web_origins else None
        if service is None:
            # The operator should fix the page's data-service; never the name asked for or the page (no URL).
            log.warning("web.frame_unknown_service")
            return HTMLResponse(unknown_html(self.services, language, parent), status_code=404, headers=headers)
        return HTMLResponse(frame_html(self.services, service, language, parent), headers=headers)

    async def status(self, request: Request) -> Response:
        """Open now or closed (with the next opening and where to turn), as JSON; no token needed."""
        language = page_language(self.services, request)
        service = self.service(request)
        if service is None:
            text = self.services.catalogs.text(language, Msg(N_("web.unknown_service"), {
                "places": places_now(self.services, language)}))
            return JSONResponse({"error": "web.unknown_service", "text": text}, status_code=404,
                                headers={**self.headers, "Cache-Control": "no-store"})
        body = await self.cached_status(service, language)
        return JSONResponse(body, headers={**self.headers, "Cache-Control": f"max-age={STATUS_MAX_AGE}"})

    async def cached_status(self, service: Service, language: str) -> dict[str, Any]:
        """The status computed at most `STATUS_CACHE_SECONDS` ago (engine time), else computed now and kept. One
        entry per known service and language, so the cache cannot grow with what requests ask for."""
        now, key = self.services.engine.clock(), (service.id, language)
        kept = self.statuses.get(key)
        if kept is not None and timedelta(0) <= now - kept[0] < timedelta(seconds=STATUS_CACHE_SECONDS):
            return kept[1]
        body = await service_status(self.services, service, language)
        self.statuses[key] = (now, body)
        return body

    async def loader(self, request: Request) -> Response:
        """The one script an organisation's page loads, with the frame's name in each language (the default
        first: the language of a browser that speaks none of them)."""
        settings, catalogs = self.services.settings, self.services.catalogs
        order = sorted(LANGUAGES, key=lambda code: code != settings.default_language)
        titles = _script_json({code: catalogs.text(code, Msg(N_("web.frame_title"))) for code in order})
        script = (STATIC / "widget.js").read_text(encoding="utf-8").replace(TITLES, titles)
        headers = {**security_headers(settings.web_origins, cross_origin=True), "Cache-Control": "max-age=300"}
        return Response(script, media_type=STATIC_TYPES["widget.js"], headers=headers)

    async def static(self, request: Request) -> Response:
        """The frame's own script and stylesheet; anything else is not here."""
        name = request.path_params["name"]
        if name not in STATIC_TYPES or name == "widget.js":
            return Response(status_code=404, headers=self.headers)
        return self.file(name)

    def file(self, name: str) -> Response:
        """A shipped file with its type; browsers may keep it five minutes."""
        headers = {**self.headers, "Cache-Control": "max-age=300"}
        return Response((STATIC / name).read_bytes(), media_type=STATIC_TYPES[name], headers=headers)


def widget_routes(services: Services) -> list[BaseRoute]:
    """The loader, the frame page, its status and its files (bot.web.app gathers all the web's routes)."""
    widget = Widget(services)
    return [Route("/web/widget.js", widget.loader), Route("/web/frame", widget.frame),
            Route("/web/status", widget.status), Route("/web/static/{name}", widget.static)]
