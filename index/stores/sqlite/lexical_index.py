"""The embedded store's lexical index: tantivy, one folder per generation.

Why tantivy: FTS5 scores every chunk that holds any question word (a question matches 116,000 of
a million chunks at the median), 335 ms / 1.1 s p50 / p95 at a million; tantivy's block-max WAND
returns the top k without scoring them all (1 / 4 ms, issue 19). It only *proposes* candidates:
their BM25 is recomputed with FTS5's formula (`index.text.bm25`), so fusion sees the scores it
was tuned on.

Documents are (chunk id, day ordinal, brief id, terms), the terms already analysed by
`index.text.terms.lexical_terms` (Indonesian stop words and Sastrawi stems as everywhere else)
and indexed with tantivy's whitespace tokenizer, so tantivy adds no analysis of its own.

Layout under the data folder:

    lexical/gen-<N>/          the tantivy index of generation N, plus GENERATION_FILE
    lexical/gen-<N>.tmp/      being written (never read; removed by the next write)

Crash safety, the same as the FAISS files: generation N+1 is written beside N (its files hard
links to N's: tantivy never rewrites a segment file, only adds new ones and atomically replaces
meta.json, so N stays intact), committed, synced, stamped with GENERATION_FILE and renamed into
place before the catalog's transaction names N+1 current. A write killed at any instant leaves
N whole; a folder whose stamp doesn't match the catalog is rebuilt from the catalog's terms.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import tantivy

from index.faults import crash_point

LEXICAL_DIR = "lexical"
GENERATION_FILE = "briefbot-generation.json"
# The writer's memory: enough that a million chunks go in as few segments (fewer merges).
WRITER_HEAP_BYTES = 200_000_000
# tantivy's own lock files: never linked into the next generation.
_LOCK_FILES = frozenset({".tantivy-writer.lock", ".tantivy-meta.lock"})


@dataclass(frozen=True, slots=True)
class LexicalDoc:
    chunk_id: int
    day: int  # the brief's date as an ordinal; 0 for an undated brief
    brief_id: str
    terms: Sequence[str]


@dataclass(frozen=True, slots=True)
class Stamp:
    """What GENERATION_FILE records: which generation the folder is, and BM25's statistics."""

    generation: int
    docs: int
    tokens: int  # the summed length (in terms) of every chunk: FTS5's average length is tokens/docs

    def to_json(self) -> str:
        return json.dumps({"generation": self.generation, "docs": self.docs, "tokens": self.tokens})


def schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("chunk_id", indexed=True, fast=True)
    builder.add_unsigned_field("day", indexed=True, fast=True)
    builder.add_text_field("brief_id", tokenizer_name="raw", index_option="basic")
    # Frequencies without positions: BM25 needs no more, and the index stays a third smaller.
    builder.add_text_field("terms", tokenizer_name="whitespace", index_option="freq")
    return builder.build()


_SCHEMA = schema()


def generation_dir(data_dir: Path, generation: int) -> Path:
    return data_dir / LEXICAL_DIR / f"gen-{generation:06d}"


def read_stamp(folder: Path) -> Stamp | None:
    try:
        raw = json.loads((folder / GENERATION_FILE).read_text())
        return Stamp(int(raw["generation"]), int(raw["docs"]), int(raw["tokens"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def folder_problem(data_dir: Path, generation: int, chunk_count: int) -> str | None:
    """None when generation `generation`'s lexical folder is whole and holds `chunk_count` chunks."""
    folder = generation_dir(data_dir, generation)
    stamp = read_stamp(folder)
    if stamp is None:
        return f"{folder.relative_to(data_dir)} is missing or unstamped"
    if stamp.generation != generation or stamp.docs != chunk_count:
        return f"{folder.relative_to(data_dir)} holds generation {stamp.generation} ({stamp.docs} chunks)"
    try:
        index = tantivy.Index.open(str(folder))
        docs = index.searcher().num_docs
    except (OSError, ValueError) as error:
        return f"{folder.relative_to(data_dir)} cannot be read ({error})"
    if docs != chunk_count:
        return f"{folder.relative_to(data_dir)} holds {docs} chunks, not {chunk_count}"
    return None


class LexicalIndex:
    """One generation's lexical index, read-only; safe to share between threads."""

    def __init__(self, index: tantivy.Index, stamp: Stamp) -> None:
        self._index = index
        self.stamp = stamp

    @classmethod
    def open(cls, data_dir: Path, generation: int) -> LexicalIndex:
        folder = generation_dir(data_dir, generation)
        stamp = read_stamp(folder)
        if stamp is None:
            raise OSError(f"{folder} is not a lexical index")
        return cls(tantivy.Index.open(str(folder)), stamp)

    @classmethod
    def in_memory(cls, docs: Iterable[LexicalDoc], generation: int) -> LexicalIndex:
        """Built in RAM: what searches use while a damaged folder awaits `briefbot index`."""
        index = tantivy.Index(_SCHEMA)
        count, tokens = _add_all(index, docs)
        return cls(index, Stamp(generation, count, tokens))

    @property
    def average_length(self) -> float:
        return self.stamp.tokens / self.stamp.docs if self.stamp.docs else 0.0

    def top(
        self,
        terms: Sequence[str],
        n: int,
        *,
        chunk_ids: Sequence[int] | None = None,
        days: Sequence[int] = (),
        brief_ids: Sequence[str] = (),
    ) -> list[int]:
        """The `n` chunks tantivy ranks best for any of `terms` (OR), best first; limited to
        `chunk_ids`, or to the briefs of `days` / `brief_ids`, when given. Its scores are not
        returned: they are Lucene's BM25, not FTS5's (see `index.text.bm25`)."""
        unique = list(dict.fromkeys(term for term in terms if term))
        if not unique or n <= 0 or (chunk_ids is not None and not chunk_ids):
            return []
        query = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(_SCHEMA, "terms", term)) for term in unique]
        )
        scope = _scope_query(chunk_ids, days, brief_ids)
        if scope is not None:
            # Score 0: the scope filters, it never reorders.
            query = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, query), (tantivy.Occur.Must, tantivy.Query.const_score_query(scope, 0.0))]
            )
        searcher = self._index.searcher()
        hits = searcher.search(query, n, count=False).hits
        if not hits:
            return []
        ids = searcher.fast_field_values("chunk_id", [address for _, address in hits])
        return [int(c) for c in ids if isinstance(c, int)]  # u64 values: always ints

    def doc_counts(self, terms: Sequence[str]) -> dict[str, int]:
        """How many chunks hold each term (deleted ones count until tantivy merges them away:
        a drift of the IDF of a few chunks per reindex)."""
        searcher = self._index.searcher()
        return {term: int(searcher.doc_freq("terms", term)) for term in dict.fromkeys(terms) if term}


def _scope_query(
    chunk_ids: Sequence[int] | None, days: Sequence[int], brief_ids: Sequence[str]
) -> tantivy.Query | None:
    parts: list[tantivy.Query] = []
    if chunk_ids is not None:
        parts.append(tantivy.Query.term_set_query(_SCHEMA, "chunk_id", [int(c) for c in chunk_ids]))
    for day in dict.fromkeys(days):
        parts.append(tantivy.Query.range_query(_SCHEMA, "day", tantivy.FieldType.Unsigned, day, day))
    if brief_ids:
        parts.append(tantivy.Query.term_set_query(_SCHEMA, "brief_id", list(brief_ids)))
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Should, part) for part in parts])


def _document(doc: LexicalDoc) -> tantivy.Document:
    document = tantivy.Document()
    document.add_unsigned("chunk_id", int(doc.chunk_id))
    document.add_unsigned("day", int(doc.day))
    document.add_text("brief_id", doc.brief_id)
    document.add_text("terms", " ".join(doc.terms))
    return document


def _writer(index: tantivy.Index) -> tantivy.IndexWriter:
    return index.writer(heap_size=WRITER_HEAP_BYTES, num_threads=min(2, os.cpu_count() or 1))


def _add_all(index: tantivy.Index, docs: Iterable[LexicalDoc]) -> tuple[int, int]:
    writer = _writer(index)
    count = tokens = 0
    for doc in docs:
        writer.add_document(_document(doc))
        count += 1
        tokens += len(doc.terms)
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return count, tokens


def write_generation(
    data_dir: Path,
    generation: int,
    *,
    previous: int | None,
    removed_brief_ids: Sequence[str] = (),
    removed_docs: int = 0,
    removed_tokens: int = 0,
    added: Iterable[LexicalDoc] = (),
) -> Stamp:
    """Write generation `generation` beside the others, whole or not at all.

    With `previous` (a sound folder of that generation), it starts from hard links to it, takes
    out `removed_brief_ids` (their `removed_docs` chunks of `removed_tokens` terms) and adds
    `added`; without, `added` is everything the generation holds.
    """
    root = data_dir / LEXICAL_DIR
    root.mkdir(parents=True, exist_ok=True)
    final = generation_dir(data_dir, generation)
    tmp = final.with_name(final.name + ".tmp")
    for stale in (tmp, final):  # left by a killed write of this same number
        shutil.rmtree(stale, ignore_errors=True)
    tmp.mkdir()
    base = Stamp(generation, 0, 0)
    if previous is not None:
        base = _link_previous(data_dir, previous, tmp, generation)
    index = tantivy.Index(_SCHEMA, path=str(tmp), reuse=previous is not None)
    writer = _writer(index)
    for brief_id in dict.fromkeys(removed_brief_ids):
        # By query: `delete_documents_by_term` was measured to delete nothing on some fields.
        writer.delete_documents_by_query(tantivy.Query.term_query(_SCHEMA, "brief_id", brief_id))
    count = tokens = 0
    for doc in added:
        writer.add_document(_document(doc))
        count += 1
        tokens += len(doc.terms)
    crash_point("lexical-before-commit")
    writer.commit()
    writer.wait_merging_threads()
    stamp = Stamp(generation, base.docs - removed_docs + count, base.tokens - removed_tokens + tokens)
    _write_synced(tmp / GENERATION_FILE, stamp.to_json())
    _sync_folder(tmp)
    crash_point("lexical-before-rename")
    os.replace(tmp, final)
    _fsync_dir(root)
    return stamp


def _link_previous(data_dir: Path, previous: int, into: Path, generation: int) -> Stamp:
    source = generation_dir(data_dir, previous)
    stamp = read_stamp(source)
    if stamp is None:
        raise OSError(f"{source} is not a lexical index")
    for path in source.iterdir():
        if path.is_file() and path.name not in _LOCK_FILES and path.name != GENERATION_FILE:
            os.link(path, into / path.name)
    return Stamp(generation, stamp.docs, stamp.tokens)


def remove_stale(data_dir: Path, keep: int) -> None:
    """Every generation folder but `keep`'s (a reader still on an older one keeps its open files)."""
    root = data_dir / LEXICAL_DIR
    if not root.is_dir():
        return
    for folder in root.iterdir():
        if folder.name.startswith("gen-") and folder != generation_dir(data_dir, keep):
            shutil.rmtree(folder, ignore_errors=True)


def _write_synced(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _sync_folder(folder: Path) -> None:
    for path in folder.iterdir():
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
