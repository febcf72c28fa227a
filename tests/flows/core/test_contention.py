"""The retry policy for Contention (#14): long enough that ordinary load never reaches a person, bounded, told."""

from __future__ import annotations

import pytest

from flows.core import contention
from flows.core.contention import MOST, TRIES, pause, retrying
from storage.ports import Contention


class Losing:
    """A transaction that loses ``losses`` times, then commits."""

    def __init__(self, losses: int) -> None:
        self.losses, self.tries = losses, 0

    async def __call__(self) -> str:
        self.tries += 1
        if self.tries <= self.losses:
            raise Contention("could not serialize access", "40001:test")
        return "done"


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses taken, without waiting for them."""
    taken: list[float] = []

    async def sleep(seconds: float) -> None:
        taken.append(seconds)

    monkeypatch.setattr("flows.core.contention.asyncio.sleep", sleep)
    return taken


async def test_a_burst_of_ten_losses_is_run_through(pauses: list[float]) -> None:
    """Six tries in 0.16 s were too few under load (a person got error.internal): ten losses still commit."""
    run = Losing(10)
    assert await retrying(run, what="handle") == "done"
    assert run.tries == 11 and len(pauses) == 10


async def test_the_pauses_grow_and_stay_bounded(pauses: list[float]) -> None:
    with pytest.raises(Contention):
        await retrying(Losing(100), what="handle")
    assert len(pauses) == TRIES - 1
    assert all(0 < seconds <= MOST for seconds in pauses)
    # Each pause is at least half its base, so the later ones are long whatever the dice say.
    assert pauses[-1] >= MOST / 2 and pauses[0] <= 0.005
    assert 1.0 <= sum(pauses) <= 2.2, "about two seconds of pauses at most before the caller sees Contention"
    assert [pause(attempt) <= MOST for attempt in range(1, 40)] == [True] * 39


async def test_watchers_hear_each_lost_try_by_call_site(pauses: list[float], monkeypatch: pytest.MonkeyPatch) -> None:
    heard: list[tuple[str, bool]] = []
    monkeypatch.setattr(contention, "WATCHERS", [lambda what, gave_up: heard.append((what, gave_up))])
    await retrying(Losing(2), what="claim")
    with pytest.raises(Contention):
        await retrying(Losing(100), what="handle", tries=2)
    assert heard == [("claim", False), ("claim", False), ("handle", False), ("handle", True)]
