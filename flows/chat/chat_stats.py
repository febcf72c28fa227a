"""Chat statistics for coordinators: chats per shift, waiting times, unanswered chats and ratings.

Only counts, times and ratings are read (they outlive the message texts); `/stats` shows the last 30 days per
service and sends a CSV with one row per shift.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from flows.chat.schedule import Service
from flows.chat.setup import ChatSetup
from flows.core.dates import HELSINKI
from flows.core.messages import N_, Lines, Msg, Number
from flows.core.results import Document, Say
from flows.core.spec import Conversation, FlowSpec, Who
from flows.identity.regions import region_of
from storage.ports import ChatRow, ShiftRow, UnitOfWork

NAME = "stats"
VERSION = 1
DAYS = 30
COLUMNS = ("service", "shift_start", "shift_end", "workers", "answered", "left_answered", "unanswered",
           "wait_p50_min", "wait_p90_min", "crisis", "ratings", "rating_avg")


def is_coordinator(who: Who) -> bool:
    """Only coordinators see the statistics."""
    return who.is_coordinator


def percentile(values: list[float], p: int) -> float | None:
    """Nearest-rank percentile: the smallest value with at least p % of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def waits(chats: list[ChatRow]) -> list[float]:
    """Minutes from the first message to a worker taking the chat; messages left out of hours are not
    counted (they wait for the next shift by design)."""
    return [(chat.taken_at - chat.opened_at).total_seconds() / 60 for chat in chats
            if chat.taken_at is not None and not chat.left]


def summary(chats: list[ChatRow]) -> dict[str, Any]:
    """The figures for a set of chats (a shift, or a service over a period)."""
    ratings = [chat.rating for chat in chats if chat.rating is not None]
    answered = [chat for chat in chats if chat.taken_at is not None]
    minutes = waits(chats)
    return {
        "answered": len(answered),
        "left_answered": sum(1 for chat in answered if chat.left),
        "unanswered": sum(1 for chat in chats if chat.taken_at is None and chat.status == "closed"),
        "waiting": sum(1 for chat in chats if chat.status == "queued"),
        "wait_p50_min": _round(percentile(minutes, 50)),
        "wait_p90_min": _round(percentile(minutes, 90)),
        "crisis": sum(1 for chat in chats if chat.crisis),
        "ratings": len(ratings),
        "rating_avg": _round(sum(ratings) / len(ratings)) if ratings else None,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def shift_rows(shift_list: list[ShiftRow], chats: list[ChatRow], workers: dict[int, int]) -> list[dict[str, Any]]:
    """One row per shift: the chats it answered, and as unanswered the chats opened during it that no worker
    had taken by its end (they may have been answered by a later shift, which counts them as answered)."""
    rows = []
    for shift in shift_list:
        answered = [chat for chat in chats if chat.shift_id == shift.id]
        missed = [chat for chat in chats if chat.service == shift.service
                  and shift.starts_at <= chat.opened_at < shift.ends_at
                  and (chat.taken_at is None or chat.taken_at >= shift.ends_at)]
        figures = {**summary(answered), "unanswered": len(missed)}
        rows.append({
            "service": shift.service,
            "shift_start": shift.starts_at.astimezone(HELSINKI).isoformat(timespec="minutes"),
            "shift_end": shift.ends_at.astimezone(HELSINKI).isoformat(timespec="minutes"),
            "workers": workers.get(shift.id or 0, 0),
            **{column: figures[column] for column in COLUMNS[4:]},
        })
    return rows


def shifts_held(shift_list: list[ShiftRow], chats: list[ChatRow], workers: dict[int, int]) -> list[ShiftRow]:
    """The openings that were shifts: someone was on duty in it, or someone wrote in it."""
    return [shift for shift in shift_list if workers[shift.id or 0] or any(
        chat.shift_id == shift.id or (chat.service == shift.service and shift.starts_at <= chat.opened_at
                                      < shift.ends_at) for chat in chats)]


def service_block(service: Service, chats: list[ChatRow], shift_list: list[ShiftRow]) -> Msg:
    """One service's figures for the summary message."""
    figures = summary([chat for chat in chats if chat.service == service.id])
    return Msg(N_("stats.service"), {
        "service": service.name,
        "shifts": sum(1 for shift in shift_list if shift.service == service.id),
        "answered": figures["answered"], "left": figures["left_answered"],
        "unanswered": figures["unanswered"], "waiting": figures["waiting"], "crisis": figures["crisis"],
        "p50": _minutes(figures["wait_p50_min"]), "p90": _minutes(figures["wait_p90_min"]),
        "rating": Msg(N_("stats.rating"), {"avg": Number(figures["rating_avg"]), "count": figures["ratings"]})
        if figures["ratings"] else Msg(N_("stats.no_ratings")),
    })


async def last_days(work: UnitOfWork, now: datetime) -> tuple[list[ChatRow], list[ShiftRow], dict[int, int]]:
    """The chats opened and the shifts held in the last DAYS days, and how many workers each shift had."""
    since = now - timedelta(days=DAYS)
    chats = await work.chats.opened_between(since, now + timedelta(seconds=1))
    shift_list = await work.shifts.started_between(since, now)
    # Everyone who was on duty at some time in the shift: a duty row is written only for a worker who went
    # on duty, and going off keeps it (on = false), so counting only those still on would say 0 for a
    # shift whose workers have gone home by the time /stats runs.
    workers = {shift.id or 0: len(await work.shifts.duty(shift.id or 0)) for shift in shift_list}
    return chats, shifts_held(shift_list, chats, workers), workers


def service_blocks(setup: ChatSetup, chats: list[ChatRow], shift_list: list[ShiftRow]) -> list[Msg]:
    """Every service's figures, in the services file's order (/stats and the desk in a browser show these)."""
    return [service_block(service, chats, shift_list) for service in setup.services]


def in_services(setup: ChatSetup, chats: list[ChatRow], shift_list: list[ShiftRow],
                workers: dict[int, int]) -> tuple[list[ChatRow], list[ShiftRow], dict[int, int]]:
    """Only the chats and shifts of ``setup``'s services (a region's, #14)."""
    ids = {service.id for service in setup.services}
    return ([chat for chat in chats if chat.service in ids], [shift for shift in shift_list if shift.service in ids],
            workers)


def _minutes(value: float | None) -> Msg:
    return Msg(N_("stats.minutes"), {"value": Number(value)}) if value is not None else Msg(N_("stats.no_wait"))


class StatsSteps:
    """The one step of /stats, over the organisation's services."""

    def __init__(self, setup: ChatSetup) -> None:
        self.setup = setup

    async def on_start(self, conv: Conversation) -> None:
        """The last 30 days per service of the coordinator's region (#14) as a message, and one row per shift as a
        CSV; the flow ends there."""
        setup = self.setup.for_region(region_of(conv.who.staff))
        chats, shift_list, workers = in_services(setup, *await last_days(conv.work, conv.now))
        blocks = service_blocks(setup, chats, shift_list)
        conv.emit(Say(Msg(N_("stats.summary"), {"days": DAYS, "services": Lines(tuple(blocks), "\n\n")})))
        conv.emit(Document("chat_stats", {"columns": list(COLUMNS), "rows": shift_rows(shift_list, chats, workers),
                                          "generated_at": conv.now.isoformat()}, Msg(N_("stats.caption"))))
        conv.state = "shown"


def stats_flow(setup: ChatSetup) -> FlowSpec:
    """/stats: the chat's figures for coordinators (no steps to take: it answers and ends)."""
    return FlowSpec(
        name=NAME, version=VERSION, states=["shown"], initial="shown", transitions=[], views={},
        help_key=N_("stats.help"), final=frozenset({"shown"}), on_start=StatsSteps(setup).on_start,
        allowed=is_coordinator,
    )
