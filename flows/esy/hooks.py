"""What ESY adds to the duties that cross rooms: circles and the pending re-assessment offer in /mydata and on
the client card, and both deleted when the work ends or the client withdraws storage; the same for the workers'
readings of the client's situation, with the comparison's comments (#12 §1), which the card opens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flows.core.hooks import CardLink, Hooks
from flows.core.messages import N_, Msg, Param
from flows.core.results import Circle, Result
from flows.core.spec import Conversation
from flows.esy import followup
from flows.esy.effect_records import EffectLabels, KeepEffect
from flows.esy.esy import circle_of
from flows.esy.instrument import Instrument, legend
from flows.esy.progress import progress_results
from flows.esy.progress_goals import goal_notes
from flows.esy.prompts import prompts_message
from flows.esy.reading import NAME as READING
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

    async def progress(
        self, work: UnitOfWork, client: ClientRow, rows: Sequence[AssessmentRow], nickname: str,
    ) -> list[Result]:
        """Each area over the circles the client shared, for their worker, with the goals the card shows."""
        assert client.id is not None
        goals = goal_notes(await work.goals.for_client(client.id))
        return progress_results(self.instrument, rows, nickname, goals)


async def mydata(conv: Conversation) -> dict[str, Any]:
    """The person's own assessments, oldest first, and when the next one will be offered (if it will)."""
    rows = sorted(await conv.work.assessments.for_user(conv.key), key=lambda row: row.completed_at)
    offers = await followup.pending(conv.work, conv.key)
    return {"assessments": [
        {"completed_at": row.completed_at.isoformat(), "instrument": f"{row.instrument_id} v{row.instrument_version}",
         "area_scores": row.area_scores, "ratings": row.ratings, "wishes": row.wishes} for row in rows],
        "reassessment_offered_at": [row.due_at.isoformat() for row in offers]}


async def client_data(work: UnitOfWork, client_id: int) -> dict[str, Any]:
    """The workers' readings of the client's situation, each with the comments both sides wrote beside it."""
    readings = []
    for row in await work.readings.for_client(client_id):
        worker = await work.staff.get(row.staff_id)
        readings.append({
            "given_at": row.completed_at.isoformat(), "by": worker.name if worker else None,
            "instrument": f"{row.instrument_id} v{row.instrument_version}", "area_scores": row.area_scores,
            "ratings": row.ratings, "had_seen_your_circle": row.saw_circle,
            "comments": [{"area": line.area_id, "by": line.side, "text": line.text, "at": line.written_at.isoformat()}
                         for line in await work.readings.comments(row.id or 0)]})
    return {"esy_readings": readings}


async def work_ended(work: UnitOfWork, client: ClientRow, key: str | None, now: datetime) -> None:
    """The circles and the workers' readings kept for the work go with it."""
    await work.readings.delete_for_client(client.id or 0)
    if key is not None:
        await work.assessments.delete_for_user(key)


async def storage_withdrawn(work: UnitOfWork, client: ClientRow, key: str, now: datetime) -> list[Param]:
    """Consent (c) withdrawn: the circles go, the workers' readings with their comments, and the offer to fill
    one again; says what did."""
    circles = await work.assessments.delete_for_user(key)
    readings = await work.readings.delete_for_client(client.id or 0)
    offers = await followup.cancel(work, key, now)
    lines: list[Param] = [Msg(N_("consent.deleted_circles"), {"count": circles})] if circles else []
    if readings:
        lines.append(Msg(N_("consent.deleted_readings"), {"count": readings}))
    return [*lines, Msg(N_("consent.deleted_reassess"))] if offers else lines


async def reminders_withdrawn(work: UnitOfWork, key: str, now: datetime) -> None:
    """Consent (d) withdrawn: the offer to fill the circle again is cancelled."""
    await followup.cancel(work, key, now)


def register(hooks: Hooks, instrument: Instrument, labels: EffectLabels | None = None) -> None:
    """ESY's part of the cross-room duties; the effect record, where agreed, is kept before the circles go."""
    keep = KeepEffect(instrument.id, labels or EffectLabels())
    hooks.pictures = EsyPictures(instrument)
    hooks.mydata.append(mydata)
    hooks.client_data.append(client_data)
    hooks.forgetting.append(keep.forgetting)
    hooks.work_ended.append(keep.work_ended)
    hooks.work_ended.append(work_ended)
    hooks.storage_withdrawn.append(keep.storage_withdrawn)
    hooks.storage_withdrawn.append(storage_withdrawn)
    hooks.reminders_withdrawn.append(reminders_withdrawn)
    # The worker's own reading: the pair worker too, with consent (b) (flows/esy/dialogue.py).
    hooks.card_links.append(CardLink("reading", N_("clients.reading"), READING, pair=True))
