"""What every group of commands shares: settings from the options, the knowledge base, a progress
bar, the reindex report.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from bot.log_secrets import protect_secrets_in_logs, secrets_of
from bot.settings import Settings
from index.indexer import IndexReport, ReindexProgress
from index.knowledge_base import KnowledgeBase

if TYPE_CHECKING:
    # What `add_subparsers` returns: each group of commands adds its own to it (`add_commands`).
    Commands = argparse._SubParsersAction[argparse.ArgumentParser]


def settings_of(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if args.briefs is not None:
        overrides["briefs_dir"] = args.briefs
    if args.data is not None:
        overrides["data_dir"] = args.data
    settings = Settings(**overrides)
    # Every command: an LLM provider's error, logged by `ask`, may quote its key or URL.
    protect_secrets_in_logs(*secrets_of(settings))
    return settings


def knowledge_base_of(args: argparse.Namespace) -> KnowledgeBase:
    return KnowledgeBase.from_settings(settings_of(args))


@contextmanager
def progress_bar() -> Iterator[Callable[[ReindexProgress], None]]:
    """A terminal progress bar per stage, on stderr so `--json` output stays clean."""
    bars: dict[str, tqdm] = {}

    def update(event: ReindexProgress) -> None:
        if event.stage in ("writing", "done") or event.total == 0:
            return
        bar = bars.get(event.stage)
        if bar is None:
            bar = bars[event.stage] = tqdm(
                total=event.total,
                desc=event.stage,
                unit="chunk" if event.stage == "embedding" else "brief",
                file=sys.stderr,
                leave=False,
            )
        bar.n = event.done
        bar.refresh()

    try:
        yield update
    finally:
        for bar in bars.values():
            bar.close()


def format_report(report: IndexReport) -> str:
    lines = [
        f"added {len(report.added)}, updated {len(report.updated)}, removed {len(report.removed)}, "
        f"unchanged {report.unchanged} briefs; embedded {report.chunks_embedded} chunks "
        f"in {report.seconds:.1f} s",
        f"index: {report.briefs_total} briefs, {report.chunks_total} chunks",
    ]
    lines += [f"skipped {source}: same content as {owner}" for source, owner in report.duplicates]
    lines += [f"could not read {message}" for _, message in report.failed]
    lines += [f"repaired: {repair}" for repair in report.repairs]
    return "\n".join(lines)


def slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text).strip("-")


def read_jsonl(path: Path) -> Iterator[dict[str, str]]:
    with open(path, encoding="utf-8") as handle:
        yield from (json.loads(line) for line in handle if line.strip())


def first_line(message: str) -> str:
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return " ".join(lines[:3])
