"""A group's ESY totals (#12 §5), pure arithmetic: per round and area the median and how many are low, in the
middle or high, and the change of the median from the round before, only where at least five answered.

The small-number rule: a round with fewer than ``MIN_ANSWERS`` answers shows its count only, and so does an area
fewer than five rated (statements can be skipped); a change is shown only between two shown medians. Nothing
here ever names whose answer is whose: the input is a list of area scores without keys.

The totals grow five answers at a time: they are taken over the oldest 5, 10, 15, … answers. Were they taken over
every answer, a worker who saw them before and after one more member answered (in a group session, say) could
tell that member's band and so their answer; five at a time, a change shows only what five people gave together.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MIN_ANSWERS = 5


@dataclass(frozen=True)
class AreaTotals:
    """One area of one round: the median and the spread over those who rated it (never fewer than five)."""

    area: str
    rated: int
    median: float
    low: int
    middle: int
    high: int
    change: float | None = None  # the median's change from the previous shown median of this area


@dataclass(frozen=True)
class RoundTotals:
    """One round: how many answered, and the areas shown (empty while fewer than five answered)."""

    answered: int
    areas: tuple[AreaTotals, ...] = ()
    hidden: tuple[str, ...] = ()  # areas of the round fewer than five rated, named without numbers
    counted: int = 0  # how many of the oldest answers the totals are over (a multiple of five)

    @property
    def shown(self) -> bool:
        """Whether the round has enough answers to show anything but its count."""
        return self.answered >= MIN_ANSWERS


def band(score: float, low_end: float, high_end: float) -> str:
    """Which third of the scale a score is in: "low", "middle" or "high"."""
    third = (high_end - low_end) / 3
    if score < low_end + third:
        return "low"
    return "high" if score > high_end - third else "middle"


def median(values: Sequence[float]) -> float:
    """The median, one decimal (as the circle's area scores)."""
    return round(float(statistics.median(values)), 1)


def area_totals(area: str, scores: Sequence[float], low_end: float, high_end: float) -> AreaTotals | None:
    """An area's totals, or None when fewer than five rated it."""
    if len(scores) < MIN_ANSWERS:
        return None
    bands = [band(score, low_end, high_end) for score in scores]
    return AreaTotals(area, len(scores), median(scores), bands.count("low"), bands.count("middle"),
                      bands.count("high"))


def round_totals(
    answers: Sequence[Mapping[str, float | None]], areas: Sequence[str], low_end: float, high_end: float,
    before: Mapping[str, float] | None = None,
) -> RoundTotals:
    """A round's totals over ``answers`` (each one member's area scores, oldest answer first) for ``areas`` (all,
    or the one of a session), taken over the oldest multiple of five; ``before`` holds the earlier shown medians
    per area, for the change."""
    if len(answers) < MIN_ANSWERS:
        return RoundTotals(len(answers))
    counted = answers[:len(answers) - len(answers) % MIN_ANSWERS]
    shown: list[AreaTotals] = []
    hidden: list[str] = []
    for area in areas:
        rated = [score for answer in counted if (score := answer.get(area)) is not None]
        totals = area_totals(area, rated, low_end, high_end)
        if totals is None:
            hidden.append(area)
            continue
        earlier = (before or {}).get(area)
        change = None if earlier is None else round(totals.median - earlier, 1)
        shown.append(AreaTotals(totals.area, totals.rated, totals.median, totals.low, totals.middle, totals.high,
                                change))
    return RoundTotals(len(answers), tuple(shown), tuple(hidden), len(counted))


def group_totals(
    rounds: Sequence[tuple[Sequence[Mapping[str, float | None]], Sequence[str]]], low_end: float, high_end: float,
) -> list[RoundTotals]:
    """Every round's totals, oldest first, each area's change measured from the last round that showed it."""
    medians: dict[str, float] = {}
    found: list[RoundTotals] = []
    for answers, areas in rounds:
        totals = round_totals(answers, areas, low_end, high_end, medians)
        medians.update({area.area: area.median for area in totals.areas})
        found.append(totals)
    return found
