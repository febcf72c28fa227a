"""The web chat's WebSocket (``/web/ws``): one browser tab, one person, the same engine path as Telegram.

The person is ``user_key(secret, "web", token)``: the browser's random token is never stored, and nothing
about the connection (no IP address, no Origin) is logged; logs carry the key's prefix and event names only.
A page from an origin not in ``KAARI_WEB_ORIGINS`` (nor Kaari's own widget frame) is refused before the socket
opens (close code 1008).

Limits: a socket the browser sent nothing on for ``KAARI_WEB_IDLE_MINUTES`` is closed (1000, after a
``closed`` message saying why), except while the person's chat is live (waiting in the queue or talking with a
worker: an answer may take longer than that, and nothing should cut them off then); the server's pings keep
proxies from cutting a quiet live chat (bot.webhook). At most ``KAARI_WEB_MAX_SOCKETS`` sockets per process
(one more is told the chat is full, 1013) and MAX_TABS per person (1008). Every message a connection sends
passes its own flood gate (read or not); every input also passes the person's, the same as Telegram's.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from bot.bootstrap import Services
from bot.flood import connection_gate, person_gate
from bot.keys import user_key
from bot.metrics import FAILED, FLOODED, HANDLED
from bot.render import Outgoing, TextOut, render
from bot.settings import Settings
from bot.web.messages import closed_json, error_json, message_json
from bot.web.protocol import Hello, parse_hello, parse_input
from flows.core import inputs
from flows.core.contention import transact
from flows.core.messages import N_, Msg

log = logging.getLogger(__name__)

CHANNEL = "web"
PATH = "/web/ws"
# RFC 6455 close codes: a normal close (idle), refused by policy (a wrong origin, too many tabs), try again later.
NORMAL = 1000
POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013
MAX_TABS = 5  # sockets one person may hold open at once (tabs, windows); each gets every push
# The page sends its token as soon as the socket opens. Without this deadline a script could hold sockets open
# without a word for the whole idle time, with a faked Origin, until KAARI_WEB_MAX_SOCKETS turns young people away.
HELLO_SECONDS = 10.0

IDLE = N_("web.idle_closed")
BUSY = N_("web.busy")
TOO_MANY_TABS = N_("web.too_many_tabs")


@dataclass
class _Session:
    """One open socket: whose it is, and the language its messages are shown in."""

    key: str
    language: str
    chosen: str | None  # the language the page asked for, used as the person's choice


class WebChannel:
    """The socket's handler, bound to the services it serves."""

    def __init__(self, services: Services) -> None:
        self.services = services
        # The same flood gate as Telegram's, per person: a second tab does not double anyone's allowance.
        self.flood = person_gate(services)
        self.connection_flood = connection_gate(services)
        self.connections = 0  # accepted and not yet closed, with or without a token
        # Open sockets by person (two tabs: both get a push). A web person's pushes come here, and wait (pending)
        # while they have no socket open: across a restart too, as a person's key says their channel.
        self.sockets: dict[str, list[WebSocket]] = {}
        services.push_route = self

    async def endpoint(self, websocket: WebSocket) -> None:
        """Check the page's origin, then talk until the browser goes."""
        if not allowed_origin(websocket, self.services.settings):
            log.warning("web.origin_refused")  # never the origin itself: it names the page the person was on
            await websocket.close(code=POLICY_VIOLATION)
            return
        await websocket.accept()
        if self.connections >= self.services.settings.web_max_sockets:
            log.warning("web.full open=%d", self.connections)
            await self.close(websocket, self.services.settings.default_language, BUSY, TRY_AGAIN_LATER)
            return
        self.connections += 1
        try:
            with contextlib.suppress(WebSocketDisconnect):  # the browser went mid-reply: nothing more to say
                await self.converse(websocket)
        finally:
            self.connections -= 1
            self.connection_flood.forget(_connection(websocket))

    async def converse(self, websocket: WebSocket) -> None:
        """The token first, then one input per message; every message gets an answer."""
        hello = await self.hello(websocket)
        if hello is None:
            return
        session = _Session(user_key(self.services.secret, CHANNEL, hello.token),
                           hello.language or self.services.settings.default_language, hello.language)
        if len(self.sockets.get(session.key, [])) >= MAX_TABS:
            log.info("web.too_many_tabs user=%s", session.key[:12])
            await self.close(websocket, session.language, TOO_MANY_TABS, POLICY_VIOLATION)
            return
        log.info("web.open user=%s", session.key[:12])
        self.attach(session.key, websocket)
        try:
            while (raw := await self.receive(websocket, session)) is not None:
                given = parse_input(raw)
                if not await self.connection_flood.admit(_connection(websocket), _readable(given),
                                                         self.teller(websocket, session)):
                    continue
                if isinstance(given, str):
                    log.info("web.bad_message user=%s error=%s", session.key[:12], given)
                    await self.error(websocket, session.language, given)
                    continue
                await self.handle(websocket, session, given)
        finally:
            self.detach(session.key, websocket)
        log.info("web.closed user=%s", session.key[:12])

    async def receive(self, websocket: WebSocket, session: _Session | None,
                      deadline: float | None = None) -> str | None:
        """The browser's next message; None once it went, or once it was closed for saying nothing for the idle
        time (before the token: by ``deadline``). A person whose chat is live is never closed for that: the
        server's pings keep their socket."""
        idle = self.services.settings.web_idle_minutes * 60
        if deadline is not None:
            idle = max(0.0, min(idle, deadline - asyncio.get_running_loop().time()))
        while True:
            try:
                async with asyncio.timeout(idle):  # not wait_for: see bot/ticker.py run_ticker
                    return await receive_text(websocket)
            except TimeoutError:
                if session is not None and await self.chat_is_live(session.key):
                    continue
            language = session.language if session else self.services.settings.default_language
            log.info("web.idle user=%s", session.key[:12] if session else "-")
            await self.close(websocket, language, IDLE, NORMAL)
            return None

    async def chat_is_live(self, key: str) -> bool:
        """Waiting in a shift's queue or talking with a worker (a message left for the next shift is not live)."""
        chat = await transact(self.services.store, lambda work: work.chats.active_for_user(key), what="web.chat_live")
        return chat is not None and (chat.status == "open" or not chat.left)

    async def close(self, websocket: WebSocket, language: str, reason: str, code: int) -> None:
        """Say why in the person's language (the page shows it), then close with ``code``."""
        text = self.services.catalogs.text(language, Msg(reason))
        with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):  # it may be gone already
            await websocket.send_json(closed_json(reason, text))
            await websocket.close(code)

    def teller(self, websocket: WebSocket, session: _Session | None) -> Callable[[Msg], Awaitable[None]]:
        """How a gate tells this socket's person a note, in their language."""
        async def tell(note: Msg) -> None:
            language = session.language if session else self.services.settings.default_language
            await self.send(websocket, [TextOut(self.services.catalogs.text(language, note))])
        return tell

    def attach(self, key: str, websocket: WebSocket) -> None:
        """A socket is open for ``key``: what waited for them goes out now (the ticker is woken), in order."""
        self.sockets.setdefault(key, []).append(websocket)
        self.services.wake.set()

    def detach(self, key: str, websocket: WebSocket) -> None:
        """The socket went: pushes for ``key`` wait again unless another tab is open."""
        open_now = [other for other in self.sockets.get(key, []) if other is not websocket]
        if open_now:
            self.sockets[key] = open_now
        else:
            self.sockets.pop(key, None)

    @property
    def channel(self) -> str:
        """The web chat's people are this route's (bot.routes.PushRoute)."""
        return CHANNEL

    def present(self) -> set[str]:
        """The people with a socket open now."""
        return set(self.sockets)

    async def push(self, recipient: str, outgoing: list[Outgoing]) -> bool:
        """A push's messages to every open tab of ``recipient``; False when none took them."""
        delivered = False
        for websocket in list(self.sockets.get(recipient, [])):
            try:
                await self.send(websocket, outgoing)
            except (WebSocketDisconnect, RuntimeError, OSError):  # the tab closed mid-push: the others still count
                self.detach(recipient, websocket)
                continue
            delivered = True
        log.info("web.push user=%s delivered=%s", recipient[:12], delivered)
        return delivered

    async def hello(self, websocket: WebSocket) -> Hello | None:
        """Wait for the browser's token, asking again for anything else; None when it went away."""
        language = self.services.settings.default_language
        deadline = asyncio.get_running_loop().time() + HELLO_SECONDS
        while (raw := await self.receive(websocket, None, deadline)) is not None:
            if not await self.connection_flood.admit(_connection(websocket), None, self.teller(websocket, None)):
                continue
            hello = parse_hello(raw)
            if isinstance(hello, Hello):
                return hello
            await self.error(websocket, language, hello)
        return None

    async def handle(self, websocket: WebSocket, session: _Session, given: inputs.Input) -> None:
        """One input through the engine (as Telegram's and the terminal's), its reply back on the socket."""
        services, arrived = self.services, time.perf_counter()
        if not await self.flood.admit(session.key, given, self.teller(websocket, session)):
            services.metrics.update(CHANNEL, FLOODED)
            return  # too fast: told, never silently dropped
        if isinstance(given, inputs.Start) and given.language is None and session.chosen:
            given = dataclasses.replace(given, language=session.chosen)  # the page's language: not asked again
        try:
            reply = await services.engine.handle(session.key, given, session.chosen, channel=CHANNEL, reachable=True)
            outgoing = await render(reply, services.catalogs, services.drawer)
        except Exception as error:  # nothing was committed; say so rather than leave silence
            log.error("web.error user=%s error=%s", session.key[:12], type(error).__name__, exc_info=error)
            services.metrics.update(CHANNEL, FAILED)
            await self.error(websocket, session.language, N_("error.internal"))
            return
        committed = time.perf_counter()  # (rendering included: the web's reply is sent as soon as it is drawn)
        services.metrics.reply_commit.labels(CHANNEL).observe(committed - arrived)
        services.wake.set()  # what the input queued for others (a chat message) goes out now
        session.language = reply.language
        await self.send(websocket, outgoing)
        services.metrics.reply_send.labels(CHANNEL).observe(time.perf_counter() - committed)
        services.metrics.update(CHANNEL, HANDLED)

    async def send(self, websocket: WebSocket, outgoing: list[Outgoing]) -> None:
        """Every message of a reply, in order."""
        for out in outgoing:
            await websocket.send_json(message_json(out))
            self.services.metrics.sent(CHANNEL)

    async def error(self, websocket: WebSocket, language: str, code: str) -> None:
        """A clear answer to a message that could not be taken, in the person's language."""
        await websocket.send_json(error_json(code, self.services.catalogs.text(language, Msg(code))))


def allowed_origin(websocket: WebSocket, settings: Settings) -> bool:
    """A page from an allowed origin (KAARI_WEB_ORIGINS), or Kaari's own widget frame (bot.web.widget): its origin
    is KAARI_WEB_URL's, or (without it, or behind a proxy that keeps the Host) the socket's own host. A browser
    names the page's true origin, so no other site's page passes."""
    origin = websocket.headers.get("origin", "")
    host = websocket.headers.get("host", "")
    own = origin == settings.web_url or (bool(host) and urlsplit(origin).netloc == host)
    return bool(origin) and (origin in settings.web_origins or own)
def _connection(websocket: WebSocket) -> str:
    """The connection's own flood-gate key (never a person's: it lives only as long as the socket)."""
    return f"socket:{id(websocket)}"


def _readable(given: inputs.Input | str) -> inputs.Input | None:
    """What the connection's gate sees: the input (crisis words pass), or None for a message it could not read."""
    return None if isinstance(given, str) else given


async def receive_text(websocket: WebSocket) -> str | None:
    """The next text message; a binary one is read as text that is no JSON; None once the page went."""
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        return None
    text = message.get("text")
    return text if isinstance(text, str) else ""


def chat_routes(services: Services) -> list[BaseRoute]:
    """The web chat's socket route (bot.web.app gathers all the web's routes)."""
    return [WebSocketRoute(PATH, WebChannel(services).endpoint)]
