"""Quick replies for the shift chat: contacts and services a worker often points young people to (Kela, housing
advice, crisis lines...), as a data file in fi/sv/en. The young person gets each in their own language."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from flows.core.datafile import DataFileError, DataReader, parse_toml
from flows.core.messages import LocalText

DEFAULT_QUICK_REPLIES = "quick_replies.toml"
MAX_TEXT = 1500


class QuickReplyError(DataFileError):
    """The quick replies file is unusable."""


@dataclass(frozen=True)
class QuickReply:
    id: str
    title: LocalText  # what the worker taps
    text: LocalText  # what the young person gets


class _Reader(DataReader):
    error = QuickReplyError

    def replies(self, raw: dict[str, Any]) -> tuple[QuickReply, ...]:
        self.table(raw, "top level", {"replies"})
        found: list[QuickReply] = []
        for i, entry in enumerate(self.field(raw, "replies", list, "top level")):
            where = f"replies[{i}]"
            self.table(entry, where, {"id", "title", "text"})
            reply_id = self.field(entry, "id", str, where)
            if any(reply.id == reply_id for reply in found):
                raise self.fail(f"{where}.id", f"'{reply_id}' is used twice")
            text = self.text(entry, "text", where)
            if max(len(text.fi), len(text.sv), len(text.en)) > MAX_TEXT:
                raise self.fail(f"{where}.text", f"longer than {MAX_TEXT} characters")
            found.append(QuickReply(reply_id, self.text(entry, "title", where), text))
        return tuple(found)


def load_quick_replies(path: Path | None = None) -> tuple[QuickReply, ...]:
    """The quick replies from an organisation's file, or Kaari's default."""
    if path is None:
        source = f"flows/chat/{DEFAULT_QUICK_REPLIES}"
        text = resources.files(__package__ or "").joinpath(DEFAULT_QUICK_REPLIES).read_text(encoding="utf-8")
    else:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as error:
            raise QuickReplyError(f"{path}: cannot be read: {error.strerror}") from error
    return _Reader(source).replies(parse_toml(text, source, QuickReplyError))
