"""Every id the code emits is in every catalog, placeholders agree across languages, nothing is empty."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import Catalogs, placeholders
from flows.core.messages import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent


def code_ids() -> set[str]:
    """Ids marked with N_() in bot/ and flows/, as `pybabel extract -k N_` finds them."""
    ids: set[str] = set()
    for package in ("bot", "flows"):
        for _, _, message, _, _ in extract_from_dir(ROOT / package, keywords={"N_": None}):
            ids.add(str(message))
    return ids


def po_ids(path: Path) -> dict[str, str]:
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {str(m.id): str(m.string) for m in catalog if m.id}


def test_code_marks_many_ids() -> None:
    ids = code_ids()
    assert len(ids) > 50 and "esy.intro" in ids and "error.stale" in ids


def test_every_code_id_is_in_the_template_and_every_catalog() -> None:
    ids = code_ids()
    template = set(po_ids(ROOT / "locales" / "bot.pot"))
    assert ids <= template, f"missing from bot.pot: {sorted(ids - template)}"
    for language in LANGUAGES:
        catalog = po_ids(ROOT / "locales" / language / "LC_MESSAGES" / "bot.po")
        missing = sorted(i for i in ids if not catalog.get(i))
        assert not missing, f"{language} lacks {missing}"
        unused = sorted(set(catalog) - ids)
        assert not unused, f"{language} has ids no code uses: {unused}"


def test_placeholders_agree_across_languages() -> None:
    catalogs = Catalogs()
    for key in code_ids():
        expected = placeholders(catalogs.messages["en"][key])
        for language in LANGUAGES:
            assert placeholders(catalogs.messages[language][key]) == expected, (language, key)


def test_loaded_catalogs_match_the_sources() -> None:
    """Compiled catalogs in use are not stale: what is loaded equals the .po text."""
    catalogs = Catalogs()
    for language in LANGUAGES:
        source = po_ids(ROOT / "locales" / language / "LC_MESSAGES" / "bot.po")
        assert {k: v for k, v in source.items() if v} == catalogs.messages[language]


def test_texts_stay_short_enough_for_buttons_and_plain() -> None:
    catalogs = Catalogs()
    for language in LANGUAGES:
        for key, text in catalogs.messages[language].items():
            if key.startswith("control.") or key in ("esy.begin", "esy.skip_wish", "esy.skip_statement",
                                                      "menu.esy"):
                assert len(text) <= 30, (language, key, text)  # a button on a phone
            if key.startswith("command."):
                assert len(text) <= 40, (language, key, text)  # a line of the command menu
            assert not re.search(r"\{[^a-z_}]", text), (language, key, "stray brace")
