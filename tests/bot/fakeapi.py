"""An in-process fake Bot API: the `BaseRequest` seam PTB's own tests use.

It answers with valid Telegram JSON, records every call, and checks each call as Telegram would (text 1..4096,
caption ..1024, callback_data 1..64 UTF-8 bytes, parameter types, known methods). A failed check is answered
with Telegram's own 400 and is also recorded in ``violations``: python-telegram-bot turns errors into
exceptions the channel logs and moves past, so the test fixture fails any test that left a violation.
Tests can ask for Telegram's faults (429 with retry_after, 5xx, time-outs, "message is not modified",
"query is too old") with ``fail_next`` or ``fail``. ``Call.at`` is when the fake received a call (monotonic), for
tests that measure pacing. It also holds updates for `getUpdates` (polling after a restart),
remembers each chat's type from the updates it saw, and simulates a user who blocked the bot.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any

from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

BOT_ID = 7000001
BOT_USER = {
    "id": BOT_ID, "is_bot": True, "first_name": "Kaari", "username": "kaari_test_bot",
    "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False,
}
TEXT_LIMIT = 4096  # UTF-16 code units, as Telegram counts them
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes of UTF-8
ANSWER_TEXT_LIMIT = 200
LINK_PREVIEW_FIELDS = {"is_disabled", "url", "prefer_small_media", "prefer_large_media", "show_above_text"}

# What Telegram answers for each fault a test can ask for: (HTTP status, description).
FAULTS: dict[str, tuple[int, str]] = {
    "429": (429, "Too Many Requests: retry after {retry_after}"),
    "5xx": (502, "Bad Gateway"),
    "not_modified": (400, "Bad Request: message is not modified: specified new message content and reply "
                          "markup are exactly the same as a current content and reply markup of the message"),
    "query_too_old": (400, "Bad Request: query is too old and response timeout expired or query ID is invalid"),
    "blocked": (403, "Forbidden: bot was blocked by the user"),
    "timeout": (0, "Timed out"),  # no answer at all: raised as PTB's TimedOut
}

# Every fake created in a test; the fixture in tests/bot/conftest.py fails the test on their violations.
LIVE: list[FakeBotAPI] = []


class UnknownMethod(AssertionError):
    """The code under test called a Bot API method the fake does not model."""


class Violation(Exception):
    """A call Telegram would refuse; carries Telegram's description."""


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, bytes]
    at: float  # time.monotonic() when the fake received it
    result: Any = None
    file_names: dict[str, str] = field(default_factory=dict)
    fault: str = ""  # the fault the fake answered with instead of a result (``fail_next``), "" when answered


@dataclass
class Fault:
    kind: str
    retry_after: int
    times: int
    chat_id: int | None = None  # only calls to this chat, or any


class FakeBotAPI(BaseRequest):
    """Records calls; ``calls`` is everything the bot sent, in order."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.unknown: list[str] = []
        self.violations: list[str] = []
        self.pending_updates: list[dict[str, Any]] = []
        self.blocked_chats: set[int] = set()
        self.chats: dict[int, dict[str, Any]] = {}
        self.faults: dict[str, list[Fault]] = {}
        self.next_message_id = 1000
        self.webhook: dict[str, Any] = {}
        self._update_event: asyncio.Event | None = None
        self._current: Call | None = None
        LIVE.append(self)

    # --- BaseRequest -------------------------------------------------------------------------------
    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None,
        read_timeout: Any = None, write_timeout: Any = None, connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        files: dict[str, bytes] = {}
        file_names: dict[str, str] = {}
        if request_data is not None and request_data.contains_files:
            for name, part in request_data.multipart_data.items():
                content = part[1]
                files[name] = content if isinstance(content, bytes) else content.read()
                file_names[name] = part[0]
        call = Call(api_method, params, files, time.monotonic(), file_names=file_names)
        handler = getattr(self, f"api_{api_method}", None)
        if handler is None:
            self.calls.append(call)
            self.unknown.append(api_method)
            self.violations.append(f"{api_method}: a method the fake does not know")
            raise UnknownMethod(f"fake Bot API does not know {api_method!r}")
        if api_method != "getUpdates":
            self.calls.append(call)
        chat_id = params.get("chat_id")
        if isinstance(chat_id, int) and chat_id in self.blocked_chats:
            return self._error(403, "Forbidden: bot was blocked by the user")
        fault = self._take_fault(api_method, chat_id)
        if fault is not None:
            call.fault = fault.kind
            return self._fault(fault)
        self._current = call
        try:
            call.result = await handler(params) if api_method == "getUpdates" else handler(params)
        except Violation as refused:
            self.violations.append(f"{api_method}: {refused}")
            return self._error(400, f"Bad Request: {refused}")
        return 200, json.dumps({"ok": True, "result": call.result}).encode()

    @staticmethod
    def _error(code: int, description: str, **parameters: Any) -> tuple[int, bytes]:
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if parameters:
            body["parameters"] = parameters
        return code, json.dumps(body).encode()

    # --- faults ------------------------------------------------------------------------------------
    def fail_next(
        self, method: str, kind: str = "429", retry_after: int = 1, times: int = 1, chat_id: int | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (to ``chat_id``, or any chat) with a fault Telegram
        gives (see ``FAULTS``)."""
        assert kind in FAULTS, f"unknown fault {kind!r}; the fake knows {sorted(FAULTS)}"
        assert hasattr(self, f"api_{method}"), f"the fake does not model {method!r}"
        self.faults.setdefault(method, []).append(Fault(kind, retry_after, times, chat_id))

    def fail(self, method: str, *answers: str, chat_id: int | None = None) -> None:
        """The next calls of ``method`` (to ``chat_id``, or any chat) fail, one answer each, in turn: "5xx" (502
        Bad Gateway), "429" (Too Many Requests, retry_after 3) or "timeout"."""
        assert all(answer in ("5xx", "429", "timeout") for answer in answers), answers
        for answer in answers:
            self.fail_next(method, answer, retry_after=3, chat_id=chat_id)

    def _take_fault(self, method: str, chat_id: object) -> Fault | None:
        queue = self.faults.get(method, [])
        fault = next((f for f in queue if f.chat_id in (None, chat_id)), None)
        if fault is None:
            return None
        fault.times -= 1
        if fault.times <= 0:
            queue.remove(fault)
        return fault

    def _fault(self, fault: Fault) -> tuple[int, bytes]:
        code, description = FAULTS[fault.kind]
        if fault.kind == "timeout":
            raise TimedOut("Timed out")
        if fault.kind == "429":
            return self._error(code, description.format(retry_after=fault.retry_after),
                               retry_after=fault.retry_after)
        return self._error(code, description)

    def failed(self) -> list[Call]:
        """Calls the fake answered with an asked-for fault, in order."""
        return [c for c in self.calls if c.fault]

    # --- checks ------------------------------------------------------------------------------------
    def take_violations(self) -> list[str]:
        """The violations so far, forgotten: for a test that provokes one on purpose."""
        taken, self.violations = self.violations, []
        self.unknown.clear()
        return taken

    def check(self) -> None:
        """Fail (AssertionError) if any call broke Telegram's rules or used an unknown method."""
        assert not self.violations, f"the bot made calls Telegram would refuse: {self.violations}"

    @staticmethod
    def _chat_id(params: dict[str, Any]) -> int:
        chat_id = params.get("chat_id")
        if isinstance(chat_id, bool) or not isinstance(chat_id, int | str):
            raise Violation(f"chat_id must be an integer or a string, not {type(chat_id).__name__}")
        try:
            return int(chat_id)
        except ValueError:
            raise Violation("chat not found") from None

    @staticmethod
    def _text(params: dict[str, Any], name: str, low: int, high: int) -> str:
        value = params.get(name, "")
        if not isinstance(value, str):
            raise Violation(f"{name} must be a string, not {type(value).__name__}")
        units = len(value.encode("utf-16-le")) // 2  # Telegram counts UTF-16 code units
        if (low and not value.strip()) or units > high:
            raise Violation(f"{name} of {units} UTF-16 units is outside Telegram's {low}..{high}")
        return value

    @staticmethod
    def _markup(params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        markup = json.loads(markup) if isinstance(markup, str) else markup
        if not isinstance(markup, dict) or not isinstance(markup.get("inline_keyboard"), list):
            raise Violation("reply_markup must be an inline keyboard")
        for row in markup["inline_keyboard"]:
            for button in row:
                if not isinstance(button.get("text"), str) or not button["text"].strip():
                    raise Violation("BUTTON_TEXT_INVALID")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= CALLBACK_DATA_LIMIT:
                    raise Violation(f"BUTTON_DATA_INVALID ({len(str(data).encode())} bytes)")
        return markup

    @staticmethod
    def _link_preview(params: dict[str, Any]) -> dict[str, Any] | None:
        """LinkPreviewOptions as Telegram reads them (a JSON object of known fields), or None when not given."""
        options = params.get("link_preview_options")
        if options is None:
            return None
        options = json.loads(options) if isinstance(options, str) else options
        if not isinstance(options, dict) or set(options) - LINK_PREVIEW_FIELDS:
            raise Violation(f"link_preview_options must be a LinkPreviewOptions object, not {options!r}")
        if not isinstance(options.get("is_disabled", False), bool):
            raise Violation("link_preview_options.is_disabled must be a boolean")
        return options

    @staticmethod
    def preview_disabled(call: Call) -> bool:
        """Whether a sent text asked Telegram not to show a preview of its links."""
        options = call.params.get("link_preview_options")
        options = json.loads(options) if isinstance(options, str) else options or {}
        return bool(options.get("is_disabled"))

    @staticmethod
    def _int(params: dict[str, Any], name: str) -> int:
        value = params.get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise Violation(f"{name} must be an integer, not {type(value).__name__}")
        return value

    # --- helpers -----------------------------------------------------------------------------------
    def see(self, update: dict[str, Any]) -> None:
        """Remember the chats an update comes from, as Telegram knows every chat's type."""
        for key in ("message", "edited_message", "callback_query"):
            message = update.get(key)
            if key == "callback_query" and message is not None:
                message = message.get("message")
            if isinstance(message, dict) and isinstance(message.get("chat"), dict):
                self.chats[int(message["chat"]["id"])] = dict(message["chat"])

    def _message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        self.next_message_id += 1
        chat_id = self._chat_id(params)
        message: dict[str, Any] = {
            "message_id": params.get("message_id", self.next_message_id),
            "date": int(time.time()),
            "chat": self.chats.get(chat_id, {"id": chat_id, "type": "private", "first_name": "Nuori"}),
            "from": BOT_USER,
            **content,
        }
        markup = self._markup(params)
        if markup:
            message["reply_markup"] = markup
        return message

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Calls that put something into a chat (optionally one chat), in order."""
        return [c for c in self.calls if c.method.startswith(("send", "edit")) and not c.fault
                and (chat_id is None or c.params.get("chat_id") == chat_id)]

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for `getUpdates`, as if Telegram held it while the bot was down."""
        self.see(update)
        self.pending_updates.append(update)
        if self._update_event is not None:
            self._update_event.set()

    # --- methods -----------------------------------------------------------------------------------
    def api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    def api_setMyCommands(self, params: dict[str, Any]) -> bool:
        for command in params["commands"]:
            if not 1 <= len(command["command"]) <= 32 or not 1 <= len(command["description"]) <= 256:
                raise Violation(f"BOT_COMMAND_INVALID {command!r}")
        return True

    def api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {}
        return True

    def api_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = params
        return True

    def api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        text = self._text(params, "text", 1, TEXT_LIMIT)
        options = self._link_preview(params)
        return self._message(params, text=text, **({"link_preview_options": options} if options else {}))

    def api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        caption = self._text(params, "caption", 0, CAPTION_LIMIT)
        photo = [{"file_id": "photo-1", "file_unique_id": "u1", "width": 800, "height": 880, "file_size": 1}]
        return self._message(params, photo=photo, caption=caption)

    def api_sendSticker(self, params: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(params.get("sticker"), str):
            raise Violation("stickers are passed on by file id")
        sticker = {"file_id": params["sticker"], "file_unique_id": "su", "type": "regular", "width": 512,
                   "height": 512, "is_animated": False, "is_video": False}
        return self._message(params, sticker=sticker)

    def api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        caption = self._text(params, "caption", 0, CAPTION_LIMIT)
        name = self._current.file_names.get("document") if self._current is not None else None
        if not name:
            raise Violation("a document is uploaded with a file name")
        document = {"file_id": "doc-1", "file_unique_id": "d1", "file_name": name, "file_size": 1}
        return self._message(params, document=document, caption=caption)

    def api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        self._int(params, "message_id")
        text = self._text(params, "text", 1, TEXT_LIMIT)
        return self._message(params, text=text, edit_date=int(time.time()))

    def api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        self._int(params, "message_id")
        return self._message(params, text="(edited)", edit_date=int(time.time()))

    def api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        if not isinstance(params.get("callback_query_id"), str):
            raise Violation("callback_query_id must be a string")
        self._text(params, "text", 0, ANSWER_TEXT_LIMIT)
        return True

    async def api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        self.pending_updates = [u for u in self.pending_updates if u["update_id"] >= offset]
        if not self.pending_updates:
            # Long polling: wait a little for an update instead of spinning.
            self._update_event = asyncio.Event()
            try:
                await asyncio.wait_for(self._update_event.wait(), timeout=0.2)
            except TimeoutError:
                return []
        return list(self.pending_updates)
