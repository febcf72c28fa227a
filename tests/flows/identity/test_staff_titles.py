"""A staff member's title in the reader's language (#10): their own words as written, or their role's name
from the catalogs; the work pair tells the young person what an expert by experience is."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.i18n import Catalogs
from flows.chat.shifts import worker_label
from flows.core.messages import Filled, LocalText, Msg
from flows.identity.staff import pair_lines, staff_card, staff_label, team_lines, title_of
from storage.ports import StaffRow

AT = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)


def staff(title: str = "", *, coordinator: bool = False, worker: bool = True, expert: bool = False) -> StaffRow:
    return StaffRow("Kaisa", title, "Demo", coordinator, worker, AT, expert=expert)


def test_no_title_of_their_own_shows_the_role_in_each_language(catalogs: Catalogs) -> None:
    cases = [(staff(coordinator=True, worker=True), "staff.title_coordinator"), (staff(), "staff.title_worker"),
             (staff(expert=True), "staff.title_expert"), (staff(coordinator=True, expert=True), "staff.title_expert")]
    for row, key in cases:
        assert title_of(row) == Msg(key)
        for language in ("fi", "sv", "en"):
            expected = f"Kaisa, {catalogs.text(language, Msg(key))} (Demo)"
            assert catalogs.text(language, staff_label(row)) == expected
    assert catalogs.text("fi", Msg("staff.title_coordinator")) != catalogs.text("en", Msg("staff.title_coordinator"))


def test_an_own_title_is_kept_as_written_in_every_language(catalogs: Catalogs) -> None:
    row = staff("asumisohjaaja", expert=True)
    assert title_of(row) == LocalText("asumisohjaaja", "asumisohjaaja", "asumisohjaaja")
    for language in ("fi", "sv", "en"):
        assert catalogs.text(language, staff_label(row)) == "Kaisa, asumisohjaaja (Demo)"
        assert catalogs.text(language, staff_label(row, organisation=False)) == "Kaisa, asumisohjaaja"


def test_a_card_kept_as_data_renders_like_the_row(catalogs: Catalogs) -> None:
    row = staff(coordinator=True)
    card = staff_card(row)
    assert card == {"name": "Kaisa", "title": "", "role": "coordinator", "organisation": "Demo"}
    assert staff_label(card) == staff_label(row)
    # A line written before titles were localised (a conversation from before the upgrade) is shown as it is.
    assert catalogs.text("fi", staff_label("• Kaisa, coordinator (Demo)")) == "• Kaisa, coordinator (Demo)"


def test_the_expert_sentence_comes_only_with_an_expert_in_the_pair(catalogs: Catalogs) -> None:
    explained = catalogs.text("fi", Msg("staff.expert_explained"))
    professional, expert = staff_card(staff("sosiaaliohjaaja")), staff_card(staff(expert=True))
    assert explained not in catalogs.text("fi", Msg("esy.share", {"workers": pair_lines([professional])}))
    with_expert = catalogs.text("fi", Msg("esy.share", {"workers": pair_lines([professional, expert])}))
    assert explained in with_expert and with_expert.count(explained) == 1
    assert explained not in catalogs.text("fi", Msg("esy.share", {
        "workers": pair_lines([professional, expert], explain=False)}))
    # The worker's own view stars the responsible worker and needs no explanation.
    team = catalogs.param("fi", team_lines([{**professional, "responsible": True}, expert]))
    assert team.splitlines()[0].endswith(" ★") and explained not in team


def test_a_data_file_text_is_filled_in_the_readers_language(catalogs: Catalogs) -> None:
    text = Filled(LocalText("Kanssa:\n{workers}\n{days} pv", "Med:\n{workers}\n{days} d", "With:\n{workers}"),
                  {"workers": pair_lines([staff_card(staff())]), "days": 120})
    worker = catalogs.text("sv", Msg("staff.title_worker"))
    assert catalogs.text("sv", text) == f"Med:\n• Kaisa, {worker} (Demo)\n120 d"


def test_the_chat_header_names_the_title_in_the_readers_language(catalogs: Catalogs) -> None:
    """A young person sees "Kaisa (koordinaattori)" in Finnish, never the English default, and never
    "a worker (worker)" when names are hidden."""
    coordinator, worker, expert = staff(coordinator=True), staff(), staff(expert=True)
    assert worker_label(coordinator, True) == Msg("chat.worker_named", {
        "title": Msg("staff.title_coordinator"), "name": "Kaisa"})
    for language in ("fi", "sv", "en"):
        title = catalogs.text(language, Msg("staff.title_coordinator"))
        assert title in catalogs.text(language, worker_label(staff_card(coordinator), True))
    assert worker_label(worker, False) == Msg("chat.worker_plain")
    assert worker_label(expert, False) == Msg("chat.worker_role", {"title": Msg("staff.title_expert")})
    assert worker_label(staff("asumisohjaaja"), False) == Msg("chat.worker_role", {
        "title": LocalText("asumisohjaaja", "asumisohjaaja", "asumisohjaaja")})
