"""The `kaari` command's answers when something is missing or wrong: a clear line, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.cli import main
from flows.esy.instrument import load_instrument
from tests.bot import harness

# The command's own answers about its SQLite file and settings (the PostgreSQL ones name their server themselves);
# kaari_process runs other modules' commands (rotate-key) on the test's backend.
pytestmark = pytest.mark.sqlite_only("the kaari command's own checks of its SQLite file and its settings")

STRONG_SECRET = "a-long-test-secret-of-at-least-32-chars"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("KAARI_TELEGRAM_TOKEN", "KAARI_TELEGRAM_API_URL", "KAARI_MODE", "KAARI_SECRET",
                 "KAARI_ESY_INSTRUMENT", "KAARI_DB_PATH", "KAARI_WEBHOOK_URL", "KAARI_WEBHOOK_SECRET",
                 "KAARI_DATA_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # `kaari chat`'s default data directory


def test_run_without_a_token_says_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run"]) == 2
    assert "KAARI_TELEGRAM_TOKEN is not set" in capsys.readouterr().err


def test_run_with_an_unreachable_api_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KAARI_TELEGRAM_TOKEN", "1:x")
    monkeypatch.setenv("KAARI_SECRET", STRONG_SECRET)
    monkeypatch.setenv("KAARI_DATA_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("KAARI_TELEGRAM_API_URL", "http://127.0.0.1:9/bot")
    assert main(["run"]) == 1
    err = capsys.readouterr().err
    assert "cannot reach the Telegram Bot API at http://127.0.0.1:9/bot" in err
    assert "Traceback" not in err


def test_run_needs_a_secret_kept_apart_from_the_database(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KAARI_TELEGRAM_TOKEN", "1:x")
    assert main(["run"]) == 2
    assert "KAARI_SECRET is not set" in capsys.readouterr().err


def test_a_webhook_without_its_secret_token_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KAARI_TELEGRAM_TOKEN", "1:x")
    monkeypatch.setenv("KAARI_SECRET", STRONG_SECRET)
    monkeypatch.setenv("KAARI_DATA_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("KAARI_MODE", "webhook")
    monkeypatch.setenv("KAARI_WEBHOOK_URL", "https://kaari.example/telegram")
    assert main(["run"]) == 2
    assert "KAARI_WEBHOOK_SECRET" in capsys.readouterr().err


def test_run_needs_a_data_key(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KAARI_TELEGRAM_TOKEN", "1:x")
    monkeypatch.setenv("KAARI_SECRET", STRONG_SECRET)
    assert main(["run"]) == 2
    assert "KAARI_DATA_KEY is not set" in capsys.readouterr().err


def test_bad_settings_are_named(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KAARI_MODE", "carrier-pigeon")
    assert main(["chat"]) == 2
    assert "KAARI_MODE" in capsys.readouterr().err


def test_check_instrument(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "mine.toml"
    broken.write_text('id = "x"\nversion = 1\n', encoding="utf-8")
    assert main(["check-instrument", str(broken)]) == 2
    assert f"{broken}: top level: missing 'scale'" in capsys.readouterr().err
    shipped = Path(__file__).resolve().parents[2] / "flows" / "esy" / "esy_default.toml"
    assert main(["check-instrument", str(shipped)]) == 0
    instrument = load_instrument(shipped)
    out = capsys.readouterr().out
    assert f"{len(instrument.areas)} areas" in out
    # The shipped prompts are drafts in every area, and the check says so.
    assert f"{3 * len(instrument.areas)} prompts in {len(instrument.areas)} areas, " \
        f"{len(instrument.areas)} of them marked as drafts" in out


def test_a_broken_instrument_setting_stops_chat_with_its_name(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KAARI_ESY_INSTRUMENT", str(tmp_path / "missing.toml"))
    assert main(["chat"]) == 2
    assert "missing.toml: cannot be read" in capsys.readouterr().err


def kaari_process(args: list[str], db: str, tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAARI_")}
    if args[0] == "chat":  # `kaari chat` keeps its database in its data directory, not at KAARI_DB_PATH
        args = [*args, "--data", str(Path(db).parent)]
    if harness.DATABASE_URL and args[0] != "chat":  # a [postgresql] run: the process uses the test's database
        env["KAARI_DATABASE_URL"] = harness.DATABASE_URL
    env.update({"KAARI_DB_PATH": db, "KAARI_TELEGRAM_TOKEN": "1:x", "KAARI_SECRET": STRONG_SECRET,
                "KAARI_DATA_KEY": Fernet.generate_key().decode(),
                "KAARI_TELEGRAM_API_URL": "http://127.0.0.1:9/bot", **extra})
    kaari = Path(sys.executable).with_name("kaari")
    # The timeout is the point: before, a failed start left aiosqlite's thread running and the process hung.
    return subprocess.run([str(kaari), *args], input="", capture_output=True, text=True, cwd=tmp_path, env=env,
                          timeout=60, check=False)


COMMANDS = [["run"], ["chat"], ["admin", "add-coordinator", "5", "--name", "Aino", "--org", "Oulunkaari"]]


@pytest.mark.parametrize("command", COMMANDS, ids=["run", "chat", "admin"])
def test_a_corrupt_database_stops_with_one_line(tmp_path: Path, command: list[str]) -> None:
    db = tmp_path / "kaari.sqlite3"
    db.write_bytes(b"this is not a database, just garbage bytes " * 200)
    result = kaari_process(command, str(db), tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"kaari: cannot use the database {db}: file is not a database"]


@pytest.mark.parametrize("command", COMMANDS, ids=["run", "chat", "admin"])
def test_a_database_in_a_read_only_place_stops_with_one_line(tmp_path: Path, command: list[str]) -> None:
    # Tests run as root, which writes through chmod; /proc refuses new files even to root.
    db = "/proc/kaari.sqlite3"
    result = kaari_process(command, db, tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"kaari: cannot use the database {db}: unable to open database file"]


@pytest.mark.parametrize("command", [["run"], ["admin", "add-coordinator", "5", "--name", "A", "--org", "O"],
                                     ["health"]], ids=["run", "admin", "health"])
def test_an_unreachable_postgresql_server_stops_with_one_line_without_the_password(
        tmp_path: Path, command: list[str]) -> None:
    # A socket folder where no server listens: refused at once, as a stopped server's port is.
    url = f"postgresql://kaari:s3cret@/kaari?host={tmp_path}"
    result = kaari_process(command, str(tmp_path / "unused.sqlite3"), tmp_path, KAARI_DATABASE_URL=url)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(("kaari: cannot use the database postgresql://kaari:***@/kaari",
                            "kaari: unhealthy: cannot use the database postgresql://kaari:***@/kaari")), line
    assert "s3cret" not in result.stderr + result.stdout
    assert not (tmp_path / "unused.sqlite3").exists(), "KAARI_DATABASE_URL wins over KAARI_DB_PATH"


@pytest.mark.parametrize("url", ["mysql://kaari:s3cret@db/kaari", "kaari.sqlite3"])
def test_a_database_url_that_is_not_postgresql_is_refused_by_its_scheme(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str,
) -> None:
    monkeypatch.setenv("KAARI_DATABASE_URL", url)
    assert main(["chat"]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("kaari: KAARI_DATABASE_URL must be postgresql://user:password@host/database")
    assert "s3cret" not in line


@pytest.mark.parametrize("secret", ["short-secret", "a long secret with spaces in it, 40+ chars"])
@pytest.mark.parametrize("command", [["run"], ["admin", "add-coordinator", "5", "--name", "A", "--org", "O"]],
                         ids=["run", "admin"])
def test_a_weak_secret_is_refused_without_showing_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: list[str], secret: str,
) -> None:
    monkeypatch.setenv("KAARI_TELEGRAM_TOKEN", "1:x")
    monkeypatch.setenv("KAARI_SECRET", secret)
    monkeypatch.setenv("KAARI_DATA_KEY", Fernet.generate_key().decode())
    assert main(command) == 2
    err = capsys.readouterr().err
    assert err.startswith("kaari: KAARI_SECRET is too weak") and err.count("\n") == 1
    assert secret not in err


def test_chat_in_a_read_only_place_without_keys_says_so(tmp_path: Path) -> None:
    result = kaari_process(["chat"], "/proc/kaari.sqlite3", tmp_path, KAARI_SECRET="", KAARI_DATA_KEY="")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "kaari: cannot keep a local key beside the database: /proc/kaari.sqlite3.secret: No such file or directory"]


def test_a_console_coordinator_is_added_where_kaari_chat_keeps_its_data(tmp_path: Path) -> None:
    """`kaari admin add-coordinator --console-user` and `kaari chat` share the data directory, whatever
    KAARI_DB_PATH (`kaari run`'s database) says; nothing lands in the working directory."""
    assert main(["admin", "add-coordinator", "--console-user", "kaisa", "--name", "Kaisa", "--org", "Demo"]) == 0
    data = tmp_path / "xdg" / "kaari"
    assert (data / "kaari.sqlite3").exists() and (data / "kaari.sqlite3.secret").exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["xdg"]
    elsewhere = tmp_path / "elsewhere"
    assert main(["admin", "add-coordinator", "--console-user", "kaisa", "--name", "Kaisa", "--org", "Demo",
                 "--data", str(elsewhere)]) == 0
    assert (elsewhere / "kaari.sqlite3").exists()
