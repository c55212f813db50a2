"""The feed reader over real HTTP against a local feed server: conditional GET, gzip, redirects,
the address checks, the size limit, and every way a feed goes wrong giving a clear error fast.
Also the four formats read into items. No embedder here: see test_feeds_sync.py for the rest."""

from __future__ import annotations

import ipaddress
import json
import re
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from bot.feeds.fetch import FeedFetchError, fetch_feed
from bot.feeds.items import collapse_items, item_day
from bot.feeds.parse import FeedParseError, parse_feed
from tests.feeds.server import BROKEN, FeedServer

# The published copies of a real feed (../shared/news/feed, beside the repository).
COPIES = sorted((Path(__file__).resolve().parents[2] / "shared" / "news" / "feed").glob("*.rss"))
pytestmark = pytest.mark.skipif(len(COPIES) != 8, reason="needs ../shared/news/feed")
LOOPBACK_1 = (ipaddress.ip_network("127.0.0.1/32"),)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


def fetch_and_parse(url: str, **options: object) -> object:
    fetched = fetch_feed(url, allow_private=True, **options)  # type: ignore[arg-type]
    return parse_feed(fetched.body, fetched.content_type, fetched.final_url)


def test_conditional_get_answers_304_and_reads_nothing(server: FeedServer) -> None:
    server.serve_copy(COPIES[0])
    first = fetch_feed(server.url, allow_private=True)
    assert not first.not_modified and first.body == COPIES[0].read_bytes()  # gzip decoded
    assert first.etag and first.last_modified
    again = fetch_feed(server.url, etag=first.etag, last_modified=first.last_modified, allow_private=True)
    assert again.not_modified and again.body == b""
    assert server.statuses() == [200, 304]
    request = server.requests[0]
    assert "briefbot" in (request.user_agent or "")
    assert "gzip" in (request.accept_encoding or "")
    assert server.requests[1].if_none_match == first.etag


def test_loopback_refused_unless_allowed_and_nothing_is_asked(server: FeedServer) -> None:
    server.serve_copy(COPIES[0])
    with pytest.raises(FeedFetchError, match=r"private, loopback or link-local.*FEEDS_ALLOW_PRIVATE_NETWORKS"):
        fetch_feed(server.url)
    assert server.requests == []


def test_redirect_to_a_private_address_refused_on_that_hop(server: FeedServer) -> None:
    """Only 127.0.0.1 is allowed here: the redirect to 127.0.0.2 (loopback too) is refused."""
    port = server.base.rsplit(":", 1)[1]
    server.serve_copy(COPIES[0])
    server.redirect("/moved", f"http://127.0.0.2:{port}/feed")
    with pytest.raises(FeedFetchError, match=re.escape("127.0.0.2")):
        fetch_feed(f"{server.base}/moved", allowed_networks=LOOPBACK_1)
    assert [r.path for r in server.requests] == ["/moved"]
    # A redirect within what is allowed is followed.
    server.redirect("/moved-here", f"{server.base}/feed")
    assert fetch_feed(f"{server.base}/moved-here", allowed_networks=LOOPBACK_1).body == COPIES[0].read_bytes()


def test_at_most_five_redirects_and_only_http(server: FeedServer) -> None:
    for hop in range(7):
        server.redirect(f"/r{hop}", f"/r{hop + 1}")
    with pytest.raises(FeedFetchError, match="more than 5 redirects"):
        fetch_feed(f"{server.base}/r0", allow_private=True)
    server.redirect("/ftp", "ftp://example.org/feed")
    with pytest.raises(FeedFetchError, match="only http and https"):
        fetch_feed(f"{server.base}/ftp", allow_private=True)
    with pytest.raises(FeedFetchError, match="only http and https"):
        fetch_feed("file:///etc/passwd", allow_private=True)


def test_size_limit_while_streaming(server: FeedServer) -> None:
    server.serve_copy(COPIES[0])  # 408 kB, sent gzipped: the limit holds for the inflated bytes
    with pytest.raises(FeedFetchError, match=re.escape("larger than the limit of 0.1 MB")):
        fetch_feed(server.url, allow_private=True, max_bytes=100_000)


@pytest.mark.parametrize("kind", BROKEN)
def test_each_bad_feed_gives_a_clear_error_fast(server: FeedServer, kind: str) -> None:
    server.serve_copy(COPIES[0])
    server.serve_broken(kind)
    server.slow_s = 10
    expected = {
        "timeout": "timed out",
        "404": "HTTP 404",
        "500": "HTTP 500",
        "truncated": "malformed or truncated feed",
        "cut_connection": "broke off",
        "malformed": "malformed or truncated feed",
        "html": "HTML page, not a feed",
        "bomb": "declares XML entities",
        "undated": None,  # a feed-level success; the item is refused by collapse_items
    }[kind]
    started = time.monotonic()
    if expected is None:
        feed = fetch_and_parse(server.url, timeout_s=2)
        briefs, undated = collapse_items(feed.items)  # type: ignore[attr-defined]
        assert briefs == [] and [item.title for item in undated] == ["A brief that names no day"]
    else:
        with pytest.raises((FeedFetchError, FeedParseError), match=expected):
            fetch_and_parse(server.url, timeout_s=2)
    assert time.monotonic() - started < 5


RSS1 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="http://example.org/"><title>RSS one</title><link>http://example.org/</link>
<description>d</description></channel>
<item rdf:about="http://example.org/a"><title>Morning brief</title><link>http://example.org/a</link>
<description>The river rose two metres overnight.</description><dc:date>2025-11-03T06:00:00Z</dc:date></item>
</rdf:RDF>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom one</title><id>urn:x</id>
<updated>2025-11-04T06:00:00Z</updated>
<entry><title>Brief of 2 November 2025</title><id>urn:brief:2</id><link href="http://example.org/b"/>
<updated>2025-11-04T06:00:00Z</updated>
<content type="html">&lt;p&gt;The council approved the budget.&lt;/p&gt;</content></entry>
</feed>"""

JSON_FEED = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "JSON one",
        "items": [
            {
                "id": "j1",
                "url": "http://example.org/j1",
                "title": "Evening brief",
                "content_text": "Trains ran late.\n\nBuses did not.",
                "date_published": "2025-11-05T18:00:00+07:00",
            }
        ],
    }
).encode()


@pytest.mark.parametrize(
    ("document", "content_type", "title", "link", "day", "text"),
    [
        (RSS1, "application/rdf+xml", "Morning brief", "http://example.org/a", date(2025, 11, 3), "river rose"),
        (ATOM, "application/atom+xml", "Brief of 2 November 2025", "http://example.org/b", date(2025, 11, 2), "budget"),
        (
            JSON_FEED,
            "application/feed+json",
            "Evening brief",
            "http://example.org/j1",
            date(2025, 11, 5),
            "<p>Trains ran late.</p>",
        ),
    ],
)
def test_rss1_atom_and_json_feed(
    document: bytes, content_type: str, title: str, link: str, day: date, text: str
) -> None:
    feed = parse_feed(document, content_type)
    (item,) = feed.items
    assert (item.title, item.link) == (title, link)
    # The title's own date wins over the time of publishing ("Brief of 2 November" updated on the 4th).
    assert item_day(item) == day
    assert text in item.html


def test_real_copy_reads_all_items_with_their_dates() -> None:
    feed = parse_feed(COPIES[-1].read_bytes(), "application/rss+xml")
    briefs, undated = collapse_items(feed.items)
    assert len(feed.items) == 95 and undated == []
    # 95 items, 3 days listed twice under two guids: 92 days, each once.
    assert len(briefs) == len({b.day for b in briefs}) == 92
    october_3 = next(b for b in briefs if b.day == date(2025, 10, 3))
    assert {k.rsplit("/", 1)[1] for k in october_3.keys} == {"2025_October_3", "2025_October_03"}
    assert "Shabelle offensive" in october_3.html  # the full page, not the stub listed beside it


def test_real_world_sloppiness_is_read_but_a_broken_document_is_not() -> None:
    """A feed labelled text/html and an HTML entity XML lacks (&nbsp;) are read; a document cut
    short is refused whole, so no half-read item replaces a brief."""
    sloppy = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>Brief of'
        b" 1 December 2025</title><guid>s1</guid><description>Snow&nbsp;fell.</description></item>"
        b"</channel></rss>"
    )
    (item,) = parse_feed(sloppy, "text/html; charset=utf-8").items
    assert item.title == "Brief of 1 December 2025" and "Snow" in item.html
    with pytest.raises(FeedParseError, match="malformed or truncated"):
        parse_feed(sloppy[: len(sloppy) // 2], "application/rss+xml")
