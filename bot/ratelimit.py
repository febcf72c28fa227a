"""Telegram's flood limits: about 30 messages/s per bot (PTB's AIORateLimiter) and about 1 message/s per
private chat (with short bursts allowed), which AIORateLimiter does not pace, so this adds it.

Guarantees, with the defaults (``overall_per_second=30``, ``chat_interval=1``, ``chat_burst=3``):

- A private chat is a token bucket: ``chat_burst`` new messages go at once after a quiet moment (the reply to
  a person's own tap or message does not wait), then one per ``chat_interval``; in any ``t`` seconds a chat
  gets at most ``chat_burst + t / chat_interval`` new messages, measured when they leave, so an event loop
  that wakes a send late cannot bunch the next ones. Pushes and replies share the bucket.
- One chat's messages leave in the order they were sent (a FIFO lock per chat around the wait).
- No window of one second holds more than ``overall_per_second`` requests bot-wide (``overall_bucket``), across
  instances too: with several `kaari run` processes each takes its share, the cap / live instances (``share``,
  told every few seconds by bot.instance from the heartbeats; no shared bucket). Just after an instance starts
  or dies the others learn of it within a beat (bot.instance.LIVE_EVERY): until then the sum may pass the cap
  by that instance's share (a new one) or stay under it (a dead one's share is taken up after LIVE_STALE).
- ``answerCallbackQuery`` is never paced (it only stops a button's spinner, and must come quickly): it names
  no chat, and AIORateLimiter counts only requests to a chat. Edits (``editMessage*``), chat actions and
  groups are not paced per chat, only bot-wide.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram.ext import AIORateLimiter, BaseRateLimiter

# Methods that put a new message into a chat; edits and callback answers are not paced per chat.
PACED_PREFIX = "send"
UNPACED = frozenset({"sendChatAction"})


def overall_bucket(per_second: float) -> tuple[float, float]:
    """The bot-wide leaky bucket as (capacity, seconds to refill it), so that no window of one second ever
    holds more than ``per_second`` sends: a bucket of C refilled at r lets C + r through in a second after idle.
    A tenth of the cap as the burst keeps the sustained rate at 90 % of it. (Below 2/s the one-send minimum
    burst cannot fit: the refill stays at half the cap, so that sending never stops.)"""
    burst = max(1.0, per_second / 10)
    return burst, burst / max(per_second - burst, per_second / 2)


class OverallBucket:
    """The bot-wide leaky bucket (aiolimiter's: a level that drains at a steady rate, a send when one more fits
    under the capacity), whose rate follows this instance's share of the cap."""

    def __init__(self, per_second: float, clock: Callable[[], float],
                 sleep: Callable[[float], Awaitable[None]]) -> None:
        self.cap = per_second
        self.instances = 1
        self._clock, self._sleep = clock, sleep
        self._level, self._at = 0.0, clock()
        self._lock = asyncio.Lock()  # waiters go in turn
        self.capacity, self.rate = self._bucket(per_second)

    @staticmethod
    def _bucket(per_second: float) -> tuple[float, float]:
        capacity, period = overall_bucket(per_second)
        return capacity, capacity / period

    def _drain(self) -> None:
        now = self._clock()
        self._level, self._at = max(0.0, self._level - (now - self._at) * self.rate), now

    def share(self, instances: int) -> None:
        """``instances`` live (this one included): from now on this one sends at cap / instances."""
        instances = max(1, instances)
        if instances != self.instances:
            self._drain()  # what was sent so far drained at the old rate
            self.instances = instances
            self.capacity, self.rate = self._bucket(self.cap / instances)

    async def take(self) -> None:
        """Wait until one more send fits."""
        async with self._lock:
            self._drain()
            # With a margin: a wait shorter than the clock's resolution would not move it, and never end.
            while self._level + 1 > self.capacity + 1e-9:
                await self._sleep((self._level + 1 - self.capacity) / self.rate)
                self._drain()
            self._level += 1


@dataclass
class _Chat:
    """One private chat's bucket: ``tokens`` as of ``at`` (monotonic seconds)."""

    tokens: float
    at: float
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class ChatPacedRateLimiter(BaseRateLimiter[int]):
    """AIORateLimiter for the bot-wide limit, plus a token bucket per private chat (see the module)."""

    def __init__(
        self, overall_per_second: float = 30.0, chat_interval: float = 1.0, max_retries: int = 2,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, chat_burst: int = 3,
    ) -> None:
        self._overall = None
        self.bucket: OverallBucket | None = None
        if overall_per_second > 0:
            # AIORateLimiter for its retries after a 429 (and groups' limits); the bot-wide bucket is ours, so
            # that its rate can follow the instances' share.
            self._overall = AIORateLimiter(overall_max_rate=0, max_retries=max_retries)
            self.bucket = OverallBucket(overall_per_second, clock, sleep)
        self.interval = chat_interval  # seconds per new message in one private chat, sustained
        self.burst = max(1, chat_burst)  # new messages at once after a quiet moment
        self._clock = clock
        self._sleep = sleep
        self._chats: dict[int, _Chat] = {}

    async def initialize(self) -> None:
        if self._overall is not None:
            await self._overall.initialize()

    async def shutdown(self) -> None:
        if self._overall is not None:
            await self._overall.shutdown()

    def _bucket(self, chat_id: int) -> _Chat:
        now = self._clock()
        if len(self._chats) > 10_000:  # forget chats whose buckets are full again and nobody waits on
            self._chats = {chat: state for chat, state in self._chats.items()
                           if state.lock.locked() or self._tokens(state, now) < self.burst}
        return self._chats.setdefault(chat_id, _Chat(float(self.burst), now))

    def _tokens(self, state: _Chat, now: float) -> float:
        return min(float(self.burst), state.tokens + (now - state.at) / self.interval)

    def share(self, instances: int) -> None:
        """``instances`` live, this one included (bot.instance): the bot-wide cap is shared among them."""
        if self.bucket is not None:
            self.bucket.share(instances)

    async def take(self, chat_id: int) -> None:
        """Wait until this chat may get a new message, in the order the sends came, and take its token."""
        state = self._bucket(chat_id)
        async with state.lock:
            while (tokens := self._tokens(state, self._clock())) < 1:
                await self._sleep((1 - tokens) * self.interval)
            state.tokens, state.at = tokens - 1, self._clock()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = data.get("chat_id")
        paced = (
            self.interval > 0 and endpoint.startswith(PACED_PREFIX) and endpoint not in UNPACED
            and isinstance(chat_id, int) and chat_id > 0
        )

        async def send(*call_args: Any, **call_kwargs: Any) -> bool | dict[str, Any] | list[dict[str, Any]]:
            # Paced last, right before the request (no await in between), so the bot-wide limiter's waiting
            # cannot bunch one chat's messages together again.
            if self.bucket is not None and chat_id is not None:  # as AIORateLimiter: only requests to a chat
                await self.bucket.take()
            if paced:
                assert isinstance(chat_id, int)
                await self.take(chat_id)
            return await callback(*call_args, **call_kwargs)

        if self._overall is None:
            return await send(*args, **kwargs)
        return await self._overall.process_request(send, args, kwargs, endpoint, data, rate_limit_args)
