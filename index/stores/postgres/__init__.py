"""The knowledge base in PostgreSQL with pgvector: several bot processes on several machines share it.

Tables (see `schema.py`): briefs; chunks with their date, section, offsets, a halfvec(384)
under a cosine index (HNSW below 100,000 chunks, an inverted file above: `sql.py`) and a
tsvector of the project's own terms (stop words, Sastrawi stems) under a GIN index; BM25's
impact-ordered posting blocks (`lexical`); the vector cache (float32); the manifest.

Generations the Postgres way: a reindex deletes the replaced briefs, inserts the new ones and
bumps the manifest's generation in ONE transaction. Every search runs in one REPEATABLE READ
transaction, so it sees the old generation or the new one, never a mix; a writer killed at any
point has its transaction rolled back by the server and the previous generation keeps answering.
One reindex at a time across every replica: `pg_try_advisory_lock`, held by a session the server
releases when its holder dies.

The lexical side computes FTS5's BM25 (k1 1.2, b 0.75, the same IDF floor), so fusion weights
tuned on the SQLite store hold here too; its top k comes from the posting blocks without scoring
every chunk that holds a question word (`lexical.top_k`).

Searches go to DATABASE_READ_URL when one is given (a streaming replica), everything else to
the primary.

- `connection`: connecting, URLs, creating a database, migrations;
- `schema`: the tables and the migrations that make them;
- `store`: `PostgresStore`, the `KnowledgeStore`; `search_view`: one generation as a search reads it;
- `sql`: literals and statements the writer and the search share;
- `lexical`: the posting blocks, written with each generation, and the top-k search over them;
- `files`: the briefs folder's files kept in the database (every replica sees an upload).
"""

from __future__ import annotations

from index.extras import require_postgres

# Before psycopg is imported below: without the extra, one line that says what to install.
require_postgres()

from index.stores.postgres.connection import (  # noqa: E402 (after the check above)
    REINDEX_LOCK_KEY,
    connect,
    ensure_database,
    migrate,
    redact_url,
    with_database,
)
from index.stores.postgres.store import PostgresStore  # noqa: E402 (after the check above)

__all__ = ["REINDEX_LOCK_KEY", "PostgresStore", "connect", "ensure_database", "migrate", "redact_url", "with_database"]
