"""The consent item "effect" (#12 §6): in Kaari's file, optional in an organisation's, asked once when new."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flows.identity.consent import outdated
from flows.identity.consent_texts import ConsentTextError, has_item, load_consent_texts
from storage.ports import ConsentRow

SHIPPED = Path(__file__).resolve().parents[3] / "flows" / "identity" / "consent.toml"
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def without_effect(text: str) -> str:
    return text[:text.index('[[items]]\nid = "effect"')]


def test_kaaris_file_asks_effect_as_an_optional_first_version_in_three_languages() -> None:
    [effect] = [item for item in load_consent_texts() if item.id == "effect"]
    assert (effect.version, effect.required) == (1, False)
    for text in (effect.text.fi, effect.text.sv, effect.text.en):
        assert len(text) > 300
    assert "first and the latest score" in effect.text.en and "no name, no id" in effect.text.en


def test_an_organisations_file_without_effect_still_loads_and_keeps_no_records(tmp_path: Path) -> None:
    path = tmp_path / "consent.toml"
    path.write_text(without_effect(SHIPPED.read_text(encoding="utf-8")), encoding="utf-8")
    items = load_consent_texts(path)
    assert not has_item(items, "effect") and has_item(load_consent_texts(), "effect")
    assert [item.id for item in items] == ["work", "exchange", "storage", "reminders"]


def test_effect_twice_is_refused(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    path = tmp_path / "consent.toml"
    path.write_text(text + "\n" + text[text.index('[[items]]\nid = "effect"'):], encoding="utf-8")
    with pytest.raises(ConsentTextError, match=re.escape("exactly once")):
        load_consent_texts(path)


def answer(item: str, version: int, value: str) -> ConsentRow:
    return ConsentRow(1, item, version, value, T0, "tg")


def test_an_item_added_after_someone_joined_is_asked_once_and_a_no_is_not_asked_again() -> None:
    items = load_consent_texts()
    joined_before = {item.id: answer(item.id, item.version, "yes") for item in items if item.id != "effect"}
    assert outdated(items, joined_before) == ["effect"]
    assert outdated(items, {**joined_before, "effect": answer("effect", 1, "no")}) == []
    assert outdated(items, {**joined_before, "effect": answer("effect", 1, "withdrawn")}) == []
