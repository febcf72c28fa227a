"""Regions (#14): the tenants of one deployment, keyed by their code."""

from __future__ import annotations

from storage.memory_repos.base import _fields, _Repo
from storage.ports.base import Conflict, UnknownRow
from storage.ports.regions import RegionRow


class _Regions(_Repo):
    async def add(self, row: RegionRow) -> None:
        if row.code in self._db.tables["regions"]:
            raise Conflict("UNIQUE constraint failed: regions.code")
        self._db.put("regions", row.code, _fields(row))

    async def get(self, code: str) -> RegionRow | None:
        return self._db.get(RegionRow, "regions", code)

    async def save(self, row: RegionRow) -> None:
        if row.code not in self._db.tables["regions"]:
            raise UnknownRow(f"no region {row.code!r} to save")
        self._db.put("regions", row.code, _fields(row))

    async def all(self) -> list[RegionRow]:
        return sorted(self._db.rows(RegionRow, "regions"), key=lambda row: row.code)
