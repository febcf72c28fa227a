"""Pictures are drawn in worker processes: matplotlib holds the GIL, so a thread would stall every user."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Protocol, TypeVar

from bot.circle import CirclePicture, draw_circle
from bot.effect_chart import EffectChart, draw_effect_chart
from bot.pdf import PdfLayout, build_pdf
from bot.progress_chart import ProgressPicture, draw_progress

T = TypeVar("T")

log = logging.getLogger(__name__)


class Drawer(Protocol):
    async def draw(self, picture: CirclePicture) -> bytes: ...
    async def progress(self, picture: ProgressPicture) -> bytes: ...
    async def pdf(self, layout: PdfLayout) -> bytes: ...
    async def chart(self, chart: EffectChart) -> bytes: ...
    async def close(self) -> None: ...


def _warm_up() -> None:
    """Import matplotlib in the worker before the first real picture is asked for."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.figure


PARENT_CHECK = 1.0  # seconds between a worker's looks at whether Kaari is still there


def _start_worker() -> None:
    """A worker leaves Ctrl-C to the parent: the terminal sends SIGINT to the whole process group, and a worker
    that took it died printing a KeyboardInterrupt traceback into `kaari web`'s or `kaari chat`'s terminal while
    the parent stopped cleanly (the parent's shutdown ends the workers). And it ends itself when the parent is
    gone without a shutdown (SIGKILL, the OOM killer): it waits on a queue whose writing end it holds too, so it
    would never see the end of it and stay behind, with matplotlib loaded, after every such restart."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_end_with_parent, args=(os.getppid(),), name="kaari-parent-watch", daemon=True).start()


def _end_with_parent(parent: int) -> None:
    """Exit this worker once ``parent`` is no longer its parent (the orphan was handed to init or a subreaper)."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK)
    os._exit(0)


class ProcessDrawer:
    """A small process pool; 'spawn' so no event-loop or lock state is copied into the workers."""

    def __init__(self, workers: int = 1, timeout: float = 60.0, warm: bool = True) -> None:
        """``warm``: start the workers now, matplotlib imported before the first picture is asked for; else at
        the first picture (`kaari admin` draws nothing, and a worker's start is most of its run time)."""
        self._workers = workers
        self._timeout = timeout
        self._started: ProcessPoolExecutor | None = self._new_pool() if warm else None

    @property
    def _pool(self) -> ProcessPoolExecutor:
        if self._started is None:
            self._started = self._new_pool()
        return self._started

    def _new_pool(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(max_workers=self._workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start_worker)
        pool.submit(_warm_up)
        return pool

    async def draw(self, picture: CirclePicture) -> bytes:
        """Draw a circle in a worker."""
        return await self._run(draw_circle, picture)

    async def progress(self, picture: ProgressPicture) -> bytes:
        """Draw a progress picture in a worker."""
        return await self._run(draw_progress, picture)

    async def pdf(self, layout: PdfLayout) -> bytes:
        """Lay out a PDF (and draw its circles) in a worker: reportlab and matplotlib hold the GIL too."""
        return await self._run(build_pdf, layout)

    async def chart(self, chart: EffectChart) -> bytes:
        """Draw the effect report's chart in a worker."""
        return await self._run(draw_effect_chart, chart)

    async def _run(self, work: Callable[[T], bytes], item: T) -> bytes:
        """Run in a worker; a worker that died (killed for memory, say) is replaced and tried once more."""
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self._timeout):  # not wait_for: see bot/ticker.py run_ticker
                return await loop.run_in_executor(self._pool, work, item)
        except BrokenProcessPool:
            log.warning("drawing.pool_broken; starting a new one")
            broken, self._started = self._pool, self._new_pool()
            broken.shutdown(wait=False)
            async with asyncio.timeout(self._timeout):
                return await loop.run_in_executor(self._pool, work, item)

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.shutdown)

    def shutdown(self) -> None:
        """Stop the workers, waiting for a picture in progress."""
        if self._started is not None:
            self._started.shutdown(wait=True)
