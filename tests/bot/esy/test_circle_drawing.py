"""What the circle picture draws, read back from the matplotlib figure: a skipped area is a gap (never a drop to
the centre), the area names stay inside the picture and outside the ring in every language, every text is
readable on a phone, and the wishes are listed under the circle."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import cast

import pytest
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon
from matplotlib.text import Text

from bot.circle import CirclePicture, draw_circle, draw_figure
from bot.i18n import Catalogs
from bot.render import circle_picture
from flows.core.messages import LANGUAGES, Msg
from flows.esy.comparison import ComparisonSteps
from flows.esy.esy import circle_of
from flows.esy.instrument import Instrument
from storage.ports import AssessmentRow, ReadingRow
from tests.bot.esy.test_esy_telegram import png_size

NOW, BEFORE = datetime(2026, 12, 6, 12, tzinfo=UTC), datetime(2026, 9, 4, 12, tzinfo=UTC)
PHONE_WIDTH, READABLE = 360, 9.0  # a phone shows the picture this wide; the smallest comfortable text there
SKIPPED, SKIPPED_BEFORE = 3, 4  # money (at the side of the ring) now, mood before


def row(instrument: Instrument, when: datetime, skipped: int, wishes: dict[str, str]) -> AssessmentRow:
    scores: dict[str, float | None] = {
        area.id: None if index == skipped else 1.0 + index * 7 % 5 for index, area in enumerate(instrument.areas)}
    return AssessmentRow("key", instrument.id, instrument.version, when, {}, scores, wishes)


def picture(instrument: Instrument, catalogs: Catalogs, language: str, nickname: str | None = None,
            wishes: dict[str, str] | None = None) -> CirclePicture:
    """A second circle (the first one overlaid), with a skipped area in each, as the person or a worker sees it."""
    now = row(instrument, NOW, SKIPPED, wishes or {"home": "Oma huone", "studywork": "Kesätyö"})
    before = row(instrument, BEFORE, SKIPPED_BEFORE, {})
    return circle_picture(circle_of(instrument, now, before, nickname), language, catalogs)


def drawn(figure: Figure, gid: str) -> list[Text]:
    """The texts drawn under ``gid`` exactly ("area-1" is not "area-10")."""
    return [text for text in figure.texts if text.get_gid() == gid]


def radii(figure: Figure, gid: str) -> list[float]:
    """The radii a series' line goes through (NaN where it breaks)."""
    found: Line2D = next(line for line in figure.axes[0].lines if line.get_gid() == gid)
    return [float(value) for value in cast("Sequence[float]", found.get_ydata())]


def fills(figure: Figure) -> list[list[tuple[float, float]]]:
    """The corners (angle, radius) of every filled shape."""
    return [[(float(theta), float(radius)) for theta, radius in patch.get_xy()]
            for patch in figure.axes[0].patches if isinstance(patch, Polygon) and patch.get_gid() == "fill"]


def test_a_skipped_area_is_a_gap_in_the_line_and_the_fill_and_is_marked(
    instrument: Instrument, catalogs: Catalogs,
) -> None:
    figure = draw_figure(picture(instrument, catalogs, "fi"))
    now, before = radii(figure, "series-0"), radii(figure, "series-1")
    assert math.isnan(now[SKIPPED]) and math.isnan(before[SKIPPED_BEFORE])  # a gap, not 0: no plunge
    assert sum(math.isnan(value) for value in now) == 1 and min(v for v in now if not math.isnan(v)) >= 1
    angle = 2 * math.pi * SKIPPED / len(instrument.areas)
    assert fills(figure), "the answered areas are still filled"
    for corners in fills(figure):  # the fill has no corner on the skipped area's spoke
        assert all(not math.isclose(theta, angle) for theta, radius in corners if radius > 0)
    label = drawn(figure, f"area-{SKIPPED}")[0]
    assert label.get_text().endswith(catalogs.text("fi", Msg("esy.circle.skipped")))
    assert label.get_color() != drawn(figure, "area-0")[0].get_color()  # greyed
    assert catalogs.text("fi", Msg("esy.circle.skipped")) not in drawn(figure, "area-0")[0].get_text()


def test_nothing_skipped_is_one_whole_fill(instrument: Instrument, catalogs: Catalogs) -> None:
    now = row(instrument, NOW, -1, {})
    figure = draw_figure(circle_picture(circle_of(instrument, now, None), "en", catalogs))
    [fill] = fills(figure)
    assert len(fill) >= len(instrument.areas) and all(radius > 0 for _, radius in fill)
    assert not any(math.isnan(value) for value in radii(figure, "series-0"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_area_names_are_the_summarys_and_stay_inside_the_picture_and_outside_the_ring(
    instrument: Instrument, catalogs: Catalogs, language: str,
) -> None:
    figure = draw_figure(picture(instrument, catalogs, language))
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    width, height = figure.bbox.width, figure.bbox.height
    ring = figure.axes[0].get_window_extent(renderer)
    centre_x, centre_y, radius = (ring.x0 + ring.x1) / 2, (ring.y0 + ring.y1) / 2, ring.width / 2
    boxes = []
    for index, area in enumerate(instrument.areas):
        [label] = drawn(figure, f"area-{index}")
        shown = label.get_text().removesuffix(catalogs.text(language, Msg("esy.circle.skipped")))
        assert " ".join(shown.split()) == area.name.get(language)  # the same name as in the summary
        box = label.get_window_extent(renderer)
        assert box.x0 >= 4 and box.x1 <= width - 4 and box.y0 >= 4 and box.y1 <= height - 4, (area.id, box)
        nearest_x, nearest_y = min(max(centre_x, box.x0), box.x1), min(max(centre_y, box.y0), box.y1)
        assert math.hypot(nearest_x - centre_x, nearest_y - centre_y) > radius + 2, (area.id, "crosses the ring")
        boxes.append(box)
    for first, second in ((a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]):
        assert not first.overlaps(second), (first, second)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_is_readable_on_a_phone(instrument: Instrument, catalogs: Catalogs, language: str) -> None:
    figure = draw_figure(picture(instrument, catalogs, language, nickname="Kettu"))
    texts = [*figure.texts, *figure.axes[0].get_yticklabels(), *figure.legends[0].get_texts()]
    assert len(drawn(figure, "key")) == instrument.scale_max - instrument.scale_min + 1
    for text in texts:
        if text.get_text():
            on_phone = float(text.get_fontsize()) * figure.dpi / 72 * PHONE_WIDTH / figure.bbox.width
            assert on_phone >= READABLE, (text.get_text(), round(on_phone, 1))


def test_the_wishes_are_listed_under_the_circle_under_the_right_heading(
    instrument: Instrument, catalogs: Catalogs,
) -> None:
    own = draw_figure(picture(instrument, catalogs, "sv"))
    texts = [text.get_text() for text in drawn(own, "wish")]
    home, studywork = (area.name.get("sv") for area in instrument.areas if area.id in ("home", "studywork"))
    assert texts == [catalogs.text("sv", Msg("esy.circle.wishes")), home, "Oma huone", studywork, "Kesätyö"]
    assert min(t.get_window_extent().y1 for t in drawn(own, "wish")) < own.axes[0].get_window_extent().y0
    workers = draw_figure(picture(instrument, catalogs, "fi", nickname="Kettu"))
    assert drawn(workers, "wish")[0].get_text() == catalogs.text("fi", Msg("esy.circle.wishes_client"))
    title = next(text for text in workers.texts if text.get_fontweight() == "bold")
    assert title.get_text().startswith("Kettu")


def test_no_wishes_no_heading(instrument: Instrument, catalogs: Catalogs) -> None:
    now = row(instrument, NOW, -1, {})
    assert drawn(draw_figure(circle_picture(circle_of(instrument, now, None), "fi", catalogs)), "wish") == []


def test_what_a_person_typed_is_drawn_as_typed_and_never_breaks_the_picture(
    instrument: Instrument, catalogs: Catalogs,
) -> None:
    # "$...$" would be typeset as a formula (and "\frac{" would fail it); a glyph the font lacks would warn
    # (an error in the tests) and draw an empty box.
    wish = r"Säästän $\frac{1 ja $5 viikossa 🫠"
    base = picture(instrument, catalogs, "fi", nickname="$Kettu$", wishes={"home": wish})
    figure = draw_figure(base)
    assert r"Säästän $\frac{1 ja $5 viikossa" in [text.get_text() for text in drawn(figure, "wish")]
    assert png_size(draw_circle(base))[0] > 0


def test_many_long_wishes_are_cut_so_telegram_still_takes_the_picture(
    instrument: Instrument, catalogs: Catalogs,
) -> None:
    long = picture(instrument, catalogs, "en")
    long = replace(long, wishes=tuple((area, "word " * 200) for area in long.areas))
    width, height = png_size(draw_circle(long))
    assert width + height <= 10_000 and height / width <= 20  # Telegram's limits for a photo
    assert all(text.get_text().endswith("…") for text in drawn(draw_figure(long), "wish")[2::2])


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_comparison_tells_its_two_lines_apart_without_colour(
    instrument: Instrument, catalogs: Catalogs, language: str,
) -> None:
    """The young person's circle and the worker's reading (#12 §1): a solid line with dots and a dashed one with
    squares, and a legend naming both in the reader's language; readable at phone width."""
    client = row(instrument, BEFORE, SKIPPED, {})
    reading = ReadingRow(1, 1, instrument.id, instrument.version, NOW, {},
                         {area.id: 5.0 - index % 4 for index, area in enumerate(instrument.areas)}, False)
    circle = ComparisonSteps(instrument).circle(client, reading, "Kettu")
    figure = draw_figure(circle_picture(circle, language, catalogs))
    lines = {gid: next(line for line in figure.axes[0].lines if line.get_gid() == gid)
             for gid in ("series-0", "series-1")}
    assert lines["series-0"].get_linestyle() != lines["series-1"].get_linestyle()
    assert lines["series-0"].get_marker() != lines["series-1"].get_marker()
    assert [text.get_text() for text in figure.legends[0].get_texts()] == [
        "Kettu", catalogs.text(language, Msg("compare.line_worker"))]
    legend = figure.legends[0].get_lines()  # the legend's keys carry the dash and the marker too
    assert [(key.get_linestyle(), key.get_marker()) for key in legend] == [
        (line.get_linestyle(), line.get_marker()) for line in lines.values()]
    assert radii(figure, "series-1")[:len(instrument.areas)] == [5.0 - index % 4 for index in
                                                                 range(len(instrument.areas))]
    assert png_size(draw_circle(circle_picture(circle, language, catalogs)))[0] == 792
