"""What the bot remembers of its automatic sources: the feeds (with their validators, last
result and backoff), the Telegram channels an admin made sources, and which brief file each feed
item or channel post became (so an edited item replaces its brief, and a citation shows its link).

Two places keep it, as the rest of the bot's state: `SqliteFeedRegistry` in
`DATA_DIR/state.sqlite3` (one bot process) and, with DATABASE_URL, `PostgresFeedRegistry`, shared
by every replica. One replica syncs at a time: `sync_lock` is a file lock on SQLite and a
session-level advisory lock on PostgreSQL (released by the server if the replica dies).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

STATE_FILE = "state.sqlite3"
SYNC_LOCK_FILE = "feeds-sync.lock"
# pg_try_advisory_lock key of the feed sync ("feed" in ASCII); the reindex lock has its own.
FEED_SYNC_LOCK_KEY = 0x66656564

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS feeds (
        url TEXT PRIMARY KEY,
        added_at DOUBLE PRECISION NOT NULL,
        last_sync_at DOUBLE PRECISION,
        status TEXT,
        error TEXT,
        etag TEXT,
        last_modified TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        next_try_at DOUBLE PRECISION
    )""",
    # One row per identity of a brief (an item's guid and link, a post's id): several rows may
    # name one file. title_key and day find the brief of a renamed item.
    """CREATE TABLE IF NOT EXISTS source_items (
        origin TEXT NOT NULL,
        item_key TEXT NOT NULL,
        source TEXT NOT NULL,
        title_key TEXT NOT NULL,
        day TEXT,
        link TEXT,
        PRIMARY KEY (origin, item_key)
    )""",
    "CREATE INDEX IF NOT EXISTS source_items_by_source ON source_items (source)",
    "CREATE INDEX IF NOT EXISTS source_items_by_title ON source_items (origin, title_key, day)",
    """CREATE TABLE IF NOT EXISTS channels (
        chat_id BIGINT PRIMARY KEY,
        title TEXT,
        username TEXT,
        added_by BIGINT NOT NULL,
        added_at DOUBLE PRECISION NOT NULL
    )""",
)


class FeedSyncBusyError(Exception):
    """Another process (a replica, `briefbot feed sync`) is syncing the feeds right now."""


@dataclass(frozen=True, slots=True)
class FeedRecord:
    url: str
    added_at: float
    last_sync_at: float | None
    status: str | None  # "updated" | "not_modified" | "error", None before the first sync
    error: str | None
    etag: str | None
    last_modified: str | None
    failures: int  # failed syncs in a row
    next_try_at: float | None  # the periodic sync leaves a failing feed alone until then
    items: int = 0  # briefs it gave


@dataclass(frozen=True, slots=True)
class ChannelRecord:
    chat_id: int
    title: str | None
    username: str | None
    added_by: int
    added_at: float

    @property
    def origin(self) -> str:
        return channel_origin(self.chat_id)


def channel_origin(chat_id: int) -> str:
    return f"telegram:{chat_id}"


class FeedRegistry(Protocol):
    def add_feed(self, url: str) -> bool: ...
    def remove_feed(self, url: str) -> bool: ...
    def feeds(self) -> list[FeedRecord]: ...
    def feed(self, url: str) -> FeedRecord | None: ...
    def record_sync(
        self,
        url: str,
        *,
        status: str,
        error: str | None,
        etag: str | None,
        last_modified: str | None,
        failures: int,
        next_try_at: float | None,
    ) -> None: ...
    def source_of(self, origin: str, keys: Iterable[str], title_key: str | None, day: str | None) -> str | None: ...
    def remember(
        self, origin: str, keys: Iterable[str], source: str, title_key: str, day: str | None, link: str | None
    ) -> None: ...
    def sources_of(self, origin: str) -> list[str]: ...
    def forget_origin(self, origin: str) -> None: ...
    def links(self) -> dict[str, str]: ...
    def links_of(self, sources: Iterable[str]) -> dict[str, str]: ...
    def add_channel(self, channel: ChannelRecord) -> bool: ...
    def remove_channel(self, chat_id: int) -> bool: ...
    def channels(self) -> list[ChannelRecord]: ...
    def channel(self, chat_id: int) -> ChannelRecord | None: ...
    def sync_lock(self) -> Any: ...
    def close(self) -> None: ...


class _SqlRegistry:
    """The queries, for any DB-API connection; `_run` adapts placeholders and locking."""

    def _run(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def add_feed(self, url: str) -> bool:
        if self.feed(url) is not None:
            return False
        self._run("INSERT INTO feeds (url, added_at) VALUES (?, ?) ON CONFLICT DO NOTHING", (url, time.time()))
        return True

    def remove_feed(self, url: str) -> bool:
        existed = self.feed(url) is not None
        self._run("DELETE FROM feeds WHERE url = ?", (url,))
        return existed

    def feeds(self) -> list[FeedRecord]:
        rows = self._run(
            "SELECT f.url, f.added_at, f.last_sync_at, f.status, f.error, f.etag, f.last_modified, "
            "f.failures, f.next_try_at, (SELECT COUNT(DISTINCT s.source) FROM source_items s "
            "WHERE s.origin = f.url) FROM feeds f ORDER BY f.added_at, f.url"
        )
        return [
            FeedRecord(
                url=str(r[0]),
                added_at=float(r[1]),
                last_sync_at=r[2],
                status=r[3],
                error=r[4],
                etag=r[5],
                last_modified=r[6],
                failures=int(r[7] or 0),
                next_try_at=r[8],
                items=int(r[9] or 0),
            )
            for r in rows
        ]

    def feed(self, url: str) -> FeedRecord | None:
        return next((f for f in self.feeds() if f.url == url), None)

    def record_sync(
        self,
        url: str,
        *,
        status: str,
        error: str | None,
        etag: str | None,
        last_modified: str | None,
        failures: int,
        next_try_at: float | None,
    ) -> None:
        self._run(
            "UPDATE feeds SET last_sync_at = ?, status = ?, error = ?, etag = ?, last_modified = ?, "
            "failures = ?, next_try_at = ? WHERE url = ?",
            (time.time(), status, error, etag, last_modified, failures, next_try_at, url),
        )

    def source_of(self, origin: str, keys: Iterable[str], title_key: str | None, day: str | None) -> str | None:
        for key in keys:
            rows = self._run("SELECT source FROM source_items WHERE origin = ? AND item_key = ?", (origin, key))
            if rows:
                return str(rows[0][0])
        if title_key is None:
            return None
        rows = self._run(
            "SELECT source FROM source_items WHERE origin = ? AND title_key = ? AND day = ? ORDER BY source",
            (origin, title_key, day),
        )
        return str(rows[0][0]) if rows else None

    def remember(
        self, origin: str, keys: Iterable[str], source: str, title_key: str, day: str | None, link: str | None
    ) -> None:
        for key in keys:
            self._run(
                "INSERT INTO source_items (origin, item_key, source, title_key, day, link) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (origin, item_key) DO UPDATE SET "
                "source = excluded.source, title_key = excluded.title_key, day = excluded.day, "
                "link = excluded.link",
                (origin, key, source, title_key, day, link),
            )
        # Every identity of the file shows its newest link and title.
        self._run(
            "UPDATE source_items SET link = ?, title_key = ?, day = ? WHERE source = ?",
            (link, title_key, day, source),
        )

    def sources_of(self, origin: str) -> list[str]:
        rows = self._run("SELECT DISTINCT source FROM source_items WHERE origin = ? ORDER BY source", (origin,))
        return [str(row[0]) for row in rows]

    def forget_origin(self, origin: str) -> None:
        self._run("DELETE FROM source_items WHERE origin = ?", (origin,))

    def links(self) -> dict[str, str]:
        rows = self._run("SELECT source, link FROM source_items WHERE link IS NOT NULL")
        return {str(source): str(link) for source, link in rows}

    def links_of(self, sources: Iterable[str]) -> dict[str, str]:
        links: dict[str, str] = {}
        for source in dict.fromkeys(sources):
            rows = self._run("SELECT link FROM source_items WHERE source = ? AND link IS NOT NULL LIMIT 1", (source,))
            if rows:
                links[source] = str(rows[0][0])
        return links

    def add_channel(self, channel: ChannelRecord) -> bool:
        existed = self.channel(channel.chat_id) is not None
        self._run(
            "INSERT INTO channels (chat_id, title, username, added_by, added_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (chat_id) DO UPDATE SET title = excluded.title, username = excluded.username",
            (channel.chat_id, channel.title, channel.username, channel.added_by, channel.added_at),
        )
        return not existed

    def remove_channel(self, chat_id: int) -> bool:
        existed = self.channel(chat_id) is not None
        self._run("DELETE FROM channels WHERE chat_id = ?", (chat_id,))
        return existed

    def channels(self) -> list[ChannelRecord]:
        rows = self._run("SELECT chat_id, title, username, added_by, added_at FROM channels ORDER BY added_at")
        return [ChannelRecord(int(r[0]), r[1], r[2], int(r[3]), float(r[4])) for r in rows]

    def channel(self, chat_id: int) -> ChannelRecord | None:
        return next((c for c in self.channels() if c.chat_id == chat_id), None)


class SqliteFeedRegistry(_SqlRegistry):
    """In `DATA_DIR/state.sqlite3`, beside the rest of the bot's state; thread-safe."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir
        self._conn = sqlite3.connect(data_dir / STATE_FILE, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA busy_timeout = 10000")
        self._lock = threading.Lock()
        with self._lock:
            for statement in _SCHEMA:
                self._conn.execute(statement)

    def _run(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self._conn.execute(sql, params).fetchall())

    @contextmanager
    def sync_lock(self) -> Iterator[None]:
        path = self.data_dir / SYNC_LOCK_FILE
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise FeedSyncBusyError("another process is syncing the feeds") from None
            yield
        finally:
            os.close(descriptor)  # closing releases the lock

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class PostgresFeedRegistry(_SqlRegistry):
    """In the PostgreSQL of DATABASE_URL, shared by every replica."""

    def __init__(self, url: str) -> None:
        from index.stores.postgres import connect

        self._url = url
        self._connect = connect
        self._conn = connect(url, vectors=False)
        self._lock = threading.Lock()
        with self._lock:
            for statement in _SCHEMA:
                self._conn.execute(statement)

    def _run(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            if self._conn.closed or self._conn.broken:
                self._conn = self._connect(self._url, vectors=False)
            cursor = self._conn.execute(sql.replace("?", "%s"), params)
            return list(cursor.fetchall()) if cursor.description else []

    @contextmanager
    def sync_lock(self) -> Iterator[None]:
        # A connection of its own: the lock lives as long as it, and dies with a crashed replica.
        conn = self._connect(self._url, vectors=False)
        try:
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (FEED_SYNC_LOCK_KEY,)).fetchone()
            if not row or not row[0]:
                raise FeedSyncBusyError("another replica is syncing the feeds")
            yield
        finally:
            conn.close()

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def open_registry(data_dir: Path, database_url: str | None) -> SqliteFeedRegistry | PostgresFeedRegistry:
    return PostgresFeedRegistry(database_url) if database_url else SqliteFeedRegistry(data_dir)
