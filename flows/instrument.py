"""The ESY instrument as data: areas, statements and the rating scale, in fi/sv/en, validated on load."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from flows.messages import LANGUAGES, LocalText

DEFAULT_INSTRUMENT = "esy_default.toml"


class InstrumentError(ValueError):
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
    name: LocalText
    short: LocalText
    statements: tuple[Statement, ...]


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


class _Reader:
    """Validates one parsed file, collecting problems with the path where each was found."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, problem: str) -> InstrumentError:
        return InstrumentError(f"{self.source}: {where}: {problem}")

    def table(self, value: Any, where: str, allowed: set[str]) -> dict[str, Any]:
        """``value`` must be a table with no keys but ``allowed`` (a typo must not pass silently)."""
        if not isinstance(value, dict):
            raise self.fail(where, f"expected a table, found {type(value).__name__}")
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise self.fail(where, f"unknown key(s) {unknown}; allowed: {sorted(allowed)}")
        return value

    def field(self, table: dict[str, Any], name: str, kind: type, where: str) -> Any:
        if name not in table:
            raise self.fail(where, f"missing '{name}'")
        value = table[name]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(f"{where}.{name}", f"expected {kind.__name__}, found {type(value).__name__}")
        return value

    def text(self, table: dict[str, Any], name: str, where: str) -> LocalText:
        value = self.field(table, name, dict, where)
        for language in LANGUAGES:
            if not isinstance(value.get(language), str) or not value[language].strip():
                raise self.fail(f"{where}.{name}", f"missing text in '{language}'")
        extra = set(value) - set(LANGUAGES)
        if extra:
            raise self.fail(f"{where}.{name}", f"unknown language(s) {sorted(extra)}")
        return LocalText(**{language: value[language].strip() for language in LANGUAGES})

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
            self.table(area, where, {"id", "name", "short", "statements"})
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
            name = self.text(area, "name", where)
            short = self.text(area, "short", where) if "short" in area else name
            areas.append(Area(area_id, name, short, tuple(statements)))
        return Instrument(
            id=self.field(raw, "id", str, "top level"),
            version=self.field(raw, "version", int, "top level"),
            name=self.text(raw, "name", "top level"),
            scale=scale,
            areas=tuple(areas),
        )


def parse_instrument(text: str, source: str) -> Instrument:
    """Parse and validate instrument TOML; ``source`` names the file in error messages."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InstrumentError(f"{source}: not valid TOML: {error}") from error
    return _Reader(source).instrument(raw)


def load_instrument(path: Path | None = None) -> Instrument:
    """Load an organisation's instrument file, or the default shipped with Kaari."""
    if path is None:
        shipped = resources.files("flows.instruments").joinpath(DEFAULT_INSTRUMENT)
        return parse_instrument(shipped.read_text(encoding="utf-8"), f"flows/instruments/{DEFAULT_INSTRUMENT}")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise InstrumentError(f"{path}: cannot be read: {error.strerror}") from error
    return parse_instrument(text, str(path))
