"""The installed wheel, as pip and the Docker image install it: compiled catalogs only, and used at start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.i18n import Catalogs
from flows.core.messages import Msg

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.packaging


def run(*command: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None,
        input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``command`` and fail the test, with its output, unless it succeeds."""
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True, timeout=120,
                            check=False, cwd=cwd, env=env, input=input)
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
    for needed in ("flows/chat/chat_services.toml", "flows/esy/esy_default.toml",
                   "storage/migrations/0001_spine.sql", "storage/migrations_pg/0001_spine.sql",
                   # The widget's loader and the frame's script and stylesheet (bot.web.widget serves them).
                   "bot/web/static/widget.js", "bot/web/static/frame.js", "bot/web/static/frame.css",
                   # The live desk's script and stylesheet (bot.web.desk serves them).
                   "bot/web/static/desk/desk.js", "bot/web/static/desk/desk.css",
                   # The sample page of `kaari web` (bot.demo).
                   "bot/web/demo/index.html", "bot/web/demo/demo.css"):
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


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (KEYWORD, arguments), continuation lines joined, comments dropped."""
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = "\n".join(lines).replace("\\\n", " ")
    found = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            found.append((keyword.upper(), " ".join(arguments.split())))
    return found


def test_the_image_is_checked_pinned_and_runs_as_uid_10001() -> None:
    """No Docker daemon here: the Dockerfile is read. (The same wheel with the same constraints is installed
    in a clean virtualenv by the tests above and, with downloads, by hand; see CHANGELOG.)"""
    steps = dockerfile()
    keywords = [keyword for keyword, _ in steps]
    (health,) = [arguments for keyword, arguments in steps if keyword == "HEALTHCHECK"]
    assert health.endswith('CMD ["kaari", "health"]') and "--interval=" in health
    users = [arguments for keyword, arguments in steps if keyword == "USER"]
    assert users and users[-1] == "kaari" and keywords.index("USER") < keywords.index("CMD")
    runs = [arguments for keyword, arguments in steps if keyword == "RUN"]
    assert any("--uid 10001" in run and "useradd" in run for run in runs)
    (install,) = [run for run in runs if "pip install" in run]
    assert "-c constraints.txt" in install
    assert any(keyword == "COPY" and "constraints.txt" in arguments for keyword, arguments in steps)
    env = " ".join(arguments for keyword, arguments in steps if keyword == "ENV")
    assert "KAARI_LISTEN=0.0.0.0" in env and "KAARI_DB_PATH=/data/" in env
    (mplconfig,) = [part.split("=", 1)[1] for part in env.split() if part.startswith("MPLCONFIGDIR=")]
    assert not mplconfig.startswith(("/tmp", "/data")), "the cache must outlive the start and not hide under the volume"
    # The font cache is built at build time, by the user who draws, after the switch to that user.
    warm = [index for index, (keyword, arguments) in enumerate(steps)
            if keyword == "RUN" and "matplotlib" in arguments and "fontlist" in arguments]
    assert warm and warm[0] > keywords.index("USER")
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    assert "constraints.txt" not in ignored and "**/*.mo" in ignored  # the image compiles its own catalogs


def test_ci_installs_the_browser_tests_needs_from_the_distribution_and_registries_only() -> None:
    """Chromium from apt (only when missing), axe-core pinned in package-lock.json and installed with `npm ci`,
    Playwright pinned from PyPI without its browser download: nothing else can be fetched here."""
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert "export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1" in ci and "playwright install" not in ci
    assert "[ ! -x /usr/bin/chromium ]" in ci and "apt-get install -y" in ci and "chromium" in ci
    assert "npm ci" in ci and ci.index("npm ci") < ci.index("python -m pytest")
    lock = json.loads((REPO / "package-lock.json").read_text(encoding="utf-8"))
    wanted = json.loads((REPO / "package.json").read_text(encoding="utf-8"))["devDependencies"]["axe-core"]
    assert lock["packages"]["node_modules/axe-core"]["version"] == wanted
    assert "playwright" in pinned()
