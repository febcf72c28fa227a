"""The worker's conversation prompts beside a shared circle: which areas to talk about, and their questions."""

from __future__ import annotations

from flows.core.messages import N_, Lines, Msg
from flows.esy.instrument import Area, Instrument
from storage.ports import AssessmentRow

# A few areas are a conversation; every area's questions at once would be a form again.
MOST_AREAS = 3


def areas_to_talk_about(instrument: Instrument, row: AssessmentRow, most: int = MOST_AREAS) -> tuple[Area, ...]:
    """The areas whose prompts the worker sees: those the young person wished a change in first (the goal is
    theirs), then the lowest-scored; lowest first within each, ties in the instrument's order; only areas with
    prompts, at most ``most``."""
    order = {area.id: index for index, area in enumerate(instrument.areas)}

    def rank(area: Area) -> tuple[bool, float, int]:
        score = row.area_scores.get(area.id)
        return (area.id not in row.wishes, score if score is not None else float("inf"), order[area.id])

    candidates = [area for area in instrument.areas if area.prompts
                  and (area.id in row.wishes or row.area_scores.get(area.id) is not None)]
    return tuple(sorted(candidates, key=rank)[:most])


def prompts_message(instrument: Instrument, row: AssessmentRow, nickname: str) -> Msg | None:
    """The prompts for the worker under one heading, each area's marked when a draft; None when there are none."""
    areas = areas_to_talk_about(instrument, row)
    if not areas:
        return None
    draft = Msg(N_("clients.prompts_draft"))
    blocks = tuple(Lines((area.name, *((draft,) if area.prompts_draft else ()),
                          *(Msg(N_("clients.prompts_item"), {"text": text}) for text in area.prompts)))
                   for area in areas)
    return Msg(N_("clients.prompts"), {"nickname": nickname, "areas": Lines(blocks, "\n\n")})
