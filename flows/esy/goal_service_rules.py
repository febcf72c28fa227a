"""The rules of the services linked to a goal (ESY phases 3 and 4), as plain functions over rows: which answer
is in force, when a follow-up is due, and what a follow-up answer may be.

A worker links a service of the region's services file to a goal; at follow-up either side records whether it
was reached (yes / not yet / no) and, if it was, whether it helped (yes / somewhat / no / can't say). Every
answer is kept with its date: the latest is the one in force, the earlier ones are the history.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

from flows.core.dates import HELSINKI
from storage.ports import HELPED, REACHED, GoalServiceRow, ServiceFollowUpRow


def in_force(answers: Sequence[ServiceFollowUpRow]) -> ServiceFollowUpRow | None:
    """The latest follow-up answer (by time, then as stored), or None before the first."""
    return max(answers, key=lambda row: (row.answered_at, row.id or 0), default=None)


def followup_due(link: GoalServiceRow, answers: Sequence[ServiceFollowUpRow], due: date | None,
                 reassessed: datetime | None, now: datetime) -> bool:
    """Whether to ask how it went: the goal's "by when" day has come, or a new circle was filled, since the
    service was linked, and nobody has answered since that moment."""
    moments = [moment for moment in (_day_start(due) if due is not None else None, reassessed)
               if moment is not None and link.linked_at < moment <= now]
    if not moments:
        return False
    latest = in_force(answers)
    return latest is None or latest.answered_at < max(moments)


def answer(link_id: int, reached: str, helped: str | None, by: str, now: datetime) -> ServiceFollowUpRow:
    """One follow-up answer; "helped" is asked only of a service that was reached (otherwise it is None)."""
    if reached not in REACHED or (helped is not None and helped not in HELPED):
        raise ValueError(f"not a follow-up answer: {reached!r}, {helped!r}")
    return ServiceFollowUpRow(link_id, reached, helped if reached == "yes" else None, by, now)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, HELSINKI)
