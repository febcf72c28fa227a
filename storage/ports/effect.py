"""The effect report's port: de-identified records of change kept after a person's data was deleted."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass
class EffectRecordRow:
    """What a client agreed to keep (consent "effect") of their change, with nothing that leads back to them:
    a random id, months as "YYYY-MM", per area the first and latest score and the ids of the services linked to
    goals in it, the names of groups."""

    id: str
    instrument_id: str
    first_month: str
    latest_month: str
    first_scores: dict[str, float | None]
    latest_scores: dict[str, float | None]
    services: dict[str, list[str]] = field(default_factory=dict)  # per area
    groups: list[str] = field(default_factory=list)
    region: str = "default"  # the client's region (#14): storage.ports.regions.DEFAULT_REGION


class EffectRecords(Protocol):
    async def add(self, row: EffectRecordRow) -> None: ...
    # Records whose first and latest month both lie in [first_month, last_month] ("YYYY-MM"), by id.
    async def within(self, first_month: str, last_month: str) -> list[EffectRecordRow]: ...
    # The same, of one region's clients only (#14).
    async def of_region(self, region: str, first_month: str, last_month: str) -> list[EffectRecordRow]: ...
