"""What the young person's goals add to the duties that cross rooms: in /mydata with their history, on the
client card (the plan, and an entry for the worker to agree it), a gentle mark on the worker's client list, and
deleted when the work ends or the client withdraws storage (c). /forget deletes them with the person's row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from flows.core.hooks import CardLink, GoalRef, Hooks
from flows.core.messages import N_, Lines, Msg, Param
from flows.core.spec import Conversation
from flows.esy.goal_review import NAME as REVIEW
from flows.esy.goals import goal_line, plain, state
from flows.esy.instrument import Instrument
from flows.esy.services import RegionServices
from flows.identity.notify import workers_of
from storage.ports import ClientRow, UnitOfWork

DEFAULT_NUDGE_DAYS = 14
GOALS = "goals"  # the client card's entry to the plan


class GoalParts:
    """The goals' parts of the hooks, with the instrument (the areas' names) and the nudge's interval."""

    def __init__(self, instrument: Instrument, nudge_days: int = DEFAULT_NUDGE_DAYS,
                 services: RegionServices | None = None) -> None:
        self.instrument = instrument
        self.services = {s.id: s for s in services.services} if services else {}
        self.names = {area.id: area.name for area in instrument.areas}
        self.nudge = timedelta(days=nudge_days)

    async def mydata(self, conv: Conversation) -> dict[str, Any]:
        """The person's goals, oldest first, each with its whole history (who changed what, when)."""
        goals = []
        for row in await conv.work.goals.for_user(conv.key):
            assert row.id is not None
            name = self.names.get(row.area_id)
            goals.append({
                **plain(row), "area_name": {"fi": name.fi, "sv": name.sv, "en": name.en} if name else {},
                "created": row.created_at.isoformat(), "version": row.version, "agreed_version": row.agreed_version,
                "seen_by_workers": row.client_id is not None,
                "history": [{"at": rev.changed_at.isoformat(), "by": rev.changed_by, "what": rev.what,
                             "value": rev.value, "version": rev.version}
                            for rev in await conv.work.goals.revisions(row.id)],
                "services": await self.linked(conv.work, row.id)})
        return {"goals": goals}

    async def linked(self, work: UnitOfWork, goal_id: int) -> list[dict[str, Any]]:
        """The services linked to one goal, by name, each with every follow-up answer (who, when, what)."""
        linked = []
        for link in await work.goal_services.for_goal(goal_id):
            assert link.id is not None
            service = self.services.get(link.service_id)
            linked.append({
                "service": link.service_id, "linked_at": link.linked_at.isoformat(),
                "name": {"fi": service.name.fi, "sv": service.name.sv, "en": service.name.en} if service else {},
                "followups": [{"at": row.answered_at.isoformat(), "by": row.answered_by, "reached": row.reached,
                               "helped": row.helped} for row in await work.goal_services.followups(link.id)]})
        return linked

    async def card(self, work: UnitOfWork, client: ClientRow, now: datetime) -> list[Msg]:
        """The plan on the client card: the goals the client wrote as a client (never their anonymous ones)."""
        assert client.id is not None
        rows = await work.goals.for_client(client.id)
        if not rows:
            return [Msg(N_("clients.no_goals"))]
        lines: tuple[Param, ...] = tuple(goal_line(self.names, plain(row), changed=True) for row in rows)
        return [Msg(N_("clients.goals"), {"lines": Lines(lines, "\n")})]

    async def client_goals(self, work: UnitOfWork, client_id: int) -> list[GoalRef]:
        """The goals the client wrote as a client, for a promise to be for or to tell about in a meeting."""
        refs = []
        for row in await work.goals.for_client(client_id):
            assert row.id is not None
            title = Msg(N_("goals.title"), {"area": self.names.get(row.area_id, row.area_id), "goal": row.goal})
            refs.append(GoalRef(row.id, title, state(plain(row)), row.status == "going"))
        return refs

    async def marks(self, work: UnitOfWork, staff_id: int, clients: Sequence[ClientRow], now: datetime) -> set[int]:
        """The responsible worker's linked clients who shared an assessment at least the nudge's interval ago
        and have written no goal as a client since (a pair worker is not nudged: the plan is agreed with the
        responsible one)."""
        marked = set()
        for client in clients:
            if client.id is None or client.user_key is None or client.ended_at is not None:
                continue
            pair = await workers_of(work, client.id)
            if not any(staff.id == staff_id and responsible for staff, responsible in pair):
                continue
            shared = await work.shares.for_client(client.id)
            if shared and min(row.shared_at for row in shared) <= now - self.nudge \
                    and not await work.goals.for_client(client.id):
                marked.add(client.id)
        return marked


async def work_ended(work: UnitOfWork, client: ClientRow, key: str | None, now: datetime) -> None:
    """The goals kept for the work go with it (also those written before the person was a client: the work
    ending deletes what the person kept, as it does their circles)."""
    if key is not None:
        await work.goals.delete_for_user(key)


async def storage_withdrawn(work: UnitOfWork, client: ClientRow, key: str, now: datetime) -> list[Param]:
    """Consent (c) withdrawn: the goals and their history go; says how many did."""
    count = await work.goals.delete_for_user(key)
    return [Msg(N_("consent.deleted_goals"), {"count": count})] if count else []


def register(hooks: Hooks, instrument: Instrument, nudge_days: int = DEFAULT_NUDGE_DAYS,
             services: RegionServices | None = None) -> None:
    """The goals' part of the cross-room duties (the services linked to a goal go with it)."""
    parts = GoalParts(instrument, nudge_days, services)
    hooks.mydata.append(parts.mydata)
    hooks.work_ended.append(work_ended)
    hooks.storage_withdrawn.append(storage_withdrawn)
    hooks.card_sections.append(parts.card)
    hooks.client_goals = parts.client_goals
    hooks.list_marks.append(parts.marks)
    hooks.card_links.append(CardLink(GOALS, N_("clients.open_goals"), REVIEW))
