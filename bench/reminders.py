"""Meeting reminders due all at once (issue #5): how fast ``deliver_all`` sends them against the bot-wide
flood limit, whether the limit holds in every 1 s window, and whether each reminder arrives exactly once.

Kaari is wired as the tests' harness does (``bootstrap``, ``build_application`` on the fake Bot API) with a
``ChatPacedRateLimiter(overall_per_second=cap, chat_interval=1.0)``: Telegram's real per-chat interval, and a
bot-wide cap of 30/s (``KAARI_RATE_PER_SECOND``'s default) or a higher one. The recipients are workers seeded
in the store (a user, a staff row, a sealed chat id), so the ticker may send them reminders without consent
(d). Each gets reminder rows built as ``flows/meeting.py`` builds them, all due now and useful until tomorrow;
the place carries a token (``r0007-03``: recipient 7's fourth reminder) so that what arrives can be checked.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.stats import ms, percentile
from bot.bootstrap import Services
from bot.drawing import Drawer
from bot.i18n import Catalogs
from bot.keys import user_key
from bot.ratelimit import ChatPacedRateLimiter
from bot.telegram_app import pusher
from bot.ticker import BATCH, PER_PERSON, deliver_all
from flows.core.messages import N_, Msg, When, dump_msg
from storage.ports import ContactRow, OutboxRow, StaffRow, UserRow
from storage.sqlite import SqliteStore
from tests.bot.fakeapi import Call
from tests.bot.harness import bot_settings, start_bot

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # a Monday, 9:00 in Helsinki
MEETING = NOW + timedelta(days=1)  # the reminders' "until": still useful while they are sent
CHAT_INTERVAL = 1.0  # Telegram's per-chat pace, not shortened here
WINDOW = 1.0  # the cap is per second: sends are counted in every window of this length
FIRST_CHAT = 600_000_000
LANGUAGES = ("fi", "sv", "en")
TOKEN = re.compile(r"\br(\d{4})-(\d{2})\b")


@dataclass(frozen=True)
class Case:
    recipients: int
    per_recipient: int  # reminders each recipient has due
    cap: float  # the bot-wide limit, messages/s

    @property
    def rows(self) -> int:
        return self.recipients * self.per_recipient

    @property
    def bound(self) -> float:
        """The least time the limiter allows: the bot-wide bucket lets ``cap`` sends through at once, then
        ``cap`` a second; one chat's reminders go at least ``CHAT_INTERVAL`` apart."""
        return max((self.rows - self.cap) / self.cap, (self.per_recipient - 1) * CHAT_INTERVAL, 0.0)


FULL_CASES = (Case(1000, 1, 30), Case(1000, 1, 200), Case(100, 10, 200))
QUICK_CASES = (Case(150, 1, 30), Case(1000, 1, 200), Case(50, 5, 200))


def fixed_clock() -> datetime:
    return NOW


def token(index: int, number: int) -> str:
    return f"r{index:04d}-{number:02d}"


def reminder(index: int, number: int) -> dict[str, Any]:
    """A reminder row's message as flows/meeting.py makes it, the place naming its token."""
    place = Msg(N_("meeting.place"), {"kind": Msg(N_("meeting.place_office")), "place": token(index, number)})
    return {**dump_msg(Msg(N_("meeting.reminder"), {"when": When(MEETING), "place": place})),
            "until": MEETING.isoformat()}


async def seed(services: Services, case: Case) -> set[str]:
    """The recipients, then their reminders, one meeting's worth (one each) after another as a meeting adds
    them for its participants. Returns the tokens that should arrive."""
    keys: list[str] = []
    async with services.store.transaction() as work:
        for index in range(case.recipients):
            chat_id = FIRST_CHAT + index
            key = user_key(services.secret, "tg", chat_id)
            await work.users.save(UserRow(key, LANGUAGES[index % len(LANGUAGES)], NOW, NOW))
            await work.staff.add(StaffRow(f"Worker {index}", "sosiaaliohjaaja", "Oulunkaari", False, True, NOW, key))
            await work.contacts.save(ContactRow(key, services.sealer.seal(chat_id), NOW))
            keys.append(key)
        for number in range(case.per_recipient):
            for index, key in enumerate(keys):
                await work.outbox.add(OutboxRow(key, "reminder", reminder(index, number), NOW))
    return {token(index, number) for index in range(case.recipients) for number in range(case.per_recipient)}


def most_within(times: list[float], window: float) -> int:
    """The most sends in any window of ``window`` seconds (sorted times; a send exactly ``window`` after another
    falls in the next window)."""
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= window:
            start += 1
        most = max(most, end - start + 1)
    return most


@dataclass
class Result:
    case: Case
    sent: int  # what deliver_all returned
    seconds: float
    cpu_seconds: float
    sends: list[Call]
    expected: set[str]
    statuses: Counter[str]  # outbox rows by status afterwards
    started: float  # time.monotonic() at the start, as Call.at

    @property
    def per_second(self) -> float:
        return len(self.sends) / self.seconds

    def times(self) -> list[float]:
        return sorted(call.at for call in self.sends)

    def checks(self) -> tuple[int, int, int]:
        """Duplicates, missing and misdirected (the token arrived in another recipient's chat) reminders."""
        seen: Counter[str] = Counter()
        wrong = 0
        for call in self.sends:
            for index, number in TOKEN.findall(str(call.params.get("text", ""))):
                seen[token(int(index), int(number))] += 1
                wrong += int(call.params["chat_id"]) != FIRST_CHAT + int(index)
        return sum(count - 1 for count in seen.values()), len(self.expected - set(seen)), wrong

    def chat_gaps(self) -> list[float]:
        by_chat: dict[int, list[float]] = {}
        for call in self.sends:
            by_chat.setdefault(int(call.params["chat_id"]), []).append(call.at)
        return [b - a for times in by_chat.values() for a, b in itertools.pairwise(sorted(times))]


def outbox_statuses(db_path: Path) -> Counter[str]:
    """Outbox rows by status, read beside the bot's own connection."""
    with sqlite3.connect(db_path) as connection:
        rows = connection.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status").fetchall()
    return Counter({str(status): int(count) for status, count in rows})


async def measure(case: Case, db_path: Path, drawer: Drawer, catalogs: Catalogs) -> Result:
    limiter = ChatPacedRateLimiter(overall_per_second=case.cap, chat_interval=CHAT_INTERVAL)
    store = SqliteStore(db_path)
    settings = bot_settings(db_path, rate_per_second=case.cap, chat_interval=CHAT_INTERVAL)
    try:
        bot = await start_bot(settings, fixed_clock, catalogs, drawer, store=store, rate_limiter=limiter)
    except BaseException:
        await store.close()
        raise
    try:
        expected = await seed(bot.services, case)
        push, link = pusher(bot.application)
        mark = len(bot.api.calls)
        cpu, started = time.process_time(), time.monotonic()  # Call.at is time.monotonic()
        sent = await deliver_all(bot.services, push, link)
        seconds, cpu = time.monotonic() - started, time.process_time() - cpu
        if bot.api.unknown:
            raise RuntimeError(f"the ticker called Bot API methods the fake does not know: {bot.api.unknown}")
        sends = [call for call in bot.api.calls[mark:] if call.method.startswith("send")]
    finally:
        await bot.stop()
    return Result(case, sent, seconds, cpu, sends, expected, outbox_statuses(db_path), started)


# --- the section --------------------------------------------------------------------------------------------
async def reminders(cases: tuple[Case, ...], directory: Path, drawer: Drawer, catalogs: Catalogs) -> list[str]:
    results = [await measure(case, directory / f"reminders-{number}.sqlite3", drawer, catalogs)
               for number, case in enumerate(cases)]
    return report(results)


def report(results: list[Result]) -> list[str]:
    lines = [
        f"### Reminders due at once (`deliver_all`: rounds of up to {BATCH} rows, {PER_PERSON} per person; "
        f"per-chat interval {CHAT_INTERVAL:.0f} s)", "",
        "| Recipients x reminders | Cap /s | Rows | Sent | Seconds | Rows/s | Rows/s / cap | Least s the limiter "
        "allows | Measured / least | Max sends in any 1 s | in the first 1 s | Max in any 1 s after it "
        "| CPU % | Duplicates | Missing | Wrong chat | Left pending / sending | Dropped / failed |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        case, times = result.case, result.times()
        first = times[0] if times else result.started
        duplicates, missing, wrong = result.checks()
        statuses = result.statuses
        lines.append(
            f"| {case.recipients} x {case.per_recipient} | {case.cap:.0f} | {case.rows} | {result.sent} | "
            f"{result.seconds:.2f} | {result.per_second:.1f} | {result.per_second / case.cap:.2f} | "
            f"{case.bound:.2f} | {result.seconds / case.bound if case.bound else float('nan'):.2f} | "
            f"{most_within(times, WINDOW)} | "
            f"{sum(at < first + WINDOW for at in times)} | "
            f"{most_within([at for at in times if at >= first + WINDOW], WINDOW)} | "
            f"{100 * result.cpu_seconds / result.seconds:.0f} | {duplicates} | {missing} | {wrong} | "
            f"{statuses['pending']} / {statuses['sending']} | {statuses['dropped']} / {statuses['failed']} |")
    paced = [result for result in results if result.case.per_recipient > 1]
    if paced:
        lines += ["", f"Per-chat pacing ({CHAT_INTERVAL:.0f} s) where a recipient has several reminders:", "",
                  "| Recipients x reminders | Cap /s | Gaps in one chat | Under the interval | Smallest gap "
                  "- interval, µs | p50 gap ms | Largest gap ms |", "|---|---:|---:|---:|---:|---:|---:|"]
        for result in paced:
            gaps = result.chat_gaps() or [float("nan")]
            lines.append(
                f"| {result.case.recipients} x {result.case.per_recipient} | {result.case.cap:.0f} | {len(gaps)} "
                f"| {sum(gap < CHAT_INTERVAL for gap in gaps)} | {(min(gaps) - CHAT_INTERVAL) * 1e6:+.0f} | "
                f"{ms(percentile(gaps, 50))} | {ms(max(gaps))} |")
    return lines
