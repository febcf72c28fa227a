"""Wire once: settings -> store -> flows -> engine -> catalogs -> drawer. Tests call it with fakes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.commands import HELP_TEXTS
from bot.drawing import Drawer, ProcessDrawer
from bot.i18n import Catalogs
from bot.instance import Instance
from bot.metrics import Metrics
from bot.routes import DeskRoute, PushRoute
from bot.sealing import Sealer
from bot.settings import Settings, resolve_data_key, resolve_secret
from flows.chat import chat, chat_stats, desk, desk_link, hours, rota
from flows.chat import hooks as chat_hooks
from flows.chat.quick_replies import load_quick_replies
from flows.chat.schedule import load_services
from flows.chat.setup import ChatSetup
from flows.core import menu
from flows.core.crisis import Crisis, load_crisis
from flows.core.engine import Engine
from flows.core.hooks import Hooks
from flows.core.messages import N_
from flows.core.quiet import parse_quiet_hours
from flows.core.spec import FlowSpec
from flows.esy import (
    comparison,
    effect_report,
    esy,
    goal_review,
    goals,
    group_hooks,
    groups,
    my_groups,
    places,
    reading,
)
from flows.esy import goal_hooks as esy_goal_hooks
from flows.esy import hooks as esy_hooks
from flows.esy.effect_records import EffectLabels, HelperServices, group_names
from flows.esy.followup import Reassessment
from flows.esy.goal_services import linked_services
from flows.esy.instrument import Instrument, load_instrument
from flows.esy.progress_goals import goal_notes
from flows.esy.services import RegionServices
from flows.esy.services import load_services as load_region_services
from flows.identity import audit_log, clients, consent, invitation, privacy, relay, staff, workers
from flows.identity.consent_texts import ConsentItem, has_item, load_consent_texts, title_of
from flows.meetings import feedback, meeting, preparation, promises
from flows.meetings import hooks as meetings_hooks
from flows.meetings.reminders import parse_offsets
from storage.open import open_store
from storage.ports import Store

# Libraries whose debug logs carry what people wrote (SQL parameters, Bot API payloads) or the bot token.
CHATTY_LOGGERS = ("telegram", "httpx", "httpcore", "aiosqlite", "uvicorn", "websockets")


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
    sealer: Sealer
    chat: ChatSetup
    hooks: Hooks
    # Set after each handled update: the ticker sends what it queued (a chat message) without waiting.
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    # The channel that delivers its people's pushes itself (the web chat, when it is served).
    push_route: PushRoute | None = None
    # The desk in the browser, when it is served: a worker's chat notices go there while it is open.
    desk_route: DeskRoute | None = None
    # This process's Prometheus metrics (counted always, served at /metrics with KAARI_METRICS).
    metrics: Metrics = field(default_factory=Metrics)
    # This process among several sharing the database (bot.instance): it owns the rows it sends.
    instance: Instance = field(default_factory=Instance.start)

    async def close(self) -> None:
        """Release the drawing processes and the database."""
        await self.drawer.close()
        await self.store.close()


# Commands that open a flow from anywhere; the flow in hand resumes afterwards.
COMMAND_FLOWS = {
    "code": invitation.NAME, "consent": consent.NAME, "mydata": privacy.MYDATA, "forget": privacy.FORGET,
    # Shortcuts to menu entries, for those who type (not in the command menu; refused to those not allowed).
    "circle": esy.NAME, "write": relay.NAME, "clients": clients.NAME, "newclient": staff.NEW_CLIENT,
    "newworker": staff.NEW_WORKER, "audit": audit_log.NAME, "workers": workers.NAME, "hours": hours.NAME,
    "chat": chat.NAME, "desk": desk.NAME, "rota": rota.NAME, "stats": chat_stats.NAME,
    "prepare": preparation.NAME, "promises": promises.NAME, "feedback": feedback.NAME, "places": places.NAME,
    "goals": goals.NAME,
    "groups": groups.NAME, "mygroups": my_groups.NAME,
    "effect": effect_report.NAME, "web": desk_link.NAME,
}


def effect_labels(region: RegionServices) -> EffectLabels:
    """Where the effect report and its kept records find a person's services (those chosen as a goal's helper,
    and those a worker linked to a goal) and groups (those they are a member of)."""
    return EffectLabels((HelperServices(region), linked_services, group_names))


def chat_setup(settings: Settings) -> ChatSetup:
    """The organisation's chat: its services and quick replies (validated), and how workers are shown."""
    return ChatSetup(load_services(settings.chat_services), settings.chat_show_names,
                     load_quick_replies(settings.quick_replies))


def house_hooks(instrument: Instrument, secret: str, settings: Settings, setup: ChatSetup) -> Hooks:
    """One organisation's cross-room duties, each capability registering its part (order: as the effects run)."""
    hooks = Hooks()
    region = load_region_services(instrument, settings.esy_services)
    esy_hooks.register(hooks, instrument, effect_labels(region))
    esy_goal_hooks.register(hooks, instrument, settings.goal_nudge_days, region)
    group_hooks.register(hooks, secret)
    meetings_hooks.register(hooks, secret, parse_offsets(settings.reminders_before),
                            parse_quiet_hours(settings.quiet_hours))
    chat_hooks.register(hooks, setup, secret)
    return hooks


def _capability_flows(
    instrument: Instrument, secret: str = "local", settings: Settings | None = None,
    consent_items: tuple[ConsentItem, ...] | None = None, setup: ChatSetup | None = None,
    crisis: Crisis | None = None, hooks: Hooks | None = None,
) -> dict[str, list[FlowSpec]]:
    """Every capability's flows, by room: the package under flows/ whose module builds them."""
    settings = settings or Settings()
    consent_items = consent_items or load_consent_texts(settings.consent_texts)
    setup = setup or chat_setup(settings)
    crisis = crisis or load_crisis(settings.crisis)
    hooks = hooks or house_hooks(instrument, secret, settings, setup)
    reminders_before, quiet_hours = parse_offsets(settings.reminders_before), parse_quiet_hours(settings.quiet_hours)
    invitations_last = timedelta(days=settings.invitation_days)
    storage = title_of(consent_items, "storage")  # named where something is missing for want of it
    region = load_region_services(instrument, settings.esy_services)
    return {
        "esy": [
            esy.esy_flow(instrument, settings.anonymous_retention_days,
                         Reassessment(settings.reassess_days, quiet_hours), region, goal_notes),
            places.places_flow(instrument, region),
            goals.goals_flow(instrument, region),
            goal_review.review_flow(instrument, region),
            groups.groups_flow(secret, instrument, quiet_hours),
            my_groups.my_groups_flow(),
            reading.reading_flow(instrument, storage, settings.esy_difference),
            comparison.comparison_flow(instrument, settings.esy_difference),
            effect_report.effect_flow(instrument, effect_labels(region), has_item(consent_items, "effect"), region),
        ],
        "identity": [
            invitation.invitation_flow(secret, consent_items, settings.client_retention_days, hooks,
                                       settings.code_guess_limit, timedelta(minutes=settings.code_guess_minutes)),
            staff.new_client_flow(secret, invitations_last),
            staff.new_worker_flow(secret, invitations_last),
            consent.consent_flow(consent_items, settings.client_retention_days, hooks),
            privacy.mydata_flow(consent_items, hooks),
            privacy.forget_flow(hooks),
            clients.clients_flow(secret, invitations_last, consent_items, hooks),
            relay.relay_flow(),
            audit_log.audit_flow(consent_items),
            workers.workers_flow(secret, invitations_last, hooks),
        ],
        "chat": [
            hours.hours_flow(setup),
            chat.chat_flow(setup, crisis, secret),
            desk.desk_flow(setup),
            rota.rota_flow(setup),
            chat_stats.stats_flow(setup),
            desk_link.desk_link_flow(settings.web_url, settings.desk_link_minutes),
        ],
        "meetings": [
            preparation.preparation_flow(storage, hooks.client_goals),
            meeting.meeting_flow(reminders_before, quiet_hours, secret, storage, hooks.client_goals),
            promises.promises_flow(storage, hooks.client_goals),
            feedback.feedback_flow(),
        ],
    }


def flows_by_room(
    instrument: Instrument, secret: str = "local", settings: Settings | None = None,
    consent_items: tuple[ConsentItem, ...] | None = None, setup: ChatSetup | None = None,
    crisis: Crisis | None = None, hooks: Hooks | None = None,
) -> dict[str, dict[str, FlowSpec]]:
    """Every flow Kaari runs, by room and name: core's main menu, then each capability's flows."""
    rooms = _capability_flows(instrument, secret, settings, consent_items, setup, crisis, hooks)
    by_name = {flow.name: flow for flows in rooms.values() for flow in flows}
    entries = [
        (esy.NAME, N_("menu.esy")), (goals.NAME, N_("menu.goals")), (chat.NAME, N_("menu.chat")),
        (desk.NAME, N_("menu.desk")),
        (preparation.NAME, N_("menu.prepare")), (promises.NAME, N_("menu.promises")),
        (relay.NAME, N_("menu.message_workers")),
        (clients.NAME, N_("menu.clients")), (groups.NAME, N_("menu.groups")),
        (staff.NEW_CLIENT, N_("menu.new_client")), (staff.NEW_WORKER, N_("menu.new_worker")),
        (workers.NAME, N_("menu.workers")), (rota.NAME, N_("menu.rota")), (chat_stats.NAME, N_("menu.stats")),
        (effect_report.NAME, N_("menu.effect")), (audit_log.NAME, N_("menu.audit")), (invitation.NAME, N_("menu.code")),
    ]
    # In the menu, a flow shows to those it is offered to (as in /help): by default those who may open it.
    main = menu.menu_flow([(name, label, by_name[name].offered or by_name[name].allowed) for name, label in entries])
    return {"core": {main.name: main}, **{room: {flow.name: flow for flow in flows} for room, flows in rooms.items()}}


def all_flows(
    instrument: Instrument, secret: str = "local", settings: Settings | None = None,
    consent_items: tuple[ConsentItem, ...] | None = None, setup: ChatSetup | None = None,
    crisis: Crisis | None = None, hooks: Hooks | None = None,
) -> dict[str, FlowSpec]:
    """Every flow Kaari runs, by name; the main menu lists the ones this person may open."""
    rooms = flows_by_room(instrument, secret, settings, consent_items, setup, crisis, hooks)
    return {name: flow for flows in rooms.values() for name, flow in flows.items()}


async def warn_of_unknown_regions(store: Store, setup: ChatSetup) -> None:
    """A chat service of a region not added yet has no staff to answer it, and with several regions a young
    person picks one by its name: say so at start-up (not an error, so the operator can still run
    `kaari admin add-region` with the services file in place)."""
    async with store.transaction() as work:
        known = {row.code: row for row in await work.regions.all()}
    for region in setup.regions():
        row = known.get(region)
        if row is None:
            logging.getLogger(__name__).warning(
                "chat.services region=%s is not added: add it with `kaari admin add-region %s`", region, region)
        elif len(setup.regions()) > 1 and not (row.name_fi and row.name_sv and row.name_en):
            logging.getLogger(__name__).warning(
                "chat.services region=%s has no name for young people to pick it by: give it one with "
                "`kaari admin add-region %s --name-fi … --name-sv … --name-en …`", region, region)


async def bootstrap(
    settings: Settings, *, store: Store | None = None, drawer: Drawer | None = None,
    clock: Callable[[], datetime] = utc_now, catalogs: Catalogs | None = None, warn_regions: bool = True,
    draws: bool = True,
) -> Services:
    """Build every service from ``settings``; storage migrations are applied here, at start-up. ``warn_regions``
    False: `kaari admin add-region` warns after adding, not of the very region it is about to add. ``draws``
    False: a set-up task (`kaari admin`) starts no drawing worker unless it draws after all."""
    quiet_chatty_loggers()
    secret = resolve_secret(settings)
    instrument = load_instrument(settings.esy_instrument)
    consent_items = load_consent_texts(settings.consent_texts)
    setup, crisis = chat_setup(settings), load_crisis(settings.crisis)
    hooks = house_hooks(instrument, secret, settings, setup)
    flows = all_flows(instrument, secret, settings, consent_items, setup, crisis, hooks)  # files are validated first
    sealer = Sealer(resolve_data_key(settings))
    store = store or open_store(settings.database_url or settings.db_path, pool=settings.database_pool)
    await store.migrate()
    if warn_regions:
        await warn_of_unknown_regions(store, setup)
    instance = Instance.start(settings.instance_name)
    engine = Engine(store, flows, clock, default_language=settings.default_language, commands=COMMAND_FLOWS,
                    deep_link=invitation.NAME, gates=[consent.consent_gate(consent_items)],
                    crisis=crisis, same_contact=sealer.same, command_help=HELP_TEXTS, claimant=instance.id)
    return Services(
        settings=settings, store=store, engine=engine, catalogs=catalogs or Catalogs(),
        drawer=drawer or ProcessDrawer(settings.draw_workers, warm=draws), secret=secret,
        instrument=instrument, sealer=sealer, chat=setup, hooks=hooks, instance=instance,
    )
