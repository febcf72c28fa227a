"""The desk in the browser, live: the worker's WebSocket ``/desk/ws`` behind the ``/desk`` page.

The same chats as the Telegram desk, read from the same rows: one queue for young people from the web and from
Telegram, and what a worker does here goes through the same channel-free rules (flows.chat.desk_actions,
flows.chat.shifts), each action in one transaction that reads the chat afresh, so a chat taken or closed a
moment ago (on either desk) gets a clear answer instead of a second worker.

Live: each open tab is sent the desk's state (the queue, the worker's chats with their transcripts, their duty)
whenever it changes. A tab is brought up to date at once when the ticker has a chat notice for its worker (a young
person wrote, a new chat waits: `notify`, the ticker's `Services.desk_route`) or when any browser desk acted, and
reads the store again every `POLL_SECONDS` anyway, which catches what the Telegram desk did.

Telegram while the desk is open: the worker's chat notices (young people's messages, new chats in the queue, a
chat handed to them) come here instead of Telegram, so each reaches them once; pictures and stickers passed on
still go to Telegram (a browser cannot show a Telegram file) and the transcript says one came. With the desk
closed, everything goes to Telegram as before.

Refused with close code 1008: a page from another origin, a first message without the session's CSRF token, a
session that is not a valid worker's (the denial is in the audit log, as on the Telegram desk). The session is
checked again before every state sent and every action, so logging out in another tab or losing the worker's
rights ends the live desk at once. The session's idle timeout counts the worker's own doings: actions, and the
page's "present" (sent on the worker's input at the visible page, at most once a minute), so a worker watching a
quiet queue stays logged in, while a tab left unattended (nobody touching it) for KAARI_DESK_IDLE_MINUTES stops
being live, and the session expires with it (the desk's own reads never move its last use). Nothing from
the connection is logged but the staff id and event names.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from starlette.requests import HTTPConnection
from starlette.routing import BaseRoute, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from bot.bootstrap import Services
from bot.stopping import stop_task
from bot.web.desk_auth import desk_staff
from bot.web.desk_protocol import Action, parse_action, parse_csrf
from bot.web.messages import error_json
from bot.web.socket import receive_text
from flows.chat import desk_actions, shifts
from flows.chat.desk import off_duty
from flows.chat.setup import ChatSetup
from flows.core.contention import transact
from flows.core.messages import N_, Lines, Msg, Period, TimeOfDay
from flows.identity.regions import region_of
from flows.identity.staff import add_client, invitation_notice, new_invitation, pair_candidates
from storage.ports import AuditRow, ChatMessageRow, ChatRow, StaffRow, UnitOfWork, UserRow

log = logging.getLogger(__name__)

PATH = "/desk/ws"
POLICY_VIOLATION = 1008  # RFC 6455: refused by policy (origin, CSRF, session)
POLL_SECONDS = 2.0  # how often an open tab reads the store (what the Telegram desk did shows within this)
HELLO_SECONDS = 10.0  # the page sends its CSRF token at once; a socket that does not is closed
TRANSCRIPT = 200  # a chat's latest messages shown beside it

class Authenticate(Protocol):
    """The session's staff id (its CSRF token and origin checked when given; its last use moved to now unless
    ``touch`` is False), else None: bot.web.desk_auth.desk_staff."""

    def __call__(self, services: Services, conn: HTTPConnection, csrf: str | None,
                 touch: bool = True) -> Awaitable[int | None]: ...

# What the page says itself, sent in the worker's language when it connects (no words in the JavaScript).
TEXTS = {
    "queue": N_("deskweb.queue"), "queue_empty": N_("deskweb.queue_empty"), "take_this": N_("deskweb.take_this"),
    "chats": N_("deskweb.chats"), "no_chats": N_("deskweb.no_chats"), "message": N_("deskweb.message"),
    "send": N_("deskweb.send"), "send_hint": N_("deskweb.send_hint"), "quick": N_("deskweb.quick"),
    "quick_send": N_("deskweb.quick_send"), "transfer_to": N_("deskweb.transfer_to"),
    "transfer": N_("desk.transfer"), "next_shift": N_("desk.next_shift"), "close": N_("desk.close"),
    "close_yes": N_("desk.close_yes"), "close_no": N_("desk.close_no"), "off_yes": N_("desk.off_yes"),
    "off_no": N_("desk.off_no"), "from_young": N_("deskweb.from_young"), "from_worker": N_("deskweb.from_worker"),
    "crisis": N_("deskweb.crisis"), "connecting": N_("deskweb.connecting"), "lost": N_("deskweb.lost"),
    "ended": N_("deskweb.session_ended"), "transcript": N_("deskweb.transcript"),
    "offer": N_("desk.offer"), "nickname": N_("staff.ask_nickname"), "pair": N_("deskweb.pair"),
    "no_pair": N_("staff.no_pair"), "invite": N_("deskweb.invite"),
}
# Notices the desk does not repeat: the young person's words are in the chat's transcript already.
IN_TRANSCRIPT = frozenset({"chat.to_worker"})
NOT_WAITING = N_("deskweb.not_waiting")
TRANSFER_GONE = N_("deskweb.transfer_gone")
NOT_ENDED = N_("deskweb.shift_not_over")
UNKNOWN_REPLY = N_("deskweb.unknown_reply")
ENDED = N_("deskweb.session_ended")


@dataclass(frozen=True)
class Answer:
    """What the desk tells the worker after an action: a notice, an error id's text, or a question to confirm."""

    message: Msg
    kind: str = "notice"  # "notice", "error", "confirm" or "invitation" (shown beside its chat)
    action: str = ""  # for "confirm": the action to send again with "confirm": true
    chat: int | None = None  # for "invitation": the chat it is to be given in


@dataclass(eq=False)
class Tab:
    """One open desk page: whose it is, its language, and what it was last shown."""

    websocket: WebSocket
    staff_id: int
    key: str  # the worker's own key: their pushes are addressed to it
    language: str
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    sending: asyncio.Lock = field(default_factory=asyncio.Lock)
    notices: list[Msg] = field(default_factory=list)
    shown: str = ""
    acted: float = field(default_factory=time.monotonic)
    pairs: list[dict[str, Any]] = field(default_factory=list)  # who can be a new client's pair worker


def is_worker(staff: StaffRow | None) -> bool:
    """Only active workers use the desk (the Telegram desk's rule)."""
    return staff is not None and staff.active and staff.is_worker


class DeskLive:
    """The desk's socket, bound to the services, the session check and the origins a desk page comes from."""

    def __init__(self, services: Services, authenticate: Authenticate, origins: Collection[str],
                 poll: float, idle: float) -> None:
        self.services, self.authenticate, self.origins = services, authenticate, frozenset(origins)
        self.poll, self.idle = poll, idle
        self.tabs: dict[str, list[Tab]] = {}  # by the worker's key
        services.desk_route = self

    # --- the ticker's route (bot.routes.DeskRoute) ---

    def present(self) -> Collection[str]:
        """The workers with a desk tab open."""
        return set(self.tabs)

    async def notify(self, recipient: str, notice: Msg | None) -> bool:
        """A chat notice for the worker: every open tab shows it and reads the desk again."""
        tabs = self.tabs.get(recipient, [])
        for tab in tabs:
            if notice is not None and notice.key not in IN_TRANSCRIPT:
                tab.notices.append(notice)
            tab.wake.set()
        return bool(tabs)

    def wake_all(self) -> None:
        """Something changed that other workers' desks show (the queue, a chat handed over)."""
        for tabs in self.tabs.values():
            for tab in tabs:
                tab.wake.set()

    # --- the connection ---

    async def endpoint(self, websocket: WebSocket) -> None:
        """Check the page's origin, then its session and CSRF token, then keep the desk live until it goes."""
        if websocket.headers.get("origin") not in self.origins:
            log.warning("desk.origin_refused")  # never the origin itself
            await websocket.close(code=POLICY_VIOLATION)
            return
        await websocket.accept()
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):  # the page went (mid-send, mid-close)
            tab = await self.open(websocket)
            if tab is None:
                await websocket.close(code=POLICY_VIOLATION)
                return
            self.tabs.setdefault(tab.key, []).append(tab)
            log.info("desk.open staff=%s", tab.staff_id)
            try:
                await self.talk(tab)
            finally:
                self.detach(tab)
                log.info("desk.closed staff=%s", tab.staff_id)

    def detach(self, tab: Tab) -> None:
        """The tab went: the worker's notices go to Telegram again unless another tab is open."""
        left = [other for other in self.tabs.get(tab.key, []) if other is not tab]
        if left:
            self.tabs[tab.key] = left
        else:
            self.tabs.pop(tab.key, None)

    async def open(self, websocket: WebSocket) -> Tab | None:
        """The first message's CSRF token and the session cookie: the worker's tab, greeted, or None."""
        try:
            async with asyncio.timeout(HELLO_SECONDS):  # not wait_for: see bot/ticker.py run_ticker
                raw = await receive_text(websocket)
        except TimeoutError:
            raw = None
        csrf = parse_csrf(raw) if raw is not None else None
        staff_id = await self.authenticate(self.services, websocket, csrf) if csrf else None
        if staff_id is None:
            log.warning("desk.refused reason=session")
            return None

        async def look(work: UnitOfWork) -> tuple[StaffRow, UserRow | None, list[dict[str, Any]]] | None:
            staff = await work.staff.get(staff_id)
            if not is_worker(staff):
                await work.audit.add(AuditRow(self.services.engine.clock(), f"staff:{staff_id}", "denied.desk", "",
                                              region=region_of(staff)))
                return None
            assert staff is not None
            user = await work.users.get(staff.user_key) if staff.user_key else None
            return staff, user, [{"id": other.id, "name": other.name} for other in await pair_candidates(work, staff)]

        looked = await transact(self.services.store, look, what="desk.open")
        if looked is None:
            log.warning("desk.refused reason=role staff=%s", staff_id)
            return None
        staff, user, pairs = looked
        language = user.language if user else self.services.settings.default_language
        tab = Tab(websocket, staff_id, staff.user_key or f"staff:{staff_id}", language, pairs=pairs)
        await websocket.send_json(self.hello(tab))
        return tab

    def hello(self, tab: Tab) -> dict[str, Any]:
        """The page's own words and the quick replies, in the worker's language."""
        text = self.services.catalogs.text
        return {"type": "hello", "language": tab.language,
                "texts": {name: text(tab.language, Msg(key)) for name, key in TEXTS.items()},
                "quick": [{"id": reply.id, "title": text(tab.language, reply.title)}
                          for reply in self.services.chat.replies], "pairs": tab.pairs}

    async def talk(self, tab: Tab) -> None:
        """Actions from the page, and the desk kept live beside them, until the page goes or the session ends."""
        live = asyncio.create_task(self.live(tab))
        try:
            while (raw := await receive_text(tab.websocket)) is not None:
                if not await self.act(tab, raw):
                    break
        finally:
            await stop_task(live)  # what it raised as the page went (a closed socket) is dropped

    async def live(self, tab: Tab) -> None:
        """Send the desk whenever it changed: woken by a notice or another desk, or after `poll` seconds."""
        while time.monotonic() - tab.acted < self.idle:
            tab.wake.clear()
            if not await self.show(tab):
                return
            # Not wait_for (see bot/ticker.py run_ticker): talk() cancels this task, and awaits it, when the page goes.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll):
                    await tab.wake.wait()
        await self.end(tab)

    async def end(self, tab: Tab) -> None:
        """The session ended (idle, logged out, rights removed): the page is told and the socket closed."""
        log.info("desk.ended staff=%s", tab.staff_id)
        async with tab.sending:
            await tab.websocket.send_json(error_json(ENDED, self.services.catalogs.text(tab.language, Msg(ENDED))))
            await tab.websocket.close(code=POLICY_VIOLATION)

    # --- what the page is shown ---

    async def show(self, tab: Tab) -> bool:
        """Waiting notices, then the desk's state if it changed; False when the worker may no longer use it
        (logged out in another tab, the session expired, their access removed)."""
        # Only a check: the desk reading itself is no doing of the worker's, so an unattended tab lets the session
        # expire with it (else a reload would open the desk the page had said was ended).
        if await self.authenticate(self.services, tab.websocket, None, touch=False) != tab.staff_id:
            await self.end(tab)
            return False

        async def read(work: UnitOfWork) -> dict[str, Any] | None:
            staff = await work.staff.get(tab.staff_id)
            return await desk_state(work, self.services, staff, tab.language) if is_worker(staff) else None

        state = await transact(self.services.store, read, what="desk.show")
        if state is None:
            await self.end(tab)
            return False
        notices, tab.notices = tab.notices, []
        shown = json.dumps(state, sort_keys=True)
        async with tab.sending:
            for notice in notices:
                await tab.websocket.send_json(self.answer_json(tab, Answer(notice)))
            if shown != tab.shown:
                tab.shown = shown
                await tab.websocket.send_json(state)
        return True

    def answer_json(self, tab: Tab, answer: Answer) -> dict[str, Any]:
        """An action's answer as the page gets it."""
        text = self.services.catalogs.text(tab.language, answer.message)
        if answer.kind == "error":
            return error_json(answer.message.key, text)
        if answer.kind == "confirm":
            return {"type": "confirm", "action": answer.action, "text": text}
        if answer.kind == "invitation":
            return {"type": "invitation", "chat": answer.chat, "text": text}
        return {"type": "notice", "text": text}

    # --- actions ---

    async def act(self, tab: Tab, raw: str) -> bool:
        """One action in one transaction; the worker is told how it went, every desk is brought up to date.
        False when the session is no longer valid (the socket is closed)."""
        action = parse_action(raw)
        if isinstance(action, str):
            log.info("desk.bad_message staff=%s error=%s", tab.staff_id, action)
            await self.tell(tab, Answer(Msg(action), "error"))
            return True
        if await self.authenticate(self.services, tab.websocket, None) != tab.staff_id:
            await self.end(tab)
            return False
        tab.acted = time.monotonic()
        if action.name == "present":  # the worker is at the page: the desk stays live, nothing else happens
            return True

        async def do(work: UnitOfWork) -> tuple[StaffRow | None, Answer | None]:
            staff = await work.staff.get(tab.staff_id)
            return staff, await perform(work, self.services, staff, action) if is_worker(staff) else None

        try:  # the action only reads and writes the store: lost to another instance, it is done again
            staff, answer = await transact(self.services.store, do, what="desk.action")
        except Exception as error:  # nothing was committed; say so rather than leave silence
            log.error("desk.error staff=%s error=%s", tab.staff_id, type(error).__name__, exc_info=error)
            await self.tell(tab, Answer(Msg(N_("error.internal")), "error"))
            return True
        if answer is None and not is_worker(staff):
            await self.end(tab)
            return False
        log.info("desk.action staff=%s action=%s", tab.staff_id, action.name)
        self.services.wake.set()  # what the action queued (to the young person) goes out now
        self.wake_all()
        if answer is not None:
            await self.tell(tab, answer)
        return True

    async def tell(self, tab: Tab, answer: Answer) -> None:
        """An action's answer to the tab that acted."""
        async with tab.sending:
            await tab.websocket.send_json(self.answer_json(tab, answer))


# --- the actions, over the store (one transaction each) ---


def region_chat(services: Services, staff: StaffRow) -> ChatSetup:
    """The chat setup of the worker's region (#14): the services whose shifts, queue and chats their desk shows."""
    return services.chat.for_region(staff.region)


async def perform(work: UnitOfWork, services: Services, staff: StaffRow | None, action: Action) -> Answer | None:
    """Do what the worker asked, by the desk's rules; the answer to show them (None: the desk shows it)."""
    assert staff is not None and staff.id is not None
    now, setup = services.engine.clock(), region_chat(services, staff)
    if action.name == "take":
        return await _take(work, services, staff, action.chat, now)
    if action.name == "on":
        service = setup.get(action.value)
        if service is None:
            return Answer(Msg(N_("web.bad_message")), "error")
        shift = await desk_actions.go_on(work, setup, service.id, staff.id, now)
        if shift is None:
            return Answer(Msg(N_("desk.closed_now"), {"service": service.name}), "error")
        return Answer(Msg(N_("desk.now_on"), {"service": service.name,
                                              "until": Period(shift.starts_at, shift.ends_at)}))
    if action.name == "off":
        return await _off(work, services, staff, action.confirm, now)
    chat = await desk_actions.mine(work, staff.id, action.chat or 0)
    if chat is None:  # closed, handed over or put back meanwhile (here or on the Telegram desk)
        return Answer(Msg(N_("desk.chat_gone"), {"chat": Msg(N_("chat.label"), {"number": action.chat or 0})}),
                      "error")
    return await _in_chat(work, services, staff, chat, action, now)


async def _take(work: UnitOfWork, services: Services, staff: StaffRow, chat_id: int | None,
                now: datetime) -> Answer | None:
    """Take the next one waiting, or the one chosen: a chat someone else took first gets a clear answer."""
    if chat_id is None:
        chat = await desk_actions.take_next(work, region_chat(services, staff), staff, now)
        return Answer(Msg(N_("desk.queue_empty")), "error") if chat is None else None
    chat = await desk_actions.take_chosen(work, region_chat(services, staff), staff, chat_id, now)
    if chat is None:
        return Answer(Msg(NOT_WAITING, {"chat": Msg(N_("chat.label"), {"number": chat_id})}), "error")
    return None


async def _off(work: UnitOfWork, services: Services, staff: StaffRow, confirmed: bool,
               now: datetime) -> Answer:
    """Off duty everywhere, after the same warning as on Telegram when people would be left waiting alone."""
    assert staff.id is not None
    if await work.chats.open_for_staff(staff.id):
        return Answer(Msg(N_("desk.close_first")), "error")
    alone = (await desk_actions.duty_of(work, region_chat(services, staff), staff.id, now)).alone
    if alone and not confirmed:
        return Answer(Msg(N_("desk.confirm_off"), {"waiting": alone}), "confirm", "off")
    await desk_actions.go_off(work, region_chat(services, staff), staff.id, now)
    return Answer(Msg(N_("desk.now_off")))


async def _in_chat(work: UnitOfWork, services: Services, staff: StaffRow, chat: ChatRow, action: Action,
                   now: datetime) -> Answer | None:
    """An action on one of the worker's open chats."""
    setup, label = region_chat(services, staff), shifts.chat_label(chat)
    if action.name == "say":
        await shifts.worker_says(work, staff, chat, now, "text", action.text, setup.show_names)
        return None
    if action.name == "quick":
        reply = next((reply for reply in setup.replies if reply.id == action.value), None)
        if reply is None:
            return Answer(Msg(UNKNOWN_REPLY), "error")
        await shifts.worker_says(work, staff, chat, now, "text", reply.text, setup.show_names)
        return Answer(Msg(N_("desk.quick_sent"), {"title": reply.title}))
    if action.name == "transfer":
        taker = next((other for other in await desk_actions.transfer_targets(work, setup, chat, staff.id or 0, now)
                      if str(other.id) == action.value), None)
        if taker is None:
            return Answer(Msg(TRANSFER_GONE), "error")
        await desk_actions.transfer(work, setup, chat, staff, taker, now)
        return Answer(Msg(N_("desk.transferred"), {"chat": label, "to": taker.name}))
    if action.name == "offer":
        await desk_actions.offer(work, setup, chat, staff, now)
        return Answer(Msg(N_("desk.offer_sent")))
    if action.name == "invite":
        return await _invite(work, services, staff, chat, action, now)
    if action.name == "next_shift":
        if not await desk_actions.shift_ended(work, chat, now):
            return Answer(Msg(NOT_ENDED), "error")
        await desk_actions.to_next_shift(work, setup, chat, now)
        return Answer(Msg(N_("desk.to_next_shift"), {"chat": label}))
    await shifts.close(work, chat, "staff", now)  # the young person is asked to rate the chat
    return Answer(Msg(N_("desk.closed"), {"chat": label}))


async def _invite(work: UnitOfWork, services: Services, staff: StaffRow, chat: ChatRow, action: Action,
                  now: datetime) -> Answer:
    """A new client (the nickname, me responsible, the pair if one is chosen) and their one-time invitation, by
    the same rules as the Telegram desk's; the code is shown beside the chat, to be given there."""
    pair = int(action.value) if action.value else None
    if pair is not None and pair not in {other.id for other in await pair_candidates(work, staff)}:
        return Answer(Msg(N_("web.bad_message")), "error")
    actor = f"staff:{staff.id}"
    client_id = await add_client(work, staff, action.text, pair, actor, now)
    code, invitation = await new_invitation(work, services.secret, timedelta(days=services.settings.invitation_days),
                                            staff.id or 0, actor, now, client_id=client_id, region=staff.region)
    return Answer(invitation_notice(code, invitation), "invitation", chat=chat.id)


# --- the desk's state, as the page shows it ---


async def desk_state(work: UnitOfWork, services: Services, staff: StaffRow | None, language: str) -> dict[str, Any]:
    """The worker's duty, the queue across their services (crisis first) and their chats with transcripts."""
    assert staff is not None and staff.id is not None
    now, setup, text = services.engine.clock(), region_chat(services, staff), services.catalogs.text
    duty = await desk_actions.duty_of(work, setup, staff.id, now)
    queue = await desk_actions.my_queue(work, setup, staff.id, now)
    names = tuple(setup.name(shift.service) for shift in duty.on)
    status = (Msg(N_("desk.on_duty"), {"services": Lines(names, ", "), "waiting": len(queue)}) if duty.on
              else await off_duty_status(work, services, staff, duty))
    chats = []
    for chat in await work.chats.open_for_staff(staff.id):
        assert chat.id is not None
        targets = await desk_actions.transfer_targets(work, setup, chat, staff.id, now)
        chats.append(chat_json(services, language, chat, (await work.chats.messages(chat.id))[-TRANSCRIPT:],
                               targets, await desk_actions.shift_ended(work, chat, now)))
    return {
        "type": "state", "status": text(language, status), "on_duty": bool(duty.on),
        "take": text(language, Msg(N_("desk.take"), {"waiting": len(queue)})) if queue else None,
        "join": [{"service": service, "label": text(language, Msg(N_("desk.go_on"), {
            "service": setup.name(service)}))} for service in duty.join],
        "off": text(language, Msg(N_("desk.go_off"))) if duty.on else None,
        "queue": [{"chat": chat.id, "label": text(language, shifts.chat_label(chat)), "crisis": chat.crisis,
                   "service": services.catalogs.param(language, setup.name(chat.service)),
                   "since": text(language, Msg(N_("deskweb.waiting_since"), {"time": TimeOfDay(chat.opened_at)}))}
                  for chat, _ in queue],
        "chats": chats,
    }


async def off_duty_status(work: UnitOfWork, services: Services, staff: StaffRow, duty: desk_actions.Duty) -> Msg:
    """Off duty: the worker's next shifts and, with no shift to join, how to answer now (as the Telegram desk)."""
    assert staff.id is not None
    now, setup = services.engine.clock(), region_chat(services, staff)
    found = await desk_actions.next_shifts(work, setup, staff.id, now)
    desk = {"on": [], "join": list(duty.join), "plans": staff.is_coordinator,
            "next": [[start.isoformat(), end.isoformat(), service] for start, end, service in found],
            "left": 0 if duty.join else await desk_actions.left_waiting(work, setup)}
    return Msg(N_("desk.status"), {"parts": Lines(tuple(off_duty(setup, desk)), "\n\n")})


def chat_json(services: Services, language: str, chat: ChatRow, messages: list[ChatMessageRow],
              targets: list[StaffRow], ended: bool) -> dict[str, Any]:
    """One of the worker's chats: its lane label, service, transcript and whom it can be handed over to."""
    catalogs = services.catalogs
    label = shifts.chat_label(chat)
    return {
        "chat": chat.id, "label": catalogs.text(language, label), "crisis": chat.crisis, "ended": ended,
        "service": catalogs.param(language, services.chat.name(chat.service)),
        "confirm_close": catalogs.text(language, Msg(N_("desk.confirm_close"), {"chat": label})),
        "targets": [{"id": other.id, "name": other.name} for other in targets],
        "messages": [{"from": message.sender, "time": catalogs.param(language, TimeOfDay(message.at)),
                      "text": message.body if message.kind == "text" else catalogs.text(
                          language, Msg(N_("desk.picture")))} for message in messages],
    }


def desk_live_routes(services: Services, authenticate: Authenticate = desk_staff,
                     origins: Collection[str] | None = None, poll: float = POLL_SECONDS,
                     idle: float | None = None) -> list[BaseRoute]:
    """The desk's live socket (bot.web.app gathers the web's routes): from Kaari's own origin (KAARI_WEB_URL),
    idle after KAARI_DESK_IDLE_MINUTES without an action; none while KAARI_WEB_URL is not set (as the desk's
    pages)."""
    settings = services.settings
    if origins is None and not settings.web_url:
        return []
    live = DeskLive(services, authenticate, (settings.web_url,) if origins is None else origins, poll,
                    settings.desk_idle_minutes * 60.0 if idle is None else idle)
    return [WebSocketRoute(PATH, live.endpoint)]
