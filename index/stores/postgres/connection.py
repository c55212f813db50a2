"""Connecting to PostgreSQL (pgvector registered, a bounded connect timeout), URLs with the
password redacted, creating a database, and migrating the schema under an advisory lock.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import psycopg
import psycopg.sql
from pgvector.psycopg import register_vector

from index.errors import StoreUnavailableError
from index.stores.postgres.schema import MIGRATIONS

# Advisory lock keys (any bigint; scoped to the database).
REINDEX_LOCK_KEY = 0x62726965_66000001
MIGRATION_LOCK_KEY = 0x62726965_66000002
CONNECT_TIMEOUT_S = 10


def redact_url(url: str) -> str:
    """The URL with its password replaced by ***: what may appear in a log or a message."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


def connect(url: str, *, vectors: bool = True) -> psycopg.Connection:
    """An autocommit connection (transactions are explicit) with the vector type registered."""
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)
    except psycopg.OperationalError as error:
        raise StoreUnavailableError(f"Cannot connect to PostgreSQL at {redact_url(url)}: {first_line(error)}") from None
    if vectors:
        try:
            register_vector(conn)
        except psycopg.ProgrammingError:
            conn.close()
            raise StoreUnavailableError(
                f"The pgvector extension is not installed in {redact_url(url)}: run `briefbot migrate`."
            ) from None
    return conn


def with_database(url: str, database: str) -> str:
    """The same server and credentials, another database."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


def ensure_database(url: str, database: str) -> str:
    """The URL of `database` on the server of `url`, created when missing (needs CREATEDB)."""
    conn = connect(url, vectors=False)
    try:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not exists:
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(database)))
    finally:
        conn.close()
    return with_database(url, database)


def schema_version(conn: psycopg.Connection) -> int:
    exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return 0
    row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def migrate(url: str) -> list[int]:
    """Apply the migrations not applied yet, each in its own transaction; returns their versions."""
    conn = connect(url, vectors=False)
    applied: list[int] = []
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, "
                "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
            )
        for migration in MIGRATIONS:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
                if schema_version(conn) >= migration.version:
                    continue
                conn.execute(migration.sql)
                conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                    (migration.version, migration.name),
                )
                applied.append(migration.version)
    finally:
        conn.close()
    return applied


def first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
