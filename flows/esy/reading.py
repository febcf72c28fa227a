"""A worker's own reading of a client's situation (#12 §1): the same instrument, walked by the worker.

Opened from the client's card ("My reading of <nickname>'s situation"): the responsible worker always, the pair
worker only with consent (b) (`flows/esy/dialogue.py`). The worker rates the same statements on the same scale,
under a heading that says it is their reading of the client's situation; the client's answers are never shown
meanwhile. Against anchoring: the intro asks the worker to give their reading before opening the client's shared
circles, and the reading records whether they had already opened the latest one (said beside the comparison,
never a block). Stored only with consent (c); the client is told, and both can then open the comparison
(`flows/esy/comparison.py`).
"""

from __future__ import annotations

from typing import Any

from flows.core.messages import N_, LocalText, Msg, dump_msg
from flows.core.results import Ask, Done, Option, Say
from flows.core.spec import Conversation, FlowSpec, Who
from flows.esy.comparison import NAME as COMPARISON
from flows.esy.comparison import ComparisonSteps, open_for_worker
from flows.esy.dialogue import DEFAULT_DIFFERENCE, VIEWED, latest_shared, opened_latest, reading_access
from flows.esy.esy import SECONDS_PER_STATEMENT, EsySteps, chose_begin, next_area, next_statement
from flows.esy.instrument import Instrument
from flows.esy.scoring import area_scores
from storage.ports import AuditRow, OutboxRow, ReadingRow

NAME = "esy_reading"
VERSION = 1
BEGIN = "begin"  # as the ESY flow's Begin
COMPARE = "compare"


def is_worker(who: Who) -> bool:
    return who.is_worker


class ReadingSteps:
    """The steps with the instrument (shared with the ESY flow's own), consent (c)'s title and the comparison."""

    def __init__(self, instrument: Instrument, storage: LocalText, threshold: float = DEFAULT_DIFFERENCE) -> None:
        self.instrument, self.storage = instrument, storage
        self.comparison = ComparisonSteps(instrument, threshold)
        self.esy = EsySteps(instrument)

    async def on_start(self, conv: Conversation) -> None:
        """The card's client, if this worker may give a reading of them and it can be kept (consent c)."""
        access = await reading_access(conv, conv.data.get("client_id"))
        if access is None:
            conv.emit(Say(Msg(N_("reading.no_access"))))
            conv.state = "closed"
            return
        nickname = access.client.nickname
        if not access.storage:
            conv.emit(Say(Msg(N_("reading.needs_storage"), {"nickname": nickname, "title": self.storage})))
            conv.state = "closed"
            return
        circle = await latest_shared(conv.work, access.client_id, self.instrument.id)
        mine = [row for row in await conv.work.readings.for_client(access.client_id)
                if row.staff_id == (conv.who.staff.id if conv.who.staff else None)]
        conv.data.update(client=access.client_id, nickname=nickname, instrument=self.instrument.id,
                         iv=self.instrument.version, area=0, item=0, ratings={},
                         saw=await opened_latest(conv, access.client_id, circle),
                         earlier=mine[-1].completed_at.isoformat() if mine else None,
                         comparable=bool(mine) and circle is not None)

    def still_valid(self, conv: Conversation) -> bool:
        return conv.data.get("instrument") == self.instrument.id and conv.data.get("iv") == self.instrument.version

    # --- what each state asks -----------------------------------------------------------------------------
    def view_intro(self, conv: Conversation) -> Ask:
        """What the reading is, that the client's answers stay out of sight, and (honestly) if they were seen."""
        statements = sum(len(area.statements) for area in self.instrument.areas)
        note = Msg(N_("reading.intro_seen")) if conv.data["saw"] else Msg(N_("reading.intro_unseen"))
        prompt = Msg(N_("reading.intro"), {
            "nickname": conv.data["nickname"], "areas": len(self.instrument.areas), "note": note,
            "minutes": max(1, round(statements * SECONDS_PER_STATEMENT / 60))})
        options = [Option(BEGIN, Msg(N_("reading.begin")))]
        if conv.data.get("comparable"):
            options.insert(0, Option(COMPARE, Msg(N_("reading.compare"))))
        return Ask(prompt, tuple(options))

    def view_rate(self, conv: Conversation) -> Ask:
        """The ESY flow's statement and scale, under a heading saying whose situation it is."""
        area = self.esy.area(conv)
        statement = area.statements[conv.data["item"]]
        prompt = Msg(N_("reading.rate"), {
            "nickname": conv.data["nickname"], "number": conv.data["area"] + 1, "total": len(self.instrument.areas),
            "area": area.name, "statement": statement.text, "item": conv.data["item"] + 1,
            "items": len(area.statements)})
        options = tuple(Option(str(point.value), point.label) for point in self.instrument.scale)
        return Ask(self.esy.earlier_rating(prompt, conv.data["ratings"], statement.id),
                   (*options, Option("skip", Msg(N_("esy.skip_statement")))))

    # --- effects ----------------------------------------------------------------------------------------------
    def open_comparison(self, event: Any) -> None:
        """The comparison with the client's latest shared circle, in its own flow (comments are written there)."""
        conv: Conversation = event.model
        conv.switch_to, conv.switch_data = COMPARISON, {"client_id": conv.data["client"]}

    async def save(self, event: Any) -> None:
        """Keep the reading if this worker still may and consent (c) still allows; tell the client; show both."""
        conv: Conversation = event.model
        access = await reading_access(conv, conv.data["client"])
        staff = conv.who.staff
        if access is None or staff is None or staff.id is None:
            conv.emit(Done(Msg(N_("reading.no_access"))))
            return
        if not access.storage:
            conv.emit(Done(Msg(N_("reading.needs_storage"), {"nickname": access.client.nickname,
                                                             "title": self.storage})))
            return
        row = ReadingRow(access.client_id, staff.id, self.instrument.id, self.instrument.version, conv.now,
                         dict(conv.data["ratings"]), area_scores(self.instrument, conv.data["ratings"]),
                         bool(conv.data["saw"]))
        reading = await conv.work.readings.add(row)
        await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key), "client.reading.given",
                                           f"client:{access.client_id}", region=conv.who.region))
        circle = await latest_shared(conv.work, access.client_id, self.instrument.id)
        if circle is None:
            conv.emit(Done(Msg(N_("reading.saved_no_circle"), {"nickname": access.client.nickname})))
            return
        assert access.client.user_key is not None  # reading_access: a linked client
        # The client is told, and the comparison opens for them (where it interrupts nothing in hand).
        notice = Msg(N_("notify.reading_given"), {"worker": staff.name})
        await conv.work.outbox.add(OutboxRow(access.client.user_key, "notify",
                                             {**dump_msg(notice), "flow": COMPARISON}, conv.now))
        await open_for_worker(conv, self.comparison, reading, circle)
        await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key),
            VIEWED, f"client:{access.client_id}", region=conv.who.region))
        conv.emit(Done(Msg(N_("reading.saved"), {"nickname": access.client.nickname})))


def reading_flow(instrument: Instrument, storage: LocalText, threshold: float = DEFAULT_DIFFERENCE) -> FlowSpec:
    """The worker's reading of a client (``client_id`` in the start data, from the card); ``storage`` is consent
    (c)'s title, named when it is missing; ``threshold`` the difference worth talking about (KAARI_ESY_DIFFERENCE)."""
    steps = ReadingSteps(instrument, storage, threshold)
    rating = steps.esy.chose_rating
    return FlowSpec(
        name=NAME, version=VERSION,
        states=["intro", "rate", "closed"], initial="intro",
        transitions=[
            dict(trigger="choose", source="intro", dest="rate", conditions=[chose_begin]),
            dict(trigger="choose", source="intro", dest="intro", conditions=[chose_compare],
                 after=[steps.open_comparison]),
            dict(trigger="choose", source="rate", dest="rate", conditions=[rating, steps.esy.more_statements],
                 before=[steps.esy.record_rating, next_statement]),
            dict(trigger="choose", source="rate", dest="rate", conditions=[rating, steps.esy.more_areas],
                 before=[steps.esy.record_rating, next_area]),
            dict(trigger="choose", source="rate", dest="closed", conditions=[rating],
                 before=[steps.esy.record_rating, steps.save]),
        ],
        views={"intro": steps.view_intro, "rate": steps.view_rate},
        help_key=N_("reading.help"), final=frozenset({"closed"}), on_start=steps.on_start,
        still_valid=steps.still_valid, position_keys=("area", "item"), allowed=is_worker,
        offered=no_one,  # opened from the client's card, never from the menu
    )


def chose_compare(event: Any) -> bool:
    return bool(event.kwargs.get("value") == COMPARE)


def no_one(who: Who) -> bool:
    return False
