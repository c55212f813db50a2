"""State of the bot that every replica must see, kept in PostgreSQL: with several bot processes
behind one webhook, the follow-up to a question may reach another process than the question did.

(Passage buttons need no table: their callback data names the chunk, which every replica reads
from the same database.)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import psycopg

from index.stores.postgres import connect

# As ConversationMemory: a chat's last question is the context of a follow-up for this long.
DEFAULT_TTL_S = 15 * 60
# Rows older than this many TTLs are swept now and then, so the table stays small.
SWEEP_EVERY_WRITES = 500


@dataclass(frozen=True, slots=True)
class SharedTurn:
    question: str
    language: str
    answered: bool = True


class SharedConversationMemory:
    """The last question of each chat, in the `conversation_turns` table; same interface as the
    in-process `bot.engine.followups.ConversationMemory`. Safe to share between threads."""

    def __init__(self, url: str, ttl_s: float = DEFAULT_TTL_S) -> None:
        self._url = url
        self._ttl_s = ttl_s
        self._local = threading.local()
        self._writes = 0

    def _conn(self) -> psycopg.Connection:
        conn: psycopg.Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.broken:
            conn = connect(self._url, vectors=False)
            self._local.conn = conn
        return conn

    def last(self, chat_key: str) -> SharedTurn | None:
        row = self._conn().execute(
            "SELECT question, language, answered FROM conversation_turns "
            "WHERE chat_key = %s AND asked_at > now() - make_interval(secs => %s)",
            (chat_key, self._ttl_s),
        ).fetchone()
        return SharedTurn(row[0], row[1], bool(row[2])) if row else None

    def remember(self, chat_key: str, question: str, language: str, *, answered: bool = True) -> None:
        conn = self._conn()
        conn.execute(
            "INSERT INTO conversation_turns (chat_key, question, language, answered, asked_at) "
            "VALUES (%s, %s, %s, %s, now()) ON CONFLICT (chat_key) DO UPDATE SET "
            "question = excluded.question, language = excluded.language, "
            "answered = excluded.answered, asked_at = excluded.asked_at",
            (chat_key, question, language, answered),
        )
        self._writes += 1
        if self._writes % SWEEP_EVERY_WRITES == 0:
            conn.execute(
                "DELETE FROM conversation_turns WHERE asked_at < now() - make_interval(secs => %s)",
                (self._ttl_s,),
            )
