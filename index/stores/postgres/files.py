"""The briefs folder's files in PostgreSQL (`brief_files`, migration 4), so that every replica can
rebuild its own briefs folder: an upload to one replica, a /remove on another, and a third one's
reindex still sees the same briefs. `index/brief_sync.py` brings a folder in line with the table.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import psycopg

from index.stores.postgres.connection import connect


@dataclass(frozen=True, slots=True)
class StoredFile:
    content_hash: str
    removed: bool  # a tombstone: /remove took it out; replicas move their copy aside


class PostgresBriefFiles:
    """The `brief_files` table; safe to share between threads (one connection behind a lock:
    uploads and reindexes are rare and short)."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._conn_: psycopg.Connection | None = None
        self._lock = threading.Lock()

    def _conn(self) -> psycopg.Connection:
        if self._conn_ is None or self._conn_.closed or self._conn_.broken:
            self._conn_ = connect(self._url, vectors=False)
        return self._conn_

    def catalog(self) -> dict[str, StoredFile]:
        """Every file the table knows, removed ones included, without their content."""
        with self._lock:
            rows = self._conn().execute("SELECT name, content_hash, removed_at IS NOT NULL FROM brief_files").fetchall()
        return {name: StoredFile(digest, bool(removed)) for name, digest, removed in rows}

    def content(self, name: str) -> bytes | None:
        with self._lock:
            row = self._conn().execute("SELECT content FROM brief_files WHERE name = %s", (name,)).fetchone()
        return bytes(row[0]) if row else None

    def holding(self, content_hash: str) -> str | None:
        """The name of a (not removed) file with this content, if any."""
        with self._lock:
            row = (
                self._conn()
                .execute(
                    "SELECT name FROM brief_files WHERE content_hash = %s AND removed_at IS NULL ORDER BY name LIMIT 1",
                    (content_hash,),
                )
                .fetchone()
            )
        return str(row[0]) if row else None

    def add(self, name: str, data: bytes, content_hash: str) -> bool:
        """Store a new file under `name`; a removed one of that name is replaced. False, and
        nothing changed, when a file of that name is there (another replica's upload)."""
        with self._lock:
            cursor = self._conn().execute(
                "INSERT INTO brief_files (name, content, content_hash) VALUES (%s, %s, %s) "
                "ON CONFLICT (name) DO UPDATE SET content = excluded.content, "
                "content_hash = excluded.content_hash, uploaded_at = now(), removed_at = NULL "
                "WHERE brief_files.removed_at IS NOT NULL",
                (name, data, content_hash),
            )
            return cursor.rowcount == 1

    def replace(self, name: str, data: bytes, content_hash: str, *, was: str) -> bool:
        """The file edited in a briefs folder: its new content, unless the stored one is no
        longer `was` (changed meanwhile by another replica: that change wins)."""
        with self._lock:
            cursor = self._conn().execute(
                "UPDATE brief_files SET content = %s, content_hash = %s, uploaded_at = now() "
                "WHERE name = %s AND content_hash = %s AND removed_at IS NULL",
                (data, content_hash, name, was),
            )
            return cursor.rowcount == 1

    def remove(self, name: str, data: bytes | None, content_hash: str | None) -> None:
        """A tombstone for `name`: `data` is the removed file's content, stored as the tombstone
        when the table did not have the file yet (so other replicas recognise their copy)."""
        with self._lock:
            conn = self._conn()
            if data is not None and content_hash is not None:
                conn.execute(
                    "INSERT INTO brief_files (name, content, content_hash, removed_at) VALUES (%s, %s, %s, now()) "
                    "ON CONFLICT (name) DO UPDATE SET removed_at = now() WHERE brief_files.removed_at IS NULL",
                    (name, data, content_hash),
                )
            else:
                conn.execute(
                    "UPDATE brief_files SET removed_at = now() WHERE name = %s AND removed_at IS NULL", (name,)
                )

    def remove_if(self, name: str, content_hash: str) -> bool:
        """A tombstone for `name` if its content is still `content_hash` (a file deleted from a
        briefs folder by hand; another replica's later change wins)."""
        with self._lock:
            cursor = self._conn().execute(
                "UPDATE brief_files SET removed_at = now() "
                "WHERE name = %s AND content_hash = %s AND removed_at IS NULL",
                (name, content_hash),
            )
            return cursor.rowcount == 1

    def restore(self, name: str) -> None:
        """Undo `remove` (the removal could not go on)."""
        with self._lock:
            self._conn().execute("UPDATE brief_files SET removed_at = NULL WHERE name = %s", (name,))

    def close(self) -> None:
        with self._lock:
            if self._conn_ is not None:
                self._conn_.close()
                self._conn_ = None
