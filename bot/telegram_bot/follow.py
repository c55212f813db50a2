"""/follow TOPIC, /unfollow [TOPIC], /following: the topics a chat is alerted about.

The alerts themselves are queued and delivered by `AlertMessenger` (`alerts.py`).
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.constants import ChatMemberStatus

from bot.engine.news_points import topic_terms
from bot.state import Subscription
from bot.telegram_bot.chat import command_argument, is_group, thread_of, user_language
from bot.telegram_bot.context import BotContext
from bot.telegram_bot.texts import text

logger = logging.getLogger(__name__)

# A topic is a few words; a chat follows a handful of them.
MAX_TOPIC_CHARS = 100
MAX_TOPICS_PER_CHAT = 20


async def follow_command(update: Update, context: BotContext) -> None:
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
    state = context.services.state
    if len(await asyncio.to_thread(state.following, message.chat.id)) >= MAX_TOPICS_PER_CHAT:
        await message.reply_html(text(language, "follow_too_many", max_topics=MAX_TOPICS_PER_CHAT))
        return
    subscription = Subscription(message.chat.id, topic, language, thread_of(message))
    added = await asyncio.to_thread(state.follow, subscription)
    await message.reply_html(text(language, "followed" if added else "already_following", topic=topic))


async def unfollow_command(update: Update, context: BotContext) -> None:
    """/unfollow TOPIC, or /unfollow alone for every topic of the chat."""
    message = update.effective_message
    if message is None or message.text is None or not await _may_change_follows(update, context):
        return
    language = user_language(update)
    topic = command_argument(message.text)
    dropped = await asyncio.to_thread(context.services.state.unfollow, message.chat.id, topic or None)
    if not dropped:
        await message.reply_html(text(language, "not_following"))
        return
    await message.reply_html(text(language, "unfollowed", topics=", ".join(dropped)))


async def following_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    language = user_language(update)
    topics = await asyncio.to_thread(context.services.state.following, message.chat.id)
    if not topics:
        await message.reply_html(text(language, "following_none"))
        return
    await message.reply_html(text(language, "following", topics=", ".join(topics)))


async def _may_change_follows(update: Update, context: BotContext) -> bool:
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
