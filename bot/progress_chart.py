"""Draw ESY progress (each area's score over all assessments) as PNG bytes. Runs inside a worker process.

Small multiples, two a row: for each area its name (wrapped, as the circle wraps it), the change from the
first score to the latest, its goals, and a small line over the assessments' dates with each score written over
its dot. One line per panel, so nothing has to be told apart by colour; the latest dot is the big filled one. A
skipped area is a gap in the line, marked in words. Sizes as in the circle: read about 360 px wide on a phone, so
no text is under 14 pt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from bot.circle import (
    DPI,
    GAP,
    LABEL_PT,
    MARGIN,
    PALETTE,
    SKIPPED_COLOR,
    TEXT_COLOR,
    TEXT_PT,
    TITLE_PT,
    WIDTH_PX,
    _printable,
    _wrap_to,
    phone_figure,
    png_of,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import Figure

PLOT_PX = 110.0  # one area's plot, without its dates
SCORE_PX = 38.0  # a score's number over its dot: the offset and a line of text
AXIS_PX = 30.0  # room left of a plot for the scale's numbers
NOTE_INDENT = 10.0
COLUMNS = 2  # two panels side by side: twelve areas stay about two phone screens tall, not four
COLUMN_GAP = 28.0


@dataclass(frozen=True)
class ProgressPicture:
    """Everything the progress picture shows, already in the reader's language: plain, picklable data."""

    title: str
    key: str  # what the numbers mean: "1 = … · 5 = …"
    areas: tuple[str, ...]
    scale_min: int
    scale_max: int
    dates: tuple[str, ...]
    values: tuple[tuple[float | None, ...], ...]  # per area, per date
    value_labels: tuple[tuple[str, ...], ...]  # the same, as the reader writes numbers ("" where skipped)
    changes: tuple[str, ...]  # per area: "+1,5", "-0,5", "±0,0", or "" with fewer than two scores
    notes: tuple[tuple[str, ...], ...]  # per area: its goals, one a line
    skipped_note: str
    short_dates: tuple[str, ...] = ()  # the dates without the year ("4.9."), when the full ones do not fit
    asked: tuple[tuple[bool, ...], ...] = ()  # per area, per date: asked at all (empty: all were); else no point


def draw_progress(picture: ProgressPicture) -> bytes:
    """Render the progress picture to PNG bytes."""
    return png_of(draw_progress_figure(picture))


def draw_progress_figure(picture: ProgressPicture) -> Figure:
    """The progress picture as a matplotlib Figure: the title, the key, and a panel per area."""
    figure, renderer = phone_figure()
    layout = _Layout(figure, renderer, picture)
    figure.set_size_inches(WIDTH_PX / DPI, layout.height / DPI)
    layout.place()
    return figure


@dataclass
class _Panel:
    """Where one area's parts go, in pixels from the top left of the picture."""

    left: float
    name: str
    name_top: float
    notes: list[tuple[str, float]]  # (wrapped note, its top)
    plot_top: float


class _Layout:
    """Measures every text with the renderer and places the panels two a row, in pixels from the top."""

    def __init__(self, figure: Figure, renderer: RendererBase, picture: ProgressPicture) -> None:
        self.figure, self.renderer, self.picture = figure, renderer, picture
        width = WIDTH_PX - 2 * MARGIN
        self.column = (width - (COLUMNS - 1) * COLUMN_GAP) / COLUMNS
        self.title = _wrap_to(_printable(picture.title), width, TITLE_PT, self.measure, bold=True)
        y = MARGIN + self.measure(self.title, TITLE_PT, bold=True)[1] + GAP / 2
        self.key = _wrap_to(_printable(picture.key), width, TEXT_PT, self.measure)
        self.key_top = y
        y += self.measure(self.key, TEXT_PT)[1] + GAP * 1.5
        self.dates, self.shown_dates = self._thinned_dates()
        self.dates_px = self.measure("0", TEXT_PT)[1] + GAP / 2
        self.panels: list[_Panel] = []
        for first in range(0, len(picture.areas), COLUMNS):
            row = [self._heading(index, first, y) for index in range(first, min(first + COLUMNS, len(picture.areas)))]
            plot_top = max(bottom for _, bottom in row)  # the plots of a row side by side, on one level
            self.panels += [replace(panel, plot_top=plot_top) for panel, _ in row]
            y = plot_top + PLOT_PX + self.dates_px + GAP * 2
        self.height = y - GAP * 2 + MARGIN

    def measure(self, text: str, size: float, bold: bool = False) -> tuple[float, float]:
        """Width and height of ``text`` (lines included) in pixels."""
        probe = self.figure.text(0, 0, text, fontsize=size, fontweight="bold" if bold else "normal",
                                 parse_math=False)
        box = probe.get_window_extent(self.renderer)
        probe.remove()
        return box.width, box.height

    def _heading(self, index: int, first: int, y: float) -> tuple[_Panel, float]:
        """An area's name beside its change and its goal notes, in its column from ``y`` down; and their end."""
        left = MARGIN + (index - first) * (self.column + COLUMN_GAP)
        change_width = self.measure(self.picture.changes[index], LABEL_PT, bold=True)[0]
        wrapped = _wrap_to(_printable(self.picture.areas[index]), self.column - change_width - GAP, LABEL_PT,
                           self.measure, bold=True)
        top = y
        y += self.measure(wrapped, LABEL_PT, bold=True)[1] + GAP / 2
        notes = []
        for note in self.picture.notes[index] if index < len(self.picture.notes) else ():
            text = _wrap_to(_printable(note), self.column - NOTE_INDENT, TEXT_PT, self.measure)
            notes.append((text, y))
            y += self.measure(text, TEXT_PT)[1] + GAP / 3
        return _Panel(left, wrapped, top, notes, y), y

    def _thinned_dates(self) -> tuple[tuple[str, ...], list[int]]:
        """The dates written under the plots and which: all when they fit side by side, else all without the
        year, else the first and the latest when they fit hanging inward from their dots (see `_draw_plot`), else
        the latest alone (the caption names the first and the latest with their years)."""
        full = self.picture.dates
        count = len(full)
        if not count:
            return full, []
        for dates in (full, self.picture.short_dates):
            if len(dates) == count and self.slot >= max(self.measure(date, TEXT_PT)[0] for date in dates) + GAP:
                return dates, list(range(count))
        ends = self.measure(full[0], TEXT_PT)[0] + self.measure(full[-1], TEXT_PT)[0] + GAP
        return full, [0, count - 1] if count > 1 and (count - 1) * self.slot >= ends else [count - 1]

    @property
    def slot(self) -> float:
        """The width of one assessment's place in a plot, in pixels."""
        return (self.column - AXIS_PX) / max(1, len(self.picture.dates))

    def upright_gaps(self) -> bool:
        """Whether the "skipped" note stands on end in its gap: lying down it would cross its neighbours."""
        return self.slot < self.measure(self.picture.skipped_note, TEXT_PT)[0] + GAP

    # --- placing --------------------------------------------------------------------------------------------
    def text(self, x: float, y: float, value: str, size: float, **style: Any) -> None:
        """A text at (x, y) px from the top left; "$" is a dollar sign, never a formula."""
        style.setdefault("color", TEXT_COLOR)
        self.figure.text(x / WIDTH_PX, 1 - y / self.height, value, fontsize=size, parse_math=False, **style)

    def place(self) -> None:
        """Put every part where it was measured to go (the figure has its final height now)."""
        self.text(WIDTH_PX / 2, MARGIN, self.title, TITLE_PT, ha="center", va="top", fontweight="bold",
                  multialignment="center", gid="title")
        self.text(WIDTH_PX / 2, self.key_top, self.key, TEXT_PT, ha="center", va="top", multialignment="center",
                  gid="key")
        for index, panel in enumerate(self.panels):
            self.text(panel.left, panel.name_top, panel.name, LABEL_PT, ha="left", va="top", fontweight="bold",
                      gid=f"area-{index}")
            self.text(panel.left + self.column, panel.name_top, self.picture.changes[index], LABEL_PT, ha="right",
                      va="top", fontweight="bold", gid=f"change-{index}")
            for note, top in panel.notes:
                self.text(panel.left + NOTE_INDENT, top, note, TEXT_PT, ha="left", va="top", gid=f"note-{index}")
            left = panel.left + AXIS_PX
            box = (left / WIDTH_PX, 1 - (panel.plot_top + PLOT_PX) / self.height,
                   (self.column - AXIS_PX) / WIDTH_PX, PLOT_PX / self.height)
            plot = self.figure.add_axes(box)
            _draw_plot(plot, self.picture, index, self.upright_gaps())
            _date_axis(plot, self.dates, self.shown_dates)


def _date_axis(axes: Axes, dates: tuple[str, ...], shown: list[int]) -> None:
    """The dates under a plot; when only some are written, the first and the latest hang inward from their dots,
    so that neither leaves the plot."""
    axes.set_xticks(shown)
    labels = axes.set_xticklabels([dates[i] for i in shown], fontsize=TEXT_PT, color=TEXT_COLOR)
    if len(shown) < len(dates):
        labels[-1].set_horizontalalignment("right")
        if len(labels) > 1:
            labels[0].set_horizontalalignment("left")


def _draw_plot(axes: Axes, picture: ProgressPicture, index: int, upright: bool) -> None:
    """One area's line over the dates: the scale's ends as numbers, a dot and its score per assessment, the
    latest dot big and filled, a gap (named in words, on end where the dots are close) where it was skipped."""
    values = picture.values[index]
    count = len(values)
    # An assessment that did not ask about the area (a group session about another one) is no point at all:
    # the line goes past it. A skipped area is a point without a score: a gap, named.
    xs = [x for x in range(count) if not picture.asked or picture.asked[index][x]]
    ys = [math.nan if (value := values[x]) is None else value for x in xs]
    axes.set_xlim(-0.5, count - 0.5)
    # Room above the top dot for its number (SCORE_PX), whatever the scale: the number never meets the name.
    spread = picture.scale_max - picture.scale_min + 0.4
    axes.set_ylim(picture.scale_min - 0.4, picture.scale_max + spread * SCORE_PX / (PLOT_PX - SCORE_PX))
    axes.set_yticks([picture.scale_min, picture.scale_max])
    axes.set_yticklabels([str(picture.scale_min), str(picture.scale_max)], fontsize=TEXT_PT, color="#555555")
    for level in range(picture.scale_min, picture.scale_max + 1):
        axes.axhline(level, color="#dddddd", linewidth=0.8, zorder=0)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_color("#999999")
    axes.tick_params(length=0)
    # NaN breaks a matplotlib line: a skipped assessment is a gap, never a drop to the bottom.
    axes.plot(xs, ys, color=PALETTE[0], linewidth=2.4, marker="o", markersize=7, markerfacecolor="white",
              markeredgewidth=2, gid=f"line-{index}")
    latest = max((x for x, y in zip(xs, ys, strict=True) if not math.isnan(y)), default=None)
    if latest is not None:
        axes.plot([latest], [ys[xs.index(latest)]], color=PALETTE[0], marker="o", markersize=11, linestyle="none",
                  gid=f"latest-{index}")
    for x in xs:
        value, label = values[x], picture.value_labels[index][x]
        if value is None:
            axes.text(x, (picture.scale_min + picture.scale_max) / 2, picture.skipped_note, ha="center",
                      va="center", fontsize=TEXT_PT, color=SKIPPED_COLOR, style="italic", parse_math=False,
                      rotation=90 if upright else 0, gid=f"gap-{index}")
        else:
            axes.annotate(label, (x, value), xytext=(0, 9), textcoords="offset points", ha="center",
                          va="bottom", fontsize=TEXT_PT, color=TEXT_COLOR, gid=f"score-{index}")
