"""Sharing a circle later (#12), the rules without a channel: which circle the start of the circle offers to share,
that sharing takes only the person's own circle and only while (c) allows it, and which intro the start shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flows.core.messages import Msg
from flows.core.results import Say
from flows.core.spec import Conversation, Who
from flows.esy.sharing import UNSHARED, LaterShare, share_circle
from flows.esy.start_screen import LAST_AT, LOOKED, StartScreen
from storage.memory import MemoryStore
from storage.ports import AssessmentRow, ClientRow, ConsentRow, ShareRow, StaffRow, UnitOfWork, UserRow

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
INSTRUMENT = "kaari-esy-default"


async def circle(work: UnitOfWork, key: str, days: int) -> int:
    return await work.assessments.add(AssessmentRow(key, INSTRUMENT, 1, NOW - timedelta(days=days), {}, {}, {}))


async def client_conv(work: UnitOfWork, storage: str = "yes") -> Conversation:
    """A linked client ("young") who answered consent (c) ``storage``."""
    for key in ("young", "other", "worker"):
        await work.users.save(UserRow(key, "fi", NOW, NOW))
    staff = await work.staff.add(StaffRow("worker", "ohjaaja", "Demo", False, True, NOW, "worker"))
    client = ClientRow("Kettu", staff, NOW, "young", NOW)
    client.id = await work.clients.add(client)
    await work.consents.add(ConsentRow(client.id, "storage", 1, storage, NOW, "tg"))
    return Conversation(key="young", flow="esy", state="intro", version=3, step=0, data={}, work=work, now=NOW,
                        language="fi", who=Who(client=client))


async def test_the_latest_circle_not_yet_shared_is_offered_and_only_while_storing_is_allowed() -> None:
    async with MemoryStore().transaction() as work:
        conv = await client_conv(work)
        later = LaterShare(INSTRUMENT)
        await later.note(conv)
        assert UNSHARED not in conv.data and later.option(conv) == ()  # no circle yet
        await circle(work, "young", 30)
        latest = await circle(work, "young", 3)
        await later.note(conv)
        assert conv.data[UNSHARED]["id"] == latest
        [option] = later.option(conv)
        assert option.value == f"share-later:{latest}"
        assert option.label == Msg("esy.share_later", {"date": NOW - timedelta(days=3)})
        assert conv.who.client is not None and conv.who.client.id is not None
        await work.shares.add(ShareRow(latest, conv.who.client.id, NOW))
        await later.note(conv)
        assert later.option(conv) == ()  # shared already: the one before is not offered instead
        await work.consents.add(ConsentRow(conv.who.client.id, "storage", 1, "withdrawn", NOW, "tg"))
        await circle(work, "young", 1)
        await later.note(conv)
        assert later.option(conv) == ()


async def test_only_the_persons_own_circle_is_shared() -> None:
    async with MemoryStore().transaction() as work:
        conv = await client_conv(work)
        mine, theirs = await circle(work, "young", 2), await circle(work, "other", 2)
        assert not await share_circle(conv, theirs)
        assert not await share_circle(conv, None)
        assert conv.out == [Say(Msg("esy.share_gone"))] * 2
        assert conv.who.client is not None and conv.who.client.id is not None
        assert await work.shares.for_client(conv.who.client.id) == []
        assert await share_circle(conv, mine)
        assert [row.assessment_id for row in await work.shares.for_client(conv.who.client.id)] == [mine]


async def test_nothing_is_shared_without_consent_c() -> None:
    async with MemoryStore().transaction() as work:
        conv = await client_conv(work, storage="no")
        assert not await share_circle(conv, await circle(work, "young", 2))
        assert conv.who.client is not None and conv.who.client.id is not None
        assert await work.shares.for_client(conv.who.client.id) == []


async def test_the_start_says_the_whole_intro_the_last_date_or_one_line() -> None:
    async with MemoryStore().transaction() as work:
        conv = await client_conv(work)
        start = StartScreen(INSTRUMENT)
        await start.note(conv)
        assert start.prompt(conv, 12, 8) == Msg("esy.intro", {"areas": 12, "minutes": 8})
        await circle(work, "young", 40)
        await circle(work, "young", 4)
        await start.refresh(conv)
        assert conv.data[LAST_AT] == (NOW - timedelta(days=4)).isoformat()
        assert start.prompt(conv, 12, 8) == Msg("esy.intro_again", {"date": NOW - timedelta(days=4), "minutes": 8})
        conv.data[LOOKED] = True
        assert start.prompt(conv, 12, 8) == Msg("esy.intro_back")
        await start.refresh(conv)  # the next input: the one line was for right after the look
        assert start.prompt(conv, 12, 8) == Msg("esy.intro_again", {"date": NOW - timedelta(days=4), "minutes": 8})
        await work.assessments.delete_for_user("young")
        await start.refresh(conv)
        assert start.prompt(conv, 12, 8) == Msg("esy.intro", {"areas": 12, "minutes": 8})
