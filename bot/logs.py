"""Log hygiene: library log lines lose their payloads (updates, text, names, ids), and repeats are rate-limited.

python-telegram-bot logs a whole update (names, ids, what was written) when it cannot parse one, about
1 MB a second in a tight loop; httpx logs request URLs, which hold the bot token. Kaari's own lines carry
only ids and event names, so only these libraries are scrubbed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable

SCRUBBED = ("telegram", "httpx", "httpcore", "uvicorn", "websockets")  # uvicorn logs a socket's client address
class _Redacted:
    """Stands in for a value in %s, %r and %d alike."""

    def __str__(self) -> str:
        return "<redacted>"

    __repr__ = __str__

    def __int__(self) -> int:
        return 0


REDACTED = _Redacted()
# One line per (logger, message template) per window; the next one says how many were left out.
REPEAT_WINDOW = 60.0


def _scrubbed(name: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in SCRUBBED)


class ScrubFilter(logging.Filter):
    """Removes arguments and exception text from library records; lets one of a kind through per window."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, window: float = REPEAT_WINDOW) -> None:
        super().__init__()
        self._clock, self._window = clock, window
        self._last: dict[tuple[str, str], float] = {}
        self._held: dict[tuple[str, str], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not _scrubbed(record.name):
            return True
        kind = (record.name, str(record.msg))
        now = self._clock()
        if now - self._last.get(kind, -self._window) < self._window:
            self._held[kind] = self._held.get(kind, 0) + 1
            return False
        self._last[kind] = now
        _scrub(record)
        if held := self._held.pop(kind, 0):
            record.msg = f"{record.msg} ({held} similar lines left out)"
        return True


def _scrub(record: logging.LogRecord) -> None:
    """Keeps the message template and the exception's type; every value that came with it is gone."""
    message = str(record.msg)
    if record.args:
        count = len(record.args) if isinstance(record.args, tuple) else 1
        try:
            message = message % ((REDACTED,) * count)
        except (TypeError, ValueError, KeyError):
            message = f"{message} {REDACTED}"  # %(name)s or %f templates: the values go all the same
    if record.exc_info and record.exc_info[1] is not None:
        message = f"{message} [{type(record.exc_info[1]).__name__}]"
    record.msg, record.args = message, None
    record.exc_info, record.exc_text, record.stack_info = None, None, None


def install(handlers: Iterable[logging.Handler]) -> ScrubFilter:
    """Put one scrubbing filter on ``handlers``, where every record passes whichever logger wrote it."""
    scrub = ScrubFilter()
    for handler in handlers:
        handler.addFilter(scrub)
    return scrub
