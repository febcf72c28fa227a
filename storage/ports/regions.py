"""Regions' port (#14): the tenants of one deployment, keyed by the code the operator gives them.

A region's code is written on every row that belongs to one (staff, clients, groups, effect records, audit rows)
and in the chat services file; ``DEFAULT_REGION`` is the one every deployment has (migration 0022 put every
older row in it), so a deployment with one region never names it.

Backends: ``storage/sql_repos/regions.py`` and ``storage/memory_repos/regions.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

DEFAULT_REGION = "default"


@dataclass
class RegionRow:
    """A region and its name in each language (shown to a young person who picks one, and to staff)."""

    code: str
    name_fi: str
    name_sv: str
    name_en: str


class Regions(Protocol):
    async def add(self, row: RegionRow) -> None: ...  # Conflict when the code is taken
    async def get(self, code: str) -> RegionRow | None: ...
    async def save(self, row: RegionRow) -> None: ...  # new names; UnknownRow when there is no such region
    async def all(self) -> list[RegionRow]: ...  # by code
