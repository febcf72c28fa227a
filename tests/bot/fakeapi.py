"""An in-process fake Bot API: the `BaseRequest` seam PTB's own tests use.

It answers with valid Telegram JSON, records every call, and fails loudly on a method it does not know.
It can also hold updates for `getUpdates` (to test polling after a restart), simulate a user who
blocked the bot, and fail chosen calls as Telegram does at times (`fail`: 5xx, 429 with retry_after, a
time-out). ``Call.at`` is when the fake received a call (monotonic), for tests that measure pacing.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

BOT_ID = 7000001
BOT_USER = {
    "id": BOT_ID, "is_bot": True, "first_name": "Kaari", "username": "kaari_test_bot",
    "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False,
}


class UnknownMethod(AssertionError):
    """The code under test called a Bot API method the fake does not model."""


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    files: dict[str, bytes]
    at: float  # time.monotonic() when the fake received it
    result: Any = None
    fault: str = ""  # how the fake failed it (see FakeBotAPI.fail), "" when answered


class FakeBotAPI(BaseRequest):
    """Records calls; ``calls`` is everything the bot sent, in order."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.unknown: list[str] = []
        self.pending_updates: list[dict[str, Any]] = []
        self.blocked_chats: set[int] = set()
        self.next_message_id = 1000
        self.webhook: dict[str, Any] = {}
        self._update_event: asyncio.Event | None = None
        self.faults: list[tuple[str, int | None, str]] = []

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
        if request_data is not None and request_data.contains_files:
            for name, part in request_data.multipart_data.items():
                content = part[1]
                files[name] = content if isinstance(content, bytes) else content.read()
        handler = getattr(self, f"api_{api_method}", None)
        if handler is None:
            self.calls.append(Call(api_method, params, files, time.monotonic()))
            self.unknown.append(api_method)  # PTB turns the raise into a NetworkError: the harness checks this
            raise UnknownMethod(f"fake Bot API does not know {api_method!r}")
        call = Call(api_method, params, files, time.monotonic())
        if api_method != "getUpdates":
            self.calls.append(call)
        chat_id = params.get("chat_id")
        if isinstance(chat_id, int) and chat_id in self.blocked_chats:
            return self._error(403, "Forbidden: bot was blocked by the user")
        fault = next((f for f in self.faults if f[0] == api_method and f[1] in (None, chat_id)), None)
        if fault is not None:
            self.faults.remove(fault)
            call.fault = fault[2]
            return self._fault(fault[2])
        call.result = await handler(params) if api_method == "getUpdates" else handler(params)
        return 200, json.dumps({"ok": True, "result": call.result}).encode()

    @staticmethod
    def _error(code: int, description: str) -> tuple[int, bytes]:
        return code, json.dumps({"ok": False, "error_code": code, "description": description}).encode()

    def fail(self, method: str, *answers: str, chat_id: int | None = None) -> None:
        """The next calls of ``method`` (to ``chat_id``, or any chat) fail, one answer each, in turn: "5xx" (502
        Bad Gateway), "429" (Too Many Requests, retry_after 3) or "timeout"."""
        assert all(answer in ("5xx", "429", "timeout") for answer in answers), answers
        self.faults.extend((method, chat_id, answer) for answer in answers)

    def _fault(self, answer: str) -> tuple[int, bytes]:
        if answer == "timeout":
            raise TimedOut("fake time-out")
        if answer == "429":
            body = {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 3",
                    "parameters": {"retry_after": 3}}
            return 429, json.dumps(body).encode()
        return self._error(502, "Bad Gateway")

    # --- helpers -----------------------------------------------------------------------------------
    def _message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        self.next_message_id += 1
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": params.get("message_id", self.next_message_id),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Nuori"},
            "from": BOT_USER,
            **content,
        }
        if params.get("reply_markup"):
            markup = params["reply_markup"]
            message["reply_markup"] = json.loads(markup) if isinstance(markup, str) else markup
        return message

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Calls that put something into a chat (optionally one chat), in order."""
        return [c for c in self.calls if c.method.startswith(("send", "edit"))
                and (chat_id is None or c.params.get("chat_id") == chat_id)]

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for `getUpdates`, as if Telegram held it while the bot was down."""
        self.pending_updates.append(update)
        if self._update_event is not None:
            self._update_event.set()

    # --- methods -----------------------------------------------------------------------------------
    def api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT_USER

    def api_setMyCommands(self, params: dict[str, Any]) -> bool:
        assert all(len(c["description"]) <= 256 for c in params["commands"])
        return True

    def api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {}
        return True

    def api_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = params
        return True

    def api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        text = params["text"]
        units = len(text.encode("utf-16-le")) // 2  # Telegram counts UTF-16 code units
        if not text.strip() or units > 4096:
            raise AssertionError(f"message text of {units} UTF-16 units is outside Telegram's 1..4096")
        return self._message(params, text=text)

    def api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        photo = [{"file_id": "photo-1", "file_unique_id": "u1", "width": 800, "height": 880, "file_size": 1}]
        assert len(params.get("caption", "").encode("utf-16-le")) // 2 <= 1024
        return self._message(params, photo=photo, caption=params.get("caption", ""))

    def api_sendSticker(self, params: dict[str, Any]) -> dict[str, Any]:
        assert isinstance(params["sticker"], str), "stickers are passed on by file id"
        sticker = {"file_id": params["sticker"], "file_unique_id": "su", "type": "regular", "width": 512,
                   "height": 512, "is_animated": False, "is_video": False}
        return self._message(params, sticker=sticker)

    def api_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        document = {"file_id": "doc-1", "file_unique_id": "d1", "file_name": "file", "file_size": 1}
        return self._message(params, document=document, caption=params.get("caption", ""))

    def api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        assert len(params["text"].encode("utf-16-le")) // 2 <= 4096
        return self._message(params, text=params["text"], edit_date=int(time.time()))

    def api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._message(params, text="(edited)", edit_date=int(time.time()))

    def api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
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
