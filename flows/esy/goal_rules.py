"""The rules of the young person's goals (ESY phase 2), as plain functions over rows: which areas are offered
first, how a goal is changed (each change kept as history) and when it is a draft.

Goals come from the young person (seed 004 ch. 3.1): at most three going at a time, one per area, in their own
words. A goal is a draft until the worker agrees it; a later change to its words makes it a draft again (a new
status, "reached" say, does not: that is what was agreed, happening).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime

from flows.esy.instrument import Instrument
from storage.ports import GOAL_FIELDS, AssessmentRow, GoalRevisionRow, GoalRow

MAX_GOING = 3  # one to three areas at a time: more is not a plan a person can carry
YOUNG, WORKER = "young", "worker"
STATUS, AGREED = "status", "agreed"
Value = str | date | None


def area_order(instrument: Instrument, latest: AssessmentRow | None) -> list[str]:
    """The instrument's areas, those with a change wish in the latest assessment first, then the rest with the
    fewest points first (unrated last); ties keep the instrument's order."""
    ids = [area.id for area in instrument.areas]
    if latest is None:
        return ids
    wished = [area_id for area_id in ids if latest.wishes.get(area_id)]
    rest = [area_id for area_id in ids if area_id not in wished]
    score = latest.area_scores

    def lowest_first(area_id: str) -> tuple[bool, float]:
        value = score.get(area_id)
        return value is None, value if value is not None else 0.0

    return [*wished, *sorted(rest, key=lowest_first)]


def going(goals: Sequence[GoalRow]) -> list[GoalRow]:
    """The goals being worked on (not reached, not let go)."""
    return [row for row in goals if row.status == "going"]


def free_areas(order: Sequence[str], goals: Sequence[GoalRow]) -> list[str]:
    """The areas a new goal may be for: none while three are going; never one that already has a goal going."""
    taken = {row.area_id for row in going(goals)}
    return [] if len(taken) >= MAX_GOING else [area_id for area_id in order if area_id not in taken]


def is_draft(goal: GoalRow) -> bool:
    """Not agreed with the worker, or changed by the young person since it was."""
    return goal.agreed_version != goal.version


def as_text(value: Value) -> str | None:
    """A field's value as the history keeps it (a date as ISO)."""
    return value.isoformat() if isinstance(value, date) else value


def new_goal(user_key: str, area_id: str, fields: dict[str, Value], now: datetime,
             client_id: int | None = None) -> tuple[GoalRow, list[GoalRevisionRow]]:
    """A goal as first written (a draft, version 1), and its history's first lines: what was written (the
    goal id is filled in once the row is stored)."""
    due = fields.get("due")
    row = GoalRow(user_key=user_key, area_id=area_id, goal=str(fields["goal"]), created_at=now, updated_at=now,
                  sign=_text(fields.get("sign")), step=_text(fields.get("step")), helper=_text(fields.get("helper")),
                  due=due if isinstance(due, date) else None, client_id=client_id)
    history = [GoalRevisionRow(0, 1, YOUNG, name, as_text(fields.get(name)), now)
               for name in GOAL_FIELDS if fields.get(name) is not None]
    return row, history


def revise(goal: GoalRow, what: str, value: Value, now: datetime) -> tuple[GoalRow, GoalRevisionRow] | None:
    """The young person changes one of the goal's words (or clears an optional one): a new version, a draft
    again; None when nothing changes."""
    if what not in GOAL_FIELDS or (what == "goal" and not value) or getattr(goal, what) == value:
        return None
    changed = replace(goal, version=goal.version + 1, updated_at=now)
    setattr(changed, what, value)
    assert goal.id is not None
    return changed, GoalRevisionRow(goal.id, changed.version, YOUNG, what, as_text(value), now)


def set_status(goal: GoalRow, status: str, now: datetime) -> tuple[GoalRow, GoalRevisionRow] | None:
    """Going, reached or let go: kept in the history, the goal's words (and their agreement) unchanged."""
    if status == goal.status:
        return None
    assert goal.id is not None
    return (replace(goal, status=status, updated_at=now),
            GoalRevisionRow(goal.id, goal.version, YOUNG, STATUS, status, now))


def agree(goal: GoalRow, now: datetime) -> tuple[GoalRow, GoalRevisionRow] | None:
    """The worker agrees the goal as it reads now (its version); None if that version is agreed already."""
    if not is_draft(goal):
        return None
    assert goal.id is not None
    return (replace(goal, agreed_version=goal.version, updated_at=now),
            GoalRevisionRow(goal.id, goal.version, WORKER, AGREED, None, now))


def _text(value: Value) -> str | None:
    return value if isinstance(value, str) else None
