"""Where the knowledge base lives: one protocol (`protocol.KnowledgeStore`), two stores.

- `sqlite.SqliteFaissStore`: a data folder on one disk (SQLite catalog + FAISS files), the
  default;
- `postgres.PostgresStore`: PostgreSQL with pgvector, chosen by DATABASE_URL=postgresql://...,
  shared by bot processes on several machines (reads optionally from DATABASE_READ_URL).

`open_store` picks one; nothing else in the project needs to know which.
"""

from __future__ import annotations

from pathlib import Path

from index.stores.protocol import KnowledgeStore


def is_postgres_url(url: str | None) -> bool:
    return bool(url) and str(url).split(":", 1)[0] in ("postgresql", "postgres")


def open_store(data_dir: Path, database_url: str | None = None, read_url: str | None = None) -> KnowledgeStore:
    """PostgreSQL when `database_url` is a postgresql:// URL, else the data folder's SQLite + FAISS."""
    if is_postgres_url(database_url):
        from index.stores.postgres import PostgresStore  # psycopg only when it is used

        return PostgresStore(str(database_url), read_url=read_url or None)
    if database_url:
        raise ValueError("DATABASE_URL must start with postgresql:// (leave it unset for SQLite + FAISS)")
    from index.stores.sqlite import SqliteFaissStore

    return SqliteFaissStore(data_dir)


__all__ = ["KnowledgeStore", "is_postgres_url", "open_store"]
