"""/follow TOPIC, /unfollow [TOPIC], /following, and the messenger that delivers the alerts.

After every reindex, `AlertMessenger.check` has the engine queue the alerts of the briefs not
checked yet (`bot/engine/alerts.py`), then sends the queue in the background. An alert leaves
the queue only once Telegram took it, part by part: flood control (429) is waited out and the
same part sent again, never skipped and never sent twice; a chat that blocked the bot (403)
loses its followed topics and its queued alerts.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from datetime import timedelta

from telegram import Bot, Message, Update
from telegram.constants import ChatMemberStatus, ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from bot.engine.alerts import AlertMessage, check_new_briefs
from bot.engine.news import topic_terms
from bot.state import QueuedAlert, StateStore, Subscription
from bot.telegram_bot.handlers import command_argument, is_group, services_of, thread_of, user_language
from bot.telegram_bot.render import citation_keyboard, render_answer
from bot.telegram_bot.texts import text
from index.knowledge_base import KnowledgeBase

logger = logging.getLogger(__name__)

# A topic is a few words; a chat follows a handful of them.
MAX_TOPIC_CHARS = 100
MAX_TOPICS_PER_CHAT = 20


async def follow_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or message.text is None or not await _may_change_follows(update, context):
        return
    language = user_language(update)
    topic = command_argument(message.text)
    if not topic:
        await message.reply_html(text(language, "follow_usage"))
        return
    if len(topic) > MAX_TOPIC_CHARS or not topic_terms(topic):
        await message.reply_html(text(language, "follow_invalid", max_chars=MAX_TOPIC_CHARS))
        return
    state = services_of(context).state
    if len(await asyncio.to_thread(state.following, message.chat.id)) >= MAX_TOPICS_PER_CHAT:
        await message.reply_html(text(language, "follow_too_many", max_topics=MAX_TOPICS_PER_CHAT))
        return
    subscription = Subscription(message.chat.id, topic, language, thread_of(message))
    added = await asyncio.to_thread(state.follow, subscription)
    await message.reply_html(text(language, "followed" if added else "already_following", topic=topic))


async def unfollow_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/unfollow TOPIC, or /unfollow alone for every topic of the chat."""
    message = update.effective_message
    if message is None or message.text is None or not await _may_change_follows(update, context):
        return
    language = user_language(update)
    topic = command_argument(message.text)
    dropped = await asyncio.to_thread(services_of(context).state.unfollow, message.chat.id, topic or None)
    if not dropped:
        await message.reply_html(text(language, "not_following"))
        return
    await message.reply_html(text(language, "unfollowed", topics=", ".join(dropped)))


async def following_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    language = user_language(update)
    topics = await asyncio.to_thread(services_of(context).state.following, message.chat.id)
    if not topics:
        await message.reply_html(text(language, "following_none"))
        return
    await message.reply_html(text(language, "following", topics=", ".join(topics)))


async def _may_change_follows(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Anyone in a private chat; in a group only its admins (an admin writing anonymously, as
    the group itself, included). Anyone else is told so and nothing changes."""
    message = update.effective_message
    user = update.effective_user
    if message is None:
        return False
    if not is_group(message):
        return True
    if message.sender_chat is not None and message.sender_chat.id == message.chat.id:
        return True
    if user is not None:
        member = await context.bot.get_chat_member(message.chat.id, user.id)
        if member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR):
            return True
    await message.reply_html(text(user_language(update), "group_admins_only"))
    return False


# How often the outbox is looked at besides after each reindex.
OUTBOX_RETRY_S = 60.0


class AlertMessenger:
    """Queues the alerts after a reindex and delivers them in one background task."""

    def __init__(self, bot: Bot, kb: KnowledgeBase, state: StateStore) -> None:
        self._bot = bot
        self._kb = kb
        self._state = state
        self._sending: asyncio.Task[None] | None = None

    async def check(self) -> None:
        """After a reindex: queue the new briefs' alerts, then send whatever is queued. A failure
        here is logged; the briefs stay unchecked and are checked after the next reindex."""
        try:
            queued = await asyncio.to_thread(check_new_briefs, self._kb, self._state)
        except Exception:
            logger.exception("Checking the new briefs for alerts failed")
        else:
            if queued:
                logger.info("Queued %d alert(s)", queued)
        self.send_queued()

    def send_queued(self) -> None:
        if self._sending is None or self._sending.done():
            self._sending = asyncio.create_task(self._send_all())

    async def close(self) -> None:
        if self._sending is not None:
            self._sending.cancel()
            with suppress(asyncio.CancelledError):
                await self._sending

    async def _send_all(self) -> None:
        while queued := await asyncio.to_thread(self._state.queued):
            for alert in queued:
                try:
                    await self._deliver(alert)
                except Forbidden as error:  # blocked by the user, or removed from the group
                    logger.info("Chat %s blocked the bot (%s): its followed topics are dropped", alert.chat_id, error)
                    await asyncio.to_thread(self._state.forget_chat, alert.chat_id)
                except BadRequest as error:  # this alert can never be delivered (chat gone...)
                    logger.warning("Alert %s to chat %s dropped: %s", alert.alert_id, alert.chat_id, error)
                    await asyncio.to_thread(self._state.sent, alert.alert_id)
                except TelegramError as error:  # Telegram unreachable (timeouts...): tried again later
                    logger.warning("Alerts wait for the next try: %s", error)
                    return

    async def keep_sending(self, interval_s: float = OUTBOX_RETRY_S) -> None:
        """Every `interval_s`, send what is queued: alerts left by a Telegram outage, and those
        another replica claimed and never sent (it stopped; its claim lapsed)."""
        while True:
            await asyncio.sleep(interval_s)
            self.send_queued()

    async def _deliver(self, alert: QueuedAlert) -> None:
        message = AlertMessage.from_json(alert.payload)
        parts = render_answer(message.answer)
        keyboard = citation_keyboard(message.answer.citations)
        for number in range(alert.parts_sent, len(parts)):
            await self._send_part(alert, parts[number], keyboard if number == len(parts) - 1 else None)
            await asyncio.to_thread(self._state.part_sent, alert.alert_id)
        await asyncio.to_thread(self._state.sent, alert.alert_id)

    async def _send_part(self, alert: QueuedAlert, part: str, keyboard: object) -> Message:
        """One part, as often as flood control asks to wait (the rate limiter retries a few
        times itself; past those, this waits too: an alert is late, never lost)."""
        while True:
            try:
                return await self._bot.send_message(
                    alert.chat_id,
                    part,
                    parse_mode=ParseMode.HTML,
                    reply_markup=keyboard,  # type: ignore[arg-type]
                    message_thread_id=alert.thread_id,
                )
            except RetryAfter as error:
                wait = error.retry_after
                await asyncio.sleep(wait.total_seconds() if isinstance(wait, timedelta) else float(wait))
