"""Feeds and channels in the running bot: /feeds, /feed add|remove|sync for admins, the channel
updates that make a channel a source and its posts briefs, and the periodic sync.

A sync runs in a worker thread under the bot's reindex lock (questions keep being answered from
the index meanwhile) and ends like any reindex: alerts for the briefs it added or changed.
"""

from __future__ import annotations

import asyncio
import html
import logging
import random
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime

from telegram import ChatMemberUpdated, Message, Update
from telegram.constants import ChatMemberStatus, ChatType, FileSizeLimit
from telegram.error import TelegramError
from telegram.ext import (
    ApplicationHandlerStop,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.feeds.channels import ChannelPost, channel_from_update, is_brief_document, store_post
from bot.feeds.fetch import FeedFetchError, check_feed_url
from bot.feeds.registry import FeedRegistry, FeedSyncBusyError, channel_origin, open_registry
from bot.feeds.sync import FeedOptions, FeedOutcome, FeedSyncer
from bot.telegram_bot.admin import folder_signature
from bot.telegram_bot.chat import user_language
from bot.telegram_bot.context import BotApplication, BotContext, BotServices, services_of
from index.errors import ReindexAlreadyRunningError

logger = logging.getLogger(__name__)

FEEDS_KEY = "briefbot.feeds"
# The periodic sync waits its interval times a random factor in this range, so replicas and
# bots started together do not all hit a feed host at the same second.
JITTER = (0.9, 1.1)
# Before the first periodic sync after a start: the startup reindex goes first.
FIRST_SYNC_DELAY_S = 30.0

_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "admins_only": "Only admins can manage feeds.",
        "usage": "Usage: /feed add URL, /feed remove URL (or @channel), /feed sync",
        "none": "No feeds or channels yet. Add a feed with /feed add URL, or make me an administrator of a channel.",
        "feeds": "Feeds",
        "channels": "Channels",
        "never": "never synced",
        "added": "Feed added: {url}. Syncing it now…",
        "exists": "That feed is already there: {url}",
        "removed": "Removed: {what}. Its briefs stay.",
        "unknown": "No feed or channel {what}.",
        "busy": "A sync is already running (here or on another replica); try again in a minute.",
        "syncing": "Syncing every feed…",
    },
    "id": {
        "admins_only": "Hanya admin yang dapat mengelola feed.",
        "usage": "Cara pakai: /feed add URL, /feed remove URL (atau @kanal), /feed sync",
        "none": "Belum ada feed atau kanal. Tambahkan feed dengan /feed add URL, "
        "atau jadikan saya administrator sebuah kanal.",
        "feeds": "Feed",
        "channels": "Kanal",
        "never": "belum pernah disinkronkan",
        "added": "Feed ditambahkan: {url}. Menyinkronkan sekarang…",
        "exists": "Feed itu sudah ada: {url}",
        "removed": "Dihapus: {what}. Ringkasannya tetap ada.",
        "unknown": "Tidak ada feed atau kanal {what}.",
        "busy": "Sinkronisasi sedang berjalan (di sini atau di replika lain); coba lagi sebentar lagi.",
        "syncing": "Menyinkronkan semua feed…",
    },
}


def _t(language: str, key: str, **values: object) -> str:
    template = _TEXTS.get(language, _TEXTS["en"])[key]
    return template.format(**{k: html.escape(str(v)) for k, v in values.items()})


@dataclass(eq=False)
class FeedService:
    registry: FeedRegistry
    syncer: FeedSyncer
    options: FeedOptions
    loop: asyncio.Task[None] | None = None
    # Channel updates in the order Telegram sent them (PTB runs updates concurrently): a post
    # right after the bot was made administrator must find its channel a source already.
    channel_order: asyncio.Lock = field(default_factory=asyncio.Lock)


def feeds_of(context: BotContext) -> FeedService:
    service: FeedService = context.bot_data[FEEDS_KEY]
    return service


def install_feeds(application: BotApplication, services: BotServices) -> FeedService:
    """The registry, the syncer and the handlers; `start_feeds` / `stop_feeds` run the loop."""
    kb = services.kb
    registry = open_registry(kb.data_dir, kb.database_url)
    options = FeedOptions.from_settings(services.settings)
    service = FeedService(registry, FeedSyncer(registry, kb.briefs_dir, kb.reindex, options), options)
    application.bot_data[FEEDS_KEY] = service
    # Citations of feed items and channel posts show their link, in answers and in alerts.
    services.links_of = registry.links_of
    if services.alerts is not None:
        services.alerts.links_of = registry.links_of
    # Group -1, before the other handlers: a handled update stops there (ApplicationHandlerStop),
    # so /feed never also reaches the "unknown command" reply.
    application.add_handlers(
        [
            CommandHandler("feeds", feeds_command, filters=filters.UpdateType.MESSAGE),
            CommandHandler("feed", feed_command, filters=filters.UpdateType.MESSAGE),
            ChatMemberHandler(my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
            MessageHandler(filters.UpdateType.CHANNEL_POSTS, channel_post),
        ],
        group=-1,
    )
    return service


def start_feeds(application: BotApplication) -> None:
    service: FeedService = application.bot_data[FEEDS_KEY]
    services = services_of(application)
    if service.options.interval_s > 0:
        service.loop = asyncio.create_task(_sync_periodically(services, service))


async def stop_feeds(application: BotApplication) -> None:
    service: FeedService | None = application.bot_data.get(FEEDS_KEY)
    if service is None:
        return
    if service.loop is not None:
        service.loop.cancel()
        with suppress(asyncio.CancelledError):
            await service.loop
    service.registry.close()


async def _sync_periodically(services: BotServices, service: FeedService) -> None:
    delay = min(FIRST_SYNC_DELAY_S, service.options.interval_s)
    while True:
        await asyncio.sleep(delay * random.uniform(*JITTER))
        delay = service.options.interval_s
        try:
            await run_sync(services, service, due_only=True)  # failing feeds back off
        except FeedSyncBusyError:
            logger.info("Feed sync skipped: another replica is syncing")
        except Exception:  # one failed pass must not end the syncing
            logger.exception("Feed sync failed")


async def run_sync(
    services: BotServices, service: FeedService, *, due_only: bool, url: str | None = None
) -> list[FeedOutcome]:
    """A pass over the feeds (or the one at `url`), then alerts for what it brought."""
    async with services.reindex_lock:
        if url is None:
            outcomes = await asyncio.to_thread(service.syncer.sync, due_only=due_only)
        else:
            outcomes = await asyncio.to_thread(_sync_one, service, url)
        if any(o.written for o in outcomes):
            services.folder_signature = await asyncio.to_thread(folder_signature, services.kb.briefs_dir)
            await services.reindexed()
    return outcomes


def _sync_one(service: FeedService, url: str) -> list[FeedOutcome]:
    with service.registry.sync_lock():
        feed = service.registry.feed(url)
        return [service.syncer.sync_one(feed)] if feed is not None else []


async def reindex_now(services: BotServices) -> None:
    """Index a channel's post now, waiting for a running reindex (it may have looked already)."""
    async with services.reindex_lock:
        try:
            await asyncio.to_thread(services.kb.reindex)
        except ReindexAlreadyRunningError:  # `briefbot index` elsewhere: it will see the file
            return
        services.folder_signature = await asyncio.to_thread(folder_signature, services.kb.briefs_dir)
        await services.reindexed()


# -- admin commands -------------------------------------------------------------------------------


async def _admin(update: Update, context: BotContext) -> bool:
    if context.services.is_admin(update):
        return True
    if update.effective_message is not None:
        await update.effective_message.reply_html(_t(user_language(update), "admins_only"))
    return False


async def feeds_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is not None and await _admin(update, context):
        service = feeds_of(context)
        await message.reply_html(await asyncio.to_thread(render_sources, service.registry, user_language(update)))
    raise ApplicationHandlerStop


async def feed_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or not await _admin(update, context):
        raise ApplicationHandlerStop
    language = user_language(update)
    args = context.args or []
    action = args[0].lower() if args else ""
    services, service = context.services, feeds_of(context)
    try:
        if action == "add" and len(args) == 2:
            await _add(message, services, service, args[1], language)
        elif action == "remove" and len(args) == 2:
            what = args[1]
            removed = await asyncio.to_thread(remove_source, service.registry, what)
            key = "removed" if removed else "unknown"
            await message.reply_html(_t(language, key, what=removed or what))
        elif action == "sync" and len(args) == 1:
            await message.reply_html(_t(language, "syncing"))
            outcomes = await run_sync(services, service, due_only=False)
            await message.reply_html(render_outcomes(outcomes) or _t(language, "none"))
        else:
            await message.reply_html(_t(language, "usage"))
    except FeedSyncBusyError:
        await message.reply_html(_t(language, "busy"))
    raise ApplicationHandlerStop


async def _add(message: Message, services: BotServices, service: FeedService, url: str, language: str) -> None:
    try:
        url = check_feed_url(url)
    except FeedFetchError as error:
        await message.reply_html(f"⚠️ {html.escape(str(error))}")
        return
    if not await asyncio.to_thread(service.registry.add_feed, url):
        await message.reply_html(_t(language, "exists", url=url))
        return
    await message.reply_html(_t(language, "added", url=url))
    outcomes = await run_sync(services, service, due_only=False, url=url)
    await message.reply_html(render_outcomes(outcomes))


def remove_source(registry: FeedRegistry, what: str) -> str | None:
    """Takes a feed (by URL) or a channel (by @username, id or title) off; what was removed."""
    if registry.remove_feed(what.strip()):
        return what.strip()
    wanted = what.strip().lstrip("@").casefold()
    for channel in registry.channels():
        names = {str(channel.chat_id), (channel.username or "").casefold(), (channel.title or "").casefold()}
        if wanted in names:
            registry.remove_channel(channel.chat_id)
            return f"@{channel.username}" if channel.username else (channel.title or str(channel.chat_id))
    return None


def render_outcomes(outcomes: list[FeedOutcome]) -> str:
    lines = []
    for o in outcomes:
        if o.status == "error":
            lines.append(f"⚠️ {html.escape(o.url)}: {html.escape(o.error or 'error')}")
        elif o.status == "not_modified":
            lines.append(f"✔️ {html.escape(o.url)}: not modified")
        else:
            lines.append(
                f"✅ {html.escape(o.url)}: {o.new} new, {o.updated} updated, {o.unchanged} unchanged, "
                f"{o.embedded_chunks} chunks embedded"
            )
    return "\n".join(lines)


def _when(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def render_sources(registry: FeedRegistry, language: str) -> str:
    feeds, channels = registry.feeds(), registry.channels()
    if not feeds and not channels:
        return _t(language, "none")
    blocks = []
    if feeds:
        lines = [f"<b>{_t(language, 'feeds')}</b>"]
        for feed in feeds:
            synced = _when(feed.last_sync_at) or _t(language, "never")
            lines.append(f"• {html.escape(feed.url)}\n  {synced} · {feed.status or '-'} · {feed.items} briefs")
            if feed.error:
                lines.append(f"  ⚠️ {html.escape(feed.error)}")
        blocks.append("\n".join(lines))
    if channels:
        lines = [f"<b>{_t(language, 'channels')}</b>"]
        for channel in channels:
            name = html.escape(channel.title or str(channel.chat_id))
            handle = f" (@{html.escape(channel.username)})" if channel.username else ""
            count = len(registry.sources_of(channel_origin(channel.chat_id)))
            lines.append(f"• {name}{handle} · {count} briefs")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


# -- channels -------------------------------------------------------------------------------------


async def my_chat_member(update: Update, context: BotContext) -> None:
    """The bot's own membership changed. Made an administrator of a channel by an admin: the
    channel becomes a source. By anyone else: ignored (and listed nowhere). Removed: no longer
    a source (its briefs stay)."""
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.CHANNEL:
        raise ApplicationHandlerStop
    async with feeds_of(context).channel_order:
        await _membership_changed(change, context)
    raise ApplicationHandlerStop


async def _membership_changed(change: ChatMemberUpdated, context: BotContext) -> None:
    registry = feeds_of(context).registry
    chat = change.chat
    status = change.new_chat_member.status
    if status == ChatMemberStatus.ADMINISTRATOR:
        if change.from_user.id not in context.services.settings.admin_ids:
            logger.info("Channel %s: made administrator by a non-admin (%s); ignored", chat.id, change.from_user.id)
            return
        record = channel_from_update(chat.id, chat.title, chat.username, change.from_user.id)
        if await asyncio.to_thread(registry.add_channel, record):
            logger.info("Channel %s (%s) is a source now", chat.id, chat.title)
        return
    gone = status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED, ChatMemberStatus.MEMBER)
    if gone and await asyncio.to_thread(registry.remove_channel, chat.id):
        logger.info("Channel %s is no source any more", chat.id)


async def channel_post(update: Update, context: BotContext) -> None:
    """A post (or an edit) in a source channel becomes (replaces) a brief, indexed at once."""
    post = update.channel_post or update.edited_channel_post
    if post is None:
        raise ApplicationHandlerStop
    services, service = context.services, feeds_of(context)
    async with service.channel_order:
        source = await _store(post, services, service)
    if source is not None:
        logger.info("Post %s of channel %s stored as %s", post.message_id, post.chat.id, source)
        await reindex_now(services)
    raise ApplicationHandlerStop


async def _store(post: Message, services: BotServices, service: FeedService) -> str | None:
    if await asyncio.to_thread(service.registry.channel, post.chat.id) is None:
        return None  # not a source: nothing is read, nothing stored
    document = post.document
    data: bytes | None = None
    if document is not None and is_brief_document(document.file_name):
        limit = min(FileSizeLimit.FILESIZE_DOWNLOAD, services.kb.max_brief_bytes)
        if (document.file_size or 0) <= limit:
            try:
                data = bytes(await (await document.get_file()).download_as_bytearray())
            except TelegramError as error:
                logger.warning("Could not download the file of post %s in %s: %s", post.message_id, post.chat.id, error)
    item = ChannelPost(
        chat_id=post.chat.id,
        username=post.chat.username,
        message_id=post.message_id,
        posted=post.date,
        text=post.text or post.caption,
        document_name=document.file_name if data is not None and document is not None else None,
        document=data,
    )
    return await asyncio.to_thread(store_post, service.registry, services.kb.briefs_dir, services.kb.data_dir, item)
