"""Two bot replicas on one PostgreSQL: the feeds, their validators and the briefs a sync brought
are shared, so the other replica indexes the same briefs and its own sync answers 304."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.feeds.registry import PostgresFeedRegistry
from bot.feeds.sync import FeedOptions, FeedSyncer
from index.embeddings import BriefEmbeddings
from index.knowledge_base import KnowledgeBase
from tests.feeds.server import FeedServer
from tests.test_feeds_sync import COPIES, tiny_feed

pytestmark = pytest.mark.skipif(len(COPIES) != 8, reason="needs ../shared/news/feed")


def test_replicas_share_feeds_and_their_briefs(tmp_path: Path, embedder: BriefEmbeddings, new_database: object) -> None:
    url = new_database()  # type: ignore[operator]
    replicas = [
        KnowledgeBase(tmp_path / name / "briefs", tmp_path / name / "data", embedder=embedder, database_url=url)
        for name in ("a", "b")
    ]
    registries = [PostgresFeedRegistry(url) for _ in replicas]
    options = FeedOptions(allow_private=True)
    try:
        with FeedServer() as server:
            server.serve(tiny_feed(COPIES[0], 2))
            registries[0].add_feed(server.url)
            (first,) = FeedSyncer(registries[0], replicas[0].briefs_dir, replicas[0].reindex, options).sync()
            assert (first.status, first.new) == ("updated", 2)

            replicas[1].reindex()  # the other replica's folder gets the briefs from the database
            assert sorted(b.date for b in replicas[1].briefs()) == sorted(b.date for b in replicas[0].briefs())
            assert len(replicas[1].briefs()) == 2
            (second,) = FeedSyncer(registries[1], replicas[1].briefs_dir, replicas[1].reindex, options).sync()
            assert second.status == "not_modified" and server.statuses() == [200, 304]
    finally:
        for registry in registries:
            registry.close()
        for kb in replicas:
            kb.close()


@pytest.fixture(autouse=True)
def _needs_postgres(request: pytest.FixtureRequest) -> None:
    pytest.importorskip("psycopg")
