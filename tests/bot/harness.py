"""Drive the real PTB Application like a person would: send text, tap buttons, read what came back."""

from __future__ import annotations

import itertools
import re
import string
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from telegram.ext import Application

from bot.bootstrap import Services, bootstrap
from bot.circle import CirclePicture
from bot.drawing import Drawer
from bot.effect_chart import EffectChart
from bot.i18n import Catalogs
from bot.pdf import PdfLayout
from bot.progress_chart import ProgressPicture
from bot.ratelimit import ChatPacedRateLimiter
from bot.settings import Settings
from bot.telegram_app import build_application
from bot.updates import parse_update
from flows.core.messages import LANGUAGES
from storage.ports import SERIALIZABLE, Contention, Isolation, Store, UnitOfWork
from tests.bot.fakeapi import Call, FakeBotAPI

# The PostgreSQL database every bot_settings() of the running test points at (tests/bot/conftest.py sets it for
# a test's [postgresql] run); None: the SQLite file bot_settings() is given.
DATABASE_URL: str | None = None

_update_ids = itertools.count(1)
_message_ids = itertools.count(1)


def bot_settings(db_path: Path, **changes: Any) -> Settings:
    """Settings for tests: no real token, no pacing waits and no flood limit (each has its own tests); the
    test's PostgreSQL database instead of ``db_path`` in a [postgresql] run."""
    values: dict[str, Any] = dict(
        telegram_token="123456:TEST-TOKEN", db_path=db_path, secret="test-secret",
        rate_per_second=0.0, chat_interval=0.0, flood_burst=0, database_url=DATABASE_URL or "",
    )
    values.update(changes)
    return Settings(**values)


class BrokenDrawer:
    """A drawer that fails, to see what the person gets when something breaks."""

    async def draw(self, picture: CirclePicture) -> bytes:
        raise RuntimeError("drawing failed")

    async def progress(self, picture: ProgressPicture) -> bytes:
        raise RuntimeError("drawing failed")

    async def pdf(self, layout: PdfLayout) -> bytes:
        raise RuntimeError("layout failed")

    async def chart(self, chart: EffectChart) -> bytes:
        raise RuntimeError("chart failed")

    async def close(self) -> None:
        """Nothing to close."""


async def start_bot(
    settings: Settings, clock: Callable[[], datetime], catalogs: Catalogs, drawer: Drawer,
    store: Store | None = None, api: FakeBotAPI | None = None, rate_limiter: ChatPacedRateLimiter | None = None,
) -> Bot:
    """Bootstrap the services and an initialised Application on a fake Bot API."""
    services = await bootstrap(settings, store=store, drawer=drawer, clock=clock, catalogs=catalogs)
    api = api or FakeBotAPI()
    application = build_application(services, request=api, rate_limiter=rate_limiter)
    await application.initialize()
    return Bot(services, application, api)


class Bot:
    def __init__(self, services: Services, application: Application[Any, Any, Any, Any, Any, Any],
                 api: FakeBotAPI) -> None:
        self.services = services
        self.application = application
        self.api = api
        # Every error that reached PTB's error handlers; a test fails on one unless it expects it.
        self.errors: list[BaseException] = []
        self.expect_errors = False
        application.add_error_handler(self._record_error)

    async def _record_error(self, update: object, context: Any) -> None:
        if context.error is not None:
            self.errors.append(context.error)

    async def stop(self) -> None:
        """Shut the Application down and close the store (the drawing pool belongs to the test session)."""
        await self.application.shutdown()
        await self.services.store.close()

    def user(self, user_id: int = 424242, language: str = "fi", name: str = "Nuori") -> TgUser:
        return TgUser(self, user_id, language, name)


class TgUser:
    """One young person in a private chat with the bot."""

    def __init__(self, bot: Bot, user_id: int, language: str, name: str) -> None:
        self.bot = bot
        self.id = user_id
        self.language = language
        self.name = name

    @property
    def api(self) -> FakeBotAPI:
        return self.bot.api

    def user_json(self) -> dict[str, Any]:
        return {"id": self.id, "is_bot": False, "first_name": self.name, "language_code": self.language}

    def message_update(self, text: str | None = None, **content: Any) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(_message_ids), "date": int(time.time()),
            "chat": {"id": self.id, "type": "private", "first_name": self.name},
            "from": self.user_json(), **content,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {"update_id": next(_update_ids), "message": message}

    async def process(self, update: dict[str, Any]) -> list[Call]:
        before = len(self.api.calls)
        self.api.see(update)
        await self.bot.application.process_update(parse_update(update, self.bot.application.bot))
        self.api.check()  # PTB turned a refused call into an exception the channel logged: fail here instead
        if not self.bot.expect_errors:
            assert not self.bot.errors, f"an update failed: {self.bot.errors!r}"
        return self.api.calls[before:]

    async def send(self, text: str, reply_to: Call | None = None) -> list[Call]:
        """Type and send a message (a swipe-reply to one of the bot's messages with ``reply_to``); returns the
        Bot API calls it caused."""
        extra = {"reply_to_message": dict(reply_to.result)} if reply_to is not None else {}
        return await self.process(self.message_update(text, **extra))

    async def send_sticker(self) -> list[Call]:
        sticker = {"file_id": "s1", "file_unique_id": "su1", "type": "regular", "width": 512, "height": 512,
                   "is_animated": False, "is_video": False}
        return await self.process(self.message_update(sticker=sticker))

    async def send_photo(self, file_id: str = "p1", caption: str | None = None) -> list[Call]:
        photo = [{"file_id": f"{file_id}-small", "file_unique_id": "ps", "width": 90, "height": 90},
                 {"file_id": file_id, "file_unique_id": "pl", "width": 800, "height": 800}]
        extra = {"caption": caption} if caption else {}
        return await self.process(self.message_update(photo=photo, **extra))

    async def send_voice(self) -> list[Call]:
        voice = {"file_id": "v1", "file_unique_id": "vu", "duration": 3}
        return await self.process(self.message_update(voice=voice))

    # --- buttons ---------------------------------------------------------------------------------
    def questions(self) -> list[Call]:
        """Messages to this chat that carried buttons, oldest first."""
        return [c for c in self.api.calls if c.method == "sendMessage" and c.params.get("chat_id") == self.id
                and c.params.get("reply_markup")]

    def last_question(self) -> Call:
        return self.questions()[-1]

    @staticmethod
    def buttons(call: Call) -> list[dict[str, Any]]:
        markup = call.params["reply_markup"]
        return [button for row in markup["inline_keyboard"] for button in row]

    def labels(self, call: Call | None = None) -> list[str]:
        return [b["text"] for b in self.buttons(call or self.last_question())]

    async def tap(self, label: str, question: Call | None = None) -> list[Call]:
        """Tap the button whose label is ``label`` (or whose value is, after the '|') on a question."""
        question = question or self.last_question()
        for button in self.buttons(question):
            if button["text"] == label or button["callback_data"].split("|", 1)[1] == label:
                return await self.tap_data(button["callback_data"], question)
        raise AssertionError(f"no button {label!r} in {self.labels(question)}")

    async def tap_data(self, data: str, question: Call) -> list[Call]:
        message = dict(question.result)
        update = {"update_id": next(_update_ids), "callback_query": {
            "id": str(next(_update_ids)), "from": self.user_json(), "chat_instance": "ci",
            "data": data, "message": message,
        }}
        return await self.process(update)


def texts(calls: list[Call]) -> list[str]:
    """The texts and captions the bot sent in ``calls``."""
    return [c.params.get("text") or c.params.get("caption") or "" for c in calls
            if c.method in ("sendMessage", "sendPhoto")]


def joined(calls: list[Call]) -> str:
    return "\n".join(texts(calls))


def catalog_pattern(catalogs: Catalogs, key: str, language: str) -> re.Pattern[str]:
    """A regex for the catalog text ``key`` in ``language`` with any value in its placeholders."""
    parsed = list(string.Formatter().parse(catalogs.messages[language][key]))
    # A placeholder that ends the text takes the rest of it; others take as little as they can.
    parts = [re.escape(literal) + (("(.+)" if index == len(parsed) - 1 else "(.+?)") if name else "")
             for index, (literal, name, _, _) in enumerate(parsed)]
    return re.compile("".join(parts), re.DOTALL)


def said(catalogs: Catalogs, key: str, text: str | Call, languages: tuple[str, ...] = LANGUAGES) -> bool:
    """Whether ``text`` (or a sent call's text) contains the catalog text ``key`` in one of ``languages``,
    whatever its placeholders hold: tests assert on catalog ids, not on English words."""
    if isinstance(text, Call):
        text = str(text.params.get("text") or text.params.get("caption") or "")
    return any(catalog_pattern(catalogs, key, language).search(text) for language in languages)


def sent_files(calls: list[Call]) -> dict[str, bytes]:
    """The documents sent, by the file name's extension ("pdf", "txt", "json")."""
    return {c.file_names["document"].rsplit(".", 1)[-1]: c.files["document"]
            for c in calls if c.method == "sendDocument"}


def lose_every_first_try(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """As if another instance touched the same rows each time: every other transaction of ``store`` commits its
    work and then raises PostgreSQL's Contention, as a lost COMMIT does. Returns the persons of the tries made."""
    tries: list[str | None] = []
    real = store.transaction

    @asynccontextmanager
    async def losing(person: str | None = None, *, isolation: Isolation = SERIALIZABLE) -> AsyncIterator[UnitOfWork]:
        tries.append(person)
        async with real(person, isolation=isolation) as work:
            yield work
            if len(tries) % 2:
                raise Contention("could not serialize access")

    monkeypatch.setattr(store, "transaction", losing)
    return tries
