"""The consent items for identified work as data: versioned texts in fi/sv/en, validated on load."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from flows.core.datafile import DataFileError, DataReader, parse_toml
from flows.core.messages import LocalText

DEFAULT_CONSENT = "consent.toml"
# The work itself (a) must be agreed to; the rest can be declined.
REQUIRED_ITEM = "work"
KNOWN_ITEMS = ("work", "exchange", "storage", "reminders")
# Items an organisation's file may leave out (added after files were written): without "effect" (#12 §6) no
# de-identified record of change is kept when a client's data is deleted.
OPTIONAL_ITEMS = ("effect",)


class ConsentTextError(DataFileError):
    """The consent file is unusable."""


@dataclass(frozen=True)
class ConsentItem:
    id: str
    version: int
    required: bool
    title: LocalText
    text: LocalText


class _Reader(DataReader):
    error = ConsentTextError

    def items(self, raw: dict[str, object]) -> tuple[ConsentItem, ...]:
        self.table(raw, "top level", {"items"})
        found = []
        for i, entry in enumerate(self.field(raw, "items", list, "top level")):
            where = f"items[{i}]"
            self.table(entry, where, {"id", "version", "required", "title", "text"})
            item_id = self.field(entry, "id", str, where)
            if item_id not in KNOWN_ITEMS + OPTIONAL_ITEMS:
                raise self.fail(f"{where}.id", f"'{item_id}' is not one of {list(KNOWN_ITEMS + OPTIONAL_ITEMS)}")
            version = self.field(entry, "version", int, where)
            if version < 1:
                raise self.fail(f"{where}.version", "must be 1 or more")
            found.append(ConsentItem(item_id, version, self.field(entry, "required", bool, where),
                                     self.text(entry, "title", where), self.text(entry, "text", where)))
        ids = [item.id for item in found]
        if sorted(item for item in ids if item in KNOWN_ITEMS) != sorted(KNOWN_ITEMS) or len(set(ids)) < len(ids):
            raise self.fail("items", f"needs each of {list(KNOWN_ITEMS)} exactly once (and may have "
                                     f"{list(OPTIONAL_ITEMS)} once), found {ids}")
        if not next(item for item in found if item.id == REQUIRED_ITEM).required:
            raise self.fail("items", f"'{REQUIRED_ITEM}' must be required: identified work needs it")
        return tuple(found)


def has_item(items: tuple[ConsentItem, ...], item_id: str) -> bool:
    """Whether the organisation's consent texts ask this (optional) item at all."""
    return any(item.id == item_id for item in items)


def title_of(items: tuple[ConsentItem, ...], item_id: str) -> LocalText:
    """The title people know a consent item by ("Tallentaminen"), for screens that say which one is missing."""
    return next(item.title for item in items if item.id == item_id)


def load_consent_texts(path: Path | None = None) -> tuple[ConsentItem, ...]:
    """The consent items from an organisation's file, or Kaari's default."""
    if path is None:
        text = resources.files(__package__ or "").joinpath(DEFAULT_CONSENT).read_text(encoding="utf-8")
        source = f"flows/identity/{DEFAULT_CONSENT}"
    else:
        try:
            text, source = Path(path).read_text(encoding="utf-8"), str(path)
        except OSError as error:
            raise ConsentTextError(f"{path}: cannot be read: {error.strerror}") from error
    return _Reader(source).items(parse_toml(text, source, ConsentTextError))
