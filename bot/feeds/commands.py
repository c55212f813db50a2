"""The command line of feeds: `briefbot feed add|list|remove|sync` and `briefbot briefs`.

`feed sync --json` and `briefs --json` print one JSON object a line, for scripts and checks;
`feed sync` exits 0 even when a feed failed: the failure is in that feed's line.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bot.feeds.fetch import FeedFetchError, check_feed_url
from bot.feeds.registry import FeedRegistry, FeedSyncBusyError, channel_origin, open_registry
from bot.feeds.sync import FeedOptions, FeedSyncer
from index.brief_sync import park_file
from index.indexer import content_hash
from index.knowledge_base import KnowledgeBase

SettingsOf = Callable[[argparse.Namespace], Any]
KnowledgeBaseOf = Callable[[argparse.Namespace], KnowledgeBase]


def add_feed_commands(commands: Any, settings_of: SettingsOf, kb_of: KnowledgeBaseOf) -> None:
    """Adds `feed` and `briefs` to the CLI's subcommands (`commands` is its add_subparsers)."""
    feed = commands.add_parser("feed", help="RSS / Atom / JSON feeds as sources of briefs")
    actions = feed.add_subparsers(dest="feed_action", required=True)
    add = actions.add_parser("add", help="add a feed (synced by `feed sync` and by the running bot)")
    add.add_argument("url")
    listing = actions.add_parser("list", help="the feeds (and Telegram channels) with their last sync")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    remove = actions.add_parser("remove", help="remove a feed; its briefs stay unless --with-briefs")
    remove.add_argument("url")
    remove.add_argument("--with-briefs", action="store_true", help="also remove the briefs it gave")
    sync = actions.add_parser("sync", help="one pass over every feed, then the incremental reindex")
    sync.add_argument("--json", action="store_true", help="one JSON object per feed")
    feed.set_defaults(handler=lambda args: _feed(args, settings_of, kb_of))

    briefs = commands.add_parser("briefs", help="the briefs in the index")
    briefs.add_argument("--json", action="store_true", help="one JSON object per brief")
    briefs.set_defaults(handler=lambda args: cmd_briefs(args, kb_of))


def _registry(kb: KnowledgeBase) -> FeedRegistry:
    return open_registry(kb.data_dir, kb.database_url)


def _feed(args: argparse.Namespace, settings_of: SettingsOf, kb_of: KnowledgeBaseOf) -> int:
    settings = settings_of(args)
    kb = kb_of(args)
    registry = _registry(kb)
    try:
        handler = {"add": _add, "list": _list, "remove": _remove, "sync": _sync}[args.feed_action]
        return handler(args, kb, registry, FeedOptions.from_settings(settings))
    finally:
        registry.close()
        kb.close()


def _add(args: argparse.Namespace, kb: KnowledgeBase, registry: FeedRegistry, options: FeedOptions) -> int:
    try:
        url = check_feed_url(args.url)
    except FeedFetchError as error:
        print(f"Not added: {error}", file=sys.stderr)
        return 2
    if registry.add_feed(url):
        print(f"Added {url}; `briefbot feed sync` fetches it now, the running bot within FEEDS_INTERVAL_S.")
    else:
        print(f"{url} is already a feed.")
    return 0


def _when(timestamp: float | None) -> str | None:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds") if timestamp else None


def _list(args: argparse.Namespace, kb: KnowledgeBase, registry: FeedRegistry, options: FeedOptions) -> int:
    rows: list[dict[str, object]] = [
        {
            "kind": "feed",
            "url": f.url,
            "last_sync": _when(f.last_sync_at),
            "status": f.status,
            "items": f.items,
            "error": f.error,
            "failures": f.failures,
        }
        for f in registry.feeds()
    ]
    rows += [
        {
            "kind": "channel",
            "chat_id": c.chat_id,
            "title": c.title,
            "username": c.username,
            "items": len(registry.sources_of(channel_origin(c.chat_id))),
        }
        for c in registry.channels()
    ]
    for row in rows:
        if args.json:
            print(json.dumps(row, ensure_ascii=False))
        elif row["kind"] == "feed":
            error = f"  error: {row['error']}" if row["error"] else ""
            synced = row["last_sync"] or "never synced"
            print(f"{row['url']}  {synced}  {row['status'] or '-'}  {row['items']} briefs{error}")
        else:
            handle = f" (@{row['username']})" if row["username"] else ""
            print(f"channel {row['title']}{handle}  {row['items']} briefs")
    if not rows and not args.json:
        print("No feeds yet: `briefbot feed add URL`.")
    return 0


def _remove(args: argparse.Namespace, kb: KnowledgeBase, registry: FeedRegistry, options: FeedOptions) -> int:
    url = args.url.strip()
    sources = registry.sources_of(url)
    if not registry.remove_feed(url):
        print(f"{url} is not a feed.", file=sys.stderr)
        return 1
    if not args.with_briefs:
        print(f"Removed {url}; its {len(sources)} briefs stay.")
        return 0
    remove_briefs(kb, sources)
    registry.forget_origin(url)
    report = kb.reindex()
    print(f"Removed {url} and its {len(sources)} briefs ({len(report.removed)} left the index).")
    return 0


def remove_briefs(kb: KnowledgeBase, sources: list[str]) -> None:
    """Moves the files aside (into DATA_DIR/removed/, as /remove does); on PostgreSQL they are
    marked removed for every replica too. The caller reindexes once for all of them."""
    files = kb._brief_files()
    for source in sources:
        path = kb.briefs_dir / source
        data = path.read_bytes() if path.is_file() else None
        if files is not None:
            files.remove(source, data, content_hash(data) if data is not None else None)
        if data is not None:
            park_file(path, kb.data_dir)


def _sync(args: argparse.Namespace, kb: KnowledgeBase, registry: FeedRegistry, options: FeedOptions) -> int:
    syncer = FeedSyncer(registry, kb.briefs_dir, kb.reindex, options)
    try:
        outcomes = syncer.sync()
    except FeedSyncBusyError as error:
        print(f"Not synced: {error}", file=sys.stderr)
        return 1
    for outcome in outcomes:
        if args.json:
            print(json.dumps(outcome.to_json(), ensure_ascii=False), flush=True)
        elif outcome.status == "error":
            print(f"{outcome.url}: error: {outcome.error}")
        elif outcome.status == "not_modified":
            print(f"{outcome.url}: not modified")
        else:
            print(
                f"{outcome.url}: {outcome.new} new, {outcome.updated} updated, {outcome.unchanged} unchanged, "
                f"{outcome.embedded_chunks} chunks embedded"
            )
    if not outcomes and not args.json:
        print("No feeds yet: `briefbot feed add URL`.")
    return 0


def cmd_briefs(args: argparse.Namespace, kb_of: KnowledgeBaseOf) -> int:
    kb = kb_of(args)
    registry = _registry(kb)
    try:
        links = registry.links()
        for brief in sorted(kb.briefs(), key=lambda b: (b.date is None, b.date, b.source)):
            row = {
                "id": brief.brief_id,
                "title": brief.title,
                "date": brief.date.isoformat() if brief.date else None,
                "source": links.get(brief.source, brief.source),  # a feed item's or post's link
                "chunks": brief.chunk_count,
            }
            if args.json:
                print(json.dumps(row, ensure_ascii=False))
            else:
                day = row["date"] or "----------"
                print(f"{day}  {brief.brief_id}  {brief.title}  [{row['chunks']} chunks]  {row['source']}")
    finally:
        registry.close()
        kb.close()
    return 0
