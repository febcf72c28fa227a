"""Pacing: a few new messages at once in a private chat, then one per interval, in order; edits and callback
answers are not paced. Measured where the fake Bot API received each message, not where the limiter meant to."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import Any

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.ratelimit import ChatPacedRateLimiter
from tests.bot.fakeapi import Call, FakeBotAPI
from tests.bot.harness import TgUser, bot_settings, start_bot
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
    limiter = ChatPacedRateLimiter(overall_per_second=0, chat_interval=1.0, clock=time, sleep=time.sleep,
                                   chat_burst=1)
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


async def test_a_burst_goes_at_once_then_one_per_interval_with_fake_time() -> None:
    time = FakeTime()
    limiter = ChatPacedRateLimiter(overall_per_second=0, chat_interval=1.0, clock=time, sleep=time.sleep,
                                   chat_burst=3)
    log: list[tuple[str, int, float]] = []
    for _ in range(5):
        await limiter.process_request(sent, (log, "sendMessage", 1, time), {}, "sendMessage", {"chat_id": 1}, None)
    assert [at - 100.0 for _, _, at in log] == [0.0, 0.0, 0.0, 1.0, 2.0]
    time.now += 1.5  # a quiet moment refills the bucket, a token and a half of it
    for _ in range(2):
        await limiter.process_request(sent, (log, "sendMessage", 1, time), {}, "sendMessage", {"chat_id": 1}, None)
    assert [at - 100.0 for _, _, at in log[5:]] == [3.5, 4.0]


def received(api: FakeBotAPI, chat_id: int) -> list[float]:
    """When the fake Bot API received each new message to ``chat_id`` (its own monotonic clock)."""
    return [c.at for c in api.calls if c.method.startswith("send") and c.params.get("chat_id") == chat_id]


async def test_real_application_paces_each_chat_as_the_fake_receives_it(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    """Five people, five /help and a tap each, on real time with a short interval: each chat gets its burst at
    once, then one message per interval as the fake Bot API receives them, in order; callback answers are not
    held up behind a chat's queue."""
    interval, burst = 0.15, 2
    limiter = ChatPacedRateLimiter(overall_per_second=0, chat_interval=interval, chat_burst=burst)
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3"), clock, catalogs, drawer, rate_limiter=limiter)
    users = [bot.user(1000 + i, "en") for i in range(5)]
    try:
        await asyncio.gather(*(user.send("/start") for user in users))
        await asyncio.sleep(interval * burst)  # the buckets fill again
        questions = [user.last_question() for user in users]
        for user, question in zip(users, questions, strict=True):
            bot.api.calls.clear()
            started = asyncio.get_running_loop().time()  # time.monotonic(), as Call.at
            helps = (user.send("/help") for _ in range(5))
            await asyncio.gather(*helps, answer_soon(user, question, started, interval))
            at = received(bot.api, user.id)
            assert len(at) == 6, "five /help answers and the answer to the tap"
            # Not paced: a paced second message would come at least an interval after the first. (Each reply
            # is its own transaction, so on a loaded machine "at once" can take a few tens of milliseconds.)
            assert at[burst - 1] - at[0] < interval * 0.8, "the burst goes at once"
            # In any stretch of n messages after the burst, at least (n - burst) intervals (a little jitter).
            for first in range(len(at)):
                for last in range(first + burst, len(at)):
                    assert at[last] - at[first] >= (last - first - burst + 1) * interval * 0.95, at
    finally:
        await bot.stop()


async def answer_soon(user: TgUser, question: Call, started: float, interval: float) -> None:
    """A button tapped while the chat's messages wait: its answerCallbackQuery goes at once."""
    await asyncio.sleep(0)
    await user.tap_data("0|x", question)
    answers = [c for c in user.api.calls if c.method == "answerCallbackQuery"]
    assert answers and answers[-1].at - started < interval, "a callback answer never waits"


async def test_a_send_woken_late_does_not_let_the_next_follow_too_soon() -> None:
    """The event loop may wake a paced send late; the next message still keeps the interval after it."""
    time = FakeTime()
    late = [0.6]

    async def sleep_late(seconds: float) -> None:
        time.sleeps.append(seconds)
        time.now += seconds + (late.pop() if late else 0.0)

    limiter = ChatPacedRateLimiter(overall_per_second=0, chat_interval=1.0, clock=time, sleep=sleep_late,
                                   chat_burst=1)
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


async def test_callback_answers_are_not_held_by_the_bot_wide_limit() -> None:
    """With the bot-wide bucket spent, a button's answer still goes at once; an edit (to a chat) waits for it."""
    limiter = ChatPacedRateLimiter(overall_per_second=2.0, chat_interval=0)
    await limiter.initialize()
    loop = asyncio.get_running_loop()
    at: dict[str, list[float]] = {}

    async def call(endpoint: str) -> bool:
        at.setdefault(endpoint, []).append(loop.time())
        return True

    try:
        started = loop.time()
        for endpoint in ("editMessageText", "editMessageText", "answerCallbackQuery", "answerCallbackQuery"):
            data = {"callback_query_id": "1"} if endpoint.startswith("answer") else {"chat_id": 5, "message_id": 1}
            await limiter.process_request(call, (endpoint,), {}, endpoint, data, None)
        assert max(at["answerCallbackQuery"]) - max(at["editMessageText"]) < 0.1, at
        assert max(at["editMessageText"]) - started >= 0.4, "the second edit waited for the bot-wide bucket"
    finally:
        await limiter.shutdown()


def busiest_second(times: list[float]) -> int:
    """The most sends in any window of one second."""
    return max(sum(1 for other in times if start <= other < start + 1.0) for start in times)


async def test_each_instance_takes_its_share_of_the_bot_wide_cap_with_fake_time() -> None:
    """Several instances (#14): told that two live, one sends at most 15 in any second of the 30/s cap, and
    goes back to the whole cap once it is alone again."""
    time = FakeTime()
    limiter = ChatPacedRateLimiter(overall_per_second=30, chat_interval=0, clock=time, sleep=time.sleep)
    log: list[tuple[str, int, float]] = []

    async def burst(count: int) -> list[float]:
        start = len(log)
        for chat in range(count):
            await limiter.process_request(sent, (log, "sendMessage", chat + 1, time), {}, "sendMessage",
                                          {"chat_id": chat + 1}, None)
        return [at for _, _, at in log[start:]]

    alone = await burst(120)
    assert busiest_second(alone) <= 30 and busiest_second(alone) >= 27
    limiter.share(2)
    time.now += 10  # a quiet moment: the bucket drains
    shared = await burst(120)
    assert busiest_second(shared) <= 15 and busiest_second(shared) >= 13
    assert 120 / (shared[-1] - shared[0]) <= 15
    limiter.share(1)
    time.now += 10
    assert busiest_second(await burst(120)) >= 27
