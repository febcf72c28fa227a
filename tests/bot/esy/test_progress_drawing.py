"""What the progress picture draws, read back from the matplotlib figure: an area's line per panel with a gap
(never a drop) where it was skipped, the area names the summary's and inside their panel in every language, the
goals under their area, dates that never overlap, every text readable on a phone; and PNG bytes."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text

from bot.i18n import Catalogs
from bot.progress_chart import ProgressPicture, draw_progress, draw_progress_figure
from bot.render import progress_picture
from flows.core.messages import LANGUAGES, Msg
from flows.esy.instrument import Instrument
from flows.esy.progress import progress, trend_of
from storage.ports import AssessmentRow
from tests.bot.esy.test_circle_drawing import PHONE_WIDTH, READABLE
from tests.bot.esy.test_esy_telegram import png_size

START = datetime(2026, 3, 2, 12, tzinfo=UTC)
SKIPPED = 3  # money, skipped in the second circle


def picture(instrument: Instrument, catalogs: Catalogs, language: str, count: int = 3,
            goal: str | None = None) -> ProgressPicture:
    """``count`` circles three months apart, the scores moving, one area skipped in the second."""
    rows = [AssessmentRow("key", instrument.id, instrument.version, START + timedelta(days=91 * n), {}, {
        area.id: None if (n == 1 and index == SKIPPED) else 1.0 + (index + 2 * n) % 5
        for index, area in enumerate(instrument.areas)}, {}) for n in range(count)]
    goals = {"home": [(goal, Msg("esy.progress.same"))]} if goal else None
    return progress_picture(trend_of(instrument, progress(instrument, rows, goals)), language, catalogs)


def drawn(figure: Figure, gid: str) -> list[Text]:
    """The texts drawn under ``gid`` exactly, in the figure or in a panel's plot."""
    texts = [*figure.texts, *(text for axes in figure.axes for text in axes.texts)]
    return [text for text in texts if text.get_gid() == gid]


def line(figure: Figure, index: int) -> list[float]:
    """The scores area ``index``'s line goes through (NaN where it breaks)."""
    found: Line2D = next(line for axes in figure.axes for line in axes.lines if line.get_gid() == f"line-{index}")
    return [float(value) for value in cast("Sequence[float]", found.get_ydata())]


def test_a_skipped_area_is_a_gap_in_its_line_and_said_so(instrument: Instrument, catalogs: Catalogs) -> None:
    figure = draw_progress_figure(picture(instrument, catalogs, "fi"))
    skipped = line(figure, SKIPPED)
    assert math.isnan(skipped[1]) and not math.isnan(skipped[0]) and not math.isnan(skipped[2])
    assert [text.get_text() for text in drawn(figure, f"gap-{SKIPPED}")] == [
        catalogs.text("fi", Msg("esy.progress.skipped"))]
    assert not drawn(figure, "gap-0") and not any(math.isnan(value) for value in line(figure, 0))
    # The change counts the scores given: money went from 4,0 (first) to 3,0 (latest).
    assert drawn(figure, f"change-{SKIPPED}")[0].get_text() == "\u22121,0"
    assert [text.get_text() for text in drawn(figure, "score-0")] == ["1,0", "3,0", "5,0"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_area_names_are_the_summarys_and_stay_in_their_panel(
    instrument: Instrument, catalogs: Catalogs, language: str,
) -> None:
    figure = draw_progress_figure(picture(instrument, catalogs, language, goal="Oma asunto kevääseen mennessä, "
                                          "vaikka pieni yksiö läheltä työpaikkaa ja kauppaa"))
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    width, height = figure.bbox.width, figure.bbox.height
    boxes = []
    for index, area in enumerate(instrument.areas):
        [name] = drawn(figure, f"area-{index}")
        [change] = drawn(figure, f"change-{index}")
        assert " ".join(name.get_text().split()) == area.name.get(language)
        parts = [name, change, *drawn(figure, f"note-{index}")]
        for part in parts:
            box = part.get_window_extent(renderer)
            assert box.x0 >= 4 and box.x1 <= width - 4 and box.y0 >= 4 and box.y1 <= height - 4, (area.id, box)
        assert not name.get_window_extent(renderer).overlaps(change.get_window_extent(renderer)), area.id
        plot = figure.axes[index].get_window_extent(renderer)
        for part in parts:  # the name, change and goals stand above the area's own plot
            assert part.get_window_extent(renderer).y0 > plot.y1, (area.id, part.get_text())
        boxes += [part.get_window_extent(renderer) for part in parts]
        boxes += [text.get_window_extent(renderer) for text in figure.axes[index].get_xticklabels()]
    for first, second in ((a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]):
        assert not first.overlaps(second), (first, second)
    [note] = drawn(figure, "note-2")  # the goal under its own area, home
    assert "Oma asunto" in note.get_text() and "\n" in note.get_text()  # wrapped to the panel


def test_many_dates_are_thinned_never_overlapping_and_the_latest_is_named(
    instrument: Instrument, catalogs: Catalogs,
) -> None:
    pictured = picture(instrument, catalogs, "en", count=9)
    figure = draw_progress_figure(pictured)
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    labels = [label for label in figure.axes[0].get_xticklabels() if label.get_text()]
    assert 1 <= len(labels) < 9 and labels[-1].get_text() == pictured.dates[-1]
    boxes = [label.get_window_extent(renderer) for label in labels]
    assert all(a.x1 < b.x0 for a, b in itertools.pairwise(boxes))
    for axes in figure.axes:  # no date hangs out of its plot, into the next panel or off the picture
        plot = axes.get_window_extent(renderer)
        for label in axes.get_xticklabels():
            box = label.get_window_extent(renderer)
            assert plot.x0 - 1 <= box.x0 and box.x1 <= plot.x1 + 1, label.get_text()
    assert len(line(figure, 0)) == 9  # every circle is still a dot


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_is_readable_on_a_phone(instrument: Instrument, catalogs: Catalogs, language: str) -> None:
    figure = draw_progress_figure(picture(instrument, catalogs, language, goal="Kesätyö"))
    texts = [*figure.texts, *(text for axes in figure.axes for text in
                              (*axes.texts, *axes.get_xticklabels(), *axes.get_yticklabels()))]
    assert len(drawn(figure, "key")) == 1 and len(figure.axes) == len(instrument.areas)
    for text in texts:
        if text.get_text():
            on_phone = float(text.get_fontsize()) * figure.dpi / 72 * PHONE_WIDTH / figure.bbox.width
            assert on_phone >= READABLE, (text.get_text(), round(on_phone, 1))


def test_the_picture_is_a_phone_sized_png(instrument: Instrument, catalogs: Catalogs) -> None:
    width, height = png_size(draw_progress(picture(instrument, catalogs, "sv")))
    assert width == 792 and 800 <= height <= 1800  # twelve areas, two a row: about two phone screens


def test_dates_too_wide_for_their_places_are_written_without_the_year(
    instrument: Instrument, catalogs: Catalogs,
) -> None:
    pictured = picture(instrument, catalogs, "en")  # "4 Sept 2026" is too wide for a third of a panel
    figure = draw_progress_figure(pictured)
    assert [label.get_text() for label in figure.axes[0].get_xticklabels()] == list(pictured.short_dates)
    assert pictured.short_dates[-1] == catalogs.short_date("en", START + timedelta(days=182)) == "31 Aug"
    two = picture(instrument, catalogs, "en", count=2)  # half a panel each: the year fits and stays
    figure = draw_progress_figure(two)
    assert [label.get_text() for label in figure.axes[0].get_xticklabels()] == list(two.dates)


def test_an_assessment_that_did_not_ask_about_an_area_is_no_point_and_no_gap(
    instrument: Instrument, catalogs: Catalogs,
) -> None:
    pictured = replace(picture(instrument, catalogs, "fi"), asked=tuple(
        (True, False, True) if index == 0 else (True, True, True) for index in range(len(instrument.areas))))
    figure = draw_progress_figure(pictured)
    found: Line2D = next(line for line in figure.axes[0].lines if line.get_gid() == "line-0")
    assert [float(x) for x in cast("Sequence[float]", found.get_xdata())] == [0.0, 2.0]  # the line goes past it
    assert [text.get_text() for text in drawn(figure, "score-0")] == ["1,0", "5,0"] and not drawn(figure, "gap-0")
    assert drawn(figure, f"gap-{SKIPPED}")  # a skipped area is still a gap, named
