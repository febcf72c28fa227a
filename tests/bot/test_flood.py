"""The flood gate on its own: the bucket's numbers, one note per stretch over the limit, crisis words, off."""

from __future__ import annotations

import pytest

from bot.flood import NOTE, NOTE_EVERY, FloodGate
from flows.core import inputs


class Seconds:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_one_a_second_with_a_note_now_and_then() -> None:
    clock = Seconds()
    gate = FloodGate(3, 1.0, clock, urgent=lambda text: "kuolla" in text)
    hi = inputs.Text("moi")
    assert [gate.check("a", hi) for _ in range(5)] == [(True, None)] * 3 + [(False, NOTE), (False, None)]
    assert gate.check("b", hi) == (True, None), "another person has their own bucket"
    assert gate.check("a", inputs.Text("haluan kuolla")) == (True, None), "crisis words always go through"
    for _ in range(int(NOTE_EVERY) - 1):  # three a second, for most of half a minute: one a second heard
        clock.now += 1.0
        assert [gate.check("a", hi) for _ in range(3)] == [(True, None), (False, None), (False, None)]
    clock.now += 1.0
    assert [gate.check("a", hi) for _ in range(2)] == [(True, None), (False, NOTE)], "reminded now and then"
    clock.now += 3.0  # quiet until the bucket is full: a new stretch over the limit is told at once
    assert [gate.check("a", inputs.Choice(1, "x")) for _ in range(4)] == [(True, None)] * 3 + [(False, NOTE)]


def test_a_burst_of_zero_is_no_limit() -> None:
    gate = FloodGate(0, 1.0, Seconds())
    assert all(gate.check("a", inputs.Text("x")) == (True, None) for _ in range(100))


def test_the_limits_are_read_from_the_environment() -> None:
    from bot.settings import Settings, SettingsError, load_settings

    default = load_settings({})
    assert (default.chat_burst, default.flood_burst, default.flood_per_second) == (3, 10, 2.0)
    changed = load_settings({"KAARI_CHAT_BURST": "4", "KAARI_FLOOD_BURST": "0", "KAARI_FLOOD_PER_SECOND": "0.5"})
    assert (changed.chat_burst, changed.flood_burst, changed.flood_per_second) == (4, 0, 0.5)
    assert load_settings({"KAARI_CHAT_BURST": "0"}).chat_burst == 1, "at least one message goes at once"
    with pytest.raises(SettingsError, match="KAARI_FLOOD_BURST"):
        load_settings({"KAARI_FLOOD_BURST": "-1"})
    assert Settings().flood_burst == default.flood_burst
