"""What the effect report reads besides circles still held: de-identified records of change (#12 §6).

A linked client may agree (consent item "effect") that when their circles are deleted, what they showed of change is
kept: per area the first and the latest score, the months (Helsinki) the two were filled, the services linked to
their goals in that area, and the names of their groups. No key, no client id, no words; a random id. It is written
just before the circles go, on every path that deletes them: /forget, withdrawing storage (c), and the end of the
work (the client withdrew (a), or the worker ended it). A client who withdrew "effect" before that leaves nothing;
anonymous people are never asked, so their circles count only while they are held. Fewer than two circles show no
change, and nothing is kept.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from flows.core.dates import HELSINKI
from flows.core.messages import Param
from flows.core.spec import Conversation
from flows.esy.effect import span_of
from flows.esy.services import RegionServices
from flows.identity.consent import latest_answers
from storage.ports import AssessmentRow, ClientRow, EffectRecordRow, UnitOfWork

ITEM = "effect"  # the consent item
# (per area, the services linked to the person's goals in it; their groups' names)
Labels = tuple[dict[str, frozenset[str]], frozenset[str]]
# Where a person's labels come from, by user key: the goals (services linked to them) and the groups add theirs.
LabelSource = Callable[[UnitOfWork, str], Awaitable[Labels]]
NO_LABELS: Labels = ({}, frozenset())


@dataclass(frozen=True)
class EffectLabels:
    """The label sources of this organisation (none until goals with services and groups exist)."""

    sources: tuple[LabelSource, ...] = ()

    async def of(self, work: UnitOfWork, key: str) -> Labels:
        """Every source's services and groups for this person, together."""
        services: dict[str, frozenset[str]] = {}
        groups: set[str] = set()
        for source in self.sources:
            found = await source(work, key)
            for area, ids in found[0].items():
                services[area] = services.get(area, frozenset()) | ids
            groups |= found[1]
        return services, frozenset(groups)


@dataclass(frozen=True)
class HelperServices:
    """A label source: the region's services a person chose as "who helps" with a goal (flows/esy/goals.py keeps
    the service's name, in their language, as the goal's helper), by the service's id. A helper in their own
    words matches no service and is never read into the report."""

    services: RegionServices

    async def __call__(self, work: UnitOfWork, key: str) -> Labels:
        """Per goal's area, the ids of the services named as the goal's helper."""
        found: dict[str, frozenset[str]] = {}
        for goal in await work.goals.for_user(key):
            ids = frozenset(service.id for service in self.services.services
                            if goal.helper in {service.name.fi, service.name.sv, service.name.en})
            if ids:
                found[goal.area_id] = found.get(goal.area_id, frozenset()) | ids
        return found, frozenset()


async def group_names(work: UnitOfWork, key: str) -> Labels:
    """A label source: the names of the ESY groups the person is a member of (flows/esy/groups.py)."""
    names = set()
    for member in await work.groups.memberships(key):
        group = await work.groups.get(member.group_id)
        if group is not None:
            names.add(group.name)
    return {}, frozenset(names)


async def agreed(work: UnitOfWork, client_id: int) -> bool:
    """The client's answer in force to "effect" is yes."""
    answers = latest_answers(await work.consents.for_client(client_id))
    return ITEM in answers and answers[ITEM].answer == "yes"


def record_of(rows: Sequence[AssessmentRow], instrument_id: str, labels: Labels) -> EffectRecordRow | None:
    """The record of a person's circles of the instrument: None when no area was scored twice."""
    span = span_of(rows, instrument_id)
    if span is None:
        return None
    return EffectRecordRow(
        id=secrets.token_hex(16), instrument_id=instrument_id,
        first_month=span.first_at.astimezone(HELSINKI).strftime("%Y-%m"),
        latest_month=span.latest_at.astimezone(HELSINKI).strftime("%Y-%m"),
        first_scores=span.first, latest_scores=span.latest,
        # only the areas the record keeps a change for: a service of another area would say nothing here
        services={area: sorted(ids) for area, ids in sorted(labels[0].items()) if area in span.first and ids},
        groups=sorted(labels[1]))


async def keep(work: UnitOfWork, client_id: int | None, key: str, instrument_id: str, labels: EffectLabels) -> bool:
    """Before the circles of ``key`` go: the record, if the client agreed and there is a change; True if kept."""
    if client_id is None or not await agreed(work, client_id):
        return False
    record = record_of(await work.assessments.for_user(key), instrument_id, await labels.of(work, key))
    client = await work.clients.get(client_id)
    if record is None or client is None:
        return False
    record.region = client.region  # the region whose effect report counts it (#14)
    await work.effect_records.add(record)
    return True


class KeepEffect:
    """ESY's hooks that keep the record just before the circles are deleted (registered before those that
    delete them, flows/esy/hooks.py): on /forget, the end of the work and the withdrawal of storage (c)."""

    def __init__(self, instrument_id: str, labels: EffectLabels) -> None:
        self.instrument_id, self.labels = instrument_id, labels

    async def forgetting(self, conv: Conversation) -> None:
        """/forget, before anything is erased: the client's consents are still there to read."""
        client = conv.who.client
        if client is not None:
            await keep(conv.work, client.id, conv.key, self.instrument_id, self.labels)

    async def work_ended(self, work: UnitOfWork, client: ClientRow, key: str | None, now: datetime) -> None:
        """The work ended: its circles are about to go."""
        if key is not None:
            await keep(work, client.id, key, self.instrument_id, self.labels)

    async def storage_withdrawn(self, work: UnitOfWork, client: ClientRow, key: str, now: datetime) -> list[Param]:
        """Consent (c) withdrawn: the circles are about to go; nothing to add to what was deleted."""
        await keep(work, client.id, key, self.instrument_id, self.labels)
        return []
