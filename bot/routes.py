"""A push route: another channel's way to people the Telegram push cannot reach (the web chat's open sockets).

A person's key begins with their channel (bot.keys). The ticker claims the route's people's rows only while
they are present (a socket open), so an absent person's rows wait, pending, taking nobody's place in a round;
a present person's go to the route instead of Telegram.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from bot.render import Outgoing
from flows.core.messages import Msg


class PushRoute(Protocol):
    """A channel that delivers pushes itself (see bot.web.socket.WebChannel)."""

    @property
    def channel(self) -> str:
        """The channel whose people this route serves ("web")."""

    def present(self) -> Collection[str]:
        """The keys of the people a push can reach now."""

    async def push(self, recipient: str, outgoing: list[Outgoing]) -> bool:
        """Send a push's messages; False when nothing could take them (the person went meanwhile)."""


class DeskRoute(Protocol):
    """The desk in the browser (bot.web.desk_live): while a worker has it open, their chat notices go there
    instead of Telegram, so each reaches them once."""

    def present(self) -> Collection[str]:
        """The keys of the workers with the browser desk open now."""

    async def notify(self, recipient: str, notice: Msg | None) -> bool:
        """Show the worker a notice (None: only bring the desk up to date); False when no desk took it."""
