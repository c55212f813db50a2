"""Precision and recall of follow-up detection on labelled message pairs
{"previous", "message", "followup": true|false}: tests/data/followups.jsonl (68 pairs, the
rules were written against them) and tests/data/followups_heldout.jsonl (24 pairs labelled after
the rules were fixed, never tuned on).

A pair is predicted a follow-up when `followup_subject` reads the message as elliptic after an
answered previous question. Prints the figures and the pairs it gets wrong.

    .venv/bin/python benchmarks/followup_eval.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.engine.followups import followup_subject

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
PAIRS = DATA / "followups.jsonl"
HELD_OUT = DATA / "followups_heldout.jsonl"


def score(path: Path = PAIRS) -> dict[str, object]:
    pairs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    tp = fp = fn = 0
    wrong = []
    for pair in pairs:
        predicted = followup_subject(pair["message"]) is not None
        tp += predicted and pair["followup"]
        fp += predicted and not pair["followup"]
        fn += not predicted and pair["followup"]
        if predicted != pair["followup"]:
            wrong.append(pair)
    return {
        "pairs": len(pairs),
        "followups": sum(p["followup"] for p in pairs),
        "precision": round(tp / max(1, tp + fp), 3),
        "recall": round(tp / max(1, tp + fn), 3),
        "wrong": wrong,
    }


if __name__ == "__main__":
    for path in (PAIRS, HELD_OUT):
        result = score(path)
        print(
            f"{path.name}: {result['pairs']} pairs ({result['followups']} follow-ups): "
            f"precision {result['precision']}, recall {result['recall']}"
        )
        for pair in result["wrong"]:  # type: ignore[union-attr]
            print(f"  wrong: {pair['previous']!r} -> {pair['message']!r} (labelled {pair['followup']})")
