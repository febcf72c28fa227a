"""ESY readings (#12 §1): a worker's reading of a client's situation and the comparison's comment lines."""

from __future__ import annotations

from storage.codec import dump_json, dump_time, load_json, load_time
from storage.ports.readings import ReadingCommentRow, ReadingRow
from storage.sql_repos.base import _constraints, _Repo

_COLUMNS = ("client_id, staff_id, instrument_id, instrument_version, completed_at, ratings, area_scores, saw_circle,"
            " id")


def _reading(row: tuple[object, ...]) -> ReadingRow:
    return ReadingRow(int(str(row[0])), int(str(row[1])), str(row[2]), int(str(row[3])), load_time(str(row[4])),
                      load_json(str(row[5])), load_json(str(row[6])), bool(row[7]), int(str(row[8])))


class _Readings(_Repo):
    async def add(self, row: ReadingRow) -> int:
        return await self._insert(
            "INSERT INTO readings (client_id, staff_id, instrument_id, instrument_version, completed_at, ratings,"
            " area_scores, saw_circle) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (row.client_id, row.staff_id, row.instrument_id, row.instrument_version, dump_time(row.completed_at),
             dump_json(row.ratings), dump_json(row.area_scores), int(row.saw_circle)))

    async def get(self, reading_id: int) -> ReadingRow | None:
        row = await self._one(f"SELECT {_COLUMNS} FROM readings WHERE id = ?", (reading_id,))
        return None if row is None else _reading(tuple(row))

    async def for_client(self, client_id: int) -> list[ReadingRow]:
        rows = await self._all(f"SELECT {_COLUMNS} FROM readings WHERE client_id = ? ORDER BY completed_at, id",
                               (client_id,))
        return [_reading(tuple(row)) for row in rows]

    async def delete_for_client(self, client_id: int) -> int:
        count = await self._db.execute("DELETE FROM readings WHERE client_id = ?", (client_id,))
        return count

    async def comment(self, row: ReadingCommentRow) -> None:
        async with _constraints(self._db):
            await self._db.execute(
                "INSERT INTO reading_comments (reading_id, assessment_id, area_id, side, text, written_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (reading_id, assessment_id, area_id, side)"
                " DO UPDATE SET text = excluded.text, written_at = excluded.written_at",
                (row.reading_id, row.assessment_id, row.area_id, row.side, row.text, dump_time(row.written_at)))

    async def comments(self, reading_id: int) -> list[ReadingCommentRow]:
        rows = await self._all(
            "SELECT reading_id, assessment_id, area_id, side, text, written_at FROM reading_comments"
            " WHERE reading_id = ? ORDER BY assessment_id, area_id, side", (reading_id,))
        return [ReadingCommentRow(row[0], row[1], row[2], row[3], row[4], load_time(row[5])) for row in rows]
