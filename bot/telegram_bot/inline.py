"""Inline mode: `@botname question` typed in any chat offers the cited answer as a result to send.

The sent message is plain Telegram HTML with its source list: the 📄 buttons of a chat answer
would come back as callback queries without a chat to send the passage to, so there are none.
Inline mode is switched on at @BotFather (/setinline); without it Telegram sends no queries.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from dataclasses import replace

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import InlineQueryResultLimit, ParseMode

from bot.engine.records import Answer
from bot.telegram_bot.context import BotContext
from bot.telegram_bot.render import render_answer
from bot.telegram_bot.texts import language_of
from index.text.sentences import split_sentences

# Telegram keeps the results this long (s) for everyone typing the same query; the briefs change
# only at a reindex, but a language_code makes results personal (is_personal) anyway.
INLINE_CACHE_S = 60
# A result's title is one line in Telegram's list.
TITLE_MAX_CHARS = 120
DESCRIPTION_MAX_CHARS = 200

_MARKER = re.compile(r"\[(\d+)\]")


async def inline_query(update: Update, context: BotContext) -> None:
    query = update.inline_query
    if query is None:
        return
    question = " ".join(query.query.split())
    if not question:
        await query.answer([], cache_time=INLINE_CACHE_S, is_personal=True)
        return
    user = query.from_user
    answer = await asyncio.to_thread(
        context.services.answerer.answer, question, language_code=user.language_code if user else None
    )
    language = language_of(user.language_code if user else None)
    message = inline_message(answer)
    result = InlineQueryResultArticle(
        id=result_id(question, language),
        title=_shorten(first_sentence(answer), TITLE_MAX_CHARS),
        description=_shorten(question, DESCRIPTION_MAX_CHARS),
        input_message_content=InputTextMessageContent(message, parse_mode=ParseMode.HTML),
    )
    await query.answer([result], cache_time=INLINE_CACHE_S, is_personal=True)


def result_id(question: str, language: str) -> str:
    """Stable per question and language, 32 hex digits: inside Telegram's 1–64 bytes."""
    digest = hashlib.sha256(f"{language}\n{question}".encode()).hexdigest()
    return digest[: min(32, InlineQueryResultLimit.MAX_ID_LENGTH)]


def first_sentence(answer: Answer) -> str:
    """The answer's first sentence without its [n] markers (an intro line counts as one)."""
    first_line = next((line for line in answer.text.splitlines() if line.strip()), answer.text)
    sentences = split_sentences(first_line)
    sentence = first_line[sentences[0].start : sentences[0].end] if sentences else first_line
    return " ".join(_MARKER.sub("", sentence).split()).lstrip("• ")


def inline_message(answer: Answer) -> str:
    """The answer and its sources in one message (MessageLimit.MAX_TEXT_LENGTH, as render_answer
    splits): when it is too long for one, its last cited points (and their sources) are left out
    until it fits."""
    for keep in range(len(answer.citations), 0, -1):
        parts = render_answer(_first_citations(answer, keep))
        if len(parts) == 1:
            return parts[0]
    return render_answer(_first_citations(answer, 0))[0]


def _first_citations(answer: Answer, keep: int) -> Answer:
    if keep == len(answer.citations):
        return answer
    lines = [line for line in answer.text.splitlines() if all(int(n) <= keep for n in _MARKER.findall(line))]
    return replace(answer, text="\n".join(lines), citations=answer.citations[:keep])


def _shorten(value: str, limit: int) -> str:
    value = value.strip() or "…"
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"
