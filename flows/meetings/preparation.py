"""Preparing a network meeting (neuvonpito): the young person's own words, their people, whom to invite,
topics, and what the worker should do if they cannot say what they wanted.

One draft per client, stored as it is written, so the client and their responsible worker can both continue
it (together in the office, or the client alone on the bus). Strengths come first. The course of the meeting
can be read at any point, so nothing in it is a surprise.

The steps, in the order of the table in `preparation_flow`:
- the hub: `view_hub`; `PreparationSteps.on_start` / `PreparationSteps.refresh` read the stored draft (`load`)
- own words: `chose_word` / `open_word`, `view_word` + `write_word`
- people: `view_people`, `room_for_people`, `chose_remove_person` + `remove_person`, `can_undo` + `undo_remove`,
  `view_person_name` / `view_person_relation` / `view_person_env` / `view_person_contact` + `person_contact`
- whom to invite and why: `view_invite` + `chose_invite` / `toggle_invite`, `view_goal` + `write_goal`
- topics: `view_topics`, `room_for_topics`, `view_topic` + `add_topic`, `chose_remove_topic` + `remove_topic`
- if stuck: `view_stuck` + `chose_stuck` / `set_stuck`; the course: `show_course`; done: `finish`
- what I tell about my goal (when the client has goals): flows/meetings/prep_goals.py (`GoalNoteSteps`)
"""

from __future__ import annotations

from typing import Any

from flows.core.guards import chose, value
from flows.core.hooks import ClientGoals
from flows.core.messages import N_, Lines, LocalText, Msg
from flows.core.results import Ask, Option, Say
from flows.core.spec import Conversation, FlowSpec, Who
from flows.identity.consent import latest_answers
from flows.identity.notify import notify_staff, workers_of
from flows.meetings.goal_links import load_goals
from flows.meetings.prep_goals import GoalNoteSteps, has_goals, notes
from storage.ports import AuditRow, PreparationRow

NAME = "prepare"
VERSION = 2
# 2: every person and topic has a stable id, used in buttons (a list position changes when the other side
# removes something).
DRAFT_VERSION = 2
MAX_TEXT = 1000
MAX_NAME = 60
MAX_PEOPLE = 20
MAX_TOPICS = 15
WORDS = ("works", "now", "better")  # strengths first
ENVIRONMENTS = ("home", "school_work", "free_time", "services")
STUCK = ("ask_later", "say_for_me", "pause")
HUB, DONE, BACK, SKIP, ADD, KEEP, COURSE = "hub", "done", "back", "skip", "add", "keep", "course"
UNDO = "undo"
# What was removed last on the list in hand ({"kind": "people"|"topics", "at": position, "item": ...}): it can be
# put back until the person leaves that list. Removal is by stable id, so the other side's changes never shift it.
_UNDONE = "undone"
WORD_ASK = {"works": N_("prep.ask_works"), "now": N_("prep.ask_now"), "better": N_("prep.ask_better")}
WORD_TITLE = {"works": N_("prep.title_works"), "now": N_("prep.title_now"), "better": N_("prep.title_better")}
ENV_TITLE = {"home": N_("prep.env_home"), "school_work": N_("prep.env_school_work"),
             "free_time": N_("prep.env_free_time"), "services": N_("prep.env_services")}
STUCK_TITLE = {"ask_later": N_("prep.stuck_ask_later"), "say_for_me": N_("prep.stuck_say_for_me"),
               "pause": N_("prep.stuck_pause")}


def may_prepare(who: Who) -> bool:
    """A linked client prepares their own meeting; a worker prepares with their client."""
    return who.is_client or who.is_worker


def is_client(who: Who) -> bool:
    return who.is_client


def _undo_option(conv: Conversation) -> tuple[Option, ...]:
    """"Put it back", on the list something was just removed from."""
    undone = conv.data.get(_UNDONE)
    if undone is None or undone["kind"] != conv.state:
        return ()
    what = undone["item"]["name"] if undone["kind"] == "people" else None
    label = Msg(N_("prep.undo_person"), {"name": what}) if what is not None else Msg(N_("prep.undo_topic"))
    return (Option(UNDO, label),)


def needs_storage(conv: Conversation, storage: LocalText) -> Msg:
    """Why there is nothing stored: consent (c), by the title the client knows it by, and how to give it."""
    key = N_("prep.needs_storage") if conv.who.is_client else N_("prep.needs_storage_worker")
    return Msg(key, {"title": storage})


async def storage_allowed(conv: Conversation, client_id: int) -> bool:
    """Consent (c): the client allowed Kaari to store their circles, meeting notes and promises."""
    answers = latest_answers(await conv.work.consents.for_client(client_id))
    return "storage" in answers and answers["storage"].answer == "yes"


async def responsible_client(conv: Conversation, wanted: Any) -> int | None:
    """``wanted`` if this person is that client's responsible worker and the work goes on, else None: only the
    responsible worker prepares and records the meetings."""
    staff = conv.who.staff
    if not isinstance(wanted, int) or staff is None or staff.id is None or not conv.who.is_worker:
        return None
    pair = await workers_of(conv.work, wanted)
    client = await conv.work.clients.get(wanted)
    if client is None or client.ended_at is not None or not any(
            member.id == staff.id and responsible for member, responsible in pair):
        return None
    return wanted


def empty_draft() -> dict[str, Any]:
    return {"works": "", "now": "", "better": "", "people": [], "goal_note": "", "topics": [], "if_stuck": "",
            "topic_ids": [], "next_id": 0, "goal_notes": []}


def with_ids(draft: dict[str, Any]) -> dict[str, Any]:
    """A draft whose people and topics all have ids (``topic_ids`` runs beside ``topics``, which stay plain
    texts for the meeting's memo). A version 1 draft's ids are its positions, so buttons already on screen
    still mean what they showed."""
    draft = {**empty_draft(), **draft}
    people = [dict(person) for person in draft["people"]]
    for index, person in enumerate(people):
        person.setdefault("id", index)
    ids = list(draft["topic_ids"])
    if len(ids) != len(draft["topics"]):
        ids = list(range(len(draft["topics"])))
    used = [person["id"] for person in people] + ids
    return {**draft, "people": people, "topic_ids": ids, "next_id": max([draft["next_id"], *(i + 1 for i in used)])}


def migrate(version: int, state: str, data: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """Version 1 conversations go on where they were; their draft gets ids (and is read again anyway)."""
    if version != 1:
        return None
    return state, {**data, "draft": with_ids(data["draft"])} if "draft" in data else data


def preparation_flow(storage: LocalText, goals: ClientGoals | None = None) -> FlowSpec:
    """``storage`` is the title of consent (c), named to whoever finds the preparation missing for want of it;
    ``goals`` finds the client's goals, which the young person may bring up ("what I tell about my goal")."""
    steps = PreparationSteps(storage, goals)
    goal_notes = GoalNoteSteps(store)
    to_hub = dict(trigger="choose", dest=HUB, conditions=[chose(BACK)])
    return FlowSpec(
        name=NAME, version=VERSION,
        states=[HUB, "word", {"name": "people", "on_exit": [forget_undo]}, "person_name", "person_relation",
                "person_env", "person_contact", "invite", "goal", {"name": "topics", "on_exit": [forget_undo]},
                "topic", "stuck", "my_goals", "my_goal_note", DONE],
        initial=HUB,
        transitions=[
            dict(trigger="choose", source=HUB, dest="word", conditions=[chose_word], after=[open_word]),
            dict(trigger="text", source="word", dest=HUB, after=[write_word]),
            dict(trigger="choose", source="word", dest=HUB, conditions=[chose(KEEP)]),
            {**to_hub, "source": ["word", "people", "invite", "topics", "stuck", "my_goals"]},
            dict(trigger="choose", source=HUB, dest="people", conditions=[chose("people")]),
            dict(trigger="choose", source="people", dest="person_name", conditions=[chose(ADD), room_for_people]),
            dict(trigger="choose", source="people", dest="people", conditions=[chose_remove_person],
                 after=[remove_person]),
            *(dict(trigger="choose", source=kind, dest=kind, conditions=[chose(UNDO), can_undo], before=[undo_remove])
              for kind in ("people", "topics")),
            dict(trigger="text", source="person_name", dest="person_relation", after=[person_name]),
            dict(trigger="text", source="person_relation", dest="person_env", after=[person_relation]),
            dict(trigger="choose", source="person_env", dest="person_contact", conditions=[chose_env],
                 after=[person_env]),
            dict(trigger="text", source="person_contact", dest="people", after=[person_contact]),
            dict(trigger="choose", source="person_contact", dest="people", conditions=[chose(SKIP)],
                 after=[person_contact]),
            dict(trigger="choose", source=["person_name", "person_relation"], dest="people",
                 conditions=[chose(BACK)]),
            dict(trigger="choose", source=HUB, dest="invite", conditions=[chose("invite")]),
            dict(trigger="choose", source="invite", dest="invite", conditions=[chose_invite], after=[toggle_invite]),
            dict(trigger="choose", source="invite", dest="goal", conditions=[chose("goal")]),
            dict(trigger="text", source="goal", dest="invite", after=[write_goal]),
            dict(trigger="choose", source="goal", dest="invite", conditions=[chose(BACK)]),
            dict(trigger="choose", source=HUB, dest="topics", conditions=[chose("topics")]),
            dict(trigger="choose", source="topics", dest="topic", conditions=[chose(ADD), room_for_topics]),
            dict(trigger="choose", source="topics", dest="topics", conditions=[chose_remove_topic],
                 after=[remove_topic]),
            dict(trigger="text", source="topic", dest="topics", after=[add_topic]),
            dict(trigger="choose", source="topic", dest="topics", conditions=[chose(BACK)]),
            dict(trigger="choose", source=HUB, dest="stuck", conditions=[chose("stuck")]),
            dict(trigger="choose", source=HUB, dest="my_goals", conditions=[chose("my_goals")]),
            *goal_notes.transitions(),
            dict(trigger="choose", source="stuck", dest=HUB, conditions=[chose_stuck], after=[set_stuck]),
            dict(trigger="text", source="stuck", dest=HUB, after=[set_stuck]),
            dict(trigger="choose", source=HUB, dest=HUB, conditions=[chose(COURSE)], after=[show_course]),
            dict(trigger="choose", source=HUB, dest=DONE, conditions=[chose(DONE)], after=[finish]),
        ],
        views={HUB: view_hub, "word": view_word, "people": view_people, "person_name": view_person_name,
               "person_relation": view_person_relation, "person_env": view_person_env,
               "person_contact": view_person_contact, "invite": view_invite, "goal": view_goal,
               "topics": view_topics, "topic": view_topic, "stuck": view_stuck, "my_goals": goal_notes.view_goals,
               "my_goal_note": goal_notes.view_goal_note},
        help_key=N_("prep.help"), final=frozenset({DONE}), on_start=steps.on_start, refresh=steps.refresh,
        allowed=may_prepare, reload=True, resumable=True, migrate=migrate,
        offered=is_client,  # a worker opens a client's preparation from the client's card, not by typing
        controls=False,  # its own Back and Done: every answer is stored at once, so there is nothing to undo
    )


class PreparationSteps:
    """The steps that need consent (c)'s title, named to whoever finds the preparation missing for want of it."""

    def __init__(self, storage: LocalText, goals: ClientGoals | None = None) -> None:
        self.storage = storage
        self.goals = goals

    async def on_start(self, conv: Conversation) -> None:
        """The client's own draft, or the draft of a client this worker is responsible for (consent (c) given)."""
        client_id = await _client_of(conv)
        if client_id is None:
            conv.emit(Say(Msg(N_("error.not_available"))))
            conv.state = DONE
            return
        if not await storage_allowed(conv, client_id):
            # The draft is stored, so it needs consent (c); the person is told how to give it.
            conv.emit(Say(needs_storage(conv, self.storage)))
            conv.state = DONE
            return
        conv.data["client_id"] = client_id
        if conv.who.staff is not None:
            await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key), "client.preparation.view",
                                               f"client:{client_id}", region=conv.who.region))
        await load(conv)
        await load_goals(conv, self.goals, client_id)

    async def refresh(self, conv: Conversation) -> None:
        """The other side may have written meanwhile: always show and change the stored draft. If the work
        ended, the client left or storing was withdrawn meanwhile, the preparation ends here."""
        if "client_id" not in conv.data or conv.state == DONE:
            return
        if await _client_of(conv) != conv.data["client_id"]:
            conv.data.clear()
            conv.emit(Say(Msg(N_("error.not_available"))))
            conv.state = DONE
            return
        if not await storage_allowed(conv, conv.data["client_id"]):
            conv.data.clear()  # withdrawn meanwhile: the draft is gone, and they are told why
            conv.emit(Say(needs_storage(conv, self.storage)))
            conv.state = DONE
            return
        await load(conv)
        await load_goals(conv, self.goals, conv.data["client_id"])


async def _client_of(conv: Conversation) -> int | None:
    """Whose draft this is: the client themself, or the client their responsible worker opened it for."""
    if conv.who.is_client and conv.who.client is not None:
        return conv.who.client.id
    return await responsible_client(conv, conv.data.get("client_id"))


async def load(conv: Conversation) -> None:
    """The stored draft (with ids) and who wrote it last."""
    row = await conv.work.preparations.get(conv.data["client_id"])
    conv.data["draft"] = with_ids(row.data if row else {})
    conv.data["by"] = row.updated_by if row else ""


async def store(conv: Conversation) -> None:
    """Every answer is stored at once, so the other side sees it."""
    await conv.work.preparations.save(PreparationRow(
        conv.data["client_id"], conv.data["draft"], DRAFT_VERSION, conv.now, conv.who.actor(conv.key)))


# --- the draft, stored as it is written ------------------------------------------------------------


def chose_word(event: Any) -> bool:
    return value(event) in WORDS


def open_word(event: Any) -> None:
    event.model.data["word"] = value(event)


async def write_word(event: Any) -> None:
    conv: Conversation = event.model
    conv.data["draft"][conv.data["word"]] = event.kwargs["text"]
    await store(conv)
    conv.emit(Say(Msg(N_("prep.saved"))))


async def write_goal(event: Any) -> None:
    conv: Conversation = event.model
    conv.data["draft"]["goal_note"] = event.kwargs["text"]
    await store(conv)
    conv.emit(Say(Msg(N_("prep.saved"))))


def room_for_people(event: Any) -> bool:
    if len(event.model.data["draft"]["people"]) >= MAX_PEOPLE:
        event.model.emit(Say(Msg(N_("prep.people_full"), {"max": MAX_PEOPLE})))
        return False
    return True


def person_name(event: Any) -> None:
    event.model.data["person"] = {"name": event.kwargs["text"][:MAX_NAME]}


def person_relation(event: Any) -> None:
    event.model.data["person"]["relation"] = event.kwargs["text"][:MAX_NAME]


def chose_env(event: Any) -> bool:
    return value(event) in ENVIRONMENTS


def person_env(event: Any) -> None:
    event.model.data["person"]["env"] = value(event)


def new_id(conv: Conversation) -> int:
    draft = conv.data["draft"]
    draft["next_id"] += 1
    return int(draft["next_id"]) - 1


def person_at(conv: Conversation, wanted: str) -> int | None:
    """The list position of the person with this id now, if they are still there."""
    return next((index for index, person in enumerate(conv.data["draft"]["people"])
                 if str(person["id"]) == wanted), None)


def topic_at(conv: Conversation, wanted: str) -> int | None:
    return next((index for index, id_ in enumerate(conv.data["draft"]["topic_ids"]) if str(id_) == wanted), None)


async def person_contact(event: Any) -> None:
    conv: Conversation = event.model
    person = {**conv.data.pop("person"), "contact": event.kwargs.get("text", "")[:MAX_NAME * 2],
              "invite": False, "id": new_id(conv)}
    conv.data["draft"]["people"].append(person)
    await store(conv)
    conv.emit(Say(Msg(N_("prep.person_added"), {"name": person["name"]})))


def chose_remove_person(event: Any) -> bool:
    return value(event).startswith("del:") and person_at(event.model, value(event)[4:]) is not None


async def remove_person(event: Any) -> None:
    conv: Conversation = event.model
    at = person_at(conv, value(event)[4:]) or 0
    removed = conv.data["draft"]["people"].pop(at)
    conv.data[_UNDONE] = {"kind": "people", "at": at, "item": removed}
    await store(conv)
    conv.emit(Say(Msg(N_("prep.person_removed"), {"name": removed["name"]})))


def chose_invite(event: Any) -> bool:
    wanted, _, invite = value(event).removeprefix("inv:").partition(":")
    return value(event).startswith("inv:") and invite in ("0", "1") and person_at(event.model, wanted) is not None


async def toggle_invite(event: Any) -> None:
    """The button says what it does (invite, or not): a tap after the other side changed it does no more."""
    conv: Conversation = event.model
    wanted, _, invite = value(event).removeprefix("inv:").partition(":")
    person = conv.data["draft"]["people"][person_at(conv, wanted) or 0]
    person["invite"] = invite == "1"
    await store(conv)


def room_for_topics(event: Any) -> bool:
    if len(event.model.data["draft"]["topics"]) >= MAX_TOPICS:
        event.model.emit(Say(Msg(N_("prep.topics_full"), {"max": MAX_TOPICS})))
        return False
    return True


async def add_topic(event: Any) -> None:
    conv: Conversation = event.model
    conv.data["draft"]["topics"].append(event.kwargs["text"])
    conv.data["draft"]["topic_ids"].append(new_id(conv))
    await store(conv)
    conv.emit(Say(Msg(N_("prep.saved"))))


def chose_remove_topic(event: Any) -> bool:
    return value(event).startswith("del:") and topic_at(event.model, value(event)[4:]) is not None


async def remove_topic(event: Any) -> None:
    conv: Conversation = event.model
    at = topic_at(conv, value(event)[4:]) or 0
    topic = conv.data["draft"]["topics"].pop(at)
    conv.data[_UNDONE] = {"kind": "topics", "at": at, "item": [conv.data["draft"]["topic_ids"].pop(at), topic]}
    await store(conv)
    conv.emit(Say(Msg(N_("prep.topic_removed"), {"topic": topic})))


def can_undo(event: Any) -> bool:
    undone = event.model.data.get(_UNDONE)
    return undone is not None and undone["kind"] == event.model.state


async def undo_remove(event: Any) -> None:
    """Put the last removed person or topic back where it was (unless the other side already did)."""
    conv: Conversation = event.model
    undone, draft = conv.data.pop(_UNDONE), conv.data["draft"]
    at = min(undone["at"], len(draft[undone["kind"]]))
    if undone["kind"] == "people" and person_at(conv, str(undone["item"]["id"])) is None:
        draft["people"].insert(at, undone["item"])
        conv.emit(Say(Msg(N_("prep.restored"), {"what": undone["item"]["name"]})))
    elif undone["kind"] == "topics" and topic_at(conv, str(undone["item"][0])) is None:
        draft["topic_ids"].insert(at, undone["item"][0])
        draft["topics"].insert(at, undone["item"][1])
        conv.emit(Say(Msg(N_("prep.restored"), {"what": undone["item"][1]})))
    await store(conv)


def forget_undo(event: Any) -> None:
    event.model.data.pop(_UNDONE, None)


def chose_stuck(event: Any) -> bool:
    return value(event) in STUCK


async def set_stuck(event: Any) -> None:
    conv: Conversation = event.model
    conv.data["draft"]["if_stuck"] = value(event) if "value" in event.kwargs else event.kwargs["text"]
    await store(conv)
    conv.emit(Say(Msg(N_("prep.saved"))))


def show_course(event: Any) -> None:
    event.model.emit(Say(Msg(N_("prep.course"))))


async def finish(event: Any) -> None:
    conv: Conversation = event.model
    client = conv.who.client
    if conv.who.is_client and client is not None:
        # The responsible worker learns that there is something new to read, not what it says.
        await notify_staff(conv, client, Msg(N_("notify.preparation_updated"), {"client": client.nickname}),
                           only_responsible=True)
    conv.emit(Say(Msg(N_("prep.done_client") if conv.who.is_client else N_("prep.done_worker"))))


# --- views ------------------------------------------------------------------------------------------


def _mark(filled: bool) -> str:
    return "✅" if filled else "▫️"


def view_hub(conv: Conversation) -> Ask:
    draft = conv.data["draft"]
    invited = [person for person in draft["people"] if person.get("invite")]
    lines = (
        *(Msg(N_("prep.line"), {"mark": _mark(bool(draft[word])), "title": Msg(WORD_TITLE[word])})
          for word in WORDS),
        Msg(N_("prep.line_people"), {"mark": _mark(bool(draft["people"])), "count": len(draft["people"])}),
        Msg(N_("prep.line_invite"), {"mark": _mark(bool(invited)), "count": len(invited)}),
        Msg(N_("prep.line_topics"), {"mark": _mark(bool(draft["topics"])), "count": len(draft["topics"])}),
        Msg(N_("prep.line"), {"mark": _mark(bool(draft["if_stuck"])), "title": Msg(N_("prep.title_stuck"))}),
    )
    goals = has_goals(conv)  # "what I tell about my goal" only for a client who has goals
    if goals:
        lines += (Msg(N_("prep.line_goals"), {"mark": _mark(bool(notes(conv))), "count": len(notes(conv))}),)
    options = (
        *(Option(word, Msg(WORD_TITLE[word])) for word in WORDS),
        Option("people", Msg(N_("prep.title_people"))), Option("invite", Msg(N_("prep.title_invite"))),
        Option("topics", Msg(N_("prep.title_topics"))),
        *((Option("my_goals", Msg(N_("prep.title_goals"))),) if goals else ()),
        Option("stuck", Msg(N_("prep.title_stuck"))),
        Option(COURSE, Msg(N_("prep.show_course"))), Option(DONE, Msg(N_("prep.done"))),
    )
    intro = N_("prep.hub_client") if conv.who.is_client else N_("prep.hub_worker")
    return Ask(Msg(intro, {"sections": Lines(lines)}), options)


def view_word(conv: Conversation) -> Ask:
    word = conv.data["word"]
    now = conv.data["draft"][word]
    prompt = Msg(WORD_ASK[word], {"current": Msg(N_("prep.current"), {"text": now}) if now else ""})
    options = (Option(KEEP, Msg(N_("prep.keep"))),) if now else (Option(BACK, Msg(N_("prep.back"))),)
    return Ask(prompt, options, free_text=True, max_length=MAX_TEXT)


def _person(person: dict[str, Any]) -> Msg:
    return Msg(N_("prep.person"), {"name": person["name"], "relation": person.get("relation", ""),
                                   "env": Msg(ENV_TITLE.get(person.get("env", "services"), ENV_TITLE["services"]))})


def view_people(conv: Conversation) -> Ask:
    people = conv.data["draft"]["people"]
    listed = Lines(tuple(_person(person) for person in people)) if people else Msg(N_("prep.no_people"))
    options = (Option(ADD, Msg(N_("prep.add_person"))),
               *(Option(f"del:{person['id']}", Msg(N_("prep.remove"), {"what": person["name"]}))
                 for person in people),
               *_undo_option(conv), Option(BACK, Msg(N_("prep.back"))))
    return Ask(Msg(N_("prep.people"), {"people": listed}), options)


def view_person_name(conv: Conversation) -> Ask:
    return Ask(Msg(N_("prep.ask_person_name")), (Option(BACK, Msg(N_("prep.back"))),), free_text=True,
               max_length=MAX_NAME)


def view_person_relation(conv: Conversation) -> Ask:
    return Ask(Msg(N_("prep.ask_person_relation"), {"name": conv.data["person"]["name"]}),
               (Option(BACK, Msg(N_("prep.back"))),), free_text=True, max_length=MAX_NAME)


def view_person_env(conv: Conversation) -> Ask:
    return Ask(Msg(N_("prep.ask_person_env"), {"name": conv.data["person"]["name"]}),
               tuple(Option(env, Msg(ENV_TITLE[env])) for env in ENVIRONMENTS))


def view_person_contact(conv: Conversation) -> Ask:
    return Ask(Msg(N_("prep.ask_person_contact"), {"name": conv.data["person"]["name"]}),
               (Option(SKIP, Msg(N_("prep.skip"))),), free_text=True, max_length=MAX_NAME * 2)


def view_invite(conv: Conversation) -> Ask:
    draft = conv.data["draft"]
    options = [Option(f"inv:{person['id']}:{0 if person.get('invite') else 1}", Msg(
        N_("prep.invited") if person.get("invite") else N_("prep.not_invited"), {"name": person["name"]}))
               for person in draft["people"]]
    options += [Option("goal", Msg(N_("prep.title_goal"))), Option(BACK, Msg(N_("prep.back")))]
    goal = Msg(N_("prep.current"), {"text": draft["goal_note"]}) if draft["goal_note"] else ""
    key = N_("prep.invite") if draft["people"] else N_("prep.invite_nobody")
    return Ask(Msg(key, {"goal": goal}), tuple(options))


def view_goal(conv: Conversation) -> Ask:
    return Ask(Msg(N_("prep.ask_goal")), (Option(BACK, Msg(N_("prep.back"))),), free_text=True,
               max_length=MAX_TEXT)


def view_topics(conv: Conversation) -> Ask:
    topics = conv.data["draft"]["topics"]
    # Numbered: the message holds each topic in full, its button only the number (never a word cut in half).
    listed = Lines(tuple(f"{number}. {topic}" for number, topic in enumerate(topics, start=1))) if topics \
        else Msg(N_("prep.no_topics"))
    options = (Option(ADD, Msg(N_("prep.add_topic"))),
               *(Option(f"del:{id_}", Msg(N_("prep.remove_topic"), {"number": number}))
                 for number, id_ in enumerate(conv.data["draft"]["topic_ids"], start=1)),
               *_undo_option(conv), Option(BACK, Msg(N_("prep.back"))))
    return Ask(Msg(N_("prep.topics"), {"topics": listed}), options)


def view_topic(conv: Conversation) -> Ask:
    return Ask(Msg(N_("prep.ask_topic")), (Option(BACK, Msg(N_("prep.back"))),), free_text=True,
               max_length=MAX_TEXT)


def view_stuck(conv: Conversation) -> Ask:
    current = conv.data["draft"]["if_stuck"]
    shown = Msg(STUCK_TITLE[current]) if current in STUCK_TITLE else current
    return Ask(Msg(N_("prep.ask_stuck"), {"current": Msg(N_("prep.current"), {"text": shown}) if current else ""}),
               (*(Option(key, Msg(STUCK_TITLE[key])) for key in STUCK), Option(BACK, Msg(N_("prep.back")))),
               free_text=True, max_length=MAX_TEXT)
