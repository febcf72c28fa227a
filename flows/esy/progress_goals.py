"""The goals beside the progress: each goal under its area, in the person's words, with its status (and, for a
goal the workers see, whether it is agreed), as the plan shows it (flows/esy/goals.py)."""

from __future__ import annotations

from collections.abc import Sequence

from flows.esy.goals import plain, state
from flows.esy.progress import GoalNote
from storage.ports import GoalRow


def goal_notes(rows: Sequence[GoalRow]) -> dict[str, list[GoalNote]]:
    """The goals by area id, oldest first."""
    notes: dict[str, list[GoalNote]] = {}
    for row in rows:
        notes.setdefault(row.area_id, []).append((row.goal, state(plain(row))))
    return notes
