"""Reading a fetched feed into items: RSS 2.0, RSS 1.0 and Atom 1.0 through `feedparser`, JSON
Feed (which feedparser does not read) through `json`.

What is refused, each with an error an admin can act on: an empty body, an HTML page where a
feed was expected, a document declaring XML entities (the billion-laughs kind of bomb: expat
limits the expansion, but no feed needs its own entities, so it is refused before parsing), and a
malformed or truncated document (feedparser's "bozo" errors): half a feed is not synced, so no
item is written from a document that may have lost its end.
"""

from __future__ import annotations

import calendar
import hashlib
import html
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser

# Harmless complaints of feedparser: the document was read whole all the same.
_BENIGN_BOZO = (
    feedparser.CharacterEncodingOverride,
    feedparser.NonXMLContentType,
)
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_HTML_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>])", re.IGNORECASE | re.DOTALL
)
_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>]")
_JSON_FEED_VERSION = "https://jsonfeed.org/version/"


class FeedParseError(Exception):
    """Why a fetched document is not a usable feed."""


@dataclass(frozen=True, slots=True)
class FeedItem:
    key: str  # the item's identity: guid / id, else its link
    title: str
    link: str | None
    html: str  # the item's content as HTML (content:encoded, content, description)
    published: datetime | None  # pubDate / published / updated, UTC


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str | None
    items: tuple[FeedItem, ...]


def parse_feed(data: bytes, content_type: str | None = None, base_url: str | None = None) -> ParsedFeed:
    body = data.lstrip(b"\xef\xbb\xbf")
    if not body.strip():
        raise FeedParseError("the server sent an empty document")
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if "json" in kind or body.lstrip()[:1] == b"{":
        return _parse_json_feed(body)
    head = body[:4096]
    # Judged by the document first: some servers label their feed text/html.
    if not _FEED_ROOT.search(head) and (kind == "text/html" or _HTML_START.match(head)):
        raise FeedParseError(
            "the server sent an HTML page, not a feed (is this the site's address rather than its feed's?)"
        )
    if _ENTITY_DECLARATION.search(body[:65536]):
        raise FeedParseError("refused: the document declares XML entities (a possible entity-expansion bomb)")
    headers = {"content-location": base_url} if base_url else {}
    # sanitize_html off: the item's HTML is only ever read by the HTML loader (BeautifulSoup,
    # never rendered or run), which needs the page's classes and roles to drop its navigation.
    parsed = feedparser.parse(body, sanitize_html=False, response_headers=headers)
    error = parsed.get("bozo_exception")
    if parsed.get("bozo") and error is not None and not _benign(error):
        raise FeedParseError(f"malformed or truncated feed: {_describe(error)}")
    if not parsed.get("version"):
        raise FeedParseError("not a feed: no RSS, Atom or JSON Feed document found")
    items = tuple(_rss_item(entry) for entry in parsed.entries)
    return ParsedFeed(_clean(parsed.feed.get("title")), tuple(i for i in items if i is not None))


def _benign(error: Exception) -> bool:
    """Complaints after which the document was still read whole: an encoding label that lied,
    and an HTML entity (&nbsp;) XML does not define, common in real feeds; feedparser's lenient
    parser then reads every item. A declared entity never gets here (refused above)."""
    return isinstance(error, _BENIGN_BOZO) or "undefined entity" in str(error)


def _describe(error: Exception) -> str:
    text = " ".join(str(error).split())[:200]
    return text or type(error).__name__


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _clean(value: object) -> str | None:
    text = " ".join(str(value or "").split())
    return text or None


def _rss_item(entry: Any) -> FeedItem | None:
    link = _clean(entry.get("link"))
    key = _clean(entry.get("id")) or link
    content = _content_html(entry)
    title = _clean(html.unescape(str(entry.get("title") or ""))) or ""
    if key is None:
        # Neither guid nor link: the title and text are all that tell it from another.
        key = f"untitled:{title}:{_digest(content)}"
    when = entry.get("published_parsed") or entry.get("updated_parsed") or entry.get("created_parsed")
    published = datetime.fromtimestamp(calendar.timegm(when), UTC) if when else None
    return FeedItem(key, title, link, content, published)


def _content_html(entry: Any) -> str:
    candidates: list[dict[str, Any]] = list(entry.get("content") or [])
    if entry.get("summary_detail"):
        candidates.append(entry["summary_detail"])
    elif entry.get("summary"):
        candidates.append({"value": entry["summary"], "type": "text/html"})
    # The longest: content:encoded is the whole text where description is often a teaser.
    best = max(candidates, key=lambda c: len(str(c.get("value") or "")), default=None)
    if best is None:
        return ""
    value = str(best.get("value") or "")
    if "html" in str(best.get("type") or "text/html"):
        return value
    return _text_as_html(value)


def _text_as_html(text: str) -> str:
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)


def _parse_json_feed(body: bytes) -> ParsedFeed:
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise FeedParseError(f"malformed or truncated JSON Feed: {_describe(error)}") from None
    if not isinstance(document, dict) or not str(document.get("version", "")).startswith(_JSON_FEED_VERSION):
        raise FeedParseError("not a feed: JSON without a JSON Feed version")
    raw_items = document.get("items")
    if not isinstance(raw_items, list):
        raise FeedParseError("malformed JSON Feed: no list of items")
    items: list[FeedItem] = []
    for raw in raw_items:
        if not isinstance(raw, dict):
            continue
        link = _clean(raw.get("url"))
        key = _clean(raw.get("id")) or link
        content = raw.get("content_html") or ""
        if not content and raw.get("content_text"):
            content = _text_as_html(str(raw["content_text"]))
        content = str(content or raw.get("summary") or "")
        title = _clean(raw.get("title")) or ""
        if key is None:
            key = f"untitled:{title}:{_digest(content)}"
        published = _iso_time(raw.get("date_published") or raw.get("date_modified"))
        items.append(FeedItem(key, title, link, content, published))
    return ParsedFeed(_clean(document.get("title")), tuple(items))


def _iso_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    # A time without a zone is read as UTC (JSON Feed's RFC 3339 times should carry one).
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
