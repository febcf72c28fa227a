"""The regions' contract (#14): the memory fake and SQLite keep regions and the region of every row alike.

Beside tests/storage/test_contract.py (whose helpers it uses), in its own module so the regions' rules read
together: the default region every deployment has, the operator's regions, the region written on staff,
clients, groups, effect records and audit rows, and migration 0022 putting an older deployment's rows into
the default region.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from contextlib import closing
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import cast

import pytest

from storage.codec import dump_time
from storage.ports import (
    DEFAULT_REGION,
    AuditRow,
    ClientRow,
    Conflict,
    EffectRecordRow,
    GroupRow,
    InvitationRow,
    PairRow,
    RegionRow,
    StaffRow,
    Store,
    UnknownRow,
)
from storage.sqlite import SqliteStore, migration_files, split_statements
from tests.storage.test_contract import T0, client_row, effect_record, group_row, staff_row

NORTH = RegionRow("north", "Pohjoinen", "Norra", "North")
SOUTH = RegionRow("south", "Etelä", "Södra", "South")


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest) -> Store:
    return cast(Store, request.getfixturevalue(f"{request.param}_store"))


def test_every_row_that_belongs_to_a_region_defaults_to_the_default_one() -> None:
    """An area's ports cannot import storage.ports.regions, so each row names the default region itself."""
    for row_type in (StaffRow, ClientRow, GroupRow, EffectRecordRow, AuditRow):
        [field] = [field for field in dataclasses.fields(row_type) if field.name == "region"]
        assert field.default == DEFAULT_REGION, row_type


async def test_a_new_store_has_the_default_region_only(store: Store) -> None:
    async with store.transaction() as work:
        assert await work.regions.all() == [RegionRow(DEFAULT_REGION, "", "", "")]
        assert await work.regions.get(DEFAULT_REGION) == RegionRow(DEFAULT_REGION, "", "", "")
        assert await work.regions.get("north") is None


async def test_regions_are_added_named_again_and_listed_by_code(store: Store) -> None:
    async with store.transaction() as work:
        await work.regions.add(SOUTH)
        await work.regions.add(NORTH)
    async with store.transaction() as work:
        assert [row.code for row in await work.regions.all()] == ["default", "north", "south"]
        assert await work.regions.get("north") == NORTH
        await work.regions.save(replace(NORTH, name_fi="Pohjois-Suomi ✨"))
    async with store.transaction() as work:
        assert await work.regions.get("north") == replace(NORTH, name_fi="Pohjois-Suomi ✨")


async def test_a_region_code_is_taken_once_and_only_a_known_region_is_named_again(store: Store) -> None:
    async with store.transaction() as work:
        await work.regions.add(NORTH)
    with pytest.raises(Conflict):
        async with store.transaction() as work:
            await work.regions.add(replace(NORTH, name_fi="Toinen"))
    with pytest.raises(UnknownRow):
        async with store.transaction() as work:
            await work.regions.save(SOUTH)
    async with store.transaction() as work:
        assert await work.regions.all() == [RegionRow(DEFAULT_REGION, "", "", ""), NORTH]


async def test_staff_clients_groups_records_and_audit_rows_keep_their_region(store: Store) -> None:
    async with store.transaction() as work:
        await work.regions.add(NORTH)
        staff_id = await work.staff.add(replace(staff_row(), region="north"))
        other_id = await work.staff.add(staff_row("Kaisa"))
        client_id = await work.clients.add(replace(client_row(created_by=staff_id), region="north"))
        await work.clients.set_pair(PairRow(client_id, staff_id, responsible=True))
        group_id = await work.groups.add(replace(group_row(created_by=staff_id), region="north"))
        await work.effect_records.add(replace(effect_record("r1"), region="north"))
        await work.effect_records.add(effect_record("r2"))
        audit_id = await work.audit.add(AuditRow(T0, f"staff:{staff_id}", "client.created", "c", region="north"))
    async with store.transaction() as work:
        assert (await work.staff.get(staff_id) or staff_row()).region == "north"
        assert (await work.staff.get(other_id) or staff_row()).region == DEFAULT_REGION
        assert (await work.clients.get(client_id) or client_row()).region == "north"
        assert [row.region for row in await work.clients.for_staff(staff_id)] == ["north"]
        assert (await work.groups.get(group_id) or group_row()).region == "north"
        assert {row.id: row.region for row in await work.effect_records.within("2026-01", "2026-12")} == {
            "r1": "north", "r2": DEFAULT_REGION}
        assert [(row.id, row.region) for row in await work.audit.recent(5)] == [(audit_id, "north")]
        assert [row.region for row in await work.audit.about("c")] == ["north"]


async def test_staff_and_clients_move_region_when_saved(store: Store) -> None:
    """The operator moves a person: save writes the region as it writes every other field."""
    async with store.transaction() as work:
        await work.regions.add(NORTH)
        staff_id = await work.staff.add(staff_row())
        client_id = await work.clients.add(client_row(created_by=staff_id))
    async with store.transaction() as work:
        staff = await work.staff.get(staff_id)
        client = await work.clients.get(client_id)
        assert staff is not None and client is not None
        await work.staff.save(replace(staff, region="north"))
        await work.clients.save(replace(client, region="north"))
    async with store.transaction() as work:
        assert (await work.staff.get(staff_id) or staff_row()).region == "north"
        assert (await work.clients.get(client_id) or client_row()).region == "north"


async def test_staff_of_a_region_are_listed_by_id(store: Store) -> None:
    async with store.transaction() as work:
        await work.regions.add(NORTH)
        first = await work.staff.add(replace(staff_row("Aino"), region="north"))
        await work.staff.add(staff_row("Kaisa"))
        third = await work.staff.add(replace(staff_row("Eero"), region="north"))
    async with store.transaction() as work:
        assert [row.id for row in await work.staff.in_region("north")] == [first, third]
        assert [row.name for row in await work.staff.in_region(DEFAULT_REGION)] == ["Kaisa"]
        assert await work.staff.in_region("south") == []


async def test_sqlite_migration_0022_puts_every_older_row_into_the_default_region(tmp_path: Path) -> None:
    """A deployment from before regions keeps working with no action: its rows are the default region's."""
    path = tmp_path / "before-regions.sqlite3"
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("CREATE TABLE schema_migrations (number INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        for number, name, sql in migration_files():
            if number < 22:
                for statement in split_statements(sql):
                    db.execute(statement)
                db.execute("INSERT INTO schema_migrations (number, name) VALUES (?, ?)", (number, name))
        at = dump_time(T0)
        db.execute("INSERT INTO staff (name, title, organisation, is_coordinator, is_worker, created_at) "
                   "VALUES ('Aino', '', 'Org A', 1, 1, ?)", (at,))
        db.execute("INSERT INTO clients (nickname, created_by, created_at) VALUES ('Kettu', 1, ?)", (at,))
        db.execute("INSERT INTO groups (name, starts_on, ends_on, created_by, created_at, code_hash, code_salt) "
                   "VALUES ('Tiistai', '2026-12-01', '2027-03-31', 1, ?, 'g1', 's1')", (at,))
        db.execute("INSERT INTO effect_records (id, instrument_id, first_month, latest_month, first_scores, "
                   "latest_scores, services, groups) VALUES ('r1', 'esy', '2026-01', '2026-05', '{}', '{}', '{}', "
                   "'[]')")
        db.execute("INSERT INTO audit_log (at, actor, action, subject) VALUES (?, 'admin', 'staff.created', "
                   "'staff:1')", (at,))
        for number in (1, 2):  # the rebuilt invitations keep their rows and go on from the last id
            db.execute("INSERT INTO invitations (code_hash, kind, created_by, created_at, expires_at, client_id) "
                       "VALUES (?, 'client', 1, ?, ?, 1)", (f"h{number}", at, at))
    store = SqliteStore(path)
    try:
        await store.migrate()
        async with store.transaction() as work:
            assert await work.regions.all() == [RegionRow(DEFAULT_REGION, "", "", "")]
            assert [row.region for row in await work.staff.all()] == [DEFAULT_REGION]
            assert [row.region for row in await work.staff.in_region(DEFAULT_REGION)] == [DEFAULT_REGION]
            assert (await work.clients.get(1) or client_row()).region == DEFAULT_REGION
            assert (await work.groups.get(1) or group_row()).region == DEFAULT_REGION
            assert [row.region for row in await work.effect_records.within("2026-01", "2026-12")] == [DEFAULT_REGION]
            assert [row.region for row in await work.audit.recent(5)] == [DEFAULT_REGION]
            assert [(row.id, row.code_hash) for row in await work.invitations.for_client(1)] == [(1, "h1"), (2, "h2")]
            new = await work.invitations.add(InvitationRow("h3", "pair", 1, T0, T0, client_id=1))
            assert new == 3
    finally:
        await store.close()


async def test_a_regions_audit_log_and_effect_records_are_read_apart(store: Store) -> None:
    async with store.transaction() as work:
        await work.regions.add(NORTH)
        for minute, region in enumerate(("north", DEFAULT_REGION, "north", "north")):
            await work.audit.add(AuditRow(T0 + timedelta(minutes=minute), "admin", "staff.created", f"s{minute}",
                                          region=region))
        await work.effect_records.add(replace(effect_record("r2"), region="north"))
        await work.effect_records.add(effect_record("r1"))
        await work.effect_records.add(replace(effect_record("r3", latest="2027-02"), region="north"))
        await work.effect_records.add(replace(effect_record("r0"), region="north"))
    async with store.transaction() as work:
        assert [row.subject for row in await work.audit.recent_of("north", 2)] == ["s3", "s2"]
        assert [row.subject for row in await work.audit.recent_of("north", 9)] == ["s3", "s2", "s0"]
        assert [row.subject for row in await work.audit.recent_of(DEFAULT_REGION, 9)] == ["s1"]
        assert await work.audit.recent_of("south", 9) == []
        with pytest.raises(ValueError):
            await work.audit.recent_of("north", -1)
        assert [row.id for row in await work.effect_records.of_region("north", "2026-01", "2026-12")] == ["r0", "r2"]
        assert [row.id for row in await work.effect_records.of_region(DEFAULT_REGION, "2026-01", "2027-12")] == ["r1"]


async def test_clients_of_a_region_are_listed_by_nickname(store: Store) -> None:
    async with store.transaction() as work:
        await work.regions.add(NORTH)
        staff_id = await work.staff.add(staff_row())
        first = await work.clients.add(replace(client_row("Susi", created_by=staff_id), region="north"))
        await work.clients.add(client_row("Ilves", created_by=staff_id))
        second = await work.clients.add(replace(client_row("Karhu", created_by=staff_id), region="north"))
    async with store.transaction() as work:
        assert [row.id for row in await work.clients.in_region("north")] == [second, first]
        assert [row.nickname for row in await work.clients.in_region(DEFAULT_REGION)] == ["Ilves"]


async def test_a_pair_invitation_names_its_client(store: Store) -> None:
    """Kind "pair" (#14): a worker of another region opens it to become the client's pair worker."""
    async with store.transaction() as work:
        staff_id = await work.staff.add(staff_row())
        client_id = await work.clients.add(client_row(created_by=staff_id))
        row = InvitationRow("p1", "pair", staff_id, T0, T0 + timedelta(days=7), client_id=client_id)
        invitation_id = await work.invitations.add(row)
    async with store.transaction() as work:
        assert await work.invitations.get(invitation_id) == replace(row, id=invitation_id)
        assert [row.kind for row in await work.invitations.for_client(client_id)] == ["pair"]
    with pytest.raises(ValueError):
        async with store.transaction() as work:
            await work.invitations.add(replace(row, code_hash="p2", kind="someone"))
