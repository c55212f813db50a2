"""Feeds and channels through the real bot, polling a local Bot API server over real HTTP:
a channel an admin made the bot an administrator of gives answerable briefs (edits replace them,
posts sent while the bot was down arrive after it restarts), one a non-admin added gives nothing,
and the admin commands /feeds and /feed add|sync|remove work on a real feed over real HTTP.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.feeds.registry import SqliteFeedRegistry
from index.embeddings import BriefEmbeddings
from index.knowledge_base import KnowledgeBase
from tests.botapi.channels import ChannelBotApiServer, channel
from tests.botapi.fixtures import TEST_BOT_TOKEN, TEST_BOT_USERNAME
from tests.botapi.server import Chat
from tests.feeds.server import FeedServer
from tests.test_feeds_sync import COPIES, tiny_feed
from tests.test_telegram_e2e import ADMIN, BOB, Harness, eventually

NEWSROOM = channel(-1_009_001, "Freedonia Daily", username="freedonia_daily")
ROGUE = channel(-1_009_002, "Totally Real News", username="totally_real_news")

HARBOUR_POST = (
    "Morning brief, 3 December 2025\n"
    "The Freedonia harbour reopened on Tuesday after the storm; forty cargo ships had waited outside the breakwater."
)
HARBOUR_EDIT = (
    "Morning brief, 3 December 2025\n"
    "The Freedonia harbour stays closed until Friday, the port authority said after a second storm warning."
)
HARBOUR_QUESTION = "What happened to the Freedonia harbour?"
PLANTED_POST = (
    "Breaking, 3 December 2025\n"
    "The Freedonia harbour was sold to a private zeppelin company for one euro, officials confirmed."
)


@pytest.fixture
def server() -> Iterator[ChannelBotApiServer]:
    with ChannelBotApiServer(TEST_BOT_TOKEN, bot_username=TEST_BOT_USERNAME) as running:
        yield running
    assert not running.server_errors, running.server_errors


@pytest.fixture
def harness(server: ChannelBotApiServer, tmp_path: Path, embedder: BriefEmbeddings) -> Iterator[Harness]:
    kb = KnowledgeBase(tmp_path / "briefs", tmp_path / "data", embedder=embedder)
    yield Harness(server, kb)  # type: ignore[arg-type]
    kb.close()


def channel_briefs(kb: KnowledgeBase, chat: Chat) -> list[str]:
    return [b.source for b in kb.briefs() if b.source.startswith(f"channels/c{abs(chat.id)}/")]


async def ask(harness: Harness, question: str) -> str:
    chat = Chat.private(ADMIN)
    asked = harness.send(ADMIN, chat, question)
    reply = await harness.reply(chat, asked, timeout=30)
    return str(reply["text"])


async def test_channel_posts_become_briefs_only_from_admin_added_channels(harness: Harness) -> None:
    server: ChannelBotApiServer = harness.server  # type: ignore[assignment]
    async with harness.run(feeds_interval_s=0):
        server.add_bot_to_channel(ADMIN, NEWSROOM)
        server.add_bot_to_channel(BOB, ROGUE)  # not an admin: gives nothing
        posted_at = time.monotonic()
        post = server.post(NEWSROOM, HARBOUR_POST)["channel_post"]
        server.post(ROGUE, PLANTED_POST)
        await eventually(lambda: bool(channel_briefs(harness.kb, NEWSROOM)), timeout=60)
        indexed_after = time.monotonic() - posted_at
        assert indexed_after < 60
        print(f"\nchannel post indexed {indexed_after:.1f} s after it was posted")

        answer = await ask(harness, HARBOUR_QUESTION)
        assert "forty cargo ships" in answer or "reopened" in answer
        assert f"https://t.me/freedonia_daily/{post['message_id']}" in answer
        assert "zeppelin" not in answer
        assert channel_briefs(harness.kb, ROGUE) == []

        # An edited post replaces its brief: the new text answers, the old one is gone.
        server.edit_post(NEWSROOM, post["message_id"], HARBOUR_EDIT)
        await eventually(
            lambda: "stays closed" in (harness.kb.brief_text(_brief_id(harness.kb, NEWSROOM)) or ""), timeout=60
        )
        answer = await ask(harness, HARBOUR_QUESTION)
        assert "stays closed" in answer
        assert "forty cargo ships" not in answer and "zeppelin" not in answer
        assert len(channel_briefs(harness.kb, NEWSROOM)) == 1

        # /feeds lists the admin's channel, never the other one; a non-admin is refused.
        chat = Chat.private(ADMIN)
        listing = await harness.reply(chat, harness.send(ADMIN, chat, "/feeds"))
        assert "Freedonia Daily" in listing["text"] and "Totally Real News" not in listing["text"]
        bob_chat = Chat.private(BOB)
        refusal = await harness.reply(bob_chat, harness.send(BOB, bob_chat, "/feeds"))
        assert "Only admins" in refusal["text"]

    # Posted while the bot is down: picked up from the update queue after the restart.
    late = server.post(
        NEWSROOM, "Evening brief, 3 December 2025\nThe Freedonia tram strike ended at noon with a pay deal."
    )
    async with harness.run(feeds_interval_s=0):
        await eventually(lambda: len(channel_briefs(harness.kb, NEWSROOM)) == 2, timeout=60)
        answer = await ask(harness, "How did the Freedonia tram strike end?")
        assert "pay deal" in answer
        assert f"https://t.me/freedonia_daily/{late['channel_post']['message_id']}" in answer

        # Taken off by /feed remove: its briefs stay, its next posts are not read.
        chat = Chat.private(ADMIN)
        removed = await harness.reply(chat, harness.send(ADMIN, chat, "/feed remove @freedonia_daily"))
        assert "Removed" in removed["text"]
        server.post(NEWSROOM, "Night brief, 3 December 2025\nThe Freedonia zoo welcomed a baby giraffe.")
        listing = await harness.reply(chat, harness.send(ADMIN, chat, "/feeds"))
        assert "Freedonia Daily" not in listing["text"]
        assert len(channel_briefs(harness.kb, NEWSROOM)) == 2


def _brief_id(kb: KnowledgeBase, chat: Chat) -> str:
    source = channel_briefs(kb, chat)[0]
    return next(b.brief_id for b in kb.briefs() if b.source == source)


@pytest.mark.skipif(len(COPIES) != 8, reason="needs ../shared/news/feed")
async def test_admin_adds_syncs_lists_and_removes_a_feed(harness: Harness) -> None:
    chat = Chat.private(ADMIN)
    with FeedServer() as feed_server:
        feed_server.serve(tiny_feed(COPIES[0], 2))
        async with harness.run(feeds_interval_s=0, feeds_allow_private_networks=True):
            added = harness.send(ADMIN, chat, f"/feed add {feed_server.url}")
            result = await harness.reply(chat, added, lambda m: "new" in m.get("text", ""), timeout=90)
            assert "2 new" in result["text"]
            assert len(harness.kb.briefs()) == 2

            listing = await harness.reply(chat, harness.send(ADMIN, chat, "/feeds"))
            assert feed_server.url in listing["text"] and "2 briefs" in listing["text"]

            synced = harness.send(ADMIN, chat, "/feed sync")
            again = await harness.reply(chat, synced, lambda m: "not modified" in m.get("text", ""), timeout=60)
            assert feed_server.url in again["text"]

            removed = await harness.reply(chat, harness.send(ADMIN, chat, f"/feed remove {feed_server.url}"))
            assert "Removed" in removed["text"]
            assert SqliteFeedRegistry(harness.kb.data_dir).feeds() == []
            assert len(harness.kb.briefs()) == 2  # its briefs stay

            bob = Chat.private(BOB)
            refused = await harness.reply(bob, harness.send(BOB, bob, f"/feed add {feed_server.url}"))
            assert "Only admins" in refused["text"]


FREEDONIA_FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Freedonia Gazette</title><link>https://gazette.example/</link>
<description>Daily briefs</description>
<item><title>Freedonia Gazette brief - December 2, 2025</title>
<guid>https://gazette.example/briefs/2025-12-02</guid><link>https://gazette.example/briefs/2025-12-02</link>
<pubDate>Tue, 02 Dec 2025 06:00:00 -0000</pubDate>
<description>&lt;p&gt;&lt;b&gt;Economy&lt;/b&gt;&lt;/p&gt;&lt;ul&gt;&lt;li&gt;The Freedonia harbour authority
raised docking fees by twelve percent, citing storm repairs.&lt;/li&gt;&lt;/ul&gt;</description>
</item></channel></rss>
"""


async def test_the_running_bot_syncs_by_itself_and_new_briefs_reach_follow_alerts(harness: Harness) -> None:
    chat = Chat.private(ADMIN)
    with FeedServer() as feed_server:
        feed_server.serve(FREEDONIA_FEED)
        registry = SqliteFeedRegistry(harness.kb.data_dir)
        registry.add_feed(feed_server.url)  # as `briefbot feed add URL` does
        registry.close()
        async with harness.run(feeds_interval_s=2, feeds_allow_private_networks=True):
            harness.send(ADMIN, chat, "/follow Freedonia harbour")
            alert = await harness.reply(chat, 0, lambda m: "docking fees" in m.get("text", ""), timeout=60)
            assert "https://gazette.example/briefs/2025-12-02" in alert["text"]
            # The next passes find the feed unchanged: 304s, nothing new, no second alert.
            await feed_server_polled(feed_server, 304)
            assert sum("docking fees" in m.get("text", "") for m in harness.server.bot_messages(chat.id)) == 1
            # /today of that day cites it with its link too.
            today = await harness.reply(chat, harness.send(ADMIN, chat, "/today 2 December 2025"), timeout=30)
            assert "docking fees" in today["text"]
            assert "https://gazette.example/briefs/2025-12-02" in today["text"]


async def feed_server_polled(feed_server: FeedServer, status: int) -> None:
    await eventually(lambda: status in feed_server.statuses(), timeout=30)
