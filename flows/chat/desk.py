"""The worker's chat desk: on and off duty, the queue, several chats at once, quick replies, transfer, close.

What the desk shows is read from the store before every input (`refresh`): other workers and young people
change it all the time. A worker's typed text goes to the chat they have open; messages from young people
arrive as pushes labelled with the chat's number.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flows.chat import shifts
from flows.chat.quick_replies import QuickReply
from flows.chat.shifts import ChatSetup
from flows.core.guards import chose
from flows.core.messages import N_, Lines, Msg, Period, TimeOfDay
from flows.core.results import Ask, Option, Say
from flows.core.spec import Conversation, FlowSpec, Who
from flows.identity.staff import NEW_CLIENT
from storage.ports import ChatRow, DutyRow, StaffRow

NAME = "desk"
VERSION = 1
MENU, TAKE, OFF, REFRESH, DESK = "menu", "take", "off", "refresh", "desk"
QUICK, TRANSFER, NEXT_SHIFT, OFFER, CLOSE, YES, NO = "quick", "transfer", "next", "offer", "close", "yes", "no"
TRANSCRIPT_LINES = 8
NEXT_SHIFTS = 3
MAX_MESSAGE = 4000  # Telegram's own limit is 4096; the chat's label goes on top


def is_worker(who: Who) -> bool:
    return who.is_worker


def desk_flow(setup: ChatSetup, replies: tuple[QuickReply, ...]) -> FlowSpec:
    by_reply = {reply.id: reply for reply in replies}

    def me(conv: Conversation) -> StaffRow:
        staff = conv.who.staff
        assert staff is not None and staff.id is not None  # only workers open the desk
        return staff

    async def load(conv: Conversation) -> None:
        """What the desk shows: my duty, the queue, my chats, where I could go on duty, my next shifts."""
        work, staff, now = conv.work, me(conv), conv.now
        assert staff.id is not None
        on = await shifts.my_shifts(work, setup, staff.id, now)
        on_services = {shift.service for shift in on}
        waiting = sum([len(await work.chats.queued(service)) for service in on_services])
        can_join = [service.id for service in setup.services if service.id not in on_services
                    and await shifts.current_shift(work, service, now) is not None]
        mine = []
        for chat in await work.chats.open_for_staff(staff.id):
            shift = await work.shifts.get(chat.shift_id) if chat.shift_id else None
            mine.append({"id": chat.id, "crisis": chat.crisis, "ended": shift is not None and shift.ends_at <= now})
        conv.data["desk"] = {"on": sorted(on_services), "waiting": waiting, "join": can_join, "mine": mine,
                             "next": [] if on else await _my_next(conv, staff),
                             "alone": await shifts.waiting_alone(work, setup, staff.id, now)}

    async def _my_next(conv: Conversation, staff: StaffRow) -> list[list[str]]:
        found: list[tuple[datetime, datetime, str]] = []
        for service in setup.services:
            keys = {row.slot for row in await conv.work.schedules.rota(service.id) if row.staff_id == staff.id}
            if not keys:
                continue
            schedule = await shifts.schedule_of(conv.work, service)
            # Shifts that start later: a running one is joined with its own button, not "next".
            found += [(start, end, service.id) for start, end in schedule.next_openings(conv.now, 20)
                      if start > conv.now and keys & set(schedule.slot_keys(start))]
        return [[start.isoformat(), end.isoformat(), service] for start, end, service in sorted(found)[:NEXT_SHIFTS]]

    async def my_chat(conv: Conversation) -> ChatRow | None:
        chat = await conv.work.chats.get(conv.data.get("chat") or 0)
        if chat is None or chat.status != "open" or chat.staff_id != me(conv).id:
            return None
        return chat

    async def refresh(conv: Conversation) -> None:
        if conv.state not in ("desk", "confirm_off"):  # the others are about one chat, which may have gone
            chat = await my_chat(conv)
            if chat is None:
                conv.emit(Say(Msg(N_("desk.chat_gone"), {"chat": Msg(N_("chat.label"), {
                    "number": conv.data.get("chat") or 0})})))
                conv.state = "desk"
            else:
                await _others(conv, chat)
        await load(conv)

    async def _others(conv: Conversation, chat: ChatRow) -> None:
        """Who else is on duty now in this chat's service (to hand it over to), and whether the chat's own
        shift has ended (then it can also wait for the next shift)."""
        shift = await conv.work.shifts.get(chat.shift_id) if chat.shift_id else None
        service = setup.get(chat.service)
        current = await shifts.current_shift(conv.work, service, conv.now) if service else None
        others = [] if current is None else [
            {"id": staff.id, "name": staff.name} for staff in await shifts.on_duty(conv.work, current)
            if staff.id != me(conv).id]
        conv.data.update(others=others, ended=shift is not None and shift.ends_at <= conv.now,
                         crisis=chat.crisis)

    async def show_chat(conv: Conversation, chat: ChatRow, lines: int) -> None:
        """The chat's latest messages, so a worker who takes, switches to or receives a chat knows where it is."""
        assert chat.id is not None
        conv.data["chat"] = chat.id
        await _others(conv, chat)
        messages = await conv.work.chats.messages(chat.id)
        shown = []
        for message in messages[-lines:]:
            key = N_("desk.line_young") if message.sender == "young" else N_("desk.line_worker")
            body: Msg | str = message.body if message.kind == "text" else Msg(N_("desk.picture"))
            shown.append(Msg(key, {"time": TimeOfDay(message.at), "text": body}))
        conv.emit(Say(Msg(N_("desk.transcript"), {
            "chat": shifts.chat_label(chat), "service": setup.name(chat.service),
            "lines": Lines(tuple(shown)) if shown else Msg(N_("desk.no_messages"))}), about=chat.id))

    # --- desk actions ---
    async def take_next(event: Any) -> None:
        conv: Conversation = event.model
        staff = me(conv)
        assert staff.id is not None
        queue: list[tuple[ChatRow, Any]] = []
        for shift in await shifts.my_shifts(conv.work, setup, staff.id, conv.now):
            queue += [(chat, shift) for chat in await conv.work.chats.queued(shift.service)]
        if not queue:
            conv.emit(Say(Msg(N_("desk.queue_empty"))))
            conv.state = "desk"
            await load(conv)
            return
        chat, shift = min(queue, key=lambda pair: (not pair[0].crisis, pair[0].opened_at, pair[0].id or 0))
        await shifts.take(conv.work, staff, chat, shift, conv.now, setup.show_names)
        await show_chat(conv, chat, TRANSCRIPT_LINES * 8)
        assert chat.id is not None
        if staff.user_key:  # pictures and stickers sent while waiting are passed on now
            for message in (await conv.work.chats.messages(chat.id))[-TRANSCRIPT_LINES * 8:]:
                if message.kind != "text" and message.sender == "young":
                    await shifts.push_media(conv.work, staff.user_key, shifts.chat_label(chat), message.kind,
                                            message.body, conv.now, about=chat.id)

    def chose_take(event: Any) -> bool:
        return bool(event.kwargs.get("value") == TAKE)

    def chose_chat(event: Any) -> bool:
        value = str(event.kwargs.get("value", ""))
        return value.startswith("chat:") and value[5:].isdigit()

    async def open_chat(event: Any) -> None:
        conv: Conversation = event.model
        conv.data["chat"] = int(event.kwargs["value"][5:])
        chat = await my_chat(conv)
        if chat is None:
            conv.emit(Say(Msg(N_("desk.chat_gone"), {"chat": Msg(N_("chat.label"), {"number": conv.data["chat"]})})))
            conv.state = "desk"
            await load(conv)
            return
        await show_chat(conv, chat, TRANSCRIPT_LINES)

    def chose_on(event: Any) -> bool:
        value = str(event.kwargs.get("value", ""))
        return value.startswith("on:") and setup.get(value[3:]) is not None

    async def go_on(event: Any) -> None:
        conv: Conversation = event.model
        service = setup.get(event.kwargs["value"][3:])
        assert service is not None
        shift = await shifts.current_shift(conv.work, service, conv.now)
        if shift is None or shift.id is None:
            conv.emit(Say(Msg(N_("desk.closed_now"), {"service": service.name})))
        else:
            await conv.work.shifts.set_duty(DutyRow(shift.id, me(conv).id or 0, True, conv.now))
            conv.emit(Say(Msg(N_("desk.now_on"), {"service": service.name, "until": Period(
                shift.starts_at, shift.ends_at)})))
        await load(conv)

    def leaves_waiting(event: Any) -> bool:
        """Going off would leave people in the queue with nobody on duty: the worker confirms first."""
        desk = event.model.data["desk"]
        return not desk["mine"] and bool(desk.get("alone"))

    async def go_off(event: Any) -> None:
        conv: Conversation = event.model
        staff = me(conv)
        if conv.data["desk"]["mine"]:
            conv.emit(Say(Msg(N_("desk.close_first"))))
        else:
            was = await shifts.staffed_services(conv.work, setup, conv.now)
            for shift in await shifts.my_shifts(conv.work, setup, staff.id or 0, conv.now):
                await conv.work.shifts.set_duty(DutyRow(shift.id or 0, staff.id or 0, False, conv.now))
            # The last one off: those waiting learn at once when the next shift is and where to turn now.
            await shifts.tell_if_unstaffed(conv.work, setup, was, conv.now)
            conv.emit(Say(Msg(N_("desk.now_off"))))
        await load(conv)

    async def reload(event: Any) -> None:
        await load(event.model)

    # --- chat actions ---
    async def say(event: Any) -> None:
        conv: Conversation = event.model
        reply_to = event.kwargs.get("reply_to")
        staff_key = me(conv).user_key
        # A swipe-reply answers the chat the replied-to message was sent about, whichever one is open. Only
        # what the bot recorded when it sent that message counts: its text may be the young person's words.
        replied = await conv.work.chats.sent_about(staff_key, reply_to) if (
            reply_to is not None and staff_key) else None
        if replied is not None and replied != conv.data.get("chat"):
            current = conv.data["chat"]
            conv.data["chat"] = replied
            target = await my_chat(conv)
            if target is None:  # not theirs, or closed: the message goes to the chat that is open
                conv.data["chat"] = current
            else:
                await _others(conv, target)
        chat = await my_chat(conv)
        assert chat is not None  # refresh left the chat if it was not
        if event.kwargs.get("ref", "") is not None:
            conv.data["sent"] = True  # the answer names the chat it went to: several may be open
        if "text" in event.kwargs:
            await shifts.worker_says(conv.work, me(conv), chat, conv.now, "text", event.kwargs["text"],
                                     setup.show_names)
        elif event.kwargs["ref"] is None:
            conv.emit(Say(Msg(N_("chat.cannot_pass"))))
        else:
            await shifts.worker_says(conv.work, me(conv), chat, conv.now, event.kwargs["kind"], event.kwargs["ref"],
                                     setup.show_names)
            if event.kwargs.get("caption"):
                await shifts.worker_says(conv.work, me(conv), chat, conv.now, "text", event.kwargs["caption"],
                                         setup.show_names)


    def chose_reply(event: Any) -> bool:
        return event.kwargs.get("value") in by_reply

    async def quick(event: Any) -> None:
        conv: Conversation = event.model
        chat = await my_chat(conv)
        assert chat is not None
        reply = by_reply[event.kwargs["value"]]
        await shifts.worker_says(conv.work, me(conv), chat, conv.now, "text", reply.text, setup.show_names)
        conv.emit(Say(Msg(N_("desk.quick_sent"), {"title": reply.title})))

    def chose_worker(event: Any) -> bool:
        value = str(event.kwargs.get("value", ""))
        return value.startswith("to:") and any(str(other["id"]) == value[3:]
                                               for other in event.model.data.get("others", []))

    async def transfer(event: Any) -> None:
        conv: Conversation = event.model
        chat = await my_chat(conv)
        taker = await conv.work.staff.get(int(event.kwargs["value"][3:]))
        assert chat is not None and taker is not None
        service = setup.get(chat.service)
        current = await shifts.current_shift(conv.work, service, conv.now) if service else None
        if current is not None:
            chat.shift_id = current.id  # the taker's shift answers it from now on (the next one, at a change)
        await shifts.hand_over(conv.work, chat, me(conv), taker, conv.now, setup.show_names)
        conv.emit(Say(Msg(N_("desk.transferred"), {"chat": shifts.chat_label(chat), "to": taker.name})))
        await load(conv)

    async def to_next_shift(event: Any) -> None:
        conv: Conversation = event.model
        chat = await my_chat(conv)
        assert chat is not None
        service = setup.get(chat.service)
        upcoming = await shifts.next_opening(conv.work, service, conv.now) if service else None
        await shifts.back_to_queue(conv.work, chat, upcoming, conv.now)
        conv.emit(Say(Msg(N_("desk.to_next_shift"), {"chat": shifts.chat_label(chat)})))
        await load(conv)

    def shift_ended(event: Any) -> bool:
        return bool(event.model.data.get("ended"))

    async def offer(event: Any) -> None:
        conv: Conversation = event.model
        chat = await my_chat(conv)
        assert chat is not None
        if chat.user_key is not None:
            await shifts.push(conv.work, chat.user_key, Msg(N_("chat.offer_identified"), {
                "who": shifts.worker_label(me(conv), setup.show_names)}), conv.now)
        conv.emit(Say(Msg(N_("desk.offer_sent"))))
        # Straight on to the invitation (a nickname, a pair worker); then back to this chat to send the link.
        conv.switch_to = NEW_CLIENT

    async def close(event: Any) -> None:
        conv: Conversation = event.model
        chat = await my_chat(conv)
        assert chat is not None
        await shifts.close(conv.work, chat, "staff", conv.now)
        conv.emit(Say(Msg(N_("desk.closed"), {"chat": shifts.chat_label(chat)})))
        await load(conv)

    # --- views ---
    def view_desk(conv: Conversation) -> Ask:
        desk = conv.data["desk"]
        parts: list[Msg] = []
        if desk["on"]:
            parts.append(Msg(N_("desk.on_duty"), {
                "services": Lines(tuple(setup.name(s) for s in desk["on"]), ", "), "waiting": desk["waiting"]}))
        else:
            upcoming = tuple(Msg(N_("desk.next_line"), {"when": Period(datetime.fromisoformat(a),
                                                                       datetime.fromisoformat(b)),
                                                        "service": setup.name(s)}) for a, b, s in desk["next"])
            parts.append(Msg(N_("desk.off_duty"), {
                "next": Lines(upcoming) if upcoming else Msg(N_("desk.no_shifts"))}))
        if desk["mine"]:
            parts.append(Msg(N_("desk.my_chats"), {"count": len(desk["mine"])}))
        if any(chat["ended"] for chat in desk["mine"]):
            parts.append(Msg(N_("desk.shift_over")))
        options = []
        if desk["on"] and desk["waiting"]:
            options.append(Option(TAKE, Msg(N_("desk.take"), {"waiting": desk["waiting"]})))
        options += [Option(f"chat:{chat['id']}", Msg(N_("chat.label_crisis") if chat["crisis"] else N_(
            "chat.label"), {"number": chat["id"]})) for chat in desk["mine"]]
        options += [Option(f"on:{service}", Msg(N_("desk.go_on"), {"service": setup.name(service)}))
                    for service in desk["join"]]
        if desk["on"]:
            options.append(Option(OFF, Msg(N_("desk.go_off"))))
        options += [Option(REFRESH, Msg(N_("desk.refresh"))), Option(MENU, Msg(N_("desk.menu")))]
        return Ask(Msg(N_("desk.status"), {"parts": Lines(tuple(parts), "\n\n")}), tuple(options))

    def view_talk(conv: Conversation) -> Ask:
        options = [Option(QUICK, Msg(N_("desk.quick")))] if replies else []
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

    def not_sent(event: Any) -> None:
        event.model.data.pop("sent", None)

    def view_quick(conv: Conversation) -> Ask:
        return Ask(Msg(N_("desk.choose_quick")), (*(Option(reply.id, reply.title) for reply in replies),
                                                  Option(DESK, Msg(N_("desk.back_to_chat")))))

    def view_transfer(conv: Conversation) -> Ask:
        return Ask(Msg(N_("desk.choose_worker")), (
            *(Option(f"to:{other['id']}", Msg(N_("desk.worker"), {"name": other["name"]}))
              for other in conv.data.get("others", [])), Option(DESK, Msg(N_("desk.back_to_chat")))))

    def view_confirm_off(conv: Conversation) -> Ask:
        return Ask(Msg(N_("desk.confirm_off"), {"waiting": conv.data["desk"].get("alone", 0)}), (
            Option(YES, Msg(N_("desk.off_yes"))), Option(NO, Msg(N_("desk.off_no")))))

    def view_confirm(conv: Conversation) -> Ask:
        return Ask(Msg(N_("desk.confirm_close"), {"chat": Msg(N_("chat.label"), {"number": conv.data["chat"]})}), (
            Option(YES, Msg(N_("desk.close_yes"))), Option(NO, Msg(N_("desk.close_no")))))

    chat_states = ["talk", "quick", "transfer", "confirm_close"]
    return FlowSpec(
        name=NAME, version=VERSION,
        states=["desk", {"name": "talk", "on_exit": [not_sent]}, *chat_states[1:], "confirm_off", "left"],
        initial="desk",
        transitions=[
            dict(trigger="choose", source="desk", dest="talk", conditions=[chose_take], after=[take_next]),
            dict(trigger="choose", source="desk", dest="talk", conditions=[chose_chat], after=[open_chat]),
            dict(trigger="choose", source="desk", dest="desk", conditions=[chose_on], after=[go_on]),
            dict(trigger="choose", source="desk", dest="confirm_off", conditions=[chose(OFF), leaves_waiting]),
            dict(trigger="choose", source="desk", dest="desk", conditions=[chose(OFF)], after=[go_off]),
            dict(trigger="choose", source="confirm_off", dest="desk", conditions=[chose(YES)], after=[go_off]),
            dict(trigger="choose", source="confirm_off", dest="desk", conditions=[chose(NO)], after=[reload]),
            dict(trigger="choose", source="desk", dest="desk", conditions=[chose(REFRESH)], after=[reload]),
            dict(trigger="choose", source="desk", dest="left", conditions=[chose(MENU)]),
            dict(trigger="text", source="talk", dest="talk", after=[say]),
            dict(trigger="media", source="talk", dest="talk", after=[say]),
            dict(trigger="choose", source="talk", dest="quick", conditions=[chose(QUICK)]),
            dict(trigger="choose", source="talk", dest="transfer", conditions=[chose(TRANSFER)]),
            dict(trigger="choose", source="talk", dest="desk", conditions=[chose(NEXT_SHIFT), shift_ended],
                 after=[to_next_shift]),
            dict(trigger="choose", source="talk", dest="talk", conditions=[chose(OFFER)], after=[offer]),
            dict(trigger="choose", source="talk", dest="confirm_close", conditions=[chose(CLOSE)]),
            dict(trigger="choose", source="talk", dest="desk", conditions=[chose(DESK)], after=[reload]),
            dict(trigger="choose", source="quick", dest="talk", conditions=[chose_reply], after=[quick]),
            dict(trigger="choose", source=["quick", "transfer"], dest="talk", conditions=[chose(DESK)]),
            dict(trigger="choose", source="transfer", dest="desk", conditions=[chose_worker], after=[transfer]),
            dict(trigger="choose", source="confirm_close", dest="desk", conditions=[chose(YES)], after=[close]),
            dict(trigger="choose", source="confirm_close", dest="talk", conditions=[chose(NO)]),
        ],
        views={"desk": view_desk, "talk": view_talk, "quick": view_quick, "transfer": view_transfer,
               "confirm_close": view_confirm, "confirm_off": view_confirm_off},
        help_key=N_("desk.help"), final=frozenset({"left"}), on_start=load, refresh=refresh, allowed=is_worker,
        resumable=True,
        controls=False, settled=frozenset({"desk", "confirm_off", *chat_states}), position_keys=("chat",), reload=True,
    )
