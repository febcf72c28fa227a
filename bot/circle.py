"""Draw the ESY circle (a radar chart of the areas) as PNG bytes. Runs inside a worker process."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from matplotlib.projections.polar import PolarAxes

PALETTE = ("#1f6f8b", "#c8553d")  # now, before: distinguishable in grey-scale and for red-green blindness
LINESTYLES = ("solid", "dashed")


@dataclass(frozen=True)
class CirclePicture:
    """Everything the picture shows, already in the person's language: plain, picklable data."""

    title: str
    areas: tuple[str, ...]
    scale_min: int
    scale_max: int
    scale_labels: tuple[str, ...]
    series: tuple[tuple[str, tuple[float | None, ...]], ...]
    # Whose circle it is when someone else looks at it (a worker's copy, an export); None for one's own.
    nickname: str | None = None
    # The change wishes in the person's own words, as (area name, wish), in the areas' order.
    wishes: tuple[tuple[str, str], ...] = ()
    # The heading over the wishes, and the note beside an area whose statements were all skipped.
    wishes_title: str = ""
    skipped_note: str = ""


def draw_circle(picture: CirclePicture) -> bytes:
    """Render the circle to PNG; missing values (all statements skipped) sit at the centre, hollow."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    count = len(picture.areas)
    angles = [2 * math.pi * i / count for i in range(count)]
    figure = Figure(figsize=(7.2, 8.0), dpi=110)
    axes = cast("PolarAxes", figure.add_subplot(projection="polar"))
    # The first area at twelve o'clock, the rest clockwise, as on the paper form.
    axes.set_theta_zero_location("N")
    axes.set_theta_direction(-1)
    axes.set_ylim(0, picture.scale_max)
    ticks = list(range(picture.scale_min, picture.scale_max + 1))
    axes.set_yticks(ticks)
    axes.set_yticklabels([str(t) for t in ticks], fontsize=8, color="#555555")
    axes.set_rlabel_position(180 / count)
    axes.set_xticks(angles)
    axes.set_xticklabels([_wrap(name) for name in picture.areas], fontsize=10)
    axes.tick_params(axis="x", pad=14)
    axes.grid(color="#bbbbbb", linewidth=0.7)
    axes.spines["polar"].set_color("#999999")
    for index, (label, values) in enumerate(reversed(picture.series)):
        style = len(picture.series) - 1 - index
        radii = [value if value is not None else 0.0 for value in values]
        closed_angles, closed_radii = [*angles, angles[0]], [*radii, radii[0]]
        color = PALETTE[style % len(PALETTE)]
        axes.plot(closed_angles, closed_radii, color=color, linewidth=2.2, linestyle=LINESTYLES[style % 2],
                  label=label)
        if style == 0:
            axes.fill(closed_angles, closed_radii, color=color, alpha=0.22)
        for angle, value in zip(angles, values, strict=True):
            if value is not None:
                axes.plot([angle], [value], marker="o", color=color, markersize=5)
    figure.suptitle(picture.title, fontsize=14, fontweight="bold")
    scale_text = "   ".join(
        f"{value} = {label}" for value, label in zip(ticks, picture.scale_labels, strict=True)
    )
    figure.text(0.5, 0.035, scale_text, ha="center", fontsize=8, color="#333333", wrap=True)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=len(picture.series), frameon=False)
    figure.subplots_adjust(top=0.84, bottom=0.16, left=0.12, right=0.88)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _wrap(text: str, width: int = 14) -> str:
    """Break a long area label onto two lines so it stays inside the picture."""
    if len(text) <= width or " " not in text:
        return text
    middle = len(text) // 2
    split = min((i for i, ch in enumerate(text) if ch == " "), key=lambda i: abs(i - middle))
    return text[:split] + "\n" + text[split + 1:]
