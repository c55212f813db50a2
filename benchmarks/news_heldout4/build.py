#!/usr/bin/env python3
"""Build heldout4/questions.jsonl from spec.py: compute gold, validate, print counts.

Usage: python3 build.py   (stdlib only; exits non-zero if any check fails). The fifth set's
build.py runs this same builder on its own spec.py (`main(here, prefix, want)`).
"""

import datetime
import html
import json
import os
import random
import re
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(HERE, os.pardir, "news_heldout", "tools")  # the first set's item index
sys.path.insert(0, TOOLS)

from lib import ITEMS, DATES, topic_index, day_items  # noqa: E402

BRIEFS = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "news", "briefs"))
FIRST, LAST = datetime.date(2025, 9, 14), datetime.date(2025, 12, 31)
IDX = topic_index()
ERR = []

EN_WD = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
ID_WD = ["senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu"]


def err(msg):
    ERR.append(msg)


def check_date_mentions(q, iso, where):
    """Weekday names in the question must match the date; the day number must appear."""
    d = datetime.date.fromisoformat(iso)
    ql = q.lower()
    for i, w in enumerate(EN_WD):
        if re.search(r"\b" + w + r"\b", ql) and i != d.weekday():
            err(f"{where}: weekday '{w}' does not match {iso} ({EN_WD[d.weekday()]})")
    for i, w in enumerate(ID_WD):
        # 'minggu' also means 'week'; only treat it as a weekday when a digit follows soon
        if re.search(r"\b" + w + r"\b,?\s*\d", ql) and i != d.weekday():
            err(f"{where}: hari '{w}' does not match {iso} ({ID_WD[d.weekday()]})")
    nums = [int(n) for n in re.findall(r"\d+", q)]
    if d.day not in nums:
        err(f"{where}: day {d.day} of {iso} not found in question")


def label_set():
    s = set()
    for it in ITEMS:
        for lab in it["path"]:
            s.add(lab.casefold())
    return s


COUNTS = {
    "topic_latest": 20,
    "topic_on_day": 20,
    "day_summary": 20,
    "no_brief_day": 10,
    "factual": 30,
    "not_covered": 25,
}


def main(here=HERE, prefix="h4", want=COUNTS):
    """Build `here`/questions.jsonl from `here`/spec.py, with `prefix` qids and `want` questions
    of each kind in each language."""
    sys.path.insert(0, here)
    import spec  # noqa: E402 (the set's own, from `here`)

    out = []
    seen_q = set()
    labels_cf = label_set()
    texts_cf = [it["text"].casefold() for it in ITEMS]

    def add(kind, lang, q, gold_date, gold):
        key = " ".join(q.casefold().split())
        if key in seen_q:
            err(f"duplicate question: {q}")
        seen_q.add(key)
        if lang not in ("en", "id"):
            err(f"bad lang {lang}: {q}")
        out.append({"kind": kind, "lang": lang, "question": q, "gold_date": gold_date, "gold": gold})

    # topic_latest
    for lang, lab, q in spec.TOPIC_LATEST:
        d = IDX.get(lab)
        if not d:
            err(f"topic_latest: unknown label {lab!r}")
            continue
        if len(d) < 2:
            err(f"topic_latest: label {lab!r} on only {len(d)} day(s)")
        g = max(d)
        add("topic_latest", lang, q, g, list(d[g]))

    # topic_on_day
    for lang, lab, iso, q in spec.TOPIC_ON_DAY:
        d = IDX.get(lab)
        if not d:
            err(f"topic_on_day: unknown label {lab!r}")
            continue
        gold = list(d.get(iso, []))
        if not gold:
            err(f"topic_on_day: no items for {lab!r} on {iso}")
        check_date_mentions(q, iso, f"topic_on_day {q!r}")
        if "2025" not in q:
            err(f"topic_on_day: year missing: {q}")
        add("topic_on_day", lang, q, iso, gold)

    # day_summary
    ds_days = Counter(iso for _, iso, _ in spec.DAY_SUMMARY)
    for iso, n in ds_days.items():
        if n > 1:
            err(f"day_summary: day {iso} used {n} times")
    for lang, iso, q in spec.DAY_SUMMARY:
        gold = day_items(iso)
        if len(gold) < 5:
            err(f"day_summary: {iso} has {len(gold)} items (<5)")
        check_date_mentions(q, iso, f"day_summary {q!r}")
        if "2025" not in q:
            err(f"day_summary: year missing: {q}")
        add("day_summary", lang, q, iso, gold)

    # no_brief_day
    for lang, iso, q in spec.NO_BRIEF:
        try:
            d = datetime.date.fromisoformat(iso)
        except ValueError:
            err(f"no_brief_day: bad date {iso}")
            continue
        if FIRST <= d <= LAST or iso in DATES:
            err(f"no_brief_day: {iso} is inside the brief range")
        if str(d.year) not in q:
            err(f"no_brief_day: year {d.year} not stated: {q}")
        check_date_mentions(q, iso, f"no_brief_day {q!r}")
        add("no_brief_day", lang, q, iso, [])

    # factual
    used = Counter(i for _, i, _, _ in spec.FACTUAL)
    for i, n in used.items():
        if n > 1:
            err(f"factual: item {i} used {n} times")
    for lang, i, sub, q in spec.FACTUAL:
        if not (0 <= i < len(ITEMS)):
            err(f"factual: bad index {i}")
            continue
        it = ITEMS[i]
        if sub not in it["text"]:
            err(f"factual: substring {sub!r} not in item {i}")
        others = [j for j, x in enumerate(ITEMS) if j != i and sub in x["text"]]
        if others:
            err(f"factual: substring {sub!r} also in items {others}")
        add("factual", lang, q, it["date"], [it["text"]])

    # not_covered
    for lang, terms, q in spec.NOT_COVERED:
        if not terms:
            err(f"not_covered: no terms: {q}")
        for t in terms:
            tc = t.casefold()
            if tc not in q.casefold():
                err(f"not_covered: term {t!r} not in question {q!r}")
            hits = [j for j, x in enumerate(texts_cf) if tc in x]
            lhits = [lab for lab in labels_cf if tc in lab]
            if hits or lhits:
                err(f"not_covered: term {t!r} found in items {hits[:5]} / labels {lhits[:3]}")
        add("not_covered", lang, q, None, [])

    # counts
    cnt = Counter((r["kind"], r["lang"]) for r in out)
    print(f"{'kind':14s} {'en':>4s} {'id':>4s}")
    for k, n in want.items():
        print(f"{k:14s} {cnt[(k, 'en')]:4d} {cnt[(k, 'id')]:4d}")
        for lang in ("en", "id"):
            if cnt[(k, lang)] != n:
                err(f"count {k}/{lang} = {cnt[(k, lang)]}, want {n}")
    print(f"total {len(out)}")

    # spot-check gold items against the brief HTML (text before the source parentheses)
    rng = random.Random(4)
    pool = [(r["gold_date"], g) for r in out if r["gold"] for g in r["gold"]]
    sample = rng.sample(pool, 10)
    ok = 0
    for iso, g in sample:
        raw = open(os.path.join(BRIEFS, iso + ".html"), encoding="utf-8").read()
        plain = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", raw)).split())
        core = " ".join(re.sub(r"(\s*\([^()]*\))+\s*$", "", g).split())
        # compare on a word-normalised form (tag removal can split punctuation)
        norm = lambda s: re.sub(r"\W+", " ", s).strip().casefold()  # noqa: E731
        found = norm(core) in norm(plain)
        ok += found
        print(f"  spot-check {iso}: {'OK ' if found else 'MISS'} {core[:90]}")
        if not found:
            err(f"spot-check: gold item not found in {iso}.html: {core[:80]}")
    print(f"spot-check: {ok}/10 gold items found in the brief HTML")

    if ERR:
        print(f"\n{len(ERR)} ERROR(S):")
        for e in ERR:
            print("  -", e)
        sys.exit(1)

    with open(os.path.join(here, "questions.jsonl"), "w", encoding="utf-8") as f:
        for n, r in enumerate(out, 1):
            rec = {
                "qid": f"{prefix}-{n:04d}",
                "kind": r["kind"],
                "lang": r["lang"],
                "question": r["question"],
                "gold_date": r["gold_date"],
                "gold": r["gold"],
            }
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print("wrote questions.jsonl; all checks passed")


if __name__ == "__main__":
    main()
