"""The client's circle and a worker's reading side by side (#12 §1): one picture with both lines, the areas
to talk about together, and one comment line per area from each side.

The same flow serves both sides. A worker opens it from their reading (``client_id`` in the start data) and sees
their own latest reading beside the client's latest shared circle. The client opens it from the ESY intro or
from the notice that a worker gave a reading, and sees each of their current workers' latest reading (choosing
whose, when there are several). Nothing here says who is right: an area far apart is something to talk about.
Every step checks again that the person still may (consent can change under a screen).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flows.core.guards import chose, value
from flows.core.messages import N_, Lines, Msg, Number, Param, dump_msg
from flows.core.results import Ask, Circle, Option, Photo, Say, Series
from flows.core.spec import Conversation, FlowSpec, Who
from flows.esy.dialogue import (
    COMPARISON,
    DEFAULT_DIFFERENCE,
    VIEWED,
    Access,
    client_comparisons,
    differences,
    latest_shared,
    reading_access,
)
from flows.esy.instrument import Instrument
from storage.ports import SIDES, AssessmentRow, AuditRow, OutboxRow, ReadingCommentRow, ReadingRow, UnitOfWork

NAME = COMPARISON
VERSION = 1
CLOSE, OTHER, BACK = "close", "other", "back"
AREA, WORKER = "area:", "worker:"  # option prefixes: an area to comment on, a worker whose reading to see
MAX_COMMENT = 300  # one line, read on a phone


def may_compare(who: Who) -> bool:
    """A linked client, or a worker (whose access to the client is checked when it opens)."""
    return who.is_client or who.is_worker


class ComparisonSteps:
    """The steps that need the instrument (areas, scale) and the difference that makes an area worth talking
    about (KAARI_ESY_DIFFERENCE)."""

    def __init__(self, instrument: Instrument, threshold: float = DEFAULT_DIFFERENCE) -> None:
        self.instrument, self.threshold = instrument, threshold
        self.names = {area.id: area.name for area in instrument.areas}

    # --- the picture and the words, from what `load` put in the conversation's data -------------------------
    def circle(self, circle: AssessmentRow, reading: ReadingRow, nickname: str, own: bool = False) -> Circle:
        """Both lines in one circle: the client's (solid, filled) and the worker's reading (dashed), labelled;
        ``own``: the young person's copy, where their line is "you"."""
        areas = self.instrument.areas
        return Circle(
            title=Msg(N_("compare.title_own")) if own else Msg(N_("compare.title"), {"nickname": nickname}),
            areas=tuple(area.name for area in areas),
            scale_min=self.instrument.scale_min, scale_max=self.instrument.scale_max,
            scale_labels=tuple(point.label for point in self.instrument.scale),
            series=(Series(Msg(N_("compare.line_you")) if own else
                           Msg(N_("compare.line_client"), {"nickname": nickname}),
                           tuple(circle.area_scores.get(area.id) for area in areas), circle.completed_at),
                    Series(Msg(N_("compare.line_worker")),
                           tuple(reading.area_scores.get(area.id) for area in areas), reading.completed_at)),
            when=reading.completed_at, nickname=nickname,
        )

    def summary(self, data: dict[str, Any], hint: bool = True) -> Msg:
        """Whose lines they are, the areas to talk about together (never who is right) and the comments; with
        ``hint``, how to add a line (where the buttons are). The young person reads their own line as "you"."""
        own = data.get("side") == "client"
        if data["talk"]:
            lines = Lines(tuple(Msg(N_("compare.talk_line"), {"area": self.names[area]}) for area in data["talk"]
                                if area in self.names))
            sections: list[Msg] = [Msg(N_("compare.talk"), {"lines": lines, "points": Number(self.threshold)})]
        else:
            sections = [Msg(N_("compare.near"), {"points": Number(self.threshold)})]
        if data["saw"]:
            sections.append(Msg(N_("compare.seen")))
        comments = tuple(
            Msg(N_("compare.comment_line"), {"area": self.names[area], "text": text,
                                             "who": called(data["who"][side], own and side == "client")})
            for area in self.names for side in SIDES if (text := data["comments"].get(area, {}).get(side)))
        if comments:
            sections.append(Msg(N_("compare.comments"), {"lines": Lines(comments)}))
        if hint:
            sections.append(Msg(N_("compare.hint")))
        return Msg(N_("compare.summary"), {
            "nickname": called(data["nickname"], own), "worker": data["worker"],
            "circle_date": datetime.fromisoformat(data["circle_at"]),
            "reading_date": datetime.fromisoformat(data["reading_at"]), "sections": Lines(tuple(sections), "\n\n")})

    def view(self, conv: Conversation) -> Ask:
        """The summary, a button per area to talk about, another area, and close."""
        data = conv.data
        options = [Option(f"{AREA}{area}", Msg(N_("compare.comment_on"), {"area": self.names[area]}))
                   for area in data["talk"] if area in self.names]
        options += [Option(OTHER, Msg(N_("compare.comment_other"))), Option(CLOSE, Msg(N_("compare.close")))]
        return Ask(self.summary(data), tuple(options))

    def view_areas(self, conv: Conversation) -> Ask:
        return Ask(Msg(N_("compare.choose_area")),
                   (*(Option(f"{AREA}{area.id}", area.name) for area in self.instrument.areas),
                    Option(BACK, Msg(N_("compare.back")))))

    def view_comment(self, conv: Conversation) -> Ask:
        """One line about the area; it replaces this side's earlier one, which is shown."""
        area = conv.data["area"]
        params = {"area": self.names.get(area, area), "points": self.points_of(conv.data, area)}
        earlier = conv.data["comments"].get(area, {}).get(conv.data["side"])
        prompt = (Msg(N_("compare.ask_comment_again"), {**params, "text": earlier}) if earlier
                  else Msg(N_("compare.ask_comment"), params))
        return Ask(prompt, (Option(BACK, Msg(N_("compare.back"))),), free_text=True, max_length=MAX_COMMENT,
                   passes_on=True)  # a line for the other side to read: crisis words in it go on with it

    def points_of(self, data: dict[str, Any], area: str) -> Msg:
        """Both sides' points for an area, in words ("Kettu 2, the worker's reading 4")."""
        def number(score: float | None) -> Number | str:
            return "-" if score is None else Number(score)
        scores = {"client": number(data["scores"][0].get(area)), "worker": number(data["scores"][1].get(area))}
        if data.get("side") == "client":
            return Msg(N_("compare.points_own"), scores)
        return Msg(N_("compare.points"), {"nickname": data["nickname"], **scores})

    # --- reading what is compared ---------------------------------------------------------------------------
    async def read(self, work: UnitOfWork, reading_id: int, circle_id: int) -> dict[str, Any] | None:
        """The comparison as plain data (for the conversation's data); None when the reading or circle is gone."""
        reading = await work.readings.get(reading_id)
        circle = await work.assessments.get(circle_id)
        if reading is None or circle is None:
            return None
        client = await work.clients.get(reading.client_id)
        worker = await work.staff.get(reading.staff_id)
        nickname, name = client.nickname if client else "", worker.name if worker else ""
        comments: dict[str, dict[str, str]] = {}
        for row in await work.readings.comments(reading_id):
            if row.assessment_id == circle_id:
                comments.setdefault(row.area_id, {})[row.side] = row.text
        return {
            "reading": reading_id, "circle": circle_id, "client": reading.client_id, "nickname": nickname,
            "worker": name, "saw": reading.saw_circle, "comments": comments,
            "circle_at": circle.completed_at.isoformat(), "reading_at": reading.completed_at.isoformat(),
            "talk": differences(self.instrument, circle.area_scores, reading.area_scores, self.threshold),
            "scores": [circle.area_scores, reading.area_scores], "who": {"client": nickname, "worker": name}}

    async def load(self, conv: Conversation, reading_id: int, circle_id: int) -> bool:
        """Put the comparison in the conversation's data; False when the reading or the circle is gone."""
        found = await self.read(conv.work, reading_id, circle_id)
        if found is not None:
            conv.data.update(found)
        return found is not None

    async def show(self, conv: Conversation, data: dict[str, Any]) -> None:
        """The picture, with a caption naming both lines' dates."""
        reading = await conv.work.readings.get(data["reading"])
        circle = await conv.work.assessments.get(data["circle"])
        if reading is not None and circle is not None:
            own = conv.data.get("side") == "client"
            conv.emit(Photo(self.circle(circle, reading, data["nickname"], own), Msg(N_("compare.caption"), {
                "nickname": called(data["nickname"], own), "circle_date": circle.completed_at,
                "reading_date": reading.completed_at})))

    async def on_start(self, conv: Conversation) -> None:
        """A worker: their latest reading of the card's client. A client: their workers' latest readings."""
        if conv.who.staff is not None:
            await self.start_worker(conv)
        else:
            await self.start_client(conv)

    async def start_worker(self, conv: Conversation) -> None:
        access = await reading_access(conv, conv.data.get("client_id"))
        staff_id = conv.who.staff.id if conv.who.staff else None
        if access is None:
            conv.emit(Say(Msg(N_("reading.no_access"))))
            conv.state = "closed"
            return
        mine = [row for row in await conv.work.readings.for_client(access.client_id) if row.staff_id == staff_id]
        circle = await latest_shared(conv.work, access.client_id, self.instrument.id)
        if not mine or circle is None or circle.id is None or mine[-1].id is None:
            conv.emit(Say(Msg(N_("compare.nothing"))))
            conv.state = "closed"
            return
        conv.data["side"] = "worker"
        await self.load(conv, mine[-1].id, circle.id)
        await self.show(conv, conv.data)
        await look(conv, VIEWED)  # the client's circle was shown: a look, as on the card

    async def start_client(self, conv: Conversation) -> None:
        circle, readings = await client_comparisons(conv, self.instrument.id)
        if not readings:
            conv.emit(Say(Msg(N_("compare.nothing_client"))))
            conv.state = "closed"
            return
        conv.data.update(side="client", circle=circle, choices={str(row.id): name for row, name in readings})
        if len(readings) == 1 and readings[0][0].id is not None:
            await self.load(conv, readings[0][0].id, circle)
            await self.show(conv, conv.data)
        else:
            conv.state = "pick"

    def view_pick(self, conv: Conversation) -> Ask:
        return Ask(Msg(N_("compare.pick")), (
            *(Option(f"{WORKER}{reading}", Msg(N_("compare.pick_worker"), {"worker": name}))
              for reading, name in conv.data["choices"].items()), Option(CLOSE, Msg(N_("compare.close")))))

    # --- guards and effects -----------------------------------------------------------------------------------
    async def still_open(self, event: Any) -> bool:
        """This side may still see the comparison and write to it: the reading, the circle and consent (c)
        are there, and a worker still has access; a client's worker is still theirs."""
        conv: Conversation = event.model
        reading = await conv.work.readings.get(conv.data.get("reading", -1))
        if reading is None or await conv.work.assessments.get(conv.data.get("circle", -1)) is None:
            return False
        if conv.data["side"] == "worker":
            access: Access | None = await reading_access(conv, reading.client_id)
            return access is not None and access.storage
        _, readings = await client_comparisons(conv, self.instrument.id)
        return any(row.id == reading.id for row, _ in readings)

    async def pick(self, event: Any) -> None:
        conv: Conversation = event.model
        await self.load(conv, int(value(event).removeprefix(WORKER)), conv.data["circle"])
        await self.show(conv, conv.data)

    def chose_area(self, event: Any) -> bool:
        """One of the instrument's areas (a button from another instrument's comparison is not)."""
        return value(event).startswith(AREA) and value(event).removeprefix(AREA) in self.names

    def choose_area(self, event: Any) -> None:
        event.model.data["area"] = value(event).removeprefix(AREA)

    async def save_comment(self, event: Any) -> None:
        """Keep this side's line (the latest wins) and tell the other side it is there."""
        conv: Conversation = event.model
        data, area, side = conv.data, conv.data["area"], conv.data["side"]
        text = " ".join(str(event.kwargs["text"]).split())  # one line
        await conv.work.readings.comment(ReadingCommentRow(data["reading"], data["circle"], area, side, text,
                                                           conv.now))
        await self.load(conv, data["reading"], data["circle"])
        await self.tell_other_side(conv, area)
        if side == "worker":
            await look(conv, "client.reading.comment")
        conv.emit(Say(Msg(N_("compare.comment_saved"))))

    async def tell_other_side(self, conv: Conversation, area: str) -> None:
        """The worker hears of the client's line; the client of the worker's, with the comparison opening."""
        reading = await conv.work.readings.get(conv.data["reading"])
        client = await conv.work.clients.get(conv.data["client"])
        if reading is None or client is None:
            return
        name = self.names.get(area, area)
        if conv.data["side"] == "client":
            worker = await conv.work.staff.get(reading.staff_id)
            if worker is not None and worker.active and worker.user_key:
                notice = Msg(N_("notify.reading_comment_client"), {"client": client.nickname, "area": name})
                await conv.work.outbox.add(OutboxRow(worker.user_key, "notify", dump_msg(notice), conv.now))
        elif client.user_key:
            notice = Msg(N_("notify.reading_comment_worker"), {"worker": conv.data["worker"], "area": name})
            await conv.work.outbox.add(OutboxRow(client.user_key, "notify", {**dump_msg(notice), "flow": NAME},
                                                 conv.now))


async def look(conv: Conversation, action: str) -> None:
    """A worker's look at or line about the client's information, in the audit log (who, what, when)."""
    await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key),
        action, f"client:{conv.data['client']}", region=conv.who.region))


def gone(event: Any) -> None:
    """The comparison is no longer there for this person (consent changed, the work ended): said plainly."""
    event.model.emit(Say(Msg(N_("compare.gone"))))


def called(name: str, own: bool) -> Param:
    """The young person by their nickname, or, on their own screens, as "you"."""
    return Msg(N_("compare.you")) if own else name


def chose_worker(event: Any) -> bool:
    return value(event).removeprefix(WORKER) in event.model.data.get("choices", {})


async def open_for_worker(conv: Conversation, steps: ComparisonSteps, reading: int, circle: AssessmentRow) -> None:
    """Right after a reading is saved: the picture and the areas to talk about (comments are written in this
    flow, opened from the reading's start on the card)."""
    assert circle.id is not None
    found = await steps.read(conv.work, reading, circle.id)
    if found is not None:
        await steps.show(conv, found)
        conv.emit(Say(steps.summary(found, hint=False)))


def comparison_flow(instrument: Instrument, threshold: float = DEFAULT_DIFFERENCE) -> FlowSpec:
    """Both sides' comparison: a worker with ``client_id`` in the start data, a client with none."""
    steps = ComparisonSteps(instrument, threshold)
    still_open, chose_area = steps.still_open, steps.chose_area
    return FlowSpec(
        name=NAME, version=VERSION, states=["pick", "view", "areas", "comment", "closed"], initial="view",
        transitions=[
            dict(trigger="choose", source="pick", dest="view", conditions=[chose_worker], before=[steps.pick]),
            dict(trigger="choose", source=["pick", "view"], dest="closed", conditions=[chose(CLOSE)]),
            dict(trigger="choose", source="view", dest="areas", conditions=[chose(OTHER)]),
            dict(trigger="choose", source=["view", "areas"], dest="comment", conditions=[chose_area, still_open],
                 before=[steps.choose_area]),
            dict(trigger="choose", source=["view", "areas"], dest="closed", conditions=[chose_area], before=[gone]),
            dict(trigger="choose", source=["areas", "comment"], dest="view", conditions=[chose(BACK)]),
            dict(trigger="text", source="comment", dest="view", conditions=[still_open], before=[steps.save_comment]),
            dict(trigger="text", source="comment", dest="closed", before=[gone]),
        ],
        views={"pick": steps.view_pick, "view": steps.view, "areas": steps.view_areas, "comment": steps.view_comment},
        help_key=N_("compare.help"), final=frozenset({"closed"}), on_start=steps.on_start, allowed=may_compare,
        controls=False,  # its own Back and Close: every comment is stored at once
        reload=True,  # opened again, it shows what is there now
    )
