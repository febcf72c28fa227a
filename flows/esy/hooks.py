"""What ESY adds to the duties that cross rooms: circles and the pending re-assessment offer in /mydata and on
the client card, and both deleted when the work ends or the client withdraws storage."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flows.core.hooks import Hooks
from flows.core.messages import N_, Msg, Param
from flows.core.results import Circle
from flows.core.spec import Conversation
from flows.esy import followup
from flows.esy.esy import circle_of
from flows.esy.instrument import Instrument, legend
from flows.esy.prompts import prompts_message
from storage.ports import AssessmentRow, ClientRow, UnitOfWork


class EsyPictures:
    """The instrument's circles, legend and conversation prompts, for documents and the client card."""

    def __init__(self, instrument: Instrument) -> None:
        self.instrument = instrument

    def legend(self) -> dict[str, Any]:
        """The instrument's area names and scale, as plain data."""
        return legend(self.instrument)

    def circles(self, rows: Sequence[AssessmentRow], nickname: str | None = None) -> tuple[Circle, ...]:
        """Each circle with the one before it overlaid."""
        return tuple(circle_of(self.instrument, row, rows[index - 1] if index else None, nickname)
                     for index, row in enumerate(rows))

    def prompts(self, row: AssessmentRow, nickname: str) -> Msg | None:
        """The conversation prompts for the worker beside this circle's lowest areas and wishes, if any."""
        return prompts_message(self.instrument, row, nickname)


async def mydata(conv: Conversation) -> dict[str, Any]:
    """The person's own assessments, oldest first, and when the next one will be offered (if it will)."""
    rows = sorted(await conv.work.assessments.for_user(conv.key), key=lambda row: row.completed_at)
    offers = await followup.pending(conv.work, conv.key)
    return {"assessments": [
        {"completed_at": row.completed_at.isoformat(), "instrument": f"{row.instrument_id} v{row.instrument_version}",
         "area_scores": row.area_scores, "ratings": row.ratings, "wishes": row.wishes} for row in rows],
        "reassessment_offered_at": [row.due_at.isoformat() for row in offers]}


async def work_ended(work: UnitOfWork, client: ClientRow, key: str | None, now: datetime) -> None:
    """The circles kept for the work go with it."""
    if key is not None:
        await work.assessments.delete_for_user(key)


async def storage_withdrawn(work: UnitOfWork, client: ClientRow, key: str, now: datetime) -> list[Param]:
    """Consent (c) withdrawn: the circles go, and the offer to fill one again; says what did."""
    circles = await work.assessments.delete_for_user(key)
    offers = await followup.cancel(work, key, now)
    lines: list[Param] = [Msg(N_("consent.deleted_circles"), {"count": circles})] if circles else []
    return [*lines, Msg(N_("consent.deleted_reassess"))] if offers else lines


async def reminders_withdrawn(work: UnitOfWork, key: str, now: datetime) -> None:
    """Consent (d) withdrawn: the offer to fill the circle again is cancelled."""
    await followup.cancel(work, key, now)


def register(hooks: Hooks, instrument: Instrument) -> None:
    """ESY's part of the cross-room duties."""
    hooks.pictures = EsyPictures(instrument)
    hooks.mydata.append(mydata)
    hooks.work_ended.append(work_ended)
    hooks.storage_withdrawn.append(storage_withdrawn)
    hooks.reminders_withdrawn.append(reminders_withdrawn)
