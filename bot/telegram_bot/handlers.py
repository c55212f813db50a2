"""What the bot does for everyone: /start, /help, /briefs, questions, source buttons, errors.

Every handler is a typed async PTB callback; anything that touches the index or the model runs
in a worker thread (`asyncio.to_thread`), so one slow question never holds up other chats.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re

from telegram import Bot, Message, MessageEntity, Update
from telegram.constants import ChatType, FileSizeLimit, ParseMode
from telegram.error import TelegramError

from bot.engine.answering import MAX_QUESTION_CHARS
from bot.engine.news_points import story_label
from bot.telegram_bot.chat import COMMAND_PREFIX, edit_html, is_group, thread_of, typing, user_language
from bot.telegram_bot.context import BotContext, BotServices
from bot.telegram_bot.render import (
    BRIEFS_PAGE_PREFIX,
    briefs_page,
    citation_keyboard,
    parse_passage_data,
    quoted_span,
    render_answer,
    render_passage,
)
from bot.telegram_bot.texts import example_questions, text
from index.errors import IndexDamagedError

logger = logging.getLogger(__name__)

# /start quotes passages of the newest brief: this many are enough to find sections and names.
EXAMPLE_PASSAGES = 30


# -- users --------------------------------------------------------------------------------------


async def start(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    language = user_language(update)
    user = update.effective_user
    name = f", {user.first_name}" if user and user.first_name else ""
    examples = await asyncio.to_thread(_examples, context.services, language)
    blocks = [
        text(language, "greeting", name=name),
        _how_to_ask(message, context.bot, language),
        text(language, "start_commands"),
    ]
    if examples:
        lines = [f"• <code>{html.escape(q)}</code>" for q in examples]
        blocks.append("\n".join([text(language, "examples_header"), *lines]))
    else:
        blocks.append(text(language, "no_briefs_yet"))
    await message.reply_html("\n\n".join(blocks))


async def help_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    language = user_language(update)
    blocks = [text(language, "help_users", username=context.bot.username), _how_to_ask(message, context.bot, language)]
    if context.services.is_admin(update):
        max_mb = FileSizeLimit.FILESIZE_DOWNLOAD // 1_000_000
        blocks.append(text(language, "help_admins", max_mb=max_mb))
    await message.reply_html("\n\n".join(blocks))


async def briefs_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    records = await asyncio.to_thread(context.services.kb.briefs)
    page, keyboard = briefs_page(records, 0, user_language(update))
    await message.reply_html(page, reply_markup=keyboard)


async def briefs_page_button(update: Update, context: BotContext) -> None:
    """◀ ▶ under /briefs: the message is edited to show the other page."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    await query.answer()
    records = await asyncio.to_thread(context.services.kb.briefs)
    page, keyboard = briefs_page(records, int(query.data.removeprefix(BRIEFS_PAGE_PREFIX)), user_language(update))
    await edit_html(query.edit_message_text, page, reply_markup=keyboard)


async def ask_command(update: Update, context: BotContext) -> None:
    """/ask question (also /ask@botname in groups)."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    question = COMMAND_PREFIX.sub("", message.text, count=1).strip()
    language = user_language(update)
    if not question:
        example = text(language, "ask_example")
        await message.reply_html(text(language, "ask_usage", example=example))
        return
    await answer_question(update, context, question)


async def text_message(update: Update, context: BotContext) -> None:
    """Any text in a private chat is a question; in a group only one addressed to the bot."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    if message.chat.type == ChatType.PRIVATE:
        await answer_question(update, context, message.text)
        return
    question = addressed_question(message, context.bot)
    if question is not None:
        await answer_question(update, context, question)


def addressed_question(message: Message, bot: Bot) -> str | None:
    """The question of a group message that @mentions the bot or replies to it (the mention
    taken out), else None: the bot stays out of conversations that are not for it."""
    mention = f"@{bot.username}".lower()
    mentioned = any(
        entity.type == MessageEntity.MENTION and message.parse_entity(entity).lower() == mention
        for entity in message.entities
    )
    replied = message.reply_to_message
    # In a forum topic every message "replies" to the topic's first message: that is no reply.
    replies_to_bot = (
        replied is not None
        and replied.from_user is not None
        and replied.from_user.id == bot.id
        and not (message.is_topic_message and replied.message_id == message.message_thread_id)
    )
    if not (mentioned or replies_to_bot) or message.text is None:
        return None
    return re.sub(re.escape(mention), " ", message.text, flags=re.IGNORECASE).strip()


async def answer_question(update: Update, context: BotContext, question: str) -> None:
    message = update.effective_message
    user = update.effective_user
    if message is None:
        return
    language = user_language(update)
    question = question.strip()
    if not question:
        await message.reply_html(text(language, "empty_question"))
        return
    lead = []
    if len(question) > MAX_QUESTION_CHARS:
        question = question[:MAX_QUESTION_CHARS]
        lead.append(f"<i>{text(language, 'question_cut', limit=MAX_QUESTION_CHARS)}</i>")
    answerer = context.services.answerer
    async with typing(context.bot, message):
        answer = await asyncio.to_thread(
            answerer.answer,
            question,
            chat_key=f"{message.chat.id}:{user.id if user else 0}",
            language_code=user.language_code if user else None,
        )
    links = await context.services.citation_links(answer.citations)
    parts = render_answer(answer, lead_html=lead, links=links)
    keyboard = citation_keyboard(answer.citations)
    for number, part in enumerate(parts, start=1):
        await message.reply_html(
            part,
            # In a group the answer replies to its question, which may be far up by now.
            do_quote=number == 1 and is_group(message),
            reply_markup=keyboard if number == len(parts) else None,
        )


async def passage_button(update: Update, context: BotContext) -> None:
    """📄 n under an answer: the cited passage in full, as a new message."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or query.data is None or chat is None:
        return
    language = user_language(update)
    ref = parse_passage_data(query.data)
    passage = await asyncio.to_thread(context.services.kb.passage, ref.chunk_id) if ref else None
    span = quoted_span(passage, ref) if passage and ref else None
    if passage is None or span is None:
        await query.answer(text(language, "source_changed"), show_alert=True)
        return
    await query.answer()
    thread = thread_of(query.message) if isinstance(query.message, Message) else None
    for part in render_passage(passage, language, span):
        await context.bot.send_message(chat.id, part, parse_mode=ParseMode.HTML, message_thread_id=thread)


async def not_text_hint(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice... in a private chat: say what the bot can do."""
    message = update.effective_message
    if message is not None:
        await message.reply_html(text(user_language(update), "not_text"))


async def unknown_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_html(text(user_language(update), "unknown_command"))


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure and tell the user, in their language, what happened: a damaged index in
    one line (and the log), anything else as a request to try again (with the traceback logged)."""
    update_id = update.update_id if isinstance(update, Update) else None
    damaged = isinstance(context.error, IndexDamagedError)
    if damaged:
        logger.error("Handling update %s failed: %s", update_id, context.error)
    else:
        logger.error("Handling update %s failed", update_id, exc_info=context.error)
    if not isinstance(update, Update):
        return
    language = user_language(update)
    notice = text(language, "index_damaged" if damaged else "error")
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(notice, show_alert=True)
        elif update.effective_chat is not None:
            message = update.effective_message
            await context.bot.send_message(
                update.effective_chat.id,
                notice,
                message_thread_id=thread_of(message) if message is not None else None,
            )
    except TelegramError as error:
        # Telegram itself may be what failed; the error above is logged either way.
        logger.warning("Could not tell the user about the error: %s", error)


def _how_to_ask(message: Message, bot: Bot, language: str) -> str:
    if is_group(message):
        return text(language, "how_group", username=bot.username)
    return text(language, "how_private")


def _examples(services: BotServices, language: str) -> list[str]:
    """Example questions from the newest brief, cached until it changes."""
    briefs = services.kb.briefs()
    if not briefs:
        return []
    newest = briefs[0]
    key = (newest.brief_id, newest.content_hash, language)
    if key not in services.examples:
        if any(cached[:2] != key[:2] for cached in services.examples):
            services.examples.clear()  # a newer brief: the old questions are stale
        on_day = services.kb.passages_on(newest.date) if newest.date else []
        passages = [p for p in on_day if p.brief_id == newest.brief_id]
        passages = passages[:EXAMPLE_PASSAGES]
        # "Cyclone Senyar" of "Disasters and accidents › ... › Cyclone Senyar": the story asked about.
        sections = [story_label(p.section) for p in passages if p.section]
        services.examples[key] = example_questions(sections, [p.text for p in passages], newest.date, language)
    return services.examples[key]
