"""One pass over every feed: fetch (conditionally), parse, write each item's brief file, then
the usual incremental reindex, which embeds only the chunks whose text is new.

A feed that fails (timeout, HTTP error, malformed document, HTML, entity bomb, undated item) gets
its error recorded and a backoff; nothing of what it gave before is touched, and its validators
are not kept, so the next sync fetches it whole again. Files are written whole (a temporary file
renamed into place): a reindex never reads half a brief.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.feeds.fetch import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT_S, FeedFetchError, fetch_feed
from bot.feeds.items import brief_file_name, collapse_items, feed_folder, render_brief
from bot.feeds.parse import FeedParseError, parse_feed
from bot.feeds.registry import FeedRecord, FeedRegistry
from index.indexer import IndexReport
from index.records import JsonRecord, as_json

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL_S = 3600.0
# A failing feed waits interval x 2^(failures - 1) before the periodic sync tries it again,
# at most this long; `feed sync` and /feed sync try every feed regardless.
MAX_BACKOFF_S = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class FeedOptions:
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout_s: float = DEFAULT_TIMEOUT_S
    allow_private: bool = False
    interval_s: float = DEFAULT_INTERVAL_S

    @classmethod
    def from_settings(cls, settings: Any) -> FeedOptions:
        return cls(
            max_bytes=int(getattr(settings, "feeds_max_bytes", DEFAULT_MAX_BYTES)),
            timeout_s=float(getattr(settings, "feeds_timeout_s", DEFAULT_TIMEOUT_S)),
            allow_private=bool(getattr(settings, "feeds_allow_private_networks", False)),
            interval_s=float(getattr(settings, "feeds_interval_s", DEFAULT_INTERVAL_S)),
        )


@dataclass(slots=True)
class FeedOutcome(JsonRecord):
    url: str
    status: str  # "updated" | "not_modified" | "error"
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    embedded_chunks: int = 0
    error: str | None = None
    # Not in `feed sync --json`: the files written (new or changed) and the validators the feed
    # answered with are the syncer's own bookkeeping.
    written: list[str] = field(default_factory=list, metadata=as_json(skip=True))
    etag: str | None = field(default=None, metadata=as_json(skip=True))
    last_modified: str | None = field(default=None, metadata=as_json(skip=True))


Reindex = Callable[[], IndexReport]


class FeedSyncer:
    """Syncs the registry's feeds into the briefs folder; `reindex` indexes what was written."""

    def __init__(self, registry: FeedRegistry, briefs_dir: Path, reindex: Reindex, options: FeedOptions) -> None:
        self.registry = registry
        self.briefs_dir = briefs_dir
        self.reindex = reindex
        self.options = options

    def sync(self, *, due_only: bool = False, now: float | None = None) -> list[FeedOutcome]:
        """Every feed (with `due_only`, those not backing off); FeedSyncBusyError while another
        process syncs. A feed that wrote briefs is reindexed before the next one is fetched, so
        its `embedded_chunks` are its own."""
        outcomes: list[FeedOutcome] = []
        with self.registry.sync_lock():
            for feed in self.registry.feeds():
                if due_only and feed.next_try_at is not None and feed.next_try_at > (now or time.time()):
                    continue
                outcome = self.sync_one(feed)
                outcomes.append(outcome)
        return outcomes

    def sync_one(self, feed: FeedRecord) -> FeedOutcome:
        started = time.monotonic()
        try:
            outcome = self._fetch_and_write(feed)
        except (FeedFetchError, FeedParseError) as error:
            outcome = FeedOutcome(feed.url, "error", error=str(error))
        except Exception as error:  # a bug or a full disk: this feed fails, the others go on
            logger.exception("Syncing the feed %s failed", feed.url)
            outcome = FeedOutcome(feed.url, "error", error=f"{type(error).__name__}: {error}")
        if outcome.written:
            try:
                outcome.embedded_chunks = self.reindex().chunks_embedded
            except Exception as error:  # the files stay: the next reindex takes them
                logger.exception("Reindex after syncing %s failed", feed.url)
                outcome.status, outcome.error = "error", f"reindex failed: {type(error).__name__}: {error}"
        self._record(feed, outcome)
        log = logger.warning if outcome.status == "error" else logger.info
        log(
            "Feed %s: %s, %d new, %d updated, %d unchanged, %d chunks embedded in %.1f s%s",
            feed.url,
            outcome.status,
            outcome.new,
            outcome.updated,
            outcome.unchanged,
            outcome.embedded_chunks,
            time.monotonic() - started,
            f": {outcome.error}" if outcome.error else "",
        )
        return outcome

    def _fetch_and_write(self, feed: FeedRecord) -> FeedOutcome:
        # Validators only from a sync that went fully well: after a failure, fetch it whole.
        clean = feed.status != "error"
        fetched = fetch_feed(
            feed.url,
            etag=feed.etag if clean else None,
            last_modified=feed.last_modified if clean else None,
            max_bytes=self.options.max_bytes,
            timeout_s=self.options.timeout_s,
            allow_private=self.options.allow_private,
        )
        if fetched.not_modified:
            return FeedOutcome(feed.url, "not_modified")
        parsed = parse_feed(fetched.body, fetched.content_type, fetched.final_url)
        briefs, undated = collapse_items(parsed.items)
        outcome = FeedOutcome(feed.url, "updated")
        folder = feed_folder(feed.url)
        taken = set(self.registry.sources_of(feed.url))
        for brief in briefs:
            day = brief.day.isoformat()
            source = self.registry.source_of(feed.url, brief.keys, brief.title_key, day)
            is_new = source is None
            if source is None:
                source = brief_file_name(folder, brief, taken | _existing(self.briefs_dir, folder))
                taken.add(source)
            data = render_brief(brief, parsed.title, feed.url)
            path = self.briefs_dir / source
            existed = not is_new and path.is_file()
            if existed and path.read_bytes() == data:
                outcome.unchanged += 1
            else:
                write_atomically(path, data)
                outcome.written.append(source)
                if existed:
                    outcome.updated += 1
                else:
                    outcome.new += 1
            self.registry.remember(feed.url, brief.keys, source, brief.title_key, day, brief.link)
        if undated:
            names = ", ".join(repr(item.title or item.key) for item in undated[:3])
            more = f" and {len(undated) - 3} more" if len(undated) > 3 else ""
            outcome.status = "error"
            outcome.error = f"{len(undated)} item(s) without a date skipped: {names}{more}"
        outcome.etag, outcome.last_modified = fetched.etag, fetched.last_modified
        return outcome

    def _record(self, feed: FeedRecord, outcome: FeedOutcome) -> None:
        if outcome.status == "error":
            failures = feed.failures + 1
            backoff = min(self.options.interval_s * 2 ** (failures - 1), MAX_BACKOFF_S)
            self.registry.record_sync(
                feed.url,
                status="error",
                error=outcome.error,
                etag=None,
                last_modified=None,
                failures=failures,
                next_try_at=time.time() + backoff,
            )
            return
        etag = outcome.etag if outcome.status == "updated" else feed.etag
        modified = outcome.last_modified if outcome.status == "updated" else feed.last_modified
        self.registry.record_sync(
            feed.url,
            status=outcome.status,
            error=None,
            etag=etag,
            last_modified=modified,
            failures=0,
            next_try_at=None,
        )


def _existing(briefs_dir: Path, folder: str) -> set[str]:
    directory = briefs_dir / folder
    if not directory.is_dir():
        return set()
    return {f"{folder}/{path.name}" for path in directory.iterdir()}


def write_atomically(path: Path, data: bytes) -> None:
    """The whole file or none of it: written under a hidden name the indexer skips, then renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".feed-{os.getpid()}-{threading.get_ident()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
