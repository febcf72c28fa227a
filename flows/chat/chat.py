"""The young person's side of the anonymous chat: the queue, the talk, out-of-hours messages and the rating.

The chat row is the truth about where the chat is (a worker may take or close it at any moment); the flow's
`refresh` catches up with it before each input, and a poke from the outbox shows the change at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flows.chat import shifts
from flows.chat.schedule import Service
from flows.chat.setup import ChatSetup
from flows.core import inputs
from flows.core.codes import forget_tag
from flows.core.crisis import Crisis
from flows.core.guards import chose
from flows.core.messages import N_, Lines, LocalText, Msg, Period
from flows.core.results import Ask, Option, Say
from flows.core.spec import Conversation, FlowSpec, Who
from flows.identity.regions import names_of
from flows.identity.staff import staff_card
from storage.ports import ChatRow, ContactRow

NAME = "chat"
VERSION = 1
MENU = "menu"
LEAVE, END, SKIP = "leave", "end", "skip"
REGION = "region:"  # a region's button (#14), apart from the services' ids
RATINGS = ("1", "2", "3", "4", "5")
RATING_LABELS = {"1": N_("chat.rate_1"), "2": N_("chat.rate_2"), "3": N_("chat.rate_3"), "4": N_("chat.rate_4"),
                 "5": N_("chat.rate_5")}
MAX_MESSAGE = 4000  # Telegram's own limit is 4096; the worker's label goes on top


def not_staff(who: Who) -> bool:
    """Workers answer the chat; they do not queue in it (a worker's account is never anonymous here)."""
    return who.staff is None


def passable(event: Any) -> bool:
    """Text, or a picture or sticker: something that can reach a worker (a voice message cannot)."""
    return "text" in event.kwargs or event.kwargs.get("ref") is not None


def cannot_pass(event: Any) -> None:
    """A voice message (or another kind) cannot reach a worker: the person is told."""
    event.model.emit(Say(Msg(N_("chat.cannot_pass"))))


async def end(event: Any) -> None:
    """The young person ends the chat (or leaves the queue); their sealed chat id goes when nothing is left to send."""
    conv: Conversation = event.model
    chat = await conv.work.chats.get(conv.data["chat"])
    answered = chat is not None and chat.taken_at is not None
    if chat is not None and chat.status != "closed":
        await shifts.close(conv.work, chat, "young", conv.now)
    # The replies from here on answer the person's own taps: their sealed chat id is not needed for them.
    # It goes now, or (a worker's last message still to send) right after the ticker has sent that.
    await shifts.release_contact(conv.work, conv.key)
    conv.data["answered"] = answered


def answered(event: Any) -> bool:
    """A worker took the chat before it ended: it can be rated."""
    return bool(event.model.data.get("answered"))


async def rate(event: Any) -> None:
    """Keep the rating on the chat row (it outlives the texts)."""
    conv: Conversation = event.model
    chat = await conv.work.chats.get(conv.data["chat"])
    if chat is not None:
        chat.rating = int(event.kwargs["value"])
        await conv.work.chats.save(chat)


def chose_rating(event: Any) -> bool:
    """One of the five ratings."""
    return event.kwargs.get("value") in RATINGS


async def comment(event: Any) -> None:
    """Keep the comment on the chat row."""
    conv: Conversation = event.model
    chat = await conv.work.chats.get(conv.data["chat"])
    if chat is not None:
        chat.comment = event.kwargs["text"]
        await conv.work.chats.save(chat)


def left_queue(event: Any) -> None:
    """Left the queue before anyone answered."""
    event.model.emit(Say(Msg(N_("chat.left_queue"))))


def thank(event: Any) -> None:
    """Thanks for the rating (or for the chat)."""
    event.model.emit(Say(Msg(N_("chat.thanks"))))


def _left_notice(conv: Conversation) -> Msg:
    upcoming = conv.data.get("next")
    if upcoming:
        return Msg(N_("chat.left"), {"when": _period(upcoming)})
    return Msg(N_("chat.left_unknown"))


def view_rate(conv: Conversation) -> Ask:
    """How was the chat: one to five, or skip."""
    return Ask(Msg(N_("chat.rate")), (*(Option(value, Msg(RATING_LABELS[value])) for value in RATINGS),
                                      Option(SKIP, Msg(N_("chat.skip")))))


def view_comment(conv: Conversation) -> Ask:
    """Anything to add, in their own words, or skip."""
    return Ask(Msg(N_("chat.comment")), (Option(SKIP, Msg(N_("chat.skip"))),), free_text=True,
               max_length=MAX_MESSAGE)


def view_ended(conv: Conversation) -> Ask:
    """The chat ended before anyone answered."""
    return Ask(Msg(N_("chat.ended_unanswered")), (Option(MENU, Msg(N_("chat.back_to_menu"))),))


class ChatSteps:
    """The steps that need the chat services, the crisis words and the secret that tags a closed chat."""

    def __init__(self, setup: ChatSetup, crisis: Crisis, secret: str) -> None:
        self.setup, self.crisis, self.secret = setup, crisis, secret
        self.by_id = {service.id: service for service in setup.services}

    async def on_start(self, conv: Conversation) -> None:
        """Back to a chat or left message still waiting; else the service (chosen at once if there is one, or if
        the chat was opened for one the organisation offers)."""
        active = await conv.work.chats.active_for_user(conv.key)
        about = conv.data.pop(inputs.ABOUT, None)  # the service the channel was opened for (the widget's), if any
        if active is not None:  # a chat or a left message is waiting: back to it
            await self._follow(conv, active)
            conv.state = "talk"
        elif len(self.setup.services) == 1:
            await self._choose(conv, self.setup.services[0].id)
        elif about in self.by_id:  # only a service this organisation offers; anything else asks which one
            await self._choose(conv, about)  # the widget's or the link's service implies its region (#14)
        elif len(self.setup.regions()) > 1:
            # Several regions answer (#14): the region first, then its services (a short list, in their words).
            conv.data["regions"] = [[code, *names_of(await conv.work.regions.get(code), code)]
                                    for code in self.setup.regions()]
            conv.state = "region"
        else:
            conv.state = "service"

    def services_shown(self, conv: Conversation) -> tuple[Service, ...]:
        """The services to choose from: the chosen region's (#14), or all of them."""
        region = conv.data.get("region")
        return tuple(s for s in self.setup.services if region is None or s.region == region)

    def chose_region(self, event: Any) -> bool:
        """One of the regions offered."""
        value = str(event.kwargs.get("value", ""))
        return value.startswith(REGION) and value[len(REGION):] in self.setup.regions()

    async def choose_region(self, event: Any) -> None:
        """The region chosen: its one service at once, or the choice of its services."""
        conv: Conversation = event.model
        conv.data["region"] = event.kwargs["value"][len(REGION):]
        conv.data.pop("regions", None)
        shown = self.services_shown(conv)
        if len(shown) == 1:
            await self._choose(conv, shown[0].id)

    def view_region(self, conv: Conversation) -> Ask:
        """Which region to write to: each by its name in the reader's language."""
        return Ask(Msg(N_("chat.choose_region")), (
            *(Option(f"{REGION}{code}", LocalText(fi, sv, en)) for code, fi, sv, en in conv.data["regions"]),
            Option(MENU, Msg(N_("chat.back_to_menu")))))

    async def _choose(self, conv: Conversation, service_id: str) -> None:
        service = self.by_id[service_id]
        conv.data["service"] = service_id
        if await shifts.available(conv.work, service, conv.now):
            conv.state = "intro"
            return
        conv.state = "closed"
        upcoming = await shifts.next_opening(conv.work, service, conv.now)
        conv.data["next"] = [upcoming.start.isoformat(), upcoming.end.isoformat()] if upcoming else None
        # What else is open now: in the service's own region, whose shifts answer it (#14).
        conv.data["open_now"] = [other.id for other in self.setup.services
                                 if other.id != service_id and other.region == service.region
                                 and await shifts.available(conv.work, other, conv.now)]

    async def _follow(self, conv: Conversation, chat: ChatRow) -> None:
        """Keep what the views show in step with the chat row."""
        conv.data.update(chat=chat.id, service=chat.service, status=chat.status, who=None)
        if chat.status == "queued":
            conv.data["open"] = chat.service in self.by_id and await shifts.available(
                conv.work, self.by_id[chat.service], conv.now)
            conv.data["place"] = await shifts.place_in_queue(conv.work, chat)
            upcoming = await shifts.next_opening(conv.work, self.by_id[chat.service], conv.now) if (
                chat.service in self.by_id) else None
            conv.data["next"] = [upcoming.start.isoformat(), upcoming.end.isoformat()] if upcoming else None
            # Told from elsewhere (the last worker went off, the shift ended): what now and where to turn.
            conv.data["help_now"] = conv.poked and not conv.data["open"]
            region = self.by_id[chat.service].region if chat.service in self.by_id else None
            conv.data["open_now"] = [other.id for other in self.setup.services if conv.data["help_now"] and (
                other.id != chat.service and other.region == region
                and await shifts.available(conv.work, other, conv.now))]
        staff = await conv.work.staff.get(chat.staff_id) if chat.staff_id else None
        if staff is not None:
            conv.data["who"] = staff_card(staff)

    async def refresh(self, conv: Conversation) -> None:
        """Catch up with the chat row: a worker may have taken or closed the chat meanwhile."""
        if conv.state != "talk":
            return
        chat = await conv.work.chats.get(conv.data["chat"])
        if chat is None or chat.status == "closed":
            # The worker closed it (or the shift did): on to the rating if anyone answered. Someone who wrote
            # before the notice reached them learns that it was not passed on.
            conv.state = "rate" if chat is not None and chat.taken_at is not None else "ended"
            conv.data["answered"] = conv.state == "rate"
            if not conv.poked:
                conv.emit(Say(Msg(N_("chat.has_ended"))))
        else:
            await self._follow(conv, chat)

    async def choose_service(self, event: Any) -> None:
        """The service chosen: its intro if someone answers now, else its next opening."""
        await self._choose(event.model, event.kwargs["value"])

    def chose_service(self, event: Any) -> bool:
        """One of the services offered (of the chosen region, if there was a choice)."""
        return event.kwargs.get("value") in {service.id for service in self.services_shown(event.model)}

    async def first_message(self, event: Any) -> None:
        """The first message opens the chat: in the queue if someone is on duty, else for the next shift."""
        conv: Conversation = event.model
        service = self.by_id[conv.data["service"]]
        open_now = await shifts.available(conv.work, service, conv.now)
        chat = ChatRow(service.id, conv.now, conv.key, crisis=conv.crisis, left=not open_now,
                       forget_tag=forget_tag(self.secret, conv.key))
        chat.id = await conv.work.chats.add(chat)
        if conv.contact and await conv.work.contacts.get(conv.key) is None:
            # Needed to write back; sealed, and deleted when the chat and what was sent for it are done.
            await conv.work.contacts.save(ContactRow(conv.key, conv.contact, conv.now))
        await self._message(conv, chat, event)
        await self._follow(conv, chat)  # the talk view says where the message is: in the queue, or kept
        if open_now:
            await shifts.tell_queue(conv.work, service, chat, conv.now)

    async def _message(self, conv: Conversation, chat: ChatRow, event: Any) -> None:
        flagged = chat.crisis
        await self._pass_on(conv, chat, event)
        if chat.crisis and not flagged and chat.status == "queued" and chat.service in self.by_id:
            # Crisis words while waiting: first in the queue now, and the workers on duty hear of it.
            await shifts.tell_queue(conv.work, self.by_id[chat.service], chat, conv.now)

    async def _pass_on(self, conv: Conversation, chat: ChatRow, event: Any) -> None:
        if "text" in event.kwargs:
            if not await shifts.young_says(conv.work, chat, conv.now, "text", event.kwargs["text"], conv.crisis):
                await self._requeued(conv, chat)
            return
        kind, ref, caption = event.kwargs["kind"], event.kwargs["ref"], event.kwargs.get("caption", "")
        if ref is None:
            conv.emit(Say(Msg(N_("chat.cannot_pass"))))
            return
        passed = await shifts.young_says(conv.work, chat, conv.now, kind, ref)
        if caption:
            passed = await shifts.young_says(conv.work, chat, conv.now, "text", caption, conv.crisis) and passed
        if not passed:
            await self._requeued(conv, chat)

    async def _requeued(self, conv: Conversation, chat: ChatRow) -> None:
        conv.emit(Say(Msg(N_("chat.requeued"))))
        await self._follow(conv, chat)
        if chat.service in self.by_id:
            await shifts.tell_queue(conv.work, self.by_id[chat.service], chat, conv.now)

    async def talk(self, event: Any) -> None:
        """A message in a chat already open (or waiting) goes to it."""
        conv: Conversation = event.model
        chat = await conv.work.chats.get(conv.data["chat"])
        assert chat is not None  # refresh moved on from a closed or missing chat
        await self._message(conv, chat, event)

    def known_service(self, conv: Conversation) -> bool:
        """A conversation about a service that was removed from the services file starts afresh."""
        return conv.state == "talk" or "service" not in conv.data or conv.data["service"] in self.by_id

    def view_service(self, conv: Conversation) -> Ask:
        """Which service to write to."""
        return Ask(Msg(N_("chat.choose_service")), (
            *(Option(service.id, service.name) for service in self.services_shown(conv)),
            Option(MENU, Msg(N_("chat.back_to_menu")))))

    def view_intro(self, conv: Conversation) -> Ask:
        """The service and who answers; the first message opens the chat."""
        service = self.by_id[conv.data["service"]]
        return Ask(Msg(N_("chat.intro"), {"service": service.name, "opening": service.opening}),
                   (Option(MENU, Msg(N_("chat.back_to_menu"))),), free_text=True, max_length=MAX_MESSAGE,
                   media=True, passes_on=True)

    def out_of_hours(self, conv: Conversation, key: str) -> Msg:
        """The next opening, where to turn now and what else is open: before a first message out of hours
        (``chat.closed``), and to someone waiting when nobody is on duty any more (``chat.nobody_on_duty``)."""
        upcoming = conv.data.get("next")
        open_now = tuple(self.by_id[other] for other in conv.data.get("open_now", []) if other in self.by_id)
        return out_of_hours_notice(key, self.by_id[conv.data["service"]], _period(upcoming) if upcoming else None,
                                   open_now, self.crisis.help((), conv.language))

    def view_closed(self, conv: Conversation) -> Ask:
        """Out of hours: when it opens, where to turn now; a message can be left."""
        return Ask(self.out_of_hours(conv, N_("chat.closed")), (Option(MENU, Msg(N_("chat.back_to_menu"))),),
                   free_text=True, max_length=MAX_MESSAGE, media=True, passes_on=True)

    def view_talk(self, conv: Conversation) -> Ask:
        """Where the chat is: with a worker, in the queue, kept for the next shift, or nobody on duty."""
        who = conv.data.get("who")
        if conv.data.get("status") == "open" and who:
            prompt = Msg(N_("chat.talking"), {"who": self._who(who)})
        elif not conv.data.get("open") and conv.data.get("help_now"):
            prompt = self.out_of_hours(conv, N_("chat.nobody_on_duty"))
        elif not conv.data.get("open"):
            prompt = _left_notice(conv)
        else:
            prompt = Msg(N_("chat.waiting"), {"place": conv.data.get("place", 1)})
        return Ask(prompt, (Option(END, Msg(N_("chat.end"))),), free_text=True, max_length=MAX_MESSAGE,
                   media=True, quiet=True, passes_on=True)

    def _who(self, who: dict[str, str]) -> Msg:
        return shifts.worker_label(who, self.setup.show_names)


def chat_flow(setup: ChatSetup, crisis: Crisis, secret: str = "local") -> FlowSpec:
    """The anonymous shift chat: choose a service, talk with the worker on duty (or leave a message), rate it."""
    steps = ChatSteps(setup, crisis, secret)
    text_or_media: list[dict[str, Any]] = [
        dict(trigger=trigger, source=["intro", "closed"], dest="talk", conditions=[passable],
             after=[steps.first_message])
        for trigger in ("text", "media")]
    text_or_media += [dict(trigger="media", source="intro", dest="intro", after=[cannot_pass]),
                      dict(trigger="media", source="closed", dest="closed", after=[cannot_pass]),
                      dict(trigger="text", source="talk", dest="talk", after=[steps.talk]),
                      dict(trigger="media", source="talk", dest="talk", after=[steps.talk])]
    return FlowSpec(
        name=NAME, version=VERSION,
        states=["region", "service", "intro", "closed", "talk", "rate", "comment", "ended", "done", "left_menu"],
        initial="service",
        transitions=[
            dict(trigger="choose", source="region", dest="service", conditions=[steps.chose_region],
                 after=[steps.choose_region]),
            dict(trigger="choose", source="service", dest="intro", conditions=[steps.chose_service],
                 after=[steps.choose_service]),
            dict(trigger="choose", source=["region", "service", "intro", "closed", "ended"], dest="left_menu",
                 conditions=[chose(MENU)]),
            *text_or_media,
            dict(trigger="choose", source="talk", dest="rate", prepare=[end], conditions=[chose(END), answered]),
            dict(trigger="choose", source="talk", dest="done", prepare=[end], conditions=[chose(END)],
                 after=[left_queue]),
            dict(trigger="choose", source="rate", dest="comment", conditions=[chose_rating], before=[rate]),
            dict(trigger="choose", source="rate", dest="done", conditions=[chose(SKIP)], after=[thank]),
            dict(trigger="text", source="comment", dest="done", before=[comment], after=[thank]),
            dict(trigger="choose", source="comment", dest="done", conditions=[chose(SKIP)], after=[thank]),
        ],
        views={"region": steps.view_region, "service": steps.view_service, "intro": steps.view_intro,
               "closed": steps.view_closed,
               "talk": steps.view_talk, "rate": view_rate, "comment": view_comment, "ended": view_ended},
        help_key=N_("chat.help"), final=frozenset({"done", "left_menu"}), on_start=steps.on_start,
        refresh=steps.refresh,
        controls=False, settled=frozenset({"talk", "rate", "comment", "ended"}), position_keys=("chat",),
        allowed=not_staff, reload=True, resumable=True, still_valid=steps.known_service,
    )


def out_of_hours_notice(key: str, service: Service, upcoming: Period | None, open_now: Sequence[Service],
                        places: Lines) -> Msg:
    """What someone is told while ``service`` has nobody to answer: its next opening, where to turn right now and
    the services open now. The chat's own views say it (``chat.closed``, ``chat.nobody_on_duty``), and so does the
    web widget's closed view (``chat.closed``): one text, wherever the young person is."""
    lines = tuple(Msg(N_("chat.open_now_line"), {"service": other.name}) for other in open_now)
    return Msg(key, {
        "service": service.name, "when": upcoming or Msg(N_("chat.no_opening_soon")), "places": places,
        "open_now": Msg(N_("chat.open_now"), {"services": Lines(lines)}) if lines else "",
    })


def _period(value: list[str]) -> Period:
    return Period(datetime.fromisoformat(value[0]), datetime.fromisoformat(value[1]))

