"""The main menu: where every conversation starts and where finished flows return."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flows.core.messages import N_, Msg
from flows.core.results import LANGUAGE, Ask, Option
from flows.core.spec import Conversation, FlowSpec, Who

NAME = "menu"
VERSION = 1


Entry = tuple[str, str, Callable[[Who], bool] | None]


def menu_flow(entries: Sequence[Entry]) -> FlowSpec:
    """A menu offering the given (flow name, label id, who may) entries that this person may open,
    plus the language choice."""
    targets = {flow for flow, _, _ in entries}

    def view_main(conv: Conversation) -> Ask:
        options = [Option(flow, Msg(label)) for flow, label, allowed in entries
                   if allowed is None or allowed(conv.who)]
        options.append(Option(LANGUAGE, Msg(N_("menu.language"))))
        return Ask(Msg(N_("menu.prompt")), tuple(options))

    def chose_flow(event: Any) -> bool:
        return event.kwargs.get("value") in targets

    def open_flow(event: Any) -> None:
        event.model.switch_to = event.kwargs["value"]

    return FlowSpec(
        name=NAME,
        version=VERSION,
        states=["main"],
        initial="main",
        transitions=[
            dict(trigger="choose", source="main", dest="main", conditions=[chose_flow], after=[open_flow]),
        ],
        views={"main": view_main},
        help_key=N_("menu.help"),
        controls=False,
    )
