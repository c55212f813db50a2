"""Small helpers every handler uses on a message: its language, its thread, its command argument,
a "typing…" indicator and an edit that tolerates "not modified"."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress

from telegram import Bot, Message, Update
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, TelegramError

from bot.telegram_bot.texts import language_of

logger = logging.getLogger(__name__)

# Telegram shows "typing…" for 5 seconds; renewed a little before it fades.
TYPING_RENEW_S = 4.5

COMMAND_PREFIX = re.compile(r"^/\S*\s*")


def user_language(update: Update) -> str:
    user = update.effective_user
    return language_of(user.language_code if user else None)


def command_argument(message_text: str) -> str:
    """What follows the command ("/follow@bot  Kursk" -> "Kursk"), spaces tidied."""
    return " ".join(COMMAND_PREFIX.sub("", message_text, count=1).split())


def is_group(message: Message) -> bool:
    return message.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)


def thread_of(message: Message) -> int | None:
    """The forum topic to answer in; None outside topics (where Telegram rejects a thread id)."""
    return message.message_thread_id if message.is_topic_message else None


@asynccontextmanager
async def typing(bot: Bot, message: Message) -> AsyncIterator[None]:
    """Show "typing…" in the chat for as long as the block runs."""

    async def keep_typing() -> None:
        while True:
            try:
                await bot.send_chat_action(message.chat.id, ChatAction.TYPING, message_thread_id=thread_of(message))
            except TelegramError as error:
                logger.debug("typing indicator failed: %s", error)
                return
            await asyncio.sleep(TYPING_RENEW_S)

    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


async def edit_html(edit: Callable[..., Awaitable[object]], markup: str, **kwargs: object) -> None:
    """Edit a message to `markup`; an edit that changes nothing is no error."""
    try:
        await edit(markup, parse_mode=ParseMode.HTML, **kwargs)
    except BadRequest as error:
        if "not modified" not in str(error).lower():
            raise
