"""Pacing: never more than one new message per interval in a private chat, in order; edits are not paced."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.ratelimit import ChatPacedRateLimiter
from tests.bot.harness import bot_settings, start_bot
from tests.conftest import Clock


class FakeTime:
    """A monotonic clock that only moves when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def sent(log: list[tuple[str, int, float]], endpoint: str, chat: int, time: FakeTime) -> bool:
    log.append((endpoint, chat, time.now))
    return True


async def test_one_message_per_second_per_private_chat_with_fake_time() -> None:
    time = FakeTime()
    limiter = ChatPacedRateLimiter(overall_per_second=0, chat_interval=1.0, clock=time, sleep=time.sleep)
    log: list[tuple[str, int, float]] = []

    async def send(endpoint: str, chat: int) -> Any:
        return await limiter.process_request(sent, (log, endpoint, chat, time), {}, endpoint,
                                             {"chat_id": chat}, None)

    for _ in range(3):
        await send("sendMessage", 1)
    await send("sendPhoto", 2)  # another chat is not held up
    await send("editMessageText", 1)  # edits change no count of messages
    await send("sendMessage", -100123)  # groups are left to AIORateLimiter
    times_chat1 = [at for endpoint, chat, at in log if chat == 1 and endpoint.startswith("send")]
    assert [round(b - a, 6) for a, b in itertools.pairwise(times_chat1)] == [1.0, 1.0]
    assert time.sleeps == [1.0, 1.0]


async def test_concurrent_sends_to_one_chat_keep_order_and_spacing() -> None:
    time = FakeTime()
    limiter = ChatPacedRateLimiter(overall_per_second=0, chat_interval=1.0, clock=time, sleep=time.sleep)
    waits = [limiter.reserve(7) for _ in range(10)]
    assert waits == [float(i) for i in range(10)]
    assert limiter.reserve(8) == 0.0


async def test_real_application_spaces_messages_in_one_chat(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    """Ten people at once, three messages each, through the real Application: each chat's messages leave
    in order, one interval apart (on a fake clock, so the test measures pacing, not the machine)."""
    time = FakeTime()
    limiter = ChatPacedRateLimiter(overall_per_second=0, chat_interval=1.0, clock=time, sleep=time.sleep)
    released: dict[int, list[float]] = {}
    reserve = limiter.reserve

    def spy(chat_id: int) -> float:
        wait = reserve(chat_id)
        released.setdefault(chat_id, []).append(time.now + wait)
        return wait

    limiter.reserve = spy  # type: ignore[method-assign]
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3"), clock, catalogs, drawer, rate_limiter=limiter)
    users = [bot.user(1000 + i, "en") for i in range(10)]
    try:
        for _ in range(3):
            await asyncio.gather(*(user.send("/help") for user in users))
        for user in users:
            sent = [c for c in bot.api.calls if c.method == "sendMessage" and c.params["chat_id"] == user.id]
            assert len(sent) == 3
            times = released[user.id]
            assert all(b - a >= 1.0 for a, b in itertools.pairwise(times)), times
    finally:
        await bot.stop()


async def test_a_send_woken_late_does_not_let_the_next_follow_too_soon() -> None:
    """The event loop may wake a paced send late; the next message still keeps the interval after it."""
    time = FakeTime()
    late = [0.6]

    async def sleep_late(seconds: float) -> None:
        time.sleeps.append(seconds)
        time.now += seconds + (late.pop() if late else 0.0)

    limiter = ChatPacedRateLimiter(overall_per_second=0, chat_interval=1.0, clock=time, sleep=sleep_late)
    log: list[tuple[str, int, float]] = []
    for _ in range(3):
        await limiter.process_request(sent, (log, "sendMessage", 5, time), {}, "sendMessage", {"chat_id": 5}, None)
    at = [when for _, _, when in log]
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(at)), at


def test_the_bot_wide_bucket_never_lets_a_second_hold_more_than_the_cap() -> None:
    from bot.ratelimit import overall_bucket

    for cap in (2.0, 5.0, 30.0, 200.0):
        burst, period = overall_bucket(cap)
        refill_per_second = burst / period
        assert burst + refill_per_second <= cap + 1e-9, cap  # the full bucket plus a second of refill
        assert refill_per_second >= 0.5 * cap, "still most of the cap, sustained"
