"""The worker's chat desk: on and off duty, the queue, several chats at once, quick replies, transfer, close.

What the desk shows is read from the store before every input (`refresh`): other workers and young people
change it all the time. A worker's typed text goes to the chat they have open; messages from young people
arrive as pushes labelled with the chat's number.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flows.chat import desk_actions, shifts
from flows.chat.rota import NAME as ROTA_FLOW
from flows.chat.setup import ChatSetup
from flows.core.guards import chose
from flows.core.messages import N_, Lines, Msg, Period, TimeOfDay
from flows.core.results import Ask, Option, Say
from flows.core.spec import Conversation, FlowSpec, Who
from flows.identity.regions import region_of
from flows.identity.staff import NEW_CLIENT
from storage.ports import ChatRow, StaffRow

NAME = "desk"
VERSION = 1
MENU, TAKE, OFF, REFRESH, DESK, ROTA = "menu", "take", "off", "refresh", "desk", "rota"
QUICK, TRANSFER, NEXT_SHIFT, OFFER, CLOSE, YES, NO = "quick", "transfer", "next", "offer", "close", "yes", "no"
TRANSCRIPT_LINES = 8
MAX_MESSAGE = 4000  # Telegram's own limit is 4096; the chat's label goes on top


def is_worker(who: Who) -> bool:
    """Only workers open the desk."""
    return who.is_worker


# --- what every step reads ---


def me(conv: Conversation) -> StaffRow:
    """The worker at the desk."""
    staff = conv.who.staff
    assert staff is not None and staff.id is not None  # only workers open the desk
    return staff


async def my_chat(conv: Conversation) -> ChatRow | None:
    """The chat this worker has open, while it is still open and still theirs."""
    return await desk_actions.mine(conv.work, me(conv).id or 0, conv.data.get("chat") or 0)


def chat_gone(number: int) -> Say:
    """The notice that a chat is no longer this worker's (closed, or handed over meanwhile)."""
    return Say(Msg(N_("desk.chat_gone"), {"chat": Msg(N_("chat.label"), {"number": number})}))


# --- guards that need no configuration ---


def chose_take(event: Any) -> bool:
    """The worker takes the next one waiting."""
    return bool(event.kwargs.get("value") == TAKE)


def chose_chat(event: Any) -> bool:
    """The worker opens one of their chats by its number."""
    value = str(event.kwargs.get("value", ""))
    return value.startswith("chat:") and value[5:].isdigit()


def leaves_waiting(event: Any) -> bool:
    """Going off would leave people in the queue with nobody on duty: the worker confirms first."""
    desk = event.model.data["desk"]
    return not desk["mine"] and bool(desk.get("alone"))


def chose_worker(event: Any) -> bool:
    """A worker on duty now, to hand the chat over to."""
    value = str(event.kwargs.get("value", ""))
    return value.startswith("to:") and any(str(other["id"]) == value[3:]
                                           for other in event.model.data.get("others", []))


def shift_ended(event: Any) -> bool:
    """The chat's own shift is over: it may wait for the next one."""
    return bool(event.model.data.get("ended"))


def not_sent(event: Any) -> None:
    """Leaving the chat forgets that a message was just sent (the talk prompt names the chat again)."""
    event.model.data.pop("sent", None)


# --- views that need no configuration ---


def view_transfer(conv: Conversation) -> Ask:
    """Whom to hand the chat over to."""
    return Ask(Msg(N_("desk.choose_worker")), (
        *(Option(f"to:{other['id']}", Msg(N_("desk.worker"), {"name": other["name"]}))
          for other in conv.data.get("others", [])), Option(DESK, Msg(N_("desk.back_to_chat")))))


def view_confirm_off(conv: Conversation) -> Ask:
    """Going off would leave people waiting alone: sure?"""
    return Ask(Msg(N_("desk.confirm_off"), {"waiting": conv.data["desk"].get("alone", 0)}), (
        Option(YES, Msg(N_("desk.off_yes"))), Option(NO, Msg(N_("desk.off_no")))))


def view_confirm(conv: Conversation) -> Ask:
    """Close this chat: sure?"""
    return Ask(Msg(N_("desk.confirm_close"), {"chat": Msg(N_("chat.label"), {"number": conv.data["chat"]})}), (
        Option(YES, Msg(N_("desk.close_yes"))), Option(NO, Msg(N_("desk.close_no")))))


def stuck(desk: dict[str, Any]) -> bool:
    """Off duty, no running shift to join, and either messages left waiting or no shift of one's own ahead:
    the worker would otherwise see only "you are not on duty" with no way on."""
    return not desk["on"] and not desk["join"] and bool(desk.get("left") or not desk["next"])


def way_on(desk: dict[str, Any]) -> list[Msg]:
    """How to answer now: a coordinator plans a shift that starts now; a worker asks a coordinator to."""
    if not stuck(desk):
        return []
    parts = [Msg(N_("desk.left_waiting"), {"count": desk["left"]})] if desk.get("left") else []
    return [*parts, Msg(N_("desk.answer_now_plan") if desk.get("plans") else N_("desk.answer_now_ask"))]


def off_duty(setup: ChatSetup, desk: dict[str, Any]) -> list[Msg]:
    """Off duty: my next shifts (or that none are planned), and how to answer now when there is no way on. Both
    desks say this (the browser desk gives the same ``desk`` keys: next, join, left, plans)."""
    upcoming = tuple(Msg(N_("desk.next_line"), {"when": Period(datetime.fromisoformat(a), datetime.fromisoformat(b)),
                                                "service": setup.name(s)}) for a, b, s in desk["next"])
    return [Msg(N_("desk.off_duty"), {"next": Lines(upcoming) if upcoming else Msg(N_("desk.no_shifts"))}),
            *way_on(desk)]


def in_hand(conv: Conversation) -> bool:
    """The desk itself is only looked at (it is read afresh anyway); a chat open in it is work in hand."""
    return conv.state != "desk"


def may_plan(event: Any) -> bool:
    return bool(event.model.who.is_coordinator)


def open_rota(event: Any) -> None:
    """The chat schedule, to add an opening that starts now; back at the desk when it is done."""
    event.model.switch_to = ROTA_FLOW


class DeskSteps:
    """The steps that need the organisation's chat setup: its services, quick replies and how workers are shown."""

    def __init__(self, setup: ChatSetup) -> None:
        self.all_setup = setup
        self.by_reply = {reply.id: reply for reply in setup.replies}

    def setup_of(self, conv: Conversation) -> ChatSetup:
        """The chat setup of the worker's region (#14): the services whose shifts, queue and chats they see."""
        return self.all_setup.for_region(region_of(conv.who.staff))

    # --- what the desk shows ---

    async def load(self, conv: Conversation) -> None:
        """What the desk shows: my duty, the queue, my chats, where I could go on duty, my next shifts."""
        work, staff, now, setup = conv.work, me(conv), conv.now, self.setup_of(conv)
        assert staff.id is not None
        duty = await desk_actions.duty_of(work, setup, staff.id, now)
        on_services = {shift.service for shift in duty.on}
        waiting = sum([len(await work.chats.queued(service)) for service in on_services])
        can_join = list(duty.join)
        mine = [{"id": chat.id, "crisis": chat.crisis, "ended": await desk_actions.shift_ended(work, chat, now)}
                for chat in await work.chats.open_for_staff(staff.id)]
        conv.data["desk"] = {"on": sorted(on_services), "waiting": waiting, "join": can_join, "mine": mine,
                             "next": [] if duty.on else await self._my_next(conv, staff),
                             "alone": duty.alone,
                             # Off duty with nothing open to join: what waits, and whether they can plan a shift.
                             "left": 0 if on_services or can_join else await desk_actions.left_waiting(work, setup),
                             "plans": conv.who.is_coordinator}

    async def _my_next(self, conv: Conversation, staff: StaffRow) -> list[list[str]]:
        """This worker's next few shifts on the rota, over every service (as the conversation keeps them)."""
        found = await desk_actions.next_shifts(conv.work, self.setup_of(conv), staff.id or 0, conv.now)
        return [[start.isoformat(), end.isoformat(), service] for start, end, service in found]

    async def refresh(self, conv: Conversation) -> None:
        """Catch up with the store: the chat in hand may have gone (closed, handed over) meanwhile."""
        if conv.state not in ("desk", "confirm_off"):  # the others are about one chat, which may have gone
            chat = await my_chat(conv)
            if chat is None:
                conv.emit(chat_gone(conv.data.get("chat") or 0))
                conv.state = "desk"
            else:
                await self._others(conv, chat)
        await self.load(conv)

    async def _others(self, conv: Conversation, chat: ChatRow) -> None:
        """Who else is on duty now in this chat's service (to hand it over to), and whether the chat's own
        shift has ended (then it can also wait for the next shift)."""
        others = [{"id": staff.id, "name": staff.name} for staff in await desk_actions.transfer_targets(
            conv.work, self.setup_of(conv), chat, me(conv).id or 0, conv.now)]
        conv.data.update(others=others, ended=await desk_actions.shift_ended(conv.work, chat, conv.now),
                         crisis=chat.crisis)

    async def show_chat(self, conv: Conversation, chat: ChatRow, lines: int) -> None:
        """The chat's latest messages, so a worker who takes, switches to or receives a chat knows where it is."""
        assert chat.id is not None
        conv.data["chat"] = chat.id
        await self._others(conv, chat)
        messages = await conv.work.chats.messages(chat.id)
        shown = []
        for message in messages[-lines:]:
            key = N_("desk.line_young") if message.sender == "young" else N_("desk.line_worker")
            body: Msg | str = message.body if message.kind == "text" else Msg(N_("desk.picture"))
            shown.append(Msg(key, {"time": TimeOfDay(message.at), "text": body}))
        conv.emit(Say(Msg(N_("desk.transcript"), {
            "chat": shifts.chat_label(chat), "service": self.setup_of(conv).name(chat.service),
            "lines": Lines(tuple(shown)) if shown else Msg(N_("desk.no_messages"))}), about=chat.id))

    # --- desk actions ---

    async def take_next(self, event: Any) -> None:
        """Take the first one waiting in my services (crisis first, then who has waited longest)."""
        conv: Conversation = event.model
        staff = me(conv)
        chat = await desk_actions.take_next(conv.work, self.setup_of(conv), staff, conv.now)
        if chat is None:
            conv.emit(Say(Msg(N_("desk.queue_empty"))))
            conv.state = "desk"
            await self.load(conv)
            return
        await self.show_chat(conv, chat, TRANSCRIPT_LINES * 8)
        assert chat.id is not None
        if staff.user_key:  # pictures and stickers sent while waiting are passed on now
            for message in (await conv.work.chats.messages(chat.id))[-TRANSCRIPT_LINES * 8:]:
                if message.kind != "text" and message.sender == "young":
                    await shifts.push_media(conv.work, staff.user_key, shifts.chat_label(chat), message.kind,
                                            message.body, conv.now, about=chat.id)

    async def open_chat(self, event: Any) -> None:
        """Switch to one of my chats, with its latest lines."""
        conv: Conversation = event.model
        conv.data["chat"] = int(event.kwargs["value"][5:])
        chat = await my_chat(conv)
        if chat is None:
            conv.emit(chat_gone(conv.data["chat"]))
            conv.state = "desk"
            await self.load(conv)
            return
        await self.show_chat(conv, chat, TRANSCRIPT_LINES)

    def chose_on(self, event: Any) -> bool:
        """A service to go on duty in."""
        value = str(event.kwargs.get("value", ""))
        return value.startswith("on:") and self.setup_of(event.model).get(value[3:]) is not None

    async def go_on(self, event: Any) -> None:
        """On duty in the service's running shift (if it is still open)."""
        conv: Conversation = event.model
        service = self.setup_of(conv).get(event.kwargs["value"][3:])
        assert service is not None
        shift = await desk_actions.go_on(conv.work, self.setup_of(conv), service.id, me(conv).id or 0, conv.now)
        if shift is None:
            conv.emit(Say(Msg(N_("desk.closed_now"), {"service": service.name})))
        else:
            conv.emit(Say(Msg(N_("desk.now_on"), {"service": service.name, "until": Period(
                shift.starts_at, shift.ends_at)})))
        await self.load(conv)

    async def go_off(self, event: Any) -> None:
        """Off duty everywhere (not with chats still open); those left waiting alone are told."""
        conv: Conversation = event.model
        if await desk_actions.go_off(conv.work, self.setup_of(conv), me(conv).id or 0, conv.now):
            conv.emit(Say(Msg(N_("desk.now_off"))))
        else:
            conv.emit(Say(Msg(N_("desk.close_first"))))
        await self.load(conv)

    async def reload(self, event: Any) -> None:
        """Draw the desk again from the store."""
        await self.load(event.model)

    # --- chat actions ---

    async def say(self, event: Any) -> None:
        """The worker's text, picture or sticker goes to the chat (a swipe-reply's chat, else the open one)."""
        conv: Conversation = event.model
        await self._follow_reply(conv, event.kwargs.get("reply_to"))
        chat = await my_chat(conv)
        assert chat is not None  # refresh left the chat if it was not
        show_names = self.setup_of(conv).show_names
        if event.kwargs.get("ref", "") is not None:
            conv.data["sent"] = True  # the answer names the chat it went to: several may be open
        if "text" in event.kwargs:
            await shifts.worker_says(conv.work, me(conv), chat, conv.now, "text", event.kwargs["text"], show_names)
        elif event.kwargs["ref"] is None:
            conv.emit(Say(Msg(N_("chat.cannot_pass"))))
        else:
            await shifts.worker_says(conv.work, me(conv), chat, conv.now, event.kwargs["kind"], event.kwargs["ref"],
                                     show_names)
            if event.kwargs.get("caption"):
                await shifts.worker_says(conv.work, me(conv), chat, conv.now, "text", event.kwargs["caption"],
                                         show_names)

    async def _follow_reply(self, conv: Conversation, reply_to: Any) -> None:
        """A swipe-reply answers the chat the replied-to message was sent about, whichever one is open. Only
        what the bot recorded when it sent that message counts: its text may be the young person's words."""
        staff_key = me(conv).user_key
        replied = await conv.work.chats.sent_about(staff_key, reply_to) if (
            reply_to is not None and staff_key) else None
        if replied is not None and replied != conv.data.get("chat"):
            current = conv.data["chat"]
            conv.data["chat"] = replied
            target = await my_chat(conv)
            if target is None:  # not theirs, or closed: the message goes to the chat that is open
                conv.data["chat"] = current
            else:
                await self._others(conv, target)

    def chose_reply(self, event: Any) -> bool:
        """One of the organisation's quick replies."""
        return event.kwargs.get("value") in self.by_reply

    async def quick(self, event: Any) -> None:
        """Send a quick reply (the young person gets it in their own language)."""
        conv: Conversation = event.model
        chat = await my_chat(conv)
        assert chat is not None
        reply = self.by_reply[event.kwargs["value"]]
        await shifts.worker_says(conv.work, me(conv), chat, conv.now, "text", reply.text,
                                 self.setup_of(conv).show_names)
        conv.emit(Say(Msg(N_("desk.quick_sent"), {"title": reply.title})))

    async def transfer(self, event: Any) -> None:
        """Hand the chat over to another worker on duty."""
        conv: Conversation = event.model
        chat = await my_chat(conv)
        taker = await conv.work.staff.get(int(event.kwargs["value"][3:]))
        assert chat is not None and taker is not None
        await desk_actions.transfer(conv.work, self.setup_of(conv), chat, me(conv), taker, conv.now)
        conv.emit(Say(Msg(N_("desk.transferred"), {"chat": shifts.chat_label(chat), "to": taker.name})))
        await self.load(conv)

    async def to_next_shift(self, event: Any) -> None:
        """The chat waits for the service's next shift; the young person is told when."""
        conv: Conversation = event.model
        chat = await my_chat(conv)
        assert chat is not None
        await desk_actions.to_next_shift(conv.work, self.setup_of(conv), chat, conv.now)
        conv.emit(Say(Msg(N_("desk.to_next_shift"), {"chat": shifts.chat_label(chat)})))
        await self.load(conv)

    async def offer(self, event: Any) -> None:
        """Offer the young person to become a client: they are told, the worker goes on to the invitation."""
        conv: Conversation = event.model
        chat = await my_chat(conv)
        assert chat is not None
        await desk_actions.offer(conv.work, self.setup_of(conv), chat, me(conv), conv.now)
        conv.emit(Say(Msg(N_("desk.offer_sent"))))
        # Straight on to the invitation (a nickname, a pair worker); then back to this chat to send the link.
        conv.switch_to = NEW_CLIENT

    async def close(self, event: Any) -> None:
        """Close the chat; the young person is told."""
        conv: Conversation = event.model
        chat = await my_chat(conv)
        assert chat is not None
        await shifts.close(conv.work, chat, "staff", conv.now)
        conv.emit(Say(Msg(N_("desk.closed"), {"chat": shifts.chat_label(chat)})))
        await self.load(conv)

    # --- views ---

    def view_desk(self, conv: Conversation) -> Ask:
        """My duty (or my next shifts), my chats, and what I can do."""
        desk, name = conv.data["desk"], self.setup_of(conv).name
        parts: list[Msg] = []
        if desk["on"]:
            parts.append(Msg(N_("desk.on_duty"), {
                "services": Lines(tuple(name(s) for s in desk["on"]), ", "), "waiting": desk["waiting"]}))
        else:
            parts += off_duty(self.setup_of(conv), desk)
        if desk["mine"]:
            parts.append(Msg(N_("desk.my_chats"), {"count": len(desk["mine"])}))
        if any(chat["ended"] for chat in desk["mine"]):
            parts.append(Msg(N_("desk.shift_over")))
        return Ask(Msg(N_("desk.status"), {"parts": Lines(tuple(parts), "\n\n")}), self._desk_options(conv, desk))

    def _desk_options(self, conv: Conversation, desk: dict[str, Any]) -> tuple[Option, ...]:
        """The desk's buttons: take, my chats, go on, go off (or plan a shift), refresh, menu."""
        options = []
        if desk["on"] and desk["waiting"]:
            options.append(Option(TAKE, Msg(N_("desk.take"), {"waiting": desk["waiting"]})))
        options += [Option(f"chat:{chat['id']}", Msg(N_("chat.label_crisis") if chat["crisis"] else N_(
            "chat.label"), {"number": chat["id"]})) for chat in desk["mine"]]
        options += [Option(f"on:{service}", Msg(N_("desk.go_on"), {"service": self.setup_of(conv).name(service)}))
                    for service in desk["join"]]
        if desk["on"]:
            options.append(Option(OFF, Msg(N_("desk.go_off"))))
        elif stuck(desk) and desk.get("plans"):
            options.append(Option(ROTA, Msg(N_("desk.open_rota"))))
        options += [Option(REFRESH, Msg(N_("desk.refresh"))), Option(MENU, Msg(N_("desk.menu")))]
        return tuple(options)

    def view_talk(self, conv: Conversation) -> Ask:
        """The open chat: type to answer, or a quick reply, transfer, next shift, offer, close."""
        options = [Option(QUICK, Msg(N_("desk.quick")))] if self.all_setup.replies else []
        if conv.data.get("others"):
            options.append(Option(TRANSFER, Msg(N_("desk.transfer"))))
        if conv.data.get("ended"):
            options.append(Option(NEXT_SHIFT, Msg(N_("desk.next_shift"))))
        options += [Option(OFFER, Msg(N_("desk.offer"))), Option(CLOSE, Msg(N_("desk.close"))),
                    Option(DESK, Msg(N_("desk.back")))]
        label = Msg(N_("chat.label_crisis") if conv.data.get("crisis") else N_("chat.label"),
                    {"number": conv.data["chat"]})
        prompt = N_("desk.sent") if conv.data.get("sent") else N_("desk.talk")
        return Ask(Msg(prompt, {"chat": label}), tuple(options), free_text=True, max_length=MAX_MESSAGE, media=True,
                   passes_on=True, about=conv.data["chat"])

    def view_quick(self, conv: Conversation) -> Ask:
        """The organisation's quick replies."""
        return Ask(Msg(N_("desk.choose_quick")), (*(Option(reply.id, reply.title) for reply in self.all_setup.replies),
                                                  Option(DESK, Msg(N_("desk.back_to_chat")))))


CHAT_STATES = ["talk", "quick", "transfer", "confirm_close"]


def desk_flow(setup: ChatSetup) -> FlowSpec:
    """The worker's desk: duty, the queue, several chats at once, quick replies, transfer and close."""
    steps = DeskSteps(setup)
    return FlowSpec(
        name=NAME, version=VERSION,
        states=["desk", {"name": "talk", "on_exit": [not_sent]}, *CHAT_STATES[1:], "confirm_off", "left"],
        initial="desk",
        transitions=[
            dict(trigger="choose", source="desk", dest="talk", conditions=[chose_take], after=[steps.take_next]),
            dict(trigger="choose", source="desk", dest="talk", conditions=[chose_chat], after=[steps.open_chat]),
            dict(trigger="choose", source="desk", dest="desk", conditions=[steps.chose_on], after=[steps.go_on]),
            dict(trigger="choose", source="desk", dest="confirm_off", conditions=[chose(OFF), leaves_waiting]),
            dict(trigger="choose", source="desk", dest="desk", conditions=[chose(OFF)], after=[steps.go_off]),
            dict(trigger="choose", source="confirm_off", dest="desk", conditions=[chose(YES)], after=[steps.go_off]),
            dict(trigger="choose", source="confirm_off", dest="desk", conditions=[chose(NO)], after=[steps.reload]),
            dict(trigger="choose", source="desk", dest="desk", conditions=[chose(REFRESH)], after=[steps.reload]),
            dict(trigger="choose", source="desk", dest="left", conditions=[chose(MENU)]),
            dict(trigger="choose", source="desk", dest="desk", conditions=[chose(ROTA), may_plan], after=[open_rota]),
            dict(trigger="text", source="talk", dest="talk", after=[steps.say]),
            dict(trigger="media", source="talk", dest="talk", after=[steps.say]),
            dict(trigger="choose", source="talk", dest="quick", conditions=[chose(QUICK)]),
            dict(trigger="choose", source="talk", dest="transfer", conditions=[chose(TRANSFER)]),
            dict(trigger="choose", source="talk", dest="desk", conditions=[chose(NEXT_SHIFT), shift_ended],
                 after=[steps.to_next_shift]),
            dict(trigger="choose", source="talk", dest="talk", conditions=[chose(OFFER)], after=[steps.offer]),
            dict(trigger="choose", source="talk", dest="confirm_close", conditions=[chose(CLOSE)]),
            dict(trigger="choose", source="talk", dest="desk", conditions=[chose(DESK)], after=[steps.reload]),
            dict(trigger="choose", source="quick", dest="talk", conditions=[steps.chose_reply], after=[steps.quick]),
            dict(trigger="choose", source=["quick", "transfer"], dest="talk", conditions=[chose(DESK)]),
            dict(trigger="choose", source="transfer", dest="desk", conditions=[chose_worker],
                 after=[steps.transfer]),
            dict(trigger="choose", source="confirm_close", dest="desk", conditions=[chose(YES)],
                 after=[steps.close]),
            dict(trigger="choose", source="confirm_close", dest="talk", conditions=[chose(NO)]),
        ],
        views={"desk": steps.view_desk, "talk": steps.view_talk, "quick": steps.view_quick,
               "transfer": view_transfer, "confirm_close": view_confirm, "confirm_off": view_confirm_off},
        help_key=N_("desk.help"), final=frozenset({"left"}), on_start=steps.load, refresh=steps.refresh,
        allowed=is_worker, resumable=True, controls=False,
        settled=frozenset({"desk", "confirm_off", *CHAT_STATES}), position_keys=("chat",), reload=True,
        in_progress=in_hand,
    )
