"""Small helpers the benchmark sections share."""

from __future__ import annotations

import math


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"
