"""Pictures are drawn in worker processes: matplotlib holds the GIL, so a thread would stall every user."""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Protocol

from bot.circle import CirclePicture, draw_circle


class Drawer(Protocol):
    async def draw(self, picture: CirclePicture) -> bytes: ...
    async def close(self) -> None: ...


def _warm_up() -> None:
    """Import matplotlib in the worker before the first real picture is asked for."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.figure


class ProcessDrawer:
    """A small process pool; 'spawn' so no event-loop or lock state is copied into the workers."""

    def __init__(self, workers: int = 1) -> None:
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
        self._pool.submit(_warm_up)

    async def draw(self, picture: CirclePicture) -> bytes:
        return await asyncio.get_running_loop().run_in_executor(self._pool, draw_circle, picture)

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.shutdown)

    def shutdown(self) -> None:
        """Stop the workers, waiting for a picture in progress."""
        self._pool.shutdown(wait=True)
