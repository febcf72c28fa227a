"""The client's feedback on the work, on a five-step scale (very well ... not at all), as in the pilots'
feedback form (seed 004, "Asiakkaitten palautetta pilotista"): was I listened to, were my views valued, could I
influence the meetings' content, their time and their place, and did the work help me find my strengths, what I
want to change, and my goals.

The steps, in the order of the table in `feedback_flow`: `view_statement` + `chose_step` / `answer` (and `more`),
then `view_comment` + `comment` / `no_comment`, both kept by `save`; `migrate` brings a version 1 form along.
"""

from __future__ import annotations

from typing import Any

from flows.core.guards import chose, value
from flows.core.messages import N_, Msg
from flows.core.results import Ask, Option, Say
from flows.core.spec import Conversation, FlowSpec, Who
from flows.identity.notify import notify_staff
from storage.ports import EvaluationRow

NAME = "feedback"
VERSION = 2  # 2 (#10): the seed's three items on influencing content, time and place, no longer one
STATEMENTS = ("listened", "valued", "influence_content", "influence_time", "influence_place", "strengths", "change",
              "goals")
STATEMENT_TEXT = {"listened": N_("feedback.listened"), "valued": N_("feedback.valued"),
                  "influence_content": N_("feedback.influence_content"),
                  "influence_time": N_("feedback.influence_time"), "influence_place": N_("feedback.influence_place"),
                  "strengths": N_("feedback.strengths"), "change": N_("feedback.change"), "goals": N_("feedback.goals"),
                  # Version 1 asked these three as one; feedback given then keeps that answer under its own words.
                  "influence": N_("feedback.influence")}
# Version 1's statements after "influence" (its third) are asked two places later in version 2.
_SPLIT_AT, _ADDED = 2, 2
SCALE = ("5", "4", "3", "2", "1")
SCALE_TEXT = {"5": N_("feedback.very_well"), "4": N_("feedback.well"), "3": N_("feedback.somewhat"),
              "2": N_("feedback.poorly"), "1": N_("feedback.not_at_all")}
SKIP = "skip"


def feedback_flow() -> FlowSpec:
    """The client's feedback: one statement at a time on the five-step scale, then a comment of their own."""
    return FlowSpec(
        name=NAME, version=VERSION, states=["statement", "comment", "done"], initial="statement",
        transitions=[
            dict(trigger="choose", source="statement", dest="statement", conditions=[chose_step, more],
                 before=[answer]),
            dict(trigger="choose", source="statement", dest="comment", conditions=[chose_step], before=[answer]),
            dict(trigger="text", source="comment", dest="done", after=[comment]),
            dict(trigger="choose", source="comment", dest="done", conditions=[chose(SKIP)], after=[no_comment]),
        ],
        views={"statement": view_statement, "comment": view_comment}, help_key=N_("feedback.help"),
        final=frozenset({"done"}), on_start=on_start, allowed=is_client, position_keys=("index",),
        migrate=migrate,
    )


def is_client(who: Who) -> bool:
    return who.is_client


def migrate(version: int, state: str, data: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """A version 1 form goes on where it was: its answers stay (a merged 'influence' answer too, never asked
    again as three), and a statement after the merged one is found at its new place."""
    if version != 1:
        return None
    index = int(data.get("index", 0))
    return state, {**data, "index": index + _ADDED if index > _SPLIT_AT else index}


async def on_start(conv: Conversation) -> None:
    conv.data.update(index=0, answers={})


def chose_step(event: Any) -> bool:
    return value(event) in SCALE or value(event) == SKIP


def answer(event: Any) -> None:
    """The tapped step for the current statement (nothing for a skip), and on to the next."""
    conv: Conversation = event.model
    if value(event) in SCALE:
        conv.data["answers"][STATEMENTS[conv.data["index"]]] = int(value(event))
    conv.data["index"] += 1


def more(event: Any) -> bool:
    return bool(event.model.data["index"] + 1 < len(STATEMENTS))


async def save(conv: Conversation, comment: str) -> None:
    """The answers and the comment kept with the workers' reflection; the responsible worker is told."""
    client = conv.who.client
    assert client is not None and client.id is not None
    old = await conv.work.evaluations.get(client.id)
    feedback = {"answers": conv.data["answers"], "comment": comment, "given_at": conv.now.isoformat()}
    await conv.work.evaluations.save(EvaluationRow(client.id, old.reflection if old else {}, feedback, conv.now))
    # The workers learn that feedback came, and read it in the client's export.
    await notify_staff(conv, client, Msg(N_("notify.feedback_given"), {
        "client": client.nickname, "export": Msg(N_("clients.export"))}),
                       only_responsible=True)
    conv.emit(Say(Msg(N_("feedback.thanks"))))


async def comment(event: Any) -> None:
    await save(event.model, event.kwargs["text"])


async def no_comment(event: Any) -> None:
    await save(event.model, "")


def view_statement(conv: Conversation) -> Ask:
    statement = STATEMENTS[conv.data["index"]]
    return Ask(Msg(N_("feedback.ask"), {"number": conv.data["index"] + 1, "total": len(STATEMENTS),
                                        "statement": Msg(STATEMENT_TEXT[statement])}),
               (*(Option(step, Msg(SCALE_TEXT[step])) for step in SCALE), Option(SKIP, Msg(N_("feedback.skip")))))


def view_comment(conv: Conversation) -> Ask:
    return Ask(Msg(N_("feedback.ask_comment")), (Option(SKIP, Msg(N_("feedback.skip"))),), free_text=True,
               max_length=1000)
