"""The person's rights: /mydata sends everything stored about them; /forget erases it after confirmation."""

from __future__ import annotations

from typing import Any

from flows.chat import shifts
from flows.core.codes import forget_tag
from flows.core.engine import waiting
from flows.core.messages import N_, Msg
from flows.core.results import Ask, Circle, Document, Option, Say
from flows.core.spec import FORGOTTEN, Conversation, FlowSpec, anonymous_actor
from flows.esy.esy import circle_of
from flows.esy.instrument import Instrument, legend
from flows.identity.consent import latest_answers
from flows.identity.consent_texts import ConsentItem
from flows.identity.notify import notify_staff, workers_of
from flows.identity.staff import staff_card
from storage.ports import AuditRow

MYDATA = "mydata"
FORGET = "forget"
VERSION = 1
YES, NO = "yes", "no"


async def collect(conv: Conversation, items: tuple[ConsentItem, ...] = ()) -> dict[str, Any]:
    """Everything Kaari keeps about this person, as plain data, including who looked at it and when."""
    work = conv.work
    titles = {item.id: {"fi": item.title.fi, "sv": item.title.sv, "en": item.title.en} for item in items}
    user = await work.users.get(conv.key)
    assert user is not None
    data: dict[str, Any] = {
        "generated_at": conv.now.isoformat(),
        "profile": {"language": user.language, "first_seen": user.created_at.isoformat(),
                    "last_seen": user.last_seen_at.isoformat()},
        "role": "staff" if conv.who.staff else "client" if conv.who.is_client else "anonymous",
        "assessments": [
            {"completed_at": row.completed_at.isoformat(),
             "instrument": f"{row.instrument_id} v{row.instrument_version}", "area_scores": row.area_scores,
             "ratings": row.ratings, "wishes": row.wishes}
            for row in sorted(await work.assessments.for_user(conv.key), key=lambda row: row.completed_at)
        ],
        "in_progress": _in_progress(conv),
        "contact_kept": await work.contacts.get(conv.key) is not None,
        "messages_waiting": len([row for row in await work.outbox.for_recipient(conv.key)
                                 if row.status == "pending"]),
    }
    joined = await work.meetings.participations(conv.key)
    if joined and not conv.who.is_client:
        # Someone who joined a network meeting by link: what Kaari keeps about them there.
        data["meetings_joined"] = [
            {"meeting_at": meeting.starts_at.isoformat() if (meeting := await work.meetings.get(p.meeting_id))
             else None, "name": p.name, "promises": [
                 {"text": promise.text, "due": promise.due.isoformat(), "status": promise.status}
                 for promise in await work.meetings.promises(p.meeting_id) if promise.participant_id == p.id]}
            for p in joined]
    staff = conv.who.staff
    if staff is not None:
        data["staff"] = staff_card(staff)
    client = conv.who.client
    if client is not None and client.id is not None:
        workers = [{"worker": staff_card(member), "responsible": responsible}
                   for member, responsible in await workers_of(work, client.id)]
        viewed = []
        for row in await work.audit.about(f"client:{client.id}"):
            if row.actor.startswith("staff:"):
                member = await work.staff.get(int(row.actor.removeprefix("staff:")))
                viewed.append({"at": row.at.isoformat(), "who": member.name if member else row.actor,
                               "what": row.action})
        data["client"] = {
            "nickname": client.nickname,
            "linked_at": client.linked_at.isoformat() if client.linked_at else None,
            "workers": workers,
            "consents": [{"item": row.item, "title": titles.get(row.item, {}), "version": row.version,
                          "answer": row.answer, "at": row.at.isoformat(), "channel": row.channel}
                         for row in await work.consents.for_client(client.id)],
            "consents_in_force": {item: row.answer for item, row in latest_answers(
                await work.consents.for_client(client.id)).items()},
            "shared_assessments": [row.assessment_id for row in await work.shares.for_client(client.id)],
            "viewed_by": viewed,
            "meeting_preparation": preparation.data if (preparation := await work.preparations.get(client.id))
            else None,
            "meetings": [{"at": row.starts_at.isoformat(), "status": row.status, "place": row.place,
                          "promises": [{"text": p.text, "due": p.due.isoformat(), "status": p.status}
                                       for p in await work.meetings.promises(row.id or 0)]}
                         for row in await work.meetings.for_client(client.id)],
            "evaluation": {"reflection": evaluation.reflection, "feedback": evaluation.feedback}
            if (evaluation := await work.evaluations.get(client.id)) else None,
        }
    return data


def _in_progress(conv: Conversation) -> dict[str, Any] | None:
    """What the person is in the middle of: the flow /mydata interrupted with answers in hand, by the engine's
    own rule (resting in the menu, or a client card looked at, is being in the middle of nothing)."""
    found = waiting(conv)
    if found is None:
        return None
    data = {key: value for key, value in found["data"].items() if not key.startswith("_")}
    return {"flow": found["flow"], "state": found["state"], "data": data}


def mydata_flow(items: tuple[ConsentItem, ...] = (), instrument: Instrument | None = None) -> FlowSpec:
    async def on_start(conv: Conversation) -> None:
        data = await collect(conv, items)
        await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key), "privacy.mydata", _subject(conv)))
        pictures: tuple[Circle, ...] = ()
        if instrument is not None:
            # The person's own circles, each with the one before it, drawn into the PDF beside the text.
            data.update(legend(instrument))
            rows = sorted(await conv.work.assessments.for_user(conv.key), key=lambda row: row.completed_at)
            pictures = tuple(circle_of(instrument, row, rows[index - 1] if index else None)
                             for index, row in enumerate(rows))
        conv.emit(Document(MYDATA, data, Msg(N_("mydata.caption")), pictures))
        conv.state = "closed"

    return FlowSpec(
        name=MYDATA, version=VERSION, states=["closed"], initial="closed", transitions=[], views={},
        help_key=N_("mydata.help"), final=frozenset({"closed"}), on_start=on_start, ungated=True,
    )


def _subject(conv: Conversation) -> str:
    client = conv.who.client
    return f"client:{client.id}" if client is not None else ""


def forget_flow(secret: str = "local") -> FlowSpec:
    def view_confirm(conv: Conversation) -> Ask:
        key = N_("forget.confirm_client") if conv.who.is_client else N_("forget.confirm")
        return Ask(Msg(key), (Option(YES, Msg(N_("forget.yes"))), Option(NO, Msg(N_("forget.no")))))

    async def on_start(conv: Conversation) -> None:
        if conv.who.staff is not None:
            conv.emit(Say(Msg(N_("forget.staff"))))
            conv.state = "kept"

    def chose_yes(event: Any) -> bool:
        return bool(event.kwargs.get("value") == YES)

    async def erase(event: Any) -> None:
        conv: Conversation = event.model
        client = conv.who.client
        if client is not None and client.id is not None:
            # The workers learn that the client left, nothing more; the audit keeps only the event.
            await notify_staff(conv, client, Msg(N_("notify.client_left"), {"client": client.nickname}))
            await conv.work.audit.add(AuditRow(conv.now, f"client:{client.id}", "privacy.forget",
                                               f"client:{client.id}"))
            await conv.work.clients.delete(client.id)
        else:
            await conv.work.audit.add(AuditRow(conv.now, FORGOTTEN, "privacy.forget", ""))
        chat = await conv.work.chats.active_for_user(conv.key)
        if chat is not None and chat.id is not None:
            # The worker is told the chat ended; what the person wrote in it goes now, not after retention.
            await shifts.close(conv.work, chat, "forget", conv.now)
            await conv.work.chats.forget(chat.id)
        # Closed chats are no longer linked to the person; their keyed tag still finds the texts kept for
        # the retention time ("everything" means those too).
        for closed in await conv.work.chats.tagged(forget_tag(secret, conv.key)):
            await conv.work.chats.forget(closed)
        await conv.work.audit.relabel(anonymous_actor(conv.key), FORGOTTEN)
        # Wrong-code attempts stay (a keyed hash and a time, purged after a day): deleting them would let
        # /forget and a retry get round the lockout.
        await conv.work.users.delete(conv.key)  # conversation, circles, contact and pushes go with it
        conv.erased = True
        conv.emit(Say(Msg(N_("forget.done"))))

    def kept(event: Any) -> None:
        event.model.emit(Say(Msg(N_("forget.kept"))))

    return FlowSpec(
        name=FORGET, version=VERSION, states=["confirm", "erased", "kept"], initial="confirm",
        transitions=[
            dict(trigger="choose", source="confirm", dest="erased", conditions=[chose_yes], before=[erase]),
            dict(trigger="choose", source="confirm", dest="kept", before=[kept]),
        ],
        views={"confirm": view_confirm}, help_key=N_("forget.help"), final=frozenset({"erased", "kept"}),
        on_start=on_start, controls=False, ungated=True,
    )
