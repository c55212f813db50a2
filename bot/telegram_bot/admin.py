"""What only ADMIN_IDS may do: /reindex, /status, /remove, and sending a brief as a document.

A reindex runs in a worker thread, so questions keep being answered from the previous index
meanwhile; one progress message is edited in place, then turned into the summary.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import suppress
from pathlib import Path

from telegram import Message, Update
from telegram.constants import FileSizeLimit
from telegram.error import TelegramError

from bot.log_secrets import redact_secrets
from bot.telegram_bot.chat import edit_html, user_language
from bot.telegram_bot.context import BotContext, BotServices
from bot.telegram_bot.render import render_progress, render_report, render_status
from bot.telegram_bot.texts import text
from index.errors import BriefbotError, ReindexAlreadyRunningError
from index.indexer import IndexReport, ReindexProgress, brief_files
from index.knowledge_base import UploadRejectedError
from index.loaders import SUPPORTED_SUFFIXES

logger = logging.getLogger(__name__)

# Telegram allows about one edit a second per chat; a progress line every 3 s is plenty.
PROGRESS_EDIT_INTERVAL_S = 3.0


async def reindex_command(update: Update, context: BotContext) -> None:
    """/reindex (incremental) or /reindex full (rebuild from scratch)."""
    message = update.effective_message
    if message is None or not await _admin_only(update, context):
        return
    args = context.args or []
    full = bool(args) and args[0].lower() == "full"
    await run_reindex(message, context.services, user_language(update), full=full, wait=False)


async def status_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or not await _admin_only(update, context):
        return
    services = context.services
    status = await asyncio.to_thread(services.kb.status)
    uptime = time.monotonic() - services.started_at
    await message.reply_html(render_status(status, user_language(update), uptime))


async def remove_command(update: Update, context: BotContext) -> None:
    """/remove BRIEF_ID: the file is moved into the data folder and the index updated."""
    message = update.effective_message
    if message is None or not await _admin_only(update, context):
        return
    language = user_language(update)
    if not context.args:
        await message.reply_html(text(language, "remove_usage"))
        return
    brief_id = context.args[0]
    services = context.services
    if services.reindex_lock.locked():
        await message.reply_html(text(language, "reindex_running"))
        return
    async with services.reindex_lock:
        try:
            removed = await asyncio.to_thread(services.kb.remove_brief, brief_id)
        except ReindexAlreadyRunningError:
            await message.reply_html(text(language, "reindex_running"))
            return
        services.folder_signature = await asyncio.to_thread(folder_signature, services.kb.briefs_dir)
    if removed is None:
        await message.reply_html(text(language, "remove_unknown", brief_id=brief_id))
        return
    await message.reply_html(text(language, "removed", title=removed.title, brief_id=removed.brief_id))


async def document_received(update: Update, context: BotContext) -> None:
    """A brief sent as a file: checked, stored in the briefs folder, then indexed."""
    message = update.effective_message
    if message is None or message.document is None or not await _admin_only(update, context):
        return
    language = user_language(update)
    document = message.document
    file_name = document.file_name or ""
    if Path(file_name).suffix.lower() not in SUPPORTED_SUFFIXES:
        kinds = ", ".join(SUPPORTED_SUFFIXES)
        await message.reply_html(text(language, "upload_wrong_type", kinds=kinds))
        return
    services = context.services
    # What Telegram lets a bot download, or what the index takes, whichever is less.
    limit = min(FileSizeLimit.FILESIZE_DOWNLOAD, services.kb.max_brief_bytes)
    if (document.file_size or 0) > limit:
        await message.reply_html(
            text(
                language,
                "upload_too_big",
                size=f"{(document.file_size or 0) / 1e6:.1f}",
                max_mb=f"{limit / 1e6:g}",
            )
        )
        return
    data = await (await document.get_file()).download_as_bytearray()
    try:
        stored = await asyncio.to_thread(services.kb.store_upload, file_name, bytes(data))
    except UploadRejectedError as error:
        await message.reply_html(text(language, "upload_rejected", reason=str(error)))
        return
    key = "upload_renamed" if stored.renamed else "upload_stored"
    await message.reply_html(text(language, key, name=stored.source))
    # The file is stored: it must be indexed even if another reindex is running right now, as
    # that one may have looked at the folder before the file arrived.
    await run_reindex(message, services, language, full=False, wait=True)


async def run_reindex(message: Message, services: BotServices, language: str, *, full: bool, wait: bool) -> None:
    """Reindex with one progress message, edited in place and then into the summary.

    With `wait`, a running reindex is waited for; without, the admin is told it is running.
    """
    lock = services.reindex_lock
    if lock.locked() and not wait:
        await message.reply_html(text(language, "reindex_running"))
        return
    waiting = lock.locked()
    if waiting:
        progress = await message.reply_html(text(language, "reindex_waiting"))
    async with lock:
        started = text(language, "reindex_started", full=text(language, "reindex_full_mark") if full else "")
        if waiting:
            await edit_html(progress.edit_text, started)
        else:
            progress = await message.reply_html(started)
        try:
            report = await _reindex_showing_progress(progress, services, language, full=full)
        except ReindexAlreadyRunningError:  # another process (`briefbot index`) holds the index
            await edit_html(progress.edit_text, text(language, "reindex_running"))
            return
        except BriefbotError as error:
            await edit_html(progress.edit_text, text(language, "reindex_error", reason=str(error)))
            return
        except Exception as error:  # anything else (a full disk, a bug): the message must not hang
            logger.exception("Reindex failed")
            reason = redact_secrets(str(error)) or type(error).__name__
            await edit_html(progress.edit_text, text(language, "reindex_error", reason=reason))
            return
    await edit_html(progress.edit_text, render_report(report, language))


async def _reindex_showing_progress(
    progress: Message, services: BotServices, language: str, *, full: bool
) -> IndexReport:
    latest: dict[str, ReindexProgress] = {}  # written by the worker thread, read below

    def on_progress(event: ReindexProgress) -> None:
        latest["event"] = event

    signature = await asyncio.to_thread(folder_signature, services.kb.briefs_dir)
    work = asyncio.ensure_future(asyncio.to_thread(services.kb.reindex, full=full, progress=on_progress))
    shown: ReindexProgress | None = None
    while not (await asyncio.wait({work}, timeout=PROGRESS_EDIT_INTERVAL_S))[0]:
        current = latest.get("event")
        if current is not None and current != shown:
            try:
                await edit_html(progress.edit_text, render_progress(current, language))
            except TelegramError as error:  # a lost progress line is no reason to stop
                logger.warning("Could not show reindex progress: %s", error)
            shown = current
    report = work.result()
    # Files changed while the reindex ran still differ from this: the watcher picks them up.
    services.folder_signature = signature
    await services.reindexed()
    return report


async def reindex_quietly(services: BotServices, reason: str) -> None:
    """A reindex nobody asked for in chat (at start, or the folder changed): logged only.
    Skipped while another one runs: that one sees the same folder."""
    if services.reindex_lock.locked():
        return
    async with services.reindex_lock:
        signature = await asyncio.to_thread(folder_signature, services.kb.briefs_dir)
        try:
            report = await asyncio.to_thread(services.kb.reindex)
        except BriefbotError as error:
            logger.error("Reindex (%s) failed: %s", reason, error)
            return
        except Exception:  # a background task has nobody to tell but the log
            logger.exception("Reindex (%s) failed", reason)
            return
        services.folder_signature = signature
        await services.reindexed()
    logger.info(
        "Reindex (%s): %d added, %d updated, %d removed, %d unchanged, %d failed in %.1f s",
        reason,
        len(report.added),
        len(report.updated),
        len(report.removed),
        report.unchanged,
        len(report.failed),
        report.seconds,
    )


async def _admin_only(update: Update, context: BotContext) -> bool:
    """True for an admin; anyone else gets a polite refusal and nothing changes."""
    if context.services.is_admin(update):
        return True
    message = update.effective_message
    if message is not None:
        await message.reply_html(text(user_language(update), "admins_only"))
    return False


def folder_signature(briefs_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """A cheap fingerprint of the briefs folder: file names, mtimes and sizes."""
    entries = []
    for source, path in brief_files(briefs_dir).items():
        with suppress(FileNotFoundError):  # deleted while we looked: the next look sees it
            stat = path.stat()
            entries.append((source, stat.st_mtime_ns, stat.st_size))
    return tuple(entries)
