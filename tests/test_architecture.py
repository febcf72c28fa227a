"""Imports point one way: bot -> flows -> storage.ports; only bot/ imports telegram."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TELEGRAM_AND_DRIVERS = ("telegram", "aiosqlite", "sqlite3", "asyncpg", "httpx", "matplotlib")


def imports(package: str) -> dict[Path, set[str]]:
    found: dict[Path, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[path] = names
    return found


def top(name: str) -> str:
    return name.split(".")[0]


def test_flows_import_no_channel_no_driver_and_only_storage_ports() -> None:
    for path, names in imports("flows").items():
        for name in names:
            assert top(name) not in (*TELEGRAM_AND_DRIVERS, "bot"), f"{path}: imports {name}"
            if top(name) == "storage":
                assert name == "storage.ports", f"{path}: flows may use storage.ports only, not {name}"


def test_storage_imports_no_flow_and_no_channel() -> None:
    for path, names in imports("storage").items():
        for name in names:
            assert top(name) not in ("bot", "flows", "telegram"), f"{path}: imports {name}"


def test_only_bot_imports_telegram() -> None:
    for package in ("flows", "storage"):
        for path, names in imports(package).items():
            assert not any(top(n) == "telegram" for n in names), path


def test_flows_hold_no_sentences() -> None:
    """User-facing text lives in catalogs: flows pass ids (dotted, lowercase), never prose."""
    for path in sorted((ROOT / "flows").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("Msg", "N_") and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    assert " " not in first.value and first.value.islower(), f"{path}: {first.value!r}"
