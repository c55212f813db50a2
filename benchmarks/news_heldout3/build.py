"""Build questions.jsonl from spec.py; compute gold and validate.

python3 build.py          -> validates, writes questions.jsonl, prints counts
Exits non-zero (and writes nothing) if any check fails.
"""

import collections
import datetime as dt
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "news_heldout", "tools"))
from lib import ITEMS, DATES, topic_index, day_items  # noqa: E402
import spec  # noqa: E402

FIRST, LAST = "2025-09-14", "2025-12-31"
errors = []


def err(msg):
    errors.append(msg)


IDX = topic_index()
ALL_LABEL_PARTS = set(IDX)  # every label part, any depth
ALL_LABELS_RAW = {lab for it in ITEMS for lab in it["path"]}
HAYSTACK = [it["text"].casefold() for it in ITEMS] + [l.casefold() for l in ALL_LABELS_RAW]

WEEKDAYS = {  # name -> Python weekday()
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
    "senin": 0,
    "selasa": 1,
    "rabu": 2,
    "kamis": 3,
    "jumat": 4,
    "sabtu": 5,
    "minggu": 6,
}


def check_weekday(q, date, tag):
    d = dt.date.fromisoformat(date)
    for w in re.findall(r"[a-z]+", q.lower()):
        if w in WEEKDAYS and WEEKDAYS[w] != d.weekday():
            # "minggu" also means "week" in Indonesian; only flag when it sits next to the date
            err(f"{tag}: weekday '{w}' does not match {date} ({d.strftime('%A')}): {q!r}")


def check_day_mentioned(q, date, tag):
    d = dt.date.fromisoformat(date)
    nums = re.findall(r"\d+", q)
    if str(d.day) not in [n.lstrip("0") or "0" for n in nums]:
        err(f"{tag}: day {d.day} of {date} not visible in question {q!r}")
    if not (FIRST <= date <= LAST):
        return
    # in-range questions: no explicit year other than 2025
    for y in re.findall(r"\b(20\d\d)\b", q):
        if y != "2025":
            err(f"{tag}: year {y} in an in-range question {q!r}")


out = []
seen_q = set()


def add(kind, lang, q, gold_date, gold):
    key = q.strip().casefold()
    if key in seen_q:
        err(f"duplicate question {q!r}")
    seen_q.add(key)
    if lang not in ("en", "id"):
        err(f"bad lang {lang} for {q!r}")
    out.append({"kind": kind, "lang": lang, "question": q, "gold_date": gold_date, "gold": gold})


# ---- topic_latest
for lang, q, label, kws in spec.TOPIC_LATEST:
    tag = f"topic_latest[{label}]"
    if label not in IDX:
        err(f"{tag}: label not found")
        continue
    days = IDX[label]
    if len(days) < 2:
        err(f"{tag}: label on only {len(days)} day(s)")
    g = max(days)
    gold = list(days[g])
    if not gold:
        err(f"{tag}: empty gold")
    if not kws:
        err(f"{tag}: no concept keywords")
    for it in ITEMS:
        if it["date"] > g and any(k.casefold() in it["text"].casefold() for k in kws):
            err(f"{tag}: newer item {it['date']} matches concept keywords {kws}: {it['text'][:100]}")
    add("topic_latest", lang, q, g, gold)

# ---- topic_on_day
seen_tod = set()
for lang, q, label, date in spec.TOPIC_ON_DAY:
    tag = f"topic_on_day[{label}@{date}]"
    if (label, date) in seen_tod:
        err(f"{tag}: duplicate key")
    seen_tod.add((label, date))
    if label not in IDX:
        err(f"{tag}: label not found")
        continue
    gold = list(IDX[label].get(date, []))
    if not gold:
        err(f"{tag}: no items under label that day (days: {sorted(IDX[label])})")
    check_day_mentioned(q, date, tag)
    check_weekday(q, date, tag)
    add("topic_on_day", lang, q, date, gold)

# ---- day_summary
seen_days = set()
for lang, q, date in spec.DAY_SUMMARY:
    tag = f"day_summary[{date}]"
    if date in seen_days:
        err(f"{tag}: day used twice")
    seen_days.add(date)
    gold = day_items(date)
    if len(gold) < 5:
        err(f"{tag}: only {len(gold)} items")
    check_day_mentioned(q, date, tag)
    check_weekday(q, date, tag)
    add("day_summary", lang, q, date, gold)

# ---- no_brief_day
for lang, q, date in spec.NO_BRIEF:
    tag = f"no_brief_day[{date}]"
    try:
        d = dt.date.fromisoformat(date)
    except ValueError:
        err(f"{tag}: date does not parse")
        continue
    if FIRST <= date <= LAST or date in DATES:
        err(f"{tag}: date is inside the covered range")
    if str(d.year) not in q:
        err(f"{tag}: year not stated in {q!r}")
    check_day_mentioned(q, date, tag)
    check_weekday(q, date, tag)
    add("no_brief_day", lang, q, date, [])

# ---- factual
used_items = set()
for lang, q, i, sub in spec.FACTUAL:
    tag = f"factual[{i}]"
    if not (0 <= i < len(ITEMS)):
        err(f"{tag}: index out of range")
        continue
    if i in used_items:
        err(f"{tag}: item used twice")
    used_items.add(i)
    it = ITEMS[i]
    if sub not in it["text"]:
        err(f"{tag}: substring {sub!r} not in item: {it['text'][:120]}")
    others = [j for j, o in enumerate(ITEMS) if j != i and sub.casefold() in o["text"].casefold()]
    if others:
        err(f"{tag}: substring {sub!r} also in items {others[:5]} (not a unique anchor)")
    add("factual", lang, q, it["date"], [it["text"]])

# ---- not_covered
for lang, q, terms in spec.NOT_COVERED:
    tag = f"not_covered[{q[:40]}]"
    if not terms:
        err(f"{tag}: no terms")
    for t in terms:
        tf = t.casefold()
        hits = [h for h in HAYSTACK if tf in h]
        if hits:
            err(f"{tag}: term {t!r} present: {hits[0][:100]}")
    add("not_covered", lang, q, None, [])

# ---- counts
want = {"topic_latest": 25, "topic_on_day": 25, "day_summary": 20, "no_brief_day": 12, "factual": 40, "not_covered": 25}
cnt = collections.Counter((o["kind"], o["lang"]) for o in out)
for k, n in want.items():
    for lang in ("en", "id"):
        if cnt[(k, lang)] != n:
            err(f"count {k}/{lang} = {cnt[(k, lang)]}, want {n}")

print(f"{'kind':14s} {'en':>4s} {'id':>4s}")
for k in want:
    print(f"{k:14s} {cnt[(k, 'en')]:4d} {cnt[(k, 'id')]:4d}")
print(
    f"{'total':14s} {sum(v for (k, l), v in cnt.items() if l == 'en'):4d} {sum(v for (k, l), v in cnt.items() if l == 'id'):4d}  = {len(out)}"
)

if errors:
    print(f"\n{len(errors)} ERROR(S):")
    for e in errors:
        print(" -", e)
    sys.exit(1)

with open(os.path.join(HERE, "questions.jsonl"), "w", encoding="utf-8") as f:
    for n, o in enumerate(out, 1):
        rec = {"qid": f"h3-{n:04d}", **o}
        f.write(json.dumps(rec, ensure_ascii=False) + "\n")
print(f"\nOK: wrote {len(out)} questions to questions.jsonl")
