"""The ticker: sends due outbox rows (claimed exactly once) and deletes what is kept too long.

A row is claimed (pending -> sending) in one transaction, sent, then finished in another. A crash between
Telegram's acknowledgement and the finishing commit leaves it 'sending'; those are put back to pending and sent
again: that small window is the only way a message can arrive twice.

Several instances (#14, bot.instance): a row 'sending' is owned by the instance that claimed it. A round puts
back the rows of instances that are gone (their liveness beat stale) at once, and this instance's own after
STUCK_AFTER; at start (``reclaim_at_start``) also those of this instance's predecessor (the same name). Never a
live instance's: that would send again what it has in flight. The claim (SQLite: BEGIN IMMEDIATE; PostgreSQL:
SERIALIZABLE, a conflict retried) hands each row to one instance, and a recipient with a row in flight anywhere
gets nothing more until it is finished, so one person's messages keep their order across instances.

Order and retry: one recipient's rows go one after another. A transient failure (a time-out, 5xx, 429) puts
the row back to pending, due again after 1, 2, 4, 8 s (or Telegram's retry_after, if longer); until then
none of that recipient's later rows is claimed, so nothing overtakes it. After GIVE_UP_AFTER attempts it is
marked failed. Fairness: each round takes a few rows per recipient, every recipient's first before anyone's
second, one recipient's chats taking turns and a crisis chat's rows first (see Outbox.claim_due).
A web person's rows go to their open sockets (``Services.push_route``, bot.web.socket), every tab; while they
have none open their rows are not claimed at all: they wait, pending, and their return wakes the ticker.
A worker's chat notices go to their browser desk instead of Telegram while it is open (``Services.desk_route``,
bot.web.desk_live), so each reaches them once; pictures passed on still go to Telegram.
Replies to a person's own input are outbox rows too (kind 'reply', written with the input and sent by the
channel right after the commit); the ticker sends only those a crash left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from telegram.error import Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.bootstrap import Services
from bot.health import BEAT_EVERY
from bot.i18n import LinkFormat, console_link
from bot.instance import GONE_FOR_GOOD, live_instances, spared
from bot.keys import channel_of, key_prefix
from bot.metrics import BLOCKED, GAVE_UP, TRANSIENT
from bot.render import MediaOut, Outgoing, TextOut, render
from bot.routes import PushRoute
from flows.chat import shifts
from flows.core import inputs
from flows.core.contention import transact
from flows.core.engine import REPLY
from flows.core.messages import N_, Msg, dump_msg, load_msg
from flows.core.quiet import QuietHours, parse_quiet_hours
from flows.core.results import Reply, Say, load_results
from flows.core.spec import FORGOTTEN, anonymous_actor
from flows.esy import followup, group_rounds
from flows.identity.consent import latest_answers
from flows.identity.screens import close_screens_about
from storage.ports import READ_COMMITTED, ContactRow, OutboxRow, StoreUnavailable, UnitOfWork, UserRow

log = logging.getLogger(__name__)

BATCH = 200
# Rows of one person per round: their chat is paced at one message a second, and a round waits for its
# slowest person, so a burst of stickers to one worker cannot hold up everyone else for long.
PER_PERSON = 3
GIVE_UP_AFTER = 5
STUCK_AFTER = timedelta(minutes=5)  # a safety net only: a failed send is put back at once, a crash at start
PURGE_EVERY = timedelta(hours=1)
# Shifts start and end by the minute, yet every handled update wakes a round: under a busy chat, running the
# shifts' pass (every service's shift, duty and queue read) at each wake was about a third of each round.
SHIFTS_EVERY = 1.0  # seconds between two passes at most (the timer's rounds are 5 s apart anyway)
QUIET_MARGIN = timedelta(hours=1)  # a reminder still worth the morning if the meeting is at least this after
EVER = datetime.max.replace(tzinfo=UTC)  # a claim made before this: any claim

# Sends one push to a chat; raises Forbidden when the person blocked the bot, TelegramError on other failures.
# Returns what was sent about a chat: (chat, the channel's message id) for `remember_sent`.
Sent = list[tuple[int, int]]
Push = Callable[[int, list[Outgoing]], Awaitable[Sent]]
# Pushes a client receives only with consent (d); workers' own messages and notices are not among them.
NEEDS_REMINDER_CONSENT = frozenset({"reminder", "checkin", followup.REASSESS})
# Pushes that wait for the morning when the bot, late, would send them in quiet hours: those reminders, and an ESY
# group's round notice (asked for by joining the group, so without consent (d)).
QUIET_KINDS = NEEDS_REMINDER_CONSENT | {group_rounds.PUSH}
CHAT_KINDS = frozenset({shifts.PUSH, shifts.MEDIA, shifts.POKE})
# A worker's chat notices that the browser desk shows instead of Telegram while it is open. A picture or sticker
# passed on still goes to Telegram: the browser cannot show a Telegram file.
DESK_KINDS = frozenset({shifts.PUSH, shifts.POKE})
MEETING_KINDS = frozenset({"reminder", "checkin", "memo"})


async def reminders_allowed(work: UnitOfWork, recipient: str) -> bool:
    """Consent (d) in force for this recipient, if they are a client; staff and meeting participants get theirs."""
    client = await work.clients.by_user(recipient)
    if client is None or client.id is None:
        # Staff, and people who joined a meeting by link (joining is asking for its reminders).
        return await work.staff.by_user(recipient) is not None or bool(await work.meetings.participations(recipient))
    answers = latest_answers(await work.consents.for_client(client.id))
    return "reminders" in answers and answers["reminders"].answer == "yes"


async def unreachable(work: UnitOfWork, recipient: str, now: datetime) -> None:
    """A meeting participant blocked the bot: marked unreachable, and the worker who set up the meeting is
    told once, so that they can reach them another way."""
    for person in await work.meetings.participations(recipient):
        if not person.reachable:
            continue
        person.reachable = False
        await work.meetings.save_participant(person)
        meeting = await work.meetings.get(person.meeting_id)
        staff = await work.staff.get(meeting.created_by) if meeting else None
        if staff is not None and staff.user_key and staff.user_key != recipient:
            await work.outbox.add(OutboxRow(staff.user_key, "notify", dump_msg(Msg(
                N_("notify.participant_unreachable"), {"name": person.name})), now))
        log.info("ticker.unreachable participant=%s", person.id)


async def outgoing_for(services: Services, row: OutboxRow, language: str, link: LinkFormat) -> list[Outgoing]:
    """What an outbox row looks like when sent: a text, a picture or sticker passed on, or (a poke) the
    recipient's own flow shown where it is now, with its buttons."""
    if row.kind == REPLY:  # the reply to the person's own input, left unsent by a crash
        stored = Reply(row.message["language"], load_results(row.message["results"]))
        return await render(stored, services.catalogs, services.drawer, link)
    if row.kind == shifts.POKE or "flow" in row.message:
        notice = load_msg(row.message) if row.message.get("key") else None
        reply = await services.engine.handle(row.recipient, inputs.Poke(notice, row.message.get("flow")),
                                             reachable=route_for(services, row.recipient) is not None)
        return await render(reply, services.catalogs, services.drawer, link)
    if "attach" in row.message:  # a notice with a file (a meeting's calendar invitation)
        attached = Reply(language, [Say(load_msg(row.message)), *load_results(row.message["attach"])])
        return await render(attached, services.catalogs, services.drawer, link)
    text = services.catalogs.text(language, load_msg(row.message), link)
    about = row.message.get("about")  # the chat a message to a worker belongs to
    if "media" in row.message:
        return [MediaOut(row.message["media"], row.message["ref"], text, about)]
    return [TextOut(text, about=about)]


async def remember_sent(services: Services, recipient: str, sent: Sent) -> None:
    """Record which chat each message sent to ``recipient`` was about, so that their swipe-reply to it reaches
    that chat. Every way a message reaches a person (a push, a direct reply) goes through here."""
    if not sent:
        return
    by_chat: dict[int, list[int]] = {}
    for chat, message_id in sent:
        by_chat.setdefault(chat, []).append(message_id)
    async def remember(work: UnitOfWork) -> None:
        for chat, message_ids in by_chat.items():
            await work.chats.remember_sent(recipient, chat, message_ids)

    await transact(services.store, remember, what="remember_sent")


async def reclaim_at_start(services: Services) -> int:
    """Put the rows a crash left 'sending' back to pending (call once at start, before anything is sent): those
    of gone instances and of this one's predecessor (the same name), never a live instance's; returns how many.
    Any outbox's rows: the ticker's, and replies queued by the channel."""
    instance = services.instance

    async def reclaim(work: UnitOfWork) -> int:
        live = await live_instances(work, services.engine.clock())
        spare = {other for other in spared(instance, live) if not instance.succeeds(other)}
        return await work.outbox.reclaim(EVER, spare)

    count = await transact(services.store, reclaim, what="reclaim")
    if count:
        log.warning("ticker.reclaimed count=%d", count)
    return count


def retry_delay(attempts: int, error: TelegramError) -> float:
    """Seconds until the next attempt after ``attempts`` tries: 1, 2, 4, 8 ..., or Telegram's retry_after."""
    delay = float(2 ** max(attempts - 1, 0))
    if isinstance(error, RetryAfter):
        with warnings.catch_warnings():  # PTB 22 warns that the int becomes a timedelta: both are read
            warnings.simplefilter("ignore", PTBDeprecationWarning)
            after = error.retry_after
        delay = max(delay, after.total_seconds() if isinstance(after, timedelta) else float(after))
    return delay


class Round(NamedTuple):
    claimed: int
    sent: int
    retry_in: float | None  # seconds until the soonest retry this round scheduled


async def deliver_due(services: Services, push: Push, link: LinkFormat = console_link) -> int:
    """One round: claim due outbox rows (a few per person) and send each once; returns how many were sent."""
    return (await _round(services, push, link)).sent


async def deliver_all(services: Services, push: Push, link: LinkFormat = console_link) -> int:
    """Rounds until nothing due is left; returns how many were sent."""
    total = 0
    while True:
        done = await _round(services, push, link)
        total += done.sent
        if not done.claimed:
            return total


async def _round(services: Services, push: Push, link: LinkFormat) -> Round:
    """Rows for one person go in order, one after another; different people are served side by side, so one
    slow or paced chat does not hold up the others."""
    now = services.engine.clock()
    me = services.instance.id

    async def claim(work: UnitOfWork) -> list[OutboxRow]:
        # Read in this transaction: an instance that started a moment ago has beaten before claiming anything.
        spare = spared(services.instance, await live_instances(work, now))
        await work.outbox.reclaim(EVER, spare)  # a gone instance's, at once
        await work.outbox.reclaim(now - STUCK_AFTER, spare - {me})  # and this one's own, stuck for long
        route = services.push_route  # its people's rows wait, unclaimed, while they are away
        return await work.outbox.claim_due(now, BATCH, PER_PERSON, away=key_prefix(route.channel) if route else "",
                                           present=route.present() if route else (), by=me)

    # READ COMMITTED: the claim's own protocol keeps it exactly once and in each person's order across instances
    # (Outbox.claim_due); SERIALIZABLE, its read of the whole outbox made every update's transaction contend.
    rows = await transact(services.store, claim, what="claim", isolation=READ_COMMITTED)
    quiet = parse_quiet_hours(services.settings.quiet_hours)  # validated at start-up; read once a round
    by_recipient: dict[str, list[OutboxRow]] = {}
    for row in rows:
        by_recipient.setdefault(row.recipient, []).append(row)

    async def one_person(queue: list[OutboxRow]) -> tuple[int, float | None, int]:
        sent = 0
        for index, row in enumerate(queue):
            done = await _deliver(services, push, link, row, quiet)
            if done is None:  # a web person who went mid-round: theirs wait, as they were, for their return
                await _put_back(services, queue[index:])
                return sent, None, len(queue) - index
            if isinstance(done, float):  # to be retried: the rest wait for it, unsent and uncounted
                await _put_back(services, queue[index + 1:])
                return sent, done, 0
            sent += done
        return sent, None, 0

    results = await asyncio.gather(*(one_person(queue) for queue in by_recipient.values()))
    retries = [retry_in for _, retry_in, _ in results if retry_in is not None]
    # Rows left waiting for a web person do not count as claimed: the ticker sleeps until a reconnect wakes it.
    held = sum(waiting for _, _, waiting in results)
    return Round(len(rows) - held, sum(sent for sent, _, _ in results), min(retries, default=None))


async def _put_back(services: Services, rows: list[OutboxRow]) -> None:
    """Rows claimed but not tried, back to pending as they were (due when they were, the claim's attempt undone)."""
    if not rows:
        return
    async def put_back(work: UnitOfWork) -> None:
        for row in rows:
            assert row.id is not None
            await work.outbox.retry(row.id, row.due_at, row.attempts - 1)

    await transact(services.store, put_back, what="put_back")


def wake_for_here(services: Services) -> Callable[[str], None]:
    """What another instance's committed outbox row does here (Store.listen): wake this ticker when the row's
    recipient has their socket or browser desk open here, so that it goes out at once; nothing otherwise (the
    instance that wrote it, or any, sends a Telegram row). Without it (SQLite) a row for a socket on another
    instance waits for this ticker's next round, at most its ``every`` seconds (5)."""

    def wake(recipient: str) -> None:
        routes = (services.push_route, services.desk_route)
        if any(route is not None and recipient in route.present() for route in routes):
            services.wake.set()

    return wake


def route_for(services: Services, recipient: str) -> PushRoute | None:
    """The channel that delivers this recipient's pushes itself (a web person), if any."""
    route = services.push_route
    return route if route is not None and channel_of(recipient) == route.channel else None


async def _look(work: UnitOfWork, row: OutboxRow) -> tuple[ContactRow | None, UserRow | None, bool]:
    """What a send needs to know first: the recipient's contact and user, and whether the row may still go."""
    contact = await work.contacts.get(row.recipient)
    user = await work.users.get(row.recipient)
    # An anonymous person's own reminder (they asked for it) needs no consent (d): they have no consents.
    allowed = (row.kind not in NEEDS_REMINDER_CONSENT or bool(row.message.get("asked"))
               or await reminders_allowed(work, row.recipient))
    if "meeting" in row.message:
        # A reminder of a meeting that was cancelled, held early or deleted meanwhile is not sent.
        meeting = await work.meetings.get(int(row.message["meeting"]))
        allowed = allowed and meeting is not None and meeting.status == "planned"
    if "promise" in row.message:
        # A check-in for a promise deleted (consent c withdrawn) or already marked done is not sent.
        promise = await work.meetings.promise(int(row.message["promise"]))
        allowed = allowed and promise is not None and promise.status != "done"
    return contact, user, allowed


async def _deliver(services: Services, push: Push, link: LinkFormat, row: OutboxRow,
                   quiet: QuietHours) -> int | float | None:
    """1 when sent, 0 when finished otherwise, the seconds until a retry (a float) after a transient error, or
    None when the recipient is a web person whose socket closed since the claim (the row waits for them)."""
    assert row.id is not None
    contact, user, allowed = await transact(services.store, lambda work: _look(work, row), what="deliver.look")
    # A reply carries its own sealed address: an anonymous person has no stored contact.
    sealed = row.message.get("chat") if row.kind == REPLY else (contact.sealed_chat if contact else None)
    chat = services.sealer.open(sealed) if sealed else None
    route = route_for(services, row.recipient) if chat is None else None
    status, sent, blocked = "sent", 0, False
    until = row.message.get("until")
    now = services.engine.clock()
    if until and datetime.fromisoformat(until) <= now:
        # Missed while the bot was down and no longer useful (the meeting has begun): dropped, not sent late.
        status = "dropped"
        log.info("ticker.outdated outbox=%d kind=%s", row.id, row.kind)
    elif at_desk(services, row) and await desk_took(services, row):
        sent = 1  # a worker at the browser desk (with or without Telegram: the demo's worker has none)
    elif (chat is None and route is None) or user is None:
        status = "dropped"  # nobody to write to (a console user, or the contact was deleted)
        if contact is not None and chat is None:
            # Sealed with a key no longer in KAARI_DATA_KEY: refreshed at the person's next message.
            log.warning("ticker.unopened outbox=%d kind=%s count=%d", row.id, row.kind, services.sealer.unopened)
    elif not allowed:
        status = "dropped"  # no consent (d), or the meeting or promise it was about is gone
    elif row.kind in QUIET_KINDS and quiet.contains(now) and (
            not until or quiet.next_end(now) < datetime.fromisoformat(until) - QUIET_MARGIN):
        # Late (the bot was down) and now in quiet hours: it waits for the morning, unless the meeting is
        # closer. The copy and the finish commit together, so a crash cannot leave both.
        async def postpone(work: UnitOfWork) -> None:
            assert row.id is not None
            await work.outbox.add(OutboxRow(row.recipient, row.kind, row.message, quiet.next_end(now)))
            await work.outbox.finish(row.id, "dropped", now)

        await transact(services.store, postpone, what="postpone")
        log.info("ticker.postponed outbox=%d kind=%s", row.id, row.kind)
        return 0
    elif route is not None:
        if row.recipient not in route.present() or not await route.push(
                row.recipient, await outgoing_for(services, row, user.language, console_link)):
            return None  # went meanwhile (checked first, so that a poke is not shown to nobody): it waits
        sent = 1
    else:
        assert chat is not None
        try:
            await remember_sent(services, row.recipient, await push(
                chat, await outgoing_for(services, row, user.language, link)))
            sent = 1
        except Forbidden:
            status, blocked = "failed", True  # blocked the bot
            services.metrics.failed(BLOCKED)
        except TelegramError as error:
            if row.attempts < GIVE_UP_AFTER:
                services.metrics.failed(TRANSIENT)
                return await _retry_later(services, row, error)
            log.warning("ticker.gave_up outbox=%d attempts=%d error=%s", row.id, row.attempts,
                        type(error).__name__)
            services.metrics.failed(GAVE_UP)
            status = "failed"
    async def finish(work: UnitOfWork) -> None:
        assert row.id is not None
        await work.outbox.finish(row.id, status, services.engine.clock())
        if status == "failed" and blocked and row.kind in MEETING_KINDS:
            await unreachable(work, row.recipient, services.engine.clock())
        if row.kind in CHAT_KINDS or row.kind == followup.REASSESS:
            # The last message of a finished anonymous chat, or an anonymous person's reminder, is out: their
            # chat id is no longer needed (unless something else still is).
            await shifts.release_contact(work, row.recipient)

    # Sent already: losing this to Contention must not leave the row 'sending' (reclaimed, it would go twice).
    await transact(services.store, finish, what="finish")
    log.info("ticker.outbox id=%d kind=%s status=%s", row.id, row.kind, status)
    return sent


def at_desk(services: Services, row: OutboxRow) -> bool:
    """A worker's chat notice while their browser desk is open: the desk shows it, Telegram does not."""
    desk = services.desk_route
    return desk is not None and row.kind in DESK_KINDS and row.recipient in desk.present()


async def desk_took(services: Services, row: OutboxRow) -> bool:
    """The browser desk shows the row's notice (a poke's only the notice: the Telegram desk is not redrawn);
    False when the desk closed meanwhile, and the row goes to Telegram after all."""
    assert services.desk_route is not None
    notice = load_msg(row.message) if row.message.get("key") else None
    return await services.desk_route.notify(row.recipient, notice)


async def _retry_later(services: Services, row: OutboxRow, error: TelegramError) -> float:
    """Back to pending, due again after the backoff; returns the delay."""
    outbox_id = row.id
    assert outbox_id is not None
    delay = retry_delay(row.attempts, error)
    await transact(services.store, lambda work: work.outbox.retry(
        outbox_id, services.engine.clock() + timedelta(seconds=delay), row.attempts), what="retry_later")
    log.warning("ticker.retry outbox=%d attempt=%d in=%.0fs error=%s", row.id, row.attempts, delay,
                type(error).__name__)
    return delay


async def purge_idle(services: Services) -> int:
    """Delete what is kept too long; returns how many anonymous people were deleted.

    - anonymous people (neither staff nor linked clients) not seen for the retention period, with their
      conversation and circles (not before a reminder they asked for is due);
    - clients whose work ended longer ago than the client retention period (their consent record too);
    - wrong-code attempts older than a day, and finished outbox rows older than a week;
    - the texts and comments of chats closed longer ago than the chat retention period (counts, waiting
      times and ratings stay for the statistics), and chat ids of anonymous people no chat needs any more;
    - chats nobody took within the waiting period (closed, the young person told).
    """
    now = services.engine.clock()
    settings = services.settings
    deleted = 0
    async with services.store.transaction() as work:
        for key in await work.users.idle_since(now - timedelta(days=settings.anonymous_retention_days)):
            if await work.staff.by_user(key) is None and await work.clients.by_user(key) is None and (
                    await work.chats.active_for_user(key) is None  # a left message still waits for an answer
                    and not await followup.waiting(work, key, now)):  # they asked to be reminded: kept until then
                await work.audit.relabel(anonymous_actor(key), FORGOTTEN)
                await work.code_attempts.delete_for(key)
                await work.users.delete(key)
                deleted += 1
        cutoff = now - timedelta(days=settings.client_retention_days)
        ended = await work.clients.ended_before(cutoff)
        ended += await never_joined(work, cutoff)
        for client_id in ended:
            await close_screens_about(work, client_id)
            await work.clients.delete(client_id)
        attempts = await work.code_attempts.purge(now - timedelta(days=1))
        # Telegram keeps an update for at most a day: an older receipt can never meet its update again.
        await work.receipts.purge(now - timedelta(days=1))
        sent = await work.outbox.purge_done(now - timedelta(days=7))
        audited = await work.audit.purge(now - timedelta(days=settings.audit_retention_days))
        await work.heartbeats.purge(now - GONE_FOR_GOOD)  # instances that stopped long ago (each start is new)
        expired = await shifts.expire_waiting(work, now - timedelta(days=settings.chat_waiting_days), now)
        chats = await work.chats.forget_closed(now - timedelta(days=settings.chat_retention_days))
        released = await shifts.release_contacts(work)
    if deleted or ended or attempts or sent or audited or chats or released or expired:
        log.info("ticker.purged people=%d clients=%d attempts=%d outbox=%d audit=%d chats=%d contacts=%d "
                 "expired=%d", deleted, len(ended), attempts, sent, audited, chats, released, expired)
        await services.store.scrub()
    return deleted


async def never_joined(work: UnitOfWork, cutoff: datetime) -> list[int]:
    """Clients who never joined, whose last invitation ran out before ``cutoff`` (nothing else to keep)."""
    found: set[int] = set()
    for staff in await work.staff.all():
        for client in await work.clients.for_staff(staff.id or 0):
            if client.id is None or client.linked_at or client.ended_at or client.id in found:
                continue
            invitations = await work.invitations.for_client(client.id)
            last = max((row.expires_at for row in invitations), default=client.created_at)
            if last < cutoff:
                found.add(client.id)
    return sorted(found)


async def tick_shifts(services: Services) -> None:
    """Start and end chat shifts on time (see flows.chat.shifts.tick)."""
    await transact(services.store, lambda work: shifts.tick(work, services.chat, services.engine.clock()),
                   what="tick_shifts")


async def heartbeat(services: Services, now: datetime) -> None:
    """Record that this instance's ticker completed a round (what `kaari health` and /healthz read)."""
    await transact(services.store, lambda work: work.heartbeats.beat(services.instance.ticker_beat, now),
                   what="heartbeat")


async def run_ticker(services: Services, push: Push, link: LinkFormat, every: float = 5.0) -> None:
    """Shifts, deliveries and purges until cancelled; one failed round is logged, never fatal. A handled update
    wakes it early, so that a chat message goes out at once; a send to retry wakes it when it is due. After a
    completed round it writes its heartbeat, at most every BEAT_EVERY (a round may run for every update)."""
    purged: datetime | None = None
    beaten: datetime | None = None
    loop = asyncio.get_running_loop()
    retry_at = float("inf")  # loop time of the soonest retry scheduled and not yet waited for
    shifts_at = float("-inf")  # loop time of the last shifts' pass
    while True:
        services.wake.clear()  # before the round: a wake during it means another round at once
        claimed = 0
        try:
            if loop.time() - shifts_at >= SHIFTS_EVERY:
                shifts_at = loop.time()
                await tick_shifts(services)
            claimed, _, retry_in = await _round(services, push, link)
            if retry_in is not None:  # a little after it is due, so that the round finds it due
                retry_at = min(retry_at, loop.time() + retry_in + 0.05)
            now = services.engine.clock()
            if purged is None or now - purged >= PURGE_EVERY:
                await purge_idle(services)
                purged = now
            if beaten is None or now - beaten >= BEAT_EVERY:
                await heartbeat(services, now)
                beaten = now
        except StoreUnavailable as error:  # the database is away (restarting, say): one line a round, no traceback
            log.warning("ticker.database_unavailable error=%s", type(error).__name__)
        except Exception as error:
            log.error("ticker.failed error=%s", type(error).__name__, exc_info=error)
        if claimed:
            continue  # more may be waiting (only a few rows per person go in one round)
        if retry_at <= loop.time():
            retry_at = float("inf")  # the round just run came after it
        # asyncio.timeout, never wait_for: on Python 3.11 wait_for swallows a cancellation that arrives as the
        # awaited thing completes (CPython gh-86296, fixed in 3.12), so a stop coming with a wake-up left this loop
        # running and the stop awaiting it forever. The same goes for every task here that is cancelled.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(min(every, max(retry_at - loop.time(), 0.0))):
                await services.wake.wait()
