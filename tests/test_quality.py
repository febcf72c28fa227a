"""The house style is checked with the tests: ruff, mypy --strict and short functions over the whole project."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, check=False)


def test_ruff() -> None:
    result = run("ruff", "check", "bot", "flows", "storage", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict() -> None:
    result = run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


# A function longer than this is read by scrolling: its steps belong in top-level definitions of their own.
MAX_LINES = 80
CHECKED = ("bot", "flows", "storage", "bench")


def function_lengths() -> dict[str, int]:
    """Every function and method (nested ones too) in the checked packages, by path::name, with its line count."""
    found: dict[str, int] = {}
    for package in CHECKED:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno is not None:
                    name = f"{path.relative_to(ROOT).as_posix()}::{node.name}"
                    found[name] = max(found.get(name, 0), node.end_lineno - node.lineno + 1)
    return found


def test_no_function_is_over_80_lines() -> None:
    too_long = {name: lines for name, lines in function_lengths().items() if lines > MAX_LINES}
    assert not too_long, f"split these into steps (top-level definitions with docstrings): {too_long}"


def test_no_asyncio_wait_for_in_the_service() -> None:
    """asyncio.timeout, never wait_for: on Python 3.11 wait_for swallows a cancellation that arrives as the awaited
    thing completes (CPython gh-86296), and a task cancelled at a stop ran on (tests/bot/test_polling.py shows the
    ticker's case)."""
    found = [f"{path.relative_to(ROOT).as_posix()}:{number}"
             for package in CHECKED for path in sorted((ROOT / package).rglob("*.py"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if "wait_for(" in line and not line.lstrip().startswith("#")]
    assert not found, f"use `async with asyncio.timeout(...)`: {found}"
