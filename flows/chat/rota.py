"""A coordinator's chat schedule in Telegram: who is on which slot, closed days and extra openings.

The weekly slots come from the services file; the rota and the changes for single days are rows, so a
coordinator can change them without a deployment.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from flows.chat import shifts
from flows.chat.schedule import DAYS, Service, Slot, slot_key, slot_period
from flows.chat.setup import ChatSetup
from flows.core.dates import HELSINKI, WEEKDAY_WORDS, as_day, example_day, parse_day, time_range
from flows.core.guards import chose, near_enough
from flows.core.messages import N_, Example, Lines, Msg, Period, dump_param, load_param
from flows.core.results import Ask, Option, Say
from flows.core.spec import Conversation, FlowSpec, Who
from flows.identity.regions import region_of
from storage.ports import AuditRow, ClosingRow, RotaRow, UnitOfWork, WeeklyRow

NAME = "rota"
VERSION = 1
BACK, DONE, CLOSE_DAY, ADD_SLOT, ADD_WEEKLY, DROP_WEEKLY = (
    "back", "done", "close_day", "add_slot", "add_weekly", "drop_weekly")
DAY_NAMES = {"mon": N_("rota.day_mon"), "tue": N_("rota.day_tue"), "wed": N_("rota.day_wed"),
             "thu": N_("rota.day_thu"), "fri": N_("rota.day_fri"), "sat": N_("rota.day_sat"), "sun": N_("rota.day_sun")}
SHOWN_CHANGES = 10


def is_coordinator(who: Who) -> bool:
    """Only coordinators change the rota and the schedule."""
    return who.is_coordinator


def parse_weekday(text: str) -> str | None:
    """ "to", "tors", "torstai", "tor", "Thursday" ... -> "thu"."""
    word = text.strip().lower().rstrip(".")
    return next((day for day, words in WEEKDAY_WORDS.items() if word in words), None)


def parse_weekly(text: str) -> tuple[str, time, time] | None:
    """ "to 12-14", "Thursday 12:00–14:00" -> ("thu", 12:00, 14:00)."""
    day_text, _, times_text = text.strip().partition(" ")
    day, times = parse_weekday(day_text), parse_times(times_text)
    return (day, *times) if day and times else None


def parse_times(text: str) -> tuple[time, time] | None:
    """ "10-12", "10:00-12:30", "10.00–12.00"."""
    match = re.fullmatch(r"(\d{1,2})(?:[:.](\d{2}))?\s*[-–]\s*(\d{1,2})(?:[:.](\d{2}))?", text.strip())
    if not match:
        return None
    try:
        start, end = time(int(match[1]), int(match[2] or 0)), time(int(match[3]) % 24, int(match[4] or 0))
    except ValueError:
        return None
    return (start, end) if start != end else None


_EXTRA = re.compile(r"(?P<day>.+?)(?:\s*,)?\s+(?:(?:klo|kl\.?)\s+)?"
                    r"(?P<times>\d{1,2}(?:[:.]\d{2})?\s*[-–]\s*\d{1,2}(?:[:.]\d{2})?)", re.IGNORECASE)


def _example(conv: Conversation) -> Example:
    """A day a week ahead, for the examples of the prompts that ask for a day."""
    return Example(example_day(conv.now, 7), clock=False)


def parse_extra(text: str, today: date) -> tuple[date, tuple[time, time]] | None:
    """ "30.12.2026 10-12", "ke 30.12. klo 10.00–12.00", "30 Dec 2026, 10:00–12:00" -> the day and the times."""
    match = _EXTRA.fullmatch(text.strip())
    day = parse_day(match["day"], today) if match else None
    times = parse_times(match["times"]) if match else None
    return (day, times) if day is not None and times is not None else None


def weekly_label(service: Service, key: str) -> Msg:
    """A weekly slot by its rota key ("thu 12:00"), as the reader sees it: the day and the times."""
    day, _, start = key.partition(" ")
    slot = next(slot for weekday, slot in service.weekly
                if DAYS[weekday] == day and f"{slot.start:%H:%M}" == start)  # the key came from this list
    return Msg(N_("rota.slot_weekly"), {"day": Msg(DAY_NAMES[day]), "times": time_range(slot.start, slot.end)})


async def audit(conv: Conversation, action: str, subject: str) -> None:
    """Every change to the schedule or the rota is in the audit log, with who made it."""
    await conv.work.audit.add(AuditRow(conv.now, conv.who.actor(conv.key), action, subject, region=conv.who.region))


async def rota_data(work: UnitOfWork, service: Service, now: datetime) -> dict[str, Any]:
    """A service's slots with their workers, the workers, and the coming changes, as a conversation keeps them
    (the desk in a browser shows the same, read-only)."""
    rota = await work.schedules.rota(service.id)
    names = {staff.id: staff.name for staff in await work.staff.in_region(service.region)
             if staff.active and staff.is_worker}
    today = now.astimezone(HELSINKI).date()
    changes = [row for row in await work.schedules.closings(service.id) if row.day >= today]
    merged = await shifts.schedule_of(work, service)
    # Labels are stored as messages, so each reader sees the slots in the bot's date style and language.
    slots = [[key, dump_param(weekly_label(merged, key))] for key in merged.weekly_keys()]
    slots += [[slot_key(slot, day=day), dump_param(Period(*slot_period(day, slot)))]
              for day, slot in sorted(service.extra, key=lambda pair: (pair[0], pair[1].start)) if day >= today]
    slots += [[slot_key(Slot(row.start, row.end), day=row.day),
               dump_param(Period(*slot_period(row.day, Slot(row.start, row.end))))]
              for row in changes if not row.closed and row.start and row.end]
    return {
        "slots": [[key, label, [names[row.staff_id] for row in rota if row.slot == key and row.staff_id in names]]
                  for key, label in slots],
        "workers": [[staff_id, name] for staff_id, name in sorted(names.items(), key=lambda p: p[1])],
        "changes": [[row.id, row.day.isoformat(), row.closed,
                     dump_param(time_range(row.start, row.end)) if row.start and row.end else None]
                    for row in changes[:SHOWN_CHANGES]],
    }


# --- guards and small effects that need no configuration ---


def chose_slot(event: Any) -> bool:
    """One of the service's slots, to put workers on it."""
    return any(f"slot:{key}" == event.kwargs.get("value") for key, _, _ in event.model.data.get("slots", []))


async def open_slot(event: Any) -> None:
    """Remember the slot being edited."""
    event.model.data["slot"] = event.kwargs["value"][5:]


def chose_worker(event: Any) -> bool:
    """A worker to put on the slot or take off it."""
    value = str(event.kwargs.get("value", ""))
    return value.startswith("w:") and any(str(w[0]) == value[2:] for w in event.model.data.get("workers", []))


def valid_day(event: Any) -> bool:
    """A day to close: today or later, and not too far ahead (else the coordinator is told why)."""
    conv: Conversation = event.model
    day = parse_day(event.kwargs["text"], conv.now.astimezone(HELSINKI).date())
    if day is None or day < conv.now.astimezone(HELSINKI).date():
        conv.emit(Say(Msg(N_("rota.bad_day"), {"example": _example(conv)})))
        return False
    return near_enough(conv, day)


def valid_extra(event: Any) -> bool:
    """An extra slot: a day today or later with the times (else the coordinator is told why)."""
    conv: Conversation = event.model
    today = conv.now.astimezone(HELSINKI).date()
    parsed = parse_extra(event.kwargs["text"], today)
    if parsed is None or parsed[0] < today:
        conv.emit(Say(Msg(N_("rota.bad_slot"), {"example": _example(conv)})))
        return False
    return near_enough(conv, parsed[0])


def chose_change(event: Any) -> bool:
    """One of the coming changes (a closed day, an extra slot), to remove it."""
    value = str(event.kwargs.get("value", ""))
    return value.startswith("x:") and any(str(c[0]) == value[2:] for c in event.model.data.get("changes", []))


def valid_weekly(event: Any) -> bool:
    """A weekly slot like "to 12-14" (else the coordinator is told how to write it)."""
    if parse_weekly(event.kwargs["text"]) is None:
        event.model.emit(Say(Msg(N_("rota.bad_weekly"))))
        return False
    return True


def weekly_slot(event: Any) -> bool:
    """The slot being edited is a weekly one (an extra slot on one day is removed as a change)."""
    return str(event.model.data.get("slot", "")).partition(" ")[0] in DAY_NAMES


# --- views that need no configuration ---


def view_slot(conv: Conversation) -> Ask:
    """The workers to put on the slot (or take off it), and dropping a weekly slot."""
    key = conv.data["slot"]
    label = next((load_param(label) for k, label, _ in conv.data["slots"] if k == key), key)
    on: list[str] = next((workers for k, _, workers in conv.data["slots"] if k == key), [])
    options = [Option(f"w:{staff_id}", Msg(N_("rota.worker_on") if name in on else N_("rota.worker_off"),
                                           {"name": name})) for staff_id, name in conv.data["workers"]]
    if key.partition(" ")[0] in DAY_NAMES:
        options.append(Option(DROP_WEEKLY, Msg(N_("rota.drop_weekly"))))
    return Ask(Msg(N_("rota.slot") if options else N_("rota.no_workers"), {"slot": label}),
               (*options, Option(BACK, Msg(N_("rota.back")))))


def change_line(day: str, closed: bool, times: Any) -> Msg:
    """A coming change as a line: a closed day, or an extra slot with its times."""
    when = as_day(date.fromisoformat(day))
    if closed or times is None:
        return Msg(N_("rota.change_closed"), {"date": when})
    return Msg(N_("rota.change_extra"), {"date": when, "times": load_param(times)})


def rota_text(service: Service, data: dict[str, Any]) -> Msg:
    """A service's slots with their workers and the coming changes, from what `rota_data` read."""
    lines = tuple(Msg(N_("rota.slot_line"), {
        "slot": load_param(label), "workers": ", ".join(workers) if workers else Msg(N_("rota.nobody"))})
        for key, label, workers in data["slots"])
    changes = tuple(change_line(day, closed, times) for _, day, closed, times in data["changes"])
    return Msg(N_("rota.service"), {
        "service": service.name, "slots": Lines(lines) if lines else Msg(N_("rota.no_slots")),
        "changes": Lines(changes) if changes else Msg(N_("rota.no_changes"))})


def view_add_weekly(conv: Conversation) -> Ask:
    """Ask for a new weekly slot."""
    return Ask(Msg(N_("rota.ask_weekly")), (Option(BACK, Msg(N_("rota.back"))),), free_text=True, max_length=40)


def view_close_day(conv: Conversation) -> Ask:
    """Ask for a day to close."""
    return Ask(Msg(N_("rota.ask_day"), {"example": _example(conv)}), (Option(BACK, Msg(N_("rota.back"))),),
               free_text=True, max_length=40)


def view_add_slot(conv: Conversation) -> Ask:
    """Ask for an extra slot on one day."""
    return Ask(Msg(N_("rota.ask_slot"), {"example": _example(conv)}), (Option(BACK, Msg(N_("rota.back"))),),
               free_text=True, max_length=40)


class RotaSteps:
    """The steps that need the organisation's chat setup: its services, and who is told when duty changes."""

    def __init__(self, setup: ChatSetup) -> None:
        self.all_setup = setup

    def setup_of(self, conv: Conversation) -> ChatSetup:
        """The chat setup of the coordinator's region (#14): the services whose rota they plan."""
        return self.all_setup.for_region(region_of(conv.who.staff))

    def by_id(self, conv: Conversation) -> dict[str, Service]:
        """The coordinator's region's services by id."""
        return {service.id: service for service in self.setup_of(conv).services}

    async def on_start(self, conv: Conversation) -> None:
        """With one service, straight to it."""
        if len(self.setup_of(conv).services) == 1:
            conv.data["service"] = self.setup_of(conv).services[0].id
            conv.state = "service"
            await self.load(conv)

    async def load(self, conv: Conversation) -> None:
        """The service's slots with their workers, and the coming changes."""
        conv.data.update(await rota_data(conv.work, self.by_id(conv)[conv.data["service"]], conv.now))

    async def refresh(self, conv: Conversation) -> None:
        """Another coordinator may have changed the schedule since this one's screen was drawn."""
        if "service" in conv.data and conv.data["service"] in self.by_id(conv) and conv.state != "services":
            await self.load(conv)

    def known_service(self, conv: Conversation) -> bool:
        """A conversation about a service that was removed from the services file starts afresh."""
        return "service" not in conv.data or conv.data["service"] in self.by_id(conv)

    def chose_service(self, event: Any) -> bool:
        """One of the organisation's services."""
        return event.kwargs.get("value") in self.by_id(event.model)

    async def choose_service(self, event: Any) -> None:
        """Open the service's rota."""
        event.model.data["service"] = event.kwargs["value"]
        await self.load(event.model)

    async def toggle(self, event: Any) -> None:
        """Put the worker on the slot, or take them off it; duty follows at once if the slot is running."""
        conv: Conversation = event.model
        row = RotaRow(conv.data["service"], conv.data["slot"], int(event.kwargs["value"][2:]))
        on = any(existing == row for existing in await conv.work.schedules.rota(row.service))
        was = await shifts.staffed_services(conv.work, self.setup_of(conv), conv.now)
        await (conv.work.schedules.remove_rota(row) if on else conv.work.schedules.add_rota(row))
        await audit(conv, "rota.remove" if on else "rota.add", f"staff:{row.staff_id}")
        # The slot may be the one running now: duty follows the rota at once, not only at the next shift.
        await shifts.follow_rota(conv.work, self.by_id(conv)[row.service], row.slot, row.staff_id, not on, conv.now)
        await shifts.tell_if_unstaffed(conv.work, self.setup_of(conv), was, conv.now)
        await self.load(conv)

    async def close_day(self, event: Any) -> None:
        """Close the service on a day; anyone waiting today with nobody left on duty is told."""
        conv: Conversation = event.model
        day = parse_day(event.kwargs["text"], conv.now.astimezone(HELSINKI).date())
        assert day is not None
        was = await shifts.staffed_services(conv.work, self.setup_of(conv), conv.now)
        await conv.work.schedules.add_closing(ClosingRow(conv.data["service"], day, True))
        # Today closed while someone waits: they are told.
        await shifts.tell_if_unstaffed(conv.work, self.setup_of(conv), was, conv.now)
        await audit(conv, "schedule.closed_day", f"service:{conv.data['service']}")
        conv.emit(Say(Msg(N_("rota.day_closed"), {"date": as_day(day)})))
        await self.load(conv)

    async def add_extra(self, event: Any) -> None:
        """An extra slot on one day."""
        conv: Conversation = event.model
        parsed = parse_extra(event.kwargs["text"], conv.now.astimezone(HELSINKI).date())
        assert parsed is not None  # valid_extra said so
        day, times = parsed
        await conv.work.schedules.add_closing(ClosingRow(conv.data["service"], day, False, times[0], times[1]))
        await audit(conv, "schedule.extra_slot", f"service:{conv.data['service']}")
        conv.emit(Say(Msg(N_("rota.slot_added"), {"date": as_day(day), "times": time_range(*times)})))
        await self.load(conv)

    async def add_weekly(self, event: Any) -> None:
        """A new weekly slot."""
        conv: Conversation = event.model
        parsed = parse_weekly(event.kwargs["text"])
        assert parsed is not None
        day, start, end = parsed
        await conv.work.schedules.add_weekly(WeeklyRow(conv.data["service"], day, start, end))
        await audit(conv, "schedule.weekly_added", f"service:{conv.data['service']}")
        conv.emit(Say(Msg(N_("rota.weekly_added"), {"slot": Msg(N_("rota.slot_weekly"), {
            "day": Msg(DAY_NAMES[day]), "times": time_range(start, end)})})))
        await self.load(conv)

    async def drop_weekly(self, event: Any) -> None:
        """Off the weekly schedule: a slot added in Telegram is deleted, one from the file switched off."""
        conv: Conversation = event.model
        service_id = conv.data["service"]
        day, _, start_text = conv.data["slot"].partition(" ")
        start = time.fromisoformat(start_text)
        was = await shifts.staffed_services(conv.work, self.setup_of(conv), conv.now)
        added = [row for row in await conv.work.schedules.weekly(service_id)
                 if not row.removed and row.day == day and row.start == start]
        if added:
            for row in added:
                await conv.work.schedules.remove_weekly(row.id or 0)
        else:
            schedule = await shifts.schedule_of(conv.work, self.by_id(conv)[service_id])
            slot = next((slot for weekday, slot in schedule.weekly
                         if DAYS[weekday] == day and slot.start == start), None)
            if slot is None:  # another coordinator took it off meanwhile
                conv.emit(Say(Msg(N_("rota.changed"))))
                await self.load(conv)
                return
            await conv.work.schedules.add_weekly(WeeklyRow(service_id, day, slot.start, slot.end, removed=True))
        await audit(conv, "schedule.weekly_removed", f"service:{service_id}")
        await shifts.tell_if_unstaffed(conv.work, self.setup_of(conv), was, conv.now)
        conv.emit(Say(Msg(N_("rota.weekly_removed"))))
        await self.load(conv)

    async def remove_change(self, event: Any) -> None:
        """Remove a coming change (a closed day or an extra slot)."""
        conv: Conversation = event.model
        was = await shifts.staffed_services(conv.work, self.setup_of(conv), conv.now)
        await conv.work.schedules.remove_closing(int(event.kwargs["value"][2:]))
        await audit(conv, "schedule.change_removed", f"service:{conv.data['service']}")
        await shifts.tell_if_unstaffed(conv.work, self.setup_of(conv), was, conv.now)
        conv.emit(Say(Msg(N_("rota.change_removed"))))
        await self.load(conv)

    # --- views ---

    def view_services(self, conv: Conversation) -> Ask:
        """Which service's rota."""
        return Ask(Msg(N_("rota.choose_service")), (
            *(Option(service.id, service.name) for service in self.setup_of(conv).services),
            Option(DONE, Msg(N_("rota.done")))))

    def view_service(self, conv: Conversation) -> Ask:
        """The service's slots with their workers, the coming changes, and what can be changed."""
        return Ask(rota_text(self.by_id(conv)[conv.data["service"]], conv.data), self._service_options(conv))

    def _service_options(self, conv: Conversation) -> tuple[Option, ...]:
        """A button per slot and per coming change, the three additions, and back (or done, with one service)."""
        options = [Option(f"slot:{key}", Msg(N_("rota.edit_slot"), {"slot": load_param(label)}))
                   for key, label, _ in conv.data["slots"]]
        options += [Option(ADD_WEEKLY, Msg(N_("rota.add_weekly"))), Option(CLOSE_DAY, Msg(N_("rota.close_day"))),
                    Option(ADD_SLOT, Msg(N_("rota.add_slot")))]
        options += [Option(f"x:{change_id}", Msg(N_("rota.remove_change"), {
            "date": as_day(date.fromisoformat(day)), "times": load_param(times) if times and not closed else ""}))
            for change_id, day, closed, times in conv.data["changes"]]
        several = len(self.setup_of(conv).services) > 1
        options.append(Option(BACK if several else DONE, Msg(N_("rota.back") if several else N_("rota.done"))))
        return tuple(options)


def rota_flow(setup: ChatSetup) -> FlowSpec:
    """A coordinator's rota and schedule: workers on slots, weekly slots, closed days and extra slots."""
    steps = RotaSteps(setup)
    return FlowSpec(
        name=NAME, version=VERSION,
        states=["services", "service", "slot", "close_day", "add_slot", "add_weekly", "done"], initial="services",
        transitions=[
            dict(trigger="choose", source="services", dest="service", conditions=[steps.chose_service],
                 after=[steps.choose_service]),
            dict(trigger="choose", source=["services", "service"], dest="done", conditions=[chose(DONE)]),
            dict(trigger="choose", source="service", dest="services", conditions=[chose(BACK)]),
            dict(trigger="choose", source="service", dest="slot", conditions=[chose_slot], after=[open_slot]),
            dict(trigger="choose", source="service", dest="close_day", conditions=[chose(CLOSE_DAY)]),
            dict(trigger="choose", source="service", dest="add_slot", conditions=[chose(ADD_SLOT)]),
            dict(trigger="choose", source="service", dest="add_weekly", conditions=[chose(ADD_WEEKLY)]),
            dict(trigger="text", source="add_weekly", dest="service", conditions=[valid_weekly],
                 after=[steps.add_weekly]),
            dict(trigger="text", source="add_weekly", dest="add_weekly"),
            dict(trigger="choose", source="slot", dest="service", conditions=[chose(DROP_WEEKLY), weekly_slot],
                 after=[steps.drop_weekly]),
            dict(trigger="choose", source="service", dest="service", conditions=[chose_change],
                 after=[steps.remove_change]),
            dict(trigger="choose", source="slot", dest="slot", conditions=[chose_worker], after=[steps.toggle]),
            dict(trigger="choose", source=["slot", "close_day", "add_slot", "add_weekly"], dest="service",
                 conditions=[chose(BACK)]),
            dict(trigger="text", source="close_day", dest="service", conditions=[valid_day],
                 after=[steps.close_day]),
            dict(trigger="text", source="close_day", dest="close_day"),
            dict(trigger="text", source="add_slot", dest="service", conditions=[valid_extra],
                 after=[steps.add_extra]),
            dict(trigger="text", source="add_slot", dest="add_slot"),
        ],
        views={"services": steps.view_services, "service": steps.view_service, "slot": view_slot,
               "close_day": view_close_day, "add_slot": view_add_slot, "add_weekly": view_add_weekly},
        help_key=N_("rota.help"), final=frozenset({"done"}), on_start=steps.on_start, allowed=is_coordinator,
        still_valid=steps.known_service, refresh=steps.refresh,
        position_keys=("service", "slot"), reload=True, controls=False,
    )
