"""A replica's briefs folder brought in line with the brief files kept in PostgreSQL, before each
reindex (`KnowledgeBase.reindex`, DATABASE_URL set): every replica then indexes the same briefs,
whichever one an admin uploaded a brief to or removed one from.

For each file name:
- the database has it and the folder does not (a new replica, another replica's upload), or holds
  older content: the database's copy is written;
- the folder has it and the database does not (dropped in by hand): it is stored in the database;
- the folder's copy was edited or deleted by hand since the last sync, and the database's copy is
  still the one synced then: the edit is stored, the deletion is a removal for every replica (as
  deleting a file is without a database);
- the database marks it removed and the folder holds that content: it is moved aside, into
  DATA_DIR/removed/, as /remove does.
When both changed, the database wins: the change made elsewhere first is kept.

A file replaced or moved aside is never deleted: it goes to DATA_DIR/removed/.

What the folder held at the last sync (name -> hash, size, mtime) is kept in
DATA_DIR/brief-files.json: it tells a change made here from one made elsewhere, and spares
re-reading unchanged files. Without it (a new replica, a lost data folder) the database wins.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from index.indexer import brief_files, content_hash

if TYPE_CHECKING:
    from index.stores.postgres.files import PostgresBriefFiles

logger = logging.getLogger(__name__)

SYNC_RECORD_FILE = "brief-files.json"
REMOVED_DIR = "removed"


@dataclass(slots=True)
class SyncReport:
    written: list[str] = field(default_factory=list)  # from the database into the folder
    stored: list[str] = field(default_factory=list)  # from the folder into the database
    moved_aside: list[str] = field(default_factory=list)  # removed in the database
    removed: list[str] = field(default_factory=list)  # deleted from the folder by hand

    @property
    def changed(self) -> bool:
        return bool(self.written or self.stored or self.moved_aside or self.removed)


def park_file(path: Path, data_dir: Path) -> Path:
    """Move a brief file out of the briefs folder into DATA_DIR/removed/ (never deleted)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    parking = data_dir / REMOVED_DIR / f"{stamp}-{path.name}"
    parking.parent.mkdir(parents=True, exist_ok=True)
    n = 2
    while parking.exists():  # two versions of one file parked within a second
        parking = parking.with_name(f"{stamp}-{n}-{path.name}")
        n += 1
    shutil.move(path, parking)
    return parking


def write_brief_file(briefs_dir: Path, name: str, data: bytes, data_dir: Path) -> Path:
    """Write `data` as the folder's file `name` in one step (a reindex never reads half a file);
    a different file already there is moved aside first."""
    target = briefs_dir / checked_name(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        if target.read_bytes() == data:
            return target
        park_file(target, data_dir)
    # A hidden name: the indexer skips it if it looks at the folder meanwhile.
    tmp = target.with_name(f".sync-{os.getpid()}-{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return target


def checked_name(name: str) -> str:
    """A name from the database as a path inside the briefs folder; anything that could point
    outside it (or at a hidden file) is refused."""
    path = PurePosixPath(name)
    hidden_or_up = any(part in ("", ".", "..") or part.startswith((".", "~")) for part in path.parts)
    if path.is_absolute() or not path.parts or hidden_or_up:
        raise ValueError(f"Not a brief file name: {name!r}")
    return path.as_posix()


def sync_briefs_folder(briefs_dir: Path, data_dir: Path, files: PostgresBriefFiles) -> SyncReport:
    report = SyncReport()
    record_path = data_dir / SYNC_RECORD_FILE
    record = _read_record(record_path)
    catalog = files.catalog()
    local = brief_files(briefs_dir)
    now: dict[str, list[object]] = {}  # the record after this sync

    def remember(name: str, path: Path, digest: str) -> None:
        stat = path.stat()
        now[name] = [digest, stat.st_size, stat.st_mtime_ns]

    for name in sorted(set(catalog) | set(local)):
        stored = catalog.get(name)
        path = local.get(name)
        digest = _local_hash(path, record.get(name)) if path is not None else None
        if stored is None:
            # Dropped in by hand. (Another replica storing the same name first wins: next sync.)
            if path is not None and digest is not None and files.add(name, path.read_bytes(), digest):
                report.stored.append(name)
                remember(name, path, digest)
            continue
        if stored.removed:
            if path is None or digest is None:
                continue
            if digest == stored.content_hash:
                park_file(path, data_dir)
                report.moved_aside.append(name)
            elif files.add(name, path.read_bytes(), digest):  # new content under that name
                report.stored.append(name)
                remember(name, path, digest)
            continue
        if digest == stored.content_hash and path is not None:
            remember(name, path, digest)
            continue
        synced = record.get(name)
        changed_here = synced is not None and synced[0] == stored.content_hash
        if changed_here and path is None:
            if files.remove_if(name, stored.content_hash):
                report.removed.append(name)
                continue
        if changed_here and path is not None and digest is not None:
            if files.replace(name, path.read_bytes(), digest, was=stored.content_hash):
                report.stored.append(name)
                remember(name, path, digest)
                continue
        data = files.content(name)
        if data is None:  # gone since the catalog was read
            continue
        target = write_brief_file(briefs_dir, name, data, data_dir)
        report.written.append(name)
        remember(name, target, content_hash(data))

    _write_record(record_path, now)
    if report.changed:
        logger.info(
            "Briefs folder synced with the database: %d written, %d stored, %d moved aside, %d removed",
            len(report.written),
            len(report.stored),
            len(report.moved_aside),
            len(report.removed),
        )
    return report


def _local_hash(path: Path, synced: list[object] | None) -> str:
    """The file's content hash; read from the record when the file is as it was then."""
    stat = path.stat()
    if synced is not None and synced[1:] == [stat.st_size, stat.st_mtime_ns]:
        return str(synced[0])
    return content_hash(path.read_bytes())


def _read_record(path: Path) -> dict[str, list[object]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # none yet, or damaged: every file is read again
        return {}
    return {str(k): list(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_record(path: Path, record: dict[str, list[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(record, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)
