"""Compile the gettext catalogs (.po -> .mo) whenever the package is built or installed.

The wheel carries the compiled catalogs only, as ``bot/_locales/LANG/LC_MESSAGES/bot.mo``: no .po beside them
(pip wrote it after the .mo, so the runtime took the compiled catalog for stale and parsed the .po at every
start), no bot.pot and not this hook.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from hatchling.builders.hooks.plugin.interface import BuildHookInterface


def compile_catalogs(root: Path) -> list[Path]:
    """Write a .mo beside every .po under ``root``; return the written paths."""
    written = []
    for po_path in sorted(root.glob("*/LC_MESSAGES/*.po")):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        mo_path = po_path.with_suffix(".mo")
        # Written beside and renamed over: a program reading the catalogs meanwhile (a test in another worker
        # while the packaging test builds the wheel) sees the old file or the new one, never half of one.
        partial = mo_path.with_name(f".{mo_path.name}.{os.getpid()}")
        with partial.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        partial.replace(mo_path)
        written.append(mo_path)
    return written


class CatalogBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    """Hatch hook: catalogs are compiled at build time, never committed; a wheel ships the .mo files only."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root) / "locales"
        compiled = compile_catalogs(root)
        if version == "editable":
            return  # an editable install reads the checkout's locales/ (see bot.i18n.locales_dir)
        for mo_path in compiled:
            build_data["force_include"][str(mo_path)] = f"bot/_locales/{mo_path.relative_to(root).as_posix()}"
