"""Lay a document out as a PDF (reportlab), with its circles drawn in. Runs inside a drawing worker process.

The layout arrives with every text already in the reader's language, as plain picklable data. The font is
DejaVu Sans, which ships with matplotlib: it has every letter Finnish and Swedish need (ä ö å, – … “ ” €).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from bot.circle import CirclePicture, draw_circle

FONT, BOLD = "DejaVuSans", "DejaVuSans-Bold"
PAGE_MARK = "\x00"  # where the page number goes in the footer
# The circle is drawn 13 cm wide on A4 (its height follows the PNG), readable printed or zoomed on a phone.
PICTURE_WIDTH_CM = 13.0


@dataclass(frozen=True)
class PdfSection:
    """A heading, an optional circle under it, then lines ("• " starts a bullet, two spaces indent a line)."""

    heading: str
    lines: tuple[str, ...] = ()
    picture: CirclePicture | None = None


@dataclass(frozen=True)
class PdfLayout:
    """A whole document: its title and subtitle, its sections, and a footer on every page."""

    title: str
    subtitle: str
    sections: tuple[PdfSection, ...]
    footer: str  # with PAGE_MARK where the page number goes
    language: str


def font_path(name: str) -> Path:
    """A DejaVu font file from matplotlib's own data (no download, the same in the Docker image)."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / f"{name}.ttf"


def _register_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    registered = pdfmetrics.getRegisteredFontNames()
    for name in (FONT, BOLD):
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(font_path(name))))


def _styles() -> dict[str, Any]:
    from reportlab.lib.styles import ParagraphStyle

    body = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=14)
    return {
        "title": ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=17, leading=22, spaceAfter=4),
        "subtitle": ParagraphStyle("subtitle", parent=body, textColor="#444444", spaceAfter=10),
        "heading": ParagraphStyle("heading", parent=body, fontName=BOLD, fontSize=13, leading=17, spaceBefore=12,
                                  spaceAfter=4),
        "body": body,
        "lead": ParagraphStyle("lead", parent=body, fontName=BOLD, spaceBefore=4),
        "bullet": ParagraphStyle("bullet", parent=body, leftIndent=14, bulletIndent=2),
        "indent": ParagraphStyle("indent", parent=body, leftIndent=28),
    }


def _line(text: str, styles: dict[str, Any]) -> Any:
    from reportlab.platypus import Paragraph

    if text.startswith("• "):
        return Paragraph(escape(text[2:]), styles["bullet"], bulletText="•")
    if text.startswith("  "):
        return Paragraph(escape(text.strip()), styles["indent"])
    # "The client's feedback:" introduces the lines under it: a small heading of its own.
    return Paragraph(escape(text), styles["lead" if text.endswith(":") else "body"])


def _section(section: PdfSection, styles: dict[str, Any]) -> list[Any]:
    from reportlab.lib.units import cm
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image, KeepTogether, Paragraph, Spacer

    # A section without a heading (the profile in /mydata) is set apart by a little space instead.
    head: list[Any] = [Paragraph(escape(section.heading), styles["heading"]) if section.heading else Spacer(1, 8)]
    if section.picture is not None:
        png = draw_circle(section.picture)
        width, height = ImageReader(io.BytesIO(png)).getSize()
        head.append(Image(io.BytesIO(png), width=PICTURE_WIDTH_CM * cm, height=PICTURE_WIDTH_CM * cm * height / width))
    lines = [_line(text, styles) for text in section.lines]
    # A heading never ends a page alone: it stays with its picture and first lines.
    return [KeepTogether(head + lines[:2]), *lines[2:]]


def build_pdf(layout: PdfLayout) -> bytes:
    """The PDF bytes for ``layout``: A4, a title, sections with their circles, a footer with the page."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    _register_fonts()
    styles = _styles()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm, topMargin=1.8 * cm,
                                 bottomMargin=1.8 * cm, title=layout.title, author="Kaari", lang=layout.language,
                                 invariant=True)

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor("#666666")
        canvas.drawString(2 * cm, 1.0 * cm, layout.footer.replace(PAGE_MARK, str(doc.page)))
        canvas.restoreState()

    story: list[Any] = [Paragraph(escape(layout.title), styles["title"]),
                        Paragraph(escape(layout.subtitle), styles["subtitle"])]
    for section in layout.sections:
        story.extend(_section(section, styles))
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
