"""Imports point one way: bot -> flows -> storage.ports; only bot/ imports telegram."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import storage.ports
from flows.core.rooms import ROOMS, may_import

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
                if node.module == "flows":  # ``from flows import chat``: the room is the imported name
                    names.update(f"flows.{alias.name}" for alias in node.names)
        found[path] = names
    return found


def top(name: str) -> str:
    return name.split(".")[0]


def is_port(name: str) -> bool:
    """The ports package or one of its area modules (storage.ports.chat, ...)."""
    return name == "storage.ports" or name.startswith("storage.ports.")


def test_flows_import_no_channel_no_driver_and_only_storage_ports() -> None:
    for path, names in imports("flows").items():
        for name in names:
            assert top(name) not in (*TELEGRAM_AND_DRIVERS, "bot"), f"{path}: imports {name}"
            if top(name) == "storage":
                assert is_port(name), f"{path}: flows may use storage.ports only, not {name}"


def room_of(name: str) -> str | None:
    """The capability an imported module lives in (``flows.chat.shifts`` -> ``chat``), or None outside flows."""
    parts = name.split(".")
    return parts[1] if parts[0] == "flows" and len(parts) > 1 else None


def test_every_flows_module_lives_in_a_room() -> None:
    for path in imports("flows"):
        relative = path.relative_to(ROOT / "flows").parts
        assert len(relative) == 1 or relative[0] in ROOMS, f"{path}: outside the rooms {sorted(ROOMS)}"


def test_rooms_import_only_the_rooms_they_build_on() -> None:
    """Which capability may import which is written once (flows/core/rooms.py); every import follows it."""
    wrong = []
    for path, names in imports("flows").items():
        relative = path.relative_to(ROOT / "flows").parts
        if len(relative) == 1:
            continue  # flows/__init__.py
        for name in names:
            other = room_of(name)
            if other is not None and not may_import(relative[0], other):
                wrong.append(f"{path.relative_to(ROOT)}: {relative[0]} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_the_rule_itself_has_no_cycle() -> None:
    def reaches(room: str, seen: frozenset[str]) -> bool:
        return any(other in seen or reaches(other, seen | {other}) for other in ROOMS[room])

    assert all(not reaches(room, frozenset({room})) for room in ROOMS)
    assert all(other in ROOMS for allowed in ROOMS.values() for other in allowed)


def test_storage_imports_no_flow_and_no_channel() -> None:
    for path, names in imports("storage").items():
        for name in names:
            assert top(name) not in ("bot", "flows", "telegram"), f"{path}: imports {name}"


PORTS = ROOT / "storage" / "ports"
BACKENDS = ("sql_repos", "memory_repos", "sqlite.py", "postgres.py", "memory.py")


def port_modules() -> list[str]:
    """The ports' modules (areas and base), not the re-exporting package."""
    return sorted(p.stem for p in PORTS.glob("*.py") if p.stem != "__init__")


def test_port_areas_stand_alone_and_only_base_knows_them_all() -> None:
    """An area's ports import no other storage module; base (the unit of work) imports the areas only."""
    areas = {f"storage.ports.{m}" for m in port_modules() if m != "base"}
    assert {"storage.ports.people", "storage.ports.chat"} <= areas, areas
    for path, names in imports("storage/ports").items():
        storage_names = {n for n in names if top(n) == "storage"}
        if path.stem == "base":
            assert storage_names <= areas, f"{path}: imports {storage_names - areas}"
        elif path.stem != "__init__":
            assert not storage_names, f"{path}: an area's ports import {storage_names}"


def test_ports_package_re_exports_every_area_name() -> None:
    """`from storage.ports import X` works for every row, port and error, so callers need not know the area."""
    for name in port_modules():
        module = importlib.import_module(f"storage.ports.{name}")
        own = {n for n, v in vars(module).items() if getattr(v, "__module__", None) == module.__name__}
        own |= {"Deferred"} if name == "base" else set()  # a type alias carries no __module__ of its own
        missing = own - set(storage.ports.__all__)
        assert not missing, f"storage.ports does not re-export {sorted(missing)} of {module.__name__}"
        assert all(getattr(storage.ports, n) is getattr(module, n) for n in own)


def test_backends_import_ports_from_their_area_modules() -> None:
    """A backend module names the area it implements: storage.ports.<area>, never the re-exporting package."""
    found = imports("storage")
    backends = [p for p in found if p.relative_to(ROOT / "storage").parts[0] in BACKENDS]
    assert len(backends) > len(BACKENDS), backends
    for path in backends:
        assert "storage.ports" not in found[path], f"{path}: import storage.ports.<area>, not the package"


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
