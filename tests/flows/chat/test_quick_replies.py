"""The default quick replies for the desk (flows/chat/quick_replies.toml)."""

from __future__ import annotations

from flows.chat.quick_replies import load_quick_replies


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
