"""What network meetings add to the duties that cross rooms: the preparation and meetings in /mydata, what
goes when the work ends or storage is withdrawn, the card's entries, and the participants' join links."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flows.core.hooks import CardLink, Hooks
from flows.core.messages import N_, Msg, Param, When, dump_msg
from flows.core.quiet import QuietHours
from flows.core.spec import Conversation
from flows.meetings.joining import MeetingJoining
from flows.meetings.meeting import NAME as MEETINGS
from flows.meetings.preparation import NAME as PREPARATION
from storage.ports import ClientRow, OutboxRow, UnitOfWork


async def mydata(conv: Conversation) -> dict[str, Any]:
    """Someone who joined a network meeting by link: what Kaari keeps about them there."""
    work = conv.work
    joined = await work.meetings.participations(conv.key)
    if not joined or conv.who.is_client:
        return {}
    return {"meetings_joined": [
        {"meeting_at": meeting.starts_at.isoformat() if (meeting := await work.meetings.get(p.meeting_id))
         else None, "name": p.name, "promises": [
             {"text": promise.text, "due": promise.due.isoformat(), "status": promise.status}
             for promise in await work.meetings.promises(p.meeting_id) if promise.participant_id == p.id]}
        for p in joined]}


async def client_data(work: UnitOfWork, client_id: int) -> dict[str, Any]:
    """A client's meeting preparation, meetings with their promises, and the closing evaluation."""
    return {
        "meeting_preparation": {**preparation.data, "goal_notes": [
            {**note, "goal_words": await goal_words(work, note["goal"])}
            for note in preparation.data.get("goal_notes", [])]}
        if (preparation := await work.preparations.get(client_id)) else None,
        "meetings": [{"at": row.starts_at.isoformat(), "status": row.status, "place": row.place,
                      "promises": [{"text": p.text, "due": p.due.isoformat(), "status": p.status,
                                    "for_goal": await goal_words(work, p.goal_id)}
                                   for p in await work.meetings.promises(row.id or 0)]}
                     for row in await work.meetings.for_client(client_id)],
        "evaluation": {"reflection": evaluation.reflection, "feedback": evaluation.feedback}
        if (evaluation := await work.evaluations.get(client_id)) else None,
    }


async def goal_words(work: UnitOfWork, goal_id: int | None) -> str | None:
    """The words of the young person's goal a promise is for (their own words, read through the storage port)."""
    goal = await work.goals.get(goal_id) if goal_id is not None else None
    return goal.goal if goal is not None else None


async def cancel_coming_meetings(work: UnitOfWork, client_id: int, now: datetime, skip: str | None) -> int:
    """Cancel the client's planned meetings and tell everyone invited whom Kaari can write to (the client,
    ``skip``, knows already); the notice names the time only, not why. Returns how many were cancelled."""
    cancelled = 0
    for meeting in await work.meetings.for_client(client_id):
        if meeting.status != "planned":
            continue
        meeting.status = "cancelled"  # its reminders are then not sent
        await work.meetings.save(meeting)
        cancelled += 1
        for person in await work.meetings.participants(meeting.id or 0):
            if person.user_key and person.user_key != skip:
                notice = Msg(N_("meeting.cancelled_ended"), {"when": When(meeting.starts_at)})
                await work.outbox.add(OutboxRow(person.user_key, "notify", dump_msg(notice), now))
    return cancelled


async def work_ended(work: UnitOfWork, client: ClientRow, key: str | None, now: datetime) -> None:
    """The preparation goes, coming meetings are cancelled, unused join links stop working, and the former
    client is no longer a participant anywhere."""
    await work.preparations.delete(client.id or 0)
    await cancel_coming_meetings(work, client.id or 0, now, key)
    for meeting in await work.meetings.for_client(client.id or 0):
        for person in await work.meetings.participants(meeting.id or 0):
            if (key is not None and person.user_key == key) or person.join_hash is not None:
                person.user_key = None if person.user_key == key else person.user_key
                person.join_hash = person.join_expires_at = None
                await work.meetings.save_participant(person)


async def storage_withdrawn(work: UnitOfWork, client: ClientRow, key: str, now: datetime) -> list[Param]:
    """Consent (c) withdrawn: the preparation, the meetings with their notes and promises and the closing
    evaluation go; coming meetings are cancelled first, so those invited hear of it."""
    client_id = client.id or 0
    meetings = await work.meetings.for_client(client_id)
    promises = sum([len(await work.meetings.promises(meeting.id or 0)) for meeting in meetings])
    preparation = await work.preparations.get(client_id) is not None
    evaluation = await work.evaluations.get(client_id) is not None
    await cancel_coming_meetings(work, client_id, now, key)
    await work.preparations.delete(client_id)
    held = await work.meetings.delete_for_client(client_id)
    await work.evaluations.delete(client_id)
    counted = [(N_("consent.deleted_meetings"), held), (N_("consent.deleted_promises"), promises)]
    lines: list[Param] = [Msg(name, {"count": count}) for name, count in counted if count]
    return lines + [Msg(name) for name, there in ((N_("consent.deleted_preparation"), preparation),
                                                  (N_("consent.deleted_evaluation"), evaluation)) if there]


def register(hooks: Hooks, secret: str, before: tuple[timedelta, ...], quiet: QuietHours) -> None:
    """The meetings' part of the cross-room duties; ``secret``, ``before`` and ``quiet`` are for join links."""
    hooks.mydata.append(mydata)
    hooks.client_data.append(client_data)
    hooks.work_ended.append(work_ended)
    hooks.storage_withdrawn.append(storage_withdrawn)
    hooks.card_links += [CardLink("prepare", N_("clients.prepare"), PREPARATION),
                         CardLink("meeting", N_("clients.meeting"), MEETINGS)]
    hooks.join_codes.append(MeetingJoining(secret, before, quiet))
