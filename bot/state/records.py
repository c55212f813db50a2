"""The records of the bot's lasting state (followed topics, queued alerts) and the keys they are
stored under, shared by both places that state is kept: `sqlite.BotState` (one process, a SQLite
file in the data folder) and `postgres.PostgresBotState` (every replica, one PostgreSQL).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Subscription:
    chat_id: int
    topic: str
    language: str
    thread_id: int | None = None  # a forum topic of a group: alerts go there

    def row(self) -> tuple[int, str, str, str, int | None]:
        """The subscriptions table's columns, in order: chat_id, topic_key, topic, language,
        thread_id (the same in state.sqlite3 and PostgreSQL)."""
        return (self.chat_id, topic_key(self.topic), self.topic, self.language, self.thread_id)


@dataclass(frozen=True, slots=True)
class QueuedAlert:
    alert_id: int
    chat_id: int
    thread_id: int | None
    brief_id: str
    payload: dict[str, object]
    parts_sent: int  # parts of a long alert already delivered: never sent again


def topic_key(topic: str) -> str:
    """A topic as compared and stored: "Kursk", "kursk " and "KURSK" are one topic."""
    return " ".join(topic.casefold().split())


def short_key(topic: str) -> str:
    """A few bytes standing for a topic in a button's callback data."""
    return hashlib.sha1(topic_key(topic).encode()).hexdigest()[:12]
