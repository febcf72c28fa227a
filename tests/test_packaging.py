"""The installed wheel, as pip and the Docker image install it: compiled catalogs only, and used at start."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.i18n import Catalogs
from flows.messages import Msg

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.packaging


def run(*command: str | Path, **options: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=120,
                            check=False, **options)  # type: ignore[call-overload]
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from this checkout with the test environment's hatchling (no download)."""
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", out, REPO)
    (built,) = out.glob("kaari-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh virtualenv with the wheel installed (--no-deps); its dependencies are the test environment's,
    seen through a .pth line (a plain path: the editable install's own .pth there is not run, so `bot` can only
    come from the wheel)."""
    venv = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", venv)
    python = venv / "bin" / "python"
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "test_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n", encoding="utf-8")
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "--quiet", wheel)
    yield venv


def pinned() -> dict[str, str]:
    """constraints.txt as name -> version."""
    found = {}
    for line in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            found[name] = version
    return found


def test_constraints_pin_every_distribution_kaari_needs() -> None:
    """A dependency added to pyproject.toml without `python .ci/pin > constraints.txt` would be installed
    unpinned by the image: every distribution kaari[test] needs here must be pinned, by name, exactly."""
    needed = run(sys.executable, REPO / ".ci" / "pin").stdout.splitlines()[1:]
    names = {line.split("==")[0] for line in needed}
    assert names - set(pinned()) == set(), "run `python .ci/pin > constraints.txt`"
    assert "kaari" not in pinned()
    for runtime in ("python-telegram-bot", "matplotlib", "pillow", "python-dateutil", "platformdirs", "tornado"):
        assert runtime in pinned()


def test_ci_runs_exactly_the_readmes_test_command_with_the_constraints() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert ci in readme.splitlines()
    assert "pip install -e '.[test]' -c constraints.txt" in ci and ci.endswith("python -m pytest")


def test_the_wheel_carries_compiled_catalogs_only(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert sorted(name for name in names if "_locales" in name) == [
        f"bot/_locales/{language}/LC_MESSAGES/bot.mo" for language in ("en", "fi", "sv")]
    assert not [name for name in names if name.endswith((".po", ".pot", "build_hook.py"))]
    # The data files the flows and the storage read at run time are there.
    for needed in ("flows/texts/chat_services.toml", "flows/instruments/esy_default.toml",
                   "storage/migrations/0001_spine.sql"):
        assert needed in names


def test_the_installed_kaari_uses_its_compiled_catalogs(installed: Path, tmp_path: Path, catalogs: Catalogs) -> None:
    where = run(installed / "bin" / "python", "-c", "import bot.i18n as i; print(i.locales_dir())", cwd=tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(installed), "bot must come from the wheel, not the checkout"
    env = {name: value for name, value in os.environ.items() if not name.startswith("KAARI_")}
    data = tmp_path / "data"
    result = run(installed / "bin" / "kaari", "chat", "--data", data, input="/quit\n", cwd=tmp_path, env=env)
    assert catalogs.text("fi", Msg("console.hello")) in result.stdout
    log = (data / "kaari.sqlite3.log").read_text(encoding="utf-8")
    assert "i18n.uncompiled" not in log + result.stderr
