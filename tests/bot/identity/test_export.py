"""The worker's export for their own client system, the audit file and /mydata, as people read them: about the
client, area names with the decimal comma, Helsinki times in the bot's style, readable events, and a PDF with the
circle beside the text and the JSON."""

from __future__ import annotations

import ast
import io
import json
import re
from datetime import timedelta
from pathlib import Path

from pypdf import PdfReader

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.keys import user_key
from bot.pdf import PAGE_MARK, PdfLayout, PdfSection, build_pdf
from bot.render import document_files
from flows.core.messages import LocalText, Msg, Number
from flows.core.results import Document
from flows.identity import audit_events
from storage.ports import AssessmentRow, MeetingRow, ParticipantRow, PromiseRow, ShareRow
from tests.bot.harness import Bot, sent_files
from tests.bot.identity.test_identity import CLIENT, COORDINATOR, WORKER, t
from tests.bot.identity.test_rights import linked_client
from tests.conftest import Clock

ROOT = Path(__file__).resolve().parents[3]
# Rhythm scored 3.3 with a wish, health skipped (every statement skipped), a wish for money only.
SCORES: dict[str, float | None] = {"rhythm": 10 / 3, "health": None, "money": 2.5}
WISHES = {"rhythm": "nukkua enemmän", "money": "saada laskut hoidettua"}


def pdf_contents(content: bytes) -> tuple[str, int]:
    """The text of every page and how many pictures the pages hold (pypdf reads it as a viewer would)."""
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages), sum(len(page.images) for page in reader.pages)


async def shared_circles(bot: Bot, clock: Clock) -> None:
    """The client shared two circles, a week apart: the export compares the second with the first."""
    key = user_key(bot.services.secret, "tg", CLIENT)
    async with bot.services.store.transaction() as work:
        client = await work.clients.by_user(key)
        assert client is not None and client.id is not None
        earlier: dict[str, float | None] = {"rhythm": 2.0, "money": 2.5}
        for when, scores in ((clock.now - timedelta(days=7), earlier), (clock.now, SCORES)):
            row = AssessmentRow(key, "kaari-esy-default", 1, when, {}, scores, WISHES if scores is SCORES else {})
            await work.shares.add(ShareRow(await work.assessments.add(row), client.id, when))


async def export(bot: Bot, catalogs: Catalogs, language: str) -> dict[str, bytes]:
    worker = bot.user(WORKER, language)
    await worker.send("/start")
    await worker.tap(t(catalogs, language, "menu.clients"))
    await worker.tap(catalogs.text(language, Msg("clients.item_linked", {"nickname": "Kettu"})))
    return sent_files(await worker.tap(t(catalogs, language, "clients.export")))


def area(catalogs: Catalogs, language: str, key: str, **params: object) -> str:
    return catalogs.text(language, Msg(key, params))  # type: ignore[arg-type]


async def test_the_export_reads_as_a_record_about_the_client_with_a_pdf(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    await linked_client(bot, catalogs)
    await shared_circles(bot, clock)
    files = await export(bot, catalogs, "fi")
    assert sorted(files) == ["json", "pdf", "txt"]
    text = files["txt"].decode()
    lines = text.splitlines()
    # About the client, for the worker: the nickname in the title, "the client's consents", not "your answers".
    assert lines[0] == area(catalogs, "fi", "export.title", client="Kettu")
    assert t(catalogs, "fi", "export.consents") in lines
    assert catalogs.messages["fi"]["mydata.consents"].split("\n")[0] not in text
    # Times in Helsinki (10:00 UTC is 12 in Helsinki) in the bot's own style, never ISO or UTC.
    exported = catalogs.stamp("fi", clock.now)
    assert lines[1] == area(catalogs, "fi", "export.exported", date=exported, worker="Aino Virtanen, sosiaaliohjaaja")
    assert area(catalogs, "fi", "document.circle", date=exported) in lines
    assert "2026-11-20" not in text and "T10:00" not in text
    # Areas by name with the decimal comma, the earlier circle beside it, skipped said in words.
    rhythm = area(catalogs, "fi", "document.area_change", area="Päivärytmi ja uni", score=Number(10 / 3),
                  before=Number(2.0))
    assert "3,3" in rhythm and rhythm in lines
    assert area(catalogs, "fi", "document.area_skipped", area="Terveys ja itsestä huolehtiminen") in lines
    # An area with no score at all is skipped too, as the picture draws it: every area of the circle is named.
    assert area(catalogs, "fi", "document.area_skipped", area="Koti ja asuminen") in lines
    assert not re.search(r"\b(rhythm|health|money)\b", text) and "3.3" not in text
    # Each wish right under its own area's line.
    wish = "  " + area(catalogs, "fi", "document.wish", wish="nukkua enemmän")
    assert lines[lines.index(rhythm) + 1] == wish
    money = [line for line in lines if line.startswith("• Raha") and "2,5" in line][-1]  # the second circle
    assert lines[lines.index(money) + 1] == "  " + area(catalogs, "fi", "document.wish", wish="saada laskut hoidettua")
    # The JSON keeps the raw data and now names the areas too.
    data = json.loads(files["json"])
    assert data["shared_circles"][1]["area_scores"]["rhythm"] == 10 / 3
    assert {"id": "rhythm", "name": {"fi": "Päivärytmi ja uni", "sv": "Dygnsrytm och sömn",
                                     "en": "Daily rhythm and sleep"}} in data["areas"]
    # The PDF: the same words (Finnish letters intact) and both circles drawn in.
    pdf_text, pictures = pdf_contents(files["pdf"])
    assert pictures == 2
    for expected in (lines[0], "Päivärytmi ja uni: 3,3", "Muutostoive: nukkua enemmän", exported):
        assert expected in pdf_text, expected


async def test_the_export_follows_the_readers_language(bot: Bot, clock: Clock, catalogs: Catalogs) -> None:
    await linked_client(bot, catalogs)
    await shared_circles(bot, clock)
    async with bot.services.store.transaction() as work:  # the worker reads Swedish
        user = await work.users.get(user_key(bot.services.secret, "tg", WORKER))
        assert user is not None
        user.language = "sv"
        await work.users.save(user)
    files = await export(bot, catalogs, "sv")
    text = files["txt"].decode()
    assert area(catalogs, "sv", "document.area_change", area="Dygnsrytm och sömn", score=Number(10 / 3),
                before=Number(2.0)) in text
    assert "3,3" in text and catalogs.stamp("sv", clock.now) in text
    assert t(catalogs, "sv", "export.consents") in text


async def test_the_audit_file_names_events_in_words_and_helsinki_time(
    bot: Bot, clock: Clock, catalogs: Catalogs,
) -> None:
    await linked_client(bot, catalogs)
    files = sent_files(await bot.user(COORDINATOR, "fi").send("/audit"))
    readable = files["txt"].decode()
    linked = area(catalogs, "fi", "audit.line", when=catalogs.stamp("fi", clock.now),
                  who=area(catalogs, "fi", "audit.subject.client", id="1"),
                  what=area(catalogs, "fi", "audit.event.client.linked"),
                  subject=area(catalogs, "fi", "audit.subject.client", id="1"))
    assert linked in readable.splitlines()
    assert "Kaisa " + area(catalogs, "fi", "audit.event.staff.created") in readable
    assert not re.search(r"\b(client\.linked|staff\.created|consent\.yes)\b", readable)
    assert "Kettu" not in readable, "the audit log holds ids and events, not content"
    rows = json.loads(files["json"])["rows"]
    assert "client.linked" in [row["action"] for row in rows], "the JSON keeps the ids for machines"


async def test_mydata_tells_in_progress_only_when_something_is(bot: Bot, clock: Clock, catalogs: Catalogs) -> None:
    client = await linked_client(bot, catalogs)
    in_progress = t(catalogs, "en", "mydata.in_progress")
    assert in_progress not in sent_files(await client.send("/mydata"))["txt"].decode(), "resting in the menu"
    await client.tap(t(catalogs, "en", "menu.esy"))
    await client.tap(t(catalogs, "en", "esy.begin"))
    await client.tap(bot.services.instrument.scale[3].label.get("en"))
    assert in_progress in sent_files(await client.send("/mydata"))["txt"].decode(), "one answer into the circle"
    # A worker looking at a client card has nothing in hand (the engine's own rule, as /start's "welcome back").
    worker = bot.user(WORKER, "fi")
    await worker.send("/clients")
    await worker.tap(catalogs.text("fi", Msg("clients.item_linked", {"nickname": "Kettu"})))
    files = sent_files(await worker.send("/mydata"))
    assert t(catalogs, "fi", "mydata.in_progress") not in files["txt"].decode()
    assert json.loads(files["json"])["in_progress"] is None


def test_every_audited_action_has_words() -> None:
    """Each action the code writes to the audit log has a catalog id, so no file shows a raw event id."""
    written: set[str] = set()
    for package in ("flows", "bot"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                args = node.args[2:3] if name == "AuditRow" else node.args[1:2] if name in ("audit", "_audit") \
                    else []
                for arg in args:  # a literal, or either side of "a" if x else "b"; f-strings are checked below
                    for constant in (arg.body, arg.orelse) if isinstance(arg, ast.IfExp) else (arg,):
                        if isinstance(constant, ast.Constant) and isinstance(constant.value, str):
                            written.add(constant.value)
    assert {"client.created", "client.card.view", "rota.add", "staff.coordinator_added"} <= written
    unnamed = sorted(action for action in written if isinstance(audit_events.event(action), str))
    assert not unnamed, f"audit events without words (add them to flows/audit_events.py): {unnamed}"
    # The two families with a varying part: f"consent.{answer}.{item}" and f"denied.{flow}".
    titles = {"work": LocalText("Yhteistyö", "Samarbete", "Working together")}
    assert audit_events.event("consent.withdrawn.work", titles) == Msg("audit.event.consent.withdrawn",
                                                                      {"item": titles["work"]})
    assert audit_events.event("denied.audit") == Msg("audit.event.denied", {"flow": "audit"})
    assert audit_events.event("something.new") == "something.new", "an unknown event shows, never vanishes"
    assert {action for action in audit_events.EVENTS if action.startswith("client.")
            and action not in ("client.linked", "client.declined", "client.message_sent")} <= set(
        audit_events.FOR_CLIENT), "every client event a worker causes is told to the client in /mydata"


def test_the_pdf_font_has_finnish_and_swedish_letters() -> None:
    letters = "Äiti, Åsa ja Öljy: ä ö å – … “lainaus” 12 €"
    content = build_pdf(PdfLayout("Kaari – asiakkaan tiedot: Kettu", letters, (
        PdfSection("Työntekijät", ("• Aino Virtanen, sosiaaliohjaaja (Oulunkaari) ★", "  <b>ei muotoilua</b> & ok")),
    ), f"Kettu – sivu {PAGE_MARK}", "fi"))
    text, pictures = pdf_contents(content)
    assert letters in text and "<b>ei muotoilua</b> & ok" in text and "Kettu – sivu 1" in text
    assert pictures == 0


async def test_the_meeting_memo_comes_as_a_pdf_too(catalogs: Catalogs, drawer: ProcessDrawer, clock: Clock) -> None:
    memo = Document("meeting_memo", {
        "client": "Kettu", "held_at": clock.now.isoformat(), "place": "Nuorisotalo, Kirkkokatu 3",
        "participants": [["Kettu", "client", "", True], ["Sanna Åberg", "relative", "sisko", False]],
        "promises": [["Sanna Åberg", "Lainaan pyörän – ”heti”", "2026-12-01"]],
        "next_at": None, "ended_on": None, "generated_at": clock.now.isoformat()}, Msg("meeting.memo_caption"))
    files, failed = await document_files(memo, "fi", catalogs, drawer)
    assert not failed and [name for name, _ in files] == ["kaari-memo-Kettu.txt", "kaari-memo-Kettu.json",
                                                         "kaari-memo-Kettu.pdf"]
    text, pictures = pdf_contents(files[2][1])
    for line in files[0][1].decode().splitlines():
        assert line.removeprefix("• ") in text, line  # the memo's own words, each line, ä and å and ” intact
    assert pictures == 0


async def test_mydata_reads_out_the_meetings_and_promises(bot: Bot, clock: Clock, catalogs: Catalogs) -> None:
    client = await linked_client(bot, catalogs)
    async with bot.services.store.transaction() as work:
        row = await work.clients.by_user(user_key(bot.services.secret, "tg", CLIENT))
        assert row is not None and row.id is not None
        meeting = await work.meetings.add(MeetingRow(row.id, 2, clock.now, clock.now + timedelta(days=3), "office",
                                                     "Youth centre", status="held"))
        kettu = await work.meetings.add_participant(ParticipantRow(meeting, "Kettu", "client"))
        await work.meetings.add_promise(PromiseRow(meeting, kettu, "Call the housing office",
                                                   (clock.now + timedelta(days=10)).date(), clock.now, status="help"))
    text = sent_files(await client.send("/mydata"))["txt"].decode()
    assert area(catalogs, "en", "mydata.meeting_line", date=catalogs.stamp("en", clock.now + timedelta(days=3)),
                place="Youth centre", status=Msg("mydata.meeting_held")) in text
    assert "  " + area(catalogs, "en", "mydata.promise_line", text="Call the housing office",
                       due=clock.now + timedelta(days=10), status=Msg("mydata.promise_help")) in text
