"""Whole numbers in messages (#9 §6): small ones are written without babel, exactly as babel writes them."""

from __future__ import annotations

import pytest
from babel.numbers import format_decimal

import bot.i18n
from bot.i18n import BABEL_LOCALES, Catalogs
from flows.core.messages import LANGUAGES

NUMBERS = [*range(0, 1001), 1234, 20000, -1, -5, -999, -1000]


@pytest.mark.parametrize("language", LANGUAGES)
def test_whole_numbers_read_as_babel_writes_them_in_each_language(catalogs: Catalogs, language: str) -> None:
    locale = BABEL_LOCALES[language]
    assert [catalogs.param(language, n) for n in NUMBERS] == [format_decimal(n, locale=locale) for n in NUMBERS]


def test_a_step_count_does_not_go_through_babel(catalogs: Catalogs, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> str:
        raise AssertionError("babel was asked to write a small whole number")

    monkeypatch.setattr(bot.i18n, "format_decimal", refuse)
    assert [catalogs.param("fi", n) for n in (0, 3, 20, 999)] == ["0", "3", "20", "999"]
