"""Starting and stopping the real bot in a test the way `run_polling` / `run_webhook` do it
(post_init, the updater, start; then the reverse), so every end-to-end test runs the bot as
`briefbot run` would and none repeats the sequence."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update

from bot.telegram_bot.app import BotApplication
from bot.telegram_bot.context import services_of


@asynccontextmanager
async def running(
    application: BotApplication, *, webhook: dict[str, Any] | None = None, indexed: bool = True
) -> AsyncIterator[BotApplication]:
    """The bot polling the test Bot API server, or serving `webhook` (`webhook_options(...)`);
    with `indexed`, once its startup reindex is done (the bot answers before, but a test wants
    to know what the index holds)."""
    async with application:
        assert application.post_init is not None and application.post_stop is not None
        assert application.updater is not None
        await application.post_init(application)
        if webhook is not None:
            await application.updater.start_webhook(**webhook)
        else:
            await application.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES)
        await application.start()
        try:
            if indexed:
                startup_reindex = services_of(application).startup_reindex
                assert startup_reindex is not None
                await startup_reindex
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
            await application.post_stop(application)
