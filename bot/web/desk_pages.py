"""The desk's pages as HTML, server-rendered in the worker's language: every visible word from the catalogs.

No inline script or style (the Content-Security-Policy allows neither); the live chats are desklive's
``/desk/static/desk.js``, which fills ``<section id="desk-chats">``. Security headers go on every response.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html import escape

from starlette.responses import HTMLResponse, Response

from bot.i18n import Catalogs
from flows.core.messages import LANGUAGES, N_, Msg, Param

STATIC = "/desk/static"
# Nothing from other origins, no inline code; the live desk talks to its own origin only (fetch, WebSocket).
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    # The login page's address holds its token: a Referer goes to Kaari's own pages only (and an Origin is still
    # sent with the POST, which "no-referrer" would turn into "null").
    "Referrer-Policy": "same-origin",
}
CURRENT = ' aria-current="page"'
# The page's own words (kept out of the f-strings below, where `pybabel extract` would not see them).
CHATS_LABEL = N_("web.desk.chats_label")
LANGUAGE = N_("web.desk.language")
LOGGED_IN_AS = N_("web.desk.logged_in_as")
LOGIN_BUTTON = N_("web.desk.login_button")
LOGIN_INTRO = N_("web.desk.login_intro")
LOGIN_TITLE = N_("web.desk.login_title")
LOGOUT = N_("web.desk.logout")
NAV = N_("web.desk.nav")
NEEDS_SCRIPT = N_("web.desk.needs_script")
SKIP = N_("web.desk.skip")
TITLE = N_("web.desk.title")
LANGUAGE_NAMES = {"fi": N_("language.name.fi"), "sv": N_("language.name.sv"), "en": N_("language.name.en")}
TABS = (("chats", "/desk", N_("web.desk.nav_chats")), ("rota", "/desk/rota", N_("web.desk.nav_rota")),
        ("stats", "/desk/stats", N_("web.desk.nav_stats")))


@dataclass(frozen=True)
class Page:
    """What every page needs: the catalogs and the reader's language."""

    catalogs: Catalogs
    language: str

    def t(self, key: str, params: Mapping[str, Param] | None = None) -> str:
        """A catalog text in the reader's language, escaped for HTML."""
        return escape(self.catalogs.text(self.language, Msg(key, params or {})))

    def text(self, message: Msg) -> str:
        """A rendered message as paragraphs: a blank line starts a new one, a line break stays one."""
        shown = self.catalogs.text(self.language, message)
        return "\n".join("<p>" + escape(part).replace("\n", "<br>\n") + "</p>"
                         for part in shown.split("\n\n") if part.strip())


def respond(html: str, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    """An HTML response with the desk's security headers."""
    return HTMLResponse(html, status_code=status, headers={**HEADERS, **(headers or {})})


def document(page: Page, title: str, body: str, csrf: str | None = None, script: bool = False) -> str:
    """A whole page: the head (its CSRF token for the live desk's requests), a skip link, then ``body``."""
    meta = f'<meta name="csrf-token" content="{escape(csrf)}">\n' if csrf else ""
    js = f'<script src="{STATIC}/desk.js" defer></script>\n' if script else ""
    return (f'<!doctype html>\n<html lang="{page.language}">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'{meta}<title>{title}</title>\n<link rel="stylesheet" href="{STATIC}/desk.css">\n{js}</head>\n'
            f'<body>\n<a class="skip" href="#main">{page.t(SKIP)}</a>\n{body}\n</body>\n</html>\n')


def notice(page: Page, key: str, status: int) -> Response:
    """A page that only tells something (a used link, no session, a refused request)."""
    body = f'<main id="main" tabindex="-1">\n<h1>{page.t(TITLE)}</h1>\n<p>{page.t(key)}</p>\n</main>'
    return respond(document(page, page.t(TITLE), body), status)


def login_form(page: Page, token: str, name: str) -> str:
    """The page a login link opens: one button, a POST that spends the link (a GET never does)."""
    body = (f'<main id="main" tabindex="-1">\n<h1>{page.t(LOGIN_TITLE)}</h1>\n'
            f'<p>{page.t(LOGIN_INTRO, {"name": name})}</p>\n'
            '<form method="post" action="/desk/login">\n'
            f'<input type="hidden" name="t" value="{escape(token)}">\n'
            f'<button type="submit">{page.t(LOGIN_BUTTON)}</button>\n</form>\n</main>')
    return document(page, page.t(LOGIN_TITLE), body)


def header(page: Page, name: str, csrf: str, tabs: tuple[str, ...], current: str) -> str:
    """Who is logged in, the language switch, log out; then the navigation (the tabs this worker may open)."""
    hidden = f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
    languages = "\n".join(
        f'<button type="submit" name="language" value="{code}" lang="{code}" '
        f'aria-pressed="{str(code == page.language).lower()}">'
        f'{escape(page.catalogs.text(code, Msg(LANGUAGE_NAMES[code])))}</button>' for code in LANGUAGES)
    links = "\n".join(
        f'<li><a href="{href}"{CURRENT if key == current else ""}>{page.t(label)}</a></li>'
        for key, href, label in TABS if key in tabs)
    return (f'<header>\n<p class="who">{page.t(LOGGED_IN_AS, {"name": name})}</p>\n'
            f'<form method="post" action="/desk/language" class="languages">\n{hidden}\n'
            f'<fieldset>\n<legend>{page.t(LANGUAGE)}</legend>\n{languages}\n</fieldset>\n</form>\n'
            f'<form method="post" action="/desk/logout" class="logout">\n{hidden}\n'
            f'<button type="submit">{page.t(LOGOUT)}</button>\n</form>\n</header>\n'
            f'<nav aria-label="{page.t(NAV)}">\n<ul>\n{links}\n</ul>\n</nav>\n')


def shell(page: Page, name: str, csrf: str, tabs: tuple[str, ...]) -> str:
    """The desk: the header, and the chats' section the live desk (desk.js) fills."""
    body = (header(page, name, csrf, tabs, "chats") +
            f'<main id="main" tabindex="-1">\n<h1>{page.t(TITLE)}</h1>\n'
            f'<section id="desk-chats" aria-label="{page.t(CHATS_LABEL)}"></section>\n'
            f'<noscript><p>{page.t(NEEDS_SCRIPT)}</p></noscript>\n</main>')
    return document(page, page.t(TITLE), body, csrf, script=True)


def read_only(page: Page, name: str, csrf: str, tabs: tuple[str, ...], current: str, title_key: str,
              sections: list[str]) -> str:
    """A read-only page of the desk (the rota, the statistics): a heading and a section per service."""
    blocks = "\n".join(f'<section class="service">\n{section}\n</section>' for section in sections)
    body = (header(page, name, csrf, tabs, current) +
            f'<main id="main" tabindex="-1">\n<h1>{page.t(title_key)}</h1>\n{blocks}\n</main>')
    return document(page, page.t(title_key), body, csrf)
