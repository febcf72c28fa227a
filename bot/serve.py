"""`kaari run`: the Telegram bot, polling by default or behind a webhook, until a signal stops it."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.bootstrap import Services
from bot.telegram_app import TelegramChannel, build_application, pusher
from bot.ticker import reclaim_at_start, run_ticker

log = logging.getLogger(__name__)


async def start_channel(services: Services, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Start receiving. Pending updates are never dropped: an answer sent during a restart is an answer."""
    channel: TelegramChannel = application.bot_data["channel"]
    await reclaim_at_start(services)  # rows a crash left 'sending' go out again, first in their queues
    await application.initialize()
    await channel.set_commands(application)
    await application.start()
    settings = services.settings
    assert application.updater is not None
    if settings.mode == "webhook":
        await application.updater.start_webhook(
            listen=settings.webhook_listen, port=settings.webhook_port, url_path="telegram",
            webhook_url=settings.webhook_url, secret_token=settings.webhook_secret or None,
            allowed_updates=Update.ALL_TYPES, drop_pending_updates=False,
        )
    else:
        await application.updater.start_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    push, link = pusher(application)
    application.bot_data["ticker"] = asyncio.create_task(run_ticker(services, push, link))
    log.info("telegram.started mode=%s", settings.mode)


async def stop_channel(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Stop receiving, finish what is in hand, and shut down."""
    ticker = application.bot_data.pop("ticker", None)
    if ticker is not None:
        ticker.cancel()
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
    try:
        await start_channel(services, application)
        await stopping.wait()
    finally:
        log.info("telegram.stopping")
        await stop_channel(application)
        await services.close()
