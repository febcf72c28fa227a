"""Workers' screens about a client: closed when the client's data goes, so nothing of it stays in a saved
conversation.

A worker's conversation is saved between taps with what its screen shows: the client list (every client's
nickname), a client card, the client's goals in their own words, a comparison's comment lines, a meeting's
promises. Each of those screens reads afresh at the worker's next tap, but a worker who never taps again would
keep a forgotten client's words in their saved conversation. So when a client is deleted (/forget, or their
work ended longer ago than the retention period), the screens of the client's workers that are about that
client, and any client list, are closed: the worker starts again from the menu, and nothing is lost but the
place in a screen.
"""

from __future__ import annotations

from typing import Any

from storage.ports import UnitOfWork

CLIENT_LIST = "clients"  # the name of the client list's flow (flows/identity/clients.py takes it from here)
CLIENT_KEYS = ("client", "client_id")  # where a screen about one client keeps that client's id


def about(data: dict[str, Any], client_id: int) -> bool:
    """Whether a screen's saved data is about ``client_id`` (an id, never a yes/no that happens to equal it)."""
    return any(type(data.get(key)) is int and data.get(key) == client_id for key in CLIENT_KEYS)


async def close_screens_about(work: UnitOfWork, client_id: int) -> None:
    """Before the client's rows go (their workers are found through them): each of the client's workers whose
    saved screen is a client list or about this client starts again from the menu."""
    for pair in await work.clients.pairs(client_id):
        staff = await work.staff.get(pair.staff_id)
        if staff is None or not staff.user_key:
            continue
        screen = await work.conversations.get(staff.user_key)
        if screen is not None and (screen.flow == CLIENT_LIST or about(screen.data, client_id)):
            await work.conversations.delete(staff.user_key)
