import json, re, sys, datetime

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1] / "news_heldout" / "tools"))
from lib import ITEMS, topic_index, day_items, DATES
from spec import Q

idx = topic_index()
lo, hi = DATES[0], DATES[-1]
out, errs = [], []
blob = [(it["date"], (" | ".join(it["path"]) + " || " + it["text"]).lower()) for it in ITEMS]

for n, (kind, lang, q, key) in enumerate(Q, 1):
    rec = {"qid": f"h2-{n:04d}", "kind": kind, "lang": lang, "question": q}
    if kind == "topic_latest":
        assert key in idx, key
        d = max(idx[key])
        rec["gold_date"] = d
        rec["gold"] = list(idx[key][d])
        assert len(idx[key]) >= 2, key
    elif kind == "topic_on_day":
        t, d = key
        g = idx[t].get(d, [])
        if not g:
            errs.append(f"empty {key}")
        rec["gold_date"] = d
        rec["gold"] = list(g)
    elif kind == "day_summary":
        g = day_items(key)
        if len(g) < 5:
            errs.append(f"day<5 {key}")
        rec["gold_date"] = key
        rec["gold"] = g
    elif kind == "no_brief_day":
        datetime.date.fromisoformat(key)
        if lo <= key <= hi or key in DATES:
            errs.append(f"in range {key}")
        rec["gold_date"] = key
        rec["gold"] = []
    elif kind == "factual":
        i, sub = key
        it = ITEMS[i]
        if sub not in it["text"]:
            errs.append(f"substr {key}")
        rec["gold_date"] = it["date"]
        rec["gold"] = [it["text"]]
    elif kind == "not_covered":
        for t in key:
            hits = [d for d, s in blob if t.lower() in s]
            if hits:
                errs.append(f"covered {t!r} {hits[:3]}")
        rec["gold_date"] = None
        rec["gold"] = []
    out.append(rec)

# duplicates
qs = [r["question"].lower() for r in out]
assert len(set(qs)) == len(qs), "dup question"
fx = [r["gold"][0] for r in out if r["kind"] == "factual"]
assert len(set(fx)) == len(fx), "dup factual item"

print("\n".join(errs) or "no errors")
with open(__import__("pathlib").Path(__file__).resolve().parent / "questions.jsonl", "w") as f:
    for r in out:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
from collections import Counter

c = Counter((r["kind"], r["lang"]) for r in out)
for k in ["topic_latest", "topic_on_day", "day_summary", "no_brief_day", "factual", "not_covered"]:
    print(k, c[(k, "en")], c[(k, "id")])
print("total", len(out))
