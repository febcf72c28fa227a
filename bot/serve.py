"""`kaari run`: the Telegram bot, polling by default or behind a webhook, and the web when it is configured
(KAARI_WEB_ORIGINS), served by one HTTP server, until a signal stops it."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from starlette.applications import Starlette
from telegram import Update
from telegram.ext import Application

from bot.bootstrap import Services
from bot.instance import beat, run_liveness, stop_beating
from bot.lease import POLLING, Lease
from bot.polling import Poller
from bot.ratelimit import ChatPacedRateLimiter
from bot.stopping import stop_task
from bot.telegram_app import TelegramChannel, build_application, pusher
from bot.ticker import reclaim_at_start, run_ticker, wake_for_here
from bot.web.app import web_routes
from bot.webhook import WebServer, build_web_app, health_routes, metrics_routes, telegram_routes
from flows.core import contention

log = logging.getLogger(__name__)

# Shutdown is bounded: updates in hand get this long to commit and send their replies; what is not sent by
# then stays in the outbox for the next start.
GRACE = 3.0


AnyApplication = Application[Any, Any, Any, Any, Any, Any]


def web_app(services: Services, application: AnyApplication | None = None) -> Starlette:
    """The server's ASGI app with what is configured: the Telegram webhook route in webhook mode (never in
    polling mode, where nothing should be able to post updates), the web when pages may use it
    (KAARI_WEB_ORIGINS), /metrics when it is on (KAARI_METRICS), and /readyz and /healthz. No PTB Application is
    needed without the Telegram route."""
    settings = services.settings
    routes = health_routes(services)
    if application is not None and settings.mode == "webhook":
        routes += telegram_routes(application, settings.webhook_secret, settings.webhook_max_body)
    if settings.web_origins:
        routes += web_routes(services)
    if settings.metrics:
        routes += metrics_routes(services)
    return build_web_app(routes)


def serves_http(services: Services) -> bool:
    """Whether `kaari run` listens for HTTP: for the webhook, the web, or the metrics."""
    settings = services.settings
    return settings.mode == "webhook" or bool(settings.web_origins) or settings.metrics


async def start_server(services: Services, application: AnyApplication | None = None) -> WebServer:
    """Listen on KAARI_LISTEN:KAARI_PORT; returns once the socket is open."""
    server = WebServer(web_app(services, application), services.settings.listen, services.settings.port)
    await server.start()
    log.info("web.listening")  # not the address: the settings say it
    return server


async def start_channel(services: Services, application: AnyApplication) -> None:
    """Start receiving. Pending updates are never dropped: an answer sent during a restart is an answer."""
    channel: TelegramChannel = application.bot_data["channel"]
    instance = services.instance
    log.info("instance.started id=%s", instance.id)
    # Seen by the other instances before this one claims anything (they spare a live instance's rows).
    await beat(services.store, instance, services.engine.clock())
    await reclaim_at_start(services)  # rows a crash left 'sending' go out again, first in their queues
    await services.store.listen(wake_for_here(services))  # a row another instance wrote for a socket here
    limiter = application.bot.rate_limiter
    share = limiter.share if isinstance(limiter, ChatPacedRateLimiter) else (lambda instances: None)
    application.bot_data["liveness"] = asyncio.create_task(
        run_liveness(services.store, instance, services.engine.clock, share), name="kaari:liveness")
    await application.initialize()
    await channel.set_commands(application)
    await application.start()
    settings = services.settings
    if serves_http(services):
        application.bot_data["server"] = await start_server(services, application)
    if settings.mode == "webhook":
        await application.bot.set_webhook(
            settings.webhook_url, secret_token=settings.webhook_secret or None,
            allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    else:
        poller = Poller(application, lease=Lease(services.store, POLLING, instance.id, services.engine.clock,
                                                 succeeds=instance.succeeds))
        await poller.start()
        application.bot_data["poller"] = poller
    push, link = pusher(application)
    application.bot_data["ticker"] = asyncio.create_task(run_ticker(services, push, link))
    log.info("telegram.started mode=%s", settings.mode)


async def stop_ticker(ticker: asyncio.Task[None] | None) -> None:
    """Cancel the ticker and AWAIT it: a database call finishing after the store closed (or the loop ended)
    is an error. A send in flight is cancelled; its row stays 'sending' and is reclaimed at the next start."""
    await stop_task(ticker)


async def stop_channel(application: AnyApplication) -> None:
    """Stop receiving, finish what is in hand within a bounded time, and shut down."""
    poller: Poller | None = application.bot_data.pop("poller", None)
    if poller is not None:
        await poller.stop(GRACE)
    server: WebServer | None = application.bot_data.pop("server", None)
    if server is not None:
        await server.stop(GRACE)
    await stop_ticker(application.bot_data.pop("ticker", None))
    liveness: asyncio.Task[None] | None = application.bot_data.pop("liveness", None)
    if liveness is not None:
        await stop_ticker(liveness)
        channel: TelegramChannel = application.bot_data["channel"]
        await stop_beating(channel.services.store, channel.services.instance)
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await application.shutdown()


async def serve(services: Services) -> None:
    """Run until SIGINT or SIGTERM."""
    application = build_application(services)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    contention.WATCHERS.append(services.metrics.contended)
    try:
        await start_channel(services, application)
        await stopping.wait()
    finally:
        log.info("telegram.stopping")
        await stop_channel(application)
        await services.close()
        contention.WATCHERS.remove(services.metrics.contended)
