"""The rules of ESY's dialogue (#12 §1): which areas are far enough apart to talk about, and who may give a
reading of a client's situation (the responsible worker always, the pair worker with consent (b))."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.settings import SettingsError, load_settings
from flows.core.spec import Conversation, Who
from flows.esy.dialogue import DEFAULT_DIFFERENCE, differences, may_read, reading_access
from flows.esy.instrument import Instrument
from storage.memory import MemoryStore
from storage.ports import ClientRow, ConsentRow, PairRow, StaffRow, UnitOfWork, UserRow

NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)


def consent(item: str, answer: str, minutes: int = 0) -> ConsentRow:
    return ConsentRow(1, item, 1, answer, NOW + timedelta(minutes=minutes), "tg")


def test_only_areas_both_answered_and_far_enough_apart_are_listed_in_the_instruments_order(
    instrument: Instrument,
) -> None:
    ids = [area.id for area in instrument.areas]
    client = {ids[0]: 2.0, ids[1]: 4.5, ids[2]: 1.3, ids[3]: None, ids[4]: 5.0, ids[5]: 1.0}
    worker = {ids[0]: 4.0, ids[1]: 3.0, ids[2]: 2.8, ids[3]: 1.0, ids[4]: 4.0}
    # 2.0 apart, 1.5 apart (either way round), 2.8-1.3 (1.4999... in floating point): listed; a skipped
    # area, 1.0 apart, and an area the worker left out: not.
    assert differences(instrument, client, worker) == [ids[0], ids[1], ids[2]]
    assert differences(instrument, worker, client) == [ids[0], ids[1], ids[2]]
    assert differences(instrument, client, worker, threshold=2.0) == [ids[0]]
    assert differences(instrument, client, worker, threshold=1.0) == [ids[0], ids[1], ids[2], ids[4]]
    assert differences(instrument, client, client) == []


def test_the_pair_worker_may_read_only_with_consent_b_the_responsible_worker_always() -> None:
    assert may_read(True, {}) and may_read(True, {"exchange": consent("exchange", "no")})
    assert may_read(False, {"exchange": consent("exchange", "yes")})
    assert not may_read(False, {})
    assert not may_read(False, {"exchange": consent("exchange", "no")})
    assert not may_read(False, {"exchange": consent("exchange", "withdrawn")})


def test_the_difference_is_a_setting_above_zero() -> None:
    assert load_settings({}).esy_difference == DEFAULT_DIFFERENCE == 1.5
    assert load_settings({"KAARI_ESY_DIFFERENCE": "2"}).esy_difference == 2.0
    for bad in ("0", "-1", "many"):
        with pytest.raises(SettingsError, match="KAARI_ESY_DIFFERENCE"):
            load_settings({"KAARI_ESY_DIFFERENCE": bad})


async def seed(work: UnitOfWork, exchange: str, ended: bool = False) -> tuple[dict[str, StaffRow], int]:
    """A responsible worker, a pair worker and an unrelated one, and a linked client who answered (b) so."""
    await work.users.save(UserRow("young", "fi", NOW, NOW))
    staff = {}
    for name in ("responsible", "pair", "unrelated"):
        await work.users.save(UserRow(name, "fi", NOW, NOW))
        row = StaffRow(name, "ohjaaja", "Demo", False, True, NOW, name)
        row.id = await work.staff.add(row)
        staff[name] = row
    client_id = await work.clients.add(ClientRow("Kettu", staff["responsible"].id or 0, NOW, "young", NOW,
                                                 NOW if ended else None))
    await work.clients.set_pair(PairRow(client_id, staff["responsible"].id or 0, True))
    await work.clients.set_pair(PairRow(client_id, staff["pair"].id or 0, False))
    for item, answer in (("work", "yes"), ("exchange", exchange), ("storage", "yes")):
        await work.consents.add(ConsentRow(client_id, item, 1, answer, NOW, "tg"))
    return staff, client_id


def as_worker(work: UnitOfWork, staff: StaffRow) -> Conversation:
    return Conversation(key=staff.user_key or "", flow="esy_reading", state="intro", version=1, step=0, data={},
                        work=work, now=NOW, language="fi", who=Who(staff=staff))


@pytest.mark.parametrize(("exchange", "ended", "allowed"), [
    ("yes", False, {"responsible", "pair"}), ("no", False, {"responsible"}),
    ("withdrawn", False, {"responsible"}), ("yes", True, set()),
])
async def test_who_may_give_a_reading_of_a_client(exchange: str, ended: bool, allowed: set[str]) -> None:
    store = MemoryStore()
    async with store.transaction() as work:
        staff, client_id = await seed(work, exchange, ended)
        for name, row in staff.items():
            access = await reading_access(as_worker(work, row), client_id)
            assert (access is not None) is (name in allowed), name
            if access is not None:
                assert access.responsible is (name == "responsible") and access.storage
        assert await reading_access(as_worker(work, staff["responsible"]), str(client_id)) is None  # not an id
        assert await reading_access(as_worker(work, staff["responsible"]), client_id + 1) is None
