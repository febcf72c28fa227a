"""ESY readings (#12 §1): a worker's reading of a client's situation and the comparison's comment lines."""

from __future__ import annotations

from storage.codec import dump_json
from storage.memory_repos.base import _fields, _Repo
from storage.ports.readings import ReadingCommentRow, ReadingRow


class _Readings(_Repo):
    async def add(self, row: ReadingRow) -> int:
        return self._db.insert("readings", _fields(row))

    async def get(self, reading_id: int) -> ReadingRow | None:
        return self._db.get(ReadingRow, "readings", str(reading_id))

    async def for_client(self, client_id: int) -> list[ReadingRow]:
        rows = [row for row in self._db.rows(ReadingRow, "readings") if row.client_id == client_id]
        return sorted(rows, key=lambda row: (row.completed_at, row.id or 0))

    async def delete_for_client(self, client_id: int) -> int:
        rows = await self.for_client(client_id)
        for row in rows:
            self._db.delete("readings", str(row.id))
        return len(rows)

    async def comment(self, row: ReadingCommentRow) -> None:
        key = dump_json([row.reading_id, row.assessment_id, row.area_id, row.side])
        self._db.put("reading_comments", key, _fields(row))

    async def comments(self, reading_id: int) -> list[ReadingCommentRow]:
        rows = [row for row in self._db.rows(ReadingCommentRow, "reading_comments") if row.reading_id == reading_id]
        return sorted(rows, key=lambda row: (row.assessment_id, row.area_id, row.side))
