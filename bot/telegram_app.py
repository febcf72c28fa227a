"""The Telegram channel: updates become engine inputs, replies become Bot API calls. Handlers stay thin."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial
from typing import Any

from telegram import Bot, BotCommand, Message, Update
from telegram.constants import ChatType
from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.bootstrap import Services
from bot.bot_api import Markup, edit_text, inline_keyboard, remove_keyboard, send_text
from bot.commands import COMMAND_TEXTS
from bot.flood import person_gate
from bot.i18n import LinkFormat
from bot.keys import user_key
from bot.metrics import BLOCKED, DUPLICATE, FLOODED, HANDLED, REFUSED, TRANSIENT, arrival
from bot.metrics import FAILED as UPDATE_FAILED
from bot.ratelimit import ChatPacedRateLimiter
from bot.render import (
    TELEGRAM_TEXT_LIMIT,
    DocumentOut,
    MediaOut,
    Outgoing,
    PhotoOut,
    TextOut,
    render,
    split_text,
    telegram_length,
)
from bot.ticker import Push, Sent, remember_sent, retry_delay
from flows.core import inputs
from flows.core.contention import transact
from flows.core.messages import LANGUAGES, N_, Msg
from flows.core.results import Reply
from storage.ports import ConnectionLost, UnitOfWork

log = logging.getLogger(__name__)
# A deep link's payload that names a chat service rather than a code (codes have no '_').
CHAT_LINK = "chat_"

COMMANDS = tuple(COMMAND_TEXTS)
CHANNEL = "tg"
Call = Callable[[], Awaitable[object]]
# bot_data key: update ids whose handler failed, so that the webhook answers 500 and Telegram sends them again.
FAILED = "failed_updates"
# bot_data key: update ids not to confirm at all (the database went away: ConnectionLost), so that polling leaves
# them to be fetched again too; the person is not told of a failure, their update will simply be done.
UNCONFIRMED = "unconfirmed_updates"


def callback_data(step: int, value: str) -> str:
    return f"{step}|{value}"


# A step is a few ASCII digits: str.isdigit also takes "²" (int() refuses it) and other scripts' digits.
_STEP = re.compile(r"[0-9]{1,18}")
CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's own limit


def parse_callback(data: str) -> inputs.Choice | None:
    """The tapped option in a button's data, or None for anything Kaari did not write (a stale button's path)."""
    step, separator, value = data.partition("|")
    if not separator or not value or not _STEP.fullmatch(step) or len(data.encode()) > CALLBACK_DATA_LIMIT:
        return None
    return inputs.Choice(int(step), value)


def is_private(update: Update) -> bool:
    """The update comes from the person's own private chat with the bot (not a group, a channel, or nowhere)."""
    chat, user = update.effective_chat, update.effective_user
    return chat is not None and user is not None and chat.type == ChatType.PRIVATE and chat.id == user.id


def keyboard(out: TextOut) -> Markup | None:
    """The message's buttons as Telegram's inline keyboard."""
    return inline_keyboard([[(b.label, callback_data(b.step, b.value)) for b in row] for row in out.buttons])


class TelegramChannel:
    """Handlers for one Application, bound to the services they serve."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.flood = person_gate(services)

    def key_of(self, update: Update) -> str:
        assert update.effective_user is not None
        return user_key(self.services.secret, CHANNEL, update.effective_user.id)

    @staticmethod
    def language_hint(update: Update) -> str | None:
        code = update.effective_user.language_code if update.effective_user else None
        return code[:2].lower() if code else None

    def known_language(self, update: Update) -> str:
        """The Telegram language if Kaari speaks it, else the default (no database look-up needed)."""
        hint = self.language_hint(update)
        return hint if hint in LANGUAGES else self.services.settings.default_language

    async def deliver(
        self, update: Update, context: ContextTypes.DEFAULT_TYPE, given: inputs.Input,
        before_sending: Callable[[Reply], Awaitable[None]] | None = None,
    ) -> None:
        chat = update.effective_chat
        if chat is None or not is_private(update):  # the handlers let only private chats through; never a group
            log.warning("telegram.not_private update=%s", update.update_id)
            return
        key, chat_id = self.key_of(update), chat.id
        metrics, arrived = self.services.metrics, arrival()

        async def tell(note: Msg) -> None:
            await self.send(context, chat_id, [TextOut(self.services.catalogs.text(self.known_language(update), note))])

        if not await self.flood.admit(key, given, tell):  # too fast: told, never silently dropped
            metrics.update(CHANNEL, FLOODED)
            return
        sealed = self.services.sealer.seal(chat.id)
        # The input, its receipt and its reply (an outbox row) commit together; then the reply goes out at once.
        reply = await self.services.engine.handle(
            key, given, self.language_hint(update), channel=CHANNEL, contact=sealed,
            receipt=update.update_id, reply_to=sealed)
        if reply.duplicate:
            metrics.update(CHANNEL, DUPLICATE)
            return  # handled before a crash: its reply is in the outbox already, sent by the ticker
        committed = time.perf_counter()
        metrics.reply_commit.labels(CHANNEL).observe(committed - arrived)
        self.services.wake.set()  # what the update queued for others (a chat message) goes out now
        if before_sending is not None:
            await before_sending(reply)
        username = context.bot.username

        def link(payload: str) -> str:
            return f"https://t.me/{username}?start={payload}"

        outgoing = await render(reply, self.services.catalogs, self.services.drawer, link)
        sent, failure = await self._send(context, chat.id, outgoing)
        metrics.reply_send.labels(CHANNEL).observe(time.perf_counter() - committed)
        metrics.update(CHANNEL, HANDLED)
        await remember_sent(self.services, key, sent)
        if reply.outbox is not None:
            await self._settle_reply(reply.outbox, failure)

    async def _settle_reply(self, outbox_id: int, failure: TelegramError | None) -> None:
        """Finish the reply's outbox row, or hand it to the ticker's retry when Telegram kept failing (a
        time-out, 5xx or 429): the whole reply is sent again, in order, so nothing is lost (at least once)."""
        now = self.services.engine.clock()
        if failure is None:
            # Marked sent in the next transaction, whoever opens it (the ticker's round at the latest): one
            # transaction less per update. A crash before then leaves it 'sending': sent again at start.
            async def sent(work: UnitOfWork) -> None:
                await work.outbox.finish(outbox_id, "sent", now)

            self.services.store.defer(sent)
            return
        if isinstance(failure, Forbidden):
            await transact(self.services.store, lambda work: work.outbox.finish(outbox_id, "failed", now),
                           what="reply_failed")
            return
        await transact(self.services.store, lambda work: work.outbox.retry(
            outbox_id, now + timedelta(seconds=retry_delay(1, failure)), 1), what="reply_retry")
        log.warning("telegram.reply_retry outbox=%d error=%s", outbox_id, type(failure).__name__)
        self.services.wake.set()

    @staticmethod
    def calls(bot: Bot, chat_id: int, outgoing: list[Outgoing]) -> list[tuple[Call, int | None]]:
        """The Bot API calls that send ``outgoing``, in order, each with the chat its message is about."""
        return [(call, out.about if isinstance(out, TextOut | MediaOut) else None)
                for out in outgoing for call in TelegramChannel._calls(bot, chat_id, out)]

    @staticmethod
    def _calls(bot: Bot, chat_id: int, out: Outgoing) -> list[Call]:
        """The Bot API calls that send one message (a long text goes in pieces)."""
        calls: list[Call] = []
        if isinstance(out, PhotoOut):
            calls.append(partial(bot.send_photo, chat_id, photo=out.png, caption=out.caption))
        elif isinstance(out, DocumentOut):
            calls.append(partial(bot.send_document, chat_id, document=out.content,
                                 filename=out.filename, caption=out.caption or None))
        elif isinstance(out, MediaOut) and out.kind == "photo":
            calls.append(partial(bot.send_photo, chat_id, photo=out.ref, caption=out.caption))
        elif isinstance(out, MediaOut):  # a sticker has no caption: the label goes first
            calls.append(partial(bot.send_message, chat_id, out.caption))
            calls.append(partial(bot.send_sticker, chat_id, sticker=out.ref))
        else:
            pieces = split_text(out.text)
            # Texts, the most sent by far, return only the new message's id (see bot.bot_api).
            calls.extend(partial(send_text, bot, chat_id, piece, None, out.preview) for piece in pieces[:-1])
            calls.append(partial(send_text, bot, chat_id, pieces[-1], keyboard(out), out.preview))
        return calls

    async def push(self, bot: Bot, chat_id: int, outgoing: list[Outgoing]) -> Sent:
        """Send a push (the ticker's): any failure is raised, so that the row is retried or marked failed.
        Returns the messages sent about a chat (see `bot.ticker.remember_sent`)."""
        sent: Sent = []
        for call, about in self.calls(bot, chat_id, outgoing):
            _note(sent, about, await call())
            self.services.metrics.sent(CHANNEL)
        return sent

    async def send(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, outgoing: list[Outgoing]) -> Sent:
        """Send a message that is not kept in the outbox (a note); returns the messages sent about a chat."""
        return (await self._send(context, chat_id, outgoing))[0]

    async def _send(
        self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, outgoing: list[Outgoing],
    ) -> tuple[Sent, TelegramError | None]:
        """Send every message of a reply in order, each retried once at once. Returns the messages sent about a
        chat (as `push` does) and what stopped the sending: the person blocked the bot, or Telegram kept failing
        (a time-out, 5xx or 429: the rest waits for the outbox's retry, so the order holds). A message Telegram
        refuses outright is skipped, so it cannot take the rest with it."""
        sent: Sent = []
        metrics = self.services.metrics
        for call, about in self.calls(context.bot, chat_id, outgoing):
            for attempt in (1, 2):
                try:
                    _note(sent, about, await call())
                    metrics.sent(CHANNEL)
                    break
                except Forbidden as error:
                    log.info("telegram.blocked")  # the person blocked the bot: nothing more to send
                    metrics.failed(BLOCKED)
                    return sent, error
                except (TimedOut, NetworkError, RetryAfter) as error:
                    log.warning("telegram.send_failed attempt=%d error=%s", attempt, type(error).__name__)
                    metrics.failed(TRANSIENT)
                    if attempt == 2:
                        return sent, error
                except TelegramError as error:
                    log.error("telegram.send_failed error=%s", type(error).__name__)
                    metrics.failed(REFUSED)
                    break
        return sent, None

    # --- handlers -------------------------------------------------------------------------------
    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        # A deep link's invitation code, or one typed after /start: "m717 98bv 4wn0" is one code in three parts,
        # read like the code typed at "I have a code" (flows.core.codes.normalise).
        payload = " ".join(context.args)[:64] if context.args else None
        service = payload.removeprefix(CHAT_LINK) if payload and payload.startswith(CHAT_LINK) else None
        if service:
            # A link to one chat service (t.me/<bot>?start=chat_<service id>) opens the chat there: the service
            # implies its region, so nobody is asked which (#14); an unknown one asks, as /chat does.
            await self.deliver(update, context, inputs.Command("chat", known=True, about=service))
            return
        await self.deliver(update, context, inputs.Start(payload))

    async def on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text is not None
        name = update.effective_message.text.split()[0].lstrip("/").split("@")[0].lower()
        await self.deliver(update, context, inputs.Command(name, known=name in COMMANDS))

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        replied = message.reply_to_message
        # A swipe-reply to one of the bot's messages: only its id is passed on; what it was about is what the
        # bot recorded when sending it, never its text (that may be a young person's words).
        reply_to = replied.message_id if (
            replied is not None and replied.from_user is not None and replied.from_user.is_bot) else None
        await self.deliver(update, context, inputs.Text(message.text or "", reply_to))

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        given: inputs.Input
        if message is not None and message.photo:  # the largest size; a chat passes it on by its file id
            given = inputs.Media("photo", message.photo[-1].file_id, message.caption or "")
        elif message is not None and message.sticker:
            given = inputs.Media("sticker", message.sticker.file_id)
        else:
            given = inputs.Unsupported(next((k for k in ("voice", "video", "document", "location", "animation")
                                             if message is not None and getattr(message, k, None)), "other"))
        await self.deliver(update, context, given)

    async def on_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A command in a group: point to the private chat, store nothing."""
        assert update.effective_chat is not None
        await context.bot.send_message(update.effective_chat.id, self.services.catalogs.text(
            self.known_language(update), Msg(N_("error.private_only"))))

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        # A button in a group (or one without a chat) is never the person's own conversation: the engine never
        # sees it and nothing is stored; only the tapper sees the answer, the group gets nothing.
        private = is_private(update)
        notice = None if private else self.services.catalogs.text(
            self.known_language(update), Msg(N_("error.private_only")))
        try:
            await query.answer(notice, show_alert=not private)  # also stops the spinner
        except TelegramError as error:
            log.info("telegram.answer_failed reason=%s", type(error).__name__)
        if not private:
            return
        data = query.data or ""

        async def close(reply: Reply) -> None:
            chosen = self.services.catalogs.text(reply.language, reply.chosen) if reply.chosen else None
            await self.close_buttons(context.bot, query.message, chosen if reply.accepted else None)

        await self.deliver(update, context, parse_callback(data) or inputs.Choice(-1, "ctl:unknown"), close)

    @staticmethod
    async def close_buttons(bot: Bot, message: Any, chosen: str | None) -> None:
        """Remove a question's buttons once tapped, marking the answer ``chosen`` (its label) when it was taken."""
        if not isinstance(message, Message):
            return  # too old for the Bot API to show us; the engine still answers
        text = message.text or ""
        try:
            if chosen and text and telegram_length(f"{text}\n\n→ {chosen}") <= TELEGRAM_TEXT_LIMIT:
                await edit_text(bot, message.chat_id, message.message_id, f"{text}\n\n→ {chosen}")
            else:
                await remove_keyboard(bot, message.chat_id, message.message_id)
        except TelegramError as error:  # cosmetic: the answer itself is handled either way
            log.info("telegram.edit_failed reason=%s", type(error).__name__)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure (ids and types only) and tell the person politely; never leave silence."""
        error = context.error
        update_id = update.update_id if isinstance(update, Update) else None
        if isinstance(error, ConnectionLost):  # no traceback, no apology: it is not confirmed and comes again
            log.warning("telegram.not_confirmed update=%s error=%s", update_id, type(error).__name__)
            if update_id is not None:
                context.application.bot_data.setdefault(FAILED, set()).add(update_id)
                context.application.bot_data.setdefault(UNCONFIRMED, set()).add(update_id)
            return
        log.error("telegram.error update=%s error=%s", update_id, type(error).__name__, exc_info=error)
        self.services.metrics.update(CHANNEL, UPDATE_FAILED)
        if update_id is not None:
            context.application.bot_data.setdefault(FAILED, set()).add(update_id)
        if not isinstance(update, Update) or update.effective_chat is None or isinstance(error, Forbidden):
            return
        try:
            await context.bot.send_message(update.effective_chat.id, self.services.catalogs.text(
                self.known_language(update), Msg(N_("error.internal"))))
        except Exception as second:  # the apology itself failed: log it, nothing more we can do
            log.error("telegram.apology_failed update=%s error=%s", update_id, type(second).__name__)

    async def set_commands(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        """The command menu in each language; Finnish is also the default for other languages."""
        catalogs = self.services.catalogs
        for language in (*LANGUAGES, None):
            shown = language or self.services.settings.default_language
            commands = [BotCommand(c, catalogs.text(shown, Msg(COMMAND_TEXTS[c]))) for c in COMMANDS]
            await application.bot.set_my_commands(commands, language_code=language)


def _note(sent: Sent, about: int | None, result: object) -> None:
    """Keep the id of a message sent about a chat (a text's call returns just the id, PTB's others a Message)."""
    if about is None:
        return
    if isinstance(result, Message):
        sent.append((about, result.message_id))
    elif isinstance(result, int) and not isinstance(result, bool):
        sent.append((about, result))


def pusher(application: Application[Any, Any, Any, Any, Any, Any]) -> tuple[Push, LinkFormat]:
    """How the ticker sends pushes through ``application``, and how links to the bot are written."""
    channel: TelegramChannel = application.bot_data["channel"]

    async def push(chat_id: int, outgoing: list[Outgoing]) -> Sent:
        return await channel.push(application.bot, chat_id, outgoing)

    def link(payload: str) -> str:
        return f"https://t.me/{application.bot.username}?start={payload}"

    return push, link


def build_application(
    services: Services, *, request: BaseRequest | None = None, updates_request: BaseRequest | None = None,
    rate_limiter: ChatPacedRateLimiter | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """The PTB Application for ``services``; tests pass a fake ``request``."""
    settings = services.settings
    channel = TelegramChannel(services)
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_token)
        .base_url(settings.telegram_api_url)
        .base_file_url(settings.telegram_file_url)
        .rate_limiter(rate_limiter or ChatPacedRateLimiter(settings.rate_per_second, settings.chat_interval,
                                                           chat_burst=settings.chat_burst))
        .concurrent_updates(True)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(updates_request or request)
    application = builder.build()
    # Young people talk to Kaari one to one; new messages only (an edit of an old message is not an answer).
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    application.add_handler(CommandHandler("start", channel.on_start, filters=private))
    application.add_handler(MessageHandler(filters.COMMAND & private, channel.on_command))
    application.add_handler(CallbackQueryHandler(channel.on_button))
    application.add_handler(MessageHandler(filters.TEXT & private, channel.on_text))
    application.add_handler(MessageHandler(private & ~filters.StatusUpdate.ALL, channel.on_other))
    group_command = filters.COMMAND & ~filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    application.add_handler(MessageHandler(group_command, channel.on_group))
    application.add_error_handler(channel.on_error)
    application.bot_data["channel"] = channel
    return application
