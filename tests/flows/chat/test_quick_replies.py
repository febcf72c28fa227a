"""The default quick replies for the desk (flows/chat/quick_replies.toml)."""

from __future__ import annotations

from flows.chat.quick_replies import load_quick_replies
from flows.core.crisis import load_crisis


def test_care_leavers_get_an_aftercare_reply_up_to_25_in_every_language() -> None:
    """Aftercare (jälkihuolto) for those who were placed in care, up to 25 (seed 004 ch. 6.2)."""
    aftercare = next(reply for reply in load_quick_replies() if reply.id == "aftercare")
    for language in ("fi", "sv", "en"):
        assert "25" in aftercare.text.get(language) and aftercare.title.get(language)


def test_no_reply_points_to_the_municipal_social_office_that_ended_in_2023() -> None:
    """Since 2023 social services belong to the wellbeing services counties, not to a municipal office."""
    for reply in load_quick_replies():
        for text in (reply.text.fi, reply.text.sv, reply.text.en):
            lowered = text.lower()
            assert "sosiaalitoim" not in lowered and "socialbyrå" not in lowered, reply.id
            assert "social services office" not in lowered, reply.id


def test_a_reply_names_a_crisis_line_and_its_hours_as_the_crisis_help_does() -> None:
    """A line a worker sends from the desk is called what the crisis help calls it in that language (Nollinjen,
    not 'Nollalinjen'; 'in Finnish' where it is), and one that is not open round the clock says so in the same
    words, so no reply implies a line is open when it is not."""
    crisis = load_crisis()
    checked = 0
    for contact in crisis.contacts.values():
        # A line is recognised by its number, a chat by its address (sekasin.fi).
        token = contact.number or next((word for word in contact.name.fi.split() if word.endswith(".fi")), "")
        if not token or token == "112":
            continue
        for reply in load_quick_replies():
            for language in ("fi", "sv", "en"):
                text = reply.text.get(language)
                if token not in text:
                    continue
                checked += 1
                name = contact.name.get(language).split(" (")[0].split(",")[0]
                assert name in text, (reply.id, language, contact.id)
                if not contact.always_open:
                    assert contact.hours.get(language) in text, (reply.id, language, contact.id)
    assert checked >= 6, "the default replies name the crisis lines"


def test_an_english_reader_is_given_a_line_that_answers_in_english() -> None:
    """The Finnish crisis lines answer in Finnish; Nollalinja answers in English too, and the English replies say so."""
    english = [reply.text.en for reply in load_quick_replies() if reply.id in ("crisis", "violence")]
    assert all("080 005 005" in text and "English" in text for text in english)
