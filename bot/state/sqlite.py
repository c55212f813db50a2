"""The bot's lasting state in `DATA_DIR/state.sqlite3`, for one bot process (`BotState`).

Checking a brief, queueing its alerts and marking its paragraphs seen is one transaction, and an
alert leaves the outbox only once Telegram has taken it: a crash, a restart or a repeated reindex
neither loses an alert nor queues one twice.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from bot.state.protocol import NewAlert, StateStore
from bot.state.records import QueuedAlert, Subscription, short_key, topic_key

STATE_FILE = "state.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS subscriptions (
    chat_id INTEGER NOT NULL,
    topic_key TEXT NOT NULL,
    topic TEXT NOT NULL,
    language TEXT NOT NULL,
    thread_id INTEGER,
    PRIMARY KEY (chat_id, topic_key)
);
CREATE TABLE IF NOT EXISTS checked_briefs (
    brief_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    PRIMARY KEY (brief_id, content_hash)
);
CREATE TABLE IF NOT EXISTS seen_paragraphs (paragraph_key TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS outbox (
    alert_id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id INTEGER NOT NULL,
    thread_id INTEGER,
    brief_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    parts_sent INTEGER NOT NULL DEFAULT 0,
    UNIQUE (chat_id, brief_id, payload)
);
CREATE TABLE IF NOT EXISTS timeline_topics (topic_key TEXT PRIMARY KEY, topic TEXT NOT NULL);
"""


class BotState:
    """The state in `DATA_DIR/state.sqlite3`, for one bot process (a `StateStore`).
    Thread-safe: one connection behind a lock (each call is short)."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / STATE_FILE
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.executescript(_SCHEMA)
        self._lock = threading.Lock()

    # -- followed topics --------------------------------------------------------------------------

    def follow(self, subscription: Subscription) -> bool:
        """False when the chat already follows the topic."""
        with self._lock:
            cursor = self._conn.execute(
                "INSERT OR IGNORE INTO subscriptions VALUES (?, ?, ?, ?, ?)", subscription.row()
            )
            return cursor.rowcount == 1

    def unfollow(self, chat_id: int, topic: str | None = None) -> list[str]:
        """Stop following `topic` (every topic when None); the topics dropped."""
        with self._lock:
            query = "DELETE FROM subscriptions WHERE chat_id = ?" + (" AND topic_key = ?" if topic else "")
            params: tuple[object, ...] = (chat_id, topic_key(topic)) if topic else (chat_id,)
            rows = self._conn.execute(query + " RETURNING topic", params).fetchall()
            return sorted(row[0] for row in rows)

    def following(self, chat_id: int) -> list[str]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT topic FROM subscriptions WHERE chat_id = ? ORDER BY topic_key", (chat_id,)
            )
            return [row[0] for row in rows]

    def subscriptions(self) -> list[Subscription]:
        with self._lock:
            rows = self._conn.execute("SELECT chat_id, topic, language, thread_id FROM subscriptions").fetchall()
        return [Subscription(*row) for row in rows]

    def forget_chat(self, chat_id: int) -> None:
        """A chat that blocked the bot (or left): no topics, nothing left to send it."""
        with self._lock, self._conn:
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.execute("DELETE FROM subscriptions WHERE chat_id = ?", (chat_id,))
            self._conn.execute("DELETE FROM outbox WHERE chat_id = ?", (chat_id,))

    # -- checking briefs for alerts ---------------------------------------------------------------

    def unchecked(self, briefs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """The (brief id, content hash) pairs not checked for alerts yet."""
        with self._lock:
            checked = set(self._conn.execute("SELECT brief_id, content_hash FROM checked_briefs").fetchall())
        return [brief for brief in briefs if tuple(brief) not in checked]

    def unseen(self, paragraph_keys: Sequence[str]) -> set[str]:
        with self._lock:
            seen = {
                row[0]
                for key in paragraph_keys
                for row in self._conn.execute(
                    "SELECT paragraph_key FROM seen_paragraphs WHERE paragraph_key = ?", (key,)
                )
            }
        return set(paragraph_keys) - seen

    def checked(
        self, brief_id: str, content_hash: str, paragraph_keys: Iterable[str], alerts: Iterable[NewAlert]
    ) -> None:
        """The brief is checked: its paragraphs are seen and its alerts (chat id, thread id,
        payload) queued, all at once."""
        with self._lock, self._conn:
            self._conn.execute("BEGIN IMMEDIATE")
            inserted = self._conn.execute(
                "INSERT OR IGNORE INTO checked_briefs VALUES (?, ?)", (brief_id, content_hash)
            )
            if inserted.rowcount == 0:
                return  # checked already: its alerts were queued then
            self._conn.executemany(
                "INSERT OR IGNORE INTO seen_paragraphs VALUES (?)", [(key,) for key in paragraph_keys]
            )
            self._conn.executemany(
                "INSERT OR IGNORE INTO outbox (chat_id, thread_id, brief_id, payload) VALUES (?, ?, ?, ?)",
                [
                    (chat_id, thread_id, brief_id, json.dumps(payload, ensure_ascii=False, sort_keys=True))
                    for chat_id, thread_id, payload in alerts
                ],
            )

    # -- the outbox ---------------------------------------------------------------------------------

    def queued(self) -> list[QueuedAlert]:
        """Every queued alert: this process is the only one sending them."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT alert_id, chat_id, thread_id, brief_id, payload, parts_sent FROM outbox ORDER BY alert_id"
            ).fetchall()
        return [QueuedAlert(a, c, t, b, json.loads(p), s) for a, c, t, b, p, s in rows]

    def part_sent(self, alert_id: int) -> None:
        with self._lock:
            self._conn.execute("UPDATE outbox SET parts_sent = parts_sent + 1 WHERE alert_id = ?", (alert_id,))

    def sent(self, alert_id: int) -> None:
        with self._lock:
            self._conn.execute("DELETE FROM outbox WHERE alert_id = ?", (alert_id,))

    # -- /timeline's buttons ------------------------------------------------------------------------

    def remember_topic(self, topic: str) -> str:
        """The short key a button carries for `topic` (a topic may be longer than a button's data)."""
        key = short_key(topic)
        with self._lock:
            self._conn.execute("INSERT OR REPLACE INTO timeline_topics VALUES (?, ?)", (key, topic))
        return key

    def topic_of(self, key: str) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT topic FROM timeline_topics WHERE topic_key = ?", (key,)).fetchone()
        return row[0] if row else None

    # -- moving to another store ---------------------------------------------------------------------

    def copy_into(self, target: StateStore) -> int:
        """Copy followed topics, checked briefs, seen paragraphs, queued alerts and /timeline's
        topics into `target` (the database, when moving to several replicas); the number of
        followed topics copied. Checked briefs go along so that the move sends no alert again."""
        with self._lock:
            checked = self._conn.execute("SELECT brief_id, content_hash FROM checked_briefs").fetchall()
            seen = [row[0] for row in self._conn.execute("SELECT paragraph_key FROM seen_paragraphs")]
            queued = self._conn.execute("SELECT brief_id, chat_id, thread_id, payload FROM outbox").fetchall()
            topics = [row[0] for row in self._conn.execute("SELECT topic FROM timeline_topics")]
        subscriptions = self.subscriptions()
        for subscription in subscriptions:
            target.follow(subscription)
        alerts_of: dict[str, list[NewAlert]] = {}
        for brief_id, chat_id, thread_id, payload in queued:
            alerts_of.setdefault(brief_id, []).append((chat_id, thread_id, json.loads(payload)))
        for number, (brief_id, content_hash) in enumerate(checked):
            target.checked(brief_id, content_hash, seen if number == 0 else (), alerts_of.get(brief_id, ()))
        for topic in topics:
            target.remember_topic(topic)
        return len(subscriptions)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


__all__ = ["STATE_FILE", "BotState", "NewAlert", "QueuedAlert", "StateStore", "Subscription", "short_key", "topic_key"]
