"""Wire once: settings -> store -> flows -> engine -> catalogs -> drawer. Tests call it with fakes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.drawing import Drawer, ProcessDrawer
from bot.i18n import Catalogs
from bot.settings import Settings, resolve_secret
from flows import esy, menu
from flows.engine import Engine
from flows.instrument import Instrument, load_instrument
from flows.messages import N_
from flows.spec import FlowSpec
from storage.ports import Store
from storage.sqlite import SqliteStore

# Libraries whose debug logs carry what people wrote (SQL parameters, Bot API payloads) or the bot token.
CHATTY_LOGGERS = ("telegram", "httpx", "httpcore", "aiosqlite")


def quiet_chatty_loggers() -> None:
    """Logs carry ids and events, never message text: keep these libraries at WARNING whatever the root."""
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def utc_now() -> datetime:
    """The real clock, timezone-aware UTC."""
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    store: Store
    engine: Engine
    catalogs: Catalogs
    drawer: Drawer
    secret: str
    instrument: Instrument

    async def close(self) -> None:
        """Release the drawing processes and the database."""
        await self.drawer.close()
        await self.store.close()


def all_flows(instrument: Instrument) -> dict[str, FlowSpec]:
    """Every flow Kaari runs, by name; the main menu lists the ones a person can open."""
    return {
        menu.NAME: menu.menu_flow([(esy.NAME, N_("menu.esy"))]),
        esy.NAME: esy.esy_flow(instrument),
    }


async def bootstrap(
    settings: Settings, *, store: Store | None = None, drawer: Drawer | None = None,
    clock: Callable[[], datetime] = utc_now, catalogs: Catalogs | None = None,
) -> Services:
    """Build every service from ``settings``; storage migrations are applied here, at start-up."""
    quiet_chatty_loggers()
    instrument = load_instrument(settings.esy_instrument)
    store = store or SqliteStore(settings.db_path)
    await store.migrate()
    engine = Engine(store, all_flows(instrument), clock, default_language=settings.default_language)
    return Services(
        settings=settings, store=store, engine=engine, catalogs=catalogs or Catalogs(),
        drawer=drawer or ProcessDrawer(settings.draw_workers), secret=resolve_secret(settings),
        instrument=instrument,
    )
