"""Push routes: another channel's way to people the Telegram push cannot reach (the web chat's open sockets).

The ticker asks the routes about a recipient with no Telegram chat before it would drop their row. A route that
knows the person either delivers now (a live socket) or has the row wait, pending, until they come back.
"""

from __future__ import annotations

from typing import Protocol

from bot.render import Outgoing


class PushRoute(Protocol):
    """A channel that delivers pushes itself (see bot.web.socket.WebChannel)."""

    def knows(self, recipient: str) -> bool:
        """Whether ``recipient`` is this channel's person: their rows go here, or wait for them."""

    def live(self, recipient: str) -> bool:
        """Whether a push to ``recipient`` can go out now."""

    async def push(self, recipient: str, outgoing: list[Outgoing]) -> bool:
        """Send a push's messages; False when nothing could take them (the person went meanwhile)."""
