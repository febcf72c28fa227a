"""The numbered SQL migrations, ``NNNN_name.sql``; every backend ships the same numbers (PostgreSQL's in
``storage/migrations_pg``)."""

from __future__ import annotations

from importlib import resources


def shipped_numbers() -> set[int]:
    """The numbers of the migrations this Kaari ships: a database that lacks one is not ready (`/readyz`)."""
    return {int(entry.name.split("_", 1)[0]) for entry in resources.files(__name__).iterdir()
            if entry.name.endswith(".sql")}
