"""The messenger that delivers /follow's alerts.

After every reindex, `AlertMessenger.check` has the engine queue the alerts of the briefs not
checked yet (`bot/engine/alerts.py`), then sends the queue in the background. An alert leaves
the queue only once Telegram took it, part by part: flood control (429) is waited out and the
same part sent again, never skipped and never sent twice; a chat that blocked the bot (403)
loses its followed topics and its queued alerts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import suppress
from datetime import timedelta

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from bot.engine.alerts import AlertMessage, check_new_briefs
from bot.state import QueuedAlert, StateStore
from bot.telegram_bot.render import citation_keyboard, render_answer
from index.knowledge_base import KnowledgeBase

logger = logging.getLogger(__name__)


# How often the outbox is looked at besides after each reindex.
OUTBOX_RETRY_S = 60.0


class AlertMessenger:
    """Queues the alerts after a reindex and delivers them in one background task."""

    def __init__(self, bot: Bot, kb: KnowledgeBase, state: StateStore) -> None:
        self._bot = bot
        self._kb = kb
        self._state = state
        self._sending: asyncio.Task[None] | None = None
        # The links of briefs that have one (feed items, channel posts), by source; set by feeds.
        self.links_of: Callable[[list[str]], dict[str, str]] | None = None

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
        links = {}
        if self.links_of is not None and message.answer.citations:
            sources = [c.source for c in message.answer.citations]
            with suppress(Exception):  # an alert without its links is still an alert
                links = await asyncio.to_thread(self.links_of, sources)
        parts = render_answer(message.answer, links=links)
        keyboard = citation_keyboard(message.answer.citations)
        for number in range(alert.parts_sent, len(parts)):
            await self._send_part(alert, parts[number], keyboard if number == len(parts) - 1 else None)
            await asyncio.to_thread(self._state.part_sent, alert.alert_id)
        await asyncio.to_thread(self._state.sent, alert.alert_id)

    async def _send_part(self, alert: QueuedAlert, part: str, keyboard: InlineKeyboardMarkup | None) -> Message:
        """One part, as often as flood control asks to wait (the rate limiter retries a few
        times itself; past those, this waits too: an alert is late, never lost)."""
        while True:
            try:
                return await self._bot.send_message(
                    alert.chat_id,
                    part,
                    parse_mode=ParseMode.HTML,
                    reply_markup=keyboard,
                    message_thread_id=alert.thread_id,
                )
            except RetryAfter as error:
                wait = error.retry_after
                await asyncio.sleep(wait.total_seconds() if isinstance(wait, timedelta) else float(wait))
