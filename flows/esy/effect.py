"""The effect report's arithmetic (#12 §6): per ESY area, how much people's circles changed, and who it hides.

Input: per person (an opaque id, never a key) the first and the latest circle inside the period, with labels (per
area, the services linked to their goals in that area; the groups they were in). A service counts only in the area
of the goal it was linked to: Kela linked to a goal about money says nothing about sleep. Output: per area a cell
for everyone, and one per service and per group: how many people, the median change and the share who improved (a
change above 0). A cell of fewer than five people is hidden ("fewer than 5").

Hiding one cell is not enough when the cells beside it are shown: the area's total minus the shown cells would give
the hidden one back (its count, and with the shares, how many in it improved). So, per area and per kind of label,
the people the shown cells do not cover (those in hidden cells and those with no such label) must be none or at
least five; while they are one to four, the smallest shown cell is hidden too (a complementary suppression). Labels
may overlap (a person can have two services); hiding so that even a split without overlap could not be undone is the
careful reading.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from flows.core.dates import HELSINKI
from storage.ports import AssessmentRow, EffectRecordRow

SMALL = 5  # a cell of fewer people than this is hidden
ALL, SERVICE, GROUP = "all", "service", "group"
DIMENSIONS = (SERVICE, GROUP)
SMALL_CELL, COMPLEMENT = "small", "complement"  # why a cell is hidden
Scores = Mapping[str, float | None]
AreaServices = Mapping[str, frozenset[str]]  # per area, the services linked to goals in it


@dataclass(frozen=True)
class Person:
    """One person's first and latest circle in the period (``id`` is opaque: a number, never a key)."""

    id: str
    first: Scores
    latest: Scores
    services: AreaServices = field(default_factory=dict)
    groups: frozenset[str] = frozenset()

    def labels(self, dimension: str, area: str) -> frozenset[str]:
        """The person's labels of one kind in one area: the services of their goals in it, or their groups."""
        return self.services.get(area, frozenset()) if dimension == SERVICE else self.groups

    def change(self, area: str) -> float | None:
        """Latest minus first in ``area``; None when either circle skipped it."""
        first, latest = self.first.get(area), self.latest.get(area)
        return None if first is None or latest is None else latest - first


@dataclass(frozen=True)
class Cell:
    """One row of the report. A hidden cell carries no figures at all, so nothing downstream can show them."""

    area: str
    dimension: str
    label: str
    n: int | None
    median: float | None
    improved: float | None  # the share (0..1) whose change is above 0
    hidden: str = ""  # "", SMALL_CELL or COMPLEMENT


@dataclass(frozen=True)
class Period:
    """Whole months, Helsinki time: from the first day of ``first`` up to (not including) ``end``."""

    first: date
    end: date

    @property
    def start_at(self) -> datetime:
        """The period's first moment."""
        return datetime(self.first.year, self.first.month, 1, tzinfo=HELSINKI)

    @property
    def end_at(self) -> datetime:
        """The first moment after the period."""
        return datetime(self.end.year, self.end.month, 1, tzinfo=HELSINKI)

    @property
    def months(self) -> tuple[str, str]:
        """The first and the last month as "YYYY-MM" (as effect records keep them)."""
        return month_of(self.first), month_of(add_months(self.end, -1))


def month_of(day: date) -> str:
    """A day's month as "YYYY-MM"."""
    return f"{day.year:04d}-{day.month:02d}"


def add_months(day: date, count: int) -> date:
    """The first day of the month ``count`` months from ``day``'s."""
    index = day.year * 12 + day.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def last_months(today: date, count: int) -> Period:
    """The ``count`` months ending with this one."""
    return Period(add_months(today, 1 - count), add_months(today, 1))


MONTH = re.compile(r"(?<!\d)(?:(\d{1,2})\s*[./]\s*(\d{4})|(\d{4})\s*-\s*(\d{1,2}))(?!\d)")


def parse_period(text: str, today: date) -> Period | None:
    """A typed range of two months ("1.2026-6.2026", "2026-01 2026-06"), in either order; None if unreadable
    or wholly in the future. A period ending after this month ends with this month."""
    found = []
    for match in MONTH.finditer(text):
        month, year = (match[1], match[2]) if match[1] else (match[4], match[3])
        if not 1 <= int(month) <= 12 or not 2000 <= int(year) <= 2100:
            return None
        found.append(date(int(year), int(month), 1))
    if len(found) != 2:
        return None
    first, last = sorted(found)
    if first > today:
        return None
    return Period(first, min(add_months(last, 1), add_months(today, 1)))


@dataclass(frozen=True)
class Span:
    """Per area the first and the latest score of a person's circles, each from a different circle (an area
    scored once shows no change and is left out), and when the first and the last of those circles were."""

    first: dict[str, float | None]
    latest: dict[str, float | None]
    first_at: datetime
    latest_at: datetime


def span_of(rows: Iterable[AssessmentRow], instrument_id: str) -> Span | None:
    """A person's span over their circles of the instrument; None when no area was scored twice. Per area, as a
    group may fill one area per session: the first circle that scored it and the latest that did."""
    mine = sorted((row for row in rows if row.instrument_id == instrument_id),
                  key=lambda row: (row.completed_at, row.id or 0))
    first: dict[str, float | None] = {}
    latest: dict[str, float | None] = {}
    used: list[datetime] = []
    for area in dict.fromkeys(area for row in mine for area in row.area_scores):
        scored = [row for row in mine if row.area_scores.get(area) is not None]
        if len(scored) >= 2:
            first[area], latest[area] = scored[0].area_scores[area], scored[-1].area_scores[area]
            used += [scored[0].completed_at, scored[-1].completed_at]
    return Span(first, latest, min(used), max(used)) if used else None


def people_from_circles(
    rows: Iterable[AssessmentRow], instrument_id: str, labels: Callable[[str], tuple[AreaServices, frozenset[str]]],
) -> list[Person]:
    """Each person among ``rows`` with an area scored in two circles of the instrument, numbered in order, with
    their span and the labels ``labels(key)`` gives; the key stays here."""
    by_key: dict[str, list[AssessmentRow]] = {}
    for row in rows:
        by_key.setdefault(row.user_key, []).append(row)
    people: list[Person] = []
    for key, mine in by_key.items():
        span = span_of(mine, instrument_id)
        if span is not None:
            services, groups = labels(key)
            people.append(Person(f"h{len(people) + 1}", span.first, span.latest, services, groups))
    return people


def people_from_records(records: Iterable[EffectRecordRow], instrument_id: str) -> list[Person]:
    """The de-identified records of the instrument as people (numbered, the record's id is not used)."""
    return [Person(f"k{index + 1}", record.first_scores, record.latest_scores,
                   {area: frozenset(ids) for area, ids in record.services.items()},
                   frozenset(record.groups))
            for index, record in enumerate(row for row in records if row.instrument_id == instrument_id)]


def figures(area: str, dimension: str, label: str, changes: Sequence[float]) -> Cell:
    """One cell from its people's changes: hidden when they are fewer than five."""
    if len(changes) < SMALL:
        return Cell(area, dimension, label, None, None, None, SMALL_CELL)
    improved = sum(1 for change in changes if change > 0) / len(changes)
    return Cell(area, dimension, label, len(changes), round(statistics.median(changes), 2), round(improved, 3))


def split(area: str, dimension: str, changes: Mapping[str, float], people: Sequence[Person]) -> list[Cell]:
    """The cells of one kind of label in one area, small ones hidden, then complementary ones (see above)."""
    members: dict[str, list[str]] = {}
    for person in people:
        if person.id in changes:
            for label in person.labels(dimension, area):
                members.setdefault(label, []).append(person.id)
    shown = {label: ids for label, ids in members.items() if len(ids) >= SMALL}
    while shown:
        covered = {person for ids in shown.values() for person in ids}
        residual = len(changes) - len(covered)
        if residual == 0 or residual >= SMALL:
            break
        del shown[min(shown, key=lambda label: (len(shown[label]), label))]
    cells = []
    for label in sorted(members):
        if label in shown:
            cells.append(figures(area, dimension, label, [changes[person] for person in members[label]]))
        else:
            why = SMALL_CELL if len(members[label]) < SMALL else COMPLEMENT
            cells.append(Cell(area, dimension, label, None, None, None, why))
    return cells


def masked(count: int) -> int | None:
    """A count of people as it may be shown: none, or five or more; None stands for one to four."""
    return None if 0 < count < SMALL else count


def report(people: Sequence[Person], areas: Sequence[str]) -> list[Cell]:
    """Per area (in the instrument's order): everyone's cell, then each service's, then each group's."""
    cells = []
    for area in areas:
        changes = {person.id: change for person in people if (change := person.change(area)) is not None}
        cells.append(figures(area, ALL, "", list(changes.values())))
        for dimension in DIMENSIONS:
            cells.extend(split(area, dimension, changes, people))
    return cells
