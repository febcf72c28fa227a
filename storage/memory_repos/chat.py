"""The anonymous chat on shifts (#4): chats and their messages, shifts and who is on duty, rota and opening hours."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import date, datetime, time

from storage.codec import WEEKDAYS, dump_clock, dump_day, dump_json, dump_time, load_clock, load_json
from storage.memory_repos.base import _fields, _Repo
from storage.ports.chat import ChatMessageRow, ChatRow, ClosingRow, DutyRow, RotaRow, ShiftRow, WeeklyRow


def _by_time(rows: list[ChatRow]) -> list[ChatRow]:
    return sorted(rows, key=lambda row: (row.opened_at, row.id or 0))


class _Chats(_Repo):
    async def add(self, row: ChatRow) -> int:
        return self._db.insert("chats", _fields(row))

    async def get(self, chat_id: int) -> ChatRow | None:
        return self._db.get(ChatRow, "chats", str(chat_id))

    async def save(self, row: ChatRow) -> None:
        self._db.update("chats", row)

    async def active_for_user(self, user_key: str) -> ChatRow | None:
        rows = [row for row in self._db.rows(ChatRow, "chats")
                if row.user_key == user_key and row.status in ("queued", "open")]
        return _by_time(rows)[-1] if rows else None

    async def queued(self, service: str) -> list[ChatRow]:
        rows = [row for row in self._db.rows(ChatRow, "chats") if row.status == "queued" and row.service == service]
        return sorted(rows, key=lambda row: (not row.crisis, row.opened_at, row.id or 0))

    async def open_for_staff(self, staff_id: int) -> list[ChatRow]:
        return _by_time([row for row in self._db.rows(ChatRow, "chats")
                         if row.status == "open" and row.staff_id == staff_id])

    async def opened_between(self, since: datetime, until: datetime) -> list[ChatRow]:
        dump_time(since)  # refuse naive times, as SQLite's backend does
        dump_time(until)
        return _by_time([row for row in self._db.rows(ChatRow, "chats") if since <= row.opened_at < until])

    async def add_message(self, row: ChatMessageRow) -> int:
        return self._db.insert("chat_messages", _fields(row))

    async def messages(self, chat_id: int) -> list[ChatMessageRow]:
        rows = [row for row in self._db.rows(ChatMessageRow, "chat_messages") if row.chat_id == chat_id]
        return sorted(rows, key=lambda row: (row.at, row.id or 0))

    async def forget_closed(self, before: datetime) -> int:
        dump_time(before)
        closed = [chat for chat in self._db.rows(ChatRow, "chats")
                  if chat.status == "closed" and chat.closed_at is not None and chat.closed_at < before]
        for chat in closed:
            self._unsend(chat.id or 0)
        forgotten = sum([await self._forget(chat) for chat in closed])
        for chat in closed:  # the tag goes with the texts, also of a chat that had none
            if (row := self._db.get(ChatRow, "chats", str(chat.id))) is not None and row.forget_tag is not None:
                self._db.put("chats", str(chat.id), _fields(replace(row, forget_tag=None)))
        return forgotten

    async def forget(self, chat_id: int) -> None:
        chat = self._db.get(ChatRow, "chats", str(chat_id))
        if chat is not None:
            await self._forget(chat)
            self._unsend(chat_id)
            if (row := self._db.get(ChatRow, "chats", str(chat_id))) is not None:
                self._db.put("chats", str(chat_id), _fields(replace(row, forget_tag=None)))

    def _unsend(self, chat_id: int) -> None:
        for key, text in list(self._db.tables["chat_sent"].items()):
            if load_json(text)["chat_id"] == chat_id:
                del self._db.tables["chat_sent"][key]

    async def remember_sent(self, user_key: str, chat_id: int, message_ids: Sequence[int]) -> None:
        for message_id in message_ids:
            self._db.put("chat_sent", dump_json([user_key, message_id]),
                         {"user_key": user_key, "message_id": message_id, "chat_id": chat_id})

    async def sent_about(self, user_key: str, message_id: int) -> int | None:
        text = self._db.tables["chat_sent"].get(dump_json([user_key, message_id]))
        return int(load_json(text)["chat_id"]) if text is not None else None

    async def tagged(self, forget_tag: str) -> list[int]:
        return sorted(chat.id or 0 for chat in self._db.rows(ChatRow, "chats") if chat.forget_tag == forget_tag)

    async def _forget(self, chat: ChatRow) -> bool:
        """Delete a chat's messages and comment; whether it had any."""
        texts = await self.messages(chat.id or 0)
        for message in texts:
            self._db.delete("chat_messages", str(message.id))
        if chat.comment is not None:
            self._db.put("chats", str(chat.id), _fields(replace(chat, comment=None)))
        return bool(texts) or chat.comment is not None


class _Shifts(_Repo):
    async def get_or_add(self, row: ShiftRow) -> ShiftRow:
        dump_time(row.starts_at)
        found = next((shift for shift in self._db.rows(ShiftRow, "shifts")
                      if shift.service == row.service and shift.starts_at == row.starts_at), None)
        if found is not None:
            return found
        return replace(row, id=self._db.insert("shifts", _fields(row)))

    async def get(self, shift_id: int) -> ShiftRow | None:
        return self._db.get(ShiftRow, "shifts", str(shift_id))

    async def save(self, row: ShiftRow) -> None:
        self._db.update("shifts", row)

    async def unfinished(self) -> list[ShiftRow]:
        rows = [row for row in self._db.rows(ShiftRow, "shifts") if not row.ended]
        return sorted(rows, key=lambda row: (row.starts_at, row.id or 0))

    async def started_between(self, since: datetime, until: datetime) -> list[ShiftRow]:
        dump_time(since)  # refuse naive times, as SQLite's backend does
        dump_time(until)
        rows = [row for row in self._db.rows(ShiftRow, "shifts") if since <= row.starts_at < until]
        return sorted(rows, key=lambda row: (row.starts_at, row.id or 0))

    async def duty(self, shift_id: int) -> list[DutyRow]:
        rows = [row for row in self._db.rows(DutyRow, "duty") if row.shift_id == shift_id]
        return sorted(rows, key=lambda row: row.staff_id)

    async def set_duty(self, row: DutyRow) -> None:
        self._db.put("duty", dump_json([row.shift_id, row.staff_id]), _fields(row))


def _weekly(text: str) -> WeeklyRow:
    fields = load_json(text)
    return WeeklyRow(id=fields["id"], service=fields["service"], day=fields["day"],
                     start=time.fromisoformat(fields["start"]), end=time.fromisoformat(fields["end"]),
                     removed=fields["removed"])


def _closing(text: str) -> ClosingRow:
    fields = load_json(text)
    return ClosingRow(
        id=fields["id"], service=fields["service"], day=date.fromisoformat(fields["day"]), closed=fields["closed"],
        start=load_clock(fields["start"]),
        end=load_clock(fields["end"]),
    )


class _Schedules(_Repo):
    async def rota(self, service: str) -> list[RotaRow]:
        rows = [row for row in self._db.rows(RotaRow, "rota") if row.service == service]
        return sorted(rows, key=lambda row: (row.slot, row.staff_id))

    async def add_rota(self, row: RotaRow) -> None:
        key = dump_json([row.service, row.slot, row.staff_id])
        if key not in self._db.tables["rota"]:  # ON CONFLICT DO NOTHING
            self._db.put("rota", key, _fields(row))

    async def remove_rota(self, row: RotaRow) -> None:
        self._db.delete("rota", dump_json([row.service, row.slot, row.staff_id]))

    async def closings(self, service: str) -> list[ClosingRow]:
        rows = [_closing(text) for text in self._db.tables["closings"].values()]
        return sorted((row for row in rows if row.service == service),
                      key=lambda row: (row.day, row.start is not None, row.start or time.min, row.id or 0))

    async def add_closing(self, row: ClosingRow) -> int:
        fields = {**asdict(row), "day": dump_day(row.day), "start": dump_clock(row.start),
                  "end": dump_clock(row.end)}
        return self._db.insert("closings", fields)

    async def remove_closing(self, closing_id: int) -> None:
        self._db.delete("closings", str(closing_id))

    async def weekly(self, service: str) -> list[WeeklyRow]:
        rows = [_weekly(text) for text in self._db.tables["weekly_slots"].values()]
        return sorted((row for row in rows if row.service == service),
                      key=lambda row: (WEEKDAYS.index(row.day), row.start, row.id or 0))

    async def add_weekly(self, row: WeeklyRow) -> int:
        if row.day not in WEEKDAYS:
            raise ValueError(f"not a weekday: {row.day!r}")  # as the CHECK in SQLite
        fields = {**asdict(row), "start": dump_clock(row.start), "end": dump_clock(row.end)}
        return self._db.insert("weekly_slots", fields)

    async def remove_weekly(self, weekly_id: int) -> None:
        self._db.delete("weekly_slots", str(weekly_id))
