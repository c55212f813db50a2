"""Incremental, crash-safe reindex of the briefs folder into the data folder.

Unchanged briefs (same content hash) are never re-embedded; a changed brief's chunks are
replaced; a deleted file's chunks leave the index; the same content under a second name is
skipped. Vectors are cached by the hash of (embedder, embedded text), so even a changed brief
only embeds its changed paragraphs, and a run killed mid-way resumes from what it had embedded.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from index.chunking import DEFAULT_MAX_CHARS, chunk_brief
from index.embeddings import DEFAULT_BATCH_SIZE, BriefEmbeddings
from index.errors import EmbedderMismatchError
from index.faults import CRASH_POINT_ENV, crash_point
from index.loaders import (
    DEFAULT_MAX_BRIEF_BYTES,
    PARSER_VERSION,
    SUPPORTED_SUFFIXES,
    BriefLoadError,
    check_size,
    parse_brief,
)
from index.records import BriefRecord, Chunk, JsonRecord, ParsedBrief, as_json
from index.stores.protocol import (
    BriefToWrite,
    ChunkToWrite,
    KnowledgeStore,
    NextGeneration,
    check_embedder,
    embedder_on_disk,
)
from index.text.terms import LEXICON_VERSION, lexical_terms

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReindexProgress:
    """Where a reindex stands; `done`/`total` count briefs while reading, chunks while embedding."""

    stage: str  # "reading" | "embedding" | "writing" | "done"
    done: int
    total: int


ProgressListener = Callable[[ReindexProgress], None]


@dataclass(frozen=True, slots=True)
class IndexReport(JsonRecord):
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: int = 0
    # (source skipped, source it duplicates)
    duplicates: tuple[tuple[str, str], ...] = field(
        default=(), metadata=as_json(write=lambda pairs: [{"source": s, "duplicate_of": d} for s, d in pairs])
    )
    # (source, why it could not be read)
    failed: tuple[tuple[str, str], ...] = field(
        default=(), metadata=as_json(write=lambda pairs: [{"source": s, "error": e} for s, e in pairs])
    )
    repairs: tuple[str, ...] = ()  # damage found in the data folder, and what was done about it
    chunks_embedded: int = 0
    chunks_total: int = 0
    briefs_total: int = 0
    seconds: float = field(default=0.0, metadata=as_json(digits=3))

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


@dataclass(slots=True)
class _PlannedBrief:
    brief_id: str
    source: str
    content_hash: str
    parsed: ParsedBrief
    chunks: list[Chunk] = field(default_factory=list)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def embed_hash(embedder_spec: str, embed_text: str) -> str:
    return hashlib.sha256(f"{embedder_spec}\n{embed_text}".encode()).hexdigest()


def brief_files(briefs_dir: Path) -> dict[str, Path]:
    """Supported files under the briefs folder, by path relative to it; hidden files skipped."""
    if not briefs_dir.is_dir():
        return {}
    found: dict[str, Path] = {}
    for path in sorted(briefs_dir.rglob("*")):
        relative = path.relative_to(briefs_dir)
        if any(part.startswith((".", "~")) for part in relative.parts):
            continue
        if path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES:
            found[relative.as_posix()] = path
    return found


_ID_UNSAFE = re.compile(r"[^a-z0-9]+")


def brief_id_for(source: str, taken: set[str]) -> str:
    """A readable, stable id from the file's path ("2024-11-13-perang"), unique in the catalog."""
    stem = source.rsplit(".", 1)[0]
    base = _ID_UNSAFE.sub("-", stem.lower()).strip("-") or "brief"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


class Indexer:
    """Brings the store in line with the briefs folder."""

    def __init__(
        self,
        briefs_dir: Path,
        store: KnowledgeStore,
        embedder: BriefEmbeddings,
        *,
        chunk_max_chars: int = DEFAULT_MAX_CHARS,
        batch_size: int = DEFAULT_BATCH_SIZE,
        today: date | None = None,
        max_brief_bytes: int = DEFAULT_MAX_BRIEF_BYTES,
        parsed_already: Mapping[tuple[str, str], ParsedBrief] | None = None,
    ) -> None:
        """`parsed_already` holds briefs parsed before, by (file name, content hash): an upload
        that was checked by parsing it is not parsed a second time."""
        self.briefs_dir = briefs_dir
        self.store = store
        self.embedder = embedder
        self.chunk_max_chars = chunk_max_chars
        self.batch_size = batch_size
        self.today = today
        self.max_brief_bytes = max_brief_bytes
        self.parsed_already = parsed_already or {}

    def run(self, *, full: bool = False, progress: ProgressListener | None = None) -> IndexReport:
        """Reindex; raises ReindexAlreadyRunningError when another reindex holds the lock."""
        notify = progress or (lambda _: None)
        started = time.perf_counter()
        with self.store.reindex_lock():
            # Damage in the store's own files (a SQLite catalog or FAISS file): repaired, and a
            # repair is a full pass: every brief re-read and the vectors rebuilt from the vector
            # cache, so only vectors the cache lacks are embedded again.
            repairs = self.store.repair(self.embedder.info, full=full)
            report = self._run_locked(self.store, full=full or bool(repairs), notify=notify)
        report = replace(report, seconds=time.perf_counter() - started, repairs=tuple(repairs))
        notify(ReindexProgress("done", report.chunks_total, report.chunks_total))
        return report

    def _run_locked(self, store: KnowledgeStore, *, full: bool, notify: ProgressListener) -> IndexReport:
        if not full:
            check_embedder(store, self.embedder.info)
        # Terms written by an older tokenizer would not match today's queries, and briefs read by
        # an older loader lack what it now keeps (sections, topic paths): rewrite them all.
        # Cheap, since the vector cache spares the re-embedding of every unchanged chunk.
        manifest = store.manifest()
        stale = manifest.get("lexicon") != LEXICON_VERSION or manifest.get("parser") != PARSER_VERSION
        built = embedder_on_disk(store) is not None
        full = full or (stale and built)
        known = {record.source: record for record in store.briefs()}
        files = brief_files(self.briefs_dir)

        planned, unchanged, duplicates, failed = self._plan(files, known, full=full, notify=notify)
        removed = sorted(source for source in known if source not in files)
        embedded = self._embed_missing(store, planned, notify)

        notify(ReindexProgress("writing", 0, 1))
        updated = [p.source for p in planned if p.source in known]
        added = [p.source for p in planned if p.source not in known]
        if planned or removed or full or not built:
            store.write_documents(self._next_generation(planned, known, removed, full=full, failed=failed))
        else:
            store.mark_indexed_now(failed)
        return IndexReport(
            added=tuple(added),
            updated=tuple(updated),
            removed=tuple(removed),
            unchanged=unchanged,
            duplicates=tuple(duplicates),
            failed=tuple(failed),
            chunks_embedded=embedded,
            chunks_total=store.count_documents(),
            briefs_total=len(store.briefs()),
        )

    def _plan(
        self,
        files: dict[str, Path],
        known: dict[str, BriefRecord],
        *,
        full: bool,
        notify: ProgressListener,
    ) -> tuple[list[_PlannedBrief], int, list[tuple[str, str]], list[tuple[str, str]]]:
        """Decide per file: unchanged, duplicate, unreadable, or to be (re)indexed."""
        planned: list[_PlannedBrief] = []
        duplicates: list[tuple[str, str]] = []
        failed: list[tuple[str, str]] = []
        unchanged = 0
        # Content already claimed by a file, so a second copy under another name is skipped.
        owner_of_hash = {r.content_hash: r.source for r in known.values() if r.source in files}
        taken_ids = {r.brief_id for r in known.values()}
        for done, (source, path) in enumerate(files.items(), start=1):
            notify(ReindexProgress("reading", done, len(files)))
            try:
                # Checked before reading: a huge file is never loaded, nor half-indexed.
                check_size(path.stat().st_size, source, self.max_brief_bytes)
                data = path.read_bytes()
            except BriefLoadError as error:
                failed.append((source, str(error)))
                continue
            except OSError as error:
                failed.append((source, f"{source}: cannot be read ({error.strerror})"))
                continue
            digest = content_hash(data)
            previous = known.get(source)
            if previous is not None and previous.content_hash == digest and not full:
                unchanged += 1
                continue
            owner = owner_of_hash.get(digest)
            if owner is not None and owner != source:
                duplicates.append((source, owner))
                continue
            try:
                parsed = self.parsed_already.get((path.name, digest)) or parse_brief(
                    data, path.name, today=self.today, max_bytes=self.max_brief_bytes
                )
            except BriefLoadError as error:
                failed.append((source, str(error)))
                continue
            except (RecursionError, MemoryError, ValueError, LookupError, TypeError) as error:
                # A parser library choking on a hostile file must not end the whole reindex:
                # that one file is skipped, saying so, and the rest indexed.
                logger.warning("%s could not be parsed", source, exc_info=True)
                failed.append((source, f"{source}: could not be parsed ({type(error).__name__})"))
                continue
            brief_id = previous.brief_id if previous else brief_id_for(source, taken_ids)
            taken_ids.add(brief_id)
            owner_of_hash[digest] = source
            chunks = chunk_brief(brief_id, parsed, max_chars=self.chunk_max_chars)
            planned.append(_PlannedBrief(brief_id, source, digest, parsed, chunks))
        return planned, unchanged, duplicates, failed

    def _embed_missing(self, store: KnowledgeStore, planned: list[_PlannedBrief], notify: ProgressListener) -> int:
        """Embed the chunks whose vectors are not cached yet, caching each batch as it is done."""
        spec = self.embedder.info.spec
        texts_by_hash: dict[str, str] = {}
        for brief in planned:
            for chunk in brief.chunks:
                texts_by_hash.setdefault(embed_hash(spec, chunk.embed_text), chunk.embed_text)
        cached = store.cached_hashes(texts_by_hash)
        missing = [(h, t) for h, t in texts_by_hash.items() if h not in cached]
        notify(ReindexProgress("embedding", 0, len(missing)))

        def embed_all() -> None:
            for start in range(0, len(missing), self.batch_size):
                batch = missing[start : start + self.batch_size]
                vectors = self.embedder.encode_passages([text for _, text in batch], batch_size=self.batch_size)
                store.cache_vectors([h for h, _ in batch], vectors)
                crash_point("embedding")
                notify(ReindexProgress("embedding", start + len(batch), len(missing)))

        if missing:
            run_at_low_priority(embed_all)
        return len(missing)

    def _next_generation(
        self,
        planned: list[_PlannedBrief],
        known: dict[str, BriefRecord],
        removed: list[str],
        *,
        full: bool,
        failed: list[tuple[str, str]],
    ) -> NextGeneration:
        spec = self.embedder.info.spec
        replaced = [known[s].brief_id for s in removed] + [p.brief_id for p in planned if p.source in known]
        briefs = tuple(
            BriefToWrite(
                brief_id=p.brief_id,
                source=p.source,
                content_hash=p.content_hash,
                parsed=p.parsed,
                chunks=tuple(
                    ChunkToWrite(
                        chunk,
                        embed_hash(spec, chunk.embed_text),
                        tuple(lexical_terms(_lexical_source(chunk))),
                    )
                    for chunk in p.chunks
                ),
            )
            for p in planned
        )
        return NextGeneration(
            replaced_brief_ids=tuple(replaced),
            briefs=briefs,
            embedder=self.embedder.info,
            lexicon=LEXICON_VERSION,
            parser=PARSER_VERSION,
            rebuild=full,
            skipped=tuple(failed),
        )


def _lexical_source(chunk: Chunk) -> str:
    """What BM25 sees: the section heading gives a paragraph words it may not repeat itself."""
    return f"{chunk.section or ''}\n{chunk.text}"


# How much lower than the rest of the process the embedding of a reindex runs (nice 0..19): the
# kernel then gives the cores to questions first, and to the reindex whenever they are idle.
EMBEDDING_NICENESS = 10


def run_at_low_priority(work: Callable[[], None]) -> None:
    """Run `work` in a thread of its own, at a lower CPU priority, and wait for it.

    A thread of its own because a thread's priority can't be raised back without privileges,
    and the threads an embedder starts for its math inherit the priority of the one that first
    calls it: a fresh thread, dropped at the end, takes its lowered priority along.
    """
    failure: list[BaseException] = []

    def lowered() -> None:
        try:
            # Linux only: there a thread id names one thread; elsewhere it could name a process.
            if sys.platform.startswith("linux"):
                with suppress(OSError):  # not allowed here: questions are merely slower
                    os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), EMBEDDING_NICENESS)
            work()
        except BaseException as error:  # raised again in the caller's thread
            failure.append(error)

    worker = threading.Thread(target=lowered, name="briefbot-embedding", daemon=True)
    worker.start()
    worker.join()
    if failure:
        raise failure[0]


__all__ = [
    "CRASH_POINT_ENV",
    "EmbedderMismatchError",
    "IndexReport",
    "Indexer",
    "ReindexProgress",
    "brief_files",
    "content_hash",
    "embed_hash",
]
