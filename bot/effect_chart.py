"""The effect report as a chart (PNG) and a CSV, in the coordinator's language (#12 §6).

The chart is read on a phone like the circle (bot/circle.py): 792 px wide, no text under 14 pt. Per ESY area one
bar of the median change (latest minus first circle) with how many people and the share who improved under the
area's name; each service's and group's row under it; a hidden cell is marked in words where its bar would be.
The footer states the limits: no comparison group, who fills twice is not everyone, a service is not the only
cause, small numbers, and which data the report covers. The CSV follows the chat statistics' CSV (comma
separated, a point as the decimal mark), with headers, area names and notes in the coordinator's language.
"""

from __future__ import annotations

import csv
import io
import textwrap
from dataclasses import dataclass
from typing import Any

from babel.numbers import get_decimal_symbol

from bot.circle import DPI, TEXT_COLOR, TEXT_PT, TITLE_PT, WIDTH_PX, png_of
from bot.i18n import BABEL_LOCALES, Catalogs
from flows.core.messages import N_, LocalText, Msg, Number, Param
from flows.esy.effect_report import covers

BAR_COLOR, HIDDEN_COLOR = "#1f6f8b", "#6b6b6b"  # the circle's blue and its greyed "skipped"
NAME_CHARS, FOOTER_CHARS = 62, 66
DIMENSIONS = {"all": N_("effect.dimension.all"), "service": N_("effect.dimension.service"),
              "group": N_("effect.dimension.group")}
HIDDEN = {"small": N_("effect.chart.small"), "complement": N_("effect.chart.complement")}


@dataclass(frozen=True)
class ChartRow:
    """One bar: the row's name, its note (people and share improved, or why it is hidden), its median."""

    name: str
    note: str
    median: float | None
    area: bool  # an area's own row (bold), not a service's or group's under it


@dataclass(frozen=True)
class EffectChart:
    """Everything the chart shows, already in the reader's language: plain, picklable data."""

    title: str
    axis: str
    rows: tuple[ChartRow, ...]
    footer: tuple[str, ...]
    decimal: str  # the decimal mark of the reader's language


def area_names(data: dict[str, Any], language: str) -> dict[str, str]:
    """The instrument's area names in the reader's language, by id."""
    return {area["id"]: LocalText(area["name"].get("fi", area["id"]), area["name"].get("sv", area["id"]),
                                  area["name"].get("en", area["id"])).get(language) for area in data["areas"]}


def label_name(data: dict[str, Any], dimension: str, label: str, language: str) -> str:
    """A service's name in the reader's language (its label is its id); a group's name as it is."""
    names = data.get("service_names", {}).get(label) if dimension == "service" else None
    return LocalText(names["fi"], names["sv"], names["en"]).get(language) if names else label


def _month(text: str) -> str:
    year, month = text.split("-")
    return f"{int(month)}/{year}"


def effect_chart(data: dict[str, Any], language: str, catalogs: Catalogs) -> EffectChart:
    """The report's chart in ``language``: every text resolved so the drawing process needs no catalogs."""
    def t(key: str, **params: Param) -> str:
        return catalogs.text(language, Msg(key, params))

    names = area_names(data, language)
    rows = []
    for cell in data["cells"]:
        if cell["dimension"] == "all":
            name = names.get(cell["area"], cell["area"])
        else:
            name = t(N_("effect.chart.label"), kind=Msg(DIMENSIONS[cell["dimension"]]),
                     label=label_name(data, cell["dimension"], cell["label"], language))
        note = t(HIDDEN[cell["hidden"]]) if cell["hidden"] else t(
            N_("effect.chart.note"), n=cell["n"], share=round(100 * cell["improved"]),
            median=Number(cell["median"], 2, signed=True))
        rows.append(ChartRow(name, note, cell["median"], cell["dimension"] == "all"))
    footer = [t(N_("effect.chart.limits")), "• " + catalogs.text(language, covers(data)),
              "• " + t(N_("effect.chart.anonymous"))]
    lines = tuple(line for block in footer for paragraph in block.split("\n")
                  for line in textwrap.wrap(paragraph, FOOTER_CHARS, subsequent_indent="  ") or [""])
    return EffectChart(
        title=t(N_("effect.chart.title"), first=_month(data["first_month"]), last=_month(data["last_month"])),
        axis=t(N_("effect.chart.axis")), rows=tuple(rows), footer=lines,
        decimal=str(get_decimal_symbol(BABEL_LOCALES.get(language, BABEL_LOCALES["fi"]))))


ROW_IN, TITLE_IN, AXIS_IN, LINE_IN = 0.95, 0.75, 0.8, 0.27


def draw_effect_chart(chart: EffectChart) -> bytes:
    """Render the chart to PNG bytes (in a worker process)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    rows = max(1, len(chart.rows))
    footer_in = len(chart.footer) * LINE_IN + 0.3
    height = TITLE_IN + rows * ROW_IN + AXIS_IN + footer_in
    figure = Figure(figsize=(WIDTH_PX / DPI, height), dpi=DPI)
    figure.text(0.03, 1 - 0.25 / height, chart.title, fontsize=TITLE_PT, weight="bold", color=TEXT_COLOR, va="top")
    axes = figure.add_axes((0.04, (AXIS_IN + footer_in) / height, 0.92, rows * ROW_IN / height))
    _bars(axes, chart)
    axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:+.1f}".replace(".", chart.decimal)
                                                 if x else "0"))
    axes.set_xlabel(chart.axis, fontsize=TEXT_PT, color=TEXT_COLOR)
    for index, line in enumerate(chart.footer):
        figure.text(0.03, (footer_in - 0.15 - index * LINE_IN) / height, line, fontsize=TEXT_PT,
                    color=TEXT_COLOR, va="top")
    return png_of(figure)


def _bars(axes: Any, chart: EffectChart) -> None:
    """Top to bottom in the report's order: each row's name and note across the width, its bar under them."""
    count = len(chart.rows)
    shown = [abs(row.median) for row in chart.rows if row.median is not None]
    reach = max([0.5, *shown]) * 1.15
    axes.set_xlim(-reach, reach)
    axes.set_ylim(0, max(1, count))
    axes.set_yticks([])
    axes.tick_params(axis="x", labelsize=TEXT_PT, colors=TEXT_COLOR)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    for index, row in enumerate(chart.rows):
        top = count - index  # the row fills [top - 1, top): two lines of text, then the bar
        left = -reach if row.area else -reach * 0.94  # a service's or group's row under its area, indented
        axes.text(left, top - 0.08, textwrap.shorten(row.name, NAME_CHARS, placeholder="…"), ha="left",
                  va="top", fontsize=TEXT_PT, weight="bold" if row.area else "normal", color=TEXT_COLOR)
        axes.text(left, top - 0.38, row.note, ha="left", va="top", fontsize=TEXT_PT,
                  color=TEXT_COLOR if row.median is not None else HIDDEN_COLOR,
                  style="normal" if row.median is not None else "italic")
        axes.plot([0, 0], [top - 1, top - 0.68], color=TEXT_COLOR, linewidth=1.2)
        if row.median is None:
            axes.plot([0], [top - 0.84], marker="x", markersize=12, color=HIDDEN_COLOR)
        else:
            axes.barh(top - 0.84, row.median, height=0.24, color=BAR_COLOR if row.area else "white",
                      edgecolor=BAR_COLOR, hatch=None if row.area else "///")


def effect_csv(data: dict[str, Any], language: str, catalogs: Catalogs) -> bytes:
    """One row per cell: area, breakdown, label, people, median change, share improved (%), and a note."""
    def t(key: str) -> str:
        return catalogs.text(language, Msg(key))

    names = area_names(data, language)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([t(key) for key in (N_("effect.csv.area"), N_("effect.csv.breakdown"), N_("effect.csv.label"),
                                        N_("effect.csv.n"), N_("effect.csv.median"), N_("effect.csv.improved"),
                                        N_("effect.csv.note"))])
    for cell in data["cells"]:
        hidden = cell["hidden"]
        writer.writerow([
            names.get(cell["area"], cell["area"]), t(DIMENSIONS[cell["dimension"]]),
            label_name(data, cell["dimension"], cell["label"], language),
            "" if hidden else cell["n"], "" if hidden else cell["median"],
            "" if hidden else round(100 * cell["improved"]), t(HIDDEN[hidden]) if hidden else ""])
    return out.getvalue().encode()


def csv_name(data: dict[str, Any]) -> str:
    """The CSV's file name: the period's months."""
    return f"kaari-effect-{data['first_month']}-{data['last_month']}.csv"
