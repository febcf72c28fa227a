"""Stopping a background task for good: the ticker, the poller, a live desk's loop.

One ``cancel()`` is not always enough on Python 3.11 (the Docker image's): ``asyncio.wait_for`` there swallows a
cancellation that arrives just as what it awaits completes (CPython gh-86296, fixed in 3.12). Kaari's own code
uses ``asyncio.timeout`` instead, but the libraries it awaits may not: psycopg_pool waits for a free connection
with ``wait_for``. A task whose cancellation was swallowed runs on, and awaiting it after one cancel waited
forever (a stop of ``kaari run`` that never ended, seen as a hung test). So the stopper cancels again, each
``again_after`` seconds, until the task has ended.
"""

from __future__ import annotations

import asyncio
from typing import Any

AGAIN_AFTER = 0.5  # seconds: a task that took its cancellation has ended long before


async def stop_task(task: asyncio.Task[Any] | None, again_after: float = AGAIN_AFTER) -> None:
    """Cancel ``task`` and wait until it has ended, cancelling it again while it runs on. What it raised is
    retrieved and dropped (a stopped task's end is not news). Cancelled itself, the stopper still cancels the
    task before it goes."""
    if task is None:
        return
    try:
        while not task.done():
            task.cancel()
            await asyncio.wait({task}, timeout=again_after)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if not task.cancelled():
        task.exception()  # retrieved: no "exception was never retrieved" at exit
