"""The drawing workers leave Ctrl-C to the parent (the terminal signals the whole process group), and end
themselves when the parent is killed without a shutdown."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.bootstrap import bootstrap
from bot.drawing import ProcessDrawer
from bot.effect_chart import ChartRow, EffectChart
from tests.bot.harness import bot_settings


def _interrupts_ignored() -> bool:
    return signal.getsignal(signal.SIGINT) is signal.SIG_IGN


def _pid() -> int:
    return os.getpid()


async def test_a_drawing_worker_ignores_ctrl_c_and_keeps_drawing(drawer: ProcessDrawer) -> None:
    loop = asyncio.get_running_loop()
    pool = drawer._pool  # the pool itself: the test asks its worker about its own signal handling
    assert await loop.run_in_executor(pool, _interrupts_ignored)
    worker = await loop.run_in_executor(pool, _pid)
    os.kill(worker, signal.SIGINT)  # what Ctrl-C in `kaari web`'s terminal sends the worker too
    await asyncio.sleep(0.2)
    assert await loop.run_in_executor(pool, _pid) == worker, "the same worker, alive, not replaced"


async def test_kaari_admin_starts_no_drawing_worker_but_one_starts_if_it_draws_after_all(tmp_path: Path) -> None:
    """A worker's start (matplotlib imported) was most of a `kaari admin` command's run time."""
    services = await bootstrap(bot_settings(tmp_path / "k.sqlite3"), draws=False)
    try:
        drawer = services.drawer
        assert isinstance(drawer, ProcessDrawer) and drawer._started is None
        chart = EffectChart(title="", axis="", rows=(ChartRow("A", "", 3.0, True),), footer=(), decimal=",")
        assert (await drawer.chart(chart))[:4] == b"\x89PNG"
        assert drawer._started is not None
    finally:
        await services.close()


ORPHAN_SCRIPT = """
import asyncio, sys
from bot.drawing import ProcessDrawer

async def main():
    drawer = ProcessDrawer()
    loop = asyncio.get_running_loop()
    print(await loop.run_in_executor(drawer._pool, __import__("os").getpid), flush=True)
    await asyncio.sleep(600)

if __name__ == "__main__":  # the workers are spawned: they import this file again
    asyncio.run(main())
"""


@pytest.mark.sqlite_only("no store: a process and its drawing worker")
def test_a_drawing_worker_ends_itself_when_kaari_is_killed(tmp_path: Path) -> None:
    """SIGKILL (the OOM killer, a supervisor's last resort) gives Kaari no shutdown: its worker, left behind with
    matplotlib loaded, used to live on after every such restart."""
    script = tmp_path / "parent.py"
    script.write_text(ORPHAN_SCRIPT, encoding="utf-8")
    # Its stderr to a file: the killed parent's resource tracker warns of the pool's semaphores there.
    with (tmp_path / "stderr").open("w") as stderr, subprocess.Popen(
            [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=stderr, text=True,
            cwd=Path(__file__).resolve().parents[2]) as parent:
        try:
            assert parent.stdout is not None
            line = parent.stdout.readline()
            assert line.strip().isdigit(), (tmp_path / "stderr").read_text()
            worker = int(line)
            os.kill(worker, 0)  # alive while Kaari is
        finally:
            parent.kill()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            return
        if _zombie(worker):
            return  # exited; only its reaping is left to whoever adopted it
        time.sleep(0.1)
    os.kill(worker, signal.SIGKILL)
    raise AssertionError("the drawing worker outlived its killed parent by 15 s")


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (FileNotFoundError, IndexError):
        return False
