"""De-identified effect records (consent "effect"): written when a client is deleted, read by the report."""

from __future__ import annotations

from storage.codec import dump_json, load_json
from storage.ports.effect import EffectRecordRow
from storage.sql_repos.base import Row, _constraints, _Repo

_COLUMNS = "id, instrument_id, first_month, latest_month, first_scores, latest_scores, services, groups, region"


class _EffectRecords(_Repo):
    async def add(self, row: EffectRecordRow) -> None:
        async with _constraints(self._db):
            await self._db.execute(
                f"INSERT INTO effect_records ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (row.id, row.instrument_id, row.first_month, row.latest_month, dump_json(row.first_scores),
                 dump_json(row.latest_scores), dump_json(row.services), dump_json(row.groups), row.region),
            )

    async def within(self, first_month: str, last_month: str) -> list[EffectRecordRow]:
        rows = await self._all(
            f"SELECT {_COLUMNS} FROM effect_records WHERE first_month >= ? AND latest_month <= ? ORDER BY id",
            (first_month, last_month),
        )
        return [_record(row) for row in rows]

    async def of_region(self, region: str, first_month: str, last_month: str) -> list[EffectRecordRow]:
        rows = await self._all(
            f"SELECT {_COLUMNS} FROM effect_records WHERE region = ? AND first_month >= ? AND latest_month <= ? "
            "ORDER BY id",
            (region, first_month, last_month),
        )
        return [_record(row) for row in rows]


def _record(row: Row) -> EffectRecordRow:
    return EffectRecordRow(row[0], row[1], row[2], row[3], load_json(row[4]), load_json(row[5]), load_json(row[6]),
                           load_json(row[7]), row[8])
