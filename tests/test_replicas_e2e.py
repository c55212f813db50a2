"""Two bot replicas behind one webhook, on one PostgreSQL: any replica serves any update.

Replica A and replica B are two Applications as `briefbot run` builds them in webhook mode, each
with a knowledge base of its own (its own connections, its own briefs and data folders, as on two
machines) on the same real PostgreSQL database. The local Bot API server delivers the updates to
them in turn, as a load balancer in front of the one webhook URL would: updates 1, 3, 5... reach
A, updates 2, 4, 6... reach B.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from telegram.ext import Application

from bot.telegram_bot.app import build_application, webhook_options
from index.embeddings import BriefEmbeddings
from index.knowledge_base import KnowledgeBase
from index.stores.postgres import REINDEX_LOCK_KEY
from tests.botapi.fixtures import TEST_BOT_TOKEN, TEST_BOT_USERNAME
from tests.botapi.running import running
from tests.botapi.server import BotApiServer, Chat
from tests.conftest import SAMPLE_BRIEF
from tests.test_telegram_e2e import (
    ADMIN,
    ALICE,
    FREEDONIA_BRIEF,
    FREEDONIA_QUESTION,
    Harness,
    buttons,
    eventually,
)

PUBLIC_HOOK = "https://bot.example.org/telegram/hook"
SECRET = "replicas-Secret_1"
EMBEDDING_DELAY_S = 2.0


class SlowEmbeddings:
    """The real embedder, taking EMBEDDING_DELAY_S longer per batch of passages: a reindex that
    surely still runs when the other replica is asked for one."""

    def __init__(self, inner: BriefEmbeddings) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def encode_passages(self, texts: list[str], **kwargs: Any) -> np.ndarray:
        time.sleep(EMBEDDING_DELAY_S)
        return self._inner.encode_passages(texts, **kwargs)


class SlowReindexKnowledgeBase(KnowledgeBase):
    """Reindexes with SlowEmbeddings. (A reindex embeds with an instance of its own, loaded by
    name: the knowledge base's own embedder, the one questions use, never reaches it.)"""

    def _embedder_for_indexing(self) -> BriefEmbeddings:
        return SlowEmbeddings(super()._embedder_for_indexing())  # type: ignore[return-value]


def reindex_lock_holders(url: str) -> int:
    """Sessions holding the reindex lock of this database (pg_try_advisory_lock)."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND ((classid::bigint << 32) | objid::bigint) = %s",
            (REINDEX_LOCK_KEY,),
        ).fetchone()
    return int(row[0]) if row else 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def replica(harness: Harness, port: int) -> AsyncIterator[Application]:
    """One `briefbot run` in webhook mode, listening on 127.0.0.1:`port`."""
    settings = harness.settings(
        webhook_url=PUBLIC_HOOK, webhook_secret=SECRET, webhook_listen="127.0.0.1", webhook_port=port
    )
    async with running(build_application(settings, harness.kb), webhook=webhook_options(settings)) as application:
        yield application


async def test_two_replicas_on_one_postgres_serve_any_update(
    tmp_path: Path, new_database, embedder: BriefEmbeddings
) -> None:
    briefs_a, briefs_b = tmp_path / "briefs-a", tmp_path / "briefs-b"
    briefs_a.mkdir()
    briefs_b.mkdir()
    shutil.copy2(SAMPLE_BRIEF, briefs_b / SAMPLE_BRIEF.name)  # B's folder only: A gets it from the database
    url = new_database()
    kb_a = SlowReindexKnowledgeBase(briefs_a, tmp_path / "data-a", embedder=embedder, database_url=url)
    kb_b = KnowledgeBase(briefs_b, tmp_path / "data-b", embedder=embedder, database_url=url)
    kb_b.reindex()  # the index exists before the replicas start
    ports = free_port(), free_port()
    hooks = [f"http://127.0.0.1:{port}/telegram/hook" for port in ports]
    alice, admin = Chat.private(ALICE), Chat.private(ADMIN)
    try:
        with BotApiServer(TEST_BOT_TOKEN, bot_username=TEST_BOT_USERNAME) as server:
            server.deliver_webhooks_to(hooks)
            on_a, on_b = Harness(server, kb_a), Harness(server, kb_b)
            async with replica(on_a, ports[0]), replica(on_b, ports[1]):
                # 1 -> A: a question.
                asked = on_a.send(ALICE, alice, "Siapa yang ditemui Shoigu di Beijing?")
                first = await on_a.answer(alice, asked)
                assert "Wang Yi" in first["text"]
                # 2 -> B: its follow-up, understood from the question A was asked.
                followed = on_a.send(ALICE, alice, "dan Tiongkok?")
                second = await on_a.answer(alice, followed)
                assert "Dipahami sebagai: Siapa yang ditemui Shoigu di Tiongkok?" in second["text"]
                # 3 -> A opens a passage button B made; 4 -> B opens one A made.
                await on_a.press(ALICE, alice, second, buttons(second)[0][1])
                from_b = await on_a.reply(alice, second["message_id"])
                await on_a.press(ALICE, alice, first, buttons(first)[0][1])
                from_a = await on_a.reply(alice, from_b["message_id"])
                assert "Shoigu" in from_b["text"] and "Shoigu" in from_a["text"]
                assert "blockquote" in {e["type"] for e in from_a.get("entities", [])}
                assert (briefs_a / SAMPLE_BRIEF.name).exists()  # A's start-up reindex fetched it

                # 5 -> A: Alice follows Freedonia; 6 -> B lists what A stored.
                follow = await on_a.reply(alice, on_a.send(ALICE, alice, "/follow Freedonia"))
                listed = await on_a.reply(alice, on_a.send(ALICE, alice, "/following"))
                assert follow["text"].startswith("🔔 Mengikuti Freedonia")
                assert listed["text"] == "🔔 Topik yang diikuti: Freedonia"

                # 7 -> A: an admin uploads a brief; A stores it and reindexes (slowly).
                upload = server.send_document(ADMIN, admin, "Freedonia brief.md", FREEDONIA_BRIEF.encode())
                stored = await on_a.reply(admin, upload["message"]["message_id"])
                assert stored["text"] == "📥 Stored as Freedonia-brief.md."
                # 8 -> B: a reindex asked of B while A's runs is refused: one reindex at a time.
                await eventually(lambda: reindex_lock_holders(url) == 1)
                busy = await on_a.reply(
                    admin, on_a.send(ADMIN, admin, "/reindex"), lambda m: "already running" in m["text"]
                )
                assert busy["text"] == "A reindex is already running — please wait for it to finish."
                done = await on_a.reply(admin, stored["message_id"], lambda m: "Reindex done" in m["text"], timeout=60)
                assert "1 added" in done["text"]
                # A checked the new brief after its reindex: Alice's alert.
                alert = await on_a.reply(alice, listed["message_id"], lambda m: m["text"].startswith("🔔 Freedonia —"))
                assert "12 billion euro drone fund" in alert["text"]
                # 9 -> A, 10 -> B: the new brief is answered by both, without a restart.
                for _ in range(2):
                    answer = await on_a.answer(alice, on_a.send(ALICE, alice, FREEDONIA_QUESTION))
                    assert "12 billion euro drone fund" in answer["text"]

                # 11 -> A: /status; 12 -> B: a reindex on B, whose folder never had the upload:
                # B fetches the file from the database, and the brief stays in the index.
                await on_a.reply(admin, on_a.send(ADMIN, admin, "/status"))
                reindexed = await on_a.reply(
                    admin, on_a.send(ADMIN, admin, "/reindex"), lambda m: "Reindex done" in m["text"], timeout=60
                )
                assert "0 added, 0 updated, 0 removed, 2 unchanged" in reindexed["text"]
                assert (briefs_b / "Freedonia-brief.md").read_bytes() == FREEDONIA_BRIEF.encode()
                # 13 -> A, 14 -> B: still answered by both.
                for _ in range(2):
                    answer = await on_a.answer(alice, on_a.send(ALICE, alice, FREEDONIA_QUESTION))
                    assert "12 billion euro drone fund" in answer["text"]
                await asyncio.sleep(0.5)  # a second alert (B checking the brief again) would be here by now
                alerts = [m for m in server.bot_messages(alice.id) if m["text"].startswith("🔔 Freedonia —")]
                assert len(alerts) == 1

            delivered = server.deliveries()
            assert [endpoint for _, endpoint, _ in delivered] == [hooks[i % 2] for i in range(len(delivered))]
            assert len(delivered) == 14 and all(status == 200 for _, _, status in delivered)
            assert server.webhook_url == PUBLIC_HOOK
    finally:
        kb_a.close()
        kb_b.close()
