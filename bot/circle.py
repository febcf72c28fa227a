"""Draw the ESY circle (a radar chart of the areas) as PNG bytes. Runs inside a worker process.

The picture is read on a phone: Telegram shows the 792-px-wide PNG about 360 px wide, so no text is under 14 pt
(21 px here, about 9.5 px there; the scale key used to be 8 pt grey), the area names are the instrument's own
names (as in the text summary) wrapped, and they hang outward from the ring so that they never cross it nor
leave the picture.
"""

from __future__ import annotations

import io
import itertools
import math
import re
import textwrap
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import Figure
    from matplotlib.projections.polar import PolarAxes

PALETTE = ("#1f6f8b", "#c8553d")  # now, before: distinguishable in grey-scale and for red-green blindness
LINESTYLES = ("solid", "dashed")
MARKERS, MARKER_SIZES = ("o", "s"), (7, 8)  # a dot and a (slightly larger, as it looks smaller) square
SKIPPED_COLOR = "#6b6b6b"  # greyed, yet 5:1 on white: still readable
TEXT_COLOR = "#222222"

WIDTH_PX, DPI = 792, 110
TITLE_PT, LABEL_PT, TEXT_PT, RING_PT = 19, 15, 14, 14
MARGIN, LABEL_PAD, GAP = 16.0, 10.0, 14.0
LABEL_CHARS_MAX, LABEL_CHARS_MIN = 18, 8  # an area name's lines, in characters, at the widest and narrowest
MAX_RADIUS, MIN_RADIUS = 250.0, 120.0
WISH_LINES = 12  # a very long wish is cut here in the picture (the text keeps it whole)


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

    @property
    def skipped(self) -> tuple[bool, ...]:
        """Per area: every statement was skipped in the latest circle (the first series)."""
        values = self.series[0][1] if self.series else ()
        return tuple(value is None for value in values) or (False,) * len(self.areas)


def phone_figure() -> tuple[Figure, RendererBase]:
    """A phone-width Figure (its height set once the layout is measured) on the Agg backend, which needs no
    display and runs in the drawing worker process, with the renderer that measures its texts."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_PX / DPI, 1.0), dpi=DPI)
    return figure, FigureCanvasAgg(figure).get_renderer()  # type: ignore[no-untyped-call]


def png_of(figure: Figure) -> bytes:
    """The figure as PNG bytes."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def draw_circle(picture: CirclePicture) -> bytes:
    """Render the circle to PNG bytes."""
    return png_of(draw_figure(picture))


def draw_figure(picture: CirclePicture) -> Figure:
    """The circle as a matplotlib Figure (save it as PNG, PDF or SVG): title, ring, key and wishes."""
    figure, renderer = phone_figure()
    layout = _Layout(figure, renderer, picture)
    figure.set_size_inches(WIDTH_PX / DPI, layout.height / DPI)
    layout.place()
    axes = cast("PolarAxes", figure.add_axes(layout.ring_box(), projection="polar"))
    _draw_ring(axes, picture)
    for index, (label, values) in enumerate(reversed(picture.series)):
        _draw_series(axes, label, values, style=len(picture.series) - 1 - index)
    if len(picture.series) > 1:  # one line needs no legend; two need telling apart
        handles, labels = axes.get_legend_handles_labels()  # drawn oldest first; listed now first
        figure.legend(handles[::-1], labels[::-1], loc="center",
                      bbox_to_anchor=(0.5, 1 - layout.legend_y / layout.height), ncol=len(labels), frameon=False,
                      fontsize=TEXT_PT, handlelength=2.6)
    return figure


def _draw_ring(axes: PolarAxes, picture: CirclePicture) -> None:
    """The rings 1..max with their numbers and a spoke per area; the names are placed by `_Layout`."""
    count = len(picture.areas)
    # The first area at twelve o'clock, the rest clockwise, as on the paper form.
    axes.set_theta_zero_location("N")
    axes.set_theta_direction(-1)
    axes.set_ylim(0, picture.scale_max)
    ticks = list(range(picture.scale_min, picture.scale_max + 1))
    axes.set_yticks(ticks)
    axes.set_yticklabels([str(t) for t in ticks], fontsize=RING_PT, color="#555555")
    axes.set_rlabel_position(180 / count)
    axes.set_xticks(_angles(count))
    axes.set_xticklabels([])
    axes.grid(color="#bbbbbb", linewidth=0.8)
    axes.spines["polar"].set_color("#999999")


def _draw_series(axes: PolarAxes, label: str, values: tuple[float | None, ...], style: int) -> None:
    """One circle's line (with a gap at a skipped area, never a drop to the centre), dots, and for the latest
    one a fill that leaves the skipped area's sectors empty too."""
    angles = _angles(len(values))
    color = PALETTE[style % len(PALETTE)]
    radii = [math.nan if value is None else value for value in values]
    # NaN breaks a matplotlib line: the segments to and from a skipped area are not drawn.
    # Each line has its own dash and marker, drawn into the legend too: the two lines (now and before, or the
    # young person's and the worker's reading) are told apart in grey-scale and without colour at all. A point
    # between two skipped areas keeps its marker, though no segment reaches it.
    axes.plot([*angles, angles[0]], [*radii, radii[0]], color=color, linewidth=2.4,
              linestyle=LINESTYLES[style % 2], marker=MARKERS[style % 2], markersize=MARKER_SIZES[style % 2],
              label=label, gid=f"series-{style}")
    if style == 0:
        for run in _runs(values):
            if len(run) == len(values):  # nothing skipped: the whole polygon
                axes.fill([angles[i] for i in run], [radii[i] for i in run], color=color, alpha=0.22,
                          linewidth=0, gid="fill")
            elif len(run) > 1:  # a fan from the centre over the answered neighbours only
                axes.fill([0.0, *(angles[i] for i in run)], [0.0, *(radii[i] for i in run)], color=color,
                          alpha=0.22, linewidth=0, gid="fill")


def _runs(values: tuple[float | None, ...]) -> list[list[int]]:
    """Indices of consecutive answered areas, going round the circle (a run may wrap past the first area)."""
    count = len(values)
    if all(value is not None for value in values):
        return [list(range(count))]
    start = next((i for i, value in enumerate(values) if value is None), 0)
    runs: list[list[int]] = []
    current: list[int] = []
    for step in range(1, count + 1):
        index = (start + step) % count
        if values[index] is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(index)
    if current:
        runs.append(current)
    return runs


def _angles(count: int) -> list[float]:
    return [2 * math.pi * i / count for i in range(count)]


class _Layout:
    """Measures every text with the renderer and stacks the parts top to bottom, in pixels from the top."""

    def __init__(self, figure: Figure, renderer: RendererBase, picture: CirclePicture) -> None:
        self.figure, self.renderer, self.picture = figure, renderer, picture
        width = WIDTH_PX - 2 * MARGIN
        self.title = _wrap_to(_printable(picture.title), width, TITLE_PT, self.measure, bold=True)
        self.labels, self.radius = self._fit_labels()
        y = MARGIN + self.measure(self.title, TITLE_PT, bold=True)[1] + GAP
        above, below = self._ring_extent()
        self.centre_y = y + above
        y = self.centre_y + below + GAP
        if len(picture.series) > 1:
            self.legend_y = y + self.line(TEXT_PT) * 0.7
            y += self.line(TEXT_PT) * 1.4 + GAP / 2
        self.key_top = y
        self.key_rows, self.key_columns = self._key_rows()
        y += len(self.key_rows) * self.line(TEXT_PT)
        self.wish_top, self.wish_lines = y + GAP, self._wish_lines(width)
        y = self.wish_top + sum(self.line(TEXT_PT, step) for _, step in self.wish_lines)
        self.height = y + MARGIN

    # --- measuring ----------------------------------------------------------------------------------------
    def measure(self, text: str, size: float, bold: bool = False) -> tuple[float, float]:
        """Width and height of ``text`` (lines included) in pixels."""
        probe = self.figure.text(0, 0, text, fontsize=size, fontweight="bold" if bold else "normal",
                                 parse_math=False)
        box = probe.get_window_extent(self.renderer)
        probe.remove()
        return box.width, box.height

    @staticmethod
    def line(size: float, step: float = 1.0) -> float:
        """The height of ``step`` lines of ``size``-point text, in pixels."""
        return step * size * DPI / 72 * 1.35

    # --- the ring and its names -----------------------------------------------------------------------------
    def _fit_labels(self) -> tuple[list[tuple[str, float, float]], float]:
        """The names wrapped, and the largest ring with which none of them leaves the picture: each name gets
        the widest lines that fit beside that ring (narrow at the sides, wide at the top and bottom)."""
        choices: list[list[tuple[str, float, float]]] = []  # per area: wrappings from the widest lines down
        for name, skipped in zip(self.picture.areas, self.picture.skipped, strict=True):
            options: dict[str, tuple[str, float, float]] = {}
            for chars in range(LABEL_CHARS_MAX, LABEL_CHARS_MIN - 1, -1):
                text = _balanced(_printable(name), chars)
                if skipped and self.picture.skipped_note:
                    text += "\n" + self.picture.skipped_note
                if text not in options:
                    options[text] = (text, *self.measure(text, LABEL_PT))
            choices.append(sorted(options.values(), key=lambda option: -option[1]))
        radius = MAX_RADIUS
        while True:
            labels = [next((option for option in options if self._room(index, option[1]) >= radius
                            and self._clear(index, option[1], radius)), None)
                      for index, options in enumerate(choices)]
            if all(labels) or radius <= MIN_RADIUS:
                # Names that fit no ring (an organisation's very long ones) still get a ring, if a small one.
                return [label or options[-1] for label, options in zip(labels, choices, strict=True)], radius
            radius -= 4

    def _room(self, index: int, width: float) -> float:
        """The largest radius at which area ``index``'s name (``width`` px) stays inside the picture."""
        across = abs(math.sin(_angles(len(self.picture.areas))[index]))
        half = WIDTH_PX / 2 - MARGIN
        if across < 1e-9:  # straight up or down: only the name's own width counts
            return MAX_RADIUS if width / 2 <= half else 0.0
        if across <= 0.2:  # near the top or the bottom: the name is centred on its spoke
            return (half - width / 2) / across - LABEL_PAD
        return (half - width) / across - LABEL_PAD

    def _clear(self, index: int, width: float, radius: float) -> bool:
        """A name centred on its spoke (at the top or the bottom) stays clear of its neighbours' names, which
        start at the next spokes: with many areas (12 and more) the spokes are close together there."""
        angles = _angles(len(self.picture.areas))
        if abs(math.sin(angles[index])) > 0.2 or len(angles) < 3:
            return True
        return width / 2 + GAP <= (radius + LABEL_PAD) * math.sin(angles[1])

    def _ring_extent(self) -> tuple[float, float]:
        """How far the ring with its names reaches above and below the centre."""
        above, below = self.radius, self.radius
        for index, (_, _, height) in enumerate(self.labels):
            _, y, _, va = self._anchor(index)
            top = y + height if va == "bottom" else y if va == "top" else y + height / 2
            bottom = y if va == "bottom" else y - height if va == "top" else y - height / 2
            above, below = max(above, top), max(below, -bottom)
        return above, below

    def _anchor(self, index: int) -> tuple[float, float, str, str]:
        """Where a name is pinned (px from the centre, y up) and how it hangs from there: always away from the
        ring, so that no part of it can cross the ring."""
        angle = _angles(len(self.picture.areas))[index]
        across, up = math.sin(angle), math.cos(angle)
        reach = self.radius + LABEL_PAD
        ha = "left" if across > 0.2 else "right" if across < -0.2 else "center"
        va = "bottom" if up > 0.2 else "top" if up < -0.2 else "center"
        return reach * across, reach * up, ha, va

    def ring_box(self) -> tuple[float, float, float, float]:
        """The polar axes' box in figure fractions."""
        size = 2 * self.radius
        return ((WIDTH_PX / 2 - self.radius) / WIDTH_PX, (self.height - self.centre_y - self.radius) / self.height,
                size / WIDTH_PX, size / self.height)

    # --- the key and the wishes -----------------------------------------------------------------------------
    def _key_rows(self) -> tuple[list[list[str]], tuple[float, float] | None]:
        """"1 = Not true at all" and so on, in two columns when they fit (with the columns' widths), else one
        a line."""
        picture = self.picture
        entries = [f"{value} = {_printable(label)}" for value, label in
                   zip(range(picture.scale_min, picture.scale_max + 1), picture.scale_labels, strict=True)]
        half = (len(entries) + 1) // 2
        left, right = entries[:half], entries[half:]
        widths = (max(self.measure(entry, TEXT_PT)[0] for entry in left),
                  max((self.measure(entry, TEXT_PT)[0] for entry in right), default=0.0))
        if sum(widths) + 3 * GAP > WIDTH_PX - 2 * MARGIN:
            return [[entry] for entry in entries], None
        return [[left[row], *right[row:row + 1]] for row in range(half)], widths

    def _wish_lines(self, width: float) -> list[tuple[str, float]]:
        """The wishes heading, then each area's name (bold) with its wish under it: (text, lines it takes)."""
        if not self.picture.wishes:
            return []
        lines: list[tuple[str, float]] = [(f"**{_printable(self.picture.wishes_title)}", 1.3)]
        for area, wish in self.picture.wishes:
            lines.append((f"**{_printable(area)}", 1.1))
            wrapped = _wrap_to(_printable(wish), width - 2 * GAP, TEXT_PT, self.measure).split("\n")
            if len(wrapped) > WISH_LINES:
                wrapped = [*wrapped[:WISH_LINES - 1], wrapped[WISH_LINES - 1].rstrip(" .,") + " …"]
            lines.append(("\n".join(wrapped), len(wrapped) + 0.4))
        return lines

    # --- placing --------------------------------------------------------------------------------------------
    def place(self) -> None:
        """Put every text where it was measured to go (the figure has its final height now)."""
        picture, height = self.picture, self.height

        def text(x: float, y: float, value: str, size: float, **style: Any) -> None:
            # parse_math off: a "$" in a wish or a nickname is a dollar sign, never a formula to typeset.
            style.setdefault("color", TEXT_COLOR)
            self.figure.text(x / WIDTH_PX, 1 - y / height, value, fontsize=size, parse_math=False, **style)

        text(WIDTH_PX / 2, MARGIN, self.title, TITLE_PT, ha="center", va="top", fontweight="bold",
             multialignment="center")
        for index, ((label, _, _), skipped) in enumerate(zip(self.labels, picture.skipped, strict=True)):
            x, y, ha, va = self._anchor(index)
            text(WIDTH_PX / 2 + x, self.centre_y - y, label, LABEL_PT, ha=ha, va=va, multialignment="center",
                 color=SKIPPED_COLOR if skipped else TEXT_COLOR, style="italic" if skipped else "normal",
                 gid=f"area-{index}")
        self._place_key(text)
        y = self.wish_top
        for value, step in self.wish_lines:
            bold = value.startswith("**")
            text(MARGIN + (0 if bold else GAP), y, value.removeprefix("**"), TEXT_PT, ha="left", va="top",
                 fontweight="bold" if bold else "normal", gid="wish")
            y += self.line(TEXT_PT, step)

    def _place_key(self, text: _TextFn) -> None:
        columns = self.key_columns
        for row, entries in enumerate(self.key_rows):
            y = self.key_top + row * self.line(TEXT_PT)
            if columns is None:
                text(WIDTH_PX / 2, y, entries[0], TEXT_PT, ha="center", va="top", gid="key")
                continue
            left = (WIDTH_PX - sum(columns) - 2 * GAP) / 2
            for column, entry in enumerate(entries):
                text(left + column * (columns[0] + 2 * GAP), y, entry, TEXT_PT, ha="left", va="top", gid="key")


class _TextFn(Protocol):
    def __call__(self, x: float, y: float, value: str, size: float, **style: Any) -> None: ...


def _balanced(text: str, chars: int) -> str:
    """``text`` on as few lines of at most ``chars`` characters as it takes, the lines as even as possible
    ("Päivärytmi / ja uni", not "Päivärytmi ja / uni"); a longer single word keeps its own line."""
    words = text.split()
    count = len(textwrap.wrap(text, chars, break_long_words=False)) or 1
    best: tuple[tuple[int, int], list[str]] = ((len(text) + 1, 0), [text])
    for cuts in itertools.combinations(range(1, len(words)), count - 1):
        bounds = [0, *cuts, len(words)]
        lines = [" ".join(words[a:b]) for a, b in itertools.pairwise(bounds)]
        widest = max(len(line) for line in lines)
        # The narrowest block first; between equally narrow ones, the most even (no lone "and").
        score = (widest, sum((widest - len(line)) ** 2 for line in lines))
        if score < best[0]:
            best = (score, lines)
    return "\n".join(best[1])


def _wrap_to(text: str, width: float, size: float, measure: _Measure, bold: bool = False) -> str:
    """Wrap ``text`` into lines no wider than ``width`` pixels (a single overlong word keeps its own line)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if line and measure(candidate, size, bold)[0] > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return "\n".join(lines)


class _Measure(Protocol):
    def __call__(self, text: str, size: float, bold: bool = False) -> tuple[float, float]: ...


@cache
def _glyphs() -> frozenset[int]:
    """The characters the picture's font can draw."""
    from matplotlib import font_manager, ft2font

    return frozenset(ft2font.FT2Font(font_manager.findfont("DejaVu Sans")).get_charmap())


def _printable(text: str) -> str:
    """``text`` without characters the font lacks (most emoji), which would be drawn as empty boxes; the text
    summary keeps them."""
    glyphs = _glyphs()
    kept = "".join(char for char in text if ord(char) in glyphs or char == "\n")
    return re.sub(" {2,}", " ", kept).strip() if kept != text else text
