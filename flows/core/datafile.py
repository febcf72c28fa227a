"""Reading the data files an organisation can replace (instrument, consent texts): every problem is named
with the file and the place in it."""

from __future__ import annotations

import tomllib
from typing import Any

from flows.core.messages import LANGUAGES, LocalText


class DataFileError(ValueError):
    """A data file is unusable; the message names the file and the problem."""


class DataReader:
    """Validates one parsed file, collecting problems with the path where each was found."""

    error: type[DataFileError] = DataFileError

    def __init__(self, source: str) -> None:
        """A reader for the file named ``source`` in its messages."""
        self.source = source

    def fail(self, where: str, problem: str) -> DataFileError:
        """The error to raise: the file, where in it, and what is wrong."""
        return self.error(f"{self.source}: {where}: {problem}")

    def table(self, value: Any, where: str, allowed: set[str]) -> dict[str, Any]:
        """``value`` must be a table with no keys but ``allowed`` (a typo must not pass silently)."""
        if not isinstance(value, dict):
            raise self.fail(where, f"expected a table, found {type(value).__name__}")
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise self.fail(where, f"unknown key(s) {unknown}; allowed: {sorted(allowed)}")
        return value

    def field(self, table: dict[str, Any], name: str, kind: type, where: str) -> Any:
        """``table[name]``, which must be there and of ``kind`` (a bool is no int)."""
        if name not in table:
            raise self.fail(where, f"missing '{name}'")
        value = table[name]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(f"{where}.{name}", f"expected {kind.__name__}, found {type(value).__name__}")
        return value

    def text(self, table: dict[str, Any], name: str, where: str) -> LocalText:
        """A text given in every language Kaari speaks, and in no other."""
        value = self.field(table, name, dict, where)
        for language in LANGUAGES:
            if not isinstance(value.get(language), str) or not value[language].strip():
                raise self.fail(f"{where}.{name}", f"missing text in '{language}'")
        extra = set(value) - set(LANGUAGES)
        if extra:
            raise self.fail(f"{where}.{name}", f"unknown language(s) {sorted(extra)}")
        return LocalText(**{language: value[language].strip() for language in LANGUAGES})


def parse_toml(text: str, source: str, error: type[DataFileError]) -> dict[str, Any]:
    """Parse TOML, naming the file (and TOML's own line and column) on a syntax error."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise error(f"{source}: not valid TOML: {problem}") from problem
