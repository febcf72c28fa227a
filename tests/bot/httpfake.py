"""The fake Bot API (`tests/bot/fakeapi.py`) served over HTTP on 127.0.0.1, for a bot run as a subprocess.

python-telegram-bot posts each call as a form (``RequestData.json_parameters``: strings as they are, everything
else as JSON) or, with files, as multipart. This server decodes that back into the parameters PTB meant and
hands them to the same `FakeBotAPI`, so every check, record and fault of the in-process fake applies here too
(an unknown method or a refused call is a violation the test fixture fails on); `getUpdates` long-polls up to
its ``timeout`` here. ``before`` and ``after`` let a
test act on what the fake observes (kill the bot when a given call arrives, say); ``before`` may answer
instead of the fake (returning a status) and the call is then not recorded: it never reached Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import Awaitable, Callable
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import InputFile
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from tests.bot.fakeapi import Call, FakeBotAPI, UnknownMethod

# Parameters PTB sends as plain strings (never JSON-encoded); any other value is JSON.
STRING_PARAMETERS = frozenset({
    "text", "caption", "callback_query_id", "parse_mode", "sticker", "photo", "document", "url",
    "secret_token", "inline_message_id", "description", "short_description", "name", "language_code",
})

Before = Callable[[str, dict[str, Any]], Awaitable[int | None]]
After = Callable[[str, dict[str, Any], Call | None], Awaitable[None]]


def decode(fields: dict[str, str]) -> dict[str, Any]:
    """PTB's form fields back into the values it meant."""
    params: dict[str, Any] = {}
    for name, raw in fields.items():
        if name in STRING_PARAMETERS:
            params[name] = raw
            continue
        try:
            params[name] = json.loads(raw)
        except ValueError:
            params[name] = raw
    return params


def parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    """Fields and files (name -> (file name, content)) of a multipart/form-data body."""
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for part in message.iter_parts():
        name = str(part.get_param("name", header="content-disposition"))
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = (filename, content)
        else:
            fields[name] = content.decode()
    return fields, files


async def _nothing_before(method: str, params: dict[str, Any]) -> int | None:
    return None


async def _nothing_after(method: str, params: dict[str, Any], call: Call | None) -> None:
    return None


LONG_POLL_CAP = 2.0  # seconds: a getUpdates waits for an update up to its timeout, at most this long


class LongPollingFakeBotAPI(FakeBotAPI):
    """`getUpdates` waits up to its ``timeout`` (capped) for an update, as Telegram does; several waiting calls
    (one from a process just killed, one from its successor) are all woken by a new update."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting: set[asyncio.Event] = set()

    def push_update(self, update: dict[str, Any]) -> None:
        super().push_update(update)
        for event in self.waiting:
            event.set()

    async def api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)  # confirms every update below it
        self.pending_updates = [u for u in self.pending_updates if u["update_id"] >= offset]
        wait = min(float(params.get("timeout") or 0), LONG_POLL_CAP)
        if not self.pending_updates and wait > 0:
            event = asyncio.Event()
            self.waiting.add(event)
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), wait)
            finally:
                self.waiting.discard(event)
        limit = int(params.get("limit") or 100)
        return [u for u in self.pending_updates if u["update_id"] >= offset][:limit]


class HttpFakeBotAPI:
    """A `FakeBotAPI` behind a real HTTP server; ``url`` and ``file_url`` are for KAARI_TELEGRAM_*_URL."""

    def __init__(self) -> None:
        self.api = LongPollingFakeBotAPI()
        self.before: Before = _nothing_before
        self.after: After = _nothing_after
        self.changed = asyncio.Event()  # set on every call the fake answered (a test waits on it)
        self.token_of: dict[int, str] = {}  # id(call) -> the bot token in its URL: which process made it
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port = int(self._socket.getsockname()[1])
        app = Starlette(routes=[Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])])
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False))
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def start(self) -> None:
        """Serve in the background; returns once the server listens."""
        self._task = asyncio.create_task(self._server.serve(sockets=[self._socket]))
        while not self._server.started:
            assert not self._task.done(), "the fake Bot API server did not start"
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        """Stop serving (open long polls are cut)."""
        self._server.should_exit = True
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._task, 5)
        self._socket.close()

    async def _endpoint(self, request: Request) -> Response:
        method = request.path_params["method"]
        body = await request.body()
        content_type = request.headers.get("content-type", "")
        files: dict[str, tuple[str, bytes]] = {}
        if content_type.startswith("multipart/form-data"):
            fields, files = parse_multipart(content_type, body)
        else:
            fields = dict(parse_qsl(body.decode(), keep_blank_values=True))
        params = decode(fields)
        refused = await self.before(method, params)
        if refused is not None:  # the test answered instead: the call never reached "Telegram"
            return Response(json.dumps({"ok": False, "error_code": refused, "description": "Bad Gateway"}),
                            refused, media_type="application/json")
        parameters = [RequestParameter(name, value, None) for name, value in params.items()]
        parameters += [RequestParameter(name, None, [InputFile(content, filename=file_name)])
                       for name, (file_name, content) in files.items()]
        data = RequestData(parameters)
        count = len(self.api.calls)
        try:
            status, answer = await self.api.do_request(f"{self.url}x/{method}", "POST", data)
        except UnknownMethod:  # recorded as a violation by the fake: the test fails at its end
            status, answer = 404, json.dumps({"ok": False, "error_code": 404, "description": "Not Found"}).encode()
        call = self.api.calls[-1] if len(self.api.calls) > count else None
        if call is not None:
            self.token_of[id(call)] = request.path_params["token"]
        await self.after(method, params, call)
        self.changed.set()
        return Response(answer, status, media_type="application/json")
