"""Documents a person keeps: a readable text and the same data as JSON, in the person's language."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

from bot.i18n import Catalogs
from flows.engine import LANGUAGE_NAMES
from flows.messages import N_, Lines, Msg, Param
from flows.results import Document

ROLES = {"anonymous": N_("mydata.role_anonymous"), "client": N_("mydata.role_client"),
         "staff": N_("mydata.role_staff")}


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
        parts.append(t(N_("mydata.staff"), name=staff["name"], title=staff["title"],
                       organisation=staff["organisation"]))
    client = data.get("client")
    if client is not None:
        parts.append(t(N_("mydata.client"), nickname=client["nickname"], linked=_time(client["linked_at"]),
                       workers=Lines(tuple(w["worker"] for w in client["workers"]))))
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
    if data.get("in_progress"):
        parts.append(t(N_("mydata.in_progress")))
    parts.append(t(N_("mydata.json_note")))
    return "\n\n".join(parts) + "\n"


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
        t(N_("export.workers"), workers=Lines(tuple(data["workers"]))),
        t(N_("mydata.consents"), lines=Lines(consent_lines(data["consents"], language))),
        t(N_("export.circles"), count=len(circles), lines=Lines(circles)),
    ]
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
    if document.kind == "chat_stats":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(document.data["columns"])
        for row in document.data["rows"]:
            writer.writerow(["" if row[column] is None else row[column] for column in document.data["columns"]])
        return [(f"kaari-chat-stats-{now:%Y-%m-%d}.csv", out.getvalue().encode())]
    return [(f"kaari-{document.kind}.json", as_json)]
