"""Turn engine results into channel-neutral messages: text with buttons, and pictures."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.circle import CirclePicture
from bot.documents import document_pdf, file_stem, render_document
from bot.drawing import Drawer
from bot.effect_chart import csv_name, effect_chart, effect_csv
from bot.i18n import Catalogs, LinkFormat, console_link
from bot.progress_chart import ProgressPicture
from flows.core.messages import N_, LocalText, Msg, Number
from flows.core.results import Abort, Ask, Chart, Circle, Document, Done, Photo, Reply, Say, Trend

log = logging.getLogger(__name__)

TELEGRAM_TEXT_LIMIT = 4096


@dataclass(frozen=True)
class Button:
    label: str
    value: str
    step: int


@dataclass
class TextOut:
    """One message; ``buttons`` are rows. ``free_text`` says typing an answer is welcome too."""

    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    free_text: bool = False
    # A conversation (a chat): typed text, numbers included, is a message; options are chosen another way.
    chat: bool = False
    about: int | None = None  # the chat it belongs to (see flows.core.results.Ask.about)
    preview: bool = True  # False: the channel must not fetch a preview of a link in it (flows.core.results.Say)


@dataclass
class PhotoOut:
    png: bytes
    caption: str
    kind: str = "circle"  # what the picture is, for a file name (the terminal saves it as a file)


@dataclass
class DocumentOut:
    filename: str
    content: bytes
    caption: str


@dataclass
class MediaOut:
    """A picture or sticker passed on in a chat by the channel's own reference, under a label."""

    kind: str
    ref: str
    caption: str
    about: int | None = None  # the chat it was passed on from


Outgoing = TextOut | PhotoOut | DocumentOut | MediaOut


def circle_picture(circle: Circle, language: str, catalogs: Catalogs) -> CirclePicture:
    """Resolve every text of the circle in ``language`` so the drawing process needs no catalogs."""
    areas = tuple(area.get(language) for area in circle.areas)
    # One's own wishes are "what you'd like to change"; a worker reads the client's, in their own words.
    heading = N_("esy.circle.wishes") if circle.nickname is None else N_("esy.circle.wishes_client")
    return CirclePicture(
        title=catalogs.text(language, circle.title),
        areas=areas,
        scale_min=circle.scale_min,
        scale_max=circle.scale_max,
        scale_labels=tuple(label.get(language) for label in circle.scale_labels),
        series=tuple((catalogs.text(language, s.label), s.values) for s in circle.series),
        nickname=circle.nickname,
        wishes=tuple((areas[index], wish) for index, wish in circle.wishes),
        wishes_title=catalogs.text(language, Msg(heading)),
        skipped_note=catalogs.text(language, Msg(N_("esy.circle.skipped"))),
    )


def progress_picture(trend: Trend, language: str, catalogs: Catalogs) -> ProgressPicture:
    """Resolve every text of the progress picture in ``language`` (dates and numbers as the text writes them)."""

    def number(value: float, signed: bool = False) -> str:
        return catalogs.param(language, Number(value, signed=signed))

    def change(moved: float | None) -> str:
        if moved is None:
            return ""
        return number(moved, signed=True).replace("-", "\u2212") if moved else f"±{number(0)}"

    return ProgressPicture(
        title=catalogs.text(language, trend.title),
        key=catalogs.text(language, Msg(N_("esy.progress.key"), {"min": trend.scale_min, "max": trend.scale_max})),
        areas=tuple(area.get(language) for area in trend.areas),
        scale_min=trend.scale_min, scale_max=trend.scale_max,
        dates=tuple(catalogs.param(language, when) for when in trend.dates),
        short_dates=tuple(catalogs.short_date(language, when) for when in trend.dates),
        values=trend.values,
        value_labels=tuple(tuple("" if value is None else number(value) for value in values)
                           for values in trend.values),
        changes=tuple(change(moved) for moved in trend.changes),
        notes=tuple(tuple(catalogs.text(language, note) for note in notes) for notes in trend.notes),
        skipped_note=catalogs.text(language, Msg(N_("esy.progress.skipped"))),
        asked=trend.asked,
    )


async def draw_picture(result: Photo | Chart, language: str, catalogs: Catalogs, drawer: Drawer) -> bytes | Msg:
    """A circle's or a progress picture's PNG; if it cannot be drawn, what to say instead (nothing is lost)."""
    try:
        if isinstance(result, Chart):
            return await drawer.progress(progress_picture(result.trend, language, catalogs))
        return await drawer.draw(circle_picture(result.circle, language, catalogs))
    except Exception as error:  # the answers are saved; say so instead of failing the reply
        log.error("render.draw_failed error=%s", type(error).__name__, exc_info=error)
    if isinstance(result, Chart):  # the same progress follows in words
        return Msg(N_("esy.progress.failed"))
    # One's own circle comes with its summary in words; a worker's copy of a client's does not.
    return Msg(N_("esy.circle.failed") if result.circle.nickname is None else N_("esy.circle.failed_copy"))


async def document_files(
    document: Document, language: str, catalogs: Catalogs, drawer: Drawer,
) -> tuple[list[tuple[str, bytes]], bool]:
    """A document's files, the PDF after the text and the JSON where it has one; and whether its PDF could not
    be made (the text and the JSON still go: nothing is lost)."""
    stamp = document.data.get("generated_at") or document.data.get("exported_at")
    made = datetime.fromisoformat(stamp) if stamp else datetime.now(UTC)
    files = render_document(document, language, catalogs, made)
    pictures = tuple(circle_picture(circle, language, catalogs) for circle in document.pictures)
    layout = document_pdf(document, language, catalogs, made, pictures)
    if layout is None:
        return files, False
    try:
        pdf = await drawer.pdf(layout)
    except Exception as error:  # the text and the JSON carry the same; say the PDF is missing instead of failing
        log.error("render.pdf_failed kind=%s error=%s", document.kind, type(error).__name__, exc_info=error)
        return files, True
    return [*files, (f"{file_stem(document)}.pdf", pdf)], False


async def effect_outs(
    document: Document, language: str, catalogs: Catalogs, drawer: Drawer, caption: str,
) -> list[Outgoing]:
    """The effect report: its chart as a picture, then the CSV (which still goes if the chart cannot be drawn)."""
    out: list[Outgoing] = []
    try:
        png = await drawer.chart(effect_chart(document.data, language, catalogs))
    except Exception as error:  # the figures are all in the CSV; say the chart is missing instead of failing
        log.error("render.chart_failed error=%s", type(error).__name__, exc_info=error)
        out.append(TextOut(catalogs.text(language, Msg(N_("effect.chart_failed")))))
    else:
        out.append(PhotoOut(png, caption, "effect"))
    out.append(DocumentOut(csv_name(document.data), effect_csv(document.data, language, catalogs), ""))
    return out


async def render(
    reply: Reply, catalogs: Catalogs, drawer: Drawer, link: LinkFormat = console_link,
    variants: Mapping[str, str] | None = None,
) -> list[Outgoing]:
    """Messages for one reply; notices are joined to the question after them, to send fewer messages.
    ``variants`` are a channel's own words for a message (the terminal has numbers where Telegram has buttons)."""
    language = reply.language
    own = variants or {}

    def text(message: Msg | LocalText) -> str:
        if isinstance(message, Msg) and message.key in own:
            message = Msg(own[message.key], message.params)
        return catalogs.text(language, message, link)

    out: list[Outgoing] = []
    pending: list[str] = []
    # The chats the pending texts belong to. A notice belongs to none and does not change what the message is
    # about; a message joined from texts about two chats belongs to neither.
    abouts: list[int | None] = []
    unpreviewed: list[bool] = []

    def about() -> int | None:
        found = set(abouts) - {None}
        abouts.clear()
        return found.pop() if len(found) == 1 else None

    def flush() -> None:
        if pending:
            out.append(TextOut("\n\n".join(pending), about=about(), preview=previews()))
            pending.clear()

    def previews() -> bool:  # a text joined from notices shows no preview if any of them asked for none
        shown = not unpreviewed
        unpreviewed.clear()
        return shown

    for result in reply.results:
        match result:
            case Say(msg=msg):
                pending.append(text(msg))
                abouts.append(result.about)
                if not result.preview:
                    unpreviewed.append(True)
            case Ask():
                pending.append(text(result.prompt))
                abouts.append(result.about)
                rows = [[Button(text(o.label), o.value, result.step)] for o in result.options]
                controls = [Button(text(o.label), o.value, result.step) for o in result.controls]
                rows.extend(controls[i:i + 2] for i in range(0, len(controls), 2))
                out.append(TextOut("\n\n".join(pending), rows, result.free_text, result.quiet, about(), previews()))
                pending.clear()
            case Photo() | Chart():
                flush()
                drawn = await draw_picture(result, language, catalogs, drawer)
                if isinstance(drawn, Msg):
                    pending.append(text(drawn))
                    abouts.append(None)
                else:
                    out.append(PhotoOut(drawn, text(result.caption), "circle" if isinstance(result, Photo)
                                        else "progress"))
            case Document(kind="effect_report", caption=caption):
                flush()
                out.extend(await effect_outs(result, language, catalogs, drawer, text(caption)))
            case Document(caption=caption):
                flush()
                files, no_pdf = await document_files(result, language, catalogs, drawer)
                if no_pdf:
                    out.append(TextOut(text(Msg(N_("document.pdf_failed")))))
                for filename, content in files:
                    out.append(DocumentOut(filename, content, text(caption) if filename == files[0][0] else ""))
            case Done(msg=msg):
                if msg is not None:
                    pending.append(text(msg))
                    abouts.append(None)
            case Abort(reason=reason):
                pending.append(text(Msg(reason)))
                abouts.append(None)
    flush()
    return out


def telegram_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Split a long text into pieces Telegram accepts, at paragraph, line or word breaks where possible."""
    pieces: list[str] = []
    while telegram_length(text) > limit:
        fits = _longest_prefix(text, limit)
        cut = max(text.rfind("\n\n", 0, fits), 0) or max(text.rfind("\n", 0, fits), 0) \
            or max(text.rfind(" ", 0, fits), 0) or fits
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    pieces.append(text)
    return [piece for piece in pieces if piece] or [text]


def _longest_prefix(text: str, limit: int) -> int:
    """How many characters of ``text`` fit into ``limit`` UTF-16 units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)
