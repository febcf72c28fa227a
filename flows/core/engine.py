"""The engine: turns one input into results, running the person's flow on its `transitions` machine.

It knows no flow by name except the menu it returns to, no channel and no sentence: flows say what to
ask, channels say it. One conversation row per person, written in the transaction that records the input.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import weakref
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from transitions.extensions.asyncio import AsyncMachine

from flows.core import inputs
from flows.core.contention import retrying
from flows.core.crisis import Crisis
from flows.core.messages import LANGUAGES, N_, Lines, LocalText, Msg
from flows.core.results import (
    BACK,
    CANCEL,
    CANCEL_NO,
    CANCEL_YES,
    HELP,
    LANGUAGE,
    LANGUAGE_PREFIX,
    PAUSE,
    Abort,
    Ask,
    Option,
    Reply,
    Say,
    dump_results,
)
from flows.core.spec import Conversation, FlowSpec, Gate, Who
from storage.ports import AuditRow, ContactRow, ConversationRow, OutboxRow, Store, UnitOfWork, UserRow, Visit

log = logging.getLogger(__name__)

RESUME = "ctl:resume"
HISTORY_LIMIT = 60
MAX_TEXT = 1000
_PENDING = "_pending"
_HISTORY = "_history"
_RETURN = "_return"
# The step whose question last had crisis words held back as its answer.
_HELD = "_crisis_held"
# How often a person tapping through a flow has their "last seen" written again.
_SEEN_EVERY = timedelta(minutes=1)
# A first-timer was asked their language and has not chosen yet: anything else asks again.
_LANGUAGE_ASKED = "_language_asked"
RIGHTS = frozenset({"forget", "mydata", "consent"})
# The outbox kind of a reply to a person's own input (see `Engine.handle`).
REPLY = "reply"


@dataclass(frozen=True)
class _Context:
    """What every conversation of one update shares."""

    key: str
    work: UnitOfWork
    now: datetime
    who: Who
    channel: str
    contact: str | None
    reachable: bool = False  # the channel can write to them later without an address (the web, by their key)

LANGUAGE_NAMES = {"fi": N_("language.name.fi"), "sv": N_("language.name.sv"), "en": N_("language.name.en")}


class FlowMachine(AsyncMachine):
    """A flow's machine: binds only ``trigger`` to a conversation, and runs a step's callbacks one by one.

    The engine (and a flow's steps) fire events by name, ``conv.trigger(event)``; nothing reads the per-state
    ``is_<state>`` and per-event ``<event>``/``may_<event>`` methods that `transitions` would otherwise bind to
    every conversation at every update (about 50 µs of an ESY tap, #9 §6), nor defines ``on_enter_<state>``
    methods on a conversation for it to find. The queue per model (``queued="model"``) is kept as it was.

    `AsyncMachine` ran each list of callbacks (conditions, before, after, enter, exit) as concurrent tasks with
    ``asyncio.gather``: a few tasks and loop turns per list, about a third of handling a tap, and a step that
    waited for the store let the next one start. A flow's steps are written as steps: they run in the order
    listed, each to its end, and one that fails stops the rest (as in the plain `Machine`).
    """

    def _add_trigger_to_model(self, trigger: str, model: object) -> None:
        pass

    def _add_model_to_state(self, state: object, model: object) -> None:
        pass

    @staticmethod
    async def await_all(callables: Sequence[Callable[[], Awaitable[Any]]]) -> list[Any]:
        """Run a step's callbacks one after another, in the order the flow lists them."""
        return [await call() for call in callables]


def build_machine(spec: FlowSpec) -> AsyncMachine:
    """One machine per flow, shared by every conversation (models are added per update)."""
    return FlowMachine(
        model=None, states=[s if isinstance(s, str) else dict(s) for s in spec.states],
        transitions=[dict(t) for t in spec.transitions],
        initial=spec.initial, queued="model", send_event=True, auto_transitions=False,
        ignore_invalid_triggers=True,
    )


def language_question(step: int) -> Ask:
    """The language choice, offered from anywhere without leaving the current flow."""
    options = tuple(Option(LANGUAGE_PREFIX + code, Msg(LANGUAGE_NAMES[code])) for code in LANGUAGES)
    return Ask(Msg(N_("language.choose")), options, step=step)


def _label(ask: Ask, value: str) -> Msg | LocalText | None:
    """The label ``ask`` shows on the button for ``value`` (an answer or a control)."""
    return next((option.label for option in (*ask.options, *ask.controls) if option.value == value), None)


def _greeting(conv: Conversation) -> Msg:
    """The greeting at /start in the menu: "nice to see you again" only to someone who has been here before.
    A staff member's first visit (added from the command line) is welcomed to their tools instead."""
    if conv.first_visit and conv.who.staff is not None:
        return Msg(N_("welcome.staff_first"), {"name": conv.who.staff.name})
    return Msg(N_("welcome.back"))


async def _who(work: UnitOfWork, key: str, visit: Visit) -> Who:
    """Who the person behind ``key`` is now: staff, a linked client, a meeting participant, or anonymous."""
    # The visit said which roles they have: their rows are read only for those who have them.
    return Who(await work.staff.by_user(key) if visit.staff else None,
               await work.clients.by_user(key) if visit.client else None, visit.participant)


def waiting(conv: Conversation) -> dict[str, Any] | None:
    """The flow that a command opened from it left waiting, with something in hand (`Engine._in_progress`
    decided): its flow, state, version and data, as it will resume; None when nothing waits."""
    found = conv.data.get(_RETURN)
    return found if isinstance(found, dict) else None


def _without(chain: dict[str, Any] | None, flow: str, depth: int = 0) -> dict[str, Any] | None:
    """The return chain with ``flow``'s waiting copy taken out (what it would have returned to takes its place)."""
    if not chain or depth > HISTORY_LIMIT:
        return None
    data = dict(chain.get("data", {}))
    if chain.get("flow") == flow:
        return _without(data.get(_RETURN), flow, depth + 1)
    inner = _without(data.get(_RETURN), flow, depth + 1)
    data.pop(_RETURN, None)
    if inner:
        data[_RETURN] = inner
    return {**chain, "data": data}


async def _queue_reply(work: UnitOfWork, key: str, reply: Reply, reply_to: str, now: datetime,
                       claimant: str) -> int:
    """The reply as an outbox row, already claimed ('sending') by the channel that sends it right after the
    commit, owned by ``claimant`` (this process among several); a crash leaves it 'sending', and a ticker puts
    it back to pending once its claimant is gone."""
    message = {"results": dump_results(reply.results), "language": reply.language, "chat": reply_to}
    return await work.outbox.add(OutboxRow(key, REPLY, message, now, "sending", 1, now, claimed_by=claimant))


class Engine:
    """Runs flows for people; `handle` is the only way in."""

    def __init__(
        self, store: Store, flows: Mapping[str, FlowSpec], clock: Callable[[], datetime],
        *, menu: str = "menu", default_language: str = "fi", commands: Mapping[str, str] | None = None,
        deep_link: str | None = None, gates: Sequence[Gate] = (), crisis: Crisis | None = None,
        same_contact: Callable[[str, str], bool] = lambda stored, fresh: True,
        command_help: Mapping[str, str] | None = None, claimant: str = "",
    ) -> None:
        self.store = store
        # Who owns the replies this engine queues as sent (the instance id of the process; see bot.instance).
        self.claimant = claimant
        # What /help lists, in this order: a command and the catalog id that says what it does. A command that
        # opens a flow is listed to those the flow is offered to; the engine's own commands to everyone.
        self.command_help = dict(command_help or {})
        # Whether a stored sealed address still reaches the chat an input came from (the channel knows the keys).
        self.same_contact = same_contact
        self.flows = dict(flows)
        self.clock = clock
        self.menu = menu
        self.default_language = default_language
        # Commands that open a flow from anywhere (``/consent``); the flow in hand waits and resumes after.
        self.commands = dict(commands or {})
        # The flow that receives a ``/start <payload>`` deep link (an invitation code).
        self.deep_link = deep_link
        self.gates = tuple(gates)
        # Crisis words are watched in every state of every flow.
        self.crisis = crisis
        self._machines = {name: build_machine(spec) for name, spec in self.flows.items()}
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def handle(
        self, key: str, given: inputs.Input, language_hint: str | None = None, *, channel: str = "",
        contact: str | None = None, receipt: int | None = None, reply_to: str | None = None, reachable: bool = False,
    ) -> Reply:
        """Process one input from the person behind ``key``; everything it changes commits together.

        ``contact`` is the channel's sealed address for this person, kept only where a flow needs to write to
        them later; ``reachable``: the channel reaches them later by their key alone (the web chat's pushes wait
        for their socket). ``receipt`` is the channel's id of the update: recorded with the input, so that the
        same update coming again is only reported as a duplicate. With ``reply_to`` (a sealed
        address) the reply is written to the outbox in the same transaction, claimed for the channel
        (``Reply.outbox``): a crash after the commit cannot lose it.
        """
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            # A transaction that lost to a concurrent one (PostgreSQL) is run again whole: its body only reads
            # and writes the store, and nothing leaves before the commit (the reply is sent by the caller).
            reply, scrub = await retrying(
                lambda: self._handle_once(key, given, language_hint, channel, contact, receipt, reply_to, reachable),
                what="handle")
        if scrub:
            # Deleted rows can linger in free pages and the write-ahead log: scrub them out now.
            await self.store.scrub()
        return reply

    async def _handle_once(
        self, key: str, given: inputs.Input, language_hint: str | None, channel: str, contact: str | None,
        receipt: int | None, reply_to: str | None, reachable: bool,
    ) -> tuple[Reply, bool]:
        """One try of ``handle`` in one transaction: the reply, and whether the store should be scrubbed after."""
        async with self.store.transaction(person=key) as work:
            now = self.clock()
            if receipt is not None and not await work.receipts.add(receipt, now):
                log.info("engine.duplicate user=%s update=%d", key[:12], receipt)
                return Reply(self.default_language, duplicate=True), False
            if isinstance(given, inputs.Poke):
                return await self._poke(work, key, given, now, reachable), False
            visit = await work.users.visit(key)  # the person, their roles and their flow in one look
            user, is_new = self._user(visit, key, language_hint, now)
            known = (user.language, user.last_seen_at)
            user.last_seen_at = now
            if is_new:
                await work.users.save(user)  # before anything that refers to the person
            who = await _who(work, key, visit)
            if contact and (who.staff or who.is_client or who.participant):
                # Staff, linked clients and meeting participants are written to later (notifications, reminders);
                # a stored address that no longer opens (a rotated key) or is another chat is refreshed.
                stored = await work.contacts.get(key)
                if stored is None or not self.same_contact(stored.sealed_chat, contact):
                    await work.contacts.save(ContactRow(key, contact, now))
            ctx = _Context(key, work, now, who, channel, contact, reachable)
            reply = Reply(user.language)
            conv = await self._conversation(ctx, user, reply, visit.conversation)
            # Checked before the flow sees the text, so that a chat can put the person first in the queue.
            written = given.text if isinstance(given, inputs.Text) else (
                given.caption if isinstance(given, inputs.Media) else "")
            categories = self.crisis.matching(written) if self.crisis is not None and written else ()
            conv.crisis = reply.crisis = bool(categories)
            ended = await self._refresh(conv, reply)
            # Rights come first: /forget, /mydata and /consent are never held up by a gate.
            rights = (isinstance(given, inputs.Command) and given.name in RIGHTS) or self.flows[conv.flow].ungated
            gated = None if rights else await self._gate(conv)
            if ended and not isinstance(given, inputs.Command | inputs.Start):
                pass  # the flow ended under them (its client is gone) and they were told: the input was for it
            elif any(isinstance(result, Abort) for result in reply.results):
                # The stored conversation could not go on: whatever was sent belonged to it, so only
                # the fresh start is shown (no "that question has passed", no "let's continue").
                self._show(conv, reply)
            elif gated is not None:
                # Something must come first (a changed consent text); the flow in hand waits.
                await self._enter(conv, gated[0], reply, gated[1])
            else:
                await self._dispatch(conv, given, user, is_new, reply)
            if self.crisis is not None and categories:
                # The help that fits the words comes first, whatever the flow does with the text; the log
                # names categories, never words.
                log.warning("engine.crisis user=%s flow=%s categories=%s", key[:12], conv.flow, ",".join(categories))
                contacts = self.crisis.help(categories, user.language)
                reply.results.insert(0, Say(Msg(N_("crisis.signpost"), {"contacts": contacts})))
            reply.language = user.language
            if not conv.erased:
                # "Last seen" counts days (retention, the worker's card): a person tapping through a flow is not
                # written again at every tap, only when the language changed or a minute has passed.
                if user.language != known[0] or now - known[1] >= _SEEN_EVERY:
                    await work.users.save(user)
                await self._save(conv)
                if reply_to is not None:
                    reply.outbox = await _queue_reply(work, key, reply, reply_to, now, self.claimant)
            log.info("engine.handled user=%s flow=%s state=%s input=%s", key[:12], conv.flow, conv.state,
                     type(given).__name__)
        return reply, conv.erased or conv.scrub

    async def _poke(self, work: UnitOfWork, key: str, poke: inputs.Poke, now: datetime, reachable: bool) -> Reply:
        """Show a person where they are now, after something happened elsewhere; not their own activity,
        so it neither creates them nor counts as being seen."""
        visit = await work.users.visit(key)
        user = visit.user
        if user is None:
            return Reply(self.default_language)
        who = await _who(work, key, visit)
        reply = Reply(user.language)
        conv = await self._conversation(_Context(key, work, now, who, "", None, reachable), user, reply,
                                              visit.conversation)
        conv.poked = True
        ended = await self._refresh(conv, reply)
        if not any(isinstance(result, Abort) for result in reply.results):
            reply.results.extend(Say(notice) for notice in (poke.notice,) if notice is not None)
        if ended:
            await self._save(conv)
            return reply
        spec = self.flows.get(poke.flow or "")
        here = self.flows[conv.flow]
        # Only where it interrupts nothing in hand: the menu, a flow that can be paused and resumed (not a
        # live chat, a consent question or a confirmation), or a view only looked at (a plan, whose flow says
        # nothing is in hand: `FlowSpec.in_progress`); elsewhere the notice alone is shown.
        free = (conv.flow == self.menu or (here.controls and conv.state not in here.settled)
                or (here.in_progress is not None and not here.in_progress(conv)))
        if spec is not None and free and conv.flow != poke.flow and (spec.allowed is None or spec.allowed(conv.who)):
            await self._enter(conv, spec.name, reply)
        else:
            self._show(conv, reply)
        await self._save(conv)
        return reply

    async def _refresh(self, conv: Conversation, reply: Reply) -> bool:
        """Let the flow catch up with what happened elsewhere since the person last wrote. True when that
        ended the flow (the client it was about is gone): the person is back where it was opened from."""
        spec = self.flows[conv.flow]
        if spec.refresh is None or conv.data.get(_PENDING):
            return False
        waiting = conv.data.get(_RETURN)
        await spec.refresh(conv)
        reply.results.extend(conv.out)
        conv.out.clear()
        if conv.state in spec.final:
            if waiting and _RETURN not in conv.data:
                conv.data[_RETURN] = waiting  # a flow that cleared its data still returns where it came from
            await self._finish(conv, reply)
            return True
        return False

    async def _gate(self, conv: Conversation) -> tuple[str, dict[str, Any]] | None:
        """The first flow a gate says must come before this input (consent, say), with its start data; or None."""
        for gate in self.gates:
            found = await gate(conv)
            if found is not None:
                return found
        return None

    def _user(self, visit: Visit, key: str, hint: str | None, now: datetime) -> tuple[UserRow, bool]:
        """The person's stored settings, or fresh ones in the hinted (else default) language; True when fresh."""
        user = visit.user
        if user is None:
            language = hint if hint in LANGUAGES else self.default_language
            return UserRow(key, language, now, now), True
        return user, False

    async def _conversation(
        self, ctx: _Context, user: UserRow, reply: Reply, row: ConversationRow | None,
    ) -> Conversation:
        """The person's conversation from its stored ``row`` (read with their visit), or a fresh one."""
        key = ctx.key
        if row is None:
            conv = await self._start(ctx, self.menu, user.language, int(ctx.now.timestamp()))
            conv.first_visit = True
            return conv
        spec = self.flows.get(row.flow)
        conv = self._conv(ctx, row.flow, row.state, row.flow_version, row.step, row.data, user.language)
        if spec is None or row.state not in spec.state_names:
            log.warning("engine.restart user=%s flow=%s reason=unknown", key[:12], row.flow)
            reply.results.append(Abort(N_("flow.restarted")))
            return await self._start(ctx, self.menu, user.language, row.step + 1)
        if spec.allowed is not None and not spec.allowed(conv.who):
            # A role ended since the flow began (a worker left, consent was withdrawn).
            reply.results.append(Abort(N_("flow.restarted")))
            return await self._start(ctx, self.menu, user.language, row.step + 1)
        if row.flow_version != spec.version:
            migrated = spec.migrate(row.flow_version, row.state, row.data) if spec.migrate else None
            if migrated is None:
                log.info("engine.restart user=%s flow=%s reason=version", key[:12], row.flow)
                reply.results.append(Abort(N_("flow.restarted")))
                return await self._start(ctx, row.flow, user.language, row.step + 1)
            conv.state, conv.data, conv.version = migrated[0], migrated[1], spec.version
        if spec.still_valid is not None and not spec.still_valid(conv):
            log.info("engine.restart user=%s flow=%s reason=invalid", key[:12], row.flow)
            reply.results.append(Abort(N_("flow.restarted")))
            return await self._start(ctx, row.flow, user.language, row.step + 1)
        return conv

    @staticmethod
    def _conv(
        ctx: _Context, flow: str, state: str, version: int, step: int, data: dict[str, Any], language: str,
    ) -> Conversation:
        """A `transitions` model for one flow of this input's person, seeing this input's transaction."""
        return Conversation(
            key=ctx.key, flow=flow, state=state, version=version, step=step, data=data, work=ctx.work,
            now=ctx.now, language=language, who=ctx.who, channel=ctx.channel, contact=ctx.contact,
            reachable=ctx.reachable,
        )

    async def _start(
        self, ctx: _Context, flow: str, language: str, step: int, data: dict[str, Any] | None = None,
    ) -> Conversation:
        """A conversation at ``flow``'s first state, set up by the flow's ``on_start``."""
        spec = self.flows[flow]
        conv = self._conv(ctx, flow, spec.initial, spec.version, step, dict(data or {}), language)
        if spec.on_start is not None:
            await spec.on_start(conv)
        return conv

    async def _save(self, conv: Conversation) -> None:
        """Store where the person is in their flow, to go on from there with the next input."""
        await conv.work.conversations.save(ConversationRow(
            key=conv.key, flow=conv.flow, state=conv.state, flow_version=conv.version, step=conv.step,
            data=conv.data, updated_at=conv.now,
        ))

    def view(self, conv: Conversation) -> Ask:
        """The question the conversation's state asks, with its step and the generic controls."""
        if conv.data.get(_PENDING) == "cancel":
            options = (Option(CANCEL_YES, Msg(N_("control.cancel_yes"))),
                       Option(CANCEL_NO, Msg(N_("control.cancel_no"))))
            return Ask(Msg(N_("flow.cancel_confirm")), options, step=conv.step)
        if conv.data.get(_PENDING) == "pause":
            return Ask(Msg(N_("flow.paused")), (Option(RESUME, Msg(N_("control.resume"))),), step=conv.step)
        spec = self.flows[conv.flow]
        ask = spec.views[conv.state](conv)
        controls: tuple[Option, ...] = ()
        if spec.controls and conv.state not in spec.settled:
            controls = (
                Option(PAUSE, Msg(N_("control.pause"))),
                *((Option(BACK, Msg(N_("control.back"))),) if conv.data.get(_HISTORY) else ()),
                Option(CANCEL, Msg(N_("control.cancel"))),
                Option(HELP, Msg(N_("control.help"))),
            )
        max_length = ask.max_length or (MAX_TEXT if ask.free_text else 0)
        return Ask(ask.prompt, ask.options, ask.free_text, controls, conv.step, max_length, ask.media, ask.quiet,
                   ask.passes_on)

    def _show(self, conv: Conversation, reply: Reply, *before: Msg) -> None:
        """Add ``before`` (notes such as an error) and then the current question to the reply."""
        reply.results.extend(Say(msg) for msg in before)
        reply.results.append(self.view(conv))

    async def _dispatch(
        self, conv: Conversation, given: inputs.Input, user: UserRow, is_new: bool, reply: Reply,
    ) -> None:
        """Route one input: /start and deep links, commands, the language, controls, answers, typed text."""
        spec = self.flows[conv.flow]
        asked = conv.data.pop(_LANGUAGE_ASKED, None) is not None
        match given:
            case inputs.Start(payload=payload) if payload and self.deep_link:
                conv.data.pop(_PENDING, None)
                if is_new:
                    reply.results.append(Say(Msg(N_("welcome.first"))))
                await self._enter(conv, self.deep_link, reply, {"payload": payload})
            case inputs.Start(language=chosen):
                await self._start_again(conv, user, is_new, chosen, reply)
            case inputs.Text() | inputs.Unsupported() | inputs.Media() if asked:
                # The first question is the language: until it is answered, anything else asks it again.
                conv.data[_LANGUAGE_ASKED] = True
                typed = isinstance(given, inputs.Text)
                reply.results.append(Say(Msg(N_("error.use_buttons") if typed else N_("error.unsupported"))))
                reply.results.append(language_question(conv.step))
            case inputs.Command(name="help"):
                self._show(conv, reply, Msg(spec.help_key), *self._commands_for(conv))
            case inputs.Command(name="language"):
                reply.results.append(language_question(conv.step))
            case inputs.Command(name="cancel"):
                await self._control(conv, CANCEL, reply)
            case inputs.Command(name=name, about=about) if name in self.commands:
                about_it = {inputs.ABOUT: about} if about else None
                await self._enter(conv, self.commands[name], reply, about_it, typed=True)
            case inputs.Command():
                self._show(conv, reply, Msg(N_("error.unknown_command")))
            case inputs.Media(kind=kind, ref=ref, caption=caption) if self.view(conv).media:
                await self._answer(conv, "media", reply, kind=kind, ref=ref, caption=caption.strip()[:MAX_TEXT])
            case inputs.Unsupported(kind=kind) if self.view(conv).media:
                await self._answer(conv, "media", reply, kind=kind, ref=None, caption="")
            case inputs.Unsupported() | inputs.Media():
                self._show(conv, reply, Msg(N_("error.unsupported")))
            case inputs.Poke():
                self._show(conv, reply)
            case inputs.Choice(value=value) if value.startswith(LANGUAGE_PREFIX):
                code = value.removeprefix(LANGUAGE_PREFIX)
                if code in LANGUAGES:
                    user.language = conv.language = code
                    reply.accepted, reply.chosen = True, Msg(LANGUAGE_NAMES[code])
                    self._show(conv, reply, Msg(N_("language.changed")))
                else:
                    self._show(conv, reply, Msg(N_("error.stale")))
            case inputs.Choice(step=step) if step != conv.step:
                self._show(conv, reply, Msg(N_("error.stale")))
            case inputs.Choice(value=value) if value.startswith("ctl:"):
                await self._control(conv, value, reply)
            case inputs.Choice(value=value):
                await self._answer(conv, "choose", reply, value=value)
            case inputs.Text(text=text, reply_to=reply_to):
                await self._text(conv, text.strip(), reply, reply_to)

    async def _start_again(
        self, conv: Conversation, user: UserRow, is_new: bool, chosen: str | None, reply: Reply,
    ) -> None:
        """``/start``: a first-timer is greeted and picks a language (unless it was chosen already, as in
        `kaari chat --lang en`); anyone else continues what they have in hand, or is back in the menu."""
        conv.data.pop(_PENDING, None)
        if chosen in LANGUAGES:
            user.language = conv.language = chosen
        if is_new:
            reply.results.append(Say(Msg(N_("welcome.first"))))
            if chosen in LANGUAGES:
                self._show(conv, reply)
            else:
                conv.data[_LANGUAGE_ASKED] = True
                reply.results.append(language_question(conv.step))
        elif conv.flow == self.menu:
            self._show(conv, reply, _greeting(conv))
        elif self._in_progress(conv):
            self._show(conv, reply, Msg(N_("flow.resume")))
        else:
            # Nothing in hand (a client card looked at yesterday): a fresh start, not an old screen.
            reply.results.append(Say(_greeting(conv)))
            await self._switch(conv, self.menu, reply)

    def _in_progress(self, conv: Conversation) -> bool:
        """Whether the person has something in hand in ``conv``'s flow (see `FlowSpec.in_progress`)."""
        spec = self.flows[conv.flow]
        if conv.flow == self.menu:
            return False
        if spec.in_progress is not None:
            return spec.in_progress(conv)
        if spec.controls:  # past the first question: answered something, or a question after something stored
            return bool(conv.data.get(_HISTORY)) or conv.state != spec.initial
        return spec.resumable

    def _commands_for(self, conv: Conversation) -> tuple[Msg, ...]:
        """The commands this person can use, one a line: the same role checks as opening the flows."""
        lines: list[Msg] = []
        for name, about in self.command_help.items():
            flow = self.flows.get(self.commands.get(name, ""))
            may = None if flow is None else (flow.offered or flow.allowed)
            if may is None or may(conv.who):
                lines.append(Msg(N_("help.command"), {"command": f"/{name}", "what": Msg(about)}))
        return (Msg(N_("help.commands"), {"commands": Lines(tuple(lines))}),) if lines else ()

    async def _text(self, conv: Conversation, text: str, reply: Reply, reply_to: int | None = None) -> None:
        """Typed text: checked (buttons only, empty, too long, crisis words held back) before it is an answer."""
        ask = self.view(conv)
        if not ask.free_text:
            self._show(conv, reply, Msg(N_("error.use_buttons")))
        elif not text:
            self._show(conv, reply, Msg(N_("error.empty")))
        elif len(text) > ask.max_length:
            self._show(conv, reply, Msg(N_("error.too_long"), {"max": ask.max_length, "length": len(text)}))
        elif self._hold_back(conv, ask):
            # Crisis words as an answer (a wish, a comment): the help comes first and nothing is saved; the
            # same question again, so they can answer when they want to.
            self._show(conv, reply, Msg(N_("crisis.not_saved")))
        else:
            await self._answer(conv, "text", reply, text=text, reply_to=reply_to)

    @staticmethod
    def _hold_back(conv: Conversation, ask: Ask) -> bool:
        """Whether typed crisis words must not be taken as this question's answer. Not where the text is passed
        on to a person (a chat: a worker must see it), not from staff (they write records about others),
        and only once per question: given again after the help, it is what the person means to answer."""
        if not conv.crisis or ask.passes_on or conv.who.staff is not None:
            conv.data.pop(_HELD, None)
            return False
        if conv.data.pop(_HELD, None) == conv.step:
            return False
        conv.data[_HELD] = conv.step
        return True

    async def _answer(self, conv: Conversation, trigger: str, reply: Reply, **given: Any) -> None:
        """Fire the flow's trigger for a valid answer; move on, keep a step to go back to, or say why not."""
        ask = self.view(conv)
        if trigger == "choose" and given["value"] not in {option.value for option in ask.options}:
            self._show(conv, reply, Msg(N_("error.stale")))
            return
        # Back needs only where the person was, not a copy of every answer (those may be long, private
        # texts): flows name the keys that hold their position; answers are overwritten when re-given.
        spec = self.flows[conv.flow]
        kept = spec.position_keys if spec.position_keys else tuple(k for k in conv.data if k != _HISTORY)
        snapshot: dict[str, Any] = {
            "state": conv.state, "data": {k: copy.deepcopy(conv.data[k]) for k in kept if k in conv.data},
        }
        history = list(conv.data.get(_HISTORY, []))
        machine = self._machines[conv.flow]
        machine.add_model(conv, initial=conv.state)
        try:
            moved = await conv.trigger(trigger, **given)
        finally:
            machine.remove_model(conv)
        reply.results.extend(conv.out)
        conv.out.clear()
        if not moved:
            self._show(conv, reply, Msg(N_("error.not_understood")))
            return
        if trigger == "choose":
            reply.accepted, reply.chosen = True, _label(ask, given["value"])
        if ask.quiet and trigger != "choose" and conv.state == snapshot["state"] and conv.switch_to is None:
            return  # a chat message: passed on; the question and its buttons stand
        conv.step += 1
        if conv.switch_to is not None:
            target, conv.switch_to = conv.switch_to, None
            await self._enter(conv, target, reply, conv.switch_data)
        elif conv.state in spec.final:
            await self._finish(conv, reply)
        else:
            # No way back over something stored for good.
            conv.data[_HISTORY] = [] if conv.state in spec.settled else [*history, snapshot][-HISTORY_LIMIT:]
            self._show(conv, reply)

    async def _switch(self, conv: Conversation, flow: str, reply: Reply, data: dict[str, Any] | None = None) -> None:
        """Put a fresh start of ``flow`` in the conversation's place (``data`` carries what waits behind it)."""
        # A flow may have changed who this is (a worker just linked): the next flow sees it.
        ctx = _Context(conv.key, conv.work, conv.now, conv.who, conv.channel, conv.contact, conv.reachable)
        fresh = await self._start(ctx, flow, conv.language, conv.step + 1, data)
        reply.results.extend(fresh.out)
        conv.flow, conv.state, conv.version, conv.step, conv.data = (
            fresh.flow, fresh.state, fresh.version, fresh.step, fresh.data)
        conv.switch_to = None
        if conv.state in self.flows[flow].final:  # a flow that finished as it started (a bad code, say)
            await self._finish(conv, reply)
        else:
            self._show(conv, reply)

    async def _enter(
        self, conv: Conversation, flow: str, reply: Reply, data: dict[str, Any] | None = None, typed: bool = False,
    ) -> None:
        """Open ``flow`` if this person may; a flow in hand (not the menu) waits and resumes afterwards. A
        ``typed`` command leaves behind only what is in progress: a card looked at goes, not to come back stale."""
        spec = self.flows[flow]
        if spec.allowed is not None and not spec.allowed(conv.who):
            log.info("engine.denied user=%s flow=%s", conv.key[:12], flow)
            await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key),
                f"denied.{flow}", "", region=conv.who.region))
            own = spec.refusal(conv.who) if spec.refusal is not None else None
            self._show(conv, reply, own or Msg(N_("error.not_available")))
            return
        if conv.flow == flow and not data and not spec.reload:
            self._show(conv, reply)
            return
        start = dict(data or {})
        # A flow waits at most once in the chain: going round (meeting -> card -> meeting ...) takes its old
        # copy out instead of stacking copies of copies, and nothing else in the chain is lost.
        behind = _without(conv.data.get(_RETURN), flow)
        here_spec = self.flows[conv.flow]
        waits = self._in_progress(conv) if typed else here_spec.controls or here_spec.resumable
        if conv.flow not in (self.menu, flow) and waits:
            here = {k: v for k, v in conv.data.items() if k not in (_PENDING, _RETURN)}
            if behind:
                here[_RETURN] = behind
            start[_RETURN] = {"flow": conv.flow, "state": conv.state, "version": conv.version, "data": here}
        elif behind:
            start[_RETURN] = behind
        await self._switch(conv, flow, reply, start)

    async def _finish(self, conv: Conversation, reply: Reply) -> None:
        """A flow ended (done or stopped): back to the flow it interrupted, or to the menu."""
        if conv.erased:
            return  # nothing is left to return to
        waiting = conv.data.get(_RETURN)
        if waiting and waiting["flow"] in self.flows and waiting["version"] == self.flows[waiting["flow"]].version:
            spec = self.flows[waiting["flow"]]
            resumed = (conv.flow, conv.state, conv.version, conv.data)
            conv.flow, conv.state, conv.version, conv.data = (
                waiting["flow"], waiting["state"], waiting["version"], waiting["data"])
            # What happened meanwhile (consent withdrawn, a role ended) may rule the waiting flow out.
            if (spec.allowed is None or spec.allowed(conv.who)) and (
                    spec.still_valid is None or spec.still_valid(conv)):
                conv.step += 1
                if self._in_progress(conv):  # answers waiting: say so; a card to go back to just shows
                    reply.results.append(Say(Msg(N_("flow.resume"))))
                if not await self._refresh(conv, reply):  # the chat may have moved on meanwhile
                    self._show(conv, reply)
                return
            conv.flow, conv.state, conv.version, conv.data = resumed
        await self._switch(conv, self.menu, reply)

    async def _control(self, conv: Conversation, value: str, reply: Reply) -> None:
        """A generic control tapped: help, language, continue later, back, or stop (asked to confirm first)."""
        spec = self.flows[conv.flow]
        pending = conv.data.get(_PENDING)
        reply.accepted = (
            value in (HELP, LANGUAGE, RESUME)
            or (spec.controls and value in (PAUSE, CANCEL))
            or (pending == "cancel" and value in (CANCEL_YES, CANCEL_NO))
            or (value == BACK and bool(conv.data.get(_HISTORY)))
        )
        if reply.accepted:
            reply.chosen = _label(self.view(conv), value)  # as shown, before the control changes the question
        if value == HELP:
            self._show(conv, reply, Msg(spec.help_key))
        elif value == LANGUAGE:
            reply.results.append(language_question(conv.step))
        elif value == RESUME or (value == CANCEL_NO and pending == "cancel"):
            conv.data.pop(_PENDING, None)
            conv.step += 1
            self._show(conv, reply, Msg(N_("flow.continue")))
        elif not spec.controls or conv.state in spec.settled:
            nothing = N_("flow.nothing_to_cancel") if value == CANCEL else N_("error.stale")
            self._show(conv, reply, Msg(nothing))
        elif value == PAUSE:
            conv.data[_PENDING] = "pause"
            conv.step += 1
            log.info("engine.paused user=%s flow=%s state=%s", conv.key[:12], conv.flow, conv.state)
            self._show(conv, reply)
        elif value == CANCEL:
            conv.data[_PENDING] = "cancel"
            conv.step += 1
            self._show(conv, reply)
        elif value == CANCEL_YES and pending == "cancel":
            log.info("engine.cancelled user=%s flow=%s state=%s", conv.key[:12], conv.flow, conv.state)
            reply.results.append(Say(Msg(N_("flow.cancelled"))))
            await self._finish(conv, reply)
        elif value == BACK and conv.data.get(_HISTORY):
            history = conv.data[_HISTORY]
            previous = history.pop()
            conv.state = previous["state"]
            conv.data.update(previous["data"])
            conv.data[_HISTORY] = history
            conv.step += 1
            self._show(conv, reply)
        elif value == BACK:
            self._show(conv, reply, Msg(N_("flow.no_back")))
        else:
            self._show(conv, reply, Msg(N_("error.stale")))
