"""Checking and repairing the data folder's files: a generation's FAISS file, a damaged catalog
set aside (its vector cache kept), stale FAISS files removed; and the one-reindex-at-a-time lock.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from index.errors import ReindexAlreadyRunningError
from index.stores.faiss_vectors import read_faiss
from index.stores.sqlite.schema import CATALOG_FILE, LOCK_FILE, VECTORS_DIR, vector_file


def vector_file_problem(data_dir: Path, generation: int, chunk_count: int) -> str | None:
    """What is wrong with a generation's FAISS file (missing, unreadable, or not holding one
    vector per chunk of the catalog), or None when it is sound."""
    if generation == 0:
        return None
    path = vector_file(data_dir, generation)
    name = path.relative_to(data_dir).as_posix()
    if not path.exists():
        return f"{name} is missing"
    try:
        index = read_faiss(path)
    except RuntimeError:  # FAISS's one exception type for a truncated or garbled file
        return f"{name} cannot be read"
    if index.ntotal != chunk_count:
        return f"{name} holds {index.ntotal} vectors for {chunk_count} chunks"
    return None


def set_aside_damaged_catalog(data_dir: Path) -> tuple[Path, list[tuple[str, bytes]]]:
    """Move a damaged catalog (and its WAL files) to catalog.broken-<time>.sqlite3, kept for a
    person to look at; returns its new path and whatever cached vectors could still be read
    from it, so that a rebuild re-embeds only what was lost."""
    path = data_dir / CATALOG_FILE
    salvaged = _readable_vector_cache(path)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    aside = data_dir / f"catalog.broken-{stamp}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            os.replace(part, Path(f"{aside}{suffix}"))
    return aside, salvaged


def _readable_vector_cache(path: Path) -> list[tuple[str, bytes]]:
    if not path.exists():
        return []
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return []
    try:
        rows = conn.execute("SELECT embed_hash, vector FROM vector_cache").fetchall()
        return [(str(h), bytes(v)) for h, v in rows]
    except sqlite3.Error:  # the damage reached the cache too: nothing of it can be trusted
        return []
    finally:
        conn.close()


def remove_stale_vector_files(data_dir: Path, current_generation: int) -> None:
    """Delete FAISS files older than the previous generation, and orphans of killed runs.

    The previous generation's file stays: a reader whose snapshot began just before the swap
    may still be about to load it. Readers hold a loaded generation in memory, so deleting a
    file never breaks a reader that already has it.
    """
    keep = {vector_file(data_dir, g).name for g in (current_generation, current_generation - 1)}
    for path in (data_dir / VECTORS_DIR).glob("gen-*"):
        if path.name not in keep:
            path.unlink(missing_ok=True)


@contextmanager
def reindex_lock(data_dir: Path) -> Iterator[None]:
    """One reindex at a time, across processes (the bot and the CLI) and within one.

    flock is released by the kernel when the holder dies, so a killed reindex never leaves a
    stale lock behind.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = open(data_dir / LOCK_FILE, "a+")  # noqa: SIM115 - held for the lock's life, closed below
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ReindexAlreadyRunningError("A reindex is already running; wait for it to finish.") from None
        yield
    finally:
        handle.close()
