"""The ESY life-situation self-assessment: area by area, a one-tap scale, a wish for change, the circle.

The statements come from an `Instrument` (a data file); this module only knows the shape of the work.
"""

from __future__ import annotations

from typing import Any

from flows.core.messages import N_, Lines, Msg, Number
from flows.core.results import Ask, Circle, Done, Option, Photo, Say, Series
from flows.core.spec import Conversation, FlowSpec
from flows.esy.dialogue import COMPARISON, client_comparisons
from flows.esy.followup import (
    CANCEL_REMINDER,
    AnonymousReminder,
    Reassessment,
    chose_cancel_reminder,
    chose_remind,
    may_ask_reminder,
)
from flows.esy.group_rounds import GroupRounds
from flows.esy.instrument import Area, Instrument
from flows.esy.next_step import goals_line
from flows.esy.progress import GoalNotes, OwnProgress, chose_progress
from flows.esy.scoring import area_scores, changes, lowest, middle, strongest
from flows.esy.services import RegionServices, places_message
from flows.esy.sharing import LaterShare, client_may_share, share_circle
from flows.esy.sharing import storage_allowed as storage_allowed  # goals and their review import it from here
from flows.esy.start_screen import StartScreen, looked
from flows.identity.notify import worker_cards
from flows.identity.staff import pair_lines
from storage.ports import AssessmentRow

NAME = "esy"
VERSION = 3  # 2: a linked client may share the finished circle with their workers; 3: an anonymous person may
# ask to be reminded to fill it again
BEGIN = "begin"
SHARE, KEEP = "share", "keep"
SKIP = "skip"
KEEP_WISH = "keep-wish"
SEE_READING = "see-reading"
SECONDS_PER_STATEMENT = 12


def esy_flow(
    instrument: Instrument, kept_days: int = 120, reassess: Reassessment | None = None,
    services: RegionServices | None = None, goal_notes: GoalNotes | None = None,
) -> FlowSpec:
    """The ESY flow for one instrument; an anonymous person's circles are kept ``kept_days`` after their last
    visit (they are told so with the summary); ``reassess`` offers a linked client the next assessment later;
    ``services`` are the places that can help, shown after the summary; ``goal_notes`` puts the person's goals
    beside their progress."""
    steps = EsySteps(instrument, kept_days, reassess, services, goal_notes)
    ask = AnonymousReminder(steps.reassess)
    return FlowSpec(
        name=NAME,
        version=VERSION,
        states=["intro", "rate", "wish", {"name": "share", "on_enter": [steps.complete]},
                {"name": "remind", "on_enter": [steps.complete]}, {"name": "done", "on_enter": [steps.complete]}],
        initial="intro",
        transitions=[
            dict(trigger="choose", source="intro", dest="rate", conditions=[chose_begin]),
            dict(trigger="choose", source="intro", dest="rate", conditions=[steps.groups.chose_round],
                 before=[steps.groups.start_round]),
            dict(trigger="choose", source="intro", dest="intro", conditions=[chose_cancel_reminder],
                 before=[ask.cancel_reminder], after=[looked]),
            dict(trigger="choose", source="intro", dest="intro", conditions=[chose_see_reading],
                 after=[open_comparison]),
            dict(trigger="choose", source="intro", dest="intro", conditions=[chose_progress],
                 before=[steps.progress.show], after=[looked]),
            # A circle kept to oneself can be shown to one's workers later, as the intro promises.
            dict(trigger="choose", source="intro", dest="intro", conditions=[steps.later.chose_share_later],
                 before=[steps.later.share], after=[looked]),
            dict(trigger="choose", source="rate", dest="rate", conditions=[steps.chose_rating, steps.more_statements],
                 before=[steps.record_rating, next_statement]),
            dict(trigger="choose", source="rate", dest="wish", conditions=[steps.chose_rating],
                 before=[steps.record_rating]),
            dict(trigger="text", source="wish", dest="rate", conditions=[steps.more_areas],
                 before=[steps.record_wish, next_area]),
            dict(trigger="text", source="wish", dest="share", conditions=[may_share], before=[steps.record_wish]),
            dict(trigger="text", source="wish", dest="remind", conditions=[may_ask_reminder],
                 before=[steps.record_wish]),
            dict(trigger="text", source="wish", dest="done", before=[steps.record_wish]),
            dict(trigger="choose", source="wish", dest="rate", conditions=[chose_skip, steps.more_areas],
                 before=[steps.forget_wish, next_area]),
            dict(trigger="choose", source="wish", dest="share", conditions=[chose_skip, may_share],
                 before=[steps.forget_wish]),
            dict(trigger="choose", source="wish", dest="remind", conditions=[chose_skip, may_ask_reminder],
                 before=[steps.forget_wish]),
            dict(trigger="choose", source="wish", dest="done", conditions=[chose_skip], before=[steps.forget_wish]),
            # Only an area before the last can be gone back to with its wish written (the last one finishes).
            dict(trigger="choose", source="wish", dest="rate", conditions=[chose_keep, steps.more_areas],
                 before=[next_area]),
            dict(trigger="choose", source="share", dest="done", conditions=[chose_share], before=[share]),
            dict(trigger="choose", source="share", dest="done"),
            dict(trigger="choose", source="remind", dest="done", conditions=[chose_remind], before=[ask.remind]),
            dict(trigger="choose", source="remind", dest="done"),
        ],
        views={"intro": steps.view_intro, "rate": steps.view_rate, "wish": steps.view_wish, "share": view_share,
               "remind": ask.view_ask},
        help_key=N_("esy.help"),
        final=frozenset({"done"}),
        on_start=steps.on_start,
        still_valid=steps.still_valid,
        position_keys=("area", "item"),
        migrate=same_shape,
        refresh=steps.refresh,  # at the start: a round opened meanwhile is offered, the circles recounted
        settled=frozenset({"share", "remind"}),  # the circle is stored: no going back over it, no "stop and delete"
    )


class EsySteps:
    """The steps that depend on the instrument: what each state asks, and the answers' bookkeeping."""

    def __init__(
        self, instrument: Instrument, kept_days: int = 120, reassess: Reassessment | None = None,
        services: RegionServices | None = None, goal_notes: GoalNotes | None = None,
    ) -> None:
        self.instrument = instrument
        self.kept_days = kept_days
        self.reassess = reassess or Reassessment()
        self.services = services
        self.progress = OwnProgress(instrument, goal_notes)
        self.areas = instrument.areas
        self.rating_values = {str(point.value) for point in instrument.scale}
        self.groups = GroupRounds(instrument)
        self.later = LaterShare(instrument.id)
        self.start = StartScreen(instrument.id)

    def area(self, conv: Conversation) -> Area:
        return self.areas[int(conv.data["area"])]

    async def on_start(self, conv: Conversation) -> None:
        conv.data.update(instrument=self.instrument.id, iv=self.instrument.version, area=0, item=0, ratings={},
                         wishes={})
        await AnonymousReminder(self.reassess).note_pending(conv)
        await self.groups.note_waiting(conv)
        # A worker gave their reading beside a circle the client shared: the intro offers to see both.
        conv.data["compare"] = bool((await client_comparisons(conv, self.instrument.id))[1])
        await self.progress.note_circles(conv)
        await self.start.note(conv)
        await self.later.note(conv)

    async def refresh(self, conv: Conversation) -> None:
        """While at the start: the group rounds waiting now, and the circles there are to look back on."""
        await self.groups.note_waiting(conv)
        await self.progress.refresh(conv)
        await self.start.refresh(conv)
        if conv.state == "intro":  # consent withdrawn or the circle shared or deleted meanwhile: the button goes
            await self.later.note(conv)

    def still_valid(self, conv: Conversation) -> bool:
        return conv.data.get("instrument") == self.instrument.id and conv.data.get("iv") == self.instrument.version

    # --- what each state asks -------------------------------------------------------------------------
    def view_intro(self, conv: Conversation) -> Ask:
        statements = sum(len(a.statements) for a in self.areas)
        minutes = max(1, round(statements * SECONDS_PER_STATEMENT / 60))
        prompt = self.start.prompt(conv, len(self.areas), minutes)
        cancel = (Option(CANCEL_REMINDER, Msg(N_("esy.remind_cancel"))),) if conv.data.get("reminder") else ()
        compare = (Option(SEE_READING, Msg(N_("esy.see_reading"))),) if conv.data.get("compare") else ()
        return Ask(prompt, (*self.groups.options(conv), Option(BEGIN, Msg(N_("esy.begin"))), *compare,
                            *self.progress.option(conv), *self.later.option(conv), *cancel))

    def position(self, conv: Conversation) -> dict[str, int]:
        """Which area of how many: a group session's one area is the only one."""
        if conv.data.get("only"):
            return {"number": 1, "total": 1}
        return {"number": conv.data["area"] + 1, "total": len(self.areas)}

    def view_rate(self, conv: Conversation) -> Ask:
        current = self.area(conv)
        statement = current.statements[conv.data["item"]]
        prompt = Msg(N_("esy.rate"), {
            **self.position(conv), "area": current.name,
            "statement": statement.text,
            "item": conv.data["item"] + 1, "items": len(current.statements),
        })
        options = tuple(Option(str(point.value), point.label) for point in self.instrument.scale)
        return Ask(self.earlier_rating(prompt, conv.data["ratings"], statement.id),
                   (*options, Option(SKIP, Msg(N_("esy.skip_statement")))))

    def earlier_rating(self, prompt: Msg, ratings: dict[str, int | None], statement_id: str) -> Msg:
        """Back at an answered statement, the person sees what they answered before."""
        if statement_id not in ratings:
            return prompt
        if (given := ratings[statement_id]) is None:
            return Msg(N_("esy.earlier_skipped"), {"question": prompt})
        label = next((point.label for point in self.instrument.scale if point.value == given), None)
        return prompt if label is None else Msg(N_("esy.earlier_rating"), {"question": prompt, "answer": label})

    def view_wish(self, conv: Conversation) -> Ask:
        current = self.area(conv)
        prompt = Msg(N_("esy.wish"), {**self.position(conv), "area": current.name})
        skip = Option(SKIP, Msg(N_("esy.skip_wish")))
        if (wish := conv.data["wishes"].get(current.id)) is None:
            return Ask(prompt, (skip,), free_text=True)
        # Back at a wish already written: it is shown, and kept with one tap instead of typed again.
        return Ask(Msg(N_("esy.earlier_wish"), {"question": prompt, "wish": wish}),
                   (Option(KEEP_WISH, Msg(N_("esy.keep_wish"))), skip), free_text=True)

    # --- guards ---------------------------------------------------------------------------------------
    def chose_rating(self, event: Any) -> bool:
        return event.kwargs.get("value") in self.rating_values or event.kwargs.get("value") == SKIP

    def more_statements(self, event: Any) -> bool:
        data = event.model.data
        return bool(data["item"] + 1 < len(self.areas[data["area"]].statements))

    def more_areas(self, event: Any) -> bool:
        """Another area to go: never in a group session's round, which asks its one area."""
        data = event.model.data
        return not data.get("only") and bool(data["area"] + 1 < len(self.areas))

    # --- effects --------------------------------------------------------------------------------------
    def record_rating(self, event: Any) -> None:
        data = event.model.data
        statement = self.areas[data["area"]].statements[data["item"]]
        value = event.kwargs["value"]
        data["ratings"][statement.id] = None if value == SKIP else int(value)

    def record_wish(self, event: Any) -> None:
        data = event.model.data
        data["wishes"][self.areas[data["area"]].id] = event.kwargs["text"]
        # Typed text gets an answer, so that the person knows it was taken (and in the terminal, that it was).
        event.model.emit(Say(Msg(N_("esy.wish_saved"))))

    def forget_wish(self, event: Any) -> None:
        """Skipping the wish (also after going back to it) leaves no wish for the area."""
        data = event.model.data
        data["wishes"].pop(self.areas[data["area"]].id, None)

    async def complete(self, event: Any) -> None:
        conv: Conversation = event.model
        if conv.data.get("only"):  # a group session's one area: its points, not the whole circle
            if not conv.data.get("finished"):
                await self.finish_area(conv)
                await self.groups.link(conv)
            return
        if not conv.data.get("finished"):  # coming from "share", it was stored and shown already
            await finish(conv, self.instrument, self.kept_days)
            await self.groups.link(conv)
            if self.services is not None:
                show_places(conv, self.instrument, self.services)
            await self.progress.hint(conv)
            await self.reassess.offer(conv)
        if conv.state == "done" and "assessment" in conv.data:
            # The next step, offered, never forced: goals are set when the person wants (/goals, or the menu).
            conv.emit(Say(await goals_line(conv.work, conv.key)))

    async def finish_area(self, conv: Conversation) -> None:
        """Store a group session's one area as the person's own assessment, and show its points."""
        ratings: dict[str, int | None] = conv.data["ratings"]
        stored = AssessmentRow(
            user_key=conv.key, instrument_id=self.instrument.id, instrument_version=self.instrument.version,
            completed_at=conv.now, ratings=ratings, area_scores=area_scores(self.instrument, ratings),
            wishes=dict(conv.data["wishes"]),
        )
        conv.data["finished"] = True
        kept = await may_keep(conv)
        if kept:
            conv.data["assessment"] = await conv.work.assessments.add(stored)
        self.groups.area_done(conv, stored, kept_note(conv, kept, self.kept_days))
        await note_workers(conv)


# --- steps that need no instrument -------------------------------------------------------------------------
def chose_begin(event: Any) -> bool:
    return bool(event.kwargs.get("value") == BEGIN)


def chose_see_reading(event: Any) -> bool:
    return bool(event.kwargs.get("value") == SEE_READING)


def open_comparison(event: Any) -> None:
    """The client's circle beside their worker's reading, in its own flow; back here when it is closed."""
    event.model.switch_to = COMPARISON


def chose_skip(event: Any) -> bool:
    return bool(event.kwargs.get("value") == SKIP)


def chose_keep(event: Any) -> bool:
    return bool(event.kwargs.get("value") == KEEP_WISH)


def chose_share(event: Any) -> bool:
    return bool(event.kwargs.get("value") == SHARE)


def next_statement(event: Any) -> None:
    event.model.data["item"] += 1


def next_area(event: Any) -> None:
    event.model.data["area"] += 1
    event.model.data["item"] = 0


async def may_share(event: Any) -> bool:
    """Only a linked client who allowed storing things in Kaari (consent c) is offered sharing."""
    return await client_may_share(event.model)


def view_share(conv: Conversation) -> Ask:
    return Ask(Msg(N_("esy.share"), {"workers": pair_lines(conv.data.get("workers", []), explain=False)}),
               (Option(SHARE, Msg(N_("esy.share_yes"))), Option(KEEP, Msg(N_("esy.share_no")))))


async def share(event: Any) -> None:
    """Share the stored circle with the client's workers, if consent still allows it."""
    await share_circle(event.model, event.model.data.get("assessment"))


def same_shape(version: int, state: str, data: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """Earlier versions fit unchanged: sharing (2) and the anonymous reminder (3) only add a state at the end."""
    return (state, data) if version in (1, 2) else None


async def finish(conv: Conversation, instrument: Instrument, kept_days: int) -> None:
    """Store the assessment and show the circle and the summary, comparing with the previous one; the summary
    ends with what happens to the circle now."""
    ratings: dict[str, int | None] = conv.data["ratings"]
    scores = area_scores(instrument, ratings)
    previous = await conv.work.assessments.latest(conv.key, instrument.id)
    stored = AssessmentRow(
        user_key=conv.key, instrument_id=instrument.id, instrument_version=instrument.version,
        completed_at=conv.now, ratings=ratings, area_scores=scores, wishes=dict(conv.data["wishes"]),
    )
    conv.data["finished"] = True
    kept = await may_keep(conv)
    if kept:
        conv.data["assessment"] = await conv.work.assessments.add(stored)
    circle = circle_of(instrument, stored, previous)
    conv.emit(Photo(circle, Msg(N_("esy.circle.caption"), {"date": conv.now})))
    conv.emit(Done(summary(instrument, scores, conv.data["wishes"], previous, kept_note(conv, kept, kept_days))))
    await note_workers(conv)


async def note_workers(conv: Conversation) -> None:
    """A linked client's workers, named when they are asked whether to share."""
    if conv.who.is_client and conv.who.client is not None and conv.who.client.id is not None:
        conv.data["workers"] = await worker_cards(conv.work, conv.who.client.id)


def show_places(conv: Conversation, instrument: Instrument, services: RegionServices) -> None:
    """After the summary, places that can help with the areas of fewest points and the wished changes."""
    scores = area_scores(instrument, conv.data["ratings"])
    if (places := places_message(services, instrument, scores, conv.data["wishes"], conv.language)) is not None:
        conv.emit(Say(places))


def kept_note(conv: Conversation, kept: bool, kept_days: int) -> Msg:
    """What happens to the circle, said plainly: an anonymous person's is kept for a while after their last
    visit (long enough to fill it again and compare); a client's is kept only with consent (c)."""
    if not kept:
        return Msg(N_("esy.summary.not_kept"))
    if not conv.who.is_client:
        return Msg(N_("esy.summary.kept_anonymous"), {"days": kept_days})
    return Msg(N_("esy.summary.private"))


async def may_keep(conv: Conversation) -> bool:
    """An anonymous person's circles are theirs to keep (until the retention period); a linked client's
    are stored only with consent (c), storing things in Kaari."""
    client = conv.who.client
    if not conv.who.is_client or client is None or client.id is None:
        return True
    return await storage_allowed(conv, client.id)


def circle_of(
    instrument: Instrument, row: AssessmentRow, previous: AssessmentRow | None, nickname: str | None = None,
) -> Circle:
    """The circle of one assessment with its change wishes, the one before it overlaid when there is one.

    ``nickname`` is whose circle it is when someone else looks at it (a worker at a shared circle): the title
    then names them instead of saying "my".
    """
    series = [Series(Msg(N_("esy.circle.now")), tuple(row.area_scores.get(a.id) for a in instrument.areas),
                     row.completed_at)]
    if previous is not None:
        before = tuple(previous.area_scores.get(a.id) for a in instrument.areas)
        series.append(Series(Msg(N_("esy.circle.before"), {"date": previous.completed_at}), before,
                             previous.completed_at))
    title = (Msg(N_("esy.circle.title"), {"date": row.completed_at}) if nickname is None
             else Msg(N_("esy.circle.title_client"), {"nickname": nickname, "date": row.completed_at}))
    wishes = tuple((index, row.wishes[a.id]) for index, a in enumerate(instrument.areas) if row.wishes.get(a.id))
    return Circle(
        title=title,
        areas=tuple(a.name for a in instrument.areas),
        scale_min=instrument.scale_min, scale_max=instrument.scale_max,
        scale_labels=tuple(point.label for point in instrument.scale),
        series=tuple(series), when=row.completed_at, nickname=nickname, wishes=wishes,
    )


def summary(
    instrument: Instrument, scores: dict[str, float | None], wishes: dict[str, str],
    previous: AssessmentRow | None, kept: Msg | None = None,
) -> Msg:
    """The text summary for screen readers: strengths first, then fewest points, wishes, what moved."""
    names = {a.id: a.name for a in instrument.areas}

    def line(area_id: str) -> Msg:
        score = scores[area_id]
        assert score is not None
        return Msg(N_("esy.summary.area_line"),
                   {"area": names[area_id], "score": Number(score), "max": instrument.scale_max})

    # Every rated area is named once: strengths, then the middle, then the fewest points.
    top = strongest(scores)
    bottom = lowest(scores, exclude=top)
    between = middle(scores, shown=[*top, *bottom])
    sections: list[Msg] = []
    if top:
        sections.append(Msg(N_("esy.summary.strengths"), {"lines": Lines(tuple(line(a) for a in top))}))
    if top and between:
        sections.append(Msg(N_("esy.summary.middle"), {"lines": Lines(tuple(line(a) for a in between))}))
    if bottom:
        sections.append(Msg(N_("esy.summary.lowest"), {"lines": Lines(tuple(line(a) for a in bottom))}))
    if between and not top:  # every rated area has the same points
        score = scores[between[0]]
        assert score is not None
        sections.append(Msg(N_("esy.summary.all_equal"), {"score": Number(score), "max": instrument.scale_max}))
    skipped = [names[a] for a, score in scores.items() if score is None]
    if skipped:
        sections.append(Msg(N_("esy.summary.skipped"), {"areas": Lines(tuple(skipped), ", ")}))
    wish_lines = tuple(
        Msg(N_("esy.summary.wish_line"), {"area": area.name, "wish": wishes[area.id]})
        for area in instrument.areas if area.id in wishes
    )
    if wish_lines:
        sections.append(Msg(N_("esy.summary.wishes"), {"lines": Lines(wish_lines)}))
    else:
        sections.append(Msg(N_("esy.summary.no_wishes")))
    if previous is not None:
        moved = changes(scores, previous.area_scores)
        if moved:
            moved_lines = tuple(
                Msg(N_("esy.summary.moved_line"), {
                    "area": names[a], "change": Number(delta, signed=True),
                    "before": Number(before), "now": Number(now),
                }) for a, delta, before, now in moved
            )
            sections.append(Msg(N_("esy.summary.moved"),
                                {"date": previous.completed_at, "lines": Lines(moved_lines)}))
        else:
            sections.append(Msg(N_("esy.summary.unchanged"), {"date": previous.completed_at}))
    sections.append(kept or Msg(N_("esy.summary.private")))
    return Msg(N_("esy.summary"), {"sections": Lines(tuple(sections), "\n\n")})
