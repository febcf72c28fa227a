"""Several instances' contract (#14): claims owned by an instance, heartbeats per instance, leases.

Beside tests/storage/test_contract.py (whose helpers it uses), in its own module so the rules that let several
`kaari run` processes share one database read together.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import cast

import pytest

from flows.core.contention import transact
from storage.ports import OutboxRow, Store, UnitOfWork
from storage.postgres import PostgresStore
from tests.storage.test_contract import T0, outbox_row, seed_users


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest) -> Store:
    return cast(Store, request.getfixturevalue(f"{request.param}_store"))


async def test_a_claim_is_owned_by_the_instance_that_made_it(store: Store) -> None:
    await seed_users(store, "u1", "u2")
    async with store.transaction() as work:
        await work.outbox.add(outbox_row("u1"))
        await work.outbox.add(outbox_row("u2"))
    async with store.transaction() as work:
        [first] = await work.outbox.claim_due(T0, limit=1, by="a-1")
        [second] = await work.outbox.claim_due(T0, limit=1)
        stored = {row.recipient: row for key in ("u1", "u2") for row in await work.outbox.for_recipient(key)}
    assert (first.claimed_by, second.claimed_by) == ("a-1", "")
    assert stored[first.recipient].claimed_by == "a-1", "the owner is stored"
    assert stored[second.recipient].claimed_by == ""


async def test_a_recipient_with_a_row_in_flight_gets_nothing_more_until_it_is_done(store: Store) -> None:
    """Per-person order across instances: while one instance sends a person's row, another claims none of
    theirs (not the next push, not a row of another lane); the rest are served."""
    await seed_users(store, "u1", "u2")
    async with store.transaction() as work:
        first = await work.outbox.add(outbox_row("u1", kind="first"))
        await work.outbox.add(outbox_row("u1", T0 + timedelta(seconds=1), kind="second", lane="chat:2"))
        await work.outbox.add(outbox_row("u2", kind="other"))
        await work.outbox.add(OutboxRow("u2", "push", {}, T0, "sending", 1, T0, claimed_by="b-1"))
    now = T0 + timedelta(minutes=1)
    async with store.transaction() as work:
        assert [row.kind for row in await work.outbox.claim_due(now, limit=1, by="a-1")] == ["first"]
    async with store.transaction() as work:
        assert await work.outbox.claim_due(now, limit=10, by="b-1") == [], "u1's first is in flight, u2's push"
    async with store.transaction() as work:
        await work.outbox.finish(first, "sent", now)
        assert [row.kind for row in await work.outbox.claim_due(now, limit=10, by="b-1")] == ["second"]


async def test_reclaim_spares_the_rows_of_live_instances(store: Store) -> None:
    await seed_users(store, "u1", "u2", "u3", "u4")
    async with store.transaction() as work:
        for recipient, owner in (("u1", "live-a"), ("u2", "dead-b"), ("u3", ""), ("u4", "live-c")):
            await work.outbox.add(OutboxRow(recipient, "push", {}, T0, "sending", 1, T0, claimed_by=owner))
    async with store.transaction() as work:
        assert await work.outbox.reclaim(T0 + timedelta(seconds=1), spare={"live-a", "live-c"}) == 2
        statuses = {key: (await work.outbox.for_recipient(key))[0].status for key in ("u1", "u2", "u3", "u4")}
    assert statuses == {"u1": "sending", "u2": "pending", "u3": "pending", "u4": "sending"}
    async with store.transaction() as work:
        assert await work.outbox.reclaim(T0, spare=()) == 0, "claimed exactly at the cutoff is not stale yet"
        assert await work.outbox.reclaim(T0 + timedelta(seconds=1), spare={"live-a"}) == 1
        [row] = await work.outbox.for_recipient("u2")
    assert row.claimed_by == "dead-b", "the last owner stays on a row put back (it says who claimed it last)"


async def test_heartbeats_are_read_by_prefix_and_old_ones_purged(store: Store) -> None:
    async with store.transaction() as work:
        await work.heartbeats.beat("live:a-1", T0)
        await work.heartbeats.beat("live:b-2", T0 - timedelta(minutes=10))
        await work.heartbeats.beat("ticker:a-1", T0)
        await work.heartbeats.beat("livestock", T0)  # the prefix is the whole name's start, nothing more
    async with store.transaction() as work:
        assert await work.heartbeats.named("live:") == {
            "live:a-1": T0, "live:b-2": T0 - timedelta(minutes=10)}
        assert await work.heartbeats.purge(T0 - timedelta(minutes=1)) == 1
        assert await work.heartbeats.named("live:") == {"live:a-1": T0}
        assert await work.heartbeats.named("nothing:") == {}


async def test_a_lease_has_one_holder_until_it_expires(store: Store) -> None:
    until = T0 + timedelta(seconds=30)
    async with store.transaction() as work:
        assert await work.leases.take("polling", "a", T0, until) is True
        assert await work.leases.take("polling", "b", T0, until) is False
        assert await work.leases.take("other", "b", T0, until) is True, "leases are named"
        assert await work.leases.holder("polling", T0) == "a"
    async with store.transaction() as work:
        # The holder renews it; another cannot take it while it runs, even at its last instant.
        assert await work.leases.take("polling", "a", T0 + timedelta(seconds=20), T0 + timedelta(seconds=50))
        assert not await work.leases.take("polling", "b", T0 + timedelta(seconds=50), T0 + timedelta(seconds=80))
    later = T0 + timedelta(seconds=50, microseconds=1)
    async with store.transaction() as work:
        assert await work.leases.holder("polling", later) is None, "expired: nobody holds it"
        assert await work.leases.take("polling", "b", later, later + timedelta(seconds=30)) is True
        assert not await work.leases.take("polling", "a", later, later + timedelta(seconds=30)), "a lost it"
        await work.leases.release("polling", "a")  # not a's any more: nothing happens
        assert await work.leases.holder("polling", later) == "b"
        await work.leases.release("polling", "b")
        assert await work.leases.holder("polling", later) is None
        assert await work.leases.take("polling", "a", later, later + timedelta(seconds=30)) is True


async def test_only_one_of_two_concurrent_takers_gets_a_lease(store: Store) -> None:
    now = datetime(2026, 12, 7, tzinfo=UTC)

    async def take(holder: str) -> bool:
        async def attempt(work: UnitOfWork) -> bool:
            got = await work.leases.take("polling", holder, now, now + timedelta(seconds=30))
            await asyncio.sleep(0)
            return got

        # As bot/lease.py takes it: on PostgreSQL a taker that loses to another (Contention) runs again, and
        # then finds the lease held.
        return await transact(store, attempt, what="lease")

    assert sorted(await asyncio.gather(take("a"), take("b"), take("c"))) == [False, False, True]


async def test_a_reply_the_channel_is_sending_holds_up_no_push(store: Store) -> None:
    """The channel's own reply ('sending' from the start, marked sent by a deferred write) does not make the
    person's pushes wait for that write."""
    await seed_users(store, "u1")
    async with store.transaction() as work:
        await work.outbox.add(OutboxRow("u1", "reply", {}, T0, "sending", 1, T0, claimed_by="a-1"))
        await work.outbox.add(outbox_row("u1", kind="push"))
    async with store.transaction() as work:
        assert [row.kind for row in await work.outbox.claim_due(T0, limit=10, by="b-1")] == ["push"]


async def test_concurrent_claimers_at_read_committed_take_each_row_once_and_each_persons_in_order(
    store: Store,
) -> None:
    """The ticker's claim runs at READ COMMITTED (#14: a SERIALIZABLE one read the whole outbox, and every update
    writing a row lost to it or made it lose). Three instances claim and send side by side, each claim in its own
    transaction without retries: every row is claimed once, no person ever has rows in flight on two instances,
    and each person's rows go in their order."""
    people = [f"u{n}" for n in range(6)]
    await seed_users(store, *people)
    async with store.transaction() as work:
        for place in range(3):
            for person in people:
                await work.outbox.add(outbox_row(person, T0 - timedelta(minutes=10 - place), kind=f"{person}-{place}"))
    in_flight: dict[str, str] = {}

    async def finish(outbox_id: int, work: UnitOfWork) -> None:
        await work.outbox.finish(outbox_id, "sent", T0)

    sent: dict[str, list[str]] = {person: [] for person in people}
    claimed: list[int | None] = []

    async def instance(name: str) -> None:
        idle = 0
        while idle < 20:
            async with store.transaction(isolation="read_committed") as work:
                rows = await work.outbox.claim_due(T0, limit=2, per_recipient=1, by=name)
                await asyncio.sleep(0)  # the others' claims run meanwhile
            idle = 0 if rows else idle + 1
            for row in rows:
                assert in_flight.setdefault(row.recipient, name) == name, f"{row.recipient} in flight twice"
                claimed.append(row.id)
            for row in rows:
                await asyncio.sleep(0)
                sent[row.recipient].append(row.kind)
                del in_flight[row.recipient]  # before the commit: a claim right after it is no double
                assert row.id is not None
                # Marked sent as the ticker does: SERIALIZABLE, run again if it loses (not the claim's concern).
                await transact(store, partial(finish, row.id), what="finish")
            await asyncio.sleep(0)

    await asyncio.gather(*(instance(name) for name in ("a-1", "b-2", "c-3")))
    assert len(claimed) == len(set(claimed)) == 18, "every row claimed, none twice"
    assert sent == {person: [f"{person}-{place}" for place in range(3)] for person in people}


async def test_postgresql_tells_a_listening_store_of_each_committed_rows_recipient(postgresql_url: str) -> None:
    """Web pushes across instances (#14): another process's store hears of a row once it commits (NOTIFY), not
    of one rolled back, and not of a row written as sent already (the channel's own reply)."""
    writer, listener = PostgresStore(postgresql_url), PostgresStore(postgresql_url)
    heard: list[str] = []
    arrived = asyncio.Event()

    def wake(key: str) -> None:
        heard.append(key)
        arrived.set()

    try:
        await seed_users(writer, "web-a", "web-b", "tg-c")
        await listener.listen(wake)
        with pytest.raises(RuntimeError):
            async with writer.transaction() as work:
                await work.outbox.add(outbox_row("web-b"))
                raise RuntimeError("rolled back")
        async with writer.transaction() as work:
            await work.outbox.add(OutboxRow("tg-c", "reply", {}, T0, "sending", 1, T0, claimed_by="a-1"))
            await work.outbox.add(outbox_row("web-a"))
        await asyncio.wait_for(arrived.wait(), 10)
        await asyncio.sleep(0.2)  # anything else would have come by now
        assert heard == ["web-a"]
    finally:
        await listener.close()
        await writer.close()
