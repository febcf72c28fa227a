"""The `kaari` command's answers when something is missing or wrong: a clear line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.cli import main


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("KAARI_TELEGRAM_TOKEN", "KAARI_TELEGRAM_API_URL", "KAARI_MODE", "KAARI_SECRET",
                 "KAARI_ESY_INSTRUMENT", "KAARI_DB_PATH", "KAARI_WEBHOOK_URL", "KAARI_WEBHOOK_SECRET",
                 "KAARI_DATA_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_run_without_a_token_says_what_to_do(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run"]) == 2
    assert "KAARI_TELEGRAM_TOKEN is not set" in capsys.readouterr().err


def test_run_with_an_unreachable_api_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KAARI_TELEGRAM_TOKEN", "1:x")
    monkeypatch.setenv("KAARI_SECRET", "a-long-test-secret")
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
    monkeypatch.setenv("KAARI_SECRET", "a-long-test-secret")
    monkeypatch.setenv("KAARI_DATA_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("KAARI_MODE", "webhook")
    monkeypatch.setenv("KAARI_WEBHOOK_URL", "https://kaari.example/telegram")
    assert main(["run"]) == 2
    assert "KAARI_WEBHOOK_SECRET" in capsys.readouterr().err


def test_run_needs_a_data_key(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KAARI_TELEGRAM_TOKEN", "1:x")
    monkeypatch.setenv("KAARI_SECRET", "a-long-test-secret")
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
    shipped = Path(__file__).resolve().parents[2] / "flows" / "instruments" / "esy_default.toml"
    assert main(["check-instrument", str(shipped)]) == 0
    assert "10 areas" in capsys.readouterr().out


def test_a_broken_instrument_setting_stops_chat_with_its_name(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("KAARI_ESY_INSTRUMENT", str(tmp_path / "missing.toml"))
    assert main(["chat"]) == 2
    assert "missing.toml: cannot be read" in capsys.readouterr().err
