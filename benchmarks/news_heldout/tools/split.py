"""Stratified (kind, lang) 50/50 split of all.jsonl into tune.jsonl / heldout.jsonl, fixed seed."""

import json
import random
from collections import defaultdict

SEED = 1234
rows = [json.loads(l) for l in open("/work/heldout/all.jsonl")]
g = defaultdict(list)
for r in rows:
    g[(r["kind"], r["lang"])].append(r)
rng = random.Random(SEED)
tune, held = [], []
for k in sorted(g):
    xs = g[k][:]
    rng.shuffle(xs)
    h = len(xs) // 2
    # odd strata: alternate which half gets the extra one
    if len(xs) % 2 and rng.random() < 0.5:
        h += 1
    tune += xs[:h]
    held += xs[h:]
for fn, xs in (("tune.jsonl", tune), ("heldout.jsonl", held)):
    xs.sort(key=lambda r: r["qid"])
    with open("/work/heldout/" + fn, "w") as f:
        for r in xs:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
print(len(tune), len(held))
