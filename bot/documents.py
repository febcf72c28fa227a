"""Documents a person keeps: a readable text and the same data as JSON, in the person's language."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.i18n import Catalogs
from flows.engine import LANGUAGE_NAMES
from flows.messages import N_, Lines, Msg, Param, When
from flows.preparation import ENV_TITLE, WORD_TITLE, WORDS
from flows.reminders import as_day
from flows.results import Document
from flows.staff import pair_lines, staff_label, team_lines

ROLES = {"anonymous": N_("mydata.role_anonymous"), "client": N_("mydata.role_client"),
         "staff": N_("mydata.role_staff")}


MEMO_ROLES = {"client": N_("memo.role_client"), "worker": N_("memo.role_worker"), "other": N_("memo.role_other")}
ANSWERS = {"yes": N_("mydata.answer_yes"), "no": N_("mydata.answer_no"),
           "withdrawn": N_("mydata.answer_withdrawn")}
ACTIONS = {"client.card.view": N_("mydata.action_card"), "client.circles.view": N_("mydata.action_circles"),
           "client.export": N_("mydata.action_export"), "client.message": N_("mydata.action_message")}


def consent_lines(rows: list[dict[str, Any]], language: str) -> tuple[Msg, ...]:
    """Consent answers as sentences: the item's title in the reader's language, the answer in words."""
    return tuple(Msg(N_("mydata.consent_line"), {
        "item": row.get("title", {}).get(language, row["item"]), "answer": Msg(ANSWERS[row["answer"]]),
        "version": row["version"], "date": _time(row["at"]),
    }) for row in rows)


def _time(text: str | None) -> Param:
    return datetime.fromisoformat(text) if text else "-"


def _mydata_text(data: dict[str, Any], language: str, catalogs: Catalogs, now: datetime) -> str:
    def t(key: str, **params: Param) -> str:
        return catalogs.text(language, Msg(key, params))

    profile = data["profile"]
    parts = [
        t(N_("mydata.title"), date=now),
        t(N_("mydata.profile"), language=Msg(LANGUAGE_NAMES.get(profile["language"], N_("language.name.fi"))),
          first=_time(profile["first_seen"]),
          last=_time(profile["last_seen"])),
        t(ROLES[data["role"]]),
    ]
    if "staff" in data:
        staff = data["staff"]
        parts.append(t(N_("mydata.staff"), who=staff_label(staff)))
    client = data.get("client")
    if client is not None:
        parts.append(t(N_("mydata.client"), nickname=client["nickname"], linked=_time(client["linked_at"]),
                       workers=pair_lines([w["worker"] for w in client["workers"]])))
        parts.append(t(N_("mydata.consents"), lines=Lines(consent_lines(client["consents"], language))))
        if client["viewed_by"]:
            viewed = tuple(Msg(N_("mydata.viewed_line"), {
                "date": _time(row["at"]), "who": row["who"],
                "what": Msg(ACTIONS[row["what"]]) if row["what"] in ACTIONS else row["what"],
            }) for row in client["viewed_by"])
            parts.append(t(N_("mydata.viewed"), lines=Lines(viewed)))
        else:
            parts.append(t(N_("mydata.nothing_viewed")))
    assessments = tuple(Msg(N_("mydata.assessment_line"), {
        "date": _time(row["completed_at"]),
        "scores": ", ".join(f"{area} {score}" for area, score in row["area_scores"].items() if score is not None),
        "wishes": Lines(tuple(f"{area}: {wish}" for area, wish in row["wishes"].items()), "; ") or "-",
    }) for row in data["assessments"])
    parts.append(t(N_("mydata.assessments"), count=len(assessments), lines=Lines(assessments)))
    preparation = (client or {}).get("meeting_preparation")
    if preparation:
        parts.append(t(N_("mydata.preparation"), lines=Lines(preparation_lines(preparation))))
    if data.get("in_progress"):
        parts.append(t(N_("mydata.in_progress")))
    parts.append(t(N_("mydata.json_note")))
    return "\n\n".join(parts) + "\n"


def preparation_lines(draft: dict[str, Any]) -> tuple[Msg, ...]:
    """A meeting preparation as readable lines, under the titles the person saw while writing it."""
    lines = [Msg(N_("mydata.preparation_line"), {"title": Msg(WORD_TITLE[word]), "text": draft[word]})
             for word in WORDS if draft.get(word)]
    lines += [Msg(N_("prep.person"), {"name": person["name"], "relation": person.get("relation", ""),
                                      "env": Msg(ENV_TITLE.get(person.get("env", ""), ENV_TITLE["services"]))})
              for person in draft.get("people", [])]
    lines += [Msg(N_("mydata.preparation_line"), {"title": Msg(N_("prep.title_topics")), "text": topic})
              for topic in draft.get("topics", [])]
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
    return t(N_("memo.text"), client=data["client"], when=when, place=data["place"], people=present,
             promises=promises, next=nxt) + "\n"


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in name)[:30] or "client"


def _export_text(data: dict[str, Any], language: str, catalogs: Catalogs, now: datetime) -> str:
    """A record for the worker's own client system: consents and shared circles, nothing else."""
    def t(key: str, **params: Param) -> str:
        return catalogs.text(language, Msg(key, params))

    circles = tuple(Msg(N_("mydata.assessment_line"), {
        "date": _time(row["completed_at"]),
        "scores": ", ".join(f"{area} {score}" for area, score in row["area_scores"].items() if score is not None),
        "wishes": Lines(tuple(f"{area}: {wish}" for area, wish in row["wishes"].items()), "; ") or "-",
    }) for row in data["shared_circles"])
    parts = [
        t(N_("export.title"), client=data["client"], date=now),
        t(N_("export.workers"), workers=team_lines(data["workers"])),
        t(N_("mydata.consents"), lines=Lines(consent_lines(data["consents"], language))),
        t(N_("export.circles"), count=len(circles), lines=Lines(circles)),
    ]
    evaluation = data.get("evaluation")
    if evaluation:
        feedback = evaluation["feedback"].get("answers", {})
        parts.append(t(N_("export.evaluation"), reflection=Lines(tuple(
            f"• {question}: {answer}" for question, answer in evaluation["reflection"].items())) or "-",
            feedback=", ".join(f"{statement} {score}/5" for statement, score in feedback.items()) or "-",
            comment=evaluation["feedback"].get("comment") or "-"))
    return "\n\n".join(parts) + "\n"


def render_document(document: Document, language: str, catalogs: Catalogs, now: datetime) -> list[tuple[str, bytes]]:
    """The files for a document: (file name, content)."""
    as_json = json.dumps(document.data, ensure_ascii=False, indent=2, sort_keys=True).encode()
    if document.kind == "mydata":
        text = _mydata_text(document.data, language, catalogs, now)
        return [("kaari-my-data.txt", text.encode()), ("kaari-my-data.json", as_json)]
    if document.kind == "client_export":
        return [(f"kaari-client-{_safe(document.data['client'])}.txt",
                 _export_text(document.data, language, catalogs, now).encode()),
                (f"kaari-client-{_safe(document.data['client'])}.json", as_json)]
    if document.kind == "audit":
        lines = [f"{row['at']}  {row['name']}  {row['action']}  {row['subject']}" for row in document.data["rows"]]
        return [("kaari-audit.txt", ("\n".join(lines) + "\n").encode()), ("kaari-audit.json", as_json)]
    if document.kind == "meeting_ics":
        return [("kaari-meeting.ics", meeting_ics(document.data).encode())]
    if document.kind == "meeting_memo":
        name = f"kaari-memo-{_safe(document.data['client'])}"
        return [(f"{name}.txt", _memo_text(document.data, language, catalogs).encode()), (f"{name}.json", as_json)]
    if document.kind == "chat_stats":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(document.data["columns"])
        for row in document.data["rows"]:
            writer.writerow(["" if row[column] is None else row[column] for column in document.data["columns"]])
        return [(f"kaari-chat-stats-{now:%Y-%m-%d}.csv", out.getvalue().encode())]
    return [(f"kaari-{document.kind}.json", as_json)]
