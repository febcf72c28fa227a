"""The crisis file: every language has expressions, matching ignores case and spacing, errors name the file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flows.crisis import CrisisFileError, load_crisis


def test_the_shipped_file_matches_across_languages_whatever_the_case_and_spacing() -> None:
    crisis = load_crisis()
    for text in ("ITSEMURHA", "en  halua\nelää", "jag vill dö", "I don\u2019t want to live", "self-harm"):
        assert crisis.matches(text), text
    for text in ("moi", "ei hätää", "I want pizza", "hej då"):
        assert not crisis.matches(text), text
    assert len(crisis.contacts) >= 2 and "112" in crisis.contacts[0].name.fi


def test_a_broken_file_is_named(tmp_path: Path) -> None:
    broken = tmp_path / "crisis.toml"
    broken.write_text('[expressions]\nfi = ["apua"]\nsv = []\nen = ["help"]\n', encoding="utf-8")
    with pytest.raises(CrisisFileError, match=re.escape("crisis.toml: expressions.sv: needs a list")):
        load_crisis(broken)
    with pytest.raises(CrisisFileError, match="cannot be read"):
        load_crisis(tmp_path / "missing.toml")
