"""Regions (#14): the tenants of one deployment, keyed by their code."""

from __future__ import annotations

from storage.ports.base import UnknownRow
from storage.ports.regions import RegionRow
from storage.sql_repos.base import Row, _constraints, _Repo

_COLUMNS = "code, name_fi, name_sv, name_en"


def _region(row: Row) -> RegionRow:
    return RegionRow(code=row[0], name_fi=row[1], name_sv=row[2], name_en=row[3])


class _Regions(_Repo):
    async def add(self, row: RegionRow) -> None:
        async with _constraints(self._db):
            await self._db.execute(f"INSERT INTO regions ({_COLUMNS}) VALUES (?, ?, ?, ?)",
                                   (row.code, row.name_fi, row.name_sv, row.name_en))

    async def get(self, code: str) -> RegionRow | None:
        row = await self._one(f"SELECT {_COLUMNS} FROM regions WHERE code = ?", (code,))
        return _region(row) if row else None

    async def save(self, row: RegionRow) -> None:
        count = await self._db.execute("UPDATE regions SET name_fi = ?, name_sv = ?, name_en = ? WHERE code = ?",
                                       (row.name_fi, row.name_sv, row.name_en, row.code))
        if count == 0:
            raise UnknownRow(f"no region {row.code!r} to save")

    async def all(self) -> list[RegionRow]:
        return [_region(row) for row in await self._all(f"SELECT {_COLUMNS} FROM regions ORDER BY code", ())]
