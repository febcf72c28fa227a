"""Kaari's one HTTP server: an ASGI app (Starlette on uvicorn, as python-telegram-bot documents for custom
webhooks) that serves what is configured: the Telegram webhook (webhook mode), the web (bot.web: widget, chat
socket, desk) when KAARI_WEB_ORIGINS is set, and ``/readyz`` and ``/healthz`` always.

Telegram is answered 200 only once the update's handler has committed (a duplicate is a 200 too), 500 when
the handler failed (Telegram sends it again), 403 without the secret token, 400 for a body that is not an
update, and 413 for a body over the limit, refused before it is read.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import socket
from collections.abc import Iterator, Sequence
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from telegram.ext import Application

from bot.bootstrap import Services
from bot.health import readiness
from bot.metrics import CONTENT_TYPE, arrived
from bot.stopping import stop_task
from bot.telegram_app import FAILED, UNCONFIRMED
from bot.updates import parse_update
from bot.web.protocol import MAX_BYTES, PING_EVERY, PING_TIMEOUT

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# What every response carries unless its route set its own (the desk's and the widget's pages do): a 404 or 405
# from the router, /healthz and the webhook's answers have no page to set them, and must not be framed, sniffed
# or send a Referer either.
DEFAULT_HEADERS = (
    (b"content-security-policy", b"default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


async def _read_capped(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it grows past ``limit`` (a lying or missing Content-Length)."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _declared_too_big(request: Request, limit: int) -> bool | None:
    """True when Content-Length is over ``limit``, None when it is not a number."""
    declared = request.headers.get("content-length")
    if declared is None:
        return False
    return int(declared) > limit if declared.isascii() and declared.isdigit() else None


def telegram_routes(application: AnyApplication, secret: str, max_body: int) -> list[BaseRoute]:
    """The Telegram webhook's route, ``POST /telegram``, feeding ``application``."""
    failed: set[int] = application.bot_data.setdefault(FAILED, set())

    async def telegram(request: Request) -> Response:
        arrived()  # the reply's latency counts from here (bot.metrics)
        given = request.headers.get(SECRET_HEADER, "")
        if secret and not hmac.compare_digest(given.encode(), secret.encode()):
            return Response(status_code=403)
        too_big = _declared_too_big(request, max_body)
        if too_big is None:
            return Response(status_code=400)
        body = None if too_big else await _read_capped(request, max_body)
        if body is None:
            log.warning("webhook.too_large")
            return Response(status_code=413)
        try:
            data = json.loads(body)
            wellformed = isinstance(data, dict) and type(data.get("update_id")) is int
            update = parse_update(data, application.bot) if wellformed else None
        except (ValueError, TypeError, KeyError):
            update = None
        if update is None:
            log.warning("webhook.malformed")  # never the body: it may carry a person's words
            return Response(status_code=400)
        await application.process_update(update)
        if update.update_id in failed:
            failed.discard(update.update_id)
            application.bot_data.get(UNCONFIRMED, set()).discard(update.update_id)  # polling's; 500 says it here
            return Response(status_code=500)  # not committed: Telegram sends it again
        return Response(status_code=200)

    return [Route("/telegram", telegram, methods=["POST"])]


def health_routes(services: Services) -> list[BaseRoute]:
    """``GET /readyz`` and ``GET /healthz``: the check of `kaari health` (bot.health.readiness: the database
    answers, the migrations are applied, the ticker's heartbeat is recent), 200 or 503. /readyz names the check
    that failed; /healthz keeps the shape it was documented with. Neither says more than the check's line: no
    settings, no paths, no counts, never the database's own error."""

    async def readyz(request: Request) -> Response:
        found = await readiness(services.store, services.engine.clock(), instance=services.instance.id)
        return JSONResponse({"ready": found.ready, "failed": found.failed, "detail": found.detail},
                            status_code=200 if found.ready else 503, headers={"Cache-Control": "no-store"})

    async def healthz(request: Request) -> Response:
        found = await readiness(services.store, services.engine.clock(), instance=services.instance.id)
        return JSONResponse({"healthy": found.ready, "detail": found.detail},
                            status_code=200 if found.ready else 503, headers={"Cache-Control": "no-store"})

    return [Route("/readyz", readyz, methods=["GET"]), Route("/healthz", healthz, methods=["GET"])]


def metrics_routes(services: Services) -> list[BaseRoute]:
    """``GET /metrics`` (KAARI_METRICS): this process's metrics for Prometheus (bot.metrics), the database's gauges
    read at most every few seconds. With KAARI_METRICS_TOKEN only for ``Authorization: Bearer <token>`` (401
    otherwise); the reverse proxy does not route /metrics in any case (deploy/Caddyfile)."""
    token = services.settings.metrics_token

    async def metrics(request: Request) -> Response:
        if token:
            scheme, _, given = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
                return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
        await services.metrics.refresh(services.store, [service.id for service in services.chat.services],
                                       services.engine.clock())
        return Response(services.metrics.exposition(), media_type=CONTENT_TYPE,
                        headers={"Cache-Control": "no-store"})

    return [Route("/metrics", metrics, methods=["GET"])]


class SecurityHeaders:
    """ASGI middleware: `DEFAULT_HEADERS` on every HTTP response that has not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add what its response's start lacks (sockets pass untouched)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in DEFAULT_HEADERS if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def build_web_app(routes: Sequence[BaseRoute]) -> Starlette:
    """The ASGI app serving ``routes`` (bot.serve.web_app says which: only what is configured), every response
    with the security headers (`SecurityHeaders`)."""
    return Starlette(routes=list(routes), middleware=[Middleware(SecurityHeaders)])


class _Server(uvicorn.Server):
    """uvicorn inside `kaari run`: the bot's own SIGTERM handling stops it, not uvicorn's."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class WebServer:
    """Serves the web app on ``listen:port`` until stopped."""

    def __init__(self, app: Starlette, listen: str, port: int) -> None:
        # The web chat's sockets: websockets' implementation named (not "auto", which without it serves no
        # socket at all), frames capped at what the protocol reads, pings so that proxies keep live chats.
        config = uvicorn.Config(app, host=listen, port=port, lifespan="off", log_level="warning",
                                access_log=False, ws="websockets-sansio", ws_max_size=MAX_BYTES,
                                # uvicorn's lines go through Kaari's handlers and their scrubbing (bot.logs: its
                                # INFO line for every socket names the client's address), not its own handler.
                                log_config=None,
                                ws_ping_interval=PING_EVERY, ws_ping_timeout=PING_TIMEOUT)
        self.server = _Server(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Listen; returns once the socket is open. A port that is taken raises OSError here (uvicorn itself
        would log it and exit the whole process)."""
        config = self.server.config
        family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
        listening = socket.create_server((config.host, config.port), family=family)
        self._task = asyncio.create_task(self.server.serve(sockets=[listening]), name="kaari:web")
        while not self.server.started:
            if self._task.done():
                await self._task  # it failed to start: raise that
                raise RuntimeError("the web server ended before it started")
            await asyncio.sleep(0.01)

    async def stop(self, grace: float) -> None:
        """Stop accepting, give requests in hand ``grace`` seconds, then end."""
        if self._task is None:
            return
        self.server.should_exit = True
        done, _ = await asyncio.wait({self._task}, timeout=grace)
        if not done:
            self.server.force_exit = True
        await stop_task(self._task)  # cancelled (again until it ends) if the grace did not do
        self._task = None
