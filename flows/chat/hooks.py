"""What the shift chat adds to the duties that cross rooms: /forget ends and erases the person's chats, and a
worker who loses access is taken off duty (their chats back to the queue, those waiting told if nobody is left)."""

from __future__ import annotations

from functools import partial

from flows.chat import shifts
from flows.core.codes import forget_tag
from flows.core.hooks import AfterRemoval, Hooks
from flows.core.spec import Conversation
from storage.ports import StaffRow


class ChatDuties:
    """The chat's hooks, with what they need: the services (``setup``) and the secret that keys chat tags."""

    def __init__(self, setup: shifts.ChatSetup, secret: str) -> None:
        self.setup, self.secret = setup, secret

    async def forget(self, conv: Conversation) -> None:
        """The person's open chat ends and every chat of theirs is erased."""
        chat = await conv.work.chats.active_for_user(conv.key)
        if chat is not None and chat.id is not None:
            # The worker is told the chat ended; what the person wrote in it goes now, not after retention.
            await shifts.close(conv.work, chat, "forget", conv.now)
            await conv.work.chats.forget(chat.id)
        # Closed chats are no longer linked to the person; their keyed tag still finds the texts kept for
        # the retention time ("everything" means those too).
        for closed in await conv.work.chats.tagged(forget_tag(self.secret, conv.key)):
            await conv.work.chats.forget(closed)

    async def staff_removed(self, conv: Conversation, staff: StaffRow) -> AfterRemoval:
        """Which services were staffed before the worker goes; once gone, the rest follows."""
        was = await shifts.staffed_services(conv.work, self.setup, conv.now)
        return partial(self.after_removal, conv, staff, was)

    async def after_removal(self, conv: Conversation, staff: StaffRow, was: set[str]) -> None:
        """Those already waiting hear if nobody is left on duty; the removed worker's own chats go back to the
        queue with a notice of their own, shown with the same view."""
        await shifts.tell_if_unstaffed(conv.work, self.setup, was, conv.now)
        await shifts.requeue_for_staff(conv.work, staff.id or 0, conv.now)


def register(hooks: Hooks, setup: shifts.ChatSetup, secret: str) -> None:
    """The chat's part of the cross-room duties."""
    duties = ChatDuties(setup, secret)
    hooks.forget.append(duties.forget)
    hooks.staff_removed.append(duties.staff_removed)
