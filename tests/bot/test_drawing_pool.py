"""The drawing workers leave Ctrl-C to the parent (the terminal signals the whole process group)."""

from __future__ import annotations

import asyncio
import os
import signal

from bot.drawing import ProcessDrawer


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
