"""Free TCP ports for the tests that open a real server (``kaari run``, ``kaari web``, the browser tests).

The suite runs in several pytest-xdist workers at once. A port from ``bind(("127.0.0.1", 0))`` comes from the
kernel's ephemeral range, the same range every outgoing connection's own port is drawn from: another worker's
client could hold it by the time the test listens on it, or a connection to a port where nothing listens could
be given that very port as its own and connect to itself. So each worker takes ports from a block of its own,
below the ephemeral range (Linux: 32768-60999), and checks each one is free before handing it out.
"""

from __future__ import annotations

import itertools
import os
import re
import socket

FIRST, BLOCK = 20000, 500  # worker gwN gets FIRST + N*BLOCK .. FIRST + (N+1)*BLOCK - 1


def _worker() -> int:
    found = re.fullmatch(r"gw(\d+)", os.environ.get("PYTEST_XDIST_WORKER", ""))
    return int(found.group(1)) if found else 0


_block = FIRST + _worker() * BLOCK
_next = itertools.cycle(range(_block, _block + BLOCK))


def free_port() -> int:
    """A port on 127.0.0.1 nobody listens on now, from this worker's own block."""
    for _ in range(BLOCK):
        port = next(_next)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue  # another program (or an earlier test's server, still closing) holds it
            return port
    raise RuntimeError(f"no free port in {_block}-{_block + BLOCK - 1}")
