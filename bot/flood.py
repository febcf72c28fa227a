"""The flood gate: how many updates one person may send before Kaari stops taking them for a moment.

A token bucket per person (their key): ``burst`` updates at once, then ``per_second``. Over the limit an
update is not handled, so that one person's 60 messages in half a second cannot fill a worker's chat and hold
up everyone else's; but nothing is dropped silently: the person is told at once (and again every
``NOTE_EVERY`` seconds while they stay over it) that their latest messages were not passed on and to send
them again in a moment. Words that sound like a crisis are never held back. Memory only: nothing is stored.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flows.core import inputs
from flows.core.messages import N_, Msg

if TYPE_CHECKING:
    from bot.bootstrap import Services

NOTE = Msg(N_("error.too_fast"))
NOTE_EVERY = 30.0  # seconds between two notes to one person who stays over the limit
_FORGET_AFTER = 10_000  # people in memory before full buckets are forgotten


@dataclass
class _Person:
    tokens: float
    at: float
    noted_at: float | None = None  # when they were last told (forgotten once their bucket is full again)


class FloodGate:
    """Per-person limit on incoming updates; ``burst`` 0 means no limit."""

    def __init__(self, burst: int, per_second: float, clock: Callable[[], float],
                 urgent: Callable[[str], bool] = lambda text: False) -> None:
        self.burst = burst
        self.per_second = per_second
        self._clock = clock
        self._urgent = urgent  # crisis words: always let through
        self._people: dict[str, _Person] = {}

    async def admit(self, key: str, given: inputs.Input | None, tell: Callable[[Msg], Awaitable[None]]) -> bool:
        """Whether to handle ``given`` from ``key``; if not, ``tell`` them so when it is time to."""
        admitted, note = self.check(key, given)
        if note is not None:
            await tell(note)
        return admitted

    def check(self, key: str, given: inputs.Input | None) -> tuple[bool, Msg | None]:
        """(whether to handle the update, the note to send instead if it is held back now); ``given`` None is
        something that could not be read as an input (it counts, and is never urgent)."""
        if self.burst <= 0:
            return True, None
        now = self._clock()
        if len(self._people) > _FORGET_AFTER:
            self._people = {k: p for k, p in self._people.items() if self._tokens(p, now) < self.burst}
        person = self._people.setdefault(key, _Person(float(self.burst), now))
        person.tokens, person.at = self._tokens(person, now), now
        if person.tokens >= self.burst:
            person.noted_at = None  # quiet long enough: a new stretch over the limit gets its own note
        if person.tokens >= 1:
            person.tokens -= 1
            return True, None
        if isinstance(given, inputs.Text) and self._urgent(given.text):
            return True, None
        if person.noted_at is not None and now - person.noted_at < NOTE_EVERY:
            return False, None  # told a moment ago that these are not passed on
        person.noted_at = now
        return False, NOTE

    def forget(self, key: str) -> None:
        """``key`` will send nothing more (a closed connection): its bucket goes now."""
        self._people.pop(key, None)

    def _tokens(self, person: _Person, now: float) -> float:
        return min(float(self.burst), person.tokens + max(now - person.at, 0.0) * self.per_second)


def person_gate(services: Services) -> FloodGate:
    """A channel's gate for the people it serves, as settings say (``KAARI_FLOOD_*``), on the engine's clock,
    crisis words always let through: Telegram's and the web chat's alike."""
    return _gate(services, 1)


def connection_gate(services: Services) -> FloodGate:
    """A web connection's gate on every message it sends, read or not (a wrong token, broken JSON): twice a
    person's allowance, so that for what a person writes their own gate speaks first, while nothing a page sends
    is answered without limit."""
    return _gate(services, 2)


def _gate(services: Services, times: int) -> FloodGate:
    settings, crisis = services.settings, services.engine.crisis
    return FloodGate(times * settings.flood_burst, times * settings.flood_per_second,
                     lambda: services.engine.clock().timestamp(),
                     crisis.matches if crisis is not None else lambda text: False)
