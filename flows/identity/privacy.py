"""The person's rights: /mydata sends everything stored about them; /forget erases it after confirmation."""

from __future__ import annotations

from typing import Any

from flows.core.engine import waiting
from flows.core.hooks import Hooks
from flows.core.messages import N_, Msg
from flows.core.results import Ask, Circle, Document, Option, Say
from flows.core.spec import FORGOTTEN, Conversation, FlowSpec, anonymous_actor
from flows.identity.consent import latest_answers
from flows.identity.consent_texts import ConsentItem
from flows.identity.notify import notify_staff, workers_of
from flows.identity.screens import close_screens_about
from flows.identity.staff import staff_card
from storage.ports import AuditRow

MYDATA = "mydata"
FORGET = "forget"
VERSION = 1
YES, NO = "yes", "no"


async def collect(
    conv: Conversation, items: tuple[ConsentItem, ...] = (), hooks: Hooks | None = None,
) -> dict[str, Any]:
    """Everything Kaari keeps about this person, as plain data, including who looked at it and when; the other
    capabilities add theirs through ``hooks``."""
    hooks = hooks or Hooks()
    work = conv.work
    user = await work.users.get(conv.key)
    assert user is not None
    data: dict[str, Any] = {
        "generated_at": conv.now.isoformat(),
        "profile": {"language": user.language, "first_seen": user.created_at.isoformat(),
                    "last_seen": user.last_seen_at.isoformat()},
        "role": "staff" if conv.who.staff else "client" if conv.who.is_client else "anonymous",
        "in_progress": _in_progress(conv),
        "contact_kept": await work.contacts.get(conv.key) is not None,
        "messages_waiting": len([row for row in await work.outbox.for_recipient(conv.key)
                                 if row.status == "pending"]),
    }
    for part in hooks.mydata:
        data.update(await part(conv))
    staff = conv.who.staff
    if staff is not None:
        data["staff"] = staff_card(staff)
    client = conv.who.client
    if client is not None and client.id is not None:
        data["client"] = await _client_part(conv, client.id, items)
        for client_part in hooks.client_data:
            data["client"].update(await client_part(work, client.id))
    return data


async def _client_part(conv: Conversation, client_id: int, items: tuple[ConsentItem, ...]) -> dict[str, Any]:
    """What identity keeps about a client: the link, the workers, the consents and who looked at them."""
    work = conv.work
    client = conv.who.client
    assert client is not None
    titles = {item.id: {"fi": item.title.fi, "sv": item.title.sv, "en": item.title.en} for item in items}
    workers = [{"worker": staff_card(member), "responsible": responsible}
               for member, responsible in await workers_of(work, client_id)]
    viewed = []
    for row in await work.audit.about(f"client:{client_id}"):
        if row.actor.startswith("staff:"):
            member = await work.staff.get(int(row.actor.removeprefix("staff:")))
            viewed.append({"at": row.at.isoformat(), "who": member.name if member else row.actor,
                           "what": row.action})
    return {
        "nickname": client.nickname,
        "linked_at": client.linked_at.isoformat() if client.linked_at else None,
        "workers": workers,
        "consents": [{"item": row.item, "title": titles.get(row.item, {}), "version": row.version,
                      "answer": row.answer, "at": row.at.isoformat(), "channel": row.channel}
                     for row in await work.consents.for_client(client_id)],
        "consents_in_force": {item: row.answer for item, row in latest_answers(
            await work.consents.for_client(client_id)).items()},
        "shared_assessments": [row.assessment_id for row in await work.shares.for_client(client_id)],
        "viewed_by": viewed,
    }


def _in_progress(conv: Conversation) -> dict[str, Any] | None:
    """What the person is in the middle of: the flow /mydata interrupted with answers in hand, by the engine's
    own rule (resting in the menu, or a client card looked at, is being in the middle of nothing)."""
    found = waiting(conv)
    if found is None:
        return None
    data = {key: value for key, value in found["data"].items() if not key.startswith("_")}
    return {"flow": found["flow"], "state": found["state"], "data": data}


class MyDataSteps:
    """/mydata's one step, with what it needs: the consent titles and the other capabilities' hooks."""

    def __init__(self, items: tuple[ConsentItem, ...], hooks: Hooks) -> None:
        self.items, self.hooks = items, hooks

    async def on_start(self, conv: Conversation) -> None:
        """Collect, note the look in the audit log, and send the document with the person's circles."""
        data = await collect(conv, self.items, self.hooks)
        await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key),
            "privacy.mydata", _subject(conv), region=conv.who.region))
        pictures: tuple[Circle, ...] = ()
        if self.hooks.pictures is not None:
            # The person's own circles, each with the one before it, drawn into the PDF beside the text.
            data.update(self.hooks.pictures.legend())
            rows = sorted(await conv.work.assessments.for_user(conv.key), key=lambda row: row.completed_at)
            pictures = self.hooks.pictures.circles(rows)
        conv.emit(Document(MYDATA, data, Msg(N_("mydata.caption")), pictures))
        conv.state = "closed"


def mydata_flow(items: tuple[ConsentItem, ...] = (), hooks: Hooks | None = None) -> FlowSpec:
    """/mydata: everything stored about the person, as a document."""
    steps = MyDataSteps(items, hooks or Hooks())
    return FlowSpec(
        name=MYDATA, version=VERSION, states=["closed"], initial="closed", transitions=[], views={},
        help_key=N_("mydata.help"), final=frozenset({"closed"}), on_start=steps.on_start, ungated=True,
    )


def _subject(conv: Conversation) -> str:
    client = conv.who.client
    return f"client:{client.id}" if client is not None else ""


def view_confirm(conv: Conversation) -> Ask:
    """Are you sure? (A client hears what goes and that their workers are told they left.)"""
    key = N_("forget.confirm_client") if conv.who.is_client else N_("forget.confirm")
    return Ask(Msg(key), (Option(YES, Msg(N_("forget.yes"))), Option(NO, Msg(N_("forget.no")))))


async def forget_on_start(conv: Conversation) -> None:
    """Staff are not erased by /forget: their access ends when a coordinator removes them. A client who agreed
    to consent "effect" hears first that an anonymous record of their change is kept (flows/esy/effect_records.py),
    while they can still take it back."""
    if conv.who.staff is not None:
        conv.emit(Say(Msg(N_("forget.staff"))))
        conv.state = "kept"
        return
    client = conv.who.client
    if client is not None and client.id is not None:
        answers = latest_answers(await conv.work.consents.for_client(client.id))
        if "effect" in answers and answers["effect"].answer == "yes":
            conv.emit(Say(Msg(N_("forget.effect_kept"))))


def chose_yes(event: Any) -> bool:
    return bool(event.kwargs.get("value") == YES)


def kept(event: Any) -> None:
    """They said no: nothing was erased."""
    event.model.emit(Say(Msg(N_("forget.kept"))))


class ForgetSteps:
    """/forget's erasing step, with the other capabilities' hooks (the chats, say) that erase their part."""

    def __init__(self, hooks: Hooks) -> None:
        self.hooks = hooks

    async def erase(self, event: Any) -> None:
        """Everything about the person goes: identity's rows, each capability's part, then the user row."""
        conv: Conversation = event.model
        for forgetting in self.hooks.forgetting:  # e.g. a de-identified record the client agreed to keep
            await forgetting(conv)
        client = conv.who.client
        if client is not None and client.id is not None:
            # The workers learn that the client left, nothing more; the audit keeps only the event.
            await notify_staff(conv, client, Msg(N_("notify.client_left"), {"client": client.nickname}))
            await conv.work.audit.add(AuditRow(conv.now, f"client:{client.id}", "privacy.forget",
                                               f"client:{client.id}", region=client.region))
            await close_screens_about(conv.work, client.id)  # nothing of theirs left in a worker's screen
            await conv.work.clients.delete(client.id)
        else:
            await conv.work.audit.add(AuditRow(conv.now, FORGOTTEN, "privacy.forget", ""))
        for forget in self.hooks.forget:
            await forget(conv)
        await conv.work.audit.relabel(anonymous_actor(conv.key), FORGOTTEN)
        # Wrong-code attempts stay (a keyed hash and a time, purged after a day): deleting them would let
        # /forget and a retry get round the lockout.
        await conv.work.users.delete(conv.key)  # conversation, circles, contact and pushes go with it
        conv.erased = True
        conv.emit(Say(Msg(N_("forget.done"))))


def forget_flow(hooks: Hooks | None = None) -> FlowSpec:
    """/forget: after a confirmation, everything about the person goes (each capability erases its part)."""
    steps = ForgetSteps(hooks or Hooks())
    return FlowSpec(
        name=FORGET, version=VERSION, states=["confirm", "erased", "kept"], initial="confirm",
        transitions=[
            dict(trigger="choose", source="confirm", dest="erased", conditions=[chose_yes], before=[steps.erase]),
            dict(trigger="choose", source="confirm", dest="kept", before=[kept]),
        ],
        views={"confirm": view_confirm}, help_key=N_("forget.help"), final=frozenset({"erased", "kept"}),
        on_start=forget_on_start, controls=False, ungated=True,
    )
