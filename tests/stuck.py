"""What a stuck test was waiting for, written out shortly before pytest-timeout fails it.

pytest-timeout's own report shows the threads' stacks, where an asyncio test only shows its event loop waiting.
This adds what the loop's tasks are awaiting and, when the test used the session's PostgreSQL server, what each
database session is doing and which locks it waits for or holds. It goes to the test's captured stderr, shown
with the failure.
"""

from __future__ import annotations

import asyncio
import gc
import io
import sys
import threading
from collections.abc import Callable

import psycopg

ACTIVITY = ("SELECT a.datname, a.pid, a.state, coalesce(a.wait_event_type || ':' || a.wait_event, ''), "
            "left(a.query, 120), coalesce(string_agg(l.locktype || '/' || coalesce(l.objid::text, '') || "
            "CASE WHEN l.granted THEN ' held' ELSE ' WAITED FOR' END, ', '), '') "
            "FROM pg_stat_activity a LEFT JOIN pg_locks l ON l.pid = a.pid AND l.locktype IN "
            "('advisory', 'transactionid', 'tuple', 'relation') AND (NOT l.granted OR l.locktype <> 'relation') "
            "WHERE a.backend_type = 'client backend' AND a.pid <> pg_backend_pid() "
            "GROUP BY a.datname, a.pid, a.state, a.wait_event_type, a.wait_event, a.query ORDER BY a.pid")


def tasks_report() -> str:
    """Every unfinished asyncio task in this process, with the stack it is suspended in."""
    out = io.StringIO()
    for task in [obj for obj in gc.get_objects() if isinstance(obj, asyncio.Task)]:
        if not task.done():
            out.write(f"--- {task.get_name()}\n")
            task.print_stack(limit=12, file=out)
    return out.getvalue()


def database_report(url: str) -> str:
    """Each client session on the server at ``url``: its state, what it waits for, its locks."""
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
            rows = conn.execute(ACTIVITY).fetchall()
    except psycopg.Error as error:
        return f"(the database could not be asked: {error})"
    return "\n".join(f"{db} pid {pid} {state} {wait or '-'} locks [{locks}] query {query!r}"
                     for db, pid, state, wait, query, locks in rows)


class Watch:
    """A timer started with a test's call; if the test is still running after ``seconds``, it reports."""

    def __init__(self, name: str, seconds: float, database: Callable[[], str | None]) -> None:
        self.name, self.database = name, database
        self.timer = threading.Timer(seconds, self.report)
        self.timer.daemon = True

    def __enter__(self) -> Watch:
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.cancel()

    def report(self) -> None:
        url = self.database()
        text = (f"\n===== {self.name} is stuck: its asyncio tasks =====\n{tasks_report()}"
                + (f"===== the PostgreSQL sessions =====\n{database_report(url)}\n" if url else ""))
        sys.stderr.write(text)
        sys.stderr.flush()
