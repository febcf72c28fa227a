"""Telegram's flood limits: about 30 messages/s per bot (PTB's AIORateLimiter) and 1 message/s per
private chat, which AIORateLimiter does not pace, so this adds it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram.ext import AIORateLimiter, BaseRateLimiter

# Methods that put a new message into a chat; edits and callback answers are not paced.
PACED_PREFIX = "send"
UNPACED = frozenset({"sendChatAction"})


def overall_bucket(per_second: float) -> tuple[float, float]:
    """The bot-wide leaky bucket as (capacity, seconds to refill it), so that no window of one second ever
    holds more than ``per_second`` sends: a bucket of C refilled at r lets C + r through in a second after idle.
    A tenth of the cap as the burst keeps the sustained rate at 90 % of it. (Below 2/s the one-send minimum
    burst cannot fit: the refill stays at half the cap, so that sending never stops.)"""
    burst = max(1.0, per_second / 10)
    return burst, burst / max(per_second - burst, per_second / 2)


class ChatPacedRateLimiter(BaseRateLimiter[int]):
    """AIORateLimiter for the bot-wide limit, plus at most one new message per ``chat_interval`` per chat.

    Each send reserves the next free slot for its chat before it waits, so concurrent sends to one chat
    queue up in order instead of racing.
    """

    def __init__(
        self, overall_per_second: float = 30.0, chat_interval: float = 1.0, max_retries: int = 2,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._overall = None
        if overall_per_second > 0:
            burst, period = overall_bucket(overall_per_second)
            self._overall = AIORateLimiter(overall_max_rate=burst, overall_time_period=period,
                                           max_retries=max_retries)
        self.interval = chat_interval  # seconds between new messages in one private chat
        self._clock = clock
        self._sleep = sleep
        self._next_free: dict[int, float] = {}
        # When each chat's last message actually left: a send the event loop woke late must not let the
        # next one follow it sooner than the interval.
        self._last_sent: dict[int, float] = {}

    async def initialize(self) -> None:
        if self._overall is not None:
            await self._overall.initialize()

    async def shutdown(self) -> None:
        if self._overall is not None:
            await self._overall.shutdown()

    def reserve(self, chat_id: int) -> float:
        """Reserve this chat's next slot; return how long to wait for it."""
        now = self._clock()
        if len(self._next_free) > 10_000:  # forget chats whose slots are long past
            self._next_free = {chat: at for chat, at in self._next_free.items() if at > now}
            self._last_sent = {chat: at for chat, at in self._last_sent.items() if at + self.interval > now}
        slot = max(now, self._next_free.get(chat_id, now))
        self._next_free[chat_id] = slot + self.interval
        return slot - now

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
            # Paced last, right before the request, so the bot-wide limiter's waiting cannot bunch
            # one chat's messages together again.
            if paced:
                assert isinstance(chat_id, int)
                wait = self.reserve(chat_id)
                if wait > 0:
                    await self._sleep(wait)
                late = self._last_sent.get(chat_id, float("-inf")) + self.interval - self._clock()
                if late > 0:
                    await self._sleep(late)
                self._last_sent[chat_id] = self._clock()
            return await callback(*call_args, **call_kwargs)

        if self._overall is None:
            return await send(*args, **kwargs)
        return await self._overall.process_request(send, args, kwargs, endpoint, data, rate_limit_args)
