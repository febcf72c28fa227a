"""Distance travelled: each ESY area's score over all of a person's assessments, as a picture and in words.

Only the assessments of one instrument are compared; its versions are matched area by area (by id). An area that
was skipped is a gap, never a zero, and said so; an area that was not asked at all (a version without it, or a
group session that asked about one area only) is left out of that assessment's point, not called skipped. The
scores are the ones stored with each assessment (worked out with the version then in use). Goals, when there are
any, are shown under their area.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flows.core.dates import HELSINKI
from flows.core.messages import N_, Lines, Msg, Number, Param
from flows.core.results import Chart, Option, Result, Say, Trend, first_to_latest
from flows.core.spec import Conversation
from flows.esy.instrument import Area, Instrument
from storage.ports import AssessmentRow, GoalRow

MIN_ASSESSMENTS = 2  # one circle has nothing to compare with
GAP = "–"  # a skipped area in the text, where a score would be
SHOW_PROGRESS = "progress"  # the ESY intro's button

# A goal as shown beside its area: its title in the person's own words and its status as a catalog message.
GoalNote = tuple[str, Msg]
# The goals by area id (flows/esy/progress_goals.py; handed in, as the goals' module imports the ESY flow's).
GoalNotes = Callable[[Sequence[GoalRow]], Mapping[str, Sequence[GoalNote]]]


@dataclass(frozen=True)
class AreaSeries:
    """One area's scores, one per assessment oldest first (None: skipped, or not asked), and whether each
    assessment asked about the area at all."""

    area: Area
    scores: tuple[float | None, ...]
    goals: tuple[GoalNote, ...] = ()
    asked: tuple[bool, ...] = ()  # empty: every one did

    @property
    def shown(self) -> tuple[float | None, ...]:
        """The scores of the assessments that asked about the area (None: skipped)."""
        return tuple(score for index, score in enumerate(self.scores) if not self.asked or self.asked[index])

    @property
    def change(self) -> float | None:
        """From the first rated score to the latest rated one; None with fewer than two rated."""
        return first_to_latest(self.scores)


@dataclass(frozen=True)
class Progress:
    """Every area of the instrument over the person's assessments of it."""

    dates: tuple[datetime, ...]
    areas: tuple[AreaSeries, ...]


def progress(
    instrument: Instrument, rows: Sequence[AssessmentRow],
    goals: Mapping[str, Sequence[GoalNote]] | None = None,
) -> Progress:
    """The series per area of ``instrument`` over ``rows`` of it (any version), oldest first; ``goals`` by area id."""
    mine = sorted((row for row in rows if row.instrument_id == instrument.id), key=lambda row: row.completed_at)
    found = goals or {}
    return Progress(
        dates=tuple(row.completed_at for row in mine),
        areas=tuple(AreaSeries(area, tuple(row.area_scores.get(area.id) for row in mine),
                               tuple(found.get(area.id, ())), tuple(asked(area, row) for row in mine))
                    for area in instrument.areas),
    )


def asked(area: Area, row: AssessmentRow) -> bool:
    """Whether the assessment asked about ``area``: it has a score for it, or an answer (a skip too) to one of its
    statements; one stored without its answers counts every area as asked."""
    if row.area_scores.get(area.id) is not None or not row.ratings:
        return True
    return any(statement.id in row.ratings for statement in area.statements)


def trend_of(instrument: Instrument, data: Progress, nickname: str | None = None) -> Trend:
    """The picture's data: each area's line, with its goals as short notes under its name."""
    title = (Msg(N_("esy.progress.title")) if nickname is None
             else Msg(N_("esy.progress.title_client"), {"nickname": nickname}))
    return Trend(
        title=title, areas=tuple(series.area.name for series in data.areas),
        scale_min=instrument.scale_min, scale_max=instrument.scale_max, dates=data.dates,
        values=tuple(series.scores for series in data.areas),
        asked=tuple(series.asked for series in data.areas),
        notes=tuple(tuple(goal_line(goal) for goal in series.goals) for series in data.areas),
        nickname=nickname,
    )


def goal_line(goal: GoalNote) -> Msg:
    """"Goal: find a summer job (agreed)"."""
    title, status = goal
    return Msg(N_("esy.progress.goal"), {"title": title, "status": status})


def change_words(change: float | None) -> Msg | None:
    """"up 3,0", "down 0,5" or "no change"; None when there is nothing to compare."""
    if change is None:
        return None
    if change > 0:
        return Msg(N_("esy.progress.up"), {"change": Number(change)})
    if change < 0:
        return Msg(N_("esy.progress.down"), {"change": Number(-change)})
    return Msg(N_("esy.progress.same"))


def area_line(series: AreaSeries) -> Msg:
    """"Home and housing: 2,0 → – → 3,5 (up 1,5)", then the area's goals one a line."""
    scores = Lines(tuple(GAP if score is None else Number(score) for score in series.shown), " → ")
    change = change_words(series.change)
    line = (Msg(N_("esy.progress.line"), {"area": series.area.name, "scores": scores, "change": change})
            if change is not None else Msg(N_("esy.progress.line_plain"), {"area": series.area.name, "scores": scores}))
    if not series.goals:
        return line
    return Msg(N_("esy.progress.line_goals"), {"line": line, "goals": Lines(tuple(
        goal_line(goal) for goal in series.goals))})


def dates_of(data: Progress) -> Param:
    """When the circles were: the first and the latest day, or the one day when they were all filled on it."""
    first, latest = data.dates[0], data.dates[-1]
    if first.astimezone(HELSINKI).date() == latest.astimezone(HELSINKI).date():
        return first
    return Msg(N_("esy.progress.dates"), {"first": first, "latest": latest})


def progress_text(instrument: Instrument, data: Progress, nickname: str | None = None) -> Msg:
    """The progress in words for screen readers and the terminal: a line per area, and what a dash means;
    ``nickname`` names the client for their worker."""
    lines: tuple[Param, ...] = tuple(area_line(series) for series in data.areas)
    gaps = any(score is None for series in data.areas for score in series.shown)
    params: dict[str, Param] = {
        "count": len(data.dates), "dates": dates_of(data),
        "min": instrument.scale_min, "max": instrument.scale_max, "lines": Lines(lines),
        "gaps": Msg(N_("esy.progress.gaps"), {"gap": GAP}) if gaps else ""}
    if nickname is None:
        return Msg(N_("esy.progress.text"), params)
    return Msg(N_("esy.progress.text_client"), {**params, "nickname": nickname})


def progress_results(
    instrument: Instrument, rows: Sequence[AssessmentRow], nickname: str | None = None,
    goals: Mapping[str, Sequence[GoalNote]] | None = None,
) -> list[Result]:
    """The picture and the words, or with fewer than two assessments a kind word on when there will be some.

    ``nickname`` names the client when their worker looks (at the circles the client shared)."""
    data = progress(instrument, rows, goals)
    if len(data.dates) < MIN_ASSESSMENTS:
        if nickname is not None:
            return [Say(Msg(N_("esy.progress.too_few_client"), {"nickname": nickname}))]
        if not data.dates:
            return [Say(Msg(N_("esy.progress.none")))]
        return [Say(Msg(N_("esy.progress.too_few"), {"date": data.dates[0]}))]
    caption = Msg(N_("esy.progress.caption"), {"count": len(data.dates), "dates": dates_of(data)})
    return [Chart(trend_of(instrument, data, nickname), caption), Say(progress_text(instrument, data, nickname))]


class OwnProgress:
    """The young person's own progress, from the start of the circle (their stored circles of this instrument),
    with their goals under their areas when ``notes`` is given."""

    def __init__(self, instrument: Instrument, notes: GoalNotes | None = None) -> None:
        self.instrument = instrument
        self.notes = notes

    async def rows(self, conv: Conversation) -> list[AssessmentRow]:
        """The person's stored circles of this instrument (an anonymous person's, or a client's kept with (c))."""
        return [row for row in await conv.work.assessments.for_user(conv.key)
                if row.instrument_id == self.instrument.id]

    async def note_circles(self, conv: Conversation) -> None:
        """At the start: how many circles there are to look back on (none: no button)."""
        conv.data["circles"] = len(await self.rows(conv))

    async def refresh(self, conv: Conversation) -> None:
        """Back at the start of the circle: the count is current (a circle may have been deleted or kept since)."""
        if conv.state == "intro":
            await self.note_circles(conv)

    def option(self, conv: Conversation) -> tuple[Option, ...]:
        """The intro's "how my areas have moved" button, once there is a stored circle."""
        return (Option(SHOW_PROGRESS, Msg(N_("esy.progress.open"))),) if conv.data.get("circles") else ()

    async def hint(self, conv: Conversation) -> None:
        """After a stored circle with one before it, where the summary compares the two: where to see every
        area over all of them."""
        if "assessment" not in conv.data:  # not kept: nothing to look back on
            return
        if (count := len(await self.rows(conv))) >= MIN_ASSESSMENTS:
            conv.emit(Say(Msg(N_("esy.progress.hint"), {"count": count, "button": Msg(N_("esy.progress.open"))})))

    async def show(self, event: Any) -> None:
        """The picture and the words, or a kind word when there is only one circle (or none left)."""
        conv: Conversation = event.model
        rows = await self.rows(conv)
        conv.data["circles"] = len(rows)
        goals = self.notes(await conv.work.goals.for_user(conv.key)) if self.notes is not None else None
        for result in progress_results(self.instrument, rows, goals=goals):
            conv.emit(result)


def chose_progress(event: Any) -> bool:
    return bool(event.kwargs.get("value") == SHOW_PROGRESS)
