"""The shift chat's rules alone: given rows and times, the answer (no store, no conversation)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from flows.chat import rules
from flows.chat.schedule import parse_services
from storage.ports import DEFAULT_REGION, ChatRow, ClosingRow, DutyRow, RotaRow, StaffRow, WeeklyRow

SERVICES = """
[[services]]
id = "sw"
name = { fi = "Chat", sv = "Chatt", en = "Chat" }
opening = { fi = "Vastaa", sv = "Svarar", en = "Answers" }
slots = [{ day = "fri", start = "12:00", end = "14:00" }]
"""
(SERVICE,) = parse_services(SERVICES, "test")
FRIDAY_NOON = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # 12:00 in Helsinki (winter time)
FRIDAY = date(2026, 11, 20)


def chat(chat_id: int, minutes: int, *, crisis: bool = False, status: str = "queued") -> ChatRow:
    """A chat opened ``minutes`` after Friday noon."""
    return ChatRow("sw", FRIDAY_NOON + timedelta(minutes=minutes), f"y{chat_id}", status=status, crisis=crisis,
                   id=chat_id)


def worker(*, active: bool = True, is_worker: bool = True, user_key: str | None = "w1",
           region: str = DEFAULT_REGION) -> StaffRow:
    return StaffRow("Aino", "", "Oulunkaari", False, is_worker, FRIDAY_NOON, user_key, active, id=1, region=region)


def test_the_schedule_takes_the_closed_days_extra_slots_and_weekly_changes_made_in_telegram() -> None:
    merged = rules.merged_schedule(
        SERVICE,
        [ClosingRow("sw", FRIDAY, True), ClosingRow("sw", date(2026, 11, 21), False, time(10), time(11)),
         ClosingRow("sw", date(2026, 11, 22), False)],  # no times: not a slot
        [WeeklyRow("sw", "mon", time(9), time(10)), WeeklyRow("sw", "fri", time(12), time(14), removed=True)],
    )
    assert merged.open_at(FRIDAY_NOON) is None and SERVICE.open_at(FRIDAY_NOON) is not None
    assert merged.open_at(datetime(2026, 11, 21, 8, 30, tzinfo=UTC)) is not None  # Saturday 10:30
    assert merged.open_at(datetime(2026, 11, 23, 7, 30, tzinfo=UTC)) is not None  # Monday 9:30
    assert [day for day, _ in merged.weekly] == [0]  # Friday's slot is switched off, Monday's added
    assert merged.extra == ((date(2026, 11, 21), merged.extra[0][1]),)


def test_the_next_opening_is_never_the_one_running_now() -> None:
    during = rules.next_opening(SERVICE, FRIDAY_NOON + timedelta(minutes=30))
    before = rules.next_opening(SERVICE, FRIDAY_NOON - timedelta(minutes=1))
    assert during is not None and during.start == FRIDAY_NOON + timedelta(days=7)
    assert before is not None and before.start == FRIDAY_NOON
    closed_for_good = rules.merged_schedule(SERVICE, [], [WeeklyRow("sw", "fri", time(12), time(14), removed=True)])
    assert rules.next_opening(closed_for_good, FRIDAY_NOON) is None


def test_a_starting_shift_puts_the_rota_on_duty_but_not_one_who_went_off_by_hand() -> None:
    rota = [RotaRow("sw", "fri 12:00", 1), RotaRow("sw", "tue 12:00", 2), RotaRow("sw", "fri 12:00", 3),
            RotaRow("sw", "2026-11-20 12:00", 1), RotaRow("sw", "2026-11-20 12:00", 4)]
    assert rules.from_rota(rota, ("fri 12:00", "2026-11-20 12:00"), marked=[3]) == [1, 4]
    assert rules.from_rota(rota, (), marked=[]) == []


@pytest.mark.parametrize(("on", "staff", "answers"), [
    (True, worker(), True),
    (False, worker(), False),  # went off duty
    (True, None, False),  # removed from the store
    (True, worker(active=False), False),  # access removed
    (True, worker(is_worker=False), False),  # a coordinator only
    (True, worker(user_key=None), False),  # never opened the bot: cannot be written to
    (True, worker(region="north"), False),  # of another region: its desk does not show this service's queue
])
def test_who_can_answer_on_duty(on: bool, staff: StaffRow | None, answers: bool) -> None:
    assert rules.can_answer(DutyRow(1, 1, on, FRIDAY_NOON), staff, DEFAULT_REGION) is answers


def test_on_duty_alone_and_the_services_left_unstaffed() -> None:
    duty = [DutyRow(1, 1, True, FRIDAY_NOON), DutyRow(1, 2, False, FRIDAY_NOON)]
    assert rules.is_on(duty, 1) and not rules.is_on(duty, 2) and not rules.is_on(duty, 3)
    assert rules.only_one([1], 1) and not rules.only_one([1, 2], 1) and not rules.only_one([], 1)
    assert rules.unstaffed({"sw", "night", "day"}, {"day"}) == ["night", "sw"]
    assert rules.unstaffed(set(), {"day"}) == []


def test_the_queue_puts_crisis_first_then_whoever_waited_longest() -> None:
    first, second, crisis_later = chat(1, 0), chat(2, 5), chat(3, 9, crisis=True)
    same_time = chat(0, 5)
    queue = sorted([second, first, crisis_later, same_time], key=rules.queue_order)
    assert [row.id for row in queue] == [3, 1, 0, 2]
    assert rules.first_in_queue([second, first, same_time]) is first
    assert rules.first_in_queue([second, first, crisis_later]) is crisis_later
    assert [rules.place_in_queue(queue, chat_id) for chat_id in (3, 1, 0, 2)] == [1, 2, 3, 4]
    assert rules.place_in_queue(queue, 99) == 5 and rules.place_in_queue([], None) == 1


def test_only_messages_still_waiting_from_before_the_limit_expire() -> None:
    rows = [chat(1, 0), chat(2, 0, status="open"), chat(3, 0, status="closed"), chat(4, 10)]
    assert [row.id for row in rules.expired(rows, FRIDAY_NOON + timedelta(minutes=10))] == [1]


def test_the_clock_closes_an_open_chat_only_after_the_grace_time_and_never_a_crisis() -> None:
    end = FRIDAY_NOON + timedelta(hours=2)
    late = end + rules.GRACE
    quiet = end - timedelta(minutes=5)
    assert rules.overdue(chat(1, 0, status="open"), end, quiet, late)
    assert rules.overdue(chat(1, 0, status="open"), end, None, late)  # nothing written at all
    assert not rules.overdue(chat(1, 0, status="open"), end, quiet, late - timedelta(seconds=1))
    assert not rules.overdue(chat(1, 0, status="open"), end, late - timedelta(minutes=1), late)  # still talking
    assert not rules.overdue(chat(1, 0, status="open", crisis=True), end, quiet, late + timedelta(days=1))
    assert not rules.overdue(chat(1, 0, status="open"), None, None, late)  # no shift: not the clock's


def test_a_shift_is_over_at_its_end_and_long_gone_after_the_grace_time() -> None:
    end = FRIDAY_NOON + timedelta(hours=2)
    assert not rules.shift_over(end, end - timedelta(seconds=1)) and rules.shift_over(end, end)
    assert not rules.ended_long_ago(end, end + rules.GRACE)
    assert rules.ended_long_ago(end, end + rules.GRACE + timedelta(seconds=1))
