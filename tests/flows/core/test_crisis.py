"""The crisis file: the pattern language, the help per category and the checks on the data itself
(24/7 help in every language, well-formed numbers, a checked-on date); errors name the file and place."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from flows.core.crisis import NUMBER, CrisisFileError, load_crisis, normalise
from flows.core.messages import LANGUAGES

MINIMAL = '''checked_on = 2026-12-01
gap = 1
general = "general"

[contacts.emergency]
number = "112"
name = { fi = "Hätänumero", sv = "Nödnumret", en = "Emergency" }
hours = { fi = "aina", sv = "alltid", en = "always" }
always_open = true
languages = ["fi", "sv", "en"]
detail = { fi = "x", sv = "x", en = "x" }

[categories.general]
contacts = ["emergency"]
fi = ["halu kuol"]
sv = ["kms."]
en = ["*viilte"]
'''


def test_normalising_forgives_case_diacritics_repeats_apostrophes_and_punctuation() -> None:
    assert normalise("ELÄÄ") == normalise("elaa") == "ela"
    assert normalise("överit") == "overit"
    assert normalise("kuoooolla") == normalise("kuolla")
    assert normalise("I don\u2019t!!! 😭") == "i dont"
    assert normalise("\uff4b\uff4d\uff53") == "kms"  # full-width letters


def test_the_pattern_language_stems_whole_words_parts_and_gaps(tmp_path: Path) -> None:
    path = tmp_path / "crisis.toml"
    path.write_text(MINIMAL, encoding="utf-8")
    crisis = load_crisis(path)
    assert crisis.checked_on == date(2026, 12, 1)
    assert crisis.matching("HALUUN KUOLLA") == ("general",)
    assert crisis.matches("haluun vaan kuolla")  # one word between
    assert not crisis.matches("haluun vaan niin kuolla")  # two: more than this file's gap
    assert not crisis.matches("kuolla haluun")  # the order counts
    assert crisis.matches("kms") and not crisis.matches("kmsx")  # a whole word
    assert crisis.matches("itseviiltelyä")  # a part of a word


def test_every_category_has_help_open_round_the_clock_in_every_language_112_first() -> None:
    crisis = load_crisis()
    assert isinstance(crisis.checked_on, date)
    for category in crisis.categories:
        for language in LANGUAGES:
            places = crisis.places((category.name,), language)
            assert places[0].number == "112", (category.name, language)
            assert any(c.always_open and language in c.languages for c in places), (category.name, language)
    for contact in crisis.contacts.values():
        assert not contact.number or NUMBER.fullmatch(contact.number), contact.id
        assert contact.languages and contact.hours.fi and contact.hours.sv and contact.hours.en


@pytest.mark.parametrize(("words", "number"), [
    ("isä lyö mua", "080 005 005"), ("otin överit", "0800 147 111"), ("viiltelin taas", "116 117"),
    ("haluun kuolla", "09 2525 0111"),
])
def test_the_help_fits_the_words(words: str, number: str) -> None:
    crisis = load_crisis()
    numbers = [contact.number for contact in crisis.places(crisis.matching(words), "fi")]
    assert numbers[0] == "112" and number in numbers


def test_several_categories_get_all_their_contacts_once_112_first() -> None:
    crisis = load_crisis()
    categories = crisis.matching("isä lyö mua ja otin överit")
    assert set(categories) == {"violence", "overdose"}
    numbers = [contact.number for contact in crisis.places(categories, "en")]
    assert numbers == ["112", "0800 147 111", "080 005 005"] or numbers == ["112", "080 005 005", "0800 147 111"]
    assert len(numbers) == len(set(numbers))


def test_swedish_speakers_are_told_the_swedish_line_is_not_always_open_and_what_to_call_then() -> None:
    crisis = load_crisis()
    swedish = [c for c in crisis.places(("suicide",), "sv") if "sv" in c.languages and c.number.startswith("09")]
    assert swedish and not swedish[0].always_open
    assert "112" in swedish[0].detail.sv and "09 2525 0111" in swedish[0].detail.sv
    assert swedish[0] not in crisis.places(("suicide",), "fi")  # not shown where it does not help


def test_english_speakers_get_a_line_that_answers_in_english_and_are_told_so() -> None:
    crisis = load_crisis()
    for category in crisis.categories:
        english = [c for c in crisis.places((category.name,), "en") if "en" in c.languages]
        assert english and any("English" in c.detail.en for c in english), category.name


def test_nothing_found_gives_the_general_help() -> None:
    crisis = load_crisis()
    assert crisis.places((), "fi") == crisis.places(("general",), "fi")


@pytest.mark.parametrize(("change", "where"), [
    (("2026-12-01", '"soon"'), "top level.checked_on: expected date"),
    (('number = "112"', 'number = "0401234"'), "contacts.emergency.number: not a Finnish number"),
    (('contacts = ["emergency"]', 'contacts = ["nobody"]'), "categories.general.contacts: no such contact"),
    (('languages = ["fi", "sv", "en"]', 'languages = ["de"]'), "contacts.emergency.languages: needs language"),
    (('sv = ["kms."]', 'sv = []'), "categories.general.sv: needs a list"),
    (('fi = ["halu kuol"]', 'fi = ["halu |x"]'), "categories.general.fi: pattern 'halu |x': cannot read"),
    (('general = "general"', 'general = "other"'), "general: names no category"),
])
def test_a_broken_file_is_named_with_the_place(tmp_path: Path, change: tuple[str, str], where: str) -> None:
    broken = tmp_path / "crisis.toml"
    broken.write_text(MINIMAL.replace(*change), encoding="utf-8")
    with pytest.raises(CrisisFileError, match=re.escape(f"crisis.toml: {where}")):
        load_crisis(broken)


def test_an_unreadable_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CrisisFileError, match=re.escape("missing.toml: cannot be read")):
        load_crisis(tmp_path / "missing.toml")
