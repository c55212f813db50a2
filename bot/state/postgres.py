"""State of the bot that every replica must see, kept in PostgreSQL: with several bot processes
behind one webhook, the follow-up to a question may reach another process than the question did,
/following may reach another one than /follow did, and any of them may check a new brief.

- `SharedConversationMemory`: the last question of each chat (`conversation_turns`);
- `PostgresBotState`: followed topics, checked briefs, seen paragraphs, the alert outbox and
  /timeline's topics (the tables of `DATA_DIR/state.sqlite3`, migration 3), with the guarantees
  of `bot.state.sqlite.BotState` kept across replicas: a brief checked on two replicas at once queues its
  alerts once, and an alert is sent by one replica at a time (a lease on the row).

(Passage buttons need no table: their callback data names the chunk, which every replica reads
from the same database.)
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import psycopg

from bot.state.records import QueuedAlert, Subscription, short_key, topic_key
from index.errors import StoreUnavailableError
from index.stores.postgres.connection import connect

# As ConversationMemory: a chat's last question is the context of a follow-up for this long.
DEFAULT_TTL_S = 15 * 60
# Rows older than this many TTLs are swept now and then, so the table stays small.
SWEEP_EVERY_WRITES = 500
# How long a replica holds the alerts it claimed; each part it delivers renews the lease. A
# replica that dies mid-send lets its alerts go to the others when the lease runs out.
ALERT_LEASE_S = 5 * 60
# Alerts claimed at a time: few, so that the lease is renewed long before it could run out
# while the claimed ones wait their turn.
ALERT_CLAIM_BATCH = 20


class _ConnectionPerThread:
    """One autocommit connection per thread (bot calls come from a thread pool); all closed at
    `close()`."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._local = threading.local()
        self._all: list[psycopg.Connection] = []
        self._lock = threading.Lock()

    def get(self) -> psycopg.Connection:
        conn: psycopg.Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.broken:
            conn = connect(self._url, vectors=False)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()


@dataclass(frozen=True, slots=True)
class SharedTurn:
    question: str
    language: str
    answered: bool = True


class SharedConversationMemory:
    """The last question of each chat, in the `conversation_turns` table; same interface as the
    in-process `bot.engine.followups.ConversationMemory`. Safe to share between threads."""

    def __init__(self, url: str, ttl_s: float = DEFAULT_TTL_S) -> None:
        self._connections = _ConnectionPerThread(url)
        self._ttl_s = ttl_s
        self._writes = 0

    def last(self, chat_key: str) -> SharedTurn | None:
        row = (
            self._connections.get()
            .execute(
                "SELECT question, language, answered FROM conversation_turns "
                "WHERE chat_key = %s AND asked_at > now() - make_interval(secs => %s)",
                (chat_key, self._ttl_s),
            )
            .fetchone()
        )
        return SharedTurn(row[0], row[1], bool(row[2])) if row else None

    def remember(self, chat_key: str, question: str, language: str, *, answered: bool = True) -> None:
        conn = self._connections.get()
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


class PostgresBotState:
    """The bot's lasting state for every replica on one database: a `bot.state.StateStore`, as
    `bot.state.sqlite.BotState` is for one process. Safe to share between threads.

    Each instance is one sender of alerts (`sender`, random): `queued` claims alerts for it
    (`SELECT ... FOR UPDATE SKIP LOCKED`, then a lease), so two replicas sending the outbox at once
    never get the same alert. A flood-control wait longer than the lease is the one way an alert
    could go out twice (another replica takes it over); it is never lost.
    """

    def __init__(self, url: str, *, lease_s: float = ALERT_LEASE_S, claim_batch: int = ALERT_CLAIM_BATCH) -> None:
        self._connections = _ConnectionPerThread(url)
        self._lease_s = lease_s
        self._claim_batch = claim_batch
        self.sender = uuid.uuid4().hex

    # -- followed topics --------------------------------------------------------------------------

    def follow(self, subscription: Subscription) -> bool:
        """False when the chat already follows the topic."""
        cursor = self._connections.get().execute(
            "INSERT INTO subscriptions (chat_id, topic_key, topic, language, thread_id) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            subscription.row(),
        )
        return cursor.rowcount == 1

    def unfollow(self, chat_id: int, topic: str | None = None) -> list[str]:
        """Stop following `topic` (every topic when None); the topics dropped."""
        query = "DELETE FROM subscriptions WHERE chat_id = %s" + (" AND topic_key = %s" if topic else "")
        params: tuple[object, ...] = (chat_id, topic_key(topic)) if topic else (chat_id,)
        rows = self._connections.get().execute(query + " RETURNING topic", params).fetchall()
        return sorted(row[0] for row in rows)

    def following(self, chat_id: int) -> list[str]:
        rows = (
            self._connections.get()
            .execute("SELECT topic FROM subscriptions WHERE chat_id = %s ORDER BY topic_key", (chat_id,))
            .fetchall()
        )
        return [row[0] for row in rows]

    def subscriptions(self) -> list[Subscription]:
        rows = (
            self._connections.get().execute("SELECT chat_id, topic, language, thread_id FROM subscriptions").fetchall()
        )
        return [Subscription(*row) for row in rows]

    def forget_chat(self, chat_id: int) -> None:
        """A chat that blocked the bot (or left): no topics, nothing left to send it."""
        conn = self._connections.get()
        with conn.transaction():
            conn.execute("DELETE FROM subscriptions WHERE chat_id = %s", (chat_id,))
            conn.execute("DELETE FROM outbox WHERE chat_id = %s", (chat_id,))

    # -- checking briefs for alerts ---------------------------------------------------------------

    def unchecked(self, briefs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """The (brief id, content hash) pairs not checked for alerts yet."""
        wanted = [(brief_id, content_hash) for brief_id, content_hash in briefs]
        rows = (
            self._connections.get()
            .execute(
                "SELECT brief_id, content_hash FROM checked_briefs WHERE brief_id = ANY(%s)",
                ([brief_id for brief_id, _ in wanted],),
            )
            .fetchall()
        )
        checked = {(row[0], row[1]) for row in rows}
        return [pair for pair in wanted if pair not in checked]

    def unseen(self, paragraph_keys: Sequence[str]) -> set[str]:
        rows = (
            self._connections.get()
            .execute("SELECT paragraph_key FROM seen_paragraphs WHERE paragraph_key = ANY(%s)", (list(paragraph_keys),))
            .fetchall()
        )
        return set(paragraph_keys) - {row[0] for row in rows}

    def checked(
        self,
        brief_id: str,
        content_hash: str,
        paragraph_keys: Iterable[str],
        alerts: Iterable[tuple[int, int | None, dict[str, object]]],
    ) -> None:
        """The brief is checked: its paragraphs are seen and its alerts queued, all at once. When
        two replicas check the same brief together, the second one's insert waits for the first
        one's commit, then finds the row: it queues nothing."""
        conn = self._connections.get()
        with conn.transaction():
            first = conn.execute(
                "INSERT INTO checked_briefs (brief_id, content_hash) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                (brief_id, content_hash),
            ).rowcount
            if first == 0:
                return
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO seen_paragraphs (paragraph_key) VALUES (%s) ON CONFLICT DO NOTHING",
                    [(key,) for key in paragraph_keys],
                )
                rows = []
                for chat_id, thread_id, payload in alerts:
                    text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
                    rows.append((chat_id, thread_id, brief_id, text, hashlib.sha256(text.encode()).hexdigest()))
                cursor.executemany(
                    "INSERT INTO outbox (chat_id, thread_id, brief_id, payload, payload_hash) "
                    "VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    rows,
                )

    # -- the outbox ---------------------------------------------------------------------------------

    def queued(self) -> list[QueuedAlert]:
        """The next few alerts, claimed for this sender: those nobody holds, those whose lease ran
        out, and those this sender holds already (it stopped before sending them)."""
        rows = (
            self._connections.get()
            .execute(
                "UPDATE outbox SET claimed_by = %(me)s, claimed_until = now() + make_interval(secs => %(lease)s) "
                "WHERE alert_id IN ("
                "  SELECT alert_id FROM outbox"
                "  WHERE claimed_until IS NULL OR claimed_until < now() OR claimed_by = %(me)s"
                "  ORDER BY alert_id LIMIT %(batch)s FOR UPDATE SKIP LOCKED"
                ") RETURNING alert_id, chat_id, thread_id, brief_id, payload, parts_sent",
                {"me": self.sender, "lease": self._lease_s, "batch": self._claim_batch},
            )
            .fetchall()
        )
        return [QueuedAlert(a, c, t, b, json.loads(p), s) for a, c, t, b, p, s in sorted(rows)]

    def part_sent(self, alert_id: int) -> None:
        self._connections.get().execute(
            "UPDATE outbox SET parts_sent = parts_sent + 1, "
            "claimed_until = now() + make_interval(secs => %s) WHERE alert_id = %s",
            (self._lease_s, alert_id),
        )

    def sent(self, alert_id: int) -> None:
        self._connections.get().execute("DELETE FROM outbox WHERE alert_id = %s", (alert_id,))

    # -- /timeline's buttons ------------------------------------------------------------------------

    def remember_topic(self, topic: str) -> str:
        """The short key a button carries for `topic` (a topic may be longer than a button's data)."""
        key = short_key(topic)
        self._connections.get().execute(
            "INSERT INTO timeline_topics (topic_key, topic) VALUES (%s, %s) "
            "ON CONFLICT (topic_key) DO UPDATE SET topic = excluded.topic",
            (key, topic),
        )
        return key

    def topic_of(self, key: str) -> str | None:
        row = (
            self._connections.get().execute("SELECT topic FROM timeline_topics WHERE topic_key = %s", (key,)).fetchone()
        )
        return row[0] if row else None

    def close(self) -> None:
        """Closes the connections; the alerts this sender claimed and did not send go back to the
        others at once (a replica stopping mid-send), not when the lease ends."""
        try:
            self._connections.get().execute(
                "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = %s", (self.sender,)
            )
        except (psycopg.Error, StoreUnavailableError):  # the database is gone: the lease lets them go
            pass
        finally:
            self._connections.close()
