"""Feed items as brief files: which items are one brief, its date, and the HTML file the HTML
loader reads (title, date, link and the item's own HTML).

One brief per item: a guid/id (else link) repeated in one copy is one brief, and so are items of
one feed with the same title and date, as real feeds rename items (`…/2025_October_1` and
`…/2025_October_01`, the same page). Of such a group the fullest text is kept: a page listed
twice is usually once in full and once as a stub of it.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from bot.feeds.parse import FeedItem
from index.dates import find_date

_TAGS = re.compile(r"<[^>]+>")
_SLUG_UNSAFE = re.compile(r"[^a-z0-9]+")
_LEADING_ZEROS = re.compile(r"(?<!\d)0+(?=\d)")
TITLE_SLUG_MAX = 60
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # sorts an item without a time first


@dataclass(frozen=True, slots=True)
class FeedBrief:
    keys: tuple[str, ...]  # every identity the brief went by in this copy (guids, links)
    title: str
    title_key: str
    day: date
    link: str | None
    html: str


def item_day(item: FeedItem) -> date | None:
    """The date its title names (a daily brief's own date), else its pubDate / updated."""
    published = item.published.date() if item.published else None
    named = find_date(item.title, published) if item.title else None
    if named is not None and (named.year_given or published is not None):
        return named.date
    return published


def title_key(title: str) -> str:
    """A title as compared between items: "October 01, 2025" and "October 1, 2025" are one."""
    return _LEADING_ZEROS.sub("", " ".join(title.casefold().split()))


def _text_length(markup: str) -> int:
    return len(" ".join(html.unescape(_TAGS.sub(" ", markup)).split()))


def collapse_items(items: tuple[FeedItem, ...] | list[FeedItem]) -> tuple[list[FeedBrief], list[FeedItem]]:
    """The briefs of one copy of a feed, and the items left out for want of a date."""
    undated = [item for item in items if item_day(item) is None]
    dated = [(item, item_day(item)) for item in items if item not in undated]
    # Groups joined by identity or by (title, date): union-find over the items' positions.
    parent = list(range(len(dated)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_of: dict[object, int] = {}
    for position, (item, day) in enumerate(dated):
        for mark in (("key", item.key), ("title", title_key(item.title), day)):
            if mark in first_of:
                parent[root(position)] = root(first_of[mark])
            else:
                first_of[mark] = position
    groups: dict[int, list[int]] = {}
    for position in range(len(dated)):
        groups.setdefault(root(position), []).append(position)
    briefs: list[FeedBrief] = []
    for members in groups.values():
        # The fullest text; then the newest; then the later in the document.
        best = max(
            members,
            key=lambda p: (_text_length(dated[p][0].html), dated[p][0].published or _EPOCH, p),
        )
        item, day = dated[best]
        assert day is not None
        keys = tuple(dict.fromkeys(k for p in members for k in (dated[p][0].key, dated[p][0].link) if k))
        title = item.title or (item.link or item.key)
        briefs.append(FeedBrief(keys, title, title_key(title), day, item.link, item.html))
    briefs.sort(key=lambda b: (b.day, b.title_key))
    return briefs, undated


def render_brief(brief: FeedBrief, feed_title: str | None, feed_url: str) -> bytes:
    """The HTML file of a brief, in the form the HTML loader reads: <title>, <meta name="date">,
    <link rel="canonical"> (the link shown with a citation), then the item's HTML."""
    head = [
        '<meta charset="utf-8">',
        f"<title>{html.escape(brief.title)}</title>",
        f'<meta name="date" content="{brief.day.isoformat()}">',
        f'<meta name="briefbot:feed" content="{html.escape(feed_url)}">',
    ]
    if feed_title:
        head.append(f'<meta name="briefbot:feed-title" content="{html.escape(feed_title)}">')
    if brief.link:
        head.append(f'<link rel="canonical" href="{html.escape(brief.link)}">')
    document = (
        "<!DOCTYPE html>\n<html><head>\n" + "\n".join(head) + "\n</head>\n<body>\n" + brief.html + "\n</body></html>\n"
    )
    return document.encode("utf-8")


def feed_folder(feed_url: str) -> str:
    """The briefs sub-folder of a feed's briefs: readable (host and path), unique (a hash)."""
    parts = urlsplit(feed_url)
    readable = _SLUG_UNSAFE.sub("-", f"{parts.hostname or 'feed'}{parts.path}".lower()).strip("-")[:50]
    digest = hashlib.sha256(feed_url.encode()).hexdigest()[:8]
    return f"feeds/{readable or 'feed'}-{digest}"


def brief_file_name(folder: str, brief: FeedBrief, taken: set[str]) -> str:
    """A new file for a brief: `<folder>/<date>-<title>.html`, numbered when taken."""
    slug = _SLUG_UNSAFE.sub("-", brief.title.lower()).strip("-")[:TITLE_SLUG_MAX].strip("-") or "item"
    base = f"{folder}/{brief.day.isoformat()}-{slug}"
    name, n = f"{base}.html", 2
    while name in taken:
        name, n = f"{base}-{n}.html", n + 1
    return name
