"""What a store of the knowledge base must do, whichever database holds it.

Two stores satisfy it: `SqliteFaissStore` (one data folder: a SQLite catalog and a FAISS file per
generation, the default) and `PostgresStore` (PostgreSQL with pgvector, shared by several bot
processes on several machines). The indexer writes through `write_documents`; the retriever reads
through a `SearchView`, which sees one generation whole for as long as it is open.

A document here is a chunk (a passage of a brief); briefs are written and deleted with their
chunks, a generation at a time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, runtime_checkable

import numpy as np

from index.embeddings import EmbedderInfo
from index.errors import EmbedderMismatchError, embedder_mismatch_message
from index.records import BriefRecord, Chunk, ParsedBrief, Passage


@dataclass(frozen=True, slots=True)
class ChunkToWrite:
    chunk: Chunk
    embed_hash: str  # the key of its vector in the vector cache
    terms: tuple[str, ...]  # what the lexical side indexes (index.text.terms.lexical_terms)


@dataclass(frozen=True, slots=True)
class BriefToWrite:
    brief_id: str
    source: str
    content_hash: str
    parsed: ParsedBrief
    chunks: tuple[ChunkToWrite, ...]


@dataclass(frozen=True, slots=True)
class NextGeneration:
    """One reindex's change, applied whole or not at all.

    `replaced_brief_ids` leave the index (removed files, and briefs written again below);
    `briefs` enter it. Every vector they need is in the vector cache already.
    """

    replaced_brief_ids: tuple[str, ...]
    briefs: tuple[BriefToWrite, ...]
    embedder: EmbedderInfo
    lexicon: str  # the version of the terms (index.text.terms.LEXICON_VERSION)
    parser: str = ""  # the version of the loaders (index.loaders.PARSER_VERSION)
    rebuild: bool = False  # a full reindex: nothing of the previous generation is kept
    # (source, why) of the files this reindex skipped: kept in the manifest for `status`.
    skipped: tuple[tuple[str, str], ...] = ()


@runtime_checkable
class SearchView(Protocol):
    """One generation, read consistently: every call sees the same briefs, chunks and vectors."""

    generation: int

    def brief_dates(self) -> list[date]:
        """The distinct dates of the indexed briefs, newest first."""
        ...

    def briefs_whose_lead_has(self, needle: str, lead_chars: int) -> list[tuple[str, str]]:
        """(brief id, lead) of the briefs whose first `lead_chars` characters contain `needle`."""
        ...

    def filter_chunk_ids(self, *, dates: Sequence[date] = (), brief_ids: Sequence[str] = ()) -> list[int]:
        """The chunk ids of the briefs dated `dates` or named in `brief_ids`."""
        ...

    def lexical_scores(self, terms: Sequence[str]) -> dict[int, float]:
        """BM25 (FTS5's formula, higher is better) of every chunk holding any of `terms`: grows
        with the collection; the tuning script's, not the questions'."""
        ...

    def lexical_top(self, terms: Sequence[str], n: int, scope: Sequence[int] | None) -> dict[int, float]:
        """The `n` chunks of best BM25 (FTS5's formula) for any of `terms`, among `scope` when
        given, with their scores: without scoring every chunk that holds a term."""
        ...

    def lexical_scores_of(self, terms: Sequence[str], chunk_ids: Sequence[int]) -> dict[int, float]:
        """BM25 (FTS5's formula) of these chunks; those holding none of `terms` left out."""
        ...

    def term_document_counts(self, terms: Sequence[str]) -> tuple[int, dict[str, int]]:
        """(chunks in the index, how many of them hold each term): BM25's IDF inputs."""
        ...

    def chunks_holding(self, terms: Sequence[str], *, phrase: bool = False) -> list[int]:
        """The chunks holding every one of `terms` (with `phrase`: one after another)."""
        ...

    def dense_search(self, query_vector: np.ndarray, n: int, scope: Sequence[int] | None) -> list[tuple[int, float]]:
        """The `n` chunks nearest the question (cosine), among `scope` when given, best first."""
        ...

    def vectors(self, chunk_ids: Sequence[int]) -> np.ndarray:
        """The stored (normalized) vectors of `chunk_ids`, one row each, in that order."""
        ...

    def chunk_rows(self, chunk_ids: Sequence[int]) -> dict[int, Passage]: ...


@runtime_checkable
class KnowledgeStore(Protocol):
    """Briefs, chunks, vectors and the manifest; count / write / delete / filter, plus search."""

    kind: str  # "sqlite-faiss" | "postgres"

    # -- documents ------------------------------------------------------------------------------

    def count_documents(self) -> int:
        """How many chunks the current generation holds."""
        ...

    def filter_documents(
        self,
        *,
        chunk_ids: Sequence[int] = (),
        dates: Sequence[date] = (),
        brief_ids: Sequence[str] = (),
    ) -> list[Passage]:
        """The chunks with these ids, or of the briefs of these dates or ids; newest brief first,
        then in brief order."""
        ...

    def write_documents(self, generation: NextGeneration) -> int:
        """Apply one reindex as the next generation, in one transaction; returns its number.

        Readers see the previous generation or this one, never a mix; a writer killed at any
        point leaves the previous generation answering."""
        ...

    def delete_documents(self, brief_ids: Sequence[str], embedder: EmbedderInfo, lexicon: str) -> int:
        """Take these briefs and their chunks out, as a generation of its own."""
        ...

    def briefs(self) -> list[BriefRecord]:
        """Indexed briefs, newest first."""
        ...

    def brief_text(self, brief_id: str) -> str | None: ...

    # -- manifest and vector cache ----------------------------------------------------------------

    def manifest(self) -> dict[str, str]:
        """generation, embedder (JSON), lexicon, parser, last_indexed_at, schema_version,
        skipped_files (JSON: the files the last reindex skipped, and why)."""
        ...

    def mark_indexed_now(self, skipped: Sequence[tuple[str, str]] = ()) -> None:
        """A reindex that changed nothing still records when it ran (and the files it skipped)."""
        ...

    def repair(self, embedder: EmbedderInfo, *, full: bool) -> list[str]:
        """Damage found in the store's own files, each repaired (or set up to be repaired by the
        full pass that follows); one line each. Called with the reindex lock held."""
        ...

    def cached_hashes(self, hashes: Iterable[str]) -> set[str]: ...

    def cache_vectors(self, hashes: Sequence[str], vectors: np.ndarray) -> None:
        """Kept at once, in their own transaction: a killed reindex resumes from them."""
        ...

    # -- reading, locking -----------------------------------------------------------------------

    def search_view(self) -> AbstractContextManager[SearchView]: ...

    def warm(self) -> int:
        """Loads what the current generation's searches read into memory now rather than at the
        first questions (a running store does it by itself); how much was read, in the store's
        own unit (0: nothing more to load)."""
        ...

    def reindex_lock(self) -> AbstractContextManager[None]:
        """Held by the one reindex allowed at a time (across processes and machines);
        raises ReindexAlreadyRunningError when another holds it."""
        ...

    def size_bytes(self) -> int: ...

    def close(self) -> None: ...


# The manifest key listing the files the last reindex skipped, and why (for status).
SKIPPED_FILES_KEY = "skipped_files"


def skipped_json(skipped: Sequence[tuple[str, str]]) -> str:
    return json.dumps([{"source": source, "reason": reason} for source, reason in skipped], ensure_ascii=False)


def skipped_files(manifest: dict[str, str]) -> list[tuple[str, str]]:
    """(source, why) of each file the last reindex could not use."""
    raw = manifest.get(SKIPPED_FILES_KEY)
    return [(item["source"], item["reason"]) for item in json.loads(raw)] if raw else []


def embedder_on_disk(store: KnowledgeStore) -> dict[str, Any] | None:
    raw = store.manifest().get("embedder")
    return json.loads(raw) if raw else None


def check_embedder(store: KnowledgeStore, configured: EmbedderInfo) -> None:
    """Raises EmbedderMismatchError when the index was built with another embedder."""
    on_disk = embedder_on_disk(store)
    if on_disk is not None and on_disk != configured.to_json():
        raise EmbedderMismatchError(embedder_mismatch_message(on_disk, configured))
