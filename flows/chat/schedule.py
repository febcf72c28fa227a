"""Chat services and their opening hours as data: weekly slots, slots across midnight, closed days and extra
slots, in Europe/Helsinki wall-clock time, correct across the daylight-saving changes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from flows.chat.holidays import HOLIDAYS, holidays_on
from flows.core.datafile import DataFileError, DataReader, parse_toml
from flows.core.dates import HELSINKI
from flows.core.messages import LocalText
from flows.identity.regions import valid_code
from storage.ports import DEFAULT_REGION

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_SERVICES = "chat_services.toml"


class ScheduleError(DataFileError):
    """The chat services file is unusable."""


@dataclass(frozen=True)
class Slot:
    start: time
    end: time  # not after start: the slot ends on the next day


@dataclass(frozen=True)
class Service:
    id: str
    name: LocalText
    opening: LocalText
    weekly: tuple[tuple[int, Slot], ...]  # (weekday 0=Monday, slot)
    closed: frozenset[date]
    extra: tuple[tuple[date, Slot], ...]
    holidays: frozenset[str] = frozenset()  # the Finnish holidays (flows.chat.holidays) that close it, every year
    region: str = DEFAULT_REGION  # whose staff answer it (#14): its rota, shifts, desk queue and statistics

    def is_closed(self, day: date) -> bool:
        """Closed on ``day`` (Helsinki): a closed date of the file or the rota, or one of its holidays."""
        return day in self.closed or not self.holidays.isdisjoint(holidays_on(day))

    def openings(self, since: datetime, until: datetime) -> list[tuple[datetime, datetime]]:
        """Open periods (UTC) that end after ``since`` and start before ``until``, in order."""
        found = []
        day = since.astimezone(HELSINKI).date() - timedelta(days=1)  # yesterday's slot may run past midnight
        last = until.astimezone(HELSINKI).date()
        while day <= last:
            slots = [] if self.is_closed(day) else [slot for weekday, slot in self.weekly if weekday == day.weekday()]
            slots += [slot for when, slot in self.extra if when == day]
            for slot in slots:
                start, end = slot_period(day, slot)
                if end > since and start < until:
                    found.append((start, end))
            day += timedelta(days=1)
        return sorted(found)

    def open_at(self, now: datetime) -> tuple[datetime, datetime] | None:
        """The open period ``now`` falls in, if any."""
        return next(((start, end) for start, end in self.openings(now, now + timedelta(seconds=1))
                     if start <= now < end), None)

    def slot_keys(self, start: datetime) -> tuple[str, ...]:
        """The rota keys of the slots that open at ``start``: "fri 12:00" for a weekly slot, "2026-12-30 10:00"
        for an extra one (both, when an extra slot coincides with a weekly one)."""
        keys = []
        day = start.astimezone(HELSINKI).date() - timedelta(days=1)  # a spring-forward start may have moved
        for _ in range(3):
            if not self.is_closed(day):
                keys += [slot_key(slot, weekday=weekday) for weekday, slot in self.weekly
                         if weekday == day.weekday() and slot_period(day, slot)[0] == start]
            keys += [slot_key(slot, day=when) for when, slot in self.extra
                     if when == day and slot_period(day, slot)[0] == start]
            day += timedelta(days=1)
        return tuple(keys)

    def weekly_keys(self) -> tuple[str, ...]:
        """Every weekly slot's rota key, Monday first."""
        return tuple(slot_key(slot, weekday=weekday) for weekday, slot in sorted(
            self.weekly, key=lambda entry: (entry[0], entry[1].start)))

    def with_changes(
        self, closed: frozenset[date], extra: tuple[tuple[date, Slot], ...],
        weekly: tuple[tuple[int, Slot], ...] = (), dropped: frozenset[tuple[int, time]] = frozenset(),
    ) -> Service:
        """This service with a coordinator's changes made in Telegram: closed days, extra slots, new weekly
        slots, and weekly slots of the file switched off (by weekday and start)."""
        kept = tuple((day, slot) for day, slot in self.weekly if (day, slot.start) not in dropped)
        return replace(self, closed=self.closed | closed, extra=self.extra + extra, weekly=kept + weekly)

    def next_openings(self, now: datetime, count: int = 3, horizon_days: int = 60) -> list[tuple[datetime, datetime]]:
        """The next ``count`` open periods from ``now`` (the current one first, if open)."""
        return self.openings(now, now + timedelta(days=horizon_days))[:count]


def slot_key(slot: Slot, *, weekday: int | None = None, day: date | None = None) -> str:
    """How the rota names a slot: "fri 12:00" (weekly) or "2026-12-30 10:00" (an extra slot on a day)."""
    when = DAYS[weekday] if weekday is not None else (day or date.min).isoformat()
    return f"{when} {slot.start.strftime('%H:%M')}"


def slot_period(day: date, slot: Slot) -> tuple[datetime, datetime]:
    """A slot on a Helsinki calendar day as a UTC period, on that day's own offset (so a Friday 12-14 slot is
    12-14 in winter and in summer)."""
    start = _instant(day, slot.start)
    end_day = day if slot.end > slot.start else day + timedelta(days=1)
    return start, _instant(end_day, slot.end)


def _instant(day: date, at: time) -> datetime:
    # fold=0: a wall-clock time the spring change skips (03:30) lands an hour later, after the change;
    # one the autumn change repeats is its first occurrence.
    return datetime.combine(day, at, tzinfo=HELSINKI).astimezone(UTC)


class _Reader(DataReader):
    error = ScheduleError

    def clock(self, value: Any, where: str) -> time:
        if not isinstance(value, str):
            raise self.fail(where, 'expected a time like "12:00"')
        try:
            return time.fromisoformat(value)
        except ValueError as problem:
            raise self.fail(where, f"not a time: {value!r}") from problem

    def day(self, value: Any, where: str) -> date:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        raise self.fail(where, f'expected a date like "2026-12-24", found {value!r}')

    def slot(self, raw: dict[str, Any], where: str) -> Slot:
        start, end = self.clock(raw.get("start"), f"{where}.start"), self.clock(raw.get("end"), f"{where}.end")
        if start == end:
            raise self.fail(where, "start and end are the same time")
        return Slot(start, end)

    def holidays(self, entry: dict[str, Any], where: str) -> frozenset[str]:
        names = entry.get("closed_on_holidays", [])
        if not isinstance(names, list):
            raise self.fail(f"{where}.closed_on_holidays", 'expected a list like ["good_friday", "midsummer_eve"]')
        for j, name in enumerate(names):
            if name not in HOLIDAYS:
                raise self.fail(f"{where}.closed_on_holidays[{j}]", f"expected one of {list(HOLIDAYS)}, found {name!r}")
        return frozenset(names)

    def services(self, raw: dict[str, Any]) -> tuple[Service, ...]:
        self.table(raw, "top level", {"services"})
        found, ids = [], set()
        for i, entry in enumerate(self.field(raw, "services", list, "top level")):
            where = f"services[{i}]"
            self.table(entry, where, {"id", "name", "opening", "slots", "exceptions", "closed_on_holidays", "region"})
            service_id = self.field(entry, "id", str, where)
            region = self.field(entry, "region", str, where) if "region" in entry else DEFAULT_REGION
            if not valid_code(region):
                raise self.fail(f"{where}.region", f"expected a region's code (1-32 of a-z, 0-9 and '-'), found "
                                f"{region!r}")
            if service_id in ids:
                raise self.fail(f"{where}.id", f"'{service_id}' is used twice")
            ids.add(service_id)
            weekly = []
            for j, slot in enumerate(self.field(entry, "slots", list, where)):
                slot_where = f"{where}.slots[{j}]"
                self.table(slot, slot_where, {"day", "start", "end"})
                day = slot.get("day")
                if day not in DAYS:
                    raise self.fail(f"{slot_where}.day", f"expected one of {list(DAYS)}, found {day!r}")
                weekly.append((DAYS.index(day), self.slot(slot, slot_where)))
            closed, extra = set(), []
            for j, exception in enumerate(entry.get("exceptions", [])):
                ex_where = f"{where}.exceptions[{j}]"
                self.table(exception, ex_where, {"date", "closed", "start", "end"})
                when = self.day(exception.get("date"), f"{ex_where}.date")
                if exception.get("closed") is True:
                    closed.add(when)
                else:
                    extra.append((when, self.slot(exception, ex_where)))
            found.append(Service(service_id, self.text(entry, "name", where), self.text(entry, "opening", where),
                                 tuple(weekly), frozenset(closed), tuple(extra), self.holidays(entry, where),
                                 region))
        if not found:
            raise self.fail("services", "at least one service is needed")
        return tuple(found)


def parse_services(text: str, source: str) -> tuple[Service, ...]:
    return _Reader(source).services(parse_toml(text, source, ScheduleError))


def load_services(path: Path | None = None) -> tuple[Service, ...]:
    """The chat services from an organisation's file, or Kaari's default."""
    if path is None:
        text = resources.files(__package__ or "").joinpath(DEFAULT_SERVICES).read_text(encoding="utf-8")
        return parse_services(text, f"flows/chat/{DEFAULT_SERVICES}")
    try:
        return parse_services(Path(path).read_text(encoding="utf-8"), str(path))
    except OSError as error:
        raise ScheduleError(f"{path}: cannot be read: {error.strerror}") from error
