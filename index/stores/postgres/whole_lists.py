"""The whole posting lists a PostgreSQL store has read and scored, remembered per generation
(`WholeLists`), and the longest of them read ahead of a generation's questions
(`warm_common_lists`). `lexical.top_k` reads from and adds to them."""

from __future__ import annotations

import threading
from collections import OrderedDict

import psycopg

from index.stores.postgres import lexical
from index.stores.postgres.lexical import MAX_LEXEME_BYTES, WHOLE, Collection, TermList, idf, read_terms

# The whole lists a store remembers (`WholeLists`, 16 bytes a posting), and the share of that
# the generation's most common terms are read into before its questions (`warm_common_lists`):
# at a million chunks, 256 MB holds the 240 longest lists (37% of all postings), which took a
# first-time question's search p95 from 42 to 25 ms (benchmarks/pg_scale_db.py, docs/benchmarks.md).
WHOLE_LISTS_BYTES = 512 * 1024 * 1024
WARM_SHARE = 0.5
# Terms read per statement while warming.
WARM_BATCH = 20
# What `WholeLists` holds a posting in: its chunk id (int64) and its score (float64).
_POSTING_BYTES = 16


class WholeLists:
    """One store's whole posting lists already read and scored, per generation and term, up to
    `max_bytes` (least recently used first out): common terms recur from question to question
    ("tahun" holds a third of a million postings at a million chunks), and a generation's blocks
    and statistics never change, so neither do its lists' scores."""

    def __init__(self, max_bytes: int = WHOLE_LISTS_BYTES) -> None:
        self.max_bytes = max_bytes
        self._lists: OrderedDict[tuple[tuple[str, ...], str], TermList] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[tuple[str, ...], str]) -> TermList | None:
        with self._lock:
            found = self._lists.get(key)
            if found is not None:
                self._lists.move_to_end(key)
            return found

    def put(self, key: tuple[tuple[str, ...], str], read: TermList) -> None:
        size = read.ids.nbytes + read.scores.nbytes  # _POSTING_BYTES a posting
        if size > self.max_bytes // 4:
            return
        with self._lock:
            if key in self._lists:
                return
            self._lists[key] = read
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, dropped = self._lists.popitem(last=False)
                self._bytes -= dropped.ids.nbytes + dropped.scores.nbytes


def warm_common_lists(conn: psycopg.Connection, stats: Collection) -> int:
    """Reads the whole posting lists of the generation's most common terms into the store's
    memory (`stats.memory`), longest first, up to WARM_SHARE of it; the postings read. The long
    lists of a question are mostly these ("tahun" holds a third of a million chunks), and reading
    one from the blocks for the first time is most of a first question's search."""
    memory = stats.memory
    if memory is None or stats.n_docs <= 0:
        return 0
    budget = int(memory.max_bytes * WARM_SHARE) // _POSTING_BYTES
    largest = memory.max_bytes // 4 // _POSTING_BYTES  # `WholeLists.put` keeps no longer list
    # Short lists are read whole by any question at little cost: only the long ones are worth it.
    rows = conn.execute(
        "SELECT lexeme, df FROM term_stats WHERE df > %s AND df <= %s ORDER BY df DESC LIMIT %s",
        (lexical.WHOLE_POSTINGS, largest, budget // lexical.WHOLE_POSTINGS + 1),
    ).fetchall()
    terms: list[str] = []
    counts: dict[str, int] = {}
    total = 0
    for lexeme, df in rows:
        if total + int(df) > budget:
            break
        if lexeme and len(lexeme.encode()) <= MAX_LEXEME_BYTES:
            terms.append(lexeme)
            counts[lexeme] = int(df)
            total += int(df)
    weights = {t: idf(stats.n_docs, counts[t]) for t in terms}  # as `top_k` weighs them
    read = 0
    for start in range(0, len(terms), WARM_BATCH):
        batch = [t for t in terms[start : start + WARM_BATCH] if memory.get((stats.key, t)) is None]
        for term, term_list in read_terms(conn, batch, dict.fromkeys(batch, WHOLE), weights, stats).items():
            if term_list.tail == 0:
                memory.put((stats.key, term), term_list)
                read += len(term_list.ids)
    return read
