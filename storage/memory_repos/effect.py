"""De-identified effect records (consent "effect"): written when a client is deleted, read by the report."""

from __future__ import annotations

from storage.memory_repos.base import _fields, _Repo
from storage.ports.base import Conflict
from storage.ports.effect import EffectRecordRow


class _EffectRecords(_Repo):
    async def add(self, row: EffectRecordRow) -> None:
        if row.id in self._db.tables["effect_records"]:
            raise Conflict("UNIQUE constraint failed: effect_records.id")
        self._db.put("effect_records", row.id, _fields(row))

    async def within(self, first_month: str, last_month: str) -> list[EffectRecordRow]:
        found = [row for row in self._db.rows(EffectRecordRow, "effect_records")
                 if row.first_month >= first_month and row.latest_month <= last_month]
        return sorted(found, key=lambda row: row.id)

    async def of_region(self, region: str, first_month: str, last_month: str) -> list[EffectRecordRow]:
        return [row for row in await self.within(first_month, last_month) if row.region == region]
