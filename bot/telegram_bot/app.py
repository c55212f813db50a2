"""The Telegram bot as `briefbot run` starts it: the Application, its handlers, start and stop.

`build_application` is all a caller needs; the end-to-end tests drive the very same object
against a local Bot API server by pointing TELEGRAM_API_BASE_URL at it.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from contextlib import suppress
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot.engine.answering import Answerer
from bot.log_secrets import REDACTED, protect_secrets_in_logs, redact_secrets, secrets_of
from bot.settings import Settings
from bot.state import open_state
from bot.telegram_bot.admin import (
    document_received,
    folder_signature,
    reindex_command,
    reindex_quietly,
    remove_command,
    status_command,
)
from bot.telegram_bot.alerts import AlertMessenger
from bot.telegram_bot.context import SERVICES_KEY, BotApplication, BotContext, BotServices, services_of
from bot.telegram_bot.feeds import install_feeds, start_feeds, stop_feeds
from bot.telegram_bot.follow import follow_command, following_command, unfollow_command
from bot.telegram_bot.handlers import (
    ask_command,
    briefs_command,
    briefs_page_button,
    help_command,
    not_text_hint,
    on_error,
    passage_button,
    start,
    text_message,
    unknown_command,
)
from bot.telegram_bot.inline import inline_query
from bot.telegram_bot.news_commands import (
    DAY_PREFIX,
    TIMELINE_PREFIX,
    day_button,
    timeline_button,
    timeline_command,
    today_command,
)
from bot.telegram_bot.render import BRIEFS_PAGE_PREFIX, PASSAGE_PREFIX
from bot.telegram_bot.texts import COMMANDS_ADMINS, COMMANDS_USERS, ENGLISH, INDONESIAN
from index.knowledge_base import KnowledgeBase

logger = logging.getLogger(__name__)

# Explicit, so a hung connection fails the one call instead of stalling a handler for good.
CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 30.0
WRITE_TIMEOUT_S = 30.0
MEDIA_WRITE_TIMEOUT_S = 60.0
POOL_TIMEOUT_S = 10.0
# On a 429 the rate limiter waits `retry_after` and sends again: the reply arrives exactly once.
RATE_LIMIT_RETRIES = 3


def build_application(settings: Settings, kb: KnowledgeBase, *, answerer: Answerer | None = None) -> BotApplication:
    """The bot, ready for `run_application` (or for a test to start and stop by hand)."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    token = settings.telegram_bot_token.get_secret_value()
    webhook_secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    # Before build(): the Bot logs its API URL, token included, as soon as it exists.
    protect_secrets_in_logs(token, webhook_secret, *secrets_of(settings))
    base = settings.telegram_api_base_url.rstrip("/")
    application = (
        ApplicationBuilder()
        .token(token)
        # Every handler gets a `BotContext`: `context.services` instead of a dict lookup.
        .context_types(ContextTypes(context=BotContext))
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .concurrent_updates(True)
        .rate_limiter(AIORateLimiter(max_retries=RATE_LIMIT_RETRIES))
        .connect_timeout(CONNECT_TIMEOUT_S)
        .read_timeout(READ_TIMEOUT_S)
        .write_timeout(WRITE_TIMEOUT_S)
        .media_write_timeout(MEDIA_WRITE_TIMEOUT_S)
        .pool_timeout(POOL_TIMEOUT_S)
        .get_updates_connect_timeout(CONNECT_TIMEOUT_S)
        .get_updates_read_timeout(READ_TIMEOUT_S)  # PTB adds the long-poll timeout on top
        .get_updates_write_timeout(WRITE_TIMEOUT_S)
        .get_updates_pool_timeout(POOL_TIMEOUT_S)
        # The folder watcher is a plain asyncio task: no APScheduler (PTB's job-queue extra).
        .job_queue(None)
        .post_init(on_startup)
        .post_stop(on_stop)
        .build()
    )
    answerer = answerer or Answerer.from_settings(kb, settings)
    # With DATABASE_URL every replica keeps followed topics and the outbox in the one database.
    state = open_state(kb.data_dir, kb.database_url)
    services = BotServices(settings, kb, answerer, state)
    services.alerts = AlertMessenger(application.bot, kb, services.state)
    application.bot_data[SERVICES_KEY] = services
    add_handlers(application)
    install_feeds(application, services)
    return application


def add_handlers(application: BotApplication) -> None:
    # Edited messages are left alone: answering a question again on every typo fix is noise.
    new = filters.UpdateType.MESSAGE
    private = filters.ChatType.PRIVATE
    application.add_handlers(
        [
            CommandHandler("start", start, filters=new),
            CommandHandler("help", help_command, filters=new),
            CommandHandler("briefs", briefs_command, filters=new),
            CommandHandler("ask", ask_command, filters=new),
            CommandHandler(["today", "latest"], today_command, filters=new),
            CommandHandler("timeline", timeline_command, filters=new),
            CommandHandler("follow", follow_command, filters=new),
            CommandHandler("unfollow", unfollow_command, filters=new),
            CommandHandler("following", following_command, filters=new),
            CommandHandler("reindex", reindex_command, filters=new),
            CommandHandler("status", status_command, filters=new),
            CommandHandler("remove", remove_command, filters=new),
            CallbackQueryHandler(passage_button, pattern=f"^{PASSAGE_PREFIX}"),
            CallbackQueryHandler(briefs_page_button, pattern=rf"^{BRIEFS_PAGE_PREFIX}\d+$"),
            CallbackQueryHandler(day_button, pattern=rf"^{DAY_PREFIX}\d{{4}}-\d{{2}}-\d{{2}}$"),
            CallbackQueryHandler(timeline_button, pattern=rf"^{TIMELINE_PREFIX}"),
            InlineQueryHandler(inline_query),
            # Files shared in groups are people talking to each other: uploads are private only.
            MessageHandler(new & private & filters.Document.ALL, document_received),
            MessageHandler(new & filters.TEXT & ~filters.COMMAND, text_message),
            MessageHandler(new & private & filters.COMMAND, unknown_command),
            MessageHandler(new & private & ~filters.TEXT & ~filters.StatusUpdate.ALL, not_text_hint),
        ]
    )
    application.add_error_handler(on_error)


async def on_startup(application: BotApplication) -> None:
    """Commands menu, then an incremental reindex (briefs dropped in while the bot was down)
    and the folder watcher, both in the background: the bot answers from the start."""
    services = services_of(application)
    await _set_commands(application, services.settings.admin_ids)
    services.startup_reindex = asyncio.create_task(reindex_quietly(services, "start"))
    interval = services.settings.briefs_watch_interval_s
    if interval > 0:
        services.watcher = asyncio.create_task(_watch_briefs(services, interval))
    if services.alerts is not None:
        services.outbox_retry = asyncio.create_task(services.alerts.keep_sending())
    start_feeds(application)


async def on_stop(application: BotApplication) -> None:
    services = services_of(application)
    for task in (services.watcher, services.startup_reindex, services.outbox_retry):
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
    await stop_feeds(application)
    if services.alerts is not None:
        await services.alerts.close()
    services.state.close()


async def _set_commands(application: BotApplication, admin_ids: list[int]) -> None:
    bot = application.bot
    for language, code in ((ENGLISH, None), (INDONESIAN, INDONESIAN)):
        users = [BotCommand(name, texts[language]) for name, texts in COMMANDS_USERS.items()]
        admins = users + [BotCommand(name, texts[language]) for name, texts in COMMANDS_ADMINS.items()]
        try:
            await bot.set_my_commands(users, language_code=code)
        except TelegramError as error:  # only the menu is missing: the bot works without it
            logger.warning("Could not set the bot's commands: %s", error)
        for admin_id in admin_ids:
            try:
                await bot.set_my_commands(admins, scope=BotCommandScopeChat(admin_id), language_code=code)
            except TelegramError as error:  # e.g. this admin never opened a chat with the bot
                logger.warning("Could not set the admin commands for %s: %s", admin_id, error)


async def _watch_briefs(services: BotServices, interval_s: float) -> None:
    """Reindex when the briefs folder's names, mtimes or sizes change."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            signature = await asyncio.to_thread(folder_signature, services.kb.briefs_dir)
            if signature != services.folder_signature:
                await reindex_quietly(services, "briefs folder changed")
        except Exception:  # one failed look (a disk hiccup) must not end the watching
            logger.exception("Checking the briefs folder failed")


def run_application(application: BotApplication, settings: Settings) -> None:
    """Long polling, or a webhook server when WEBHOOK_URL is set; returns on Ctrl-C."""
    if settings.webhook_url:
        application.run_webhook(**webhook_options(settings))
    else:
        application.run_polling(drop_pending_updates=False, allowed_updates=Update.ALL_TYPES)


def webhook_options(settings: Settings) -> dict[str, Any]:
    """The arguments of `run_webhook` (and `Updater.start_webhook`) for WEBHOOK_URL."""
    if not settings.webhook_url:
        raise ValueError("WEBHOOK_URL is not set")
    # Without a secret anyone who guesses the URL could post updates: make one up for this run.
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else secrets.token_urlsafe(32)
    protect_secrets_in_logs(secret)
    return {
        "listen": settings.webhook_listen,
        "port": settings.webhook_port,
        "url_path": urlsplit(settings.webhook_url).path.lstrip("/"),
        "webhook_url": settings.webhook_url,
        "secret_token": secret,
        "allowed_updates": Update.ALL_TYPES,
        "drop_pending_updates": False,
    }


__all__ = ["REDACTED", "build_application", "redact_secrets", "run_application", "webhook_options"]
