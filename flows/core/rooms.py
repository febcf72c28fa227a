"""The house's rooms and which may import which: written down once, held by tests/test_architecture.py.

Core is what every capability builds on and imports none of them; identity (who someone is, consent) builds on
core only; the other capabilities build on core and identity and never on each other. A duty that crosses rooms
(what /mydata collects, what /forget or ending the work deletes, what the client card offers) goes through the
hooks in flows/core/hooks.py, which each capability fills in, not through an import.
"""

from __future__ import annotations

ROOMS: dict[str, frozenset[str]] = {
    "core": frozenset(),
    "identity": frozenset({"core"}),
    "esy": frozenset({"core", "identity"}),
    "chat": frozenset({"core", "identity"}),
    "meetings": frozenset({"core", "identity"}),
}


def may_import(room: str, other: str) -> bool:
    """Whether code in ``room`` may import from ``other`` (a room always may import itself)."""
    return other == room or other in ROOMS[room]
