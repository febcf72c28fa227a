"""The widget's connection cannot read another person's chat by guessing: a second browser (another token) sees
nothing of the first's chat, the first's button values are stale on its screen, and a ``{"start": ...}``
payload is only ever an invitation or join code: it cannot join someone else's chat, nor take an invitation
that someone else already used, and guessing codes is locked out as on Telegram."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.drawing import ProcessDrawer
from bot.i18n import Catalogs
from bot.keys import user_key
from flows.core.messages import Msg
from tests.bot.chat.test_shift_chat import flush
from tests.bot.harness import Bot, joined, said
from tests.bot.identity.test_identity import CONSENT_ITEMS, LINK, WORKER, invite_client, t
from tests.bot.test_web import OTHER, TOKEN, choose, opened
from tests.bot.test_web_push import all_out, into_chat, on_duty, run, takes_the_chat, web_and_telegram
from tests.conftest import Clock

SECRET_WORDS = "Salainen viesti vain sinulle"


async def chat_of(bot: Bot, key: str) -> tuple[int | None, str | None]:
    async with bot.services.store.transaction() as work:
        chat = await work.chats.active_for_user(key)
    return (chat.id, chat.status) if chat else (None, None)


def first_answer(socket: Any) -> dict[str, Any]:
    """What a socket gets next after ``/start``: a push meant for it would come first."""
    socket.send_json({"start": None})
    answer: dict[str, Any] = socket.receive_json()
    return answer


def test_a_second_browser_sees_nothing_of_the_first_persons_chat_and_its_buttons_are_stale(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with web_and_telegram(tmp_path, clock, catalogs, drawer) as (client, bot):
        first = user_key(bot.services.secret, "web", TOKEN)
        with opened(client) as socket, opened(client, OTHER) as stranger:
            aino = run(client, on_duty, bot, clock)
            into_chat(socket, catalogs, "Minulla on vaikeaa")
            run(client, takes_the_chat, bot, aino, catalogs)
            run(client, aino.send, SECRET_WORDS)
            run(client, flush, bot)
            assert all_out(client, bot, first)
            taken = socket.receive_json()  # with the chat's button
            assert SECRET_WORDS in socket.receive_json()["text"]
            chat_id, status = run(client, chat_of, bot, first)
            assert status == "open"

            menu = first_answer(stranger)
            assert said(catalogs, "welcome.first", menu["text"], ("fi",)) and SECRET_WORDS not in str(menu)
            end = next(b["value"] for row in taken["buttons"] for b in row
                       if b["label"] == catalogs.text("fi", Msg("chat.end")))
            stranger.send_json({"choice": end})  # the first person's "end the chat" button
            assert SECRET_WORDS not in str(stranger.receive_json())
            for guess in (str(chat_id), f"chat{chat_id}", TOKEN, first[:16]):
                stranger.send_json({"start": guess})
                answer = stranger.receive_json()
                assert said(catalogs, "invite.invalid", answer["text"], ("fi",)), answer["text"]
                assert SECRET_WORDS not in str(answer)
            assert run(client, chat_of, bot, first) == (chat_id, "open"), "the chat is untouched"
            assert run(client, chat_of, bot, user_key(bot.services.secret, "web", OTHER)) == (None, None)

            run(client, aino.send, "Vielä yksi asia")
            run(client, flush, bot)
            assert "Vielä yksi asia" in socket.receive_json()["text"]
            again = first_answer(stranger)
            assert "Vielä yksi asia" not in str(again) and SECRET_WORDS not in str(again)


def open_code(socket: Any, payload: str) -> dict[str, Any]:
    socket.send_json({"start": payload})
    answer: dict[str, Any] = socket.receive_json()
    return answer


def test_a_start_payload_cannot_take_an_invitation_meant_for_another_and_guessing_is_locked(
    tmp_path: Path, clock: Clock, catalogs: Catalogs, drawer: ProcessDrawer,
) -> None:
    with web_and_telegram(tmp_path, clock, catalogs, drawer) as (client, bot):
        _, payload = run(client, invite_client, bot, catalogs)
        with opened(client, language="en") as invited:
            offer = open_code(invited, payload)
            asked = choose(invited, offer, catalogs.text("en", Msg("invite.go_on")))
            for _ in range(CONSENT_ITEMS):
                asked = choose(invited, asked, catalogs.text("en", Msg("consent.yes")))
        with opened(client, OTHER, language="en") as stranger:
            used = open_code(stranger, payload)
            assert said(catalogs, "invite.invalid", used["text"], ("en",)), "a used code takes nobody else in"
            for guess in range(4):
                wrong = open_code(stranger, f"WRONGCODE{guess}")
                assert said(catalogs, "invite.invalid", wrong["text"], ("en",))
            _, fresh = run(client, invite_client_again, bot, catalogs)
            locked = open_code(stranger, fresh)  # even a right code, while locked out
            assert catalogs.text("en", Msg("invite.locked", {"minutes": 10})) in locked["text"]
        assert run(client, client_of, bot, TOKEN) and not run(client, client_of, bot, OTHER)


async def invite_client_again(bot: Bot, catalogs: Catalogs) -> tuple[Any, str]:
    """A second client invitation by the same worker."""
    worker = bot.user(WORKER, "fi", "Aino")
    await worker.send("/start")
    await worker.tap(t(catalogs, "fi", "menu.new_client"))
    calls = await worker.send("Orava")
    found = LINK.search(joined(calls))
    assert found, joined(calls)
    return worker, found.group(1)


async def client_of(bot: Bot, token: str) -> bool:
    async with bot.services.store.transaction() as work:
        return await work.clients.by_user(user_key(bot.services.secret, "web", token)) is not None
