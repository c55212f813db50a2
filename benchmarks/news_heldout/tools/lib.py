import json
from collections import defaultdict

ITEMS = json.load(open(__import__("pathlib").Path(__file__).resolve().parent / "items.json"))


def parts(label):
    return [p.strip() for p in label.split(", ") if p.strip()]


def topic_index(levels=None):
    """topic -> date -> [items]; topic = any label at any depth (split combined labels)."""
    idx = defaultdict(lambda: defaultdict(list))
    for it in ITEMS:
        seen = set()
        for d, lab in enumerate(it["path"]):
            if levels is not None and d not in levels:
                continue
            for p in parts(lab):
                if p in seen:
                    continue
                seen.add(p)
                idx[p][it["date"]].append(it["text"])
    return idx


def day_items(date):
    return [i["text"] for i in ITEMS if i["date"] == date]


DATES = sorted({i["date"] for i in ITEMS})
