"""Following the news day by day: /today (alias /latest) with ◀ ▶ buttons to the briefs before
and after, and /timeline TOPIC, newest ten lines first, with a button for the earlier ones.

The engine (`bot/engine/digest.py`, `bot/engine/timeline.py`) decides what is said; this module
only renders it and keeps the buttons' data inside Telegram's 64 bytes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode

from bot.engine.digest import Digest, day_digest
from bot.engine.records import Answer, Citation
from bot.engine.replies import format_day, reply
from bot.engine.timeline import Timeline, build_timeline
from bot.telegram_bot.chat import command_argument, thread_of, typing, user_language
from bot.telegram_bot.context import BotContext
from bot.telegram_bot.render import citation_keyboard, render_answer
from bot.telegram_bot.texts import text

DAY_PREFIX = "d:"
TIMELINE_PREFIX = "tl:"
# A /timeline message shows this many briefs' lines; the button pages back through the rest.
TIMELINE_PAGE = 10


async def today_command(update: Update, context: BotContext) -> None:
    """/today, /latest: the newest brief; /today 12 November: that day's."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    language = user_language(update)
    day_text = command_argument(message.text)
    async with typing(context.bot, message):
        digest = await asyncio.to_thread(day_digest, context.services.kb, language, day_text)
    if digest is None:
        await message.reply_html(text(language, "today_not_a_day", day=day_text))
        return
    await _send_digest(message, digest, language, links=await context.services.citation_links(digest.answer.citations))


async def day_button(update: Update, context: BotContext) -> None:
    """◀ / ▶ under a day's brief: that day's brief, as a new message."""
    query = update.callback_query
    if query is None or query.data is None or not isinstance(query.message, Message):
        return
    await query.answer()
    language = user_language(update)
    day = query.data.removeprefix(DAY_PREFIX)
    digest = await asyncio.to_thread(day_digest, context.services.kb, language, day)
    if digest is not None:
        links = await context.services.citation_links(digest.answer.citations)
        await _send_digest(query.message, digest, language, as_reply=False, links=links)


async def _send_digest(
    message: Message, digest: Digest, language: str, *, as_reply: bool = True, links: Mapping[str, str] | None = None
) -> None:
    keyboard = _rows(citation_keyboard(digest.answer.citations), _day_buttons(digest, language))
    await _send_answer(message, digest.answer, keyboard, as_reply=as_reply, links=links)


def _day_buttons(digest: Digest, language: str) -> list[InlineKeyboardButton]:
    buttons = []
    if digest.previous is not None:
        buttons.append(_day_button(f"◀ {format_day(digest.previous, language, short=True)}", digest.previous))
    if digest.next is not None:
        buttons.append(_day_button(f"{format_day(digest.next, language, short=True)} ▶", digest.next))
    return buttons


def _day_button(label: str, day: date) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=f"{DAY_PREFIX}{day.isoformat()}")


# -- /timeline ------------------------------------------------------------------------------------


async def timeline_command(update: Update, context: BotContext) -> None:
    """/timeline TOPIC: the newest TIMELINE_PAGE lines, oldest first, a button for earlier ones."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    language = user_language(update)
    topic = command_argument(message.text)
    if not topic:
        await message.reply_html(text(language, "timeline_usage"))
        return
    services = context.services
    async with typing(context.bot, message):
        timeline = await asyncio.to_thread(build_timeline, services.kb, topic)
        key = await asyncio.to_thread(services.state.remember_topic, timeline.topic)
    await _send_timeline_page(message, timeline, key, len(timeline.entries), language, links_of=services.citation_links)


async def timeline_button(update: Update, context: BotContext) -> None:
    """⏪ Earlier under a timeline: the page before, as a new message."""
    query = update.callback_query
    if query is None or query.data is None or not isinstance(query.message, Message):
        return
    language = user_language(update)
    key, _, end = query.data.removeprefix(TIMELINE_PREFIX).partition(":")
    services = context.services
    topic = await asyncio.to_thread(services.state.topic_of, key)
    if topic is None or not end.isdigit():
        await query.answer(text(language, "timeline_gone"), show_alert=True)
        return
    await query.answer()
    timeline = await asyncio.to_thread(build_timeline, services.kb, topic)
    shown = min(int(end), len(timeline.entries))
    await _send_timeline_page(
        query.message, timeline, key, shown, language, as_reply=False, links_of=services.citation_links
    )


async def _send_timeline_page(
    message: Message,
    timeline: Timeline,
    key: str,
    end: int,
    language: str,
    *,
    as_reply: bool = True,
    links_of: Callable[[Sequence[Citation]], Awaitable[dict[str, str]]] | None = None,
) -> None:
    """The lines of the briefs [end - TIMELINE_PAGE, end), numbered from [1] on this page."""
    total = len(timeline.entries)
    if not total:
        answer = Answer("", reply(language, "timeline_empty", topic=timeline.topic), (), True, language)
        await _send_answer(message, answer, None, as_reply=as_reply)
        return
    start = max(0, end - TIMELINE_PAGE)
    page = timeline.entries[start:end]
    lines = [reply(language, "timeline", topic=timeline.topic, count=str(total))]
    if len(page) < total:
        shown = text(language, "timeline_shown", first=start + 1, last=end, total=total)
        lines[0] = f"{lines[0].rstrip(':')} ({shown}):"
    lines += [entry.line(language, n) for n, entry in enumerate(page, start=1)]
    citations = tuple(replace(entry.citation, n=n) for n, entry in enumerate(page, start=1))
    answer = Answer("", "\n".join(lines), citations, False, language, kind="timeline")
    earlier = []
    if start > 0:
        label = text(language, "timeline_earlier", count=start)
        earlier.append(InlineKeyboardButton(label, callback_data=f"{TIMELINE_PREFIX}{key}:{start}"))
    links = await links_of(citations) if links_of is not None else None
    await _send_answer(message, answer, _rows(citation_keyboard(citations), earlier), as_reply=as_reply, links=links)


# -- helpers --------------------------------------------------------------------------------------


async def _send_answer(
    message: Message,
    answer: Answer,
    keyboard: InlineKeyboardMarkup | None,
    *,
    as_reply: bool,
    links: Mapping[str, str] | None = None,
) -> None:
    """The answer's parts in the chat (and forum topic) of `message`, the buttons on the last;
    `links`: of the cited feed items and channel posts."""
    parts = render_answer(answer, links=links)
    for number, part in enumerate(parts, start=1):
        markup = keyboard if number == len(parts) else None
        if as_reply:
            await message.reply_html(part, reply_markup=markup)
        else:
            await message.get_bot().send_message(
                message.chat.id,
                part,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                message_thread_id=thread_of(message),
            )


def _rows(keyboard: InlineKeyboardMarkup | None, extra: list[InlineKeyboardButton]) -> InlineKeyboardMarkup | None:
    rows = [list(row) for row in keyboard.inline_keyboard] if keyboard else []
    if extra:
        rows.append(extra)
    return InlineKeyboardMarkup(rows) if rows else None
