"""Arithmetic of the ESY circle: area scores, strongest and weakest areas, what moved."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from flows.esy.instrument import Instrument

SHOWN = 3


def area_scores(instrument: Instrument, ratings: Mapping[str, int | None]) -> dict[str, float | None]:
    """Mean points per area over the rated statements (skipped ones do not count), one decimal."""
    scores: dict[str, float | None] = {}
    for area in instrument.areas:
        points = [
            instrument.score(statement, value)
            for statement in area.statements
            if (value := ratings.get(statement.id)) is not None
        ]
        scores[area.id] = round(sum(points) / len(points), 1) if points else None
    return scores


def strongest(scores: Mapping[str, float | None], count: int = SHOWN) -> list[str]:
    """The areas with most points, best first; only those above the lowest score count as strengths.

    Equal scores stay together: a score is taken whole or not at all (the top one always, even when more than
    ``count`` areas share it), so an area is never listed apart from another with the same points. Ties keep
    the instrument's order.
    """
    return _take(_levels(scores)[:-1], count)  # the lowest score is never a strength


def lowest(scores: Mapping[str, float | None], exclude: Collection[str] = (), count: int = SHOWN) -> list[str]:
    """The areas with fewest points, fewest first: only those below the highest score, not in ``exclude``.

    Equal scores stay together, as in `strongest`.
    """
    levels = list(reversed(_levels(scores)))[:-1]  # the highest score is never "fewest points"
    return _take([(score, [a for a in areas if a not in exclude]) for score, areas in levels], count)


def _levels(scores: Mapping[str, float | None]) -> list[tuple[float, list[str]]]:
    """The rated areas grouped by score, most points first, each group in the instrument's order."""
    groups: dict[float, list[str]] = {}
    for area, score in scores.items():
        if score is not None:
            groups.setdefault(score, []).append(area)
    return sorted(groups.items(), key=lambda group: -group[0])


def _take(levels: list[tuple[float, list[str]]], count: int) -> list[str]:
    """Whole groups in order while they fit in ``count`` (the first non-empty group always)."""
    chosen: list[str] = []
    for _, areas in levels:
        if chosen and len(chosen) + len(areas) > count:
            break
        chosen += areas
    return chosen


def middle(scores: Mapping[str, float | None], shown: Collection[str]) -> list[str]:
    """The rated areas not among ``shown``, most points first, so that every area is named once."""
    rest = [(area, score) for area, score in scores.items() if score is not None and area not in shown]
    return [area for area, _ in sorted(rest, key=lambda pair: -pair[1])]


def changes(
    now: Mapping[str, float | None], before: Mapping[str, float | None],
) -> list[tuple[str, float, float, float]]:
    """Areas whose score moved: (area, change, before, now), biggest change first."""
    moved = []
    for area, score in now.items():
        old = before.get(area)
        if score is not None and old is not None and round(score - old, 1) != 0:
            moved.append((area, round(score - old, 1), old, score))
    return sorted(moved, key=lambda item: -abs(item[1]))
