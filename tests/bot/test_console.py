"""`kaari chat`: the same flows in a terminal, in-process and as the installed command."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.bootstrap import Services, bootstrap
from bot.console import Console, parse_line
from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.render import Button, DocumentOut, PhotoOut
from flows.core import inputs
from flows.core.messages import Msg
from flows.esy.instrument import Instrument
from flows.identity.consent_texts import load_consent_texts
from tests.bot.harness import bot_settings, catalog_pattern, said
from tests.conftest import TWO_SERVICES, Clock

# A new client answers each consent item of the default file with its first option, yes.
YES_TO_ALL = "1\n" * len(load_consent_texts())


def script(instrument: Instrument, language_number: str | None = None) -> str:
    """Keystrokes for a whole assessment: the language (unless chosen with --lang), menu, begin, ratings and a
    wish per area."""
    lines = [*([language_number] if language_number else []), "1", "1"]
    for index, area in enumerate(instrument.areas):
        lines += [str(1 + index % 5)] * len(area.statements)
        lines.append("more sleep please" if index == 0 else "1")
    return "\n".join(lines) + "\n"


def test_parse_line() -> None:
    buttons = [Button("A", "a", 5), Button("B", "b", 5)]
    assert parse_line("2", buttons) == inputs.Choice(5, "b")
    assert parse_line("3", buttons) == inputs.Text("3")
    assert parse_line("/help", buttons) == inputs.Command("help")
    assert parse_line("/nope", buttons) == inputs.Command("nope", known=False)
    assert parse_line("/start", buttons) == inputs.Start()
    assert parse_line("/start m717 98bv 4wn0\n", buttons) == inputs.Start("m717 98bv 4wn0")
    assert parse_line("/quit", buttons) is None
    assert parse_line("hello\n", buttons) == inputs.Text("hello")


async def test_console_completes_an_assessment(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, instrument: Instrument, backend: str,
) -> None:
    """Also the wiring of KAARI_DATABASE_URL: bootstrap opens and migrates the PostgreSQL database it names."""
    services = await bootstrap(bot_settings(tmp_path / "k.sqlite3"), drawer=drawer, clock=clock, catalogs=catalogs)
    assert type(services.store).__name__ == {"sqlite": "SqliteStore", "postgresql": "PostgresStore"}[backend]
    out = io.StringIO()
    try:
        await Console(services, out, tmp_path).run(io.StringIO(script(instrument)), "en")
    finally:
        await services.store.close()
    text = out.getvalue()
    assert "1) Suomi" not in text, "the language was chosen with --lang: not asked"
    summary = catalog_pattern(catalogs, "esy.summary", "en").search(text)
    assert summary and "more sleep please" in summary.group(1)
    assert saved_pictures(tmp_path) == 1
    assert said(catalogs, "console.bye", text, ("en",))


async def test_in_a_terminal_a_wish_is_acknowledged_and_back_shows_the_earlier_answers(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, instrument: Instrument,
) -> None:
    first, *rest = instrument.areas
    lines = ["1", "1", "4", "8"]  # (English given, not asked) the circle, begin; "mostly true", then 8) Back
    lines += ["4"] * len(first.statements) + ["more sleep please"]
    lines += ["8", "1"]  # Back from the next area to the wish, and 1) keep it
    for area in rest:
        lines += ["4"] * len(area.statements) + ["1"]  # 1) not right now
    services = await bootstrap(bot_settings(tmp_path / "k.sqlite3"), drawer=drawer, clock=clock,
                               catalogs=catalogs)
    out = io.StringIO()
    try:
        await Console(services, out, tmp_path).run(io.StringIO("\n".join(lines) + "\n"), "en")
    finally:
        await services.store.close()
    text = out.getvalue()
    for key in ("esy.earlier_rating", "esy.wish_saved", "esy.earlier_wish", "esy.keep_wish"):
        assert said(catalogs, key, text, ("en",)), key
    summary = catalog_pattern(catalogs, "esy.summary", "en").search(text)
    assert summary and "more sleep please" in summary.group(1)


async def console_invitation(services: Services, folder: Path) -> str:
    """Kaisa (coordinator and worker, at a terminal) adds the client Kettu; returns the invitation code."""
    from bot.admin import add_coordinator

    await add_coordinator(services, telegram_id=None, console_user="kaisa", name="Kaisa", title="ohjaaja",
                          organisation="Oulunkaari", also_worker=True)
    worker_out = io.StringIO()
    await Console(services, worker_out, folder, "kaisa").run(io.StringIO("/newclient\nKettu\n"), "en")
    code = re.search(r"/start ([0-9A-Z]{12})", worker_out.getvalue())
    assert code, worker_out.getvalue()
    return code.group(1)


async def test_a_coordinator_gets_the_effect_report_in_a_terminal(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    """/effect at `kaari chat`: the period by number; the chart and the CSV are saved in the files folder."""
    services = await bootstrap(bot_settings(tmp_path / "k.sqlite3"), drawer=drawer, clock=clock, catalogs=catalogs)
    try:
        await console_invitation(services, tmp_path)
        out = io.StringIO()
        await Console(services, out, tmp_path, "kaisa").run(io.StringIO("/effect\n1\n"), "en")
    finally:
        await services.store.close()
    assert said(catalogs, "effect.summary", out.getvalue(), ("en",))
    assert saved_pictures(tmp_path, "kaari-effect") == 1 and saved_pictures(tmp_path) == 0
    header = (tmp_path / "kaari-effect-2026-06-2026-11.csv").read_text().splitlines()[0]
    assert header.startswith(catalogs.text("en", Msg("effect.csv.area")))


def saved_pictures(folder: Path, stem: str = "kaari-circle") -> int:
    """How many circle PNGs (or other pictures, by ``stem``) the console saved in ``folder``."""
    pictures = list(folder.glob(f"{stem}-*.png"))
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in pictures)
    return len(pictures)


def test_kaari_chat_command_runs_offline(tmp_path: Path, instrument: Instrument, catalogs: Catalogs) -> None:
    """The README's quick start: the installed `kaari chat`, no token, no network; everything it keeps (the
    database, its keys, the log, the circle) goes into the platform's user data directory, never into the
    working directory, and the person is told that folder."""
    work, xdg = tmp_path / "work", tmp_path / "xdg"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAARI_")} | {"XDG_DATA_HOME": str(xdg)}
    kaari = Path(sys.executable).with_name("kaari")
    result = subprocess.run(
        [str(kaari), "chat", "--lang", "fi"], input=script(instrument), capture_output=True, text=True,
        cwd=work, env=env, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Ympyräsi sanoina" in result.stdout
    assert list(work.iterdir()) == []
    data = xdg / "kaari"
    for kept in ("kaari.sqlite3", "kaari.sqlite3.secret", "kaari.sqlite3.datakey", "kaari.sqlite3.log"):
        assert (data / kept).exists(), kept
    assert saved_pictures(data) == 1
    assert result.stdout.count(catalogs.text("fi", Msg("console.files_folder", {"path": str(data)}))) == 1
    assert "Traceback" not in result.stderr


async def test_saved_files_go_to_the_data_folder_which_is_named_once(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    services = await bootstrap(bot_settings(tmp_path / "k.sqlite3"), drawer=drawer, clock=clock, catalogs=catalogs)
    folder, out = tmp_path / "data", io.StringIO()
    try:
        console = Console(services, out, folder)
        console.show(DocumentOut("kaari-my-data.txt", b"text", "caption"))
        console.show(DocumentOut("kaari-my-data.json", b"{}", ""))
        console.show(PhotoOut(b"\x89PNG picture", "circle"))
    finally:
        await services.store.close()
    assert (folder / "kaari-my-data.txt").read_bytes() == b"text" and (folder / "kaari-my-data.json").exists()
    assert saved_pictures(folder) == 1
    shown = out.getvalue()
    assert shown.count(str(folder)) == 1
    assert shown.count(catalogs.text("fi", Msg("console.files_folder", {"path": str(folder)}))) == 1
    for name in ("kaari-my-data.txt", "kaari-my-data.json"):
        assert catalogs.text("fi", Msg("console.file_saved", {"name": name})) in shown


async def test_a_worker_and_a_client_in_two_terminals(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    """The identified flows work in `kaari chat` too: a coordinator-worker invites, the client joins,
    and a message left for the other terminal is shown there."""

    services = await bootstrap(bot_settings(tmp_path / "k.sqlite3"), drawer=drawer, clock=clock, catalogs=catalogs)
    try:
        code = await console_invitation(services, tmp_path)
        client_out = io.StringIO()
        answers = f"/start {code}\n1\n{YES_TO_ALL}/write\nHello from Kettu\n"
        await Console(services, client_out, tmp_path, "kettu").run(io.StringIO(answers), "en")
        assert "Kaisa, ohjaaja (Oulunkaari)" in client_out.getvalue()
        worker_out = io.StringIO()
        await Console(services, worker_out, tmp_path, "kaisa").run(io.StringIO(""), "en")
        assert "Hello from Kettu" in worker_out.getvalue()
    finally:
        await services.store.close()


async def test_the_young_persons_chat_in_a_terminal(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    """`kaari chat`: with nobody on duty the chat offers to leave a message; a worker in another terminal goes
    on duty by hand, takes it and answers; the young person sees the answer when they are back."""
    from bot.admin import add_coordinator

    services = await bootstrap(bot_settings(tmp_path / "k.sqlite3", chat_services=TWO_SERVICES), drawer=drawer,
                               clock=clock, catalogs=catalogs)
    try:
        young_out = io.StringIO()
        await Console(services, young_out, tmp_path, "nuori").run(
            io.StringIO("/chat\n1\nCan I apply for housing allowance afterwards? 🏠\n"), "en")
        assert "112" in young_out.getvalue() and "Tue 24 Nov" in young_out.getvalue()
        assert "Thanks, your message is saved" in young_out.getvalue()

        await add_coordinator(services, telegram_id=None, console_user="kaisa", name="Kaisa Koski",
                              title="social counsellor", organisation="Oulunkaari", also_worker=True)
        worker_out = io.StringIO()
        await Console(services, worker_out, tmp_path, "kaisa").run(
            io.StringIO("/desk\n1\n1\nYes, for up to three months back.\n"), "en")
        assert "Can I apply for housing allowance afterwards? 🏠" in worker_out.getvalue()

        young_out = io.StringIO()
        await Console(services, young_out, tmp_path, "nuori").run(io.StringIO(""), "en")
        shown = young_out.getvalue()
        assert "Kaisa (social counsellor) is here" in shown
        assert "Yes, for up to three months back." in shown
    finally:
        await services.store.close()


def test_in_a_chat_numbers_are_messages_and_options_take_a_hash() -> None:
    buttons = [Button("End", "end", 4)]
    assert parse_line("2", buttons, chat=True) == inputs.Text("2")
    assert parse_line("#1", buttons, chat=True) == inputs.Choice(4, "end")
    assert parse_line("#7", buttons, chat=True) == inputs.Text("#7")
    assert parse_line("/hours", buttons, chat=True) == inputs.Command("hours")


async def test_the_meeting_preparation_in_a_terminal(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    """A linked client prepares their network meeting in `kaari chat`: what works, a person, done."""

    services = await bootstrap(bot_settings(tmp_path / "k.sqlite3"), drawer=drawer, clock=clock, catalogs=catalogs)
    try:
        code = await console_invitation(services, tmp_path)
        answers = (f"/start {code}\n1\n{YES_TO_ALL}/prepare\n1\nMy dog and my guitar\n"
                   "4\n1\nSanna\nsister\n1\n040 123\n3\n9\n")
        client_out = io.StringIO()
        await Console(services, client_out, tmp_path, "kettu").run(io.StringIO(answers), "en")
        shown = client_out.getvalue()
        assert "Sanna (sister)" in shown and "Saved. Your worker can see your preparation" in shown
    finally:
        await services.store.close()


def test_kaari_chat_prints_no_log_line_into_the_conversation(tmp_path: Path) -> None:
    """A crisis message is logged (engine.crisis) into a file beside the database, not into the terminal."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAARI_")}
    kaari = Path(sys.executable).with_name("kaari")
    result = subprocess.run(
        [str(kaari), "chat", "--lang", "en", "--data", str(tmp_path / "data")], input="I want to kill myself\n",
        capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "112" in result.stdout, "the signposting is shown"
    for stream in (result.stdout, result.stderr):
        assert "engine.crisis" not in stream and "WARNING" not in stream
    assert "engine.crisis" in (tmp_path / "data" / "kaari.sqlite3.log").read_text(encoding="utf-8")


async def test_the_terminal_asks_for_numbers_and_asks_the_language_until_it_is_chosen(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    """No buttons in a terminal: bad input asks for an option's number; the first question (the language) is
    asked again after a bad answer instead of skipping to the menu."""
    services = await bootstrap(bot_settings(tmp_path / "k.sqlite3"), drawer=drawer, clock=clock, catalogs=catalogs)
    out = io.StringIO()
    try:
        await Console(services, out, tmp_path).run(io.StringIO("xyz\n99\n2\nxyz\n"))
    finally:
        await services.store.close()
    text = out.getvalue()
    assert text.count(catalogs.text("fi", Msg("language.choose"))) == 3
    assert text.count(catalogs.text("fi", Msg("console.use_numbers"))) == 2
    assert catalogs.text("sv", Msg("console.use_numbers")) in text, "after choosing Svenska"
    assert text.rstrip().endswith(catalogs.text("sv", Msg("console.bye")))
    for language in ("fi", "sv", "en"):
        assert catalogs.text(language, Msg("error.use_buttons")) not in text


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
async def test_a_language_given_on_the_command_line_is_not_asked(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer, language: str,
) -> None:
    services = await bootstrap(bot_settings(tmp_path / "k.sqlite3"), drawer=drawer, clock=clock, catalogs=catalogs)
    out = io.StringIO()
    try:
        await Console(services, out, tmp_path).run(io.StringIO(""), language)
    finally:
        await services.store.close()
    text = out.getvalue()
    assert catalogs.text(language, Msg("menu.prompt")) in text
    assert all(catalogs.text(other, Msg("language.choose")) not in text for other in ("fi", "sv", "en"))
