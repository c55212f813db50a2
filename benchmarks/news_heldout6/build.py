#!/usr/bin/env python3
"""Build heldout6/questions.jsonl from spec.py as the fifth set is built (`../news_heldout5/build.py`:
the fourth set's builder and checks, the fifth set's counts); only the qid prefix differs.

Usage: python3 build.py   (stdlib only; exits non-zero if any check fails)
"""

import os
import runpy

HERE = os.path.dirname(os.path.abspath(__file__))

if __name__ == "__main__":
    runpy.run_path(os.path.join(HERE, os.pardir, "news_heldout5", "build.py"))["build"](HERE, "h6")
