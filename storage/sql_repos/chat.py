"""The anonymous chat on shifts (#4): chats and their messages, shifts and who is on duty, rota and opening hours."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, time
from typing import Any

from storage.codec import WEEKDAYS, dump_clock, dump_day, dump_time, load_clock, load_time
from storage.ports.chat import ChatMessageRow, ChatRow, ClosingRow, DutyRow, RotaRow, ShiftRow, WeeklyRow
from storage.sql_repos.base import Row, _constraints, _dump, _Repo, _time

_CHAT_COLUMNS = (
    "id, service, opened_at, user_key, status, crisis, left_message, staff_id, shift_id, taken_at, closed_at, "
    "closed_by, rating, comment, forget_tag"
)


def _chat(row: Row) -> ChatRow:
    return ChatRow(
        id=row[0], service=row[1], opened_at=load_time(row[2]), user_key=row[3], status=row[4], crisis=bool(row[5]),
        left=bool(row[6]), staff_id=row[7], shift_id=row[8], taken_at=_time(row[9]), closed_at=_time(row[10]),
        closed_by=row[11], rating=row[12], comment=row[13], forget_tag=row[14],
    )


def _chat_params(row: ChatRow) -> tuple[Any, ...]:
    """Every column but id, in the order of ``_CHAT_COLUMNS``."""
    return (row.service, dump_time(row.opened_at), row.user_key, row.status, int(row.crisis), int(row.left),
            row.staff_id, row.shift_id, _dump(row.taken_at), _dump(row.closed_at), row.closed_by, row.rating,
            row.comment, row.forget_tag)


# Closed chats whose texts are past the retention time and not yet deleted.
_FORGETTABLE = (
    "status = 'closed' AND closed_at < ? AND "
    "(comment IS NOT NULL OR EXISTS (SELECT 1 FROM chat_messages m WHERE m.chat_id = chats.id))"
)


class _Chats(_Repo):
    async def add(self, row: ChatRow) -> int:
        return await self._insert(
            "INSERT INTO chats (service, opened_at, user_key, status, crisis, left_message, staff_id, shift_id, "
            "taken_at, closed_at, closed_by, rating, comment, forget_tag) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _chat_params(row),
            row.user_key,
        )

    async def get(self, chat_id: int) -> ChatRow | None:
        row = await self._one(f"SELECT {_CHAT_COLUMNS} FROM chats WHERE id = ?", (chat_id,))
        return _chat(row) if row else None

    async def save(self, row: ChatRow) -> None:
        """Rewrite every field but id."""
        await self._update(
            "UPDATE chats SET service = ?, opened_at = ?, user_key = ?, status = ?, crisis = ?, left_message = ?, "
            "staff_id = ?, shift_id = ?, taken_at = ?, closed_at = ?, closed_by = ?, rating = ?, comment = ?, "
            "forget_tag = ? WHERE id = ?",
            (*_chat_params(row), row.id),
            row.user_key,
        )

    async def active_for_user(self, user_key: str) -> ChatRow | None:
        row = await self._one(
            f"SELECT {_CHAT_COLUMNS} FROM chats WHERE user_key = ? AND status IN ('queued', 'open') "
            "ORDER BY opened_at DESC, id DESC LIMIT 1",
            (user_key,),
        )
        return _chat(row) if row else None

    async def queued(self, service: str) -> list[ChatRow]:
        rows = await self._all(
            f"SELECT {_CHAT_COLUMNS} FROM chats WHERE status = 'queued' AND service = ? "
            "ORDER BY crisis DESC, opened_at, id",
            (service,),
        )
        return [_chat(row) for row in rows]

    async def open_for_staff(self, staff_id: int) -> list[ChatRow]:
        rows = await self._all(
            f"SELECT {_CHAT_COLUMNS} FROM chats WHERE status = 'open' AND staff_id = ? ORDER BY opened_at, id",
            (staff_id,),
        )
        return [_chat(row) for row in rows]

    async def opened_between(self, since: datetime, until: datetime) -> list[ChatRow]:
        rows = await self._all(
            f"SELECT {_CHAT_COLUMNS} FROM chats WHERE opened_at >= ? AND opened_at < ? ORDER BY opened_at, id",
            (dump_time(since), dump_time(until)),
        )
        return [_chat(row) for row in rows]

    async def add_message(self, row: ChatMessageRow) -> int:
        return await self._insert(
            "INSERT INTO chat_messages (chat_id, at, sender, kind, body, staff_id) VALUES (?, ?, ?, ?, ?, ?)",
            (row.chat_id, dump_time(row.at), row.sender, row.kind, row.body, row.staff_id),
        )

    async def messages(self, chat_id: int) -> list[ChatMessageRow]:
        rows = await self._all(
            "SELECT id, chat_id, at, sender, kind, body, staff_id FROM chat_messages WHERE chat_id = ? "
            "ORDER BY at, id",
            (chat_id,),
        )
        return [
            ChatMessageRow(id=row[0], chat_id=row[1], at=load_time(row[2]), sender=row[3], kind=row[4], body=row[5],
                           staff_id=row[6])
            for row in rows
        ]

    async def forget_closed(self, before: datetime) -> int:
        """Delete the texts of chats closed before ``before``; how many chats lost any."""
        params = (dump_time(before),)
        ids = [row[0] for row in await self._all(f"SELECT id FROM chats WHERE {_FORGETTABLE}", params)]
        await self._db.executemany("DELETE FROM chat_messages WHERE chat_id = ?", [(chat_id,) for chat_id in ids])
        await self._db.executemany("UPDATE chats SET comment = NULL WHERE id = ?", [(chat_id,) for chat_id in ids])
        await self._db.execute("DELETE FROM chat_sent WHERE chat_id IN (SELECT id FROM chats WHERE status = 'closed' "
                               "AND closed_at < ?)", params)
        # The tag goes with the texts (also of a chat that had none): nothing is left to find then.
        await self._db.execute("UPDATE chats SET forget_tag = NULL WHERE status = 'closed' AND closed_at < ? "
                               "AND forget_tag IS NOT NULL", params)
        return len(ids)

    async def forget(self, chat_id: int) -> None:
        """Delete this chat's texts now, whatever its status (the person asked to be forgotten)."""
        await self._db.execute("DELETE FROM chat_messages WHERE chat_id = ?", (chat_id,))
        await self._db.execute("UPDATE chats SET comment = NULL, forget_tag = NULL WHERE id = ?", (chat_id,))
        await self._db.execute("DELETE FROM chat_sent WHERE chat_id = ?", (chat_id,))

    async def remember_sent(self, user_key: str, chat_id: int, message_ids: Sequence[int]) -> None:
        """Which chat these sent messages were about (a later send with the same id replaces it)."""
        async with _constraints(self._db, user_key):
            await self._db.executemany(
                "INSERT INTO chat_sent (user_key, message_id, chat_id) VALUES (?, ?, ?) "
                "ON CONFLICT (user_key, message_id) DO UPDATE SET chat_id = excluded.chat_id",
                [(user_key, message_id, chat_id) for message_id in message_ids])

    async def sent_about(self, user_key: str, message_id: int) -> int | None:
        """The chat a message sent to this person was about, if it is remembered."""
        rows = list(await self._all("SELECT chat_id FROM chat_sent WHERE user_key = ? AND message_id = ?",
                                    (user_key, message_id)))
        return int(rows[0][0]) if rows else None

    async def tagged(self, forget_tag: str) -> list[int]:
        rows = await self._all("SELECT id FROM chats WHERE forget_tag = ? ORDER BY id", (forget_tag,))
        return [row[0] for row in rows]


_SHIFT_COLUMNS = "id, service, starts_at, ends_at, started, ended"


def _shift(row: Row) -> ShiftRow:
    return ShiftRow(id=row[0], service=row[1], starts_at=load_time(row[2]), ends_at=load_time(row[3]),
                    started=bool(row[4]), ended=bool(row[5]))


class _Shifts(_Repo):
    async def get_or_add(self, row: ShiftRow) -> ShiftRow:
        """The stored shift of that service and start, as stored; a new one is added as given."""
        starts_at = dump_time(row.starts_at)
        found = await self._one(
            f"SELECT {_SHIFT_COLUMNS} FROM shifts WHERE service = ? AND starts_at = ?", (row.service, starts_at)
        )
        if found is not None:
            return _shift(found)
        new_id = await self._insert(
            "INSERT INTO shifts (service, starts_at, ends_at, started, ended) VALUES (?, ?, ?, ?, ?)",
            (row.service, starts_at, dump_time(row.ends_at), int(row.started), int(row.ended)),
        )
        return replace(row, id=new_id)

    async def get(self, shift_id: int) -> ShiftRow | None:
        row = await self._one(f"SELECT {_SHIFT_COLUMNS} FROM shifts WHERE id = ?", (shift_id,))
        return _shift(row) if row else None

    async def save(self, row: ShiftRow) -> None:
        """Rewrite every field but id."""
        await self._update(
            "UPDATE shifts SET service = ?, starts_at = ?, ends_at = ?, started = ?, ended = ? WHERE id = ?",
            (row.service, dump_time(row.starts_at), dump_time(row.ends_at), int(row.started), int(row.ended),
             row.id),
        )

    async def unfinished(self) -> list[ShiftRow]:
        rows = await self._all(f"SELECT {_SHIFT_COLUMNS} FROM shifts WHERE ended = 0 ORDER BY starts_at, id", ())
        return [_shift(row) for row in rows]

    async def started_between(self, since: datetime, until: datetime) -> list[ShiftRow]:
        rows = await self._all(
            f"SELECT {_SHIFT_COLUMNS} FROM shifts WHERE starts_at >= ? AND starts_at < ? ORDER BY starts_at, id",
            (dump_time(since), dump_time(until)),
        )
        return [_shift(row) for row in rows]

    async def duty(self, shift_id: int) -> list[DutyRow]:
        rows = await self._all(
            "SELECT shift_id, staff_id, on_duty, changed_at FROM duty WHERE shift_id = ? ORDER BY staff_id",
            (shift_id,),
        )
        return [DutyRow(row[0], row[1], bool(row[2]), load_time(row[3])) for row in rows]

    async def set_duty(self, row: DutyRow) -> None:
        async with _constraints(self._db):
            await self._db.execute(
                "INSERT INTO duty (shift_id, staff_id, on_duty, changed_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (shift_id, staff_id) DO UPDATE SET on_duty = excluded.on_duty, "
                "changed_at = excluded.changed_at",
                (row.shift_id, row.staff_id, int(row.on), dump_time(row.changed_at)),
            )


# The days in the week's order (the column holds "mon".."sun"), in SQL both databases read.
_WEEKDAY_ORDER = "CASE day " + " ".join(f"WHEN '{day}' THEN {n}" for n, day in enumerate(WEEKDAYS)) + " END"


class _Schedules(_Repo):
    async def rota(self, service: str) -> list[RotaRow]:
        rows = await self._all(
            "SELECT service, slot, staff_id FROM rota WHERE service = ? ORDER BY slot, staff_id", (service,)
        )
        return [RotaRow(row[0], row[1], row[2]) for row in rows]

    async def add_rota(self, row: RotaRow) -> None:
        async with _constraints(self._db):
            await self._db.execute(
                "INSERT INTO rota (service, slot, staff_id) VALUES (?, ?, ?) "
                "ON CONFLICT (service, slot, staff_id) DO NOTHING",
                (row.service, row.slot, row.staff_id),
            )

    async def remove_rota(self, row: RotaRow) -> None:
        await self._db.execute(
            "DELETE FROM rota WHERE service = ? AND slot = ? AND staff_id = ?", (row.service, row.slot, row.staff_id)
        )

    async def closings(self, service: str) -> list[ClosingRow]:
        rows = await self._all(
            "SELECT id, service, day, closed, start_time, end_time FROM closings WHERE service = ? "
            "ORDER BY day, start_time NULLS FIRST, id",  # a closed day before the slots of that day
            (service,),
        )
        return [
            ClosingRow(id=row[0], service=row[1], day=date.fromisoformat(row[2]), closed=bool(row[3]),
                       start=load_clock(row[4]), end=load_clock(row[5]))
            for row in rows
        ]

    async def add_closing(self, row: ClosingRow) -> int:
        return await self._insert(
            "INSERT INTO closings (service, day, closed, start_time, end_time) VALUES (?, ?, ?, ?, ?)",
            (row.service, dump_day(row.day), int(row.closed), dump_clock(row.start), dump_clock(row.end)),
        )

    async def remove_closing(self, closing_id: int) -> None:
        await self._db.execute("DELETE FROM closings WHERE id = ?", (closing_id,))

    async def weekly(self, service: str) -> list[WeeklyRow]:
        rows = await self._all(
            "SELECT id, service, day, start_time, end_time, removed FROM weekly_slots WHERE service = ? "
            f"ORDER BY {_WEEKDAY_ORDER}, start_time, id", (service,),
        )
        return [WeeklyRow(id=row[0], service=row[1], day=row[2], start=time.fromisoformat(row[3]),
                          end=time.fromisoformat(row[4]), removed=bool(row[5])) for row in rows]

    async def add_weekly(self, row: WeeklyRow) -> int:
        if row.day not in WEEKDAYS:
            raise ValueError(f"not a weekday: {row.day!r}")
        return await self._insert(
            "INSERT INTO weekly_slots (service, day, start_time, end_time, removed) VALUES (?, ?, ?, ?, ?)",
            (row.service, row.day, dump_clock(row.start), dump_clock(row.end), int(row.removed)),
        )

    async def remove_weekly(self, weekly_id: int) -> None:
        await self._db.execute("DELETE FROM weekly_slots WHERE id = ?", (weekly_id,))
