"""Documents a person keeps: a readable PDF and text, and the same data as JSON, in the reader's language.

The client export is written for a worker who copies it into a Finnish client record (Lifecare, Pegasos,
Apotti): about the client, area names and the decimal comma, dates and times in Helsinki in the bot's style.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.circle import CirclePicture
from bot.i18n import Catalogs
from bot.pdf import PAGE_MARK, PdfLayout, PdfSection
from flows.core.dates import as_day
from flows.core.engine import LANGUAGE_NAMES
from flows.core.messages import N_, Lines, LocalText, Msg, Number, Param, When, load_msg
from flows.core.results import Document
from flows.esy.goal_rules import AGREED, STATUS
from flows.esy.goal_services import HELPED_TEXT, REACHED_TEXT
from flows.esy.goals import FIELD_TITLE, STATUS_TEXT, as_shown
from flows.identity.audit_events import event, for_client, party
from flows.identity.staff import pair_lines, staff_label, team_lines
from flows.meetings.feedback import SCALE_TEXT, STATEMENT_TEXT, STATEMENTS
from flows.meetings.meeting import REFLECTION, REFLECTION_TEXT
from flows.meetings.preparation import ENV_TITLE, WORD_TITLE, WORDS

ROLES = {"anonymous": N_("mydata.role_anonymous"), "client": N_("mydata.role_client"),
         "staff": N_("mydata.role_staff")}
MEMO_ROLES = {"client": N_("memo.role_client"), "worker": N_("memo.role_worker"), "other": N_("memo.role_other")}
ANSWERS = {"yes": N_("mydata.answer_yes"), "no": N_("mydata.answer_no"),
           "withdrawn": N_("mydata.answer_withdrawn")}
# Renders a catalog id with its placeholders in the reader's language.
Phrase = Callable[..., str]


@dataclass(frozen=True)
class Section:
    """A part of a document: a heading (or none), lines, and which of the document's circles it shows."""

    heading: str
    lines: tuple[str, ...] = ()
    picture: int | None = None


@dataclass(frozen=True)
class Sheet:
    """A document in the reader's language, before it becomes text or a PDF."""

    title: str
    subtitle: str
    sections: tuple[Section, ...]


def _say(catalogs: Catalogs, language: str) -> Phrase:
    def t(key: str, **params: Param) -> str:
        return catalogs.text(language, Msg(key, params))
    return t


def _split(text: str) -> Section:
    """A catalog text "Heading:\n• line…" as a section: its first line is the heading."""
    first, *rest = text.split("\n")
    return Section(first.rstrip(":"), tuple(rest))


def sheet_text(sheet: Sheet) -> str:
    """The plain text a worker pastes into a client record: the title, then each section under its heading."""
    parts = [f"{sheet.title}\n{sheet.subtitle}"]
    for section in sheet.sections:
        parts.append("\n".join(([section.heading] if section.heading else []) + list(section.lines)))
    return "\n\n".join(part for part in parts if part) + "\n"


def pdf_layout(sheet: Sheet, pictures: tuple[CirclePicture, ...], footer: str, language: str) -> PdfLayout:
    """The sheet as a PDF layout, with each circle section's picture resolved."""
    return PdfLayout(sheet.title, sheet.subtitle, tuple(
        PdfSection(section.heading, section.lines,
                   pictures[section.picture] if section.picture is not None and section.picture < len(pictures)
                   else None)
        for section in sheet.sections), footer, language)


def stamp(catalogs: Catalogs, language: str, text: str | None) -> str:
    """A stored ISO time as the bot prints it, in Helsinki ("6.12.2026 klo 14")."""
    return catalogs.stamp(language, datetime.fromisoformat(text)) if text else "-"


def consent_lines(rows: list[dict[str, Any]], language: str, catalogs: Catalogs) -> tuple[str, ...]:
    """Consent answers as sentences: the item's title in the reader's language, the answer in words."""
    return tuple(catalogs.text(language, Msg(N_("mydata.consent_line"), {
        "item": row.get("title", {}).get(language, row["item"]), "answer": Msg(ANSWERS[row["answer"]]),
        "version": row["version"], "date": stamp(catalogs, language, row["at"]),
    })) for row in rows)


def _local(names: dict[str, str], fallback: str) -> LocalText:
    return LocalText(names.get("fi", fallback), names.get("sv", fallback), names.get("en", fallback))


def circle_sections(
    data: dict[str, Any], circles: list[dict[str, Any]], language: str, catalogs: Catalogs,
) -> list[Section]:
    """One section per circle: its date, each area by name with its score (decimal comma in fi/sv) and the
    score the circle before it gave, and the change wish under the area it belongs to."""
    t = _say(catalogs, language)
    names = {area["id"]: _local(area["name"], area["id"]).get(language) for area in data.get("areas", [])}
    sections = []
    for index, circle in enumerate(circles):
        before = circles[index - 1]["area_scores"] if index else {}
        order = [*names, *(area for area in [*circle["area_scores"], *circle["wishes"]] if area not in names)]
        lines = []
        for area in dict.fromkeys(order):  # an area of the instrument without a score was skipped, as drawn
            lines.append(_area_line(t, names.get(area, area), circle["area_scores"].get(area), before.get(area)))
            if circle["wishes"].get(area):
                lines.append("  " + t(N_("document.wish"), wish=circle["wishes"][area]))
        sections.append(Section(t(N_("document.circle"), date=stamp(catalogs, language, circle["completed_at"])),
                                tuple(lines), index))
    return sections


def _area_line(t: Phrase, name: str, score: float | None, before: float | None) -> str:
    if score is None:
        return t(N_("document.area_skipped"), area=name)
    if before is None:
        return t(N_("document.area_line"), area=name, score=Number(score))
    return t(N_("document.area_change"), area=name, score=Number(score), before=Number(before))


def scale_line(data: dict[str, Any], language: str, catalogs: Catalogs) -> tuple[str, ...]:
    """What the numbers mean: the scale's ends in words, and that a score is the area's average."""
    scale = data.get("scale")
    if not scale:
        return ()
    low, high = scale[0], scale[-1]
    return (catalogs.text(language, Msg(N_("document.scale"), {
        "min": low["value"], "max": high["value"], "low": _local(low["label"], "").get(language).lower(),
        "high": _local(high["label"], "").get(language).lower()})),)


def _mydata_sheet(data: dict[str, Any], language: str, catalogs: Catalogs, now: datetime) -> Sheet:
    t = _say(catalogs, language)
    profile = data["profile"]
    sections = [Section("", (*t(N_("mydata.profile"), language=Msg(LANGUAGE_NAMES.get(
        profile["language"], N_("language.name.fi"))), first=stamp(catalogs, language, profile["first_seen"]),
        last=stamp(catalogs, language, profile["last_seen"])).split("\n"),))]
    if "staff" in data:
        staff = data["staff"]
        sections.append(Section("", (t(N_("mydata.staff"), who=staff_label(staff)),)))
    client = data.get("client")
    if client is not None:
        sections.append(_split(t(N_("mydata.client"), nickname=client["nickname"],
                                 linked=stamp(catalogs, language, client["linked_at"]),
                                 workers=pair_lines([w["worker"] for w in client["workers"]]))))
        sections.append(_split(t(N_("mydata.consents"),
                                 lines=Lines(consent_lines(client["consents"], language, catalogs)))))
        sections.append(_viewed(client["viewed_by"], language, catalogs))
    sections.append(Section(t(N_("mydata.assessments"), count=len(data["assessments"])),
                            scale_line(data, language, catalogs) if data["assessments"] else ()))
    sections.extend(circle_sections(data, data["assessments"], language, catalogs))
    sections.extend(goal_sections(data.get("goals", []), language, catalogs))
    for due in data.get("reassessment_offered_at", ()):  # ESY's follow-up offer, kept until it is sent
        sections.append(Section("", (t(N_("mydata.reassess"), date=datetime.fromisoformat(due)),)))
    sections.extend(reading_sections(data, language, catalogs))
    preparation = (client or {}).get("meeting_preparation")
    if preparation:
        sections.append(_split(t(N_("mydata.preparation"), lines=Lines(preparation_lines(preparation)))))
    sections.extend(_meetings(data, language, catalogs))
    sections.extend(_groups(data, language, catalogs))
    if data.get("in_progress"):
        sections.append(Section("", (t(N_("mydata.in_progress")),)))
    sections.append(Section("", (t(N_("mydata.json_note")),)))
    return Sheet(t(N_("mydata.title"), date=now), t(ROLES[data["role"]]), tuple(sections))


GOAL_BY = {"young": N_("mydata.goal_by_you"), "worker": N_("mydata.goal_by_worker")}


def goal_sections(goals: list[dict[str, Any]], language: str, catalogs: Catalogs) -> list[Section]:
    """The person's goals as they read now, each followed by its history in words (who changed what, when)."""
    t = _say(catalogs, language)
    sections = []
    for goal in goals:
        names = {goal["area"]: _local(goal.get("area_name", {}), goal["area"])}
        history = tuple(goal_change(change, stamp(catalogs, language, change["at"])) for change in goal["history"])
        linked = tuple(line for service in goal.get("services", [])
                       for line in service_lines(service, language, catalogs))
        text = t(N_("mydata.goal"), goal=as_shown(names, goal), history=Lines((*history, *linked)))
        # The chat's target mark opens the goal's text; the PDF's font has no emoji, so the heading goes without.
        sections.append(_split(text.removeprefix("🎯").lstrip()))
    return sections


def service_lines(service: dict[str, Any], language: str, catalogs: Catalogs) -> list[Msg]:
    """A service linked to a goal in words: when it was linked, then each follow-up answer (who, when, what)."""
    name = _local(service.get("name", {}), service["service"])
    lines = [Msg(N_("mydata.goal_service"), {"date": stamp(catalogs, language, service["linked_at"]),
                                             "service": name})]
    for row in service["followups"]:
        params: dict[str, Param] = {"date": stamp(catalogs, language, row["at"]), "service": name,
                                    "who": Msg(GOAL_BY.get(row["by"], GOAL_BY["young"])),
                                    "reached": Msg(REACHED_TEXT[row["reached"]])}
        if row["helped"] is None:
            lines.append(Msg(N_("mydata.goal_service_reached"), params))
        else:
            lines.append(Msg(N_("mydata.goal_service_helped"), {**params, "helped": Msg(HELPED_TEXT[row["helped"]])}))
    return lines


def goal_change(change: dict[str, Any], when: str) -> Msg:
    """One change of a goal in words: who wrote what, set which status, or agreed it, and when."""
    who = Msg(GOAL_BY.get(change["by"], GOAL_BY["young"]))
    if change["what"] == AGREED:
        return Msg(N_("mydata.goal_history_agreed"), {"date": when, "who": who})
    if change["what"] == STATUS:
        return Msg(N_("mydata.goal_history_status"), {"date": when, "who": who,
                                                      "status": Msg(STATUS_TEXT[change["value"]])})
    value = change["value"]
    shown: Param = (as_day(date.fromisoformat(value)) if change["what"] == "due" and value
                    else value or Msg(N_("mydata.goal_cleared")))
    return Msg(N_("mydata.goal_history_line"), {"date": when, "who": who, "field": Msg(FIELD_TITLE[change["what"]]),
                                                "value": shown})


def reading_sections(data: dict[str, Any], language: str, catalogs: Catalogs) -> list[Section]:
    """The workers' readings of the client's situation (#12 §1): each area's points, and the comment lines both
    sides wrote beside it, in words."""
    readings = (data.get("client") or {}).get("esy_readings") or []
    if not readings:
        return []
    t = _say(catalogs, language)
    names = {area["id"]: _local(area["name"], area["id"]).get(language) for area in data.get("areas", [])}
    sections = [Section(t(N_("mydata.readings"), count=len(readings)))]
    for reading in readings:
        order = dict.fromkeys([*names, *reading["area_scores"]])
        lines = [_area_line(t, names.get(area, area), reading["area_scores"].get(area), None) for area in order]
        if reading["had_seen_your_circle"]:
            lines.append(t(N_("mydata.reading_seen")))
        who = {"client": Msg(N_("mydata.reading_you")), "worker": reading["by"] or "-"}
        lines += [t(N_("mydata.reading_comment"), area=names.get(line["area"], line["area"]), who=who[line["by"]],
                    text=line["text"]) for line in reading["comments"]]
        sections.append(Section(t(N_("mydata.reading"), who=reading["by"] or "-",
                                  date=stamp(catalogs, language, reading["given_at"])), tuple(lines)))
    return sections


MEETING_STATUS = {"planned": N_("mydata.meeting_planned"), "held": N_("mydata.meeting_held"),
                  "cancelled": N_("mydata.meeting_cancelled")}
PROMISE_STATUS = {"open": N_("mydata.promise_open"), "done": N_("mydata.promise_done"),
                  "help": N_("mydata.promise_help")}


def _meetings(data: dict[str, Any], language: str, catalogs: Catalogs) -> list[Section]:
    """The person's network meetings and the promises made there, as a client or as someone who joined."""
    t = _say(catalogs, language)

    def promises(rows: list[dict[str, Any]]) -> list[str]:
        lines = []
        for row in rows:
            lines.append("  " + t(N_("mydata.promise_line"), text=row["text"], due=as_day(date.fromisoformat(
                row["due"])), status=Msg(PROMISE_STATUS[row["status"]]) if row["status"] in PROMISE_STATUS
                else row["status"]))
            if row.get("for_goal"):  # a client's promise for one of their goals (#12)
                lines.append("    " + t(N_("mydata.promise_goal"), goal=row["for_goal"]))
        return lines

    sections = []
    meetings = (data.get("client") or {}).get("meetings") or []
    if meetings:
        lines = []
        for row in meetings:
            status = Msg(MEETING_STATUS[row["status"]]) if row["status"] in MEETING_STATUS else row["status"]
            lines += [t(N_("mydata.meeting_line"), date=stamp(catalogs, language, row["at"]), place=row["place"],
                        status=status), *promises(row["promises"])]
        sections.append(Section(t(N_("mydata.meetings"), count=len(meetings)), tuple(lines)))
    joined = data.get("meetings_joined") or []
    if joined:
        lines = []
        for row in joined:
            lines += [t(N_("mydata.joined_line"), date=stamp(catalogs, language, row["meeting_at"]),
                        name=row["name"]), *promises(row["promises"])]
        sections.append(Section(t(N_("mydata.meetings_joined"), count=len(joined)), tuple(lines)))
    return sections


def _groups(data: dict[str, Any], language: str, catalogs: Catalogs) -> list[Section]:
    """The ESY groups the person is in, and which of their rounds they answered (#12 §5)."""
    t = _say(catalogs, language)
    groups = data.get("esy_groups") or []
    lines: list[str] = []
    for row in groups:
        joined = stamp(catalogs, language, row["joined_at"])
        lines.append(t(N_("mydata.group_line"), name=row["name"], starts=as_day(date.fromisoformat(row["starts"])),
                       ends=as_day(date.fromisoformat(row["ends"])), joined=joined))
        lines += [t(N_("mydata.group_answer"), number=answer["round"],
                    date=stamp(catalogs, language, answer["answered_at"])) for answer in row["answers"]]
    return [Section(t(N_("mydata.groups"), count=len(groups)), tuple(lines))] if groups else []


def _viewed(rows: list[dict[str, Any]], language: str, catalogs: Catalogs) -> Section:
    """Who looked at the client's information and what they did, in words ("Kaisa looked at your card")."""
    if not rows:
        return Section("", (catalogs.text(language, Msg(N_("mydata.nothing_viewed"))),))
    return _split(catalogs.text(language, Msg(N_("mydata.viewed"), {"lines": Lines(tuple(
        Msg(N_("mydata.viewed_line"), {"date": stamp(catalogs, language, row["at"]), "who": row["who"],
                                       "what": for_client(row["what"])}) for row in rows))})))


def preparation_lines(draft: dict[str, Any]) -> tuple[Msg, ...]:
    """A meeting preparation as readable lines, under the titles the person saw while writing it."""
    lines = [Msg(N_("mydata.preparation_line"), {"title": Msg(WORD_TITLE[word]), "text": draft[word]})
             for word in WORDS if draft.get(word)]
    lines += [Msg(N_("prep.person"), {"name": person["name"], "relation": person.get("relation", ""),
                                      "env": Msg(ENV_TITLE.get(person.get("env", ""), ENV_TITLE["services"]))})
              for person in draft.get("people", [])]
    lines += [Msg(N_("mydata.preparation_line"), {"title": Msg(N_("prep.title_topics")), "text": topic})
              for topic in draft.get("topics", [])]
    lines += [Msg(N_("mydata.preparation_goal"), {"goal": note["goal_words"], "text": note["text"] or "-"})
              for note in draft.get("goal_notes", []) if note.get("goal_words")]
    return tuple(lines)


def meeting_ics(data: dict[str, Any]) -> str:
    """A calendar invitation with the time, the place and who invites: no client data (it may be forwarded
    and synced to calendars)."""
    start = datetime.fromisoformat(data["starts_at"]).astimezone(UTC)
    stamp = datetime.fromisoformat(data["generated_at"]).astimezone(UTC)

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")

    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Kaari//network meeting//EN", "METHOD:PUBLISH", "BEGIN:VEVENT",
        f"UID:{hashlib.sha256((data['starts_at'] + data['place']).encode()).hexdigest()[:24]}@kaari",
        f"DTSTAMP:{stamp:%Y%m%dT%H%M%SZ}", f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
        f"DTEND:{start + timedelta(minutes=90):%Y%m%dT%H%M%SZ}",
        "SUMMARY:Neuvonpito / Nätverksmöte / Network meeting",
        f"LOCATION:{escape(data['place'])}", f"DESCRIPTION:{escape(data['organiser'])}",
        "END:VEVENT", "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"


def _memo_text(data: dict[str, Any], language: str, catalogs: Catalogs) -> str:
    """The memo for the worker's own client system: who was there, the promises, what comes next."""
    def t(key: str, **params: Param) -> str:
        return catalogs.text(language, Msg(key, params))

    # Roles and dates in the reader's language; "held" only for a meeting that was (a record written before it
    # says "planned", and who was invited rather than who was there).
    people = Lines(tuple(f"• {name} ({relation or t(MEMO_ROLES.get(role, MEMO_ROLES['other']))})"
                         + ("" if reachable else " *") for name, role, relation, reachable in data["participants"]))
    held = data.get("held", True)
    present = Msg(N_("memo.present") if held else N_("memo.invited"), {"people": people})
    promises = Lines(tuple(Msg(N_("meeting.memo_promise"), {"who": who, "promise": text,
                                                             "due": as_day(date.fromisoformat(due))})
                           for who, text, due in data["promises"])) or "-"
    nxt: Param = When(datetime.fromisoformat(data["next_at"])) if data["next_at"] else (
        as_day(date.fromisoformat(data["ended_on"])) if data["ended_on"] else "-")
    when = Msg(N_("memo.held") if held else N_("memo.planned"), {"date": When(datetime.fromisoformat(data["held_at"]))})
    text = t(N_("memo.text"), client=data["client"], when=when, place=data["place"], people=present,
             promises=promises, next=nxt)
    goals = tuple(load_msg(line) for line in data.get("goals", []))  # the goals the young person brought up
    return text + ("\n\n" + t(N_("memo.goals"), lines=Lines(goals)) if goals else "") + "\n"


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in name)[:30] or "client"


def _export_sheet(data: dict[str, Any], language: str, catalogs: Catalogs) -> Sheet:
    """A record for the worker's own client system, about the client: workers, consents, shared circles and
    the end of the work, nothing else."""
    t = _say(catalogs, language)
    circles = data["shared_circles"]
    # The pair as the card shows it: "name, title (organisation)" in the reader's language, the responsible ★.
    workers = tuple(catalogs.param(language, team_lines(data["workers"])).split("\n")) if data["workers"] else ()
    sections = [
        Section(t(N_("export.workers")), workers or ("-",)),
        Section(t(N_("export.consents")), consent_lines(data["consents"], language, catalogs) or ("-",)),
        Section(t(N_("export.circles"), count=len(circles)), scale_line(data, language, catalogs) if circles else (
            t(N_("clients.limited")) if data.get("limited") else t(N_("export.no_circles")),)),
        *circle_sections(data, circles, language, catalogs),
    ]
    if data.get("evaluation"):
        sections.append(_evaluation(data["evaluation"], t))
    exported = stamp(catalogs, language, data["exported_at"])
    by = data.get("exported_by")
    return Sheet(t(N_("export.title"), client=data["client"]), t(N_("export.exported"), date=exported, worker=(
        staff_label(by, organisation=False) if by else "-")), tuple(sections))


def _evaluation(evaluation: dict[str, Any], t: Phrase) -> Section:
    """The pair's closing reflection under its questions, and the client's feedback in the words they chose."""
    reflection = [t(N_("export.question_line"), question=Msg(REFLECTION_TEXT[key]) if key in REFLECTION_TEXT
                    else key, answer=answer) for key, answer in _in_order(evaluation["reflection"], REFLECTION)]
    feedback = evaluation["feedback"]
    answers = [t(N_("export.feedback_line"), statement=Msg(STATEMENT_TEXT[key]) if key in STATEMENT_TEXT else key,
                 answer=Msg(SCALE_TEXT[str(score)]) if str(score) in SCALE_TEXT else str(score), score=score)
               for key, score in _in_order(feedback.get("answers", {}), STATEMENTS)]
    return Section(t(N_("export.evaluation")), (
        t(N_("export.reflection")), *(reflection or ["• -"]),
        t(N_("export.feedback")), *(answers or ["• -"]),
        t(N_("export.comment"), comment=feedback.get("comment") or "-")))


def _in_order(answers: dict[str, Any], order: tuple[str, ...]) -> list[tuple[str, Any]]:
    """Answers in the order the questions were asked, any unknown ones after them."""
    return sorted(answers.items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order))


def _audit_text(data: dict[str, Any], language: str, catalogs: Catalogs) -> str:
    """The audit log in words: when (Helsinki), who, what they did, and to which record (ids, no content)."""
    titles = {item: _local(names, item) for item, names in data.get("consent_titles", {}).items()}
    lines = []
    for row in data["rows"]:
        params: dict[str, Param] = {
            "when": stamp(catalogs, language, row["at"]),
            "who": row["name"] if row["name"] != row["actor"] else party(row["actor"]),
            "what": event(row["action"], titles)}
        if row["subject"]:
            params["subject"] = party(row["subject"])
        key = N_("audit.line") if row["subject"] else N_("audit.line_plain")
        lines.append(catalogs.text(language, Msg(key, params)))
    return "\n".join(lines) + "\n"


def _record(document: Document, language: str, catalogs: Catalogs, now: datetime) -> Sheet | None:
    """The documents whose text and PDF are laid out from one sheet: the client export and /mydata."""
    if document.kind == "mydata":
        return _mydata_sheet(document.data, language, catalogs, now)
    if document.kind == "client_export":
        return _export_sheet(document.data, language, catalogs)
    return None


def sheet(document: Document, language: str, catalogs: Catalogs, now: datetime) -> Sheet | None:
    """The readable form of a document that has a PDF (the client export, /mydata, the meeting memo)."""
    record = _record(document, language, catalogs, now)
    if record is not None:
        return record
    if document.kind == "meeting_memo":
        # The memo's text as it is, its first line the title and each paragraph a section.
        title, *paragraphs = _memo_text(document.data, language, catalogs).strip().split("\n\n")
        first, *rest = title.split("\n")
        return Sheet(first, "", tuple(Section("", tuple(block.split("\n"))) for block in ["\n".join(rest), *paragraphs]
                                      if block))
    return None


def file_stem(document: Document) -> str:
    """The file name without its extension: the text, the PDF and the JSON share it."""
    if document.kind == "mydata":
        return "kaari-my-data"
    if document.kind == "client_export":
        return f"kaari-client-{_safe(document.data['client'])}"
    if document.kind == "meeting_memo":
        return f"kaari-memo-{_safe(document.data['client'])}"
    return f"kaari-{document.kind}"


def document_pdf(
    document: Document, language: str, catalogs: Catalogs, now: datetime, pictures: tuple[CirclePicture, ...],
) -> PdfLayout | None:
    """The PDF layout of a document that has one; the footer names the document and the page."""
    found = sheet(document, language, catalogs, now)
    if found is None:
        return None
    footer = catalogs.text(language, Msg(N_("document.footer"), {"title": found.title, "page": PAGE_MARK}))
    return pdf_layout(found, pictures, footer, language)


def render_document(document: Document, language: str, catalogs: Catalogs, now: datetime) -> list[tuple[str, bytes]]:
    """The text files for a document: (file name, content). The PDF is drawn separately, in a worker."""
    as_json = json.dumps(document.data, ensure_ascii=False, indent=2, sort_keys=True).encode()
    stem = file_stem(document)
    readable = _record(document, language, catalogs, now)
    if readable is not None:
        return [(f"{stem}.txt", sheet_text(readable).encode()), (f"{stem}.json", as_json)]
    if document.kind == "audit":
        return [(f"{stem}.txt", _audit_text(document.data, language, catalogs).encode()), (f"{stem}.json", as_json)]
    if document.kind == "meeting_ics":
        return [("kaari-meeting.ics", meeting_ics(document.data).encode())]
    if document.kind == "meeting_memo":
        return [(f"{stem}.txt", _memo_text(document.data, language, catalogs).encode()), (f"{stem}.json", as_json)]
    if document.kind == "chat_stats":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(document.data["columns"])
        for row in document.data["rows"]:
            writer.writerow(["" if row[column] is None else row[column] for column in document.data["columns"]])
        return [(f"kaari-chat-stats-{now:%Y-%m-%d}.csv", out.getvalue().encode())]
    return [(f"{stem}.json", as_json)]
