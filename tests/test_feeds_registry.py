"""The feed registry on both places the bot keeps its state: SQLite in the data folder and the
PostgreSQL every replica shares; one sync at a time across processes / replicas."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.feeds.registry import ChannelRecord, FeedSyncBusyError, open_registry


@pytest.fixture
def place(store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> tuple[Path, str | None]:
    url = request.getfixturevalue("new_database")() if store_kind == "postgres" else None
    return tmp_path / "data", url


def test_feeds_items_and_channels_are_remembered_and_shared(place: tuple[Path, str | None]) -> None:
    one, other = open_registry(*place), open_registry(*place)  # two processes / replicas
    try:
        assert one.add_feed("https://example.org/feed.rss")
        assert not other.add_feed("https://example.org/feed.rss")  # one feed, seen by both
        one.remember(
            "https://example.org/feed.rss",
            ["guid-1", "https://example.org/a"],
            "feeds/x/2025-10-01-a.html",
            "current events - october 1, 2025",
            "2025-10-01",
            "https://example.org/a",
        )
        # A renamed item (a new guid) with the same title and date is the same brief.
        assert (
            other.source_of(
                "https://example.org/feed.rss", ["guid-01"], "current events - october 1, 2025", "2025-10-01"
            )
            == "feeds/x/2025-10-01-a.html"
        )
        assert other.source_of("https://example.org/feed.rss", ["guid-2"], "something else", "2025-10-01") is None
        assert other.links() == {"feeds/x/2025-10-01-a.html": "https://example.org/a"}
        assert [f.items for f in other.feeds()] == [1]

        other.record_sync(
            "https://example.org/feed.rss",
            status="error",
            error="HTTP 500",
            etag=None,
            last_modified=None,
            failures=1,
            next_try_at=123.0,
        )
        (feed,) = one.feeds()
        assert (feed.status, feed.error, feed.failures, feed.next_try_at) == ("error", "HTTP 500", 1, 123.0)

        assert one.add_channel(ChannelRecord(-100123, "Daily", "daily", 42, 1.0))
        assert [c.username for c in other.channels()] == ["daily"]
        assert other.remove_channel(-100123) and one.channels() == []

        with one.sync_lock(), pytest.raises(FeedSyncBusyError), other.sync_lock():
            pass
        with other.sync_lock():  # released when the first sync ended
            pass
        assert one.remove_feed("https://example.org/feed.rss") and other.feeds() == []
    finally:
        one.close()
        other.close()
