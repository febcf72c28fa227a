"""Webhook mode through the ASGI app: 200 only after the handler committed, a clear status for everything else."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.settings import Settings, load_settings
from bot.webhook import SECRET_HEADER, build_web_app, telegram_routes
from tests.bot.harness import Bot, bot_settings, start_bot
from tests.conftest import Clock

SECRET = "s3cret-token"
LIMIT = 4096


async def web_bot(tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer) -> tuple[
        Bot, httpx.AsyncClient]:
    bot = await start_bot(bot_settings(tmp_path / "k.sqlite3"), clock, catalogs, drawer)
    app = build_web_app(telegram_routes(bot.application, SECRET, LIMIT))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kaari")
    return bot, client


async def test_the_webhook_answers_only_after_the_commit_and_a_repeat_changes_nothing(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    bot, client = await web_bot(tmp_path, clock, catalogs, drawer)
    user = bot.user(language="en")
    update = user.message_update("/start")
    try:
        answer = await client.post("/telegram", json=update, headers={SECRET_HEADER: SECRET})
        assert answer.status_code == 200
        # Already committed and answered when Telegram hears 200 (nothing to wait for).
        assert len(bot.api.sent(user.id)) == 1
        async with bot.services.store.transaction() as work:
            assert await work.receipts.add(update["update_id"], clock()) is False
        again = await client.post("/telegram", json=update, headers={SECRET_HEADER: SECRET})
        assert again.status_code == 200 and len(bot.api.sent(user.id)) == 1
    finally:
        await client.aclose()
        await bot.stop()


async def test_the_webhook_refuses_bad_requests_with_clear_statuses(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    bot, client = await web_bot(tmp_path, clock, catalogs, drawer)
    user = bot.user(language="en")
    read: list[int] = []

    async def huge() -> AsyncIterator[bytes]:
        for n in range(1000):
            read.append(n)
            yield b"x" * 1024

    try:
        post = client.post
        assert (await post("/telegram", json=user.message_update("/start"))).status_code == 403
        wrong = {SECRET_HEADER: "nope"}
        assert (await post("/telegram", json=user.message_update("/start"), headers=wrong)).status_code == 403
        good = {SECRET_HEADER: SECRET}
        assert (await post("/telegram", content=b"{not json", headers=good)).status_code == 400
        assert (await post("/telegram", content=b"[1, 2]", headers=good)).status_code == 400
        assert (await post("/telegram", content=b'{"update_id": "x"}', headers=good)).status_code == 400
        declared = {**good, "Content-Length": str(1000 * 1024)}
        assert (await post("/telegram", content=huge(), headers=declared)).status_code == 413
        assert read == []  # refused on its declared size, nothing read
        assert (await post("/telegram", content=huge(), headers=good)).status_code == 413  # no length given
        assert len(read) <= LIMIT // 1024 + 2  # reading stopped at the limit
        assert not bot.api.sent(user.id)
    finally:
        await client.aclose()
        await bot.stop()


async def test_a_failed_handler_gets_500_so_that_telegram_sends_it_again(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    bot, client = await web_bot(tmp_path, clock, catalogs, drawer)
    bot.expect_errors = True
    user = bot.user(language="en")
    update = user.message_update("/start")
    handle = bot.services.engine.handle

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database went away")

    try:
        bot.services.engine.handle = broken  # type: ignore[method-assign,assignment]
        answer = await client.post("/telegram", json=update, headers={SECRET_HEADER: SECRET})
        assert answer.status_code == 500
        bot.services.engine.handle = handle  # type: ignore[method-assign]
        retried = await client.post("/telegram", content=json.dumps(update), headers={SECRET_HEADER: SECRET})
        assert retried.status_code == 200  # the input was not committed the first time: handled now
    finally:
        await client.aclose()
        await bot.stop()


def test_the_webhook_listens_on_localhost_with_a_body_limit_by_default() -> None:
    settings = load_settings({"KAARI_TELEGRAM_TOKEN": "1:x", "KAARI_WEBHOOK_MAX_BODY": "2048"})
    assert Settings().listen == "127.0.0.1" and Settings().webhook_max_body == 1 << 20
    assert settings.webhook_max_body == 2048
