"""The operator's commands: index, search, status (the index), migrate and copy (PostgreSQL)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import format_report, knowledge_base_of, progress_bar, settings_of
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.cli.common import Commands


def cmd_index(args: argparse.Namespace) -> int:
    kb = knowledge_base_of(args)
    with progress_bar() as update:
        report = kb.reindex(full=args.full, progress=update)
    print(json.dumps(report.to_json(), ensure_ascii=False) if args.json else format_report(report))
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    kb = knowledge_base_of(args)
    if args.queries:
        with open(args.queries, encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                item = json.loads(line)
                hits = kb.search(item["question"], k=args.k)
                print(json.dumps({"qid": item["qid"], "hits": [h.to_json() for h in hits]}, ensure_ascii=False))
        return 0
    if not args.query:
        print("search: give a QUERY or --queries FILE.jsonl", file=sys.stderr)
        return 2
    hits = kb.search(args.query, k=args.k)
    if args.json:
        print(json.dumps({"query": args.query, "hits": [h.to_json() for h in hits]}, ensure_ascii=False))
        return 0
    if not hits:
        print("No matching passages (is the index built? run `briefbot index`).")
    for hit in hits:
        when = hit.date.isoformat() if hit.date else "no date"
        paragraphs = ",".join(map(str, hit.paragraphs))
        print(f"{hit.rank}. [{hit.score:.3f}] {hit.title} ({when}) / {hit.section or '-'} ¶{paragraphs}")
        print(f"   {hit.text}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    status = knowledge_base_of(args).status()
    if args.json:
        print(json.dumps(status.to_json(), ensure_ascii=False))
        return 0
    print(f"briefs:        {status.briefs}")
    print(f"chunks:        {status.chunks}")
    print(f"embedder:      {status.embedder}" + (f" ({status.dimension} dims)" if status.dimension else ""))
    print(f"last indexed:  {status.last_indexed_at or 'never'}")
    print(f"latest brief:  {status.latest_brief_date or '-'}")
    print(f"size on disk:  {status.size_bytes / 1e6:.1f} MB")
    for _, reason in status.skipped:
        print(f"skipped:       {reason}")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Create or upgrade the PostgreSQL schema of DATABASE_URL."""
    from index.stores import is_postgres_url
    from index.stores.postgres import migrate, redact_url
    from index.stores.postgres.schema import LATEST_VERSION

    settings = settings_of(args)
    url = settings.database_url.get_secret_value() if settings.database_url else ""
    if not is_postgres_url(url):
        print("migrate: set DATABASE_URL=postgresql://... (the SQLite store needs no migration)", file=sys.stderr)
        return 2
    applied = migrate(url)
    done = ", ".join(map(str, applied)) if applied else "none (already up to date)"
    print(f"{redact_url(url)}: applied migrations {done}; schema version {LATEST_VERSION}")
    return 0


def cmd_copy(args: argparse.Namespace) -> int:
    """Copy the data folder's SQLite + FAISS index into PostgreSQL, embedding nothing again."""
    from index.stores import is_postgres_url
    from index.stores.copying import copy_to_postgres

    if not is_postgres_url(args.to):
        print("copy: --to must be a postgresql:// URL", file=sys.stderr)
        return 2
    settings = settings_of(args)
    report = copy_to_postgres(settings.data_dir, args.to)
    followed = _copy_bot_state(settings, args.to)
    if args.json:
        print(json.dumps({**report.to_json(), "followed_topics": followed}))
    else:
        print(
            f"copied {report.briefs} briefs, {report.chunks} chunks, {report.vectors} vectors "
            f"and {followed} followed topics to {report.target} in {report.seconds:.1f} s "
            "(nothing re-embedded)"
        )
    return 0


def _copy_bot_state(settings: Settings, url: str) -> int:
    """Followed topics and the alert bookkeeping of DATA_DIR/state.sqlite3, into the database."""
    from bot.state import STATE_FILE, BotState, open_state

    if not (settings.data_dir / STATE_FILE).exists():
        return 0
    source, target = BotState(settings.data_dir), open_state(settings.data_dir, url)
    try:
        return source.copy_into(target)
    finally:
        source.close()
        target.close()


def add_commands(commands: Commands) -> None:
    """index, search, status, migrate, copy."""
    index = commands.add_parser("index", help="index the briefs folder (incremental)")
    index.add_argument("--full", action="store_true", help="rebuild everything from scratch")
    index.add_argument("--json", action="store_true")
    index.set_defaults(handler=cmd_index)

    search = commands.add_parser("search", help="show the passages a question retrieves")
    search.add_argument("query", nargs="?")
    search.add_argument("--k", type=int, default=5)
    search.add_argument("--json", action="store_true")
    search.add_argument("--queries", type=Path, help='JSONL file of {"qid", "question"}; implies --json')
    search.set_defaults(handler=cmd_search)

    status = commands.add_parser("status", help="what the index holds")
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=cmd_status)

    migrate = commands.add_parser("migrate", help="create or upgrade the PostgreSQL schema (DATABASE_URL)")
    migrate.set_defaults(handler=cmd_migrate)

    copy = commands.add_parser(
        "copy", help="copy the data folder's index (SQLite + FAISS) into PostgreSQL, without re-embedding"
    )
    copy.add_argument("--to", required=True, metavar="postgresql://...", help="the target database")
    copy.add_argument("--json", action="store_true")
    copy.set_defaults(handler=cmd_copy)
