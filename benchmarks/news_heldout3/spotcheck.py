"""Spot-check gold items against the brief HTML files (text present in that day's page)."""

import html, json, random, re

BRIEFS = __import__("pathlib").Path(__file__).resolve().parents[3] / "shared" / "news" / "briefs"
Q = [json.loads(l) for l in open(__import__("pathlib").Path(__file__).resolve().parent / "questions.jsonl")]
random.seed(3)
withgold = [q for q in Q if q["gold"]]
picks = []
for kind in ("topic_latest", "topic_on_day", "day_summary", "factual"):
    pool = [q for q in withgold if q["kind"] == kind]
    picks += random.sample(pool, 3 if kind != "day_summary" else 1)
picks = picks[:10]


def norm(s):
    # drop tags (no space: inline links sit inside sentences), unescape, compare word sequences
    s = html.unescape(re.sub(r"<[^>]+>", "", s))
    return " ".join(re.findall(r"\w+", s.casefold()))


for q in picks:
    page = norm(open(BRIEFS / f"{q['gold_date']}.html", encoding="utf-8").read())
    item = random.choice(q["gold"])
    body = re.sub(r"\s*(\([^()]*\)\s*)+$", "", item)  # drop trailing source links
    ok = norm(body)[:150] in page
    print(
        f"{'OK ' if ok else 'MISS'} {q['qid']} {q['kind']:13s} {q['gold_date']} | {q['question'][:50]!r}\n      {item[:110]}"
    )
