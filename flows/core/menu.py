"""The main menu: where every conversation starts and where finished flows return."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flows.core.messages import N_, Msg
from flows.core.results import LANGUAGE, Ask, Option
from flows.core.spec import Conversation, FlowSpec, Who

NAME = "menu"
VERSION = 1


Entry = tuple[str, str, Callable[[Who], bool] | None]


@dataclass(frozen=True)
class MenuSteps:
    """The menu's one step, configured with its (flow name, label id, who may) entries."""

    entries: Sequence[Entry]

    def view_main(self, conv: Conversation) -> Ask:
        """The entries this person may open, then the language choice."""
        options = [Option(flow, Msg(label)) for flow, label, allowed in self.entries
                   if allowed is None or allowed(conv.who)]
        options.append(Option(LANGUAGE, Msg(N_("menu.language"))))
        return Ask(Msg(N_("menu.prompt")), tuple(options))

    def chose_flow(self, event: Any) -> bool:
        """An entry's flow was tapped (not, say, a stale button of another menu)."""
        return event.kwargs.get("value") in {flow for flow, _, _ in self.entries}


def open_flow(event: Any) -> None:
    """Hand the conversation to the chosen flow; the engine switches after this input."""
    event.model.switch_to = event.kwargs["value"]


def menu_flow(entries: Sequence[Entry]) -> FlowSpec:
    """A menu offering the given (flow name, label id, who may) entries that this person may open,
    plus the language choice."""
    steps = MenuSteps(tuple(entries))
    return FlowSpec(
        name=NAME,
        version=VERSION,
        states=["main"],
        initial="main",
        transitions=[
            dict(trigger="choose", source="main", dest="main", conditions=[steps.chose_flow], after=[open_flow]),
        ],
        views={"main": steps.view_main},
        help_key=N_("menu.help"),
        controls=False,
    )
