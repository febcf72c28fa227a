"""`kaari chat`: the same flows in a terminal. Numbered options, typed text, pictures saved as files."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.bootstrap import Services
from bot.commands import COMMAND_TEXTS
from bot.i18n import HELSINKI, console_link
from bot.keys import user_key
from bot.render import Button, DocumentOut, MediaOut, Outgoing, PhotoOut, TextOut, render
from bot.ticker import NEEDS_REMINDER_CONSENT, outgoing_for, reminders_allowed
from flows.chat import shifts
from flows.core import inputs
from flows.core.messages import N_, Msg, load_msg

CHANNEL = "console"
# The terminal has numbered options, not buttons: its own words where a message speaks of pressing one.
WORDS = {
    N_("error.use_buttons"): N_("console.use_numbers"), N_("error.empty"): N_("console.empty"),
    N_("flow.paused"): N_("console.paused"), N_("error.unsupported"): N_("console.unsupported"),
}


def parse_line(line: str, buttons: list[Button], chat: bool = False) -> inputs.Input | None:
    """What a typed line means: a command, the number of an option, or text. None means quit. In a chat a
    number is a message ("2 times a week"): options are chosen as #1, #2..."""
    text = line.strip()
    if chat:
        if text.startswith("#") and text[1:].isdigit() and 1 <= int(text[1:]) <= len(buttons):
            button = buttons[int(text[1:]) - 1]
            return inputs.Choice(button.step, button.value)
        if not text.startswith("/"):
            return inputs.Text(line.rstrip("\n"))
    if text.startswith("/"):
        name = text.split()[0].lstrip("/").lower()
        if name in ("quit", "exit"):
            return None
        if name == "start":
            payload = text.split(maxsplit=1)[1:]  # the whole rest: a code typed in parts is one code
            return inputs.Start(payload[0] if payload else None)
        return inputs.Command(name, known=name in COMMAND_TEXTS)
    if text.isdigit() and 1 <= int(text) <= len(buttons):
        button = buttons[int(text) - 1]
        return inputs.Choice(button.step, button.value)
    return inputs.Text(line.rstrip("\n"))


class Console:
    """One person at a terminal."""

    def __init__(self, services: Services, stdout: TextIO, out_dir: Path, user: str = "local") -> None:
        self.services = services
        self.stdout = stdout
        self.out_dir = out_dir
        self.told_folder = False
        self.key = user_key(services.secret, CHANNEL, user)
        self.buttons: list[Button] = []
        self.chat = False
        self.language = services.settings.default_language

    def say(self, message: Msg) -> None:
        print(self.services.catalogs.text(self.language, message), file=self.stdout, flush=True)

    async def handle(self, given: inputs.Input, hint: str | None = None) -> None:
        reply = await self.services.engine.handle(self.key, given, hint, channel=CHANNEL)
        self.language = reply.language
        for out in await render(reply, self.services.catalogs, self.services.drawer, variants=WORDS):
            self.show(out)
        await self.inbox()

    async def inbox(self) -> None:
        """Messages left for this console user (by a worker in another `kaari chat --user`, say): there is no
        chat to push them to, so they are shown here, once, when this user is at the terminal."""
        services = self.services
        now = services.engine.clock()
        async with services.store.transaction() as work:
            rows = [row for row in await work.outbox.for_recipient(self.key)
                    if row.status == "pending" and row.due_at <= now]
            pokes = []
            for row in rows:
                assert row.id is not None
                allowed = row.kind not in NEEDS_REMINDER_CONSENT or await reminders_allowed(work, self.key)
                if allowed and (row.kind == shifts.POKE or "attach" in row.message):
                    pokes.append(row)  # shown below, after this transaction: the engine opens its own
                elif allowed:
                    print(f"\n📨 {services.catalogs.text(self.language, load_msg(row.message))}", file=self.stdout)
                    if "media" in row.message:
                        self.say(Msg(N_("console.media")))
                await work.outbox.finish(row.id, "sent" if allowed else "dropped", now)
        for row in pokes:  # and notices with a file, saved like any other
            for out in await outgoing_for(services, row, self.language, console_link):
                if isinstance(out, TextOut) and row.kind != shifts.POKE:
                    print(f"\n📨 {out.text}", file=self.stdout)  # a notice: the question on screen stands
                else:
                    self.show(out)

    def save(self, name: str, content: bytes) -> None:
        """Write a file into the data folder; the first time, say which folder that is (then names only)."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        (self.out_dir / name).write_bytes(content)
        if not self.told_folder:
            self.say(Msg(N_("console.files_folder"), {"path": str(self.out_dir)}))
            self.told_folder = True

    def show(self, out: Outgoing) -> None:
        if isinstance(out, DocumentOut):
            if out.caption:
                print(f"\n{out.caption}", file=self.stdout)
            self.save(out.filename, out.content)
            self.say(Msg(N_("console.file_saved"), {"name": out.filename}))
            return
        if isinstance(out, PhotoOut):
            name = f"kaari-{out.kind}-{datetime.now(HELSINKI).strftime('%Y%m%d-%H%M%S')}.png"
            print(f"\n{out.caption}", file=self.stdout)
            self.save(name, out.png)
            self.say(Msg(N_("console.picture_saved"), {"name": name}))
            return
        if isinstance(out, MediaOut):
            print(f"\n📨 {out.caption}", file=self.stdout)
            self.say(Msg(N_("console.media")))
            return
        print(f"\n{out.text}", file=self.stdout)
        self.buttons = [button for row in out.buttons for button in row]
        self.chat = out.chat
        for number, button in enumerate(self.buttons, start=1):
            print(f"  {'#' if out.chat else ''}{number}) {button.label}", file=self.stdout)
        if out.chat:
            self.say(Msg(N_("console.type_chat")))
        elif self.buttons:
            self.say(Msg(N_("console.type_answer") if out.free_text else N_("console.type_number")))
        self.stdout.flush()

    async def run(self, stdin: TextIO, language: str | None = None) -> None:
        """Talk until end of input or /quit; ``language`` is one already chosen (`--lang`), not asked again."""
        self.say(Msg(N_("console.hello")))
        await self.handle(inputs.Start(language=language), language)
        loop = asyncio.get_running_loop()
        while True:
            print("> ", end="", file=self.stdout, flush=True)
            line = await loop.run_in_executor(None, stdin.readline)
            if not line:
                break
            # The line means what it meant on the screen the person saw; then what others sent meanwhile (a
            # worker's answer) is shown before it is handled, so nobody answers blind.
            given = parse_line(line, self.buttons, self.chat) if line.strip() else inputs.Text("")
            await self.inbox()
            if not line.strip():
                continue  # an empty line just looks for new messages
            if given is None:
                break
            await self.handle(given)
        print(file=self.stdout)
        self.say(Msg(N_("console.bye")))
