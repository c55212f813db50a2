"""Bot state and brief files shared by replicas on one real PostgreSQL: followed topics, the alert
outbox (each alert delivered once, whichever replicas check and send it, over real HTTP to the
local Bot API server) and the briefs folder of each replica brought in line with the database.

Each "replica" here is a KnowledgeBase and a PostgresBotState of its own (its own connections,
its own briefs and data folders) on the same database, as two `briefbot run` processes are.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from telegram import Bot

from bot.engine.alerts import check_new_briefs
from bot.state import Subscription
from bot.state.postgres import PostgresBotState
from bot.telegram_bot.alerts import AlertMessenger
from index.embeddings import BriefEmbeddings
from index.knowledge_base import KnowledgeBase, UploadRejectedError
from tests.botapi.fixtures import TEST_BOT_TOKEN
from tests.botapi.server import BotApiServer
from tests.test_alerts import KURSK, PROTESTS, brief
from tests.test_telegram_e2e import eventually

NEW_KURSK = "Fighting in the Kursk region intensified as North Korean units joined the assault."


@dataclass
class Replica:
    kb: KnowledgeBase
    state: PostgresBotState


@pytest.fixture
def two_replicas(tmp_path: Path, new_database, embedder: BriefEmbeddings) -> Iterator[tuple[Replica, Replica]]:
    """Replicas A and B on one database, each with a briefs folder of its own; A's folder holds
    the first brief, indexed."""
    url = new_database()
    made = []
    for name in ("a", "b"):
        (tmp_path / f"briefs-{name}").mkdir()
        kb = KnowledgeBase(tmp_path / f"briefs-{name}", tmp_path / f"data-{name}", embedder=embedder, database_url=url)
        # Two senders taking two alerts at a time: a handful of alerts is enough for them to race.
        made.append(Replica(kb, PostgresBotState(url, claim_batch=2)))
    (made[0].kb.briefs_dir / "2025-10-01.md").write_text(brief("2025-10-01", KURSK), encoding="utf-8")
    made[0].kb.reindex()
    yield made[0], made[1]
    for replica in made:
        replica.state.close()
        replica.kb.close()


def upload(replica: Replica, name: str, text: str) -> str:
    """What an admin's upload does: store the file, then reindex; the name it was stored as."""
    stored = replica.kb.store_upload(name, text.encode())
    replica.kb.reindex()
    return stored.source


async def test_a_new_briefs_alert_reaches_each_follower_once_when_both_replicas_check_and_send(
    two_replicas: tuple[Replica, Replica], botapi_server: BotApiServer
) -> None:
    a, b = two_replicas
    assert check_new_briefs(a.kb, a.state) == 0  # the first brief, checked before anyone follows
    chats = list(range(5001, 5009))
    for chat_id in chats[::2]:  # half follow on A, half on B: every replica sees them all
        assert a.state.follow(Subscription(chat_id, "Kursk", "en"))
    for chat_id in chats[1::2]:
        assert b.state.follow(Subscription(chat_id, "kursk", "en"))
    assert b.state.following(chats[0]) == ["Kursk"] and not b.state.follow(Subscription(chats[0], "KURSK ", "en"))

    upload(a, "2025-10-02.md", brief("2025-10-02", KURSK, PROTESTS, NEW_KURSK))
    bots = [Bot(TEST_BOT_TOKEN, base_url=f"{botapi_server.url}/bot") for _ in (a, b)]
    messengers = [AlertMessenger(bot, r.kb, r.state) for bot, r in zip(bots, (a, b), strict=True)]
    async with bots[0], bots[1]:
        # Both replicas check the new brief and send the outbox at the same moment.
        await asyncio.gather(*(messenger.check() for messenger in messengers))
        await eventually(lambda: all(botapi_server.bot_messages(chat_id) for chat_id in chats))
        await asyncio.sleep(1.0)  # a second copy of any alert would have been sent by now
        for messenger in messengers:
            await messenger.close()

    for chat_id in chats:
        [alert] = botapi_server.bot_messages(chat_id)
        assert alert["text"].startswith("🔔 Kursk — the brief of October 2, 2025:") or alert["text"].startswith(
            "🔔 kursk — the brief of October 2, 2025:"
        )
        assert NEW_KURSK in alert["text"] and KURSK not in alert["text"]
    assert not a.state.queued() and not b.state.queued()
    # Checked once for every replica: checking again, anywhere, queues nothing.
    assert check_new_briefs(b.kb, b.state) == 0 and check_new_briefs(a.kb, a.state) == 0


def test_two_senders_draining_one_outbox_at_once_send_every_alert_once(
    two_replicas: tuple[Replica, Replica],
) -> None:
    a, b = two_replicas
    a.state.checked("brief", "hash", [], [(chat_id, None, {"topics": ["Kursk"]}) for chat_id in range(40)])
    sent: list[tuple[str, int]] = []
    start = threading.Barrier(2)

    def send_all(state: PostgresBotState) -> None:
        start.wait()
        while queued := state.queued():
            for alert in queued:
                sent.append((state.sender, alert.chat_id))
                time.sleep(0.005)  # Telegram taking the message
                state.part_sent(alert.alert_id)
                state.sent(alert.alert_id)

    threads = [threading.Thread(target=send_all, args=(r.state,)) for r in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Counter(chat_id for _, chat_id in sent) == Counter(range(40))  # each once, none lost
    assert {sender for sender, _ in sent} == {a.state.sender, b.state.sender}  # both did send


def test_an_alert_a_replica_claimed_goes_to_another_when_its_lease_ends_or_it_stops(
    two_replicas: tuple[Replica, Replica],
) -> None:
    a, b = two_replicas
    payload: dict[str, object] = {"topics": ["Kursk"]}
    url = a.kb.database_url
    assert url is not None
    dying = PostgresBotState(url, lease_s=1)
    dying.checked("brief", "hash", [], [(7, None, payload), (8, None, payload)])
    [first, second] = dying.queued()
    dying.part_sent(first.alert_id)  # one part of the first alert was delivered, then the replica hung
    assert b.state.queued() == []  # held by the sender that claimed them
    time.sleep(1.2)
    taken = b.state.queued()
    assert [(alert.chat_id, alert.parts_sent) for alert in taken] == [(7, 1), (8, 0)]  # from the next part on

    stopping = PostgresBotState(url)
    stopping.checked("brief-2", "hash", [], [(9, None, payload)])
    assert [alert.chat_id for alert in stopping.queued()] == [9]
    assert [alert.chat_id for alert in a.state.queued()] == []
    stopping.close()  # a replica shutting down lets its claims go at once
    assert [alert.chat_id for alert in a.state.queued()] == [9]
    dying.close()


async def test_alerts_a_stopped_replica_had_claimed_are_sent_by_another_without_waiting_for_a_reindex(
    two_replicas: tuple[Replica, Replica], botapi_server: BotApiServer
) -> None:
    a, b = two_replicas
    url = a.kb.database_url
    assert url is not None
    dying = PostgresBotState(url, lease_s=1)
    assert check_new_briefs(a.kb, dying) == 0
    assert dying.follow(Subscription(6001, "Kursk", "en"))
    upload(a, "2025-10-02.md", brief("2025-10-02", KURSK, NEW_KURSK))
    assert check_new_briefs(a.kb, dying) == 1
    assert [alert.chat_id for alert in dying.queued()] == [6001]  # claimed; then replica A hangs

    bot = Bot(TEST_BOT_TOKEN, base_url=f"{botapi_server.url}/bot")
    messenger = AlertMessenger(bot, b.kb, b.state)
    async with bot:
        retrying = asyncio.create_task(messenger.keep_sending(interval_s=0.3))  # B's outbox sweep
        try:
            await eventually(lambda: bool(botapi_server.bot_messages(6001)), timeout=10)
        finally:
            retrying.cancel()
            await messenger.close()
    [alert] = botapi_server.bot_messages(6001)
    assert NEW_KURSK in alert["text"]
    dying.close()


def test_a_brief_checked_on_two_replicas_queues_the_alerts_of_the_first_check_only(
    two_replicas: tuple[Replica, Replica],
) -> None:
    a, b = two_replicas
    first: dict[str, object] = {"topics": ["Kursk"]}
    second: dict[str, object] = {"topics": ["Kursk", "Sudan"]}
    a.state.checked("brief", "hash", ["p1"], [(1, None, first)])
    b.state.checked("brief", "hash", ["p1", "p2"], [(1, None, second), (2, None, second)])
    assert [(alert.chat_id, alert.payload["topics"]) for alert in a.state.queued()] == [(1, ["Kursk"])]
    assert a.state.unchecked([("brief", "hash"), ("brief", "other")]) == [("brief", "other")]
    assert b.state.unseen(["p1", "p2"]) == {"p2"}  # the second check changed nothing


# -- brief files ---------------------------------------------------------------------------------


def indexed_sources(kb: KnowledgeBase) -> set[str]:
    return {record.source for record in kb.briefs()}


def test_a_brief_uploaded_to_one_replica_survives_a_reindex_on_another_and_lands_in_its_folder(
    two_replicas: tuple[Replica, Replica],
) -> None:
    a, b = two_replicas
    assert upload(a, "Freedonia brief.md", brief("2025-10-02", PROTESTS)) == "Freedonia-brief.md"
    report = b.kb.reindex()

    assert not report.removed and indexed_sources(b.kb) == {"2025-10-01.md", "Freedonia-brief.md"}
    assert (b.kb.briefs_dir / "Freedonia-brief.md").read_text(encoding="utf-8") == brief("2025-10-02", PROTESTS)
    assert (b.kb.briefs_dir / "2025-10-01.md").exists()  # A's first brief too (it was in A's folder)
    assert b.kb.search("Malagasy protests Antananarivo", k=1)[0].source == "Freedonia-brief.md"
    # The same brief again, to B (which has it now) or under another name: refused.
    with pytest.raises(UploadRejectedError, match="already there, as Freedonia-brief.md"):
        b.kb.store_upload("copy.md", brief("2025-10-02", PROTESTS).encode())


def test_an_upload_to_a_replica_that_has_not_synced_yet_never_takes_another_replicas_file_name(
    two_replicas: tuple[Replica, Replica],
) -> None:
    a, b = two_replicas
    a.kb.store_upload("news.md", brief("2025-10-02", PROTESTS).encode())
    # B has not reindexed since: its folder has no news.md, but the database has.
    stored = b.kb.store_upload("news.md", brief("2025-10-03", NEW_KURSK).encode())
    assert (stored.source, stored.renamed) == ("news-2.md", True)
    a.kb.reindex()
    assert indexed_sources(a.kb) == {"2025-10-01.md", "news.md", "news-2.md"}
    assert (a.kb.briefs_dir / "news.md").read_text(encoding="utf-8") == brief("2025-10-02", PROTESTS)


def test_a_brief_removed_on_one_replica_is_moved_aside_on_the_others_and_stays_removed(
    two_replicas: tuple[Replica, Replica],
) -> None:
    a, b = two_replicas
    b.kb.reindex()
    assert (b.kb.briefs_dir / "2025-10-01.md").exists()
    removed = b.kb.remove_brief("2025-10-01")
    assert removed is not None and removed.source == "2025-10-01.md"

    report = a.kb.reindex()  # A's folder still had its copy: moved aside, not indexed again
    assert not report.added and indexed_sources(a.kb) == set()
    assert not (a.kb.briefs_dir / "2025-10-01.md").exists()
    [parked] = (a.kb.data_dir / "removed").iterdir()
    assert parked.name.endswith("-2025-10-01.md") and KURSK in parked.read_text(encoding="utf-8")
    # Uploaded again later (an admin changed their mind): back on every replica.
    upload(b, "2025-10-01.md", brief("2025-10-01", KURSK))
    a.kb.reindex()
    assert (a.kb.briefs_dir / "2025-10-01.md").exists() and indexed_sources(a.kb) == {"2025-10-01.md"}


def test_files_dropped_in_or_edited_by_hand_in_one_replicas_folder_reach_the_others(
    two_replicas: tuple[Replica, Replica],
) -> None:
    a, b = two_replicas
    b.kb.reindex()
    (b.kb.briefs_dir / "archive").mkdir()
    (b.kb.briefs_dir / "archive" / "2025-10-05.md").write_text(brief("2025-10-05", PROTESTS), encoding="utf-8")
    edited = brief("2025-10-01", KURSK, NEW_KURSK)
    (b.kb.briefs_dir / "2025-10-01.md").write_text(edited, encoding="utf-8")
    report = b.kb.reindex()
    assert report.added == ("archive/2025-10-05.md",) and report.updated == ("2025-10-01.md",)

    report = a.kb.reindex()  # A: nothing new to index, its folder now as B's
    assert not report.changed
    assert (a.kb.briefs_dir / "archive" / "2025-10-05.md").read_text(encoding="utf-8") == brief("2025-10-05", PROTESTS)
    assert (a.kb.briefs_dir / "2025-10-01.md").read_text(encoding="utf-8") == edited
    # A's copy before the edit was replaced, not lost.
    assert [p.read_text(encoding="utf-8") for p in (a.kb.data_dir / "removed").iterdir()] == [
        brief("2025-10-01", KURSK)
    ]

    # Deleted by hand from A's folder: removed from the index, and B's copy moved aside.
    (a.kb.briefs_dir / "archive" / "2025-10-05.md").unlink()
    assert a.kb.reindex().removed == ("archive/2025-10-05.md",)
    b.kb.reindex()
    assert not (b.kb.briefs_dir / "archive" / "2025-10-05.md").exists()
    assert indexed_sources(b.kb) == {"2025-10-01.md"}
