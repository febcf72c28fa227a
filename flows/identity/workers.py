"""A coordinator's staff list: invitations renewed or cancelled, and a worker's access removed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flows.core.guards import chose, value
from flows.core.hooks import Hooks
from flows.core.messages import N_, LocalText, Msg, dump_msg
from flows.core.results import Ask, Option, Say
from flows.core.spec import Conversation, FlowSpec
from flows.identity.notify import workers_of
from flows.identity.regions import can_see, region_of, several
from flows.identity.staff import cancel_open, is_coordinator, is_open, issue_invitation, staff_card, staff_label
from storage.ports import AuditRow, OutboxRow, PairRow, StaffRow

NAME = "workers"
VERSION = 1
CLOSE, BACK, INVITE, REVOKE, REMOVE, YES, NO = "close", "list", "invite", "revoke", "remove", "yes", "no"
ELSEWHERE = "pair_elsewhere"  # a pair worker from another region, for a client of mine who has not joined yet
WAITING = "waiting:"  # a client of the region who has not joined yet
EXPERT = "expert"  # mark (or unmark) a worker as an expert by experience
LABEL = {"linked": N_("workers.item_linked"), "invited": N_("workers.item_invited"),
         "inactive": N_("workers.item_inactive")}
STATUS = {"linked": N_("workers.status_linked"), "invited": N_("workers.status_invited"),
          "inactive": N_("workers.status_inactive")}


def status_of(staff: StaffRow) -> str:
    return "inactive" if not staff.active else "linked" if staff.user_key else "invited"


# --- reading -----------------------------------------------------------------------------------------------


async def audit(conv: Conversation, action: str) -> None:
    await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key),
        action, f"staff:{conv.data['staff']}", region=conv.who.region))


async def load_list(conv: Conversation) -> None:
    """The staff of the coordinator's region (#14); with several regions, a pair worker can come from another."""
    rows = await conv.work.staff.in_region(region_of(conv.who.staff))
    conv.data["list"] = [[row.id, staff_card(row), status_of(row)] for row in rows]
    conv.data["several"] = await several(conv.work)


async def load_waiting(conv: Conversation) -> None:
    """The region's clients who have not joined yet: a pair worker added now is named to them before they
    consent. A client who has joined consented to the pair they had; a new worker would need their consent again."""
    rows = await conv.work.clients.in_region(region_of(conv.who.staff))
    conv.data["waiting"] = [[row.id, row.nickname] for row in rows if row.user_key is None and row.ended_at is None]


async def current(conv: Conversation) -> StaffRow | None:
    return await conv.work.staff.get(conv.data["staff"]) if "staff" in conv.data else None


async def open_invitations(conv: Conversation) -> int:
    return sum(1 for row in await conv.work.invitations.for_staff(conv.data["staff"]) if is_open(row, conv.now))


async def load_card(conv: Conversation, staff_id: int) -> bool:
    staff = await conv.work.staff.get(staff_id)
    if staff is None or conv.who.staff is None or not can_see(conv.who.staff, staff):
        return False
    conv.data["staff"] = staff_id
    conv.data["card"] = {**staff_card(staff), "status": status_of(staff), "worker": staff.is_worker,
                         "expert": staff.expert, "self": staff.id == (conv.who.staff.id if conv.who.staff else None),
                         "open": await open_invitations(conv)}
    return True


# --- what each state asks --------------------------------------------------------------------------------


def view_list(conv: Conversation) -> Ask:
    options = [Option(str(staff_id), Msg(LABEL[status], {"who": staff_label(card, organisation=False)}))
               for staff_id, card, status in conv.data["list"]]
    if conv.data.get("several"):
        options.append(Option(ELSEWHERE, Msg(N_("workers.pair_elsewhere"))))
    return Ask(Msg(N_("workers.list")), (*options, Option(CLOSE, Msg(N_("clients.close")))))


def view_waiting(conv: Conversation) -> Ask:
    """Whose pair worker to invite from another region: the region's clients who have not joined yet."""
    options = [Option(f"{WAITING}{client_id}", LocalText(nickname, nickname, nickname))
               for client_id, nickname in conv.data["waiting"]]
    prompt = N_("workers.pair_choose_client") if options else N_("workers.pair_none")
    return Ask(Msg(prompt), (*options, Option(BACK, Msg(N_("clients.back")))))


def chose_waiting(event: Any) -> bool:
    """One of the clients offered."""
    return value(event).startswith(WAITING) and any(
        f"{WAITING}{client_id}" == value(event) for client_id, _ in event.model.data["waiting"])


def view_card(conv: Conversation) -> Ask:
    card = conv.data["card"]
    prompt = Msg(N_("workers.card"), {"who": staff_label(card), "status": Msg(STATUS[card["status"]]),
                                      "invitations": card["open"]})
    options = []
    if card["status"] != "inactive" and card.get("worker"):
        # The pair model: an expert by experience works beside a professional; their clients are told what
        # that means.
        mark = N_("workers.unmark_expert") if card.get("expert") else N_("workers.mark_expert")
        options.append(Option(EXPERT, Msg(mark)))
    if card["status"] == "invited":
        options.append(Option(INVITE, Msg(N_("clients.new_invitation"))))
    if card["open"]:
        options.append(Option(REVOKE, Msg(N_("clients.revoke"))))
    if card["status"] != "inactive" and not card["self"]:
        options.append(Option(REMOVE, Msg(N_("workers.remove"))))
    options.append(Option(BACK, Msg(N_("clients.back"))))
    return Ask(prompt, tuple(options))


def view_confirm(conv: Conversation) -> Ask:
    return Ask(Msg(N_("workers.confirm_remove"), {"name": conv.data["card"]["name"]}),
               (Option(YES, Msg(N_("consent.confirm_yes"))), Option(NO, Msg(N_("workers.keep")))))


# --- guards and effects ------------------------------------------------------------------------------------


async def chose_worker(event: Any) -> bool:
    return value(event).isdigit() and await load_card(event.model, int(value(event)))


async def on_start(conv: Conversation) -> None:
    await load_list(conv)


async def open_waiting(event: Any) -> None:
    await load_waiting(event.model)


async def refresh(event: Any) -> None:
    event.model.data.pop("staff", None)
    await load_list(event.model)


async def revoke_all(conv: Conversation) -> None:
    await cancel_open(conv, await conv.work.invitations.for_staff(conv.data["staff"]))


async def revoke(event: Any) -> None:
    conv: Conversation = event.model
    await revoke_all(conv)
    await audit(conv, "invitation.revoked")
    conv.emit(Say(Msg(N_("clients.revoked"))))
    await load_card(conv, conv.data["staff"])


async def toggle_expert(event: Any) -> None:
    """Mark a worker as an expert by experience (kokemusasiantuntija), or take the mark away."""
    conv: Conversation = event.model
    staff = await current(conv)
    if staff is not None and staff.active and staff.is_worker:
        staff.expert = not staff.expert
        await conv.work.staff.save(staff)
        await audit(conv, "staff.expert_marked" if staff.expert else "staff.expert_unmarked")
        done = N_("workers.expert_marked") if staff.expert else N_("workers.expert_unmarked")
        conv.emit(Say(Msg(done, {"name": staff.name})))
        if staff.expert:
            await tell_clients_of_expert(conv, staff)
    await load_card(conv, conv.data["staff"])


async def tell_clients_of_expert(conv: Conversation, staff: StaffRow) -> None:
    """The young people this worker works with learn, in one sentence, what an expert by experience is."""
    for client in await conv.work.clients.for_staff(staff.id or 0):
        if client.user_key and not client.ended_at:
            message = Msg(N_("notify.worker_is_expert"), {
                "worker": staff.name, "explained": Msg(N_("staff.expert_explained"))})
            await conv.work.outbox.add(OutboxRow(client.user_key, "notice", dump_msg(message), conv.now))


async def hand_over(conv: Conversation, removed: StaffRow) -> None:
    """The removed worker's clients: another of their workers becomes responsible, and each linked
    client is told who left (they can still use Kaari, and /consent to end the work)."""
    assert removed.id is not None
    for client in await conv.work.clients.for_staff(removed.id):
        if client.id is None or client.ended_at:
            continue
        remaining = await workers_of(conv.work, client.id)
        pairs = await conv.work.clients.pairs(client.id)
        was_responsible = any(p.staff_id == removed.id and p.responsible for p in pairs)
        if remaining and was_responsible and not any(responsible for _, responsible in remaining):
            await conv.work.clients.set_pair(PairRow(client.id, remaining[0][0].id or 0, responsible=True))
        if client.user_key:
            message = Msg(N_("notify.worker_left"), {"worker": removed.name})
            await conv.work.outbox.add(OutboxRow(client.user_key, "notice", dump_msg(message), conv.now))


class WorkersSteps:
    """The steps that need the bot's settings: the invitation secret and validity, and the other capabilities'
    hooks for a worker who loses access (the chat takes them off duty)."""

    def __init__(self, secret: str, valid_for: timedelta, hooks: Hooks) -> None:
        self.secret, self.valid_for, self.hooks = secret, valid_for, hooks

    async def new_invitation(self, event: Any) -> None:
        conv: Conversation = event.model
        staff = await current(conv)
        if staff is None or staff.user_key or not staff.active:
            conv.emit(Say(Msg(N_("workers.no_invitation"))))
        else:
            await revoke_all(conv)
            await issue_invitation(conv, self.secret, self.valid_for, staff_id=staff.id)
        await load_card(conv, conv.data["staff"])

    async def invite_pair(self, event: Any) -> None:
        """A one-time code for a worker of another region to become this client's pair worker (#14): the
        coordinator hands it over; the worker sees this one client of the region, nothing else."""
        conv: Conversation = event.model
        client_id = int(value(event).removeprefix(WAITING))
        client, me = await conv.work.clients.get(client_id), conv.who.staff
        if client is None or me is None or client.user_key is not None or client.ended_at is not None or (
                not can_see(me, client)):
            conv.emit(Say(Msg(N_("workers.pair_gone"))))  # joined or ended meanwhile
        else:
            conv.emit(Say(Msg(N_("workers.pair_code_for"), {"client": client.nickname})))
            await issue_invitation(conv, self.secret, self.valid_for, client_id=client_id, pair=True)
        await load_list(conv)

    async def remove(self, event: Any) -> None:
        """Access ends at once: the account is unlinked, its chat id deleted, open invitations cancelled.
        Their clients keep their records; the coordinator pairs them with someone else."""
        conv: Conversation = event.model
        staff = await current(conv)
        if staff is None or staff.id == (conv.who.staff.id if conv.who.staff else None):
            return
        if staff.user_key:
            await conv.work.contacts.delete(staff.user_key)
            await conv.work.outbox.delete_for_recipient(staff.user_key)
        # Each capability looks before the worker goes (was anyone on duty?) and finishes after.
        afterwards = [await removed(conv, staff) for removed in self.hooks.staff_removed]
        staff.user_key, staff.active = None, False
        await conv.work.staff.save(staff)
        await revoke_all(conv)
        await hand_over(conv, staff)
        for after in afterwards:
            await after()
        await audit(conv, "staff.removed")
        conv.emit(Say(Msg(N_("workers.removed"), {"name": staff.name})))
        await load_card(conv, conv.data["staff"])


def workers_flow(secret: str, valid_for: timedelta, hooks: Hooks | None = None) -> FlowSpec:
    """The coordinator's staff list and a staff member's card."""
    steps = WorkersSteps(secret, valid_for, hooks or Hooks())
    return FlowSpec(
        name=NAME, version=VERSION, states=["list", "card", "confirm", "waiting", "closed"], initial="list",
        transitions=[
            dict(trigger="choose", source="list", dest="closed", conditions=[chose(CLOSE)]),
            dict(trigger="choose", source="list", dest="waiting", conditions=[chose(ELSEWHERE)],
                 before=[open_waiting]),
            dict(trigger="choose", source="waiting", dest="list", conditions=[chose(BACK)], before=[refresh]),
            dict(trigger="choose", source="waiting", dest="list", conditions=[chose_waiting],
                 before=[steps.invite_pair]),
            dict(trigger="choose", source="list", dest="card", conditions=[chose_worker]),
            dict(trigger="choose", source="card", dest="list", conditions=[chose(BACK)], before=[refresh]),
            dict(trigger="choose", source="card", dest="card", conditions=[chose(INVITE)],
                 before=[steps.new_invitation]),
            dict(trigger="choose", source="card", dest="card", conditions=[chose(REVOKE)], before=[revoke]),
            dict(trigger="choose", source="card", dest="card", conditions=[chose(EXPERT)], before=[toggle_expert]),
            dict(trigger="choose", source="card", dest="confirm", conditions=[chose(REMOVE)]),
            dict(trigger="choose", source="confirm", dest="card", conditions=[chose(YES)], before=[steps.remove]),
            dict(trigger="choose", source="confirm", dest="card"),
        ],
        views={"list": view_list, "card": view_card, "confirm": view_confirm, "waiting": view_waiting},
        help_key=N_("workers.help"), final=frozenset({"closed"}), on_start=on_start, allowed=is_coordinator,
        controls=False, reload=True,
    )
