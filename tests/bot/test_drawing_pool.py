"""The drawing workers leave Ctrl-C to the parent (the terminal signals the whole process group)."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

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
