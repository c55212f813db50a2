"""BM25's top k inside PostgreSQL without scoring every match in SQL: impact-ordered posting
blocks, read whole and scored in numpy for most questions, or by a threshold algorithm that
proves when the top k is found.

Why: a question matches 116,000 of a million chunks at the median; scoring them in SQL (tsvector
unnest, or FTS5) costs hundreds of ms. Here each term's postings are kept in `lexical_blocks`,
blocks of BLOCK postings (chunk ids as int32 offsets from the block's `id_base`, term frequencies,
chunk lengths: 8 bytes a posting, migration 8; 14 before) sorted by BM25 *impact* (the tf part of
FTS5's formula at the manifest's `impact_avgdl`), each block labelled with its highest impact,
under an index by (lexeme, max_impact DESC).

Whole lists: when the question's terms hold at most EXHAUSTIVE_POSTINGS postings together, every
block of every term is read (one statement, binary) and scored exactly at today's average length
(FTS5's formula from the blocks' tf and lengths), summed per chunk by counting: exact, nothing to
prove, ~8 ms at the median and ~25 ms at 600,000 postings (bench_scale.py, a million chunks).
Only the best are then checked against `chunks` (a block keeps a removed chunk until rebuilt).

Threshold rounds (longer lists): each term's best `depth` blocks are read and what was read is
scored exactly. A chunk can score at most its exact partial sum plus, for each term it was not
read under, IDF × the highest impact of that term's first unread block; a chunk read nowhere at
most Σ of those. The k-th best exact score θ (the best partial sums completed from the chunks'
tsvectors) proves the top k when no unread chunk can reach θ and every read one that could is
complete. Else terms are read deeper one by one, MaxScore-like (`_to_deepen`): the largest unread
bounds until the others' sum is below θ, or the term whose bound keeps most read chunks open. A
term whose blocks were all read bounds nothing: short lists are read whole from the start.

Impacts were computed at `impact_avgdl`; at today's average length `a` a weight is at most
max(1, a / impact_avgdl) times the stored impact (FTS5's length norm 1 − b + b·L/a over the
stored one is at most a / a0 when a ≥ a0), so the unread bounds carry that factor.

Reindexes add blocks for the new chunks (a term's blocks from several generations interleave by
max_impact, which the bounds allow). Removed chunks stay in their blocks until they are a
GARBAGE_SHARE of the postings, then every block is rebuilt: a removed chunk read from a block is
dropped when its liveness or exact score is looked up (it is no longer in `chunks`), and only
ever loosens the bounds, never breaks them. All inside PostgreSQL, in the generation's
transaction: replicas and REPEATABLE READ views work as before.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import psycopg

K1 = 1.2
B = 0.75
MAX_LEXEME_BYTES = 2000
BLOCK = 128  # postings per block
FIRST_DEPTH = 2  # blocks read per term in the first round
MAX_DEPTH = 512  # a term this deep is next read whole
WHOLE = 1 << 30  # "every block" as a depth
# A term with at most this many postings is read whole from the first round (its blocks are
# cheap; it then bounds nothing).
WHOLE_POSTINGS = 4 * BLOCK
# Up to this many postings for all of a question's terms together, every list is read whole and
# scored in numpy (~25 ms at 1,000,000 postings, bench_scale.py at a million chunks): exact, and
# faster than proving a top k where many chunks tie (copies).
EXHAUSTIVE_POSTINGS = 1_500_000
# Chunks completed from their tsvectors per round; with more open than this it reads deeper
# instead (blocks are cheap to read, tsvectors are not): 400 measured best at 100k chunks.
EXACT_MAX = 400
# Blocks are rebuilt when removed chunks make up this share of their postings, or when the
# average chunk length moved this factor away from the one the impacts were computed at.
GARBAGE_SHARE = 0.25
REBUILD_DRIFT = 1.5

# Migration 8's layout: 8 bytes a posting where migration 6's took 14 (reading and receiving the
# blocks is most of a question's lexical time). Chunk ids as int32 offsets from `id_base`, the
# smallest chunk id of the generation that wrote the block (a generation's ids span far less than
# 2^31); lengths as uint16 (a chunk of more than 65,535 terms is read as 65,535 long).
BLOCKS_TABLE = """
CREATE TABLE lexical_blocks (
    lexeme     text NOT NULL,
    max_impact real NOT NULL,   -- the highest impact in the block
    id_base    bigint NOT NULL, -- chunk id = id_base + offset
    chunk_ids  bytea NOT NULL,  -- int32 big-endian offsets (int4send), impact order
    tfs        bytea NOT NULL,  -- int16 big-endian
    lengths    bytea NOT NULL   -- uint16 big-endian (stored as int16 of length - 32768): BM25's |D|
)"""
BLOCKS_BY_IMPACT = "CREATE INDEX lexical_blocks_by_impact ON lexical_blocks (lexeme, max_impact DESC)"
MAX_LENGTH = 65535


def fill_blocks_sql(where: str, avgdl: str = "%(avgdl)s") -> str:
    """INSERT of the blocks of the chunks matching `where` (over `chunks c`): per term, the
    postings in impact order cut into blocks of BLOCK, impacts at the average length `avgdl`
    (an SQL expression; %(k1)s, %(k1p1)s, %(b)s are parameters, see `fill_parameters`)."""
    return f"""
        INSERT INTO lexical_blocks (lexeme, max_impact, id_base, chunk_ids, tfs, lengths)
        SELECT lexeme, max(impact), min(base),
               string_agg(int4send((chunk_id - base)::int4), ''::bytea ORDER BY impact DESC, chunk_id),
               string_agg(int2send(least(tf, 32767)::int2), ''::bytea ORDER BY impact DESC, chunk_id),
               string_agg(int2send((least(term_count, {MAX_LENGTH}) - 32768)::int2), ''::bytea
                          ORDER BY impact DESC, chunk_id)
        FROM (
            SELECT u.lexeme, c.chunk_id, c.term_count, cardinality(u.positions) AS tf, base.id AS base,
                   cardinality(u.positions) * %(k1p1)s / (cardinality(u.positions)
                       + %(k1)s * (1 - %(b)s + %(b)s * c.term_count / {avgdl})) AS impact,
                   (row_number() OVER (PARTITION BY u.lexeme ORDER BY cardinality(u.positions)
                       * %(k1p1)s / (cardinality(u.positions) + %(k1)s * (1 - %(b)s + %(b)s
                       * c.term_count / {avgdl})) DESC, c.chunk_id) - 1) / {BLOCK} AS block
            FROM chunks c CROSS JOIN LATERAL unnest(c.terms) AS u
            CROSS JOIN (SELECT coalesce(min(chunk_id), 0) AS id FROM chunks c WHERE {where}) base
            WHERE {where}
        ) postings
        GROUP BY lexeme, block"""


def fill_parameters(avgdl: float) -> dict[str, float]:
    return {"k1": K1, "k1p1": K1 + 1, "b": B, "avgdl": max(avgdl, 1e-9)}


def removed_postings(conn: psycopg.Connection, brief_ids: Sequence[str]) -> int:
    """How many postings the chunks of `brief_ids` hold: read before they are deleted."""
    if not brief_ids:
        return 0
    row = conn.execute(
        "SELECT coalesce(sum(length(terms)), 0) FROM chunks WHERE brief_id = ANY(%s)", (list(brief_ids),)
    ).fetchone()
    return int(row[0]) if row else 0


def write_blocks(
    conn: psycopg.Connection, added_brief_ids: Sequence[str], removed: int, *, rebuild: bool
) -> dict[str, str]:
    """The blocks of the chunks just inserted (or of every chunk, when the blocks are rebuilt);
    the manifest values to commit with the generation. Called in the generation's transaction,
    after its rows changed. DELETE, never TRUNCATE: readers of the previous generation keep
    reading its blocks (TRUNCATE would lock them out until commit)."""
    manifest: dict[str, str] = dict(
        conn.execute("SELECT key, value FROM manifest WHERE key IN ('impact_avgdl', 'lexical_garbage')").fetchall()
    )
    stats = conn.execute("SELECT count(*), coalesce(sum(term_count), 0) FROM chunks").fetchone()
    count, total = (int(stats[0]), int(stats[1])) if stats else (0, 0)
    avgdl = total / count if count else 0.0
    live = conn.execute("SELECT coalesce(sum(df), 0) FROM term_stats").fetchone()
    garbage = int(manifest.get("lexical_garbage", "0")) + removed
    impact_avgdl = float(manifest.get("impact_avgdl", "0"))
    drifted = impact_avgdl > 0 and not (1 / REBUILD_DRIFT <= avgdl / impact_avgdl <= REBUILD_DRIFT)
    if rebuild or impact_avgdl <= 0 or drifted or garbage > GARBAGE_SHARE * max(1, int(live[0] if live else 0)):
        conn.execute("DELETE FROM lexical_blocks")
        impact_avgdl, garbage = avgdl, 0
        if count:
            conn.execute(fill_blocks_sql("true"), fill_parameters(impact_avgdl))
    elif added_brief_ids:
        conn.execute(
            fill_blocks_sql("c.brief_id = ANY(%(briefs)s)"),
            {**fill_parameters(impact_avgdl), "briefs": list(added_brief_ids)},
        )
    return {"impact_avgdl": repr(impact_avgdl), "lexical_garbage": str(garbage)}


def idf(n_docs: int, doc_count: int) -> float:
    """FTS5's IDF (floored at 1e-6), with a count never above the chunks (ln stays defined)."""
    if n_docs <= 0:
        return 0.0
    n = min(doc_count, n_docs)
    return max(math.log((n_docs - n + 0.5) / (n + 0.5)), 1e-6)


class ListMemory(Protocol):
    """Where a store keeps the whole lists it read (`whole_lists.WholeLists`), up to `max_bytes`."""

    max_bytes: int

    def get(self, key: tuple[tuple[str, ...], str]) -> TermList | None: ...

    def put(self, key: tuple[tuple[str, ...], str], read: TermList) -> None: ...


@dataclass(frozen=True, slots=True)
class Collection:
    """One generation's statistics: chunks, average length now and when impacts were stored."""

    n_docs: int
    avgdl: float
    impact_avgdl: float
    # The store's memory of whole lists, and what tells this generation's blocks from any other
    # of the same database (generation, chunk count, indexing time, impact length). None: none.
    memory: ListMemory | None = None
    key: tuple[str, ...] = ()

    @property
    def drift(self) -> float:
        return max(1.0, self.avgdl / self.impact_avgdl) if self.impact_avgdl > 0 else 1.0


@dataclass(frozen=True, slots=True)
class TopK:
    scores: dict[int, float]  # chunk id -> exact BM25, the best k (or fewer)
    proven: bool  # False only when MAX_DEPTH stopped the search first
    depth: int  # blocks read per term


def exact_scores(
    conn: psycopg.Connection, chunk_ids: Sequence[int], weights: dict[str, float], avgdl: float
) -> dict[int, float]:
    """FTS5's BM25 of live `chunk_ids` (IDF `weights` per term), from their tsvectors; chunks
    holding none of the terms score 0, removed ones are left out."""
    if not chunk_ids:
        return {}
    rows = conn.execute(
        "SELECT c.chunk_id, c.term_count, u.lexeme, cardinality(u.positions) FROM chunks c "
        "LEFT JOIN LATERAL unnest(c.terms) AS u ON u.lexeme = ANY(%s) WHERE c.chunk_id = ANY(%s)",
        (list(weights), [int(c) for c in chunk_ids]),
    ).fetchall()
    average = avgdl if avgdl > 0 else 1.0
    scores: dict[int, float] = {}
    for chunk_id, length, lexeme, tf in rows:
        score = scores.get(int(chunk_id), 0.0)
        if lexeme is not None:
            score += weights[lexeme] * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / average))
        scores[int(chunk_id)] = score
    return scores


def top_k(
    conn: psycopg.Connection, terms: Sequence[str], k: int, doc_counts: dict[str, int], stats: Collection
) -> TopK:
    """The k chunks of best BM25 for any of `terms`, with exact scores (see the module)."""
    wanted = [t for t in dict.fromkeys(terms) if t and len(t.encode()) <= MAX_LEXEME_BYTES and doc_counts.get(t, 0)]
    if not wanted or k <= 0 or stats.n_docs <= 0:
        return TopK({}, True, 0)
    weights = {t: idf(stats.n_docs, doc_counts[t]) for t in wanted}
    # Every list read whole when they are short enough together (binary blocks cost ~30 ns a
    # posting to read and score): the scores are then exact, nothing to prove. Else a term whose
    # whole list is short is read whole at once (it then bounds nothing), the others deepened.
    whole = sum(doc_counts[t] for t in wanted) <= EXHAUSTIVE_POSTINGS
    depth = {t: WHOLE if whole or doc_counts[t] <= WHOLE_POSTINGS else FIRST_DEPTH for t in wanted}
    lists: dict[str, TermList] = {}
    exact: dict[int, float] = {}
    while True:
        stale = [t for t in wanted if t not in lists or lists[t].depth != depth[t]]
        if stats.memory is not None:
            remembered = {t: stats.memory.get((stats.key, t)) for t in stale if depth[t] == WHOLE}
            lists.update({t: found for t, found in remembered.items() if found is not None})
            stale = [t for t in stale if t not in lists or lists[t].depth != depth[t]]
        read_now = read_terms(conn, stale, depth, weights, stats)
        lists.update(read_now)
        if stats.memory is not None:
            for term, term_list in read_now.items():
                if term_list.depth == WHOLE and term_list.tail == 0:
                    stats.memory.put((stats.key, term), term_list)
        if all(lists[t].tail == 0 for t in wanted):
            return TopK(
                _whole_best(conn, [lists[t] for t in wanted], k), True, max(lists[t].depth_read for t in wanted)
            )
        read = _merge([lists[t] for t in wanted])
        todo = [int(c) for c in read.ids[_best_first(read.partial, 2 * k + 16)] if int(c) not in exact]
        exact.update(exact_scores(conn, todo, weights, stats.avgdl))
        theta = _kth(exact, k)
        unseen = sum(lists[t].tail for t in wanted)
        bound = read.partial + read.missing_bound
        open_ = read.ids[bound > theta + _slack(theta)]
        open_ = [int(c) for c in open_ if int(c) not in exact]
        if unseen <= theta + _slack(theta) and len(open_) <= EXACT_MAX:
            exact.update(exact_scores(conn, open_, weights, stats.avgdl))
            return TopK(_best(exact, k), True, max(lists[t].depth_read for t in wanted))
        deeper = _to_deepen(wanted, lists, read, bound, theta, unseen)
        if not deeper:
            return TopK(_best(exact, k), False, max(lists[t].depth_read for t in wanted))
        for t in deeper:
            depth[t] = WHOLE if depth[t] * 4 >= MAX_DEPTH or doc_counts[t] <= depth[t] * 4 * BLOCK else depth[t] * 4


def _whole_best(conn: psycopg.Connection, lists: list[TermList], k: int) -> dict[int, float]:
    """The k best chunks when every term's list was read whole (the sums are exact scores),
    among the chunks still in `chunks` (a block keeps a removed chunk until the blocks are
    rebuilt)."""
    parts = [t for t in lists if len(t.ids)]
    if not parts:
        return {}
    ids = np.concatenate([t.ids for t in parts])
    scores = np.concatenate([t.scores for t in parts])
    m = 2 * k + 16
    low, high = int(ids.min()), int(ids.max())
    if high - low > 8 * len(ids) + (1 << 20):  # sparse ids: sort instead of counting
        union, inverse = np.unique(ids, return_inverse=True)
        chunk_of, score_of = union.astype(np.int64), np.bincount(inverse, weights=scores, minlength=len(union))
        complete = True
    else:
        sums = np.bincount(ids - low, weights=scores, minlength=high - low + 1)
        # Only chunks scoring at least the m-th best of one list's chunks can be among the m
        # best: a floor that spares sorting every chunk (the shortest list of m or more).
        long_enough = [t for t in parts if len(t.ids) >= m]
        floor = 0.0
        if long_enough:
            shortest = min(long_enough, key=lambda t: len(t.ids))
            floor = float(-np.partition(-sums[shortest.ids - low], m - 1)[m - 1])
        chosen = np.flatnonzero(sums >= floor) if floor > 0 else np.flatnonzero(sums)
        chunk_of, score_of = chosen + low, sums[chosen]
        complete = floor <= 0
    while True:
        best = _best_first(score_of, min(m, len(score_of)))
        ids_best = [int(c) for c in chunk_of[best]]
        rows = conn.execute("SELECT chunk_id FROM chunks WHERE chunk_id = ANY(%s)", (ids_best,)).fetchall()
        live = {int(row[0]) for row in rows}
        if len(live) >= k or (len(best) == len(score_of) and complete):
            return _best({c: float(v) for c, v in zip(ids_best, score_of[best], strict=True) if c in live}, k)
        if len(best) == len(score_of):  # removed chunks filled what the floor let through
            chosen = np.flatnonzero(sums)
            chunk_of, score_of, complete = chosen + low, sums[chosen], True
        m *= 4


def _slack(theta: float) -> float:
    """Rounding room: a bound within this of θ can at most tie the k-th best."""
    return 1e-9 * max(1.0, abs(theta))


@dataclass(frozen=True, slots=True)
class TermList:
    depth: int  # blocks asked for (WHOLE: all)
    depth_read: int  # blocks read
    tail: float  # the most an unread posting of the term adds (0 when all were read)
    ids: np.ndarray  # the chunks read under the term (each once)
    scores: np.ndarray  # their exact partial score for the term


@dataclass(frozen=True, slots=True)
class _Read:
    ids: np.ndarray  # every chunk read, once, ascending
    partial: np.ndarray  # its exact score over the terms it was read under
    missing_bound: np.ndarray  # the most the other terms can add


def read_terms(
    conn: psycopg.Connection, terms: list[str], depth: dict[str, int], weights: dict[str, float], stats: Collection
) -> dict[str, TermList]:
    """Each term's best `depth[term]` blocks (one statement), scored."""
    if not terms:
        return {}
    # depth + 1 blocks: the extra one only tells the bound on what remains unread. A row a block:
    # the server's concatenation (string_agg) made it slower to receive, not faster.
    rows = conn.execute(
        "SELECT t.lexeme, b.max_impact, b.id_base, b.chunk_ids, b.tfs, b.lengths "
        "FROM unnest(%s::text[], %s::int8[]) AS t (lexeme, n) "
        "CROSS JOIN LATERAL (SELECT max_impact, id_base, chunk_ids, tfs, lengths FROM lexical_blocks l "
        "WHERE l.lexeme = t.lexeme ORDER BY max_impact DESC LIMIT t.n) b",
        (terms, [min(depth[t], WHOLE) + 1 for t in terms]),
        binary=True,  # bytea as bytes, not hex text: half the bytes, no decoding
    ).fetchall()
    per_term: dict[str, list[tuple[float, int, bytes, bytes, bytes]]] = {t: [] for t in terms}
    for lexeme, max_impact, base, ids, tfs, lengths in rows:
        per_term[lexeme].append((float(max_impact), int(base), ids, tfs, lengths))
    average = stats.avgdl if stats.avgdl > 0 else 1.0
    out: dict[str, TermList] = {}
    for term, blocks in per_term.items():
        want = depth[term]
        if len(blocks) > want:  # the extra block: the one of lowest impact
            blocks.sort(key=lambda block: -block[0])
        tail = weights[term] * blocks[want][0] * stats.drift if len(blocks) > want else 0.0
        kept = blocks[:want]
        if not kept:
            out[term] = TermList(want, 0, tail, np.empty(0, np.int64), np.empty(0))
            continue
        offsets = np.frombuffer(b"".join(b[2] for b in kept), dtype=">i4").astype(np.int64)
        bases = [b[1] for b in kept]
        if min(bases) == max(bases):  # one generation's blocks: one base
            chunk_ids = offsets + bases[0]
        else:
            chunk_ids = offsets + np.repeat(np.array(bases, dtype=np.int64), [len(b[2]) // 4 for b in kept])
        tf = np.frombuffer(b"".join(b[3] for b in kept), dtype=">i2").astype(np.float64)
        length = np.frombuffer(b"".join(b[4] for b in kept), dtype=">i2").astype(np.float64) + 32768
        scores = weights[term] * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / average))
        out[term] = TermList(want, len(kept), tail, chunk_ids, scores)
    return out


def _merge(lists: list[TermList]) -> _Read:
    """Every chunk read under any term, its partial score and the bound on the rest."""
    unseen = sum(t.tail for t in lists)
    parts = [t for t in lists if len(t.ids)]
    if not parts:
        return _Read(np.empty(0, np.int64), np.empty(0), np.empty(0))
    ids = np.concatenate([t.ids for t in parts])
    scores = np.concatenate([t.scores for t in parts])
    tails = np.concatenate([np.full(len(t.ids), t.tail) for t in parts])
    low, high = int(ids.min()), int(ids.max())
    if high - low <= 8 * len(ids) + (1 << 20):  # ids dense enough: counting beats sorting
        shifted = ids - low
        span = high - low + 1
        partial = np.bincount(shifted, weights=scores, minlength=span)
        seen_tails = np.bincount(shifted, weights=tails, minlength=span)
        union = np.flatnonzero(np.bincount(shifted, minlength=span))
        return _Read(union + low, partial[union], np.maximum(unseen - seen_tails[union], 0.0))
    union, inverse = np.unique(ids, return_inverse=True)
    partial = np.bincount(inverse, weights=scores, minlength=len(union))
    seen_tails = np.bincount(inverse, weights=tails, minlength=len(union))
    return _Read(union.astype(np.int64), partial, np.maximum(unseen - seen_tails, 0.0))


def _to_deepen(
    wanted: list[str], lists: dict[str, TermList], read: _Read, bound: np.ndarray, theta: float, unseen: float
) -> list[str]:
    """The terms to read deeper, MaxScore-like: while a chunk read under no term could still
    reach θ, the terms of the largest unread bounds until the others' sum is below θ; else (too
    many chunks read could still reach θ) the one term whose unread bound keeps most of them
    open. Empty when every term is read as deep as MAX_DEPTH allows."""
    deepenable = [t for t in wanted if lists[t].tail > 0 and lists[t].depth < WHOLE]
    if not deepenable:
        return []
    slack = _slack(theta)
    if unseen > theta + slack:
        chosen, rest = [], unseen
        for term in sorted(deepenable, key=lambda t: -lists[t].tail):
            if rest <= theta + slack:
                break
            chosen.append(term)
            rest -= lists[term].tail
        return chosen
    open_mask = bound > theta + slack
    candidates = read.ids[open_mask]
    open_bound = bound[open_mask]

    def still_open(term: str) -> int:
        unread = ~np.isin(candidates, lists[term].ids, assume_unique=True)
        return int(np.count_nonzero(open_bound - lists[term].tail * unread > theta + slack))

    return [min(deepenable, key=lambda t: (still_open(t), -lists[t].tail))]


def _best_first(values: np.ndarray, m: int) -> np.ndarray:
    """Indices of the `m` largest `values`, largest first, ties in index order: the first `m` of
    a stable descending argsort, without sorting the whole array (100,000s of chunks read at a
    million chunks, where that sort cost ~20 ms a question)."""
    if m >= len(values):
        return np.argsort(-values, kind="stable")
    floor = -np.partition(-values, m - 1)[m - 1]  # the m-th largest value
    chosen = np.flatnonzero(values >= floor)  # ascending indices
    return chosen[np.argsort(-values[chosen], kind="stable")][:m]


def _kth(scores: dict[int, float], k: int) -> float:
    if len(scores) < k:
        return 0.0
    return sorted(scores.values(), reverse=True)[k - 1]


def _best(scores: dict[int, float], k: int) -> dict[int, float]:
    live = {c: s for c, s in scores.items() if s > 0}
    return dict(sorted(live.items(), key=lambda item: (-item[1], item[0]))[:k])
