#!/usr/bin/env python3
"""Build heldout5/questions.jsonl from spec.py with the fourth set's builder and checks
(`../news_heldout4/build.py`): only the counts and the qid prefix differ.

Usage: python3 build.py   (stdlib only; exits non-zero if any check fails)
"""

import importlib.util
import os

HERE = os.path.dirname(os.path.abspath(__file__))
_BUILDER = os.path.join(HERE, os.pardir, "news_heldout4", "build.py")

COUNTS = {
    "topic_latest": 22,
    "topic_on_day": 20,
    "day_summary": 18,
    "no_brief_day": 10,
    "factual": 30,
    "not_covered": 25,
}


def build(here: str, prefix: str) -> None:
    """The set whose spec.py is in `here`, its qids `prefix`-NNNN, with these counts."""
    found = importlib.util.spec_from_file_location("heldout4_build", _BUILDER)
    assert found is not None and found.loader is not None
    builder = importlib.util.module_from_spec(found)
    found.loader.exec_module(builder)
    builder.main(here, prefix, COUNTS)


if __name__ == "__main__":
    build(HERE, "h5")
