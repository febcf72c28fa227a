"""Joining an ESY group with its code (#12 §5), by /code or a deep link like an invitation: the offer says plainly
what joining means (the worker sees only the group's totals, from five members up, never one's own answers; one
can leave any time), and yes makes the person a member, who is told when the worker opens a round."""

from __future__ import annotations

from datetime import date

from flows.core.codes import code_hash, is_group_code
from flows.core.dates import HELSINKI, as_day
from flows.core.messages import N_, Msg
from flows.core.results import Ask, Option, Say
from flows.core.spec import Conversation
from flows.esy.group_stats import MIN_ANSWERS
from storage.ports import AuditRow, ContactRow, GroupRow, MemberRow

YES, NO = "yes", "no"


def joinable(group: GroupRow | None, today: date) -> bool:
    """A group's code joins until the group is closed or its period is over."""
    return group is not None and group.closed_at is None and group.ends_on >= today


async def audit(conv: Conversation, action: str, group: GroupRow) -> None:
    """Write who did ``action`` on which group, in the group's region's log (#14): the person joining is
    usually anonymous."""
    await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key), action, f"group:{group.id}",
                                       region=group.region))


class GroupJoining:
    """A group's code for the invitation flow's join offer; ``secret`` keys the codes' hashes."""

    name = "group"

    def __init__(self, secret: str) -> None:
        self.secret = secret

    async def find(self, conv: Conversation, code: str) -> bool:
        """A group code (8 characters, not an invitation's 12) of a group still open: the offer names it."""
        if not is_group_code(code):
            return False
        group = await conv.work.groups.by_code(code_hash(self.secret, code))
        if group is None or not joinable(group, conv.now.astimezone(HELSINKI).date()):
            return False
        await audit(conv, "group.join_opened", group)
        conv.data.update(group=group.id, offer={"name": group.name, "starts": group.starts_on.isoformat(),
                                                "ends": group.ends_on.isoformat()})
        return True

    def view(self, conv: Conversation) -> Ask:
        """What joining means, said before anything is kept; an anonymous person hears what is kept to tell them
        of a round."""
        offer = conv.data["offer"]
        # Only where Kaari can write to them (not a linked client's, told already; not the console).
        anonymous = not conv.who.is_client and conv.reachable
        key = N_("invite.group_offer")
        if anonymous:  # what is kept to tell them of a round: an address, or (the web chat) nothing but the notice
            key = N_("invite.group_offer_anonymous_web") if not conv.contact else N_("invite.group_offer_anonymous")
        prompt = Msg(key, {"name": offer["name"], "starts": as_day(date.fromisoformat(offer["starts"])),
                           "ends": as_day(date.fromisoformat(offer["ends"])), "least": MIN_ANSWERS})
        return Ask(prompt, (Option(YES, Msg(N_("invite.group_join"))), Option(NO, Msg(N_("invite.group_no")))))

    async def join(self, conv: Conversation) -> None:
        """Yes: a member now (a staff account is not one: groups are for the young people)."""
        group = await conv.work.groups.get(conv.data["group"])
        if group is None or not joinable(group, conv.now.astimezone(HELSINKI).date()):
            conv.emit(Say(Msg(N_("invite.group_gone"))))
            return
        if conv.who.staff is not None:
            conv.emit(Say(Msg(N_("invite.group_staff"))))
            return
        if not await conv.work.groups.join(MemberRow(group.id or 0, conv.key, conv.now)):
            conv.emit(Say(Msg(N_("invite.group_already"), {"name": group.name})))
            return
        if conv.contact and await conv.work.contacts.get(conv.key) is None:
            # Kept to tell them of a round, while they are in the group (the chat's sweep keeps it for members).
            await conv.work.contacts.save(ContactRow(conv.key, conv.contact, conv.now))
        await audit(conv, "group.joined", group)
        conv.emit(Say(Msg(N_("invite.group_joined"), {"name": group.name})))
