"""Timeline precision on the real daily briefs: how many of a topic's lines are about the topic.

    python benchmarks/timeline_precision.py [--briefs ../shared/news/briefs] [--data .cache/news-eval/data]

Builds `briefbot timeline` for each topic of the labelled sample (docs/timeline-eval/labels.jsonl,
one line per timeline entry, labelled by hand: `about` true when the line reports on the topic)
and prints, per topic, the lines, how many of them the sample labels, their precision, and
whether the lines are in date order. A line the sample has no label for is listed, to be labelled.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from bot.engine.timeline import build_timeline
from index.knowledge_base import KnowledgeBase

LABELS = Path(__file__).resolve().parent.parent / "docs" / "timeline-eval" / "labels.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--briefs", type=Path, default=Path("../shared/news/briefs"))
    parser.add_argument("--data", type=Path, default=Path(".cache/news-eval/data"))
    args = parser.parse_args()
    labels: dict[str, dict[tuple[str, str], bool]] = defaultdict(dict)
    for line in LABELS.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        labels[item["topic"]][(item["brief_id"], item["quote"])] = item["about"]
    kb = KnowledgeBase(args.briefs, args.data)
    results = {}
    relevant_total = labelled_total = 0
    for topic, labelled in labels.items():
        entries = build_timeline(kb, topic).entries
        dates = [entry.date for entry in entries]
        judged = [labelled.get((e.citation.brief_id, e.citation.quote)) for e in entries]
        unlabelled = [e.line("en") for e, about in zip(entries, judged) if about is None]
        relevant = sum(1 for about in judged if about)
        count = sum(1 for about in judged if about is not None)
        relevant_total += relevant
        labelled_total += count
        results[topic] = {
            "entries": len(entries),
            "labelled": count,
            "precision": round(relevant / count, 3) if count else None,
            "in_date_order": dates == sorted(d for d in dates if d is not None),
            "unlabelled": unlabelled,
        }
    kb.close()
    results["all"] = {"labelled": labelled_total, "precision": round(relevant_total / labelled_total, 3)}
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
