"""The crisis corpus: realistic messages per language, in spoken and written forms, typos, caps, no
diacritics and mixed languages. Every listed positive gets the help of its category; no listed negative
triggers. The hit and false-alarm rates are printed at the end of the run."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.core.crisis import load_crisis

CORPUS = Path(__file__).parent / "crisis_corpus"
CATEGORIES = {"suicide", "self_harm", "overdose", "violence", "general"}


def read_corpus(language: str) -> list[tuple[str, str, str]]:
    """(label, category, text) rows of one language's file; '#' lines are comments."""
    rows = []
    for number, line in enumerate((CORPUS / f"{language}.tsv").read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        label, category, text = line.split("\t")
        assert label in {"hit", "miss"} and (category in CATEGORIES if label == "hit" else category == "-"), (
            f"{language}.tsv:{number}: bad row")
        rows.append((label, category, text))
    return rows


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_every_positive_gets_its_help_and_no_negative_triggers(language: str, crisis_rates: dict[str, str]) -> None:
    crisis = load_crisis()
    rows = read_corpus(language)
    hits = [(category, text) for label, category, text in rows if label == "hit"]
    misses = [text for label, _, text in rows if label == "miss"]
    assert len(rows) >= 100 and len(misses) >= 25
    missed = [(category, text, crisis.matching(text)) for category, text in hits
              if category not in crisis.matching(text)]
    alarms = [(text, crisis.matching(text)) for text in misses if crisis.matches(text)]
    crisis_rates[language] = (
        f"hit rate {len(hits) - len(missed)}/{len(hits)} ({100 * (len(hits) - len(missed)) / len(hits):.0f} %), "
        f"false alarms {len(alarms)}/{len(misses)} ({100 * len(alarms) / len(misses):.0f} %)")
    assert not missed, f"no help or the wrong help: {missed}"
    assert not alarms, f"false alarms: {alarms}"
