"""What every handler shares: `BotServices`, and `BotContext`, the typed PTB context handing it out.

`build_application` registers `BotContext` with `ContextTypes(context=BotContext)`, so every
handler receives one and reads `context.services` instead of digging in `bot_data`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.engine.answering import Answerer
from bot.engine.records import Citation
from bot.settings import Settings
from bot.state import StateStore
from bot.telegram_bot.alerts import AlertMessenger
from index.knowledge_base import KnowledgeBase

SERVICES_KEY = "briefbot"

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class BotServices:
    """What every handler shares, kept in `application.bot_data[SERVICES_KEY]`."""

    settings: Settings
    kb: KnowledgeBase
    answerer: Answerer
    # Followed topics, queued alerts, /timeline's buttons: what outlives a restart.
    state: StateStore
    started_at: float = field(default_factory=time.monotonic)
    # One reindex at a time from this process; `kb.reindex` also guards against other processes.
    reindex_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Names, mtimes and sizes of the briefs folder's files when it was last indexed.
    folder_signature: tuple[tuple[str, int, int], ...] | None = None
    # /start's example questions per (newest brief id, its content hash, language).
    examples: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)
    startup_reindex: asyncio.Task[None] | None = None
    watcher: asyncio.Task[None] | None = None
    outbox_retry: asyncio.Task[None] | None = None
    alerts: AlertMessenger | None = None  # set once the Application (its bot) exists
    # The links of briefs that have one (feed items, channel posts), by source; set by feeds.
    links_of: Callable[[list[str]], dict[str, str]] | None = None

    async def citation_links(self, citations: Sequence[Citation]) -> dict[str, str]:
        """The links to show beside these citations; none when they cannot be read now."""
        if self.links_of is None or not citations:
            return {}
        try:
            return await asyncio.to_thread(self.links_of, [c.source for c in citations])
        except Exception:  # a citation without its link is still a citation
            logger.warning("Could not read the links of cited briefs", exc_info=True)
            return {}

    async def reindexed(self) -> None:
        """After every reindex: alerts for the briefs it added or changed."""
        if self.alerts is not None:
            await self.alerts.check()

    def is_admin(self, update: Update) -> bool:
        user = update.effective_user
        return user is not None and user.id in self.settings.admin_ids


class BotContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The context every handler receives: PTB's, plus the bot's services."""

    @property
    def services(self) -> BotServices:
        services: BotServices = self.bot_data[SERVICES_KEY]
        return services


# The Application `build_application` makes: `BotContext` as context, default data types, and a bot
# whose rate limiter (AIORateLimiter) takes an int of retries per request.
BotApplication = Application[ExtBot[int], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], None]


def services_of(application: Application[Any, Any, Any, Any, Any, Any]) -> BotServices:
    """The services of an Application outside a handler (startup, shutdown, tests)."""
    services: BotServices = application.bot_data[SERVICES_KEY]
    return services
