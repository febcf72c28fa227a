"""The ESY instrument as data: areas, statements and the rating scale, in fi/sv/en, validated on load."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from flows.core.datafile import DataFileError, DataReader, parse_toml
from flows.core.messages import LocalText

DEFAULT_INSTRUMENT = "esy_default.toml"


class InstrumentError(DataFileError):
    """The instrument file is unusable; the message names the file and the problem."""


@dataclass(frozen=True)
class ScalePoint:
    value: int
    label: LocalText


@dataclass(frozen=True)
class Statement:
    id: str
    text: LocalText
    # A statement worded so that agreeing means things are harder ("I often feel lonely").
    reverse: bool = False


@dataclass(frozen=True)
class Area:
    id: str
    # One name everywhere (questions, summary, picture), so the picture never says something else.
    name: LocalText
    statements: tuple[Statement, ...]
    # Open questions the worker can ask about this area (apukysymykset); shown to the worker only.
    prompts: tuple[LocalText, ...] = ()
    # The prompts are not yet reviewed by the organisation: the worker is told they are a draft.
    prompts_draft: bool = False


@dataclass(frozen=True)
class Instrument:
    id: str
    version: int
    name: LocalText
    scale: tuple[ScalePoint, ...]
    areas: tuple[Area, ...]

    @property
    def scale_min(self) -> int:
        return self.scale[0].value

    @property
    def scale_max(self) -> int:
        return self.scale[-1].value

    def score(self, statement: Statement, value: int) -> int:
        """The points a rating gives: reversed statements count from the other end of the scale."""
        return self.scale_min + self.scale_max - value if statement.reverse else value

    def statement(self, statement_id: str) -> Statement:
        for area in self.areas:
            for statement in area.statements:
                if statement.id == statement_id:
                    return statement
        raise KeyError(statement_id)


def legend(instrument: Instrument) -> dict[str, Any]:
    """The instrument's area names and scale in every language, as plain data: a document carries them so its
    reader sees names, not ids, and the JSON explains itself."""
    def text(value: LocalText) -> dict[str, str]:
        return {"fi": value.fi, "sv": value.sv, "en": value.en}

    return {"instrument": f"{instrument.id} v{instrument.version}",
            "areas": [{"id": area.id, "name": text(area.name)} for area in instrument.areas],
            "scale": [{"value": point.value, "label": text(point.label)} for point in instrument.scale]}


def prompt_summary(instrument: Instrument) -> str:
    """How many conversation prompts the file has, in how many areas, and how many of those are drafts."""
    with_prompts = [area for area in instrument.areas if area.prompts]
    drafts = sum(1 for area in with_prompts if area.prompts_draft)
    prompts = sum(len(area.prompts) for area in with_prompts)
    return f"{prompts} prompts in {len(with_prompts)} areas, {drafts} of them marked as drafts"


class _Reader(DataReader):
    """Validates one parsed instrument file."""

    error = InstrumentError

    def instrument(self, raw: dict[str, Any]) -> Instrument:
        self.table(raw, "top level", {"id", "version", "name", "scale", "areas"})
        scale_raw = self.field(raw, "scale", list, "top level")
        points = [self.table(point, f"scale[{i}]", {"value", "label"}) for i, point in enumerate(scale_raw)]
        scale = tuple(
            ScalePoint(self.field(point, "value", int, f"scale[{i}]"), self.text(point, "label", f"scale[{i}]"))
            for i, point in enumerate(points)
        )
        values = [point.value for point in scale]
        if len(scale) < 2 or values != list(range(values[0], values[0] + len(values))):
            raise self.fail("scale", "needs at least two points with consecutive rising values")
        areas_raw = self.field(raw, "areas", list, "top level")
        if len(areas_raw) < 3:
            raise self.fail("areas", "a circle needs at least three areas")
        areas, seen = [], set()
        for i, area in enumerate(areas_raw):
            where = f"areas[{i}]"
            if "short" in area:  # removed: a second name made the picture and the summary disagree
                raise self.fail(f"{where}.short", "is no longer used: the circle shows the area's name "
                                "(wrapped), so remove 'short' and keep 'name' under ~35 characters")
            self.table(area, where, {"id", "name", "statements", "prompts", "prompts_draft"})
            area_id = self.field(area, "id", str, where)
            statements = []
            for j, item in enumerate(self.field(area, "statements", list, where)):
                item_where = f"{where}.statements[{j}]"
                self.table(item, item_where, {"id", "text", "reverse"})
                statement_id = self.field(item, "id", str, item_where)
                reverse = item.get("reverse", False)
                if not isinstance(reverse, bool):
                    raise self.fail(f"{item_where}.reverse", "expected true or false")
                statements.append(Statement(statement_id, self.text(item, "text", item_where), reverse))
            if not statements:
                raise self.fail(where, "an area needs at least one statement")
            ids = [area_id, *(statement.id for statement in statements)]
            duplicate = next((name for name in ids if name in seen or ids.count(name) > 1), None)
            if duplicate:
                raise self.fail(where, f"id '{duplicate}' is used twice")
            seen.update(ids)
            prompts, draft = self.prompts(area, where)
            areas.append(Area(area_id, self.text(area, "name", where), tuple(statements), prompts, draft))
        return Instrument(
            id=self.field(raw, "id", str, "top level"),
            version=self.field(raw, "version", int, "top level"),
            name=self.text(raw, "name", "top level"),
            scale=scale,
            areas=tuple(areas),
        )


    def prompts(self, area: dict[str, Any], where: str) -> tuple[tuple[LocalText, ...], bool]:
        """An area's optional conversation prompts, each in every language, and whether they are a draft."""
        items = self.field(area, "prompts", list, where) if "prompts" in area else []
        # Each prompt is checked as a text of its own, so an error names it: areas[2].prompts[1].
        prompts = tuple(self.text({f"prompts[{k}]": item}, f"prompts[{k}]", where) for k, item in enumerate(items))
        draft = area.get("prompts_draft", False)
        if not isinstance(draft, bool):
            raise self.fail(f"{where}.prompts_draft", "expected true or false")
        if draft and not prompts:
            raise self.fail(f"{where}.prompts_draft", "marks prompts as a draft, but the area has no prompts")
        return prompts, draft


def parse_instrument(text: str, source: str) -> Instrument:
    """Parse and validate instrument TOML; ``source`` names the file in error messages."""
    return _Reader(source).instrument(parse_toml(text, source, InstrumentError))


def load_instrument(path: Path | None = None) -> Instrument:
    """Load an organisation's instrument file, or the default shipped with Kaari."""
    if path is None:
        shipped = resources.files(__package__ or "").joinpath(DEFAULT_INSTRUMENT)
        return parse_instrument(shipped.read_text(encoding="utf-8"), f"flows/esy/{DEFAULT_INSTRUMENT}")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise InstrumentError(f"{path}: cannot be read: {error.strerror}") from error
    return parse_instrument(text, str(path))
