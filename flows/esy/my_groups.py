"""A young person's groups (#12 §5): the ESY groups they joined, and leaving one, which takes their answers out of
the group's totals (their own circles stay theirs)."""

from __future__ import annotations

from typing import Any

from flows.core.guards import chose, value
from flows.core.messages import N_, Lines, Msg
from flows.core.results import Ask, Option, Say
from flows.core.spec import Conversation, FlowSpec
from storage.ports import AuditRow

NAME = "my_groups"
VERSION = 1
LEAVE, CLOSE, YES, NO = "leave:", "close", "yes", "no"


async def load(conv: Conversation) -> None:
    """The groups the person is in, oldest first."""
    found = []
    for member in await conv.work.groups.memberships(conv.key):
        group = await conv.work.groups.get(member.group_id)
        if group is not None:
            found.append([group.id, group.name])
    conv.data["groups"] = found


async def on_start(conv: Conversation) -> None:
    await load(conv)


def view_list(conv: Conversation) -> Ask:
    groups = conv.data["groups"]
    if not groups:
        return Ask(Msg(N_("my_groups.none")), (Option(CLOSE, Msg(N_("clients.close"))),))
    prompt = Msg(N_("my_groups.list"), {"groups": Lines(tuple(name for _, name in groups))})
    options = tuple(Option(f"{LEAVE}{group_id}", Msg(N_("my_groups.leave"), {"name": name}))
                    for group_id, name in groups)
    return Ask(prompt, (*options, Option(CLOSE, Msg(N_("clients.close")))))


def view_confirm(conv: Conversation) -> Ask:
    return Ask(Msg(N_("my_groups.confirm_leave"), {"name": chosen_name(conv)}),
               (Option(YES, Msg(N_("my_groups.leave_yes"))), Option(NO, Msg(N_("my_groups.leave_no")))))


def chosen_name(conv: Conversation) -> str:
    return next(str(name) for group_id, name in conv.data["groups"] if group_id == conv.data["leaving"])


def chose_leave(event: Any) -> bool:
    """One of the person's groups, to leave."""
    chosen = value(event).removeprefix(LEAVE)
    groups = event.model.data["groups"]
    if not value(event).startswith(LEAVE) or not any(str(group_id) == chosen for group_id, _ in groups):
        return False
    event.model.data["leaving"] = int(chosen)
    return True


async def leave(event: Any) -> None:
    """Out of the group, with the answers given to it; their circles stay theirs."""
    conv: Conversation = event.model
    name = chosen_name(conv)
    group_id = conv.data.pop("leaving")
    if await conv.work.groups.leave(group_id, conv.key):
        await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key),
            "group.left", f"group:{group_id}", region=conv.who.region))
    conv.emit(Say(Msg(N_("my_groups.left"), {"name": name})))
    await load(conv)


def my_groups_flow() -> FlowSpec:
    """/mygroups: the groups one is in, and leaving one."""
    return FlowSpec(
        name=NAME,
        version=VERSION,
        states=["list", "confirm", "closed"],
        initial="list",
        transitions=[
            dict(trigger="choose", source="list", dest="confirm", conditions=[chose_leave]),
            dict(trigger="choose", source="list", dest="closed", conditions=[chose(CLOSE)]),
            dict(trigger="choose", source="confirm", dest="list", conditions=[chose(YES)], before=[leave]),
            dict(trigger="choose", source="confirm", dest="list", conditions=[chose(NO)]),
        ],
        views={"list": view_list, "confirm": view_confirm},
        help_key=N_("my_groups.help"),
        final=frozenset({"closed"}),
        on_start=on_start,
        reload=True,
        settled=frozenset({"list"}),
    )
