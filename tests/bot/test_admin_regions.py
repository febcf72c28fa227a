"""`kaari admin add-region` and `add-coordinator --region` (#14): the operator creates regions and each region's
first coordinator; a wrong code or an unknown region is one clear line, never a traceback."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.cli import main
from storage.open import open_store
from storage.ports import DEFAULT_REGION, RegionRow, StaffRow
from tests.bot import harness


@pytest.fixture
def db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, backend: str) -> str | Path:
    """The database `kaari admin` works on: an SQLite file (KAARI_DB_PATH), or the test's PostgreSQL database."""
    for name in ("KAARI_TELEGRAM_TOKEN", "KAARI_SECRET", "KAARI_DATA_KEY", "KAARI_ESY_INSTRUMENT",
                 "KAARI_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("KAARI_SECRET", "a-long-test-secret-of-at-least-32-chars")
    path = tmp_path / "kaari.sqlite3"
    monkeypatch.setenv("KAARI_DB_PATH", str(path))
    if backend == "postgresql" and harness.DATABASE_URL:
        monkeypatch.setenv("KAARI_DATABASE_URL", harness.DATABASE_URL)
        return harness.DATABASE_URL
    return path


def stored(where: str | Path) -> tuple[list[RegionRow], list[StaffRow], list[str]]:
    async def read() -> tuple[list[RegionRow], list[StaffRow], list[str]]:
        store = open_store(where)
        try:
            async with store.transaction() as work:
                audit = [f"{row.action} {row.subject} {row.region}" for row in reversed(await work.audit.recent(9))]
                return await work.regions.all(), await work.staff.all(), audit
        finally:
            await store.close()
    return asyncio.run(read())


def test_a_region_is_added_named_again_and_given_its_coordinator(
    db: str | Path, capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["admin", "add-region", "north", "--name-fi", "Pohjoinen", "--name-sv", "Norra",
                 "--name-en", "North"]) == 0
    assert "Region north added" in capsys.readouterr().out
    assert main(["admin", "add-region", "default", "--name-fi", "Etelä", "--name-sv", "Södra",
                 "--name-en", "South"]) == 0
    assert "Region default named again" in capsys.readouterr().out
    assert main(["admin", "add-coordinator", "5", "--name", "Kaisa", "--org", "Oulunkaari", "--region",
                 "north"]) == 0
    assert main(["admin", "add-coordinator", "6", "--name", "Aino", "--org", "Kainuu"]) == 0
    regions, staff, audit = stored(db)
    assert regions == [RegionRow("default", "Etelä", "Södra", "South"), RegionRow("north", "Pohjoinen", "Norra",
                                                                                  "North")]
    assert [(row.name, row.organisation, row.region, row.is_coordinator) for row in staff] == [
        ("Kaisa", "Oulunkaari", "north", True), ("Aino", "Kainuu", DEFAULT_REGION, True)]
    assert audit == ["region.added region:north north", "region.renamed region:default default",
                     "staff.coordinator_added staff:1 north", "staff.coordinator_added staff:2 default"]
    # Added again without --region, Kaisa stays in her region; with one, she moves.
    capsys.readouterr()
    assert main(["admin", "add-coordinator", "5", "--name", "Kaisa", "--org", "Oulunkaari"]) == 0
    assert [row.region for row in stored(db)[1]] == ["north", DEFAULT_REGION]
    assert "moved" not in capsys.readouterr().out
    assert main(["admin", "add-coordinator", "5", "--name", "Kaisa", "--org", "Oulunkaari", "--region",
                 "default"]) == 0
    assert [row.region for row in stored(db)[1]] == [DEFAULT_REGION, DEFAULT_REGION]
    assert "They moved from region north to default: they are off north's chat rota and shifts" in (
        capsys.readouterr().out)
    assert stored(db)[2][-1] == "staff.coordinator_added staff:1 default"
    assert "staff.left_region staff:1 north" in stored(db)[2]


@pytest.mark.parametrize(("command", "line"), [
    (["add-region", "North!", "--name-fi", "P", "--name-sv", "N", "--name-en", "N"],
     "kaari: a region code is 1-32 of a-z, 0-9 and '-' (not first): 'North!'"),
    (["add-region", "north", "--name-fi", "P", "--name-sv", " ", "--name-en", "N"],
     "kaari: a region needs its name in Finnish, Swedish and English (--name-fi, --name-sv, --name-en)"),
    (["add-coordinator", "5", "--name", "Kaisa", "--org", "O", "--region", "south"],
     "kaari: there is no region 'south': add it first with `kaari admin add-region`"),
], ids=["bad code", "a name missing", "unknown region"])
def test_a_wrong_region_is_one_line_and_changes_nothing(
    db: str | Path, capsys: pytest.CaptureFixture[str], command: list[str], line: str,
) -> None:
    assert main(["admin", *command]) == 2
    assert capsys.readouterr().err.splitlines() == [line]
    regions, staff, audit = stored(db)
    assert [row.code for row in regions] == [DEFAULT_REGION] and staff == [] and audit == []


def test_a_region_can_be_added_to_kaari_chats_data_folder_to_try_it_in_the_terminal(
    db: str | Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "chat-data"
    assert main(["admin", "add-region", "north", "--name-fi", "Pohjoinen", "--name-sv", "Norra",
                 "--name-en", "North", "--data", str(folder)]) == 0
    assert "Region north added" in capsys.readouterr().out
    assert [row.code for row in stored(folder / "kaari.sqlite3")[0]] == [DEFAULT_REGION, "north"]
    if isinstance(db, Path):  # KAARI_DB_PATH, the bot's database, untouched
        assert not db.exists()
    else:
        assert [row.code for row in stored(db)[0]] == [DEFAULT_REGION], "the bot's database, untouched"


def test_adding_a_region_warns_of_the_other_missing_ones_not_of_itself(
    db: str | Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("KAARI_CHAT_SERVICES", str(Path(__file__).parents[1] / "data" / "chat_services_regions.toml"))
    assert main(["admin", "add-region", "north", "--name-fi", "Pohjoinen", "--name-sv", "Norra",
                 "--name-en", "North"]) == 0
    missing = [record.getMessage() for record in caplog.records if "is not added" in record.getMessage()]
    assert missing == ["chat.services region=south is not added: add it with `kaari admin add-region south`"]


def test_list_regions_shows_each_regions_people_and_services_and_which_lacks_a_coordinator(
    db: str | Path, capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["admin", "add-region", "north", "--name-fi", "Pohjoinen", "--name-sv", "Norra",
                 "--name-en", "North"]) == 0
    assert main(["admin", "add-coordinator", "5", "--name", "Kaisa", "--org", "Oulunkaari", "--also-worker"]) == 0
    capsys.readouterr()
    assert main(["admin", "list-regions"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "default: (no names); coordinators 1, workers 1, clients 0; chat services: social-work",
        "north: Pohjoinen / Norra / North; coordinators 0, workers 0, clients 0; chat services: none",
        "  no coordinator yet: `kaari admin add-coordinator … --region north`",
    ]
